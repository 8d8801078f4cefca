"""KPI tests run on every engine: a test takes `kpis` and gets a runner on each engine in turn.

Adding an engine (PostgreSQL, Spark...) means adding its name to ENGINES and a branch in
`context_for` that copies the data directory's tables into it; no KPI test changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from learnsight.metrics.context import Context
from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.query import parse_query
from learnsight.metrics.run import run_kpi
from learnsight.services import Services

ENGINES = ["duckdb"]
Runner = Callable[..., list[dict[str, Any]]]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def context_for(services: Services, engine: str) -> Context:
    if engine == "duckdb":
        return duckdb_context(services.db, services.settings.data)
    raise ValueError(f"no such engine {engine}")


@pytest.fixture
def kpis(services: Services, engine: str) -> Runner:
    """kpis(NAME, grain=..., start=..., end=..., by=[...], filters=[...], params=[...]) -> rows,
    computed on the data that the test stored in `services` (the conftest fixture)."""

    def run(name: str, **query: Any) -> list[dict[str, Any]]:
        return run_kpi(context_for(services, engine), name, parse_query(**query))

    return run
