"""Custom KPIs of kpis.yaml on the hand-built company of custom_kpi_data.py (its docstring lists
every record), through the engine fixture, the HTTP API of a real server and the real CLI.

Expected values are worked out in the comments from those records; periods are UTC months.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from custom_kpi_data import ADMIN, ADMIN_1, ADMIN_2, EXAMPLE, SSO, build, write_config

from helpers import LearnsightServer, create_credential, one_line, run_cli
from learnsight.config import Settings
from learnsight.metrics.query import QueryError
from learnsight.services import Services

Row = dict[str, Any]

KPIS = f"""
targets:
  admin_then_sso: {{min: 0.5, by_segment: {{SMB: 0.9}}}}
kpis:{EXAMPLE}
  admin_then_sso_any_time:
    definition: completions of the admin path followed by SSO by the same learner, ever after
    unit: completions
    count: rows
    events: completed
    where: {{path: "{ADMIN}"}}
    followed_by: {{table: product_events, where: {{event: {SSO}}}}}
  admin_then_account_sso:
    definition: completions of the admin path followed by SSO in the same account in 14 days
    unit: completions
    count: rows
    events: completed
    where: {{path: "{ADMIN}"}}
    followed_by: {{table: product_events, where: {{event: {SSO}}}, within_days: 14,
                  same: account}}
  admin_completions:
    definition: completions of the admin courses
    unit: completions
    count: rows
    events: completed
    where: {{course: ["{ADMIN_1}", "{ADMIN_2}"]}}
  video_completers:
    definition: learners who completed a video course
    unit: learners
    count_distinct: learner
    events: [completed, passed]
    where: {{content_type: video}}
  counted_statements:
    definition: every counted statement
    unit: statements
    count: rows
    events: any
    grain: all
  high_priority_tickets:
    definition: high and urgent tickets
    unit: tickets
    count: rows
    table: tickets
    where: {{priority: [high, urgent]}}
  enterprise_tickets:
    definition: tickets of enterprise accounts
    unit: tickets
    count: rows
    table: tickets
    where: {{segment: enterprise}}
    grain: all
  sso_tickets:
    definition: tickets tagged sso
    unit: tickets
    count: rows
    table: tickets
    where: {{tags: sso}}
    grain: all
  untagged_tickets:
    definition: tickets without tags
    unit: tickets
    count: rows
    table: tickets
    where: {{tags: null}}
    grain: all
  ticket_requesters:
    definition: people who opened a ticket
    unit: people
    count_distinct: learner
    table: tickets
    grain: all
  tickets_per_requesting_account:
    definition: tickets per account that opened one
    unit: tickets per account
    grain: all
    ratio:
      numerator: {{count: rows, table: tickets}}
      denominator: {{count_distinct: account_id, table: tickets}}
  tickets_per_nps_answer:
    definition: tickets per NPS answer
    unit: ratio
    ratio:
      numerator: {{count: rows, table: tickets}}
      denominator: {{count: rows, table: surveys, where: {{kind: nps}}}}
  csat_score_average:
    definition: mean CSAT score
    unit: score
    average: score
    table: surveys
    where: {{kind: csat}}
  csat_score_median:
    definition: median CSAT score
    unit: score
    median: score
    table: surveys
    where: {{kind: csat}}
  arr_average:
    definition: mean ARR of the accounts by the year their contract started
    unit: money
    average: arr
    table: accounts
    grain: year
  arr_median:
    definition: median ARR of the accounts by the year their contract started
    unit: money
    median: arr
    table: accounts
    grain: year
  enterprise_accounts:
    definition: enterprise accounts by contract start
    unit: accounts
    count: rows
    table: accounts
    where: {{segment: enterprise}}
"""


@pytest.fixture
def company(services: Services) -> Path:
    build(services)
    data: Path = services.settings.data
    write_config(data, KPIS)
    return data


def values(rows: list[Row], *keys: str) -> dict[Any, Any]:
    """{key values: the KPI's value}, whatever order an engine sorts nulls in."""
    name = next(k for k in rows[0] if k not in (*keys, "period", "target", "on_target"))
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r[name] for r in rows}


# --- The example: completed the admin path, then used a feature within 14 days ------------


