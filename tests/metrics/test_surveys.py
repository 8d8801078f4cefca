"""smile_sheet, csat, csat_mean, ces and nps on hand-built survey answers.

Each expected value is worked out in the comments from the answers listed above it. An answer's
account is its own `account_id`, else the one identity resolution found for the respondent;
scores outside a kind's scale are left out of the value.
"""

from __future__ import annotations

from typing import Any

import pytest

from learnsight.identity import resolve
from learnsight.metrics.query import QueryError
from learnsight.services import Services

C1, C2 = "https://academy.test/courses/c1", "https://academy.test/courses/c2"
Row = dict[str, Any]

# (respondent, account_id as imported, kind, score, day, course)
ANSWERS = [
    # CSAT, January: valid 5, 4, 2, 3 -> 2 of 4 score 4 or 5: csat 0.5, csat_mean 14 / 4 = 3.5.
    # bob has no account on his row: his e-mail's domain gives Acme. zed (gmail) has none.
    # ann's 7 is off the 1-5 scale: left out.
    ("ann@acme.com", "acme", "csat", 5, "2024-01-03", None),
    ("bob@acme.com", None, "csat", 4, "2024-01-05", None),
    ("cat@globex.com", "globex", "csat", 2, "2024-01-07", None),
    ("zed@gmail.com", None, "csat", 3, "2024-01-09", None),
    ("ann@acme.com", "acme", "csat", 7, "2024-01-10", None),
    # CSAT, February: none. March: only an out-of-range 9 -> no valid answer: null.
    ("cat@globex.com", "globex", "csat", 9, "2024-03-02", None),
    # NPS, January: 10, 9 promoters; 8, 7 passives; 3 detractor; 11 and -1 left out ->
    # (2 - 1) / 5 = 20. February: one 6 -> (0 - 1) / 1 = -100. March: only an 11 -> null.
    ("ann@acme.com", "acme", "nps", 10, "2024-01-04", None),
    ("bob@acme.com", None, "nps", 9, "2024-01-04", None),
    ("cat@globex.com", "globex", "nps", 8, "2024-01-04", None),
    ("zed@gmail.com", None, "nps", 7, "2024-01-04", None),
    ("dan@acme.com", "acme", "nps", 3, "2024-01-04", None),
    ("ann@acme.com", "acme", "nps", 11, "2024-01-05", None),
    ("bob@acme.com", "acme", "nps", -1, "2024-01-05", None),
    ("cat@globex.com", "globex", "nps", 6, "2024-02-10", None),
    ("cat@globex.com", "globex", "nps", 11, "2024-03-10", None),
    # CES, January: 2 (ann), 3 (respondent named by contact id c-ann: Acme through her
    # contact), 7 (cat); 8 and 0 off the 1-7 scale -> mean 12 / 3 = 4.
    ("ann@acme.com", "acme", "ces", 2, "2024-01-06", None),
    ("c-ann", None, "ces", 3, "2024-01-06", None),
    ("cat@globex.com", "globex", "ces", 7, "2024-01-06", None),
    ("bob@acme.com", "acme", "ces", 8, "2024-01-06", None),
    ("zed@gmail.com", None, "ces", 0, "2024-01-06", None),
    # Smile sheets, January: C1 5, 4 (0 and 6 left out); C2 3; one without a course, 2
    # -> all: 14 / 4 = 3.5; C1 4.5, C2 3, no course 2.
    ("ann@acme.com", "acme", "smile_sheet", 5, "2024-01-08", C1),
    ("cat@globex.com", "globex", "smile_sheet", 4, "2024-01-08", C1),
    ("bob@acme.com", None, "smile_sheet", 0, "2024-01-08", C1),
    ("zed@gmail.com", None, "smile_sheet", 6, "2024-01-08", C1),
    ("dan@acme.com", "acme", "smile_sheet", 3, "2024-01-09", C2),
    ("zed@gmail.com", None, "smile_sheet", 2, "2024-01-09", None),
]


