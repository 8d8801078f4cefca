"""cohort_retention, learner_churn, retention_matrix and time_to_competency on hand-built data.

Every expected value is worked out in the comments from the statements listed above it. Days
count calendar days in the organisation's time zone (UTC unless a test sets it): day 0 is the
day of the first learning activity. `registered` is no learning activity; voided statements
(and the voiding ones) do not count at all.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from learnsight.identity import resolve
from learnsight.metrics.query import QueryError
from learnsight.organisation import set_organisation_setting
from learnsight.services import Services
from learnsight.xapi import verbs
from learnsight.xapi.statements import VOIDED_VERB
from learnsight.xapi.validate import validate_statement

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}
ADMIN = "admin@lrs.test"
ACADEMY = "https://academy.test/"
C1, C2 = ACADEMY + "courses/c1", ACADEMY + "courses/c2"
Row = dict[str, Any]


# --- Building the data -------------------------------------------------------------------------


def said(
    who: str,
    verb: str,
    when: str,
    obj: str = C1,
    parent: str | None = None,
    score: float | None = None,
    success: bool | None = None,
) -> Row:
    """A statement by `who` (an e-mail address); `parent` puts an item inside a course."""
    is_course = obj in (C1, C2)
    activity_type = verbs.COURSE_TYPE if is_course else verbs.ASSESSMENT_TYPE
    statement: Row = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{who}"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": obj, "definition": {"type": activity_type}},
        "timestamp": when,
    }
    if parent is not None:
        statement["context"] = {"contextActivities": {"parent": [{"id": parent}]}}
    result: Row = {}
    if score is not None:
        result["score"] = {"scaled": score}
    if success is not None:
        result["success"] = success
    if result:
        statement["result"] = result
    return statement


def voiding(target: Row) -> Row:
    return {
        "actor": {"objectType": "Agent", "mbox": f"mailto:{ADMIN}"},
        "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target["id"]},
        "timestamp": "2024-06-01T00:00:00Z",
    }


def store(services: Services, statements: list[Row]) -> None:
    """Accounts Acme (enterprise) and Globex (SMB), their contacts, two courses; the statements;
    then identity resolution. Addresses at gmail.com belong to no one: no contact, no account."""
    for index, statement in enumerate(statements):
        validate_statement(statement, f"$[{index}]")
    with services.db.write() as cur:
        cur.execute(
            """INSERT INTO accounts (id, name, domains, segment) VALUES
            ('acme', 'Acme', ['acme.com'], 'enterprise'),
            ('globex', 'Globex', ['globex.com'], 'SMB')"""
        )
        for name, account in [("ann", "acme"), ("bob", "acme"), ("fay", "acme"),
                              ("gil", "acme"), ("gus", "acme"), ("hal", "acme"),
                              ("dan", "acme"), ("cat", "globex"), ("eve", "globex")]:  # fmt: skip
            domain = "acme.com" if account == "acme" else "globex.com"
            cur.execute(
                "INSERT INTO contacts (id, account_id, email) VALUES (?, ?, ?)",
                [f"c-{name}", account, f"{name}@{domain}"],
            )
        cur.execute(
            """INSERT INTO catalog (id, kind, name) VALUES
            (?, 'course', 'Course one'), (?, 'course', 'Course two')""",
            [C1, C2],
        )
    services.statements.store(statements, AUTHORITY)
    resolve(services.db)


def by_key(rows: list[Row], *keys: str) -> dict[tuple[Any, ...], Any]:
    """Rows as {(key values): the KPI's value, the last column}, whatever order an engine
    sorts nulls in."""
    value = list(rows[0])[-1]
    return {tuple(row[key] for key in keys): row[value] for row in rows}


def month_of(day: date) -> str:
    return day.replace(day=1).isoformat()


RECENT = datetime.now(UTC).date() - timedelta(days=10)  # gus starts 10 days ago


@pytest.fixture
def journeys(services: Services) -> None:
    """Who learned when (UTC). Day numbers count from each learner's first learning activity.

    ann  registered 2023-12-20 (not learning), launched C1 2024-01-10 23:00 (day 0),
         experienced a C1 module 2024-02-09 08:00 (day 30: calendar days, not 24-hour spans),
         completed C1 2024-04-01 (day 82)
    bob  launched C1 2024-01-15 (day 0), progressed 2024-02-13 (day 29),
         experienced C1 2024-03-01 (day 46) but that statement is voided
    dan  dan@gmail.com, no account: launched C2 2024-01-31 (day 0), experienced 2024-03-15
         (day 44; 2024 is a leap year: Jan 31 -> Feb 29 is 29 days, + 15)
    cat  experienced C1 2024-01-05, voided; so she starts with C2 on 2024-02-05 (day 0),
         experienced C2 2024-02-20 (day 15)
    eve  launched C1 2024-02-28 (day 0), experienced 2024-04-01 (day 33)
    fay  launched C1 2024-04-20 (day 0), experienced 2024-05-25 (day 35)
    gus  launched C1 ten days ago: his cohort is younger than any window
    ann, bob, fay, gus: Acme (enterprise); cat, eve: Globex (SMB); dan: no account.
    Entry courses: C1 for ann, bob, eve, fay, gus; C2 for dan and cat.
    """
    bob_late = said("bob@acme.com", verbs.EXPERIENCED, "2024-03-01T10:00:00Z")
    cat_early = said("cat@globex.com", verbs.EXPERIENCED, "2024-01-05T10:00:00Z")
    module = ACADEMY + "modules/m1"
    store(services, [
        said("ann@acme.com", verbs.REGISTERED, "2023-12-20T09:00:00Z"),
        said("ann@acme.com", verbs.LAUNCHED, "2024-01-10T23:00:00Z"),
        said("ann@acme.com", verbs.EXPERIENCED, "2024-02-09T08:00:00Z", module, parent=C1),
        said("ann@acme.com", verbs.COMPLETED, "2024-04-01T10:00:00Z"),
        said("bob@acme.com", verbs.LAUNCHED, "2024-01-15T10:00:00Z"),
        said("bob@acme.com", verbs.PROGRESSED, "2024-02-13T10:00:00Z"),
        bob_late, voiding(bob_late),
        said("dan@gmail.com", verbs.LAUNCHED, "2024-01-31T12:00:00Z", C2),
        said("dan@gmail.com", verbs.EXPERIENCED, "2024-03-15T12:00:00Z", C2),
        cat_early, voiding(cat_early),
        said("cat@globex.com", verbs.LAUNCHED, "2024-02-05T10:00:00Z", C2),
        said("cat@globex.com", verbs.EXPERIENCED, "2024-02-20T10:00:00Z", C2),
        said("eve@globex.com", verbs.LAUNCHED, "2024-02-28T10:00:00Z"),
        said("eve@globex.com", verbs.EXPERIENCED, "2024-04-01T10:00:00Z"),
        said("fay@acme.com", verbs.LAUNCHED, "2024-04-20T10:00:00Z"),
        said("fay@acme.com", verbs.EXPERIENCED, "2024-05-25T10:00:00Z"),
        said("gus@acme.com", verbs.LAUNCHED, f"{RECENT.isoformat()}T12:00:00Z"),
    ])  # fmt: skip


# --- cohort_retention and learner_churn ----------------------------------------------------------


@pytest.mark.usefixtures("journeys")
def test_cohort_retention_by_month_of_first_activity(kpis: Any) -> None:
    # Window 30 (the default): retained = any activity on day 30 or later.
    # 2024-01: ann (day 30, yes), bob (29, no: his day-46 statement is voided), dan (44, yes)
    #          -> 2/3; ann's December registration does not make her a December learner.
    # 2024-02: cat (15, no), eve (33, yes) -> 1/2; cat's voided January statement is ignored.
    # 2024-03: nobody starts -> no row. 2024-04: fay (35, yes) -> 1/1.
    # gus's month: he reaches day 30 only in 20 days -> null, not 0.
    rows = kpis("cohort_retention")
    assert [row["cohort"] for row in rows] == [
        "2024-01-01", "2024-02-01", "2024-04-01", month_of(RECENT),
    ]  # fmt: skip
    values = [row["cohort_retention"] for row in rows]
    assert values[:3] == pytest.approx([2 / 3, 0.5, 1.0])
    assert values[3] is None


@pytest.mark.usefixtures("journeys")
def test_learner_churn_is_one_minus_retention_with_the_same_nulls(kpis: Any) -> None:
    # 1 - (2/3, 1/2, 1) -> 1/3, 1/2, 0; gus's young cohort stays null.
    rows = kpis("learner_churn")
    values = [row["learner_churn"] for row in rows]
    assert values[:3] == pytest.approx([1 / 3, 0.5, 0.0])
    assert values[3] is None


@pytest.mark.usefixtures("journeys")
def test_window_parameter(kpis: Any) -> None:
    # Window 60: 2024-01: only ann (day 82) -> 1/3; 2024-02: eve's day 33 < 60 -> 0/2 = 0.0
    # (a real zero: both learners have passed day 60); 2024-04: fay's 35 < 60 -> 0.0.
    rows = kpis("cohort_retention", params=["window:60"])
    values = [row["cohort_retention"] for row in rows]
    assert values[:3] == pytest.approx([1 / 3, 0.0, 0.0])
    assert values[3] is None


@pytest.mark.usefixtures("journeys")
def test_retention_by_segment_and_entry_course(kpis: Any) -> None:
    # By segment: 2024-01 enterprise (ann yes, bob no) 1/2; no account (dan yes) 1/1;
    # 2024-02 SMB (cat no, eve yes) 1/2; 2024-04 enterprise (fay) 1/1; gus's month null.
    rows = by_key(kpis("cohort_retention", by=["segment"]), "cohort", "segment")
    assert rows == {
        ("2024-01-01", "enterprise"): 0.5, ("2024-01-01", None): 1.0,
        ("2024-02-01", "SMB"): 0.5, ("2024-04-01", "enterprise"): 1.0,
        (month_of(RECENT), "enterprise"): None,
    }  # fmt: skip
    # By entry course: 2024-01 C1 (ann yes, bob no) 1/2, C2 (dan) 1/1; 2024-02 C2 (cat) 0/1,
    # C1 (eve) 1/1; 2024-04 C1 (fay) 1/1; gus (C1) null.
    rows = by_key(kpis("cohort_retention", by=["course"]), "cohort", "course")
    assert rows == {
        ("2024-01-01", C1): 0.5, ("2024-01-01", C2): 1.0, ("2024-02-01", C2): 0.0,
        ("2024-02-01", C1): 1.0, ("2024-04-01", C1): 1.0, (month_of(RECENT), C1): None,
    }  # fmt: skip


@pytest.mark.usefixtures("journeys")
def test_period_picks_cohorts_and_filters_apply(kpis: Any) -> None:
    # from 2024-01-15: the January cohort starts on 2024-01-01, before it, so it is left out
    # whole (bob, who started on the 15th, does not make a half cohort); to 2024-05-01 keeps
    # February and April. What they did after `to` still counts (fay's day 35 is 2024-05-25).
    rows = kpis("cohort_retention", start="2024-01-15", end="2024-05-01")
    assert by_key(rows, "cohort") == {("2024-02-01",): 0.5, ("2024-04-01",): 1.0}
    # Enterprise only: 2024-01 ann, bob -> 1/2; 2024-04 fay -> 1/1; gus null.
    rows = kpis("cohort_retention", filters=["segment:enterprise"])
    assert by_key(rows, "cohort") == {
        ("2024-01-01",): 0.5, ("2024-04-01",): 1.0, (month_of(RECENT),): None,
    }  # fmt: skip


@pytest.mark.usefixtures("journeys")
def test_other_cohort_grains(kpis: Any) -> None:
    # Quarter: 2024-Q1 ann yes, bob no, dan yes, cat no, eve yes -> 3/5; Q2 fay -> 1/1.
    rows = kpis("cohort_retention", grain="quarter", end="2024-07-01")
    assert by_key(rows, "cohort") == {("2024-01-01",): 0.6, ("2024-04-01",): 1.0}
    # All: one pooled cohort of everyone who started in the period: ann, dan, eve, fay of
    # six -> 4/6. Without a period it holds gus, who has not reached day 30 -> null.
    rows = kpis("cohort_retention", grain="all", start="2024-01-01", end="2024-05-01")
    assert rows == [{"cohort_retention": pytest.approx(4 / 6)}]
    assert kpis("learner_churn", grain="all") == [{"learner_churn": None}]


def test_cohorts_are_months_in_the_organisations_time_zone(services: Services, kpis: Any) -> None:
    # hal starts at 2024-03-01 03:00 UTC = 2024-02-29 22:00 in New York: the February cohort.
    # His next statement, 2024-03-30 12:00 UTC, is 2024-03-30 in New York: day 30, retained.
    # (In UTC he would be a March learner, and Mar 1 -> Mar 30 only day 29.)
    set_organisation_setting(services.db, "timezone", "America/New_York")
    store(services, [
        said("hal@acme.com", verbs.LAUNCHED, "2024-03-01T03:00:00Z"),
        said("hal@acme.com", verbs.EXPERIENCED, "2024-03-30T12:00:00Z"),
    ])  # fmt: skip
    assert kpis("cohort_retention") == [{"cohort": "2024-02-01", "cohort_retention": 1.0}]


def test_bad_window_and_unknown_dimension(services: Services, kpis: Any) -> None:
    for window in ("0", "thirty", "-5"):
        with pytest.raises(QueryError, match=f"param: window '{window}' is not a whole number"):
            kpis("cohort_retention", params=[f"window:{window}"])
    with pytest.raises(QueryError, match="dimension 'cohort'"):
        kpis("cohort_retention", by=["cohort"])


# --- retention_matrix --------------------------------------------------------------------------


def months_since(year: int, month: int) -> int:
    """Finished months from that month to now: the matrix's k runs from 0 to this minus 1."""
    today = datetime.now(UTC).date()
    return (today.year - year) * 12 + today.month - month


@pytest.mark.usefixtures("journeys")
def test_retention_matrix_by_month(kpis: Any) -> None:
    # Active months (voided statements left out):
    #   ann Jan, Feb, Apr; bob Jan, Feb; dan Jan, Mar  -> cohort 2024-01, 3 learners
    #   cat Feb; eve Feb, Apr                            -> cohort 2024-02, 2 learners
    #   fay Apr, May                                     -> cohort 2024-04, 1 learner
    # 2024-01: k0 3/3; k1 (Feb) ann, bob 2/3; k2 (Mar) dan 1/3 (bob's March is voided);
    #          k3 (Apr) ann 1/3; k4 (May) nobody: 0.0, a real zero, and so on to last month.
    # 2024-02: k0 1; k1 (Mar) 0; k2 (Apr) eve 1/2; then 0.
    # 2024-04: k0 1; k1 (May) fay 1; then 0. The period (to 2024-05-01) leaves gus out.
    rows = kpis("retention_matrix", start="2024-01-01", end="2024-05-01")
    cells = by_key(rows, "cohort", "k")
    expected_start = {
        ("2024-01-01", 0): 1.0, ("2024-01-01", 1): 2 / 3, ("2024-01-01", 2): 1 / 3,
        ("2024-01-01", 3): 1 / 3, ("2024-01-01", 4): 0.0,
        ("2024-02-01", 0): 1.0, ("2024-02-01", 1): 0.0, ("2024-02-01", 2): 0.5,
        ("2024-02-01", 3): 0.0,
        ("2024-04-01", 0): 1.0, ("2024-04-01", 1): 1.0, ("2024-04-01", 2): 0.0,
    }  # fmt: skip
    for cell, value in expected_start.items():
        assert cells.pop(cell) == pytest.approx(value), cell
    assert set(cells.values()) == {0.0}  # every later finished month: nobody came back
    # Every finished month is there, up to last month (this month is not over).
    ks = {cohort: max(k for c, k in by_key(rows, "cohort", "k") if c == cohort)
          for cohort in ("2024-01-01", "2024-02-01", "2024-04-01")}  # fmt: skip
    assert ks == {
        "2024-01-01": months_since(2024, 1) - 1,
        "2024-02-01": months_since(2024, 2) - 1,
        "2024-04-01": months_since(2024, 4) - 1,
    }
    assert [(row["cohort"], row["k"]) for row in rows[:3]] == [
        ("2024-01-01", 0), ("2024-01-01", 1), ("2024-01-01", 2),
    ]  # fmt: skip


@pytest.mark.usefixtures("journeys")
def test_retention_matrix_by_segment_keeps_learners_without_account(kpis: Any) -> None:
    # January cohort only. Enterprise (ann, bob): k0 2/2, k1 2/2, k2 0/2, k3 ann 1/2, k4 0.
    # No account (dan): k0 1, k1 0, k2 1, k3 0, k4 0.
    rows = kpis("retention_matrix", start="2024-01-01", end="2024-02-01", by=["segment"])
    cells = by_key(rows, "k", "segment")
    assert [cells[(k, "enterprise")] for k in range(5)] == [1.0, 1.0, 0.0, 0.5, 0.0]
    assert [cells[(k, None)] for k in range(5)] == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert list(rows[0]) == ["cohort", "k", "segment", "retention_matrix"]


@pytest.mark.usefixtures("journeys")
def test_retention_matrix_other_grains(kpis: Any) -> None:
    # Quarters: 2024-Q1 (ann, bob, dan, cat, eve): k0 1; k1 (Q2) ann and eve on Apr 1 -> 2/5.
    # 2024-Q2 (fay): k0 1; k1 (Q3) 0.
    cells = by_key(kpis("retention_matrix", grain="quarter", end="2024-07-01"), "cohort", "k")
    assert cells[("2024-01-01", 0)] == 1.0
    assert cells[("2024-01-01", 1)] == pytest.approx(0.4)
    assert (cells[("2024-04-01", 0)], cells[("2024-04-01", 1)]) == (1.0, 0.0)
    # ISO weeks: the week of Monday 2024-01-08 holds ann alone (Wed 10th). She is back on
    # Fri 2024-02-09 (week of Feb 5: 28 days later, k4) and Mon 2024-04-01 (84 days, k12).
    rows = kpis("retention_matrix", grain="week", start="2024-01-08", end="2024-01-15")
    active = sorted(row["k"] for row in rows if row["retention_matrix"] == 1.0)
    assert active == [0, 4, 12]
    assert {row["cohort"] for row in rows} == {"2024-01-08"}
    with pytest.raises(QueryError, match="retention_matrix needs periods"):
        kpis("retention_matrix", grain="all")


@pytest.mark.usefixtures("journeys")
def test_retention_matrix_leaves_today_out(kpis: Any) -> None:
    # Days: ann's cohort is Wed 2024-01-10; its last finished day is yesterday (UTC, the
    # organisation's zone here), k = days from the cohort to yesterday. Today is not over.
    rows = kpis("retention_matrix", grain="day", start="2024-01-10", end="2024-01-11")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert max(row["k"] for row in rows) == (yesterday - date(2024, 1, 10)).days


# --- time_to_competency ------------------------------------------------------------------------


@pytest.fixture
def assessments(services: Services) -> None:
    """Q1 is C1's quiz, Q2 C2's (their context parent); a standalone quiz belongs to no course.

    ann  launched C1 2024-03-01 10:00; failed Q1 03-03 (0.5); scored Q1 03-05 (0.6, no
         verdict); passed Q1 03-06 10:00 (0.8)           -> 5 days
    bob  registered C1 02-20 (not learning); launched 03-10 00:00; passed 03-12 12:00 (0.9)
                                                          -> 2.5 days
    gil  launched C1 03-01 00:00; passed 03-31 00:00      -> 30 days
    cat  cat@gmail.com, no account: launched C1 03-20; passed 04-09 (0.75) -> 20 days, April
    dan  launched C1 03-02; failed 03-04 (0.3): never passes, left out
    eve  launched C2 03-01; passed Q2 03-04 but voided; passed again 03-08 -> 7 days
    fay  experienced C2 02-01 but voided; launched C2 03-01; passed 03-02 -> 1 day
    hal  passed the standalone quiz: no course, left out
    ann, bob, gil, dan, hal: Acme (enterprise); eve, fay: Globex (SMB).
    """
    q1, q2, loose = ACADEMY + "quizzes/q1", ACADEMY + "quizzes/q2", ACADEMY + "quizzes/loose"
    eve_first = said("eve@globex.com", verbs.PASSED, "2024-03-04T00:00:00Z", q2, C2, 0.8, True)
    fay_early = said("fay@globex.com", verbs.EXPERIENCED, "2024-02-01T00:00:00Z", C2)
    store(services, [
        said("ann@acme.com", verbs.LAUNCHED, "2024-03-01T10:00:00Z"),
        said("ann@acme.com", verbs.FAILED, "2024-03-03T10:00:00Z", q1, C1, 0.5, False),
        said("ann@acme.com", verbs.SCORED, "2024-03-05T10:00:00Z", q1, C1, 0.6),
        said("ann@acme.com", verbs.PASSED, "2024-03-06T10:00:00Z", q1, C1, 0.8, True),
        said("bob@acme.com", verbs.REGISTERED, "2024-02-20T10:00:00Z"),
        said("bob@acme.com", verbs.LAUNCHED, "2024-03-10T00:00:00Z"),
        said("bob@acme.com", verbs.PASSED, "2024-03-12T12:00:00Z", q1, C1, 0.9, True),
        said("gil@acme.com", verbs.LAUNCHED, "2024-03-01T00:00:00Z"),
        said("gil@acme.com", verbs.PASSED, "2024-03-31T00:00:00Z", q1, C1, 0.8, True),
        said("cat@gmail.com", verbs.LAUNCHED, "2024-03-20T00:00:00Z"),
        said("cat@gmail.com", verbs.PASSED, "2024-04-09T00:00:00Z", q1, C1, 0.75, True),
        said("dan@acme.com", verbs.LAUNCHED, "2024-03-02T00:00:00Z"),
        said("dan@acme.com", verbs.FAILED, "2024-03-04T00:00:00Z", q1, C1, 0.3, False),
        said("eve@globex.com", verbs.LAUNCHED, "2024-03-01T00:00:00Z", C2),
        eve_first, voiding(eve_first),
        said("eve@globex.com", verbs.PASSED, "2024-03-08T00:00:00Z", q2, C2, 0.9, True),
        fay_early, voiding(fay_early),
        said("fay@globex.com", verbs.LAUNCHED, "2024-03-01T00:00:00Z", C2),
        said("fay@globex.com", verbs.PASSED, "2024-03-02T00:00:00Z", q2, C2, 0.7, True),
        said("hal@acme.com", verbs.PASSED, "2024-03-05T00:00:00Z", loose, None, 1.0, True),
    ])  # fmt: skip


@pytest.mark.usefixtures("assessments")
def test_time_to_competency_by_course_and_month_of_passing(kpis: Any) -> None:
    # 2024-03 C1: ann 5, bob 2.5, gil 30 -> median 5, mean 37.5 / 3 = 12.5.
    # 2024-03 C2: eve 7, fay 1 -> median 4, mean 4. 2024-04 C1: cat 20.
    # No row for February: nobody passed then (fay's voided statement is no start either).
    rows = kpis("time_to_competency", by=["course"])
    assert by_key(rows, "period", "course") == {
        ("2024-03-01", C1): 5.0, ("2024-03-01", C2): 4.0, ("2024-04-01", C1): 20.0,
    }  # fmt: skip
    rows = kpis("time_to_competency", by=["course"], params=["stat:mean"])
    assert by_key(rows, "period", "course") == {
        ("2024-03-01", C1): 12.5, ("2024-03-01", C2): 4.0, ("2024-04-01", C1): 20.0,
    }  # fmt: skip


@pytest.mark.usefixtures("assessments")
def test_time_to_competency_pooled_and_by_segment(kpis: Any) -> None:
    # All six: 1, 2.5, 5, 7, 20, 30 -> median (5 + 7) / 2 = 6; mean 65.5 / 6.
    assert kpis("time_to_competency", grain="all") == [{"time_to_competency": 6.0}]
    rows = kpis("time_to_competency", grain="all", params=["stat:mean"])
    assert rows == [{"time_to_competency": pytest.approx(65.5 / 6)}]
    # enterprise: 2.5, 5, 30 -> 5; SMB: 1, 7 -> 4; no account (cat): 20.
    rows = kpis("time_to_competency", grain="all", by=["segment"])
    assert by_key(rows, "segment") == {("enterprise",): 5.0, ("SMB",): 4.0, (None,): 20.0}


@pytest.mark.usefixtures("assessments")
def test_time_to_competency_with_a_pass_mark(kpis: Any) -> None:
    # pass_mark 0.45: ann's failed 0.5 on 03-03 still does not count (its verdict is "failed"),
    # but her verdict-less 0.6 on 03-05 does -> 4 days. C1: 2.5, 4, 20, 30 -> median 12;
    # C2 unchanged: 1, 7 -> 4. dan's failed 0.3 is below the mark anyway.
    rows = kpis("time_to_competency", grain="all", by=["course"], params=["pass_mark:0.45"])
    assert by_key(rows, "course") == {(C1,): 12.0, (C2,): 4.0}


def test_time_to_competency_bad_parameters(services: Services, kpis: Any) -> None:
    with pytest.raises(QueryError, match="param: stat 'mode' is not one of median, mean"):
        kpis("time_to_competency", params=["stat:mode"])
    for mark in ("1.5", "high", "-0.1"):
        with pytest.raises(QueryError, match=f"param: pass_mark '{mark}' is not a scaled score"):
            kpis("time_to_competency", params=[f"pass_mark:{mark}"])