@pytest.mark.usefixtures("company")
def test_example_share_by_month(kpis: Any) -> None:
    # March: admin completers ann (03-01), bob (03-05), cat (03-20) = 3 (dan's is voided; his
    # OTHER course is in no path). Then SSO within 14 days: ann yes (03-10, 9 days); bob no
    # (03-25 is 20 days later; his 03-06 event is another one); cat yes (04-03 12:00 is exactly
    # 14 days after 03-20 12:00; her 03-19 event came before) -> 2/3.
    # April: zed (no contact, so no product events) and ann (04-10; her SSO was in March) -> 0/2.
    # Target: a floor of 0.5 (these rows have no segment) -> on in March, off in April.
    rows = kpis("admin_then_sso")
    assert [r["period"] for r in rows] == ["2024-03-01", "2024-04-01"]
    assert [r["admin_then_sso"] for r in rows] == pytest.approx([2 / 3, 0.0])
    assert [(r["target"], r["on_target"]) for r in rows] == [(0.5, True), (0.5, False)]


@pytest.mark.usefixtures("company")
def test_example_by_segment_over_all_time(kpis: Any) -> None:
    # enterprise: ann (yes), bob (no) -> 1/2, on its 0.5 floor; SMB: cat -> 1/1, on the SMB
    # floor 0.9; no account: zed -> 0/1, off. Each learner counts once over the whole period.
    rows = kpis("admin_then_sso", grain="all", by=["segment"])
    assert {r["segment"]: (r["admin_then_sso"], r["target"], r["on_target"]) for r in rows} == {
        "enterprise": (0.5, 0.5, True), "SMB": (1.0, 0.9, True), None: (0.0, 0.5, False),
    }  # fmt: skip


@pytest.mark.usefixtures("company")
def test_example_by_course_and_periods(kpis: Any) -> None:
    # By course over all time: ADMIN_1 completers ann, cat, zed -> ann and cat followed: 2/3;
    # ADMIN_2: bob (no), ann in April (no) -> 0/2.
    rows = kpis("admin_then_sso", grain="all", by=["course"])
    assert values(rows, "course") == pytest.approx({ADMIN_1: 2 / 3, ADMIN_2: 0.0})
    # From April on: April only. An empty period: no rows at all.
    april = kpis("admin_then_sso", start="2024-04-01", end="2024-05-01", grain="all")
    assert [r["admin_then_sso"] for r in april] == [0.0]
    assert kpis("admin_then_sso", start="2024-05-01", end="2024-06-01") == []


@pytest.mark.usefixtures("company")
def test_followed_by_any_time_and_by_account(kpis: Any) -> None:
    # Any time later, same learner: ann 03-01 (03-10), bob 03-05 (03-25), cat 03-20 (04-03)
    # -> 3 in March; zed none; ann 04-10 has no later SSO -> no April row.
    assert kpis("admin_then_sso_any_time") == [
        {"period": "2024-03-01", "admin_then_sso_any_time": 3}
    ]
    # Same account within 14 days: ann (acme: her 03-10), bob (acme: ann's 03-10, 5 days after
    # his), cat (globex: 04-03, 14 days) -> 3 in March; zed has no account; ann's April one
    # has no later acme SSO -> no April row.
    assert kpis("admin_then_account_sso") == [{"period": "2024-03-01", "admin_then_account_sso": 3}]


# --- Counts of learning events --------------------------------------------------------------------


@pytest.mark.usefixtures("company")
def test_counts_of_learning_events(kpis: Any) -> None:
    # Admin courses: March ann, bob, cat (dan's voided) = 3; April zed, ann = 2.
    assert values(kpis("admin_completions"), "period") == {"2024-03-01": 3, "2024-04-01": 2}
    # Split by path, a filter on the account dimension: acme's are ann x2 and bob -> 3.
    by_path = kpis("admin_completions", grain="all", by=["learning_path"])
    assert values(by_path, "learning_path") == {ADMIN: 5}
    assert kpis("admin_completions", grain="all", filters=["account:acme"]) == [
        {"admin_completions": 3}
    ]
    # Video courses (ADMIN_1, OTHER) completed or passed: ann, cat, zed (ADMIN_1), dan (OTHER).
    assert kpis("video_completers", grain="all") == [{"video_completers": 4}]
    # Every counted statement: ann's registration and the completions of ann, bob, cat, dan
    # (OTHER), zed and ann (ADMIN_2) = 7; dan's voided completion and the voiding one do not.
    assert kpis("counted_statements") == [{"counted_statements": 7}]


