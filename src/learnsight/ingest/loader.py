"""Import one file of business data into its table: check every row in DuckDB, then upsert.

The file is read and checked in one pass on a scratch connection (TEMP tables), outside the
write lock; only the upsert takes the single writer, in one transaction. Rows are upserted on the
kind's natural key and only the mapped fields are written, so an export that lacks a column never
blanks what another import stored there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

import duckdb

from learnsight.db import Database
from learnsight.derived_tables import mark_changed
from learnsight.ingest.kinds import Kind
from learnsight.ingest.mapping import Mapping, MappingError, Source, default_mapping
from learnsight.ingest.rules import (
    LOOKUP_TYPES,
    FieldSQL,
    field_sql,
    identifier,
    install_lookup_macros,
    literal,
)
from learnsight.ingest.sources import LoadedSource, load_source, unreadable
from learnsight.ingest.summary import REJECTS_KEPT, ImportResult, Reject

T = TypeVar("T")
PhaseProgress = Callable[[str, float], None]  # (phase, percent of the whole import)
PHASES = {"reading": (0.0, 65.0), "checking": (65.0, 70.0), "storing": (70.0, 100.0)}
VALID = "errors IS NULL AND NOT skipped"  # a staged row that is imported


@dataclass(frozen=True)
class ImportOptions:
    strict: bool = False  # a single bad row rejects the whole file
    dry_run: bool = False  # check and count, store nothing
    name: str | None = None  # the file's name in the summary (uploads are stored under another)
    history: bool = True  # recorded in `learnsight import history` (not each HTTP event batch)


class RolledBack(Exception):
    """Raised inside the write transaction to undo it (dry run, or --strict with a bad row)."""


def import_table(
    db: Database,
    kind: Kind,
    path: Path,
    mapping: Mapping | None = None,
    options: ImportOptions | None = None,
    progress: PhaseProgress | None = None,
) -> ImportResult:
    options = options or ImportOptions()
    read = partial(load_source, path=path)
    return import_rows(db, kind, read, options.name or path.name, mapping, options, progress)


def import_rows(
    db: Database,
    kind: Kind,
    read: Callable[[duckdb.DuckDBPyConnection], LoadedSource],
    file: str,
    mapping: Mapping | None = None,
    options: ImportOptions | None = None,
    progress: PhaseProgress | None = None,
) -> ImportResult:
    """Import the rows `read` loads on a scratch connection: a file's, or rows sent over HTTP
    (`file` names them in the summary)."""
    options = options or ImportOptions()
    result = ImportResult(kind.name, file)
    started = datetime.now(UTC)
    with db.scratch() as cursor:
        cursor.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
        source = read(cursor)
        mapping = mapping or default_mapping(kind, source.columns or kind.field_names)
        mapping = mapping.for_columns(source.columns)
        check_mapping(mapping, source, result.file)
        plan = Plan(kind, mapping, source)
        stage(cursor, plan, result.file, progress)
        collect_rejects(cursor, source, result)
        run(cursor, lambda: count_rows(cursor, plan, result), "checking", progress)
        try:
            with db.write(cursor) as writer:
                run(writer, lambda: plan.upsert(writer, result), "storing", progress)
                if result.inserted or result.updated:
                    mark_changed(writer, kind.table)
                if options.dry_run or (options.strict and result.rejected):
                    raise RolledBack
                if options.history:
                    record(writer, result, started, options)
        except RolledBack:
            result.outcome = "dry run" if options.dry_run else "rejected"
            if options.history and not options.dry_run:
                with db.write(cursor) as writer:
                    record(writer, result, started, options)
    return result


def run(
    cursor: duckdb.DuckDBPyConnection,
    work: Callable[[], T],
    phase: str,
    progress: PhaseProgress | None,
) -> T:
    """Run `work` (DuckDB queries on `cursor`), reporting the phase's progress while it runs."""
    if progress is None:
        return work()
    low, high = PHASES[phase]
    outcome: dict[str, T] = {}
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    while thread.is_alive():
        done = max(cursor.query_progress(), 0.0)
        progress(phase, low + (high - low) * done / 100)
        thread.join(0.1)
    if failure:
        raise failure[0]
    progress(phase, high)
    return outcome["value"]


