"""Ibis engines for a data directory: DuckDB, the embedded default.

Another engine (PostgreSQL, Spark) is added here by returning an Ibis backend holding the same
tables; the KPIs themselves never change. The organisation's time zone becomes the session's,
so that day, week and month buckets are the organisation's.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops

from learnsight.db import Database
from learnsight.metrics.config import CONFIG_FILE, read_config
from learnsight.metrics.context import Context
from learnsight.metrics.facts import ensure_fresh
from learnsight.organisation import organisation_settings

_local = threading.local()
COMPILED_QUERIES = 512  # distinct queries whose SQL is kept, per engine connection
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
    ensure_fresh(db, backend, organisation["timezone"])
    return Context(backend, organisation, load_config(data / CONFIG_FILE), _local.tables)


def load_config(path: Path) -> dict[str, Any]:
    """The data directory's kpis.yaml, checked as a whole (metrics.config), or the defaults."""
    return read_config(path)


def reusing_compiled_sql(backend: Any) -> Any:
    """The backend, compiling each distinct expression once.

    Building a KPI's Ibis expression takes milliseconds; compiling it to SQL takes tens, the
    larger part of a query on small data. A dashboard asks the same queries again and again:
    equal expressions (Ibis compares them by structure) reuse their SQL. The SQL depends only on
    the expression, never on the data, so a cached entry is never stale.
    """
    compile_expression = backend.compile

    @functools.lru_cache(maxsize=COMPILED_QUERIES)
    def cached(expr_op: Any, limit: Any) -> Any:
        return compile_expression(expr_op.to_expr(), limit=limit)

    def compile_once(expr: Any, /, *, limit: Any = None, params: Any = None, **kwargs: Any) -> Any:
        if params or kwargs:
            return compile_expression(expr, limit=limit, params=params, **kwargs)
        return cached(expr.op(), limit)

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