# --- Counts and ratios of business rows -----------------------------------------------------------


@pytest.mark.usefixtures("company")
def test_counts_of_tickets(kpis: Any) -> None:
    # high or urgent: March t1; April t3, t4.
    assert values(kpis("high_priority_tickets"), "period") == {"2024-03-01": 1, "2024-04-01": 2}
    # By segment: t1 acme (enterprise), t3 globex (SMB), t4 no one's.
    by_segment = kpis("high_priority_tickets", grain="all", by=["segment"])
    assert values(by_segment, "segment") == {"enterprise": 1, "SMB": 1, None: 1}
    # By role (the requester's contact): t1 ann admin, t3 cat admin; t4 nobody.
    by_role = kpis("high_priority_tickets", grain="all", by=["role"])
    assert values(by_role, "role") == {"admin": 2, None: 1}
    # where segment: t1 (its own account) and t2 (acme through bob, its requester) -> 2.
    assert kpis("enterprise_tickets") == [{"enterprise_tickets": 2}]
    # An array column matches when it holds the value: t1; null matches t4 only (t3's is []).
    assert kpis("sso_tickets") == [{"sso_tickets": 1}]
    assert kpis("untagged_tickets") == [{"untagged_tickets": 1}]
    # Requesters: ann, bob, cat and stranger@gmail.com (no contact: the address itself).
    assert kpis("ticket_requesters") == [{"ticket_requesters": 4}]
    # 4 tickets over the accounts that opened them: acme, globex (t4 has none) -> 2.0.
    assert kpis("tickets_per_requesting_account") == [{"tickets_per_requesting_account": 2.0}]


@pytest.mark.usefixtures("company")
def test_a_ratio_over_zero_is_null(kpis: Any) -> None:
    # March: t1, t2 over s4 = 2.0; April: t3, t4 over no nps answer -> null, never 0 or NaN.
    assert values(kpis("tickets_per_nps_answer"), "period") == {
        "2024-03-01": 2.0, "2024-04-01": None,
    }  # fmt: skip


@pytest.mark.usefixtures("company")
def test_average_and_median(kpis: Any) -> None:
    # CSAT in March: ann 5, bob 1, cat 4 -> mean 10/3, median 4; April: stranger 2. cat's nps
    # answer (9) is no CSAT answer.
    assert values(kpis("csat_score_average"), "period") == pytest.approx(
        {"2024-03-01": 10 / 3, "2024-04-01": 2.0}
    )
    assert values(kpis("csat_score_median"), "period") == {"2024-03-01": 4.0, "2024-04-01": 2.0}
    # By segment over all time: enterprise (5, 1) -> 3; SMB 4; no account (stranger) 2.
    by_segment = kpis("csat_score_average", grain="all", by=["segment"])
    assert values(by_segment, "segment") == {"enterprise": 3.0, "SMB": 4.0, None: 2.0}
    # ARR by contract year, 2024: 100,000, 20,000, 50,000 -> mean 56,666.67, median 50,000.
    assert values(kpis("arr_average"), "period") == pytest.approx({"2024-01-01": 170_000 / 3})
    assert kpis("arr_median") == [{"period": "2024-01-01", "arr_median": 50_000.0}]
    # Enterprise accounts by contract month: acme (January), initech (March).
    assert values(kpis("enterprise_accounts"), "period") == {"2024-01-01": 1, "2024-03-01": 1}


@pytest.mark.usefixtures("company")
def test_a_custom_kpi_splits_only_by_its_sources_dimensions(kpis: Any) -> None:
    # Tickets belong to people and accounts, not to courses.
    with pytest.raises(QueryError, match="dimension 'course': this KPI splits by account, "):
        kpis("high_priority_tickets", by=["course"])
    # A ratio splits by what both of its measures can: surveys have courses, tickets do not.
    with pytest.raises(QueryError, match="dimension 'content_type'"):
        kpis("tickets_per_nps_answer", by=["content_type"])


# --- Through a real server and the real CLI -------------------------------------------------------


def company_directory(data: Path) -> Path:
    """A data directory holding the company and KPIS, closed again (a server may open it)."""
    services = Services.open(Settings(data=data))
    try:
        build(services)
    finally:
        services.close()
    write_config(data, KPIS)
    return data