def stage(
    cursor: duckdb.DuckDBPyConnection, plan: Plan, file: str, progress: PhaseProgress | None
) -> None:
    """Read every row once into `staged`: typed values, and the reasons of a bad row."""
    if plan.uses_lookups:
        install_lookup_macros(cursor)
    try:
        run(cursor, lambda: cursor.execute(plan.stage_sql()), "reading", progress)
    except (duckdb.InvalidInputException, duckdb.IOException) as error:
        raise unreadable(file, plan.source.format, error) from None  # e.g. a bad CSV row
    skip_rows = plan.mapping.skip_rows  # rows after the header that are not data
    if skip_rows:
        cursor.execute(f"UPDATE staged SET skipped = true, errors = NULL WHERE rowid < {skip_rows}")


def check_mapping(mapping: Mapping, source: LoadedSource, file: str) -> None:
    """Fail before reading rows when the mapping cannot apply to this file."""
    kind = mapping.kind
    if source.columns:
        missing = sorted(c for c in mapping.columns if c not in source.columns)
        if missing:
            raise MappingError(
                f"{mapping.name}: column(s) {', '.join(map(repr, missing))} not in {file} "
                f"(its columns: {', '.join(source.columns)})"
            )
    unmapped = [
        f.name
        for f in kind.fields
        if f.required and f.default is None and f.name not in mapping.fields
    ]
    if kind.derived_key and not (set(kind.key) | set(kind.derived_key)) & set(mapping.fields):
        unmapped.append(f"{kind.key[0]} (or {', '.join(kind.derived_key)})")
    if unmapped:
        raise MappingError(
            f"{mapping.name}: no column for {', '.join(unmapped)} in {file}; "
            f"name the columns after the fields or pass --mapping / --preset"
        )


def read_sql(source: LoadedSource, spec: Source) -> str | None:
    """SQL reading a field's column as text; several columns are joined with a space (blanks
    skipped). None for a constant."""
    if spec.column is None:
        return None
    if not spec.joined:
        return source.column_sql(spec.column)
    parts = ", ".join(f"nullif(trim({source.column_sql(c)}), '')" for c in spec.columns)
    return f"concat_ws(' ', {parts})"


