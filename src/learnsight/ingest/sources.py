"""Source files (CSV, Parquet, JSON Lines; optionally gzipped) as relations of text rows.

Opening a source reads only its header: the loader reads the rows once, as it checks them (the
`staged` table's `rowid` is then a row's position, so a rejected row is named by its line).
Columns are read as text: parsing is the rules' job.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from learnsight.errors import LearnsightError
from learnsight.ingest.rules import identifier, literal

FORMATS = {".csv": "csv", ".tsv": "csv", ".parquet": "parquet", ".jsonl": "json",
           ".ndjson": "json", ".json": "json"}  # fmt: skip
NESTED_TYPES = ("[]", "STRUCT", "MAP")  # Parquet values read as JSON text


class SourceError(LearnsightError):
    """A file that cannot be read as the format its name says."""


@dataclass(frozen=True)
class LoadedSource:
    format: str  # csv, parquet, json, or rows (in memory)
    columns: list[str]  # CSV/Parquet headers; empty for JSON Lines (fields are paths)
    relation: str  # SQL of the rows, read as `FROM {relation} AS source`
    first_line: int  # the line of the first row (2 after a CSV header)
    nested: frozenset[str] = field(default_factory=frozenset)  # Parquet lists, structs, maps

    def column_sql(self, column: str) -> str:
        """SQL reading one source column (a dotted path in JSON Lines) as text."""
        if self.format == "json":
            path = "$." + ".".join(identifier(part) for part in column.split("."))
            return f"json_extract_string(source.json, {literal(path)})"
        value = f"source.{identifier(column)}"
        if self.format != "parquet":
            return value
        # Parquet columns as text like CSV's (nested values as JSON), so rules apply alike.
        return f"to_json({value})::VARCHAR" if column in self.nested else f"{value}::VARCHAR"


def source_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise SourceError(f"{path.name}: unknown file type (expected {known}, optionally .gz)")
    return fmt


def unreadable(name: str, fmt: str, error: duckdb.Error) -> SourceError:
    first_line = str(error).strip().splitlines()[0]
    return SourceError(f"{name}: cannot be read as {fmt} ({first_line})")


def load_source(cursor: duckdb.DuckDBPyConnection, path: Path) -> LoadedSource:
    """Open `path`: its columns, and the SQL that reads its rows on this connection."""
    fmt = source_format(path)
    if fmt == "parquet" and path.suffix.lower() == ".gz":
        return load_gzipped_parquet(cursor, path)
    file = literal(str(path))
    reader = {
        "csv": f"read_csv({file}, all_varchar = true, header = true, null_padding = true)",
        "parquet": f"read_parquet({file})",
        "json": f"read_json_objects({file}, format = 'auto')",
    }[fmt]
    try:  # reads the header (CSV: a sample, to find the dialect), not the rows
        described = cursor.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
    except duckdb.Error as error:
        raise unreadable(path.name, fmt, error) from None
    types = {row[0]: row[1] for row in described}
    return LoadedSource(
        format=fmt,
        columns=[] if fmt == "json" else list(types),
        relation=reader,
        first_line=2 if fmt == "csv" else 1,
        nested=frozenset(c for c, t in types.items() if any(m in t for m in NESTED_TYPES)),
    )


def load_gzipped_parquet(cursor: duckdb.DuckDBPyConnection, path: Path) -> LoadedSource:
    """DuckDB unzips CSV and JSON as it reads them, but not Parquet: unzip to a temporary file,
    whose rows are copied into a TEMP table before it goes."""
    with tempfile.TemporaryDirectory(prefix="learnsight-") as folder:
        plain = Path(folder) / path.stem
        try:
            with gzip.open(path) as packed, plain.open("wb") as unpacked:
                shutil.copyfileobj(packed, unpacked, 1 << 20)
        except (OSError, EOFError) as error:
            raise SourceError(f"{path.name}: cannot be unzipped ({error})") from None
        source = load_source(cursor, plain)
        try:
            cursor.execute(f"CREATE OR REPLACE TEMP TABLE unzipped AS FROM {source.relation}")
        except duckdb.Error as error:
            raise unreadable(path.name, source.format, error) from None
    return LoadedSource(source.format, source.columns, "unzipped", source.first_line, source.nested)


def load_rows(cursor: duckdb.DuckDBPyConnection, rows: pa.Table) -> LoadedSource:
    """Rows already in memory (an Arrow table of text columns, e.g. events sent over HTTP);
    a row's line is its position, from 0."""
    cursor.register("rows_in_memory", rows)
    return LoadedSource(format="rows", columns=rows.column_names, relation="rows_in_memory",
                        first_line=0)  # fmt: skip
