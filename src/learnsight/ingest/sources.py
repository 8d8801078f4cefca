"""Source files (CSV, Parquet, JSON Lines; optionally gzipped) as DuckDB tables of text.

A source is loaded once into a TEMP table `source` whose `rowid` is the row's position, so every
rejected row can be named by its line. Columns are read as text: parsing is the rules' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from learnsight.ingest.rules import identifier, literal

FORMATS = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".jsonl": "json",
           ".ndjson": "json", ".json": "json"}  # fmt: skip


class SourceError(Exception):
    """A file that cannot be read as the format its name says."""


@dataclass(frozen=True)
class LoadedSource:
    format: str  # csv, parquet or json
    columns: list[str]  # CSV/Parquet headers; empty for JSON Lines (fields are paths)
    rows: int
    first_line: int  # the line of the first row (2 after a CSV header)

    def column_sql(self, column: str) -> str:
        """SQL reading one source column (a dotted path in JSON Lines) as text."""
        if self.format != "json":
            return f"source.{identifier(column)}"
        path = "$." + ".".join(identifier(part) for part in column.split("."))
        return f"json_extract_string(source.json, {literal(path)})"

    def line_sql(self) -> str:
        return f"(source.rowid + {self.first_line})"


def source_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise SourceError(f"{path.name}: unknown file type (expected {known}, optionally .gz)")
    return fmt


def load_source(cursor: duckdb.DuckDBPyConnection, path: Path) -> LoadedSource:
    """Read `path` into the TEMP table `source` on this connection."""
    fmt = source_format(path)
    file = literal(str(path))
    reader = {
        "csv": f"read_csv({file}, all_varchar = true, header = true, null_padding = true)",
        "parquet": f"read_parquet({file})",
        "json": f"read_json_objects({file}, format = 'auto')",
    }[fmt]
    try:
        cursor.execute(f"CREATE OR REPLACE TEMP TABLE source AS SELECT * FROM {reader}")
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise SourceError(f"{path.name}: cannot be read as {fmt} ({first_line})") from None
    columns = [row[0] for row in cursor.execute("DESCRIBE source").fetchall()]
    if fmt == "parquet":
        as_text(cursor, columns)
    count = cursor.execute("SELECT count(*) FROM source").fetchone()
    return LoadedSource(
        format=fmt,
        columns=[] if fmt == "json" else columns,
        rows=count[0] if count else 0,
        first_line=2 if fmt == "csv" else 1,
    )


def as_text(cursor: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """Parquet columns as text like CSV's (nested values as JSON), so rules apply alike."""
    types = dict(
        cursor.execute("SELECT column_name, column_type FROM (DESCRIBE source)").fetchall()
    )
    casts = []
    for column in columns:
        quoted = identifier(column)
        nested = any(mark in types[column] for mark in ("[]", "STRUCT", "MAP"))
        value = f"to_json({quoted})::VARCHAR" if nested else f"{quoted}::VARCHAR"
        casts.append(f"{value} AS {quoted}")
    cursor.execute(f"CREATE OR REPLACE TEMP TABLE source AS SELECT {', '.join(casts)} FROM source")
