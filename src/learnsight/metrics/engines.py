"""Ibis engines for a data directory: DuckDB, the embedded default.

Another engine (PostgreSQL, Spark) is added here by returning an Ibis backend holding the same
tables; the KPIs themselves never change. The organisation's time zone becomes the session's,
so that day, week and month buckets are the organisation's.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from learnsight.db import Database
from learnsight.metrics.config import CONFIG_FILE, read_config
from learnsight.metrics.context import Context
from learnsight.metrics.facts import ensure_fresh
from learnsight.organisation import organisation_settings

_local = threading.local()
# duckdb_rows copies a result on purpose (see there).
warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)
COMPILED_QUERIES = 1024  # distinct queries whose SQL is kept
_numbering = threading.Lock()
BUILD_NUMBERS = 10**15  # where reference numbers start inside a KPI build


def duckdb_context(db: Database, data: Path) -> Context:
    """A Context on the data directory's DuckDB, one Ibis backend per thread (costly to make)."""
    backend = getattr(_local, "backend", None)
    if backend is None or getattr(_local, "db", None) is not db:
        # A connection of its own: its session time zone must not reach the LRS's readers.
        _local.session = db.connect()
        backend = reusing_compiled_sql(ibis.duckdb.from_connection(_local.session))
        _local.backend, _local.db, _local.tables = backend, db, {}
    organisation = organisation_settings(db)
    _local.session.execute("SET TimeZone = ?", [organisation["timezone"]])
    learning_seq = ensure_fresh(db, backend, organisation["timezone"])
    config = load_config(data / CONFIG_FILE)
    fetch = partial(duckdb_rows, backend)
    return Context(backend, organisation, config, _local.tables, fetch, learning_seq)


def duckdb_rows(backend: Any, expr: ir.Table) -> list[dict[str, Any]]:
    """An expression's rows, through a DuckDB cursor rather than a DuckDB relation as Ibis
    does: for a KPI's few rows, parsing a relation costs more than copying them (the copy
    DuckDB warns about), about 15 ms a query. Ibis converts the values to the expression's
    types, as its own way does."""
    from ibis.backends.duckdb.converter import DuckDBPyArrowData  # loads pandas: not at start

    table = backend.con.execute(backend.compile(expr)).to_arrow_table()
    rows: list[dict[str, Any]] = expr.__pyarrow_result__(
        table, data_mapper=DuckDBPyArrowData
    ).to_pylist()
    return rows


def load_config(path: Path) -> dict[str, Any]:
    """The data directory's kpis.yaml, checked as a whole (metrics.config), or the defaults."""
    return read_config(path)


class CompiledSQL:
    """The SQL of the expressions compiled so far, the least recently used dropped first.

    Building a KPI's Ibis expression takes milliseconds; compiling it to SQL takes tens, the
    larger part of a query on small data. A dashboard asks the same queries again and again:
    equal expressions (Ibis compares them by structure) reuse their SQL. The SQL depends only on
    the expression and the engine, never on the data, so an entry is never stale; every
    connection to an engine (one per server thread) shares them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._sql: OrderedDict[tuple[str, Any, Any], Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sql)

    def get(self, engine: str, expr: Any, limit: Any, compile_sql: Callable[[], Any]) -> Any:
        key = (engine, expr.op(), limit)
        with self._lock:
            if key in self._sql:
                self._sql.move_to_end(key)
                return self._sql[key]
        sql = compile_sql()
        with self._lock:
            self._sql[key] = sql
            if len(self._sql) > self.size:
                self._sql.popitem(last=False)
        return sql


COMPILED = CompiledSQL(COMPILED_QUERIES)


def reusing_compiled_sql(backend: Any) -> Any:
    """The backend, its `compile` going through COMPILED."""
    compile_expression = backend.compile

    def compile_once(expr: Any, /, *, limit: Any = None, params: Any = None, **kwargs: Any) -> Any:
        if params or kwargs:
            return compile_expression(expr, limit=limit, params=params, **kwargs)
        return COMPILED.get(
            backend.name, expr, limit, lambda: compile_expression(expr, limit=limit)
        )

    backend.compile = compile_once
    return backend


@contextmanager
def repeatable_references() -> Iterator[None]:
    """While a KPI's expression is built: Ibis numbers joins and self-references, from one
    global counter, so two builds of the same query would differ and never reuse their SQL.
    Inside, the numbering starts from the same point every time (builds take turns), far
    above the global counter's, so that a built expression never meets one numbered outside."""
    with _numbering:
        outside = ops.Reference._uid_counter
        ops.Reference._uid_counter = itertools.count(BUILD_NUMBERS)
        try:
            yield
        finally:
            ops.Reference._uid_counter = outside
