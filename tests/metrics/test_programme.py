"""The programme and content KPIs on one small hand-built academy, each value worked out by hand.

THE ACADEMY (organisation time zone America/New_York: UTC-5 until 9 March 2025, UTC-4 after)

Catalog:  path P (created 2024-06-10, updated 2025-01-20)
          course A, content type video, in P (created 2024-06-10, updated 2025-01-15)
          course B, lab, in P (created 2025-01-05 12:00Z, updated_at = created_at: no update)
          course C, ilt, in no path (created 2025-03-01 02:00Z = 28 Feb 21:00 in New York)
          items A/video1 (video), A/quiz (quiz), B/slides (slides); C/session is in no catalog
Accounts: acme (FR, enterprise), bolt (US, SMB)
Learners: Ana  contact of acme, country DE, time zone Europe/Paris (UTC+1)
          Ben  contact of bolt, no country of his own (bolt's: US), America/Los_Angeles (UTC-8)
          Cat  contact without account (gmail.com), GB, no time zone (the organisation's)
          Dan  no contact at all: his actor key is the learner, no account, no country

Statements (UTC; "NY" is New York time, which buckets periods):
  Ana  a1  registered  A          2025-01-06 09:00
       a2  launched    A          2025-01-06 10:00   Paris Mon 11:00
       a3  experienced A/video1   2025-01-06 10:30   Paris Mon 11:30
       a4  attempted   A/quiz     2025-01-07 11:00   Paris Tue 12:00
       a5  passed      A/quiz     2025-01-07 11:20   Paris Tue 12:20
       a6  completed   A          2025-01-07 11:30   Paris Tue 12:30
       a7  registered  B          2025-02-03 08:00
       a8  launched    B          2025-02-03 08:30   Paris Mon 09:30
       a9  experienced B/slides   2025-02-04 09:00   Paris Tue 10:00
  Ben  b1  registered  A          2025-01-10 17:00
       b2  launched    A          2025-01-10 18:00   LA Fri 10:00
       b3  experienced A/video1   2025-01-10 18:10   LA Fri 10:10
       b4  completed   A/video1   2025-01-10 18:20   LA Fri 10:20  (the video, not the course)
       b5  attempted   A/quiz     2025-01-10 18:40   LA Fri 10:40  (never passed nor failed)
       b6  unregistered A         2025-02-05 16:00   LA Wed 08:00
  Cat  c1  registered  A          2025-01-20 14:00
       c2  launched    A          2025-01-20 14:05   NY Mon 09:05
       c3  attempted   A/quiz     2025-01-20 14:20   NY Mon 09:20
       c4  failed      A/quiz     2025-01-20 14:30   NY Mon 09:30
       c5  completed   A          2025-02-01 03:00   NY Fri 31 January 22:00: a January event
       c6  registered  C          2025-02-10 15:00
       c7  attended    C/session  2025-04-02 14:00   NY (daylight time) Wed 10:00
  Dan  d0  experienced A/video1   2025-01-25 12:00   VOIDED by the admin's v0 (2025-01-26)
       d1  experienced A/video1   2025-02-14 20:00   NY Fri 15:00
       d2  launched    B          2025-02-14 20:30   NY Fri 15:30
       d3  completed   B          2025-02-14 21:00   NY Fri 16:00

By New York month: January a1-a6, b1-b5, c1-c5; February a7-a9, b6, c6, d1-d3; March
nothing (the empty period); April c7. Learning activity is every counted statement but
`registered`: Ana 7 (a2 a3 a4 a5 a6 a8 a9), Ben 5 (b2 b3 b4 b5 b6), Cat 5 (c2 c3 c4 c5 c7),
Dan 3 (d1 d2 d3): 20 in all. Neither d0 (voided) nor v0 (voiding) counts anywhere: with them,
Dan would be active in January and the admin a learner.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from learnsight.identity import resolve
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
VIDEO, QUIZ, SLIDES, SESSION = A + "/video1", A + "/quiz", B + "/slides", C + "/session"
ANA, BEN, CAT = "c-ana", "c-ben", "c-cat"
DAN = "mbox:mailto:dan@example.org"  # no contact: the actor key is the learner
COURSES = {A, B, C}
PARENT = {VIDEO: A, QUIZ: A, SLIDES: B, SESSION: C}
EMAIL = {"ana": "ana@acme.test", "ben": "ben@bolt.test", "cat": "cat@gmail.com",
         "dan": "dan@example.org", "admin": "admin@lrs.test"}  # fmt: skip
UNREGISTERED = verbs.UNREGISTERED


def said(who: str, verb: str, obj: str, when: str, success: bool | None = None) -> Row:
    """A statement by `who` at `when` (UTC); an item names its course as context parent."""
    activity: Row = {"objectType": "Activity", "id": obj}
    if obj in COURSES:
        activity["definition"] = {"type": verbs.COURSE_TYPE}
    statement: Row = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{EMAIL[who]}"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": activity,
        "timestamp": when + ":00Z",
    }
    if obj in PARENT:
        statement["context"] = {"contextActivities": {"parent": [{"id": PARENT[obj]}]}}
    if success is not None:
        statement["result"] = {"success": success, "completion": True}
    return statement


V = verbs
D0 = said("dan", V.EXPERIENCED, VIDEO, "2025-01-25T12:00")
STATEMENTS = [
    said("ana", V.REGISTERED, A, "2025-01-06T09:00"),
    said("ana", V.LAUNCHED, A, "2025-01-06T10:00"),
    said("ana", V.EXPERIENCED, VIDEO, "2025-01-06T10:30"),
    said("ana", V.ATTEMPTED, QUIZ, "2025-01-07T11:00"),
    said("ana", V.PASSED, QUIZ, "2025-01-07T11:20", success=True),
    said("ana", V.COMPLETED, A, "2025-01-07T11:30"),
    said("ana", V.REGISTERED, B, "2025-02-03T08:00"),
    said("ana", V.LAUNCHED, B, "2025-02-03T08:30"),
    said("ana", V.EXPERIENCED, SLIDES, "2025-02-04T09:00"),
    said("ben", V.REGISTERED, A, "2025-01-10T17:00"),
    said("ben", V.LAUNCHED, A, "2025-01-10T18:00"),
    said("ben", V.EXPERIENCED, VIDEO, "2025-01-10T18:10"),
    said("ben", V.COMPLETED, VIDEO, "2025-01-10T18:20"),
    said("ben", V.ATTEMPTED, QUIZ, "2025-01-10T18:40"),
    said("ben", UNREGISTERED, A, "2025-02-05T16:00"),
    said("cat", V.REGISTERED, A, "2025-01-20T14:00"),
    said("cat", V.LAUNCHED, A, "2025-01-20T14:05"),
    said("cat", V.ATTEMPTED, QUIZ, "2025-01-20T14:20"),
    said("cat", V.FAILED, QUIZ, "2025-01-20T14:30", success=False),
    said("cat", V.COMPLETED, A, "2025-02-01T03:00"),
    said("cat", V.REGISTERED, C, "2025-02-10T15:00"),
    said("cat", V.ATTENDED, SESSION, "2025-04-02T14:00"),
    D0,
    said("dan", V.EXPERIENCED, VIDEO, "2025-02-14T20:00"),
    said("dan", V.LAUNCHED, B, "2025-02-14T20:30"),
    said("dan", V.COMPLETED, B, "2025-02-14T21:00"),
]
VOIDING = {
    "actor": {"objectType": "Agent", "mbox": f"mailto:{EMAIL['admin']}"},
    "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided"}},
    "object": {"objectType": "StatementRef", "id": D0["id"]},
    "timestamp": "2025-01-26T12:00:00Z",
}


@pytest.fixture(autouse=True)
def academy(services: Services) -> None:
    set_organisation_setting(services.db, "timezone", "America/New_York")
    with services.db.write() as cur:
        cur.execute(
            """INSERT INTO accounts (id, name, domains, segment, country) VALUES
            ('acme', 'Acme', ['acme.test'], 'enterprise', 'FR'),
            ('bolt', 'Bolt', ['bolt.test'], 'SMB', 'US')"""
        )
        cur.execute(
            """INSERT INTO contacts (id, account_id, email, country, timezone) VALUES
            ('c-ana', 'acme', 'ana@acme.test', 'DE', 'Europe/Paris'),
            ('c-ben', 'bolt', 'ben@bolt.test', NULL, 'America/Los_Angeles'),
            ('c-cat', NULL, 'cat@gmail.com', 'GB', NULL)"""
        )
        cur.execute(
            """INSERT INTO catalog (id, kind, content_type, created_at, updated_at, paths) VALUES
            (?, 'path', NULL, '2024-06-10 12:00Z', '2025-01-20 12:00Z', NULL),
            (?, 'course', 'video', '2024-06-10 12:00Z', '2025-01-15 12:00Z', [?]),
            (?, 'course', 'lab', '2025-01-05 12:00Z', '2025-01-05 12:00Z', [?]),
            (?, 'course', 'ilt', '2025-03-01 02:00Z', NULL, NULL),
            (?, 'item', 'video', NULL, NULL, NULL),
            (?, 'item', 'quiz', NULL, NULL, NULL),
            (?, 'item', 'slides', NULL, NULL, NULL)""",
            [P, A, P, B, P, C, VIDEO, QUIZ, SLIDES],
        )
    for index, statement in enumerate([*STATEMENTS, VOIDING]):
        validate_statement(statement, f"$[{index}]")
    services.statements.store(STATEMENTS, AUTHORITY)
    services.statements.store([VOIDING], AUTHORITY)
    resolve(services.db)


def by_key(rows: list[Row], *keys: str) -> dict[Any, Any]:
    """{key value(s): the row's remaining values}, whatever order an engine sorts nulls in."""
    out: dict[Any, Any] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        rest = tuple(v for k, v in row.items() if k not in keys)
        out[key[0] if len(key) == 1 else key] = rest[0] if len(rest) == 1 else rest
    assert len(out) == len(rows), "one row per key"
    return out


JAN, FEB, APR = "2025-01-01", "2025-02-01", "2025-04-01"
MARCH = {"start": "2025-03-01", "end": "2025-04-01"}  # no statement at all


# --- enrolments, completions, withdrawals -----------------------------------------------------


def test_enrollments(kpis: Runner) -> None:
    # January: a1 Ana, b1 Ben, c1 Cat -> 3; February: a7 Ana (B), c6 Cat (C) -> 2.
    assert kpis("enrollments") == [
        {"period": JAN, "enrollments": 3},
        {"period": FEB, "enrollments": 2},
    ]
    # All time, learners once: Ana, Ben, Cat. Per course: A Ana Ben Cat, B Ana, C Cat.
    assert kpis("enrollments", grain="all") == [{"enrollments": 3}]
    assert by_key(kpis("enrollments", grain="all", by=["course"]), "course") == {A: 3, B: 1, C: 1}
    # Path P holds A and B (Ana, Ben, Cat); C is in no path (Cat).
    rows = kpis("enrollments", grain="all", by=["learning_path"])
    assert by_key(rows, "learning_path") == {P: 3, None: 1}
    # Cat has no account: her own row; Dan never enrolled.
    assert by_key(kpis("enrollments", grain="all", by=["account"]), "account") == {
        "acme": 1, "bolt": 1, None: 1
    }  # fmt: skip
    # The empty period: no row per month, and 0 (a count, not a ratio) for the whole period.
    assert kpis("enrollments", **MARCH) == []
    assert kpis("enrollments", grain="all", **MARCH) == [{"enrollments": 0}]


def test_completions_are_of_courses_in_the_organisations_months(kpis: Runner) -> None:
    # Course completions: a6 Ana A (January), c5 Cat A at 2025-02-01 03:00 UTC, which is
    # 31 January 22:00 in New York (January), d3 Dan B (February). Ben's b4 completed the
    # video A/video1, not course A: no completion. In UTC months it would read 1 and 2.
    assert kpis("completions") == [
        {"period": JAN, "completions": 2},
        {"period": FEB, "completions": 1},
    ]
    assert by_key(kpis("completions", grain="all", by=["course"]), "course") == {A: 2, B: 1}
    # Filters: course B only (Dan, who never enrolled, still completed it).
    assert kpis("completions", grain="all", filters=[f"course:{B}"]) == [{"completions": 1}]


def test_withdrawals(kpis: Runner) -> None:
    # b6: Ben unregistered from A in February; no withdrawal in January, so no January row.
    assert kpis("withdrawals") == [{"period": FEB, "withdrawals": 1}]
    assert kpis("withdrawals", grain="all", by=["account"]) == [
        {"account": "bolt", "withdrawals": 1}
    ]


def test_completion_rate(kpis: Runner) -> None:
    # Enrolled in January: Ana A (completed a6), Ben A (only the video: no), Cat A (c5) -> 2/3.
    # Enrolled in February: Ana B (no; Dan's completion of B is not hers), Cat C (no) -> 0/2,
    # a real 0.
    rows = kpis("completion_rate")
    assert [r["period"] for r in rows] == [JAN, FEB]
    assert rows[0]["completion_rate"] == pytest.approx(2 / 3)
    assert rows[1]["completion_rate"] == 0.0
    # All time: 2 of the 5 learner-course pairs. Per course: A 2/3, B 0/1, C 0/1.
    assert kpis("completion_rate", grain="all") == [{"completion_rate": pytest.approx(0.4)}]
    per_course = by_key(kpis("completion_rate", grain="all", by=["course"]), "course")
    assert per_course == {A: pytest.approx(2 / 3), B: 0.0, C: 0.0}
    # Cat (no account): A completed, C not -> 1/2 on the empty account's row.
    per_account = by_key(kpis("completion_rate", grain="all", by=["account"]), "account")
    assert per_account == {"acme": 0.5, "bolt": 0.0, None: 0.5}
    # Nobody enrolled in March: 0/0 is null, not 0 or NaN.
    assert kpis("completion_rate", grain="all", **MARCH) == [{"completion_rate": None}]
    assert kpis("completion_rate", **MARCH) == []


# --- activity and engagement ------------------------------------------------------------------


def test_active_learners_skip_enrolments_and_voided_statements(kpis: Runner) -> None:
    # January: Ana, Ben, Cat (Dan's only January statement, d0, is voided; the admin's voiding
    # statement v0 is no learning). February: Ana (a8 a9), Ben (b6: unregistering is activity,
    # only `registered` is not), Dan (d1-d3); Cat only registered (c6). April: Cat (c7).
    assert kpis("active_learners") == [
        {"period": JAN, "active_learners": 3},
        {"period": FEB, "active_learners": 3},
        {"period": APR, "active_learners": 1},
    ]
    # Learners without an account (Cat, Dan) share the empty account's row.
    rows = kpis("active_learners", grain="all", by=["account"])
    assert by_key(rows, "account") == {"acme": 1, "bolt": 1, None: 2}


def test_engagement_rate(kpis: Runner) -> None:
    # January ends 1 Feb 00:00 NY: enrolled and not withdrawn Ana, Ben, Cat (course A); all
    # three were active in January -> 3/3.
    # February ends 1 Mar: Ana (A, B) and Cat (A, C); Ben withdrew on 5 Feb; Dan never
    # enrolled. Active in February: Ana (a8 a9), not Cat (c5 is January's) -> 1/2.
    # March has no statement, so no row. April: still Ana and Cat; Cat active (c7) -> 1/2.
    assert kpis("engagement_rate") == [
        {"period": JAN, "engagement_rate": 1.0},
        {"period": FEB, "engagement_rate": 0.5},
        {"period": APR, "engagement_rate": 0.5},
    ]
    # By course, activity must be in that course. February: A has Ana and Cat, neither active
    # in A (Ben's b6 and Dan's d1 are in A, but they are not enrolled) -> 0; B has Ana, active
    # in B -> 1; C has Cat, inactive -> 0. April: only Cat in C is active.
    rows = kpis("engagement_rate", by=["course"])
    assert by_key(rows, "period", "course") == {
        (JAN, A): 1.0,
        (FEB, A): 0.0, (FEB, B): 1.0, (FEB, C): 0.0,
        (APR, A): 0.0, (APR, B): 0.0, (APR, C): 1.0,
    }  # fmt: skip
    # By account (Ana acme, Ben bolt, Cat none), a learner counts once whatever their courses.
    rows = kpis("engagement_rate", by=["account"])
    assert by_key(rows, "period", "account") == {
        (JAN, "acme"): 1.0, (JAN, "bolt"): 1.0, (JAN, None): 1.0,
        (FEB, "acme"): 1.0, (FEB, None): 0.0,
        (APR, "acme"): 0.0, (APR, None): 1.0,
    }  # fmt: skip
    # All time, as of now: Ana and Cat enrolled, both active at some point -> 1.
    assert kpis("engagement_rate", grain="all") == [{"engagement_rate": 1.0}]
    # One period from `from` to `to`: February's 1/2 again; before any enrolment (to 6 Jan,
    # a1 is at 04:00 NY that day) nobody is enrolled: 0/0 is null.
    february = kpis("engagement_rate", grain="all", start="2025-02-01", end="2025-03-01")
    assert february == [{"engagement_rate": 0.5}]
    assert kpis("engagement_rate", grain="all", end="2025-01-06") == [{"engagement_rate": None}]


def test_learners_by_country(kpis: Runner) -> None:
    # Country: the contact's (Ana DE, Cat GB), else the account's (Ben: bolt's US); Dan has
    # neither. Statements: the learning activity counted above (7, 5, 5, 3).
    rows = kpis("learners_by_country")
    assert by_key(rows, "country") == {"DE": (1, 7), "GB": (1, 5), "US": (1, 5), None: (1, 3)}
    assert list(rows[0]) == ["country", "learners_by_country", "statements"]
    # February (NY): Ana a8 a9, Ben b6, Dan d1-d3; Cat's c5 is 31 January in New York.
    rows = kpis("learners_by_country", start="2025-02-01", end="2025-03-01")
    assert by_key(rows, "country") == {"DE": (1, 2), "US": (1, 1), None: (1, 3)}
    # Country always in the rows, after the asked dimensions.
    rows = kpis("learners_by_country", by=["account"], filters=["account:acme"])
    assert rows == [{"account": "acme", "country": "DE", "learners_by_country": 1,
                     "statements": 7}]  # fmt: skip


def test_learning_time_heatmap_in_each_learners_time_zone(kpis: Runner) -> None:
    # Weekday (1 = Monday) and hour of each learning-activity statement, local to the learner:
    # Ana in Paris (a2 a3 Mon 11; a4 a5 a6 Tue 12; a8 Mon 9; a9 Tue 10), Ben in Los Angeles
    # (b2 b3 b4 b5 Fri 10; b6 Wed 8), Cat and Dan in New York, the organisation's zone (c2
    # c3 c4 Mon 9; c5 Fri 22, on 31 January; c7 Wed 10, daylight time; d1 d2 Fri 15; d3
    # Fri 16). In UTC Ana's Monday would be at 10, Cat's c5 a Saturday at 3.
    rows = kpis("learning_time_heatmap")
    assert list(rows[0]) == ["weekday", "hour", "learning_time_heatmap"]
    assert by_key(rows, "weekday", "hour") == {
        (1, 9): 4, (1, 11): 2, (2, 10): 1, (2, 12): 3, (3, 8): 1, (3, 10): 1,
        (5, 10): 4, (5, 15): 2, (5, 16): 1, (5, 22): 1,
    }  # fmt: skip
    assert sum(r["learning_time_heatmap"] for r in rows) == 20
    # Filtered on Fridays, split by course: Ben's four in A, Cat's c5 in A, Dan's in A and B.
    rows = kpis("learning_time_heatmap", by=["course"], filters=["weekday:5"])
    assert by_key(rows, "course", "weekday", "hour") == {
        (A, 5, 10): 4, (A, 5, 22): 1, (A, 5, 15): 1, (B, 5, 15): 1, (B, 5, 16): 1,
    }  # fmt: skip
    assert kpis("learning_time_heatmap", **MARCH) == []


# --- content ----------------------------------------------------------------------------------


def test_content_popularity(kpis: Runner) -> None:
    # Views: learners who launched, attempted or experienced the item (started and progressed
    # verbs); completions: learners who completed it. A: launched by Ana Ben Cat, completed by
    # Ana and Cat. A/quiz: attempted by Ana Ben Cat (passing or failing is no completion).
    # A/video1: Ana Ben Dan (d0 voided), completed by Ben. B: Ana Dan, completed by Dan.
    # B/slides: Ana. C/session: attended by Cat. Course C was only registered for: no row.
    rows = kpis("content_popularity")
    assert list(rows[0]) == ["item", "content_popularity", "completions"]
    assert by_key(rows, "item") == {
        A: (3, 2), QUIZ: (3, 0), VIDEO: (3, 1), B: (2, 1), SLIDES: (1, 0), SESSION: (1, 0),
    }  # fmt: skip
    # The item's own content type: B/slides is slides though course B is a lab; C/session has
    # no catalog row, so no content type.
    rows = kpis("content_popularity", by=["content_type"])
    assert by_key(rows, "content_type", "item") == {
        ("video", A): (3, 2), ("quiz", QUIZ): (3, 0), ("video", VIDEO): (3, 1),
        ("lab", B): (2, 1), ("slides", SLIDES): (1, 0), (None, SESSION): (1, 0),
    }  # fmt: skip
    # February only: A/video1 by Dan (d1); B by Ana (a8) and Dan (d2), completed by Dan;
    # B/slides by Ana.
    rows = kpis("content_popularity", start="2025-02-01", end="2025-03-01")
    assert by_key(rows, "item") == {VIDEO: (1, 0), B: (2, 1), SLIDES: (1, 0)}
    rows = kpis("content_popularity", filters=[f"item:{QUIZ}"], by=["account"])
    assert by_key(rows, "account", "item") == {
        ("acme", QUIZ): (1, 0), ("bolt", QUIZ): (1, 0), (None, QUIZ): (1, 0)
    }  # fmt: skip


def test_dropoff_by_content_type(kpis: Runner) -> None:
    # Started (launched, attempted) per learner and item; finished = completed, passed or
    # failed it. video (course A): Ana done, Ben not, Cat done -> 1/3. quiz: Ana passed, Ben
    # never finished, Cat failed (finished) -> 1/3. lab (course B): Ana not, Dan done -> 1/2.
    rows = kpis("dropoff_by_content_type")
    assert by_key(rows, "content_type") == {
        "lab": 0.5, "quiz": pytest.approx(1 / 3), "video": pytest.approx(1 / 3)
    }  # fmt: skip
    # By month of the start: January the quiz and video starts, February the lab ones.
    rows = kpis("dropoff_by_content_type", grain="month")
    assert by_key(rows, "period", "content_type") == {
        (JAN, "quiz"): pytest.approx(1 / 3), (JAN, "video"): pytest.approx(1 / 3),
        (FEB, "lab"): 0.5,
    }  # fmt: skip
    # Ben's starts only: both dropped.
    rows = kpis("dropoff_by_content_type", filters=["account:bolt"])
    assert by_key(rows, "content_type") == {"quiz": 1.0, "video": 1.0}
    assert kpis("dropoff_by_content_type", **MARCH) == []


def test_courses_created_and_updated(kpis: Runner) -> None:
    # Created: A June 2024, B January 2025, C 1 March 02:00 UTC = 28 February in New York.
    assert kpis("courses_created") == [
        {"period": "2024-06-01", "courses_created": 1},
        {"period": JAN, "courses_created": 1},
        {"period": FEB, "courses_created": 1},
    ]
    rows = kpis("courses_created", grain="all", by=["learning_path"])
    assert by_key(rows, "learning_path") == {P: 2, None: 1}
    rows = kpis("courses_created", grain="all", by=["content_type"])
    assert by_key(rows, "content_type") == {"ilt": 1, "lab": 1, "video": 1}
    assert kpis("courses_created", params=["kind:path"]) == [
        {"period": "2024-06-01", "courses_created": 1}
    ]
    # Updated: A in January; B's updated_at is its creation; C was never updated.
    assert kpis("courses_updated") == [{"period": JAN, "courses_updated": 1}]
    assert kpis("courses_updated", params=["kind:path"]) == [{"period": JAN, "courses_updated": 1}]
    assert kpis("courses_updated", grain="all", **MARCH) == [{"courses_updated": 0}]
    assert kpis("courses_updated", **MARCH) == []


def test_wrong_parameters_and_dimensions_are_refused(kpis: Runner) -> None:
    with pytest.raises(QueryError, match="kind 'item' is not one of course, path"):
        kpis("courses_created", params=["kind:item"])
    with pytest.raises(QueryError, match="dimension 'account'"):
        kpis("courses_created", by=["account"])
    with pytest.raises(QueryError, match="dimension 'weekday'"):
        kpis("active_learners", by=["weekday"])
    with pytest.raises(QueryError, match="dimension 'item'"):
        kpis("enrollments", by=["item"])
