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
import yaml

from learnsight.db import Database
from learnsight.metrics.context import Context
from learnsight.metrics.query import QueryError
from learnsight.organisation import organisation_settings

CONFIG_FILE = "kpis.yaml"
_local = threading.local()


def duckdb_context(db: Database, data: Path) -> Context:
    """A Context on the data directory's DuckDB, one Ibis backend per thread (costly to make)."""
    backend = getattr(_local, "backend", None)
    if backend is None or getattr(_local, "db", None) is not db:
        backend = ibis.duckdb.from_connection(db.read())
        _local.backend, _local.db = backend, db
    organisation = organisation_settings(db)
    db.read().execute("SET TimeZone = ?", [organisation["timezone"]])
    return Context(backend, organisation, load_config(data / CONFIG_FILE))


def load_config(path: Path) -> dict[str, Any]:
    """The data directory's kpis.yaml (verbs, targets, custom KPIs), or nothing."""
    if not path.is_file():
        return {}
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise QueryError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(config, dict):
        raise QueryError(f"{path}: expected a mapping (verbs, targets, kpis)")
    return config
