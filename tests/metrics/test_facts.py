"""The facts tables are never stale: every change to their inputs reaches the next KPI.

Each test computes a KPI first (which builds the facts), changes one input the way a user
would (the LRS, an import, a setting, an erasure), and asserts the next KPI sees the change.
DuckDB only: the facts live in the data directory's store.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from learnsight import derived_tables
from learnsight.erase import erase
from learnsight.identity import resolve
from learnsight.ingest.kinds import KINDS
from learnsight.ingest.loader import import_table
from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.query import parse_query
from learnsight.metrics.run import run_kpi
from learnsight.organisation import set_organisation_setting
from learnsight.services import Services
from learnsight.xapi import verbs
from learnsight.xapi.statements import VOIDED_VERB

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}
COURSE = "https://academy.test/courses/admin"


def kpi(services: Services, name: str, **query: Any) -> list[dict[str, Any]]:
    return run_kpi(duckdb_context(services.db, services.settings.data), name, parse_query(**query))


def store(
    services: Services, email: str, verb: str, when: str, course: bool = True
) -> dict[str, Any]:
    activity: dict[str, Any] = {"objectType": "Activity", "id": COURSE}
    if course:
        activity["definition"] = {"type": verbs.COURSE_TYPE}
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
        "verb": {"id": verb, "display": {"en-US": "did"}},
        "object": activity,
        "timestamp": when,
    }
    services.statements.store([statement], AUTHORITY)
    return statement


def facts_table_id(services: Services) -> int:
    """The learning facts table's identity in DuckDB: a rebuild makes a new one."""
    row = (
        services.db.read()
        .execute("SELECT table_oid FROM duckdb_tables() WHERE table_name = 'learning_facts'")
        .fetchone()
    )
    assert row is not None
    return int(row[0])


def import_csv(services: Services, kind: str, path: Path, text: str) -> None:
    path.write_text(text)
    result = import_table(services.db, KINDS[kind], path)
    assert result.rejected == 0


def ana_joins_acme(services: Services, tmp_path: Path, timezone: str = "") -> None:
    """Ana becomes contact c-ana of account acme (in her time zone, when given), resolved."""
    import_csv(services, "accounts", tmp_path / "accounts.csv", "id,name\nacme,Acme\n")
    import_csv(
        services, "contacts", tmp_path / "contacts.csv",
        f"id,account_id,email,timezone\nc-ana,acme,ana@acme.test,{timezone}\n",
    )  # fmt: skip
    resolve(services.db)


def test_statements_from_the_lrs_reach_the_next_kpi(services: Services) -> None:
    store(services, "ana@acme.test", verbs.LAUNCHED, "2025-01-06T10:00:00Z")
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 1}]
    store(services, "ben@acme.test", verbs.LAUNCHED, "2025-01-07T10:00:00Z")
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 2}]


def test_the_time_zone_setting_moves_statements_between_days(services: Services) -> None:
    # 1 Feb 03:00 UTC is still 31 January in New York.
    store(services, "ana@acme.test", verbs.LAUNCHED, "2025-02-01T03:00:00Z")
    assert kpi(services, "active_learners") == [{"period": "2025-02-01", "active_learners": 1}]
    set_organisation_setting(services.db, "timezone", "America/New_York")
    assert kpi(services, "active_learners") == [{"period": "2025-01-01", "active_learners": 1}]


def test_a_catalog_import_makes_an_activity_a_course(services: Services, tmp_path: Path) -> None:
    # Without a course type, the activity is a course only once the catalog says so.
    store(services, "ana@acme.test", verbs.REGISTERED, "2025-01-06T10:00:00Z", course=False)
    assert kpi(services, "enrollments", grain="all") == [{"enrollments": 0}]
    import_csv(services, "catalog", tmp_path / "catalog.csv", f"id,kind\n{COURSE},course\n")
    assert kpi(services, "enrollments", grain="all") == [{"enrollments": 1}]


def test_contacts_and_their_resolution_reach_the_facts(services: Services, tmp_path: Path) -> None:
    store(services, "ana@acme.test", verbs.LAUNCHED, "2025-01-06T10:00:00Z")  # Monday 10:00 UTC
    assert kpi(services, "active_learners", grain="all", by=["account"]) == [
        {"account": None, "active_learners": 1}
    ]
    assert kpi(services, "learning_time_heatmap") == [
        {"weekday": 1, "hour": 10, "learning_time_heatmap": 1}
    ]
    ana_joins_acme(services, tmp_path, timezone="Asia/Tokyo")
    assert kpi(services, "active_learners", grain="all", by=["account"]) == [
        {"account": "acme", "active_learners": 1}
    ]
    # Her own clock now: 19:00 in Tokyo.
    assert kpi(services, "learning_time_heatmap") == [
        {"weekday": 1, "hour": 19, "learning_time_heatmap": 1}
    ]