def test_the_api_serves_custom_kpis_with_targets(tmp_path: Path) -> None:
    data = company_directory(tmp_path / "data")
    server = LearnsightServer(data)
    server.start()
    try:
        reader = create_credential(data, "dashboard", ["api/read"])
        with server.client(reader) as client:
            catalog = {k["name"]: k for k in client.get("/api/v1/kpis").json()}
            assert catalog["admin_then_sso"]["custom"] is True
            assert catalog["admin_then_sso"]["target"] == {"min": 0.5, "by_segment": {"SMB": 0.9}}
            response = client.get(
                "/api/v1/kpis/admin_then_sso", params={"by": "segment", "grain": "all"}
            )
            assert response.status_code == 200, response.text
            by_segment = {r["segment"]: r for r in response.json()}
            assert by_segment["SMB"] == {"segment": "SMB", "admin_then_sso": 1.0,
                                         "target": 0.9, "on_target": True}  # fmt: skip
            # JSON null for the ratio over zero; CSV as well, as an empty cell.
            rows = client.get("/api/v1/kpis/tickets_per_nps_answer").json()
            assert rows[1] == {"period": "2024-04-01", "tickets_per_nps_answer": None}
            text = client.get("/api/v1/kpis/tickets_per_nps_answer", params={"format": "csv"})
            assert list(csv.reader(io.StringIO(text.text))) == [
                ["period", "tickets_per_nps_answer"], ["2024-03-01", "2.0"], ["2024-04-01", ""],
            ]  # fmt: skip
            # The file is read on each request: a broken edit is a 400 naming the key.
            write_config(data, KPIS.replace("where: {kind: csat}", "where: {knd: csat}", 1))
            broken = client.get("/api/v1/kpis/csat_score_average")
            assert broken.status_code == 400
            assert broken.json()["error"].startswith(
                "kpis.yaml: kpis.csat_score_average.where.knd: surveys has no column knd"
            )
    finally:
        server.stop()


def test_the_cli_runs_custom_kpis_with_and_without_a_server(tmp_path: Path) -> None:
    data = company_directory(tmp_path / "data")
    # March: 2/3 on the 0.5 floor; April: 0/2, off target.
    offline = json.loads(run_cli("kpi", "admin_then_sso", "--format", "json", data=data).stdout)
    assert [r["admin_then_sso"] for r in offline] == pytest.approx([2 / 3, 0.0])
    assert [(r["period"], r["target"], r["on_target"]) for r in offline] == [
        ("2024-03-01", 0.5, True), ("2024-04-01", 0.5, False),
    ]  # fmt: skip
    listed = json.loads(run_cli("kpi", "list", "--format", "json", data=data).stdout)
    assert {k["name"]: k["target"] for k in listed}["admin_then_sso"] == {
        "min": 0.5, "by_segment": {"SMB": 0.9},
    }  # fmt: skip
    table = run_cli("kpi", "list", data=data).stdout
    assert ">= 0.5 (SMB >= 0.9)" in table
    server = LearnsightServer(data)
    server.start()
    try:
        live = run_cli("kpi", "admin_then_sso", "--format", "json", data=data).stdout
        assert json.loads(live) == offline
        shown = run_cli("kpi", "admin_then_sso", data=data).stdout
        assert "on_target" in shown and "yes" in shown and "no" in shown
        # An error in kpis.yaml: one line, exit 1, with the server and without.
        write_config(data, KPIS.replace("unit: share", "unit: [share]", 1))
        refused = run_cli("kpi", "admin_then_sso", data=data, expect=1)
        assert "kpis.admin_then_sso.unit: expected text, got a list" in one_line(refused.stderr)
    finally:
        server.stop()
    refused = run_cli("kpi", "list", data=data, expect=1)
    assert one_line(refused.stderr) == (
        "error: kpis.yaml: kpis.admin_then_sso.unit: expected text, got a list"
    )


def test_verb_classes_of_the_events_source(company: Path, kpis: Any) -> None:
    # `events: enrolled` reads the verbs of that class: ann's registration only.
    write_config(company, KPIS + "  enrolled_learners:\n    definition: enrolled\n"
                 "    unit: learners\n    count_distinct: learner\n    events: enrolled\n"
                 "    grain: all\n")  # fmt: skip
    assert kpis("enrolled_learners") == [{"enrolled_learners": 1}]
