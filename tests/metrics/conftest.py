"""KPI tests run on every engine: a test takes `kpis` and gets a runner on each engine in turn.

Adding an engine (Spark...) means adding its name to ENGINES and a branch in `kpis` that copies
the data directory's tables into it; no KPI test changes. PostgreSQL is a throwaway server per
test session (postgres_engine.py), started only when a PostgreSQL test runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from postgres_engine import POSTGRES_MISSING, PostgresCopy, PostgresServer, postgres_bin

from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.query import parse_query
from learnsight.metrics.run import run_kpi
from learnsight.services import Services

ENGINES = ["duckdb", "postgres"]
Runner = Callable[..., list[dict[str, Any]]]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server_bin = postgres_bin()
    if server_bin is None:
        pytest.fail(POSTGRES_MISSING, pytrace=False)
    server = PostgresServer(server_bin)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kpis(services: Services, engine: str, request: pytest.FixtureRequest) -> Iterator[Runner]:
    """kpis(NAME, grain=..., start=..., end=..., by=[...], filters=[...], params=[...]) -> rows,
    computed on the data that the test stored in `services` (the conftest fixture), copied
    into the engine at each call."""
    if engine == "duckdb":
        yield lambda name, **query: run_kpi(
            duckdb_context(services.db, services.settings.data), name, parse_query(**query)
        )
        return
    copy = PostgresCopy(request.getfixturevalue("postgres"), services)
    try:
        yield lambda name, **query: run_kpi(copy.context(), name, parse_query(**query))
    finally:
        copy.close()