def test_an_erasure_takes_the_person_out_of_the_facts(services: Services) -> None:
    store(services, "ana@acme.test", verbs.LAUNCHED, "2025-01-06T10:00:00Z")
    store(services, "ben@acme.test", verbs.LAUNCHED, "2025-01-06T11:00:00Z")
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 2}]
    erase(services, "ana@acme.test")
    # Gone from the store at once, not only from the next KPI's rebuild.
    tables = services.db.read().execute("SELECT table_name FROM duckdb_tables()").fetchall()
    assert ("learning_facts",) not in tables
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 1}]
    learners = services.db.read().execute("SELECT DISTINCT learner FROM learning_facts")
    assert all("ana" not in learner for (learner,) in learners.fetchall())


@pytest.mark.parametrize("later", ["import", "resolution"])
def test_product_events_reach_the_usage_facts(
    services: Services, tmp_path: Path, later: str
) -> None:
    events = tmp_path / "events.csv"
    import_csv(
        services, "events", events,
        "message_id,email,event,timestamp\nm1,ana@acme.test,Report Created,2025-01-06T10:00:00Z\n",
    )  # fmt: skip
    duckdb_context(services.db, services.settings.data)  # builds the facts

    def usage() -> list[tuple[Any, ...]]:
        duckdb_context(services.db, services.settings.data)
        return services.db.read().execute("SELECT user, account_id FROM usage_facts").fetchall()

    assert usage() == [("ana@acme.test", None)]
    if later == "import":
        import_csv(
            services, "events", events,
            "message_id,email,event,timestamp\nm2,ben@acme.test,Report Created,"
            "2025-01-07T10:00:00Z\n",
        )  # fmt: skip
        assert sorted(usage()) == [("ana@acme.test", None), ("ben@acme.test", None)]
    else:
        ana_joins_acme(services, tmp_path)
        assert usage() == [("c-ana", "acme")]


def test_resolved_statements_are_appended_not_rebuilt(services: Services) -> None:
    # Resolved statements are in the table; newer ones are read live beside it until the next
    # resolution, then appended: the table is built once.
    store(services, "ana@acme.test", verbs.LAUNCHED, "2025-01-06T10:00:00Z")
    resolve(services.db)
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 1}]
    built = facts_table_id(services)
    store(services, "ben@acme.test", verbs.LAUNCHED, "2025-01-07T10:00:00Z")
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 2}]
    resolve(services.db)
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 2}]
    assert facts_table_id(services) == built
    rows = services.db.read().execute("SELECT count(*) FROM learning_facts").fetchone()
    assert rows == (2,)


def test_voiding_a_statement_already_in_the_facts(services: Services) -> None:
    target = store(services, "ana@acme.test", verbs.LAUNCHED, "2025-01-06T10:00:00Z")
    store(services, "ben@acme.test", verbs.LAUNCHED, "2025-01-06T11:00:00Z")
    resolve(services.db)
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 2}]
    voiding = {
        "actor": {"objectType": "Agent", "mbox": "mailto:admin@lrs.test"},
        "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target["id"]},
    }
    services.statements.store([voiding], AUTHORITY)  # not resolved yet: counted at once
    assert kpi(services, "active_learners", grain="all") == [{"active_learners": 1}]


def test_tickets_and_their_requesters_reach_the_ticket_facts(
    services: Services, tmp_path: Path
) -> None:
    def tickets() -> list[tuple[Any, ...]]:
        duckdb_context(services.db, services.settings.data)
        return services.db.read().execute("SELECT account_id, day FROM ticket_facts").fetchall()

    import_csv(
        services, "tickets", tmp_path / "tickets.csv",
        "id,requester_email,created_at\nt1,ana@acme.test,2025-01-06T02:00:00Z\n",
    )  # fmt: skip
    assert [(a, str(d)) for a, d in tickets()] == [(None, "2025-01-06")]
    set_organisation_setting(services.db, "timezone", "America/New_York")  # 5 Jan there
    ana_joins_acme(services, tmp_path)  # her tickets are Acme's now
    assert [(a, str(d)) for a, d in tickets()] == [("acme", "2025-01-05")]


def test_statements_left_unresolved_are_appended_all_the_same(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Resolution lagging (or failing) leaves at most MAX_LIVE statements to derive per query:
    # older ones join the facts unresolved, and resolving them later rebuilds the facts.
    monkeypatch.setattr(derived_tables, "MAX_LIVE", 1)
    for hour in (10, 11, 12):
        store(services, "ana@acme.test", verbs.LAUNCHED, f"2025-01-06T{hour}:00:00Z")
    rows = kpi(services, "active_learners", grain="all", by=["account"])
    assert rows == [{"account": None, "active_learners": 1}]
    held = services.db.read().execute("SELECT count(*) FROM learning_facts").fetchone()
    assert held == (2,)  # the newest one is read live
    ana_joins_acme(services, tmp_path)
    rows = kpi(services, "active_learners", grain="all", by=["account"])
    assert rows == [{"account": "acme", "active_learners": 1}]
