"""Ibis engines for a data directory: DuckDB, the embedded default.

Another engine (PostgreSQL, Spark) is added here by returning an Ibis backend holding the same
tables; the KPIs themselves never change. The organisation's time zone becomes the session's,
so that day, week and month buckets are the organisation's.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from learnsight.db import Database
from learnsight.metrics.config import CONFIG_FILE, read_config
from learnsight.metrics.context import Context
from learnsight.organisation import organisation_settings

_local = threading.local()


def duckdb_context(db: Database, data: Path) -> Context:
    """A Context on the data directory's DuckDB, one Ibis backend per thread (costly to make)."""
    backend = getattr(_local, "backend", None)
    if backend is None or getattr(_local, "db", None) is not db:
        # A connection of its own: its session time zone must not reach the LRS's readers.
        _local.session = db.connect()
        backend = ibis.duckdb.from_connection(_local.session)
        _local.backend, _local.db = backend, db
    organisation = organisation_settings(db)
    _local.session.execute("SET TimeZone = ?", [organisation["timezone"]])
    return Context(backend, organisation, load_config(data / CONFIG_FILE))


def load_config(path: Path) -> dict[str, Any]:
    """The data directory's kpis.yaml, checked as a whole (metrics.config), or the defaults."""
    return read_config(path)


def local_time(moment: ir.TimestampValue, zone: ir.StringValue) -> ir.TimestampValue:
    """The wall-clock time of `moment` in the IANA time zone `zone`, row by row.

    The one engine-specific piece of the KPIs: Ibis converts a column to one fixed time zone
    only. DuckDB and PostgreSQL both have `timezone(zone, timestamptz)`, which gives the local
    timestamp; an engine without it (Spark: `from_utc_timestamp`) maps it here.
    """
    return _engine_timezone(zone, moment)


def _timezone_arguments(zone: str, moment: Any) -> None:
    """Never called: it names the arguments of the engine's own `timezone` function."""


_engine_timezone = ibis.udf.scalar.builtin(
    name="timezone", signature=((dt.string, dt.Timestamp(timezone="UTC")), dt.timestamp)
)(_timezone_arguments)