@pytest.fixture(autouse=True)
def answers(services: Services) -> None:
    """Acme (enterprise, software, US) with contacts ann and dan; Globex (SMB, retail, DE) with
    cat; bob@acme.com is no contact but Acme's domain; zed@gmail.com is no one."""
    with services.db.write() as cur:
        cur.execute(
            """INSERT INTO accounts (id, name, domains, segment, industry, country) VALUES
            ('acme', 'Acme', ['acme.com'], 'enterprise', 'software', 'US'),
            ('globex', 'Globex', ['globex.com'], 'SMB', 'retail', 'DE')"""
        )
        cur.execute(
            """INSERT INTO contacts (id, account_id, email) VALUES
            ('c-ann', 'acme', 'ann@acme.com'), ('c-dan', 'acme', 'dan@acme.com'),
            ('c-cat', 'globex', 'cat@globex.com')"""
        )
        for index, (respondent, account, kind, score, day, course) in enumerate(ANSWERS):
            cur.execute(
                """INSERT INTO surveys (id, respondent, account_id, kind, score, timestamp,
                course_id) VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [f"s{index}", respondent, account, kind, score, f"{day}T12:00:00Z", course],
            )
    resolve(services.db)


def by_key(rows: list[Row], *keys: str) -> dict[tuple[Any, ...], Any]:
    """Rows as {(key values): the KPI's value, the last column}, whatever the null order."""
    value = list(rows[0])[-1]
    return {tuple(row[key] for key in keys): row[value] for row in rows}


def test_csat_and_csat_mean_by_month(kpis: Any) -> None:
    # January 0.5 and 3.5; February: no answers, no row; March: answers, none valid -> null.
    assert kpis("csat") == [
        {"period": "2024-01-01", "csat": 0.5}, {"period": "2024-03-01", "csat": None},
    ]  # fmt: skip
    assert kpis("csat_mean") == [
        {"period": "2024-01-01", "csat_mean": 3.5}, {"period": "2024-03-01", "csat_mean": None},
    ]  # fmt: skip


def test_csat_by_account_and_segment(kpis: Any) -> None:
    # January, valid answers: Acme 5 (ann), 4 (bob, by domain) -> 2/2 = 1, mean 4.5;
    # Globex 2 -> 0/1 = 0, mean 2; no account (zed) 3 -> 0/1 = 0, mean 3.
    rows = kpis("csat", by=["account"], end="2024-02-01")
    assert by_key(rows, "account") == {("acme",): 1.0, ("globex",): 0.0, (None,): 0.0}
    rows = kpis("csat_mean", by=["segment"], grain="all", end="2024-02-01")
    assert by_key(rows, "segment") == {("enterprise",): 4.5, ("SMB",): 2.0, (None,): 3.0}
    # Industry and country come from the account too.
    rows = kpis("csat", by=["industry", "country"], grain="all", end="2024-02-01")
    assert by_key(rows, "industry", "country") == {
        ("software", "US"): 1.0, ("retail", "DE"): 0.0, (None, None): 0.0,
    }  # fmt: skip


def test_nps(kpis: Any) -> None:
    # January 20, February -100, March null (its only answer is off the scale).
    assert kpis("nps") == [
        {"period": "2024-01-01", "nps": 20.0},
        {"period": "2024-02-01", "nps": -100.0},
        {"period": "2024-03-01", "nps": None},
    ]
    # January by account: Acme 10, 9, 3 -> (2 - 1) / 3 * 100 = 33.3; Globex 8 -> 0;
    # no account 7 -> 0.
    rows = kpis("nps", by=["account"], start="2024-01-01", end="2024-02-01")
    assert by_key(rows, "account") == {
        ("acme",): pytest.approx(100 / 3), ("globex",): 0.0, (None,): 0.0,
    }  # fmt: skip
    # All time, Globex only: 8 (passive), 6 (detractor) -> (0 - 1) / 2 = -50.
    assert kpis("nps", grain="all", filters=["account:globex"]) == [{"nps": -50.0}]


def test_ces(kpis: Any) -> None:
    assert kpis("ces") == [{"period": "2024-01-01", "ces": 4.0}]
    # Acme: 2 (ann), 3 (c-ann's contact is Acme's) -> 2.5 (bob's 8 left out); Globex 7;
    # no account: zed's 0 only, off the scale -> a row, but null (no valid answer).
    rows = kpis("ces", by=["account"], grain="all")
    assert by_key(rows, "account") == {("acme",): 2.5, ("globex",): 7.0, (None,): None}


def test_smile_sheet_by_course(kpis: Any) -> None:
    assert kpis("smile_sheet") == [{"period": "2024-01-01", "smile_sheet": 3.5}]
    rows = kpis("smile_sheet", by=["course"], grain="all")
    assert by_key(rows, "course") == {(C1,): 4.5, (C2,): 3.0, (None,): 2.0}
    assert kpis("smile_sheet", grain="all", filters=[f"course:{C1}"]) == [{"smile_sheet": 4.5}]


def test_course_dimensions_belong_to_smile_sheets_only(kpis: Any) -> None:
    for name in ("csat", "csat_mean", "ces", "nps"):
        with pytest.raises(QueryError, match="dimension 'course': this KPI splits by account"):
            kpis(name, by=["course"])
