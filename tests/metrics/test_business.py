"""The business-impact KPIs on one small hand-built company, each value worked out by hand.

THE COMPANY (organisation time zone America/New_York, UTC-5 in winter; reporting currency USD)

Catalog: path P holds courses A and C. Course A teaches the feature "Report Built" and addresses
         the ticket topic "reports"; course B teaches "Alert Created", addresses "alerts"; C maps
         to nothing. A/video is an item of A.
FX (EUR): 1.10 USD from 2024-12-01, 1.20 USD from 2025-02-15.

Accounts  segment     country seats ARR (now)   start       renewal_date churned_at
  acme    enterprise  FR      10    12,000 EUR  2024-03-01  2026-03-01   -
  bolt    SMB         US       5     6,000 USD  2024-12-10  2025-02-10   2025-02-10
  cora    SMB         DE       4     3,000 EUR  2024-09-01  2025-09-01   - (churn event 03-20)
  dune    mid-market  US      20     8,000 USD  2025-01-15  2026-01-15   -
  echo    SMB         US       -         -  -   -           -            -   (no start: always)

Revenue   acme: new 2024-03-01 10,000; upsell 2025-01-20 +2,000 EUR; renewal 2025-03-01
          bolt: new 2024-12-10 6,000; churn 2025-02-10
          cora (no currency on its events: EUR, the account's): new 2024-09-01 3,500;
                contraction 2025-01-10 -500; churn 2025-03-20 (cora's only churn date)
          dune: new 2025-01-15 6,000; upsell 2025-02-20 +2,000 USD
Active at the start of a month (started before its first day, not churned before it):
          Jan 1: acme bolt cora echo (4)   Feb 1: + dune (5)   Mar 1: acme cora dune echo (4)
          Apr 1: acme dune echo (3)        May 1: acme dune echo (3)

Contacts: Ana and Eve at acme, Ben at bolt, Cat at cora, Dan at dune, Ed at echo.
Completions (UTC; the local day is New York's):
  Ana  A 2025-01-07 12:00; C 2025-02-20 12:00     Eve  C 2025-02-10 12:00
  Ben  B 2025-02-01 03:00 = 31 January 22:00 in New York; the item A/video on 2025-01-12
       (an item is not a course: it trains no one)
  Cat  A 2025-03-05 12:00; the path P itself 2025-03-03 12:00 (a path is not a course)
  Dan  A 2025-01-20 12:00, VOIDED              Fay (gmail, no contact, no account) A 01-05
Trained (default rule): learners Ana 01-07, Ben 01-31, Eve 02-10, Cat 03-05, Fay 01-05;
accounts acme 01-07, bolt 01-31, cora 03-05; dune and echo never.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from learnsight.identity import resolve
from learnsight.metrics.config import ConfigError
from learnsight.metrics.query import QueryError
from learnsight.organisation import set_organisation_setting
from learnsight.services import Services
from learnsight.xapi import verbs
from learnsight.xapi.statements import VOIDED_VERB
from learnsight.xapi.validate import validate_statement

Row = dict[str, Any]
Runner = Callable[..., list[Row]]  # the `kpis` fixture (conftest.py)
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}
HOME = "https://academy.test/"
P = HOME + "paths/p"
A, B, C = HOME + "courses/a", HOME + "courses/b", HOME + "courses/c"
VIDEO = A + "/video"
EMAIL = {"ana": "ana@acme.test", "eve": "eve@acme.test", "ben": "ben@bolt.test",
         "cat": "cat@cora.test", "dan": "dan@dune.test", "ed": "ed@echo.test",
         "fay": "fay@gmail.com", "admin": "admin@lrs.test"}  # fmt: skip
JAN, FEB, MAR, APR = "2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"
MONTHS = {"start": JAN, "end": "2025-05-01"}  # January to April
ALL = {"start": JAN, "end": "2025-05-01", "grain": "all"}


def completed(who: str, obj: str, when: str) -> Row:
    """`who` completed `obj` at `when` (UTC); courses say their type, the item its parent."""
    activity: Row = {"objectType": "Activity", "id": obj}
    if obj in (A, B, C):
        activity["definition"] = {"type": verbs.COURSE_TYPE}
    statement: Row = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{EMAIL[who]}"},
        "verb": {"id": verbs.COMPLETED, "display": {"en-US": "completed"}},
        "object": activity,
        "timestamp": when + ":00Z",
    }
    if obj == VIDEO:
        statement["context"] = {"contextActivities": {"parent": [{"id": A}]}}
    return statement


DAN_A = completed("dan", A, "2025-01-20T12:00")
STATEMENTS = [
    completed("ana", A, "2025-01-07T12:00"),
    completed("ana", C, "2025-02-20T12:00"),
    completed("eve", C, "2025-02-10T12:00"),
    completed("ben", B, "2025-02-01T03:00"),
    completed("ben", VIDEO, "2025-01-12T12:00"),
    completed("cat", A, "2025-03-05T12:00"),
    completed("cat", P, "2025-03-03T12:00"),
    DAN_A,
    completed("fay", A, "2025-01-05T12:00"),
]
VOIDING = {
    "actor": {"objectType": "Agent", "mbox": f"mailto:{EMAIL['admin']}"},
    "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided"}},
    "object": {"objectType": "StatementRef", "id": DAN_A["id"]},
    "timestamp": "2025-01-21T12:00:00Z",
}

ACCOUNTS = """INSERT INTO accounts (id, name, segment, industry, country, seats, arr, currency,
    contract_start, renewal_date, churned_at) VALUES
    ('acme', 'Acme', 'enterprise', 'Manufacturing', 'FR', 10, 12000, 'EUR', '2024-03-01',
     '2026-03-01', NULL),
    ('bolt', 'Bolt', 'SMB', 'Retail', 'US', 5, 6000, 'USD', '2024-12-10', '2025-02-10',
     '2025-02-10'),
    ('cora', 'Cora', 'SMB', 'Retail', 'DE', 4, 3000, 'EUR', '2024-09-01', '2025-09-01', NULL),
    ('dune', 'Dune', 'mid-market', 'Software', 'US', 20, 8000, 'USD', '2025-01-15',
     '2026-01-15', NULL),
    ('echo', 'Echo', 'SMB', 'Retail', 'US', NULL, NULL, NULL, NULL, NULL, NULL)"""
REVENUE = """INSERT INTO revenue_events VALUES
    ('r1', 'acme', '2024-03-01', 'new', 10000, 'EUR'),
    ('r2', 'acme', '2025-01-20', 'upsell', 2000, 'EUR'),
    ('r3', 'acme', '2025-03-01', 'renewal', 12000, 'EUR'),
    ('r4', 'bolt', '2024-12-10', 'new', 6000, 'USD'),
    ('r5', 'bolt', '2025-02-10', 'churn', 6000, 'USD'),
    ('r6', 'cora', '2024-09-01', 'new', 3500, NULL),
    ('r7', 'cora', '2025-01-10', 'contraction', 500, NULL),
    ('r8', 'cora', '2025-03-20', 'churn', 3000, NULL),
    ('r9', 'dune', '2025-01-15', 'new', 6000, 'USD'),
    ('r10', 'dune', '2025-02-20', 'upsell', 2000, 'USD')"""
CONTACTS = """INSERT INTO contacts (id, account_id, email) VALUES
    ('c-ana', 'acme', 'ana@acme.test'), ('c-eve', 'acme', 'eve@acme.test'),
    ('c-ben', 'bolt', 'ben@bolt.test'), ('c-cat', 'cora', 'cat@cora.test'),
    ('c-dan', 'dune', 'dan@dune.test'), ('c-ed', 'echo', 'ed@echo.test')"""
# Tickets at 15:00 UTC (10:00 in New York) unless said otherwise.
TICKETS = [
    ("t0", "echo", None, "2024-12-01 15:00Z", "billing"),
    ("t1", "acme", "ana@acme.test", "2025-01-05 15:00Z", "reports"),
    ("t2", "acme", "ana@acme.test", "2025-01-06 15:00Z", "reports"),
    ("t3", "bolt", "ben@bolt.test", "2025-01-20 15:00Z", "alerts"),
    ("t4", "dune", "dan@dune.test", "2025-01-10 15:00Z", "reports"),  # before dune's start
    ("t5", "cora", "cat@cora.test", "2025-02-01 03:00Z", "billing"),  # 31 January locally
    ("t6", "acme", "eve@acme.test", "2025-02-15 15:00Z", "reports"),
    ("t7", "bolt", "ben@bolt.test", "2025-02-12 15:00Z", "alerts"),  # after bolt's churn
    ("t8", None, "ed@echo.test", "2025-03-03 15:00Z", None),  # echo's, by its requester
    ("t9", None, "someone@nowhere.test", "2025-01-08 15:00Z", "reports"),  # no account
    ("t10", "acme", "ana@acme.test", "2025-04-25 15:00Z", "reports"),
    ("t12", "acme", "ana@acme.test", "2025-01-25 15:00Z", "alerts"),
]
# Product events at 15:00 UTC, named by the user's e-mail; accounts come from the contacts.
EVENTS = [
    ("e0", "ed@echo.test", "Signed In", "2024-12-01"),
    ("e1", "ana@acme.test", "Report Built", "2025-01-07"),  # acme's training day
    ("e2", "ana@acme.test", "Report Built", "2025-01-20"),
    ("e3", "ben@bolt.test", "Signed In", "2025-01-10"),
    ("e4", "ben@bolt.test", "Alert Created", "2025-02-05"),
    ("e5", "cat@cora.test", "Report Built", "2025-02-20"),
    ("e6", "dan@dune.test", "Report Built", "2025-01-18"),
    ("e7", "dan@dune.test", "Dashboard Shared", "2025-01-25"),
    ("e8", "eve@acme.test", "Signed In", "2025-03-02"),
    ("e9", "cat@cora.test", "Report Built", "2025-03-10"),
    ("e10", "stranger@nowhere.test", "Report Built", "2025-01-05"),  # no account
    ("e11", "ana@acme.test", "Dashboard Shared", "2025-04-02"),
    ("e12", "dan@dune.test", "Report Built", "2025-04-28"),
    ("e13", "ben@bolt.test", "Dashboard Shared", "2025-01-29"),
    ("e14", "dan@dune.test", "Dashboard Shared", "2025-02-03"),
    ("e15", "dan@dune.test", "Dashboard Shared", "2025-01-12"),  # before dune's start
]
COSTS = """INSERT INTO costs VALUES
    ('2025-01-01', '2025-01-31', 'platform', 3100, 'USD'),
    ('2025-01-15', '2025-02-13', 'content', 3000, 'EUR'),
    ('2025-03-01', '2025-03-31', 'staff', 1000, NULL)"""


@pytest.fixture(autouse=True)
def company(services: Services) -> None:
    set_organisation_setting(services.db, "timezone", "America/New_York")
    set_organisation_setting(services.db, "value_events", "Dashboard Shared")
    with services.db.write() as cur:
        cur.execute(ACCOUNTS)
        cur.execute(REVENUE)
        cur.execute(CONTACTS)
        cur.execute(
            """INSERT INTO catalog (id, kind, paths, features, ticket_topics) VALUES
            (?, 'path', NULL, NULL, NULL),
            (?, 'course', [?], ['Report Built'], ['reports']),
            (?, 'course', [], ['Alert Created'], ['alerts']),
            (?, 'course', [?], [], []),
            (?, 'item', NULL, NULL, NULL)""",
            [P, A, P, B, C, P, VIDEO],
        )
        cur.execute(
            "INSERT INTO fx_rates VALUES ('2024-12-01', 'EUR', 1.10), ('2025-02-15', 'EUR', 1.20)"
        )
        cur.executemany(
            "INSERT INTO tickets (id, account_id, requester_email, created_at, topic) "
            "VALUES (?, ?, ?, ?, ?)",
            TICKETS,
        )
        cur.executemany(
            "INSERT INTO product_events (message_id, email, event, timestamp) "
            "VALUES (?, ?, ?, ?::DATE + INTERVAL 15 HOUR)",
            EVENTS,
        )
        cur.execute(COSTS)
    for index, statement in enumerate([*STATEMENTS, VOIDING]):
        validate_statement(statement, f"$[{index}]")
    services.statements.store(STATEMENTS, AUTHORITY)
    services.statements.store([VOIDING], AUTHORITY)
    resolve(services.db)


def by_key(rows: list[Row], *keys: str) -> dict[Any, Any]:
    """{key value(s): the row's KPI value (its last column)}, whatever order an engine sorts
    nulls in."""
    out: dict[Any, Any] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        out[key[0] if len(key) == 1 else key] = list(row.values())[-1]
    assert len(out) == len(rows), "one row per key"
    return out


def monthly(rows: list[Row], name: str) -> list[Any]:
    """The values of January to April, checking the periods are those four months."""
    assert [row["period"] for row in rows] == [JAN, FEB, MAR, APR]
    return [row[name] for row in rows]


def approx(*values: F | float | None) -> list[Any]:
    return [None if v is None else pytest.approx(float(v)) for v in values]


def write_config(services: Services, text: str) -> None:
    (Path(services.settings.data) / "kpis.yaml").write_text(text)


# --- Coverage -----------------------------------------------------------------------------------


def test_training_coverage(kpis: Runner) -> None:
    # Accounts active at the end of each month, and those trained by then:
    #   Jan (end 1 Feb): acme bolt cora dune echo; trained acme (01-07) and bolt (31 January
    #                    in New York; in UTC it would be 1 February) -> 2/5
    #   Feb (end 1 Mar): acme cora dune echo (bolt churned 02-10); trained acme -> 1/4
    #   Mar (end 1 Apr): acme dune echo (cora churned 03-20) -> 1/3;  Apr: the same -> 1/3
    rows = kpis("training_coverage", **MONTHS)
    assert monthly(rows, "training_coverage") == approx(F(2, 5), F(1, 4), F(1, 3), F(1, 3))
    # Split by trained (state at the end of the month): trained accounts are all trained.
    split = by_key(kpis("training_coverage", by=["trained"], **MONTHS), "period", "trained")
    assert split[(JAN, "trained")] == 1.0
    assert split[(JAN, "untrained")] == 0.0
    # SMB in January: bolt cora echo, trained bolt -> 1/3.
    smb = kpis("training_coverage", filters=["segment:SMB"], start=JAN, end=FEB)
    assert smb == [{"period": JAN, "training_coverage": pytest.approx(1 / 3)}]


def test_only_course_completions_by_accounts_train_and_voided_ones_do_not(kpis: Runner) -> None:
    # 1-21 January, one period ending 21 January: 5 accounts active (dune started 01-15).
    # Trained by then: acme only. Ben's completion of the item A/video (01-12) completes no
    # course; Dan's completion of A (01-20) was voided; Fay has no account -> 1/5.
    rows = kpis("training_coverage", start=JAN, end="2025-01-21", grain="all")
    assert rows == [{"training_coverage": pytest.approx(1 / 5)}]


def test_seat_coverage(kpis: Runner) -> None:
    # Trained learners of the accounts active at the end of the month over their seats (echo
    # has no seats: left out).
    #   Jan: acme 1 (Ana) of 10, bolt 1 (Ben) of 5, cora 0 of 4, dune 0 of 20 -> 2/39
    #   Feb: acme 2 (Ana, Eve 02-10) of 10, cora 0/4, dune 0/20 -> 2/34
    #   Mar: acme 2/10, dune 0/20 -> 2/30 (Cat trained 03-05, but cora churned 03-20); Apr too
    rows = kpis("seat_coverage", **MONTHS)
    assert monthly(rows, "seat_coverage") == approx(F(2, 39), F(2, 34), F(2, 30), F(2, 30))
    per_account = by_key(kpis("seat_coverage", by=["account"], start=FEB, end=MAR), "account")
    assert per_account == {"acme": 0.2, "cora": 0.0, "dune": 0.0}


def test_an_empty_selection_gives_null_periods_not_zero(kpis: Runner) -> None:
    # No account is in Japan: every denominator is 0, so every month is null.
    for name in ("training_coverage", "seat_coverage", "customer_churn_rate", "upsell_rate",
                 "renewal_rate", "gross_revenue_retention", "net_revenue_retention",
                 "tickets_per_account", "time_to_value"):  # fmt: skip
        rows = kpis(name, filters=["country:JP"], **MONTHS)
        assert monthly(rows, name) == [None, None, None, None], name
        assert kpis(name, filters=["country:JP"], **ALL) == [{name: None}], name


# --- Churn, renewals, upsells -------------------------------------------------------------------


def test_customer_churn_rate(kpis: Runner) -> None:
    # Active at the start / churned in the month:
    #   Jan 4 / none -> 0;  Feb 5 / bolt (churned_at 02-10) -> 1/5
    #   Mar 4 / cora (no churned_at: its churn event 03-20) -> 1/4;  Apr 3 / none -> 0
    rows = kpis("customer_churn_rate", **MONTHS)
    assert monthly(rows, "customer_churn_rate") == approx(0, F(1, 5), F(1, 4), 0)
    # By trained, at the end of the month. Feb: acme, bolt trained (bolt churned) -> 1/2;
    # cora dune echo untrained -> 0/3. Mar: acme, cora (trained 03-05, churned 03-20) -> 1/2.
    split = by_key(kpis("customer_churn_rate", by=["trained"], **MONTHS), "period", "trained")
    assert split[(FEB, "trained")] == 0.5
    assert split[(FEB, "untrained")] == 0.0
    assert split[(MAR, "trained")] == 0.5
    # All four months, by cohort (month of the contract start): of the 4 active on 1 January,
    # bolt (2024-12) and cora (2024-09) churned; acme (2024-03) and echo (no start) did not.
    cohorts = by_key(kpis("customer_churn_rate", by=["cohort"], **ALL), "cohort")
    assert cohorts == {"2024-03": 0.0, "2024-12": 1.0, "2024-09": 1.0, None: 0.0}


def test_renewal_rate(kpis: Runner) -> None:
    # Due: bolt's renewal date 02-10 (no renewal event: not renewed) and acme's renewal event
    # 03-01. January and April have no renewal due: null.
    rows = kpis("renewal_rate", **MONTHS)
    assert monthly(rows, "renewal_rate") == [None, 0.0, 1.0, None]
    assert kpis("renewal_rate", **ALL) == [{"renewal_rate": 0.5}]
    assert by_key(kpis("renewal_rate", by=["segment"], **ALL), "segment") == {
        "enterprise": 1.0, "SMB": 0.0
    }  # fmt: skip


def test_upsell_rate(kpis: Runner) -> None:
    # Jan: acme's upsell 01-20, of 4 active at the start -> 1/4. Feb: dune's upsell 02-20 (dune
    # started 01-15, so it was active on 1 February), of 5 -> 1/5. Mar 0/4, Apr 0/3.
    rows = kpis("upsell_rate", **MONTHS)
    assert monthly(rows, "upsell_rate") == approx(F(1, 4), F(1, 5), 0, 0)


# --- Revenue retention --------------------------------------------------------------------------


def test_revenue_retention(kpis: Runner) -> None:
    # ARR at a date = accounts.arr minus the upsells plus the contractions dated on or after it,
    # 0 once churned; in USD at the EUR rate of the month's start (1.10 until 14 February).
    # Jan (accounts active on 1 Jan with an ARR; echo has none, dune is not active yet):
    #   acme  start 12,000 - 2,000 (upsell 01-20) = 10,000 EUR = 11,000; end 12,000 = 13,200
    #   bolt  6,000; end 6,000 (churns 02-10, after the month)
    #   cora  3,000 + 500 (contraction 01-10) = 3,500 EUR = 3,850; end 3,000 EUR = 3,300
    #   start 20,850; NRR end 22,500; GRR end (capped at start) 11,000 + 6,000 + 3,300 = 20,300
    # Feb (rate on 1 Feb still 1.10): acme 13,200 -> 13,200; bolt 6,000 -> 0 (churned);
    #   cora 3,300 -> 3,300; dune 8,000 - 2,000 (upsell 02-20) = 6,000 -> 8,000
    #   start 28,500; NRR end 24,500; GRR end 13,200 + 0 + 3,300 + 6,000 = 22,500
    # Mar (rate on 1 Mar: 1.20): acme 14,400 -> 14,400; cora 3,600 -> 0; dune 8,000 -> 8,000
    #   start 26,000; end 22,400 (no expansion: GRR = NRR)
    # Apr: acme 14,400 and dune 8,000, unchanged -> 1
    nrr = monthly(kpis("net_revenue_retention", **MONTHS), "net_revenue_retention")
    assert nrr == approx(F(22500, 20850), F(24500, 28500), F(22400, 26000), 1)
    grr = monthly(kpis("gross_revenue_retention", **MONTHS), "gross_revenue_retention")
    assert grr == approx(F(20300, 20850), F(22500, 28500), F(22400, 26000), 1)
    # January by account: acme 13,200/11,000; bolt 1; cora 3,300/3,850.
    rows = kpis("net_revenue_retention", by=["account"], start=JAN, end=FEB)
    assert by_key(rows, "account") == {
        "acme": pytest.approx(1.2), "bolt": 1.0, "cora": pytest.approx(6 / 7)
    }  # fmt: skip


def test_revenue_in_a_currency_without_rates_is_null(services: Services, kpis: Runner) -> None:
    # dune in yen, with no yen rate: February and later (dune in the cohort) cannot be
    # converted, so they are null rather than wrong; January (no dune) is unchanged.
    with services.db.write() as cur:
        cur.execute("UPDATE accounts SET currency = 'JPY' WHERE id = 'dune'")
        cur.execute("UPDATE revenue_events SET currency = 'JPY' WHERE account_id = 'dune'")
    rows = kpis("net_revenue_retention", **MONTHS)
    assert monthly(rows, "net_revenue_retention") == [
        pytest.approx(22500 / 20850), None, None, None
    ]  # fmt: skip


# --- Tickets ------------------------------------------------------------------------------------


def test_tickets_per_account(kpis: Runner) -> None:
    # Account-months: an active day counts 1/(days in its month).
    #   Jan: acme bolt cora echo 1 each, dune 17/31 (15-31 Jan) -> 141/31
    #   Feb: acme cora dune echo 1 each, bolt 9/28 (1-9 Feb) -> 121/28
    #   Mar: acme dune echo 1 each, cora 19/31 (1-19 Mar) -> 112/31;  Apr: 3
    # Tickets on active days: Jan t1 t2 t3 t5 (31 Jan in New York) t12 = 5 (t4 predates dune's
    # start, t9 has no account); Feb t6 (t7 came after bolt churned); Mar t8 (echo's through
    # its requester); Apr t10.
    rows = kpis("tickets_per_account", **MONTHS)
    assert monthly(rows, "tickets_per_account") == approx(
        F(5 * 31, 141), F(28, 121), F(31, 112), F(1, 3)
    )
    # January by topic (tickets without a topic are in no topic's row): reports t1 t2,
    # alerts t3 t12, billing t5, each over the same 141/31 account-months.
    rows = kpis("tickets_per_account", by=["topic"], start=JAN, end=FEB)
    assert by_key(rows, "period", "topic") == {
        (JAN, "reports"): pytest.approx(62 / 141), (JAN, "alerts"): pytest.approx(62 / 141),
        (JAN, "billing"): pytest.approx(31 / 141),
    }  # fmt: skip
    # Filtered to one topic, the exposure is unchanged: 2 reports tickets / (141/31).
    rows = kpis("tickets_per_account", filters=["topic:reports"], start=JAN, end=FEB)
    assert rows == [{"period": JAN, "tickets_per_account": pytest.approx(62 / 141)}]
    # January by trained: acme and bolt (2 account-months, 4 tickets) -> 2; cora, dune, echo
    # (79/31 account-months, 1 ticket) -> 31/79.
    split = by_key(kpis("tickets_per_account", by=["trained"], start=JAN, end=FEB), "trained")
    assert split == {"trained": 2.0, "untrained": pytest.approx(31 / 79)}


# Around training, with 30-day windows. The ticket data runs from 1 December (t0) to 25 April
# (t10), which holds both windows of acme (trained 01-07), bolt (01-31) and cora (03-05):
#   acme  before 8 Dec - 6 Jan: 24/31 + 6/31 = 30/31 account-months; t1 t2 -> 2 tickets
#         after  8 Jan - 6 Feb: 24/31 + 6/28; t12 -> 1
#   bolt  before 1-30 Jan: 30/31; t3 -> 1.  after 1 Feb - 2 Mar, active 1-9 Feb: 9/28; t7
#         came after its churn -> 0
#   cora  before 3 Feb - 4 Mar: 26/28 + 4/31; 0.  after 6 Mar - 4 Apr, active 6-19 Mar: 14/31; 0
# acme and bolt were trained in January, cora in March.
BEFORE_JAN = F(3) / (F(30, 31) * 2)  # 93/60
AFTER_JAN = F(1) / (F(24, 31) + F(6, 28) + F(9, 28))  # 868/1137


def test_tickets_before_and_after_training(kpis: Runner) -> None:
    before = kpis("tickets_per_account", params=["phase:before", "days:30"], **MONTHS)
    assert monthly(before, "tickets_per_account") == approx(BEFORE_JAN, None, 0, None)
    after = kpis("tickets_per_account", params=["phase:after", "days:30"], **MONTHS)
    assert monthly(after, "tickets_per_account") == approx(AFTER_JAN, None, 0, None)
    deflection = kpis("ticket_deflection", params=["days:30"], **MONTHS)
    assert monthly(deflection, "ticket_deflection") == approx(BEFORE_JAN - AFTER_JAN, None, 0, None)


def test_ticket_deflection_per_topic(kpis: Runner) -> None:
    # Per topic the event is the account's first completion of a course addressing it:
    # reports (course A): acme 01-07 (Ana), cora 03-05 (Cat); alerts (course B): bolt 01-31.
    #   reports before: acme t1 t2 over 30/31, cora 0 over 26/28 + 4/31 -> 2/(879/434);
    #           after: acme 0 (t12 is an alerts ticket), cora 0 -> 0
    #   alerts  before: bolt t3 over 30/31 -> 31/30; after 0 over 9/28 -> 0
    rows = kpis("ticket_deflection", by=["topic"], params=["days:30"], **ALL)
    assert by_key(rows, "topic") == {
        "reports": pytest.approx(868 / 879), "alerts": pytest.approx(31 / 30)
    }  # fmt: skip
    rows = kpis("tickets_per_account", by=["topic"], params=["phase:after", "days:30"], **ALL)
    assert by_key(rows, "topic") == {"reports": 0.0, "alerts": 0.0}
    # A window the ticket data does not hold is never read as a window without tickets: with
    # 60-day windows acme's before window would start 8 November (before t0) and cora's after
    # window end 4 May (after t10); bolt's, 2 December to 1 April, are held -> only bolt counts.
    rows = kpis("ticket_deflection", by=["account"], params=["days:60"], **ALL)
    assert [row["account"] for row in rows] == ["bolt"]


# --- Feature adoption ---------------------------------------------------------------------------


def test_feature_adoption_of_accounts(kpis: Runner) -> None:
    # "Report Built" by accounts active on some day of the month:
    #   Jan: 5 active; used by acme (e1 e2) and dune (e6) -> 2/5 (e10 has no account)
    #   Feb: 5 (bolt until 02-10); cora (e5) -> 1/5.  Mar: 4; cora (e9) -> 1/4
    #   Apr: 3; dune (e12) -> 1/3
    rows = kpis("feature_adoption", params=["feature:Report Built"], **MONTHS)
    assert monthly(rows, "feature_adoption") == approx(F(2, 5), F(1, 5), F(1, 4), F(1, 3))
    # January by trained: acme, bolt -> 1/2; cora, dune, echo -> 1/3.
    rows = kpis("feature_adoption", by=["trained"], params=["feature:Report Built"],
                start=JAN, end=FEB)  # fmt: skip
    assert by_key(rows, "trained") == {"trained": 0.5, "untrained": pytest.approx(1 / 3)}


def test_feature_adoption_of_users(kpis: Runner) -> None:
    # Users with any product event in the month, and those who built a report:
    #   Jan: Ana, Ben, Dan, the stranger -> Ana, Dan, stranger: 3/4
    #   Feb: Ben, Cat, Dan -> Cat: 1/3.  Mar: Eve, Cat -> 1/2.  Apr: Ana, Dan -> Dan: 1/2
    params = ["feature:Report Built", "level:user"]
    rows = kpis("feature_adoption", params=params, **MONTHS)
    assert monthly(rows, "feature_adoption") == approx(F(3, 4), F(1, 3), F(1, 2), F(1, 2))
    # January by the user's own trained state: Ana, Ben trained -> 1/2; Dan and the stranger
    # (no learner at all) untrained -> 2/2. The stranger has no account.
    rows = kpis("feature_adoption", by=["trained"], params=params, start=JAN, end=FEB)
    assert by_key(rows, "trained") == {"trained": 0.5, "untrained": 1.0}
    rows = kpis("feature_adoption", by=["account"], params=params, start=JAN, end=FEB)
    assert by_key(rows, "account") == {"acme": 1.0, "bolt": 0.0, "dune": 1.0, None: 1.0}


def test_feature_adoption_before_and_after_its_training(kpis: Runner) -> None:
    # Course A teaches "Report Built". Product data: 1 December (e0) to 28 April (e12).
    # Accounts: acme trained on A 01-07: before (8 Dec - 6 Jan) no (e1 is on the day itself);
    # after (8 Jan - 6 Feb) e2. cora 03-05: before e5 (02-20), after e9 (03-10).
    # (Dan's completion was voided: dune is in neither.)
    before = ["feature:Report Built", "phase:before", "days:30"]
    after = ["feature:Report Built", "phase:after", "days:30"]
    rows = kpis("feature_adoption", params=before, **MONTHS)
    assert monthly(rows, "feature_adoption") == [0.0, None, 1.0, None]
    assert kpis("feature_adoption", params=before, **ALL) == [{"feature_adoption": 0.5}]
    assert kpis("feature_adoption", params=after, **ALL) == [{"feature_adoption": 1.0}]
    # Users: Ana (before no, after e2), Cat (e5, e9), Fay (A on 01-05, no product use) ->
    # before 1/3, after 2/3.
    rows = kpis("feature_adoption", params=[*before, "level:user"], **ALL)
    assert rows == [{"feature_adoption": pytest.approx(1 / 3)}]
    rows = kpis("feature_adoption", params=[*after, "level:user"], **ALL)
    assert rows == [{"feature_adoption": pytest.approx(2 / 3)}]


def test_feature_adoption_parameters(kpis: Runner) -> None:
    with pytest.raises(QueryError, match="param feature is required"):
        kpis("feature_adoption", **ALL)
    with pytest.raises(QueryError, match="no catalog course teaches 'Signed In'"):
        kpis("feature_adoption", params=["feature:Signed In", "phase:after"], **ALL)
    with pytest.raises(QueryError, match="param level: 'team' is not one of account, user"):
        kpis("feature_adoption", params=["feature:Report Built", "level:team"], **ALL)
    with pytest.raises(QueryError, match="param days: '0' is not a whole number of days"):
        kpis("ticket_deflection", params=["days:0"], **ALL)
    with pytest.raises(QueryError, match="param phase: 'during'"):
        kpis("tickets_per_account", params=["phase:during"], **ALL)


# --- Time to value, cost ------------------------------------------------------------------------


def test_time_to_value(kpis: Runner) -> None:
    # Product data starts 1 December: only accounts that started since can show their first
    # value event (acme's e11 does not count: it started in March 2024). First "Dashboard
    # Shared" on or after the start: bolt (from 12-10) e13 01-29 -> 50 days; dune (from 01-15)
    # e7 01-25 -> 10 days (e15 01-12 came before its start, e14 is not the first).
    # Both reached value in January: median of 10 and 50 = 30. Other months: null.
    rows = kpis("time_to_value", **MONTHS)
    assert monthly(rows, "time_to_value") == [30.0, None, None, None]
    assert by_key(kpis("time_to_value", by=["segment"], **ALL), "segment") == {
        "SMB": 50.0, "mid-market": 10.0
    }  # fmt: skip
    assert by_key(kpis("time_to_value", by=["trained"], **ALL), "trained") == {
        "trained": 50.0, "untrained": 10.0
    }  # fmt: skip


def test_time_to_value_needs_value_events(services: Services, kpis: Runner) -> None:
    with services.db.write() as cur:
        cur.execute("DELETE FROM organisation WHERE key = 'value_events'")
    with pytest.raises(QueryError, match="no value events"):
        kpis("time_to_value", **ALL)


def test_programme_cost(kpis: Runner) -> None:
    # platform 3,100 USD in January; content 3,000 EUR over 15 Jan - 13 Feb (30 days) at the rate
    # of its first day (1.10) = 3,300 USD: 17 days in January 1,870, 13 in February 1,430;
    # staff 1,000 without currency (USD) in March. April has no cost: no row.
    rows = kpis("programme_cost", **MONTHS)
    assert by_key(rows, "period") == {
        JAN: pytest.approx(4970), FEB: pytest.approx(1430), MAR: pytest.approx(1000)
    }  # fmt: skip
    assert kpis("programme_cost", **ALL) == [{"programme_cost": pytest.approx(7400)}]
    # June has no cost: no monthly row, and 0 (a total, not a ratio) for the whole range.
    assert kpis("programme_cost", start="2025-06-01", end="2025-07-01") == []
    assert kpis("programme_cost", start="2025-06-01", end="2025-07-01", grain="all") == [
        {"programme_cost": 0.0}
    ]
    assert by_key(kpis("programme_cost", by=["category"], **ALL), "category") == {
        "content": pytest.approx(3300), "platform": pytest.approx(3100),
        "staff": pytest.approx(1000),
    }  # fmt: skip
    # ISO week of 13-19 January: platform 7/31 of 3,100 = 700; content 5/30 of 3,300 = 550.
    week = kpis("programme_cost", grain="week", start="2025-01-13", end="2025-01-20")
    assert week == [{"period": "2025-01-13", "programme_cost": pytest.approx(1250)}]


def test_cost_without_a_rate_is_null(services: Services, kpis: Runner) -> None:
    with services.db.write() as cur:
        cur.execute("INSERT INTO costs VALUES ('2025-01-01', '2025-01-31', 'ilt', 500, 'GBP')")
    rows = kpis("programme_cost", **MONTHS)
    assert by_key(rows, "period") == {JAN: None, FEB: pytest.approx(1430), MAR: 1000.0}


# --- The trained rule ---------------------------------------------------------------------------


def test_trained_by_one_course(services: Services, kpis: Runner) -> None:
    # Only completions of B train: bolt (Ben, 31 January). Jan 1/5; Feb 0/4 (bolt churned).
    write_config(services, f"trained:\n  course: {B}\n")
    rows = kpis("training_coverage", **MONTHS)
    assert monthly(rows, "training_coverage") == approx(F(1, 5), 0, 0, 0)


def test_trained_within_days_of_the_start(services: Services, kpis: Runner) -> None:
    # Within 60 days of the contract start: Ben 52 days after bolt's (12-10 -> 01-31); Ana,
    # Eve (acme from March 2024) and Cat (cora from September) far too late -> Jan 1/5.
    write_config(services, "trained:\n  within_days: 60\n")
    assert monthly(kpis("training_coverage", **MONTHS), "training_coverage") == approx(
        F(1, 5), 0, 0, 0
    )
    write_config(services, "trained:\n  within_days: 40\n")  # nobody
    assert monthly(kpis("training_coverage", **MONTHS), "training_coverage") == [0.0] * 4


def test_trained_by_a_path(services: Services, kpis: Runner) -> None:
    # Path P = A and C. Ana completed both (C last, 02-20); Eve only C; Cat completed the path
    # activity itself (03-03). acme trained 02-20, cora 03-03.
    write_config(services, f"trained:\n  path: {P}\n")
    # Jan 0/5; Feb acme of acme cora dune echo -> 1/4; Mar acme of acme dune echo -> 1/3.
    rows = kpis("training_coverage", **MONTHS)
    assert monthly(rows, "training_coverage") == approx(0, F(1, 4), F(1, 3), F(1, 3))
    # 1-3 March (end 4 March): acme and cora trained of acme cora dune echo -> 1/2.
    rows = kpis("training_coverage", start=MAR, end="2025-03-04", grain="all")
    assert rows == [{"training_coverage": 0.5}]
    # February seats: only Ana is trained at acme (Eve lacks A) -> 1 of 10 + 4 + 20.
    rows = kpis("seat_coverage", start=FEB, end=MAR)
    assert rows == [{"period": FEB, "seat_coverage": pytest.approx(1 / 34)}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("trained: yes\n", "kpis.yaml: trained: expected a mapping"),
        ("trained:\n  courses: x\n", "kpis.yaml: trained.courses: unknown key"),
        (f"trained:\n  course: {A}\n  path: {P}\n", "kpis.yaml: trained: give course or path"),
        ("trained:\n  course: onboarding\n", "kpis.yaml: trained.course: expected an activity"),
        ("trained:\n  within_days: -1\n", "kpis.yaml: trained.within_days: expected a whole"),
        ("trained:\n  within_days: ten\n", "kpis.yaml: trained.within_days: expected a whole"),
        (f"trained:\n  path: {HOME}paths/none\n", "kpis.yaml: trained.path: no course of"),
    ],
)
def test_trained_rule_errors(services: Services, kpis: Runner, text: str, message: str) -> None:
    write_config(services, text)
    with pytest.raises(ConfigError, match=message):
        kpis("training_coverage", **ALL)


# --- Ranges and dimensions ----------------------------------------------------------------------


def test_an_open_range_runs_over_the_account_data(kpis: Runner) -> None:
    # From the first contract start (acme, 2024-03-01) to the last dated fact (cora's churn
    # event, 2025-03-20): March 2024 to March 2025, the last month ending 21 March. March 2024
    # ends with acme and echo active, none trained; March 2025 with acme, dune, echo.
    rows = kpis("training_coverage")
    assert len(rows) == 13
    assert rows[0] == {"period": "2024-03-01", "training_coverage": 0.0}
    assert rows[-1] == {"period": MAR, "training_coverage": pytest.approx(1 / 3)}


def test_dimensions_are_checked(kpis: Runner) -> None:
    with pytest.raises(QueryError, match="dimension 'course'"):
        kpis("customer_churn_rate", by=["course"], **ALL)
    with pytest.raises(QueryError, match="dimension 'segment'"):
        kpis("programme_cost", by=["segment"], **ALL)
