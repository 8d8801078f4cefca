"""The DuckDB engine compiles each distinct query once: equal queries build equal expressions."""

from __future__ import annotations

import uuid

from learnsight.metrics.engines import COMPILED, duckdb_context
from learnsight.metrics.query import parse_query
from learnsight.metrics.run import run_kpi
from learnsight.services import Services
from learnsight.xapi import verbs

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}


def test_a_query_asked_again_reuses_its_sql(services: Services) -> None:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:ana@acme.test"},
        "verb": {"id": verbs.LAUNCHED, "display": {"en-US": "launched"}},
        "object": {"objectType": "Activity", "id": "https://academy.test/courses/a"},
        "timestamp": "2025-01-06T10:00:00Z",
    }
    services.statements.store([statement], AUTHORITY)

    def ask(name: str, **query: object) -> list[dict[str, object]]:
        ctx = duckdb_context(services.db, services.settings.data)
        return run_kpi(ctx, name, parse_query(**query))

    # A KPI with joins (Ibis numbers each one) and one with a period calendar.
    queries = [("engagement_rate", {"by": ["segment"]}), ("customer_churn_rate", {})]
    for name, query in queries:
        first = ask(name, **query)
        known = len(COMPILED)
        assert ask(name, **query) == first
        assert len(COMPILED) == known  # nothing compiled the second time
    ask("engagement_rate", by=["account"])
    assert len(COMPILED) == known + 1  # another query, another SQL