class Plan:
    """The SQL of one import: typed values and errors per row, then the upsert."""

    def __init__(self, kind: Kind, mapping: Mapping, source: LoadedSource) -> None:
        self.kind, self.mapping, self.source = kind, mapping, source
        self.sql: dict[str, FieldSQL] = {
            name: field_sql(kind.field(name), spec, read_sql(source, spec))
            for name, spec in mapping.fields.items()
        }
        # Written on insert and update: the mapped fields and the key.
        self.written = [f for f in kind.field_names if f in self.sql or f in kind.key]
        self.uses_lookups = any(kind.field(name).type in LOOKUP_TYPES for name in self.sql)

    def key_sql(self, name: str) -> tuple[str, str]:
        """(value, error) of a key field, derived from other fields when the source lacks it."""
        typed = self.sql[name].typed if name in self.sql else "NULL"
        error = self.sql[name].error if name in self.sql else "NULL"
        if not self.kind.derived_key or name != self.kind.key[0]:
            return typed, error
        parts = [self.sql[f].typed if f in self.sql else "NULL" for f in self.kind.derived_key]
        texts = ", ".join(f"coalesce(({part})::VARCHAR, '')" for part in parts)
        derived = parts[0] if len(parts) == 1 else f"md5(concat_ws(chr(31), {texts}))"
        value = f"coalesce({typed}, {derived})"
        missing = literal(f"{name} is required (or {', '.join(self.kind.derived_key)})")
        error = (
            f"coalesce({error}, CASE WHEN {value} IS NULL THEN "
            f"{{'column': {literal(name)}, 'value': NULL, 'rule': {missing}}} END)"
        )
        return value, error

    def stage_sql(self) -> str:
        """Every row, in the source's order (`rowid` is its position): its typed values, its
        errors (NULL when it has none, so valid rows build no list), and whether the mapping's
        `only` skips it."""
        values, errors = [], []
        for name in self.written:
            if name in self.kind.key:
                value, error = self.key_sql(name)
            else:
                value, error = self.sql[name].typed, self.sql[name].error
            values.append(f"{value} AS {identifier(name)}")
            errors.append(error)
        only = [
            f"trim({self.source.column_sql(column)}) IN ({', '.join(map(literal, kept))})"
            for column, kept in self.mapping.only.items()
        ]
        keep = " AND ".join(only) or "true"
        valid = " AND ".join(f"({error}) IS NULL" for error in errors)
        listed = f"list_filter([{', '.join(errors)}], lambda e: e IS NOT NULL)"
        return (
            f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {', '.join(values)}, "
            f"CASE WHEN ({keep}) AND NOT ({valid}) THEN {listed} END AS errors, "
            f"({keep}) IS NOT TRUE AS skipped "
            f"FROM {self.source.relation} AS source"
        )

    def incoming_sql(self, duplicates: bool) -> str:
        """Valid rows, one per key: the file's last row with that key wins (a view when no key
        repeats, so the rows are not copied again)."""
        columns = ", ".join(map(identifier, self.written))
        select = f"SELECT {columns} FROM staged WHERE {VALID}"
        if not duplicates:
            return f"CREATE OR REPLACE TEMP VIEW incoming AS {select}"
        key = ", ".join(map(identifier, self.kind.key))
        return (
            f"CREATE OR REPLACE TEMP TABLE incoming AS {select} "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY rowid DESC) = 1"
        )

    def upsert(self, cur: duckdb.DuckDBPyConnection, result: ImportResult) -> None:
        table = identifier(self.kind.table)
        match = " AND ".join(f"t.{identifier(k)} = i.{identifier(k)}" for k in self.kind.key)
        values = [f for f in self.written if f not in self.kind.key]
        same = (
            " AND ".join(
                f"t.{identifier(f)} IS NOT DISTINCT FROM i.{identifier(f)}" for f in values
            )
            or "true"
        )
        row = cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {same}) "
            f"FROM incoming i JOIN {table} t ON {match}"
        ).fetchone()
        existing, unchanged = row if row else (0, 0)
        incoming = cur.execute("SELECT count(*) FROM incoming").fetchone()
        result.inserted = (incoming[0] if incoming else 0) - existing
        result.updated, result.unchanged = existing - unchanged, unchanged
        if values and result.updated:
            assignments = ", ".join(f"{identifier(f)} = i.{identifier(f)}" for f in values)
            cur.execute(
                f"UPDATE {table} t SET {assignments} FROM incoming i WHERE {match} AND NOT ({same})"
            )
        if result.inserted:
            self.insert(cur, table, match)

    def insert(self, cur: duckdb.DuckDBPyConnection, table: str, match: str) -> None:
        defaults = {
            f.name: literal(f.default)
            for f in self.kind.fields
            if f.default is not None and f.name not in self.written
        }
        columns = [*self.written, *defaults]
        selected = [f"i.{identifier(f)}" for f in self.written] + list(defaults.values())
        cur.execute(
            f"INSERT INTO {table} ({', '.join(map(identifier, columns))}) "
            f"SELECT {', '.join(selected)} FROM incoming i "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})"
        )


def collect_rejects(
    cursor: duckdb.DuckDBPyConnection, source: LoadedSource, result: ImportResult
) -> None:
    """Count the rows read, skipped and rejected; keep the first reasons in detail."""
    staged = cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE skipped), "
        "count(*) FILTER (WHERE errors IS NOT NULL) FROM staged"
    ).fetchone()
    result.read, result.skipped, result.rejected = staged if staged else (0, 0, 0)
    reasons = cursor.execute(
        f"SELECT rowid + {source.first_line} AS line, e.column, e.value, e.rule "
        "FROM (SELECT rowid, unnest(errors) AS e FROM staged WHERE errors IS NOT NULL) "
        f"ORDER BY line LIMIT {REJECTS_KEPT}"
    ).fetchall()
    for line, column, value, rule in reasons:
        result.reject(Reject(line, column, value, rule))


def count_rows(cursor: duckdb.DuckDBPyConnection, plan: Plan, result: ImportResult) -> None:
    """The rows whose key comes again later in the file; then the `incoming` rows."""
    key = ", ".join(map(identifier, plan.kind.key))
    row = cursor.execute(f"SELECT count(DISTINCT ({key})) FROM staged WHERE {VALID}").fetchone()
    result.duplicates = result.read - result.skipped - result.rejected - (row[0] if row else 0)
    cursor.execute(plan.incoming_sql(result.duplicates > 0))


def record(
    cur: duckdb.DuckDBPyConnection, result: ImportResult, started: datetime, options: ImportOptions
) -> None:
    """One row of `learnsight import history`."""
    cur.execute(
        "INSERT INTO imports SELECT coalesce(max(id), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
        "FROM imports",
        [result.kind, result.file, started, datetime.now(UTC), options.strict, result.read,
         result.inserted, result.updated, result.unchanged, result.rejected, result.outcome],
    )  # fmt: skip
