"""A small hand-built company for the kpis.yaml tests (targets, custom KPIs), all times UTC.

Accounts   acme     Acme, enterprise, FR, contract 2024-01-01, ARR 100,000
           globex   Globex, SMB, US, contract 2024-02-15, ARR 20,000
           initech  Initech, enterprise, DE, contract 2024-03-10, ARR 50,000 (no contacts)
Contacts   ann (acme, admin, product user u-ann), bob (acme, analyst, u-bob),
           cat (globex, admin, u-cat), dan (globex, analyst, u-dan);
           zed@gmail.com and stranger@gmail.com are no one's: no contact, no account.
Catalog    path ADMIN; courses ADMIN_1 and ADMIN_2 (in ADMIN), OTHER (in no path).

Completions (statements)          Product events (user, event, when)
  ann   ADMIN_1  2024-03-01 10:00    u-ann  SSO Configured  2024-03-10 10:00  (9 days after)
  bob   ADMIN_2  2024-03-05 09:00    u-bob  Report Built    2024-03-06 09:00  (another event)
  cat   ADMIN_1  2024-03-20 12:00    u-bob  SSO Configured  2024-03-25 09:00  (20 days after)
  dan   OTHER    2024-03-02 08:00    u-cat  SSO Configured  2024-03-19 12:00  (before hers)
  dan   ADMIN_1  2024-03-03 08:00    u-cat  SSO Configured  2024-04-03 12:00  (exactly 14 days)
        ^ voided                     u-dan  SSO Configured  2024-03-04 08:00  (after the voided)
  zed   ADMIN_1  2024-04-02 10:00
  ann   ADMIN_2  2024-04-10 10:00
  and ann registered for ADMIN_1 on 2024-02-20 (an enrolment, no completion).

Tickets (id, requester, the row's own account, created, priority, tags)
  t1  ann@acme.test       acme    2024-03-02  high    [sso, login]
  t2  bob@acme.test       -       2024-03-15  low     [billing]      (acme through bob)
  t3  cat@globex.test     globex  2024-04-01  high    []
  t4  stranger@gmail.com  -       2024-04-05  urgent  -              (no one's)

Surveys (id, respondent, kind, score, when)
  s1 ann csat 5 2024-03-03   s2 bob csat 1 2024-03-04   s3 cat csat 4 2024-03-28
  s4 cat nps 9 2024-03-29    s5 stranger@gmail.com csat 2 2024-04-02
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from learnsight.identity import resolve
from learnsight.services import Services
from learnsight.xapi import verbs
from learnsight.xapi.statements import VOIDED_VERB
from learnsight.xapi.validate import validate_statement

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}
ACADEMY = "https://academy.test/"
ADMIN = ACADEMY + "paths/admin"
ADMIN_1, ADMIN_2, OTHER = (ACADEMY + f"courses/{name}" for name in ("admin-1", "admin-2", "other"))
SSO = "SSO Configured"
Row = dict[str, Any]

# The example of the issue: of the learners who completed (a course of) the admin path in the
# period, the share who then configured SSO within 14 days.
EXAMPLE = f"""
  admin_then_sso:
    definition: share of learners who completed a course of the admin path and then
      configured SSO within 14 days
    unit: share
    ratio:
      numerator:
        count_distinct: learner
        events: completed
        where: {{path: "{ADMIN}"}}
        followed_by:
          table: product_events
          where: {{event: {SSO}}}
          within_days: 14
      denominator:
        count_distinct: learner
        events: completed
        where: {{path: "{ADMIN}"}}
"""


def said(who: str, verb: str, when: str, course: str = ADMIN_1) -> Row:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{who}"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": course,
                   "definition": {"type": verbs.COURSE_TYPE}},
        "timestamp": when,
    }  # fmt: skip


def voiding(target: Row) -> Row:
    return {
        "actor": {"objectType": "Agent", "mbox": "mailto:admin@lrs.test"},
        "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target["id"]},
        "timestamp": "2024-06-01T00:00:00Z",
    }


def statements() -> list[Row]:
    dans_voided = said("dan@globex.test", verbs.COMPLETED, "2024-03-03T08:00:00Z")
    return [
        said("ann@acme.test", verbs.REGISTERED, "2024-02-20T10:00:00Z"),
        said("ann@acme.test", verbs.COMPLETED, "2024-03-01T10:00:00Z"),
        said("bob@acme.test", verbs.COMPLETED, "2024-03-05T09:00:00Z", ADMIN_2),
        said("cat@globex.test", verbs.COMPLETED, "2024-03-20T12:00:00Z"),
        said("dan@globex.test", verbs.COMPLETED, "2024-03-02T08:00:00Z", OTHER),
        dans_voided,
        voiding(dans_voided),
        said("zed@gmail.com", verbs.COMPLETED, "2024-04-02T10:00:00Z"),
        said("ann@acme.test", verbs.COMPLETED, "2024-04-10T10:00:00Z", ADMIN_2),
    ]


BUSINESS_ROWS = [
    """INSERT INTO accounts (id, name, domains, segment, country, arr, contract_start) VALUES
    ('acme', 'Acme', ['acme.test'], 'enterprise', 'FR', 100000, '2024-01-01'),
    ('globex', 'Globex', ['globex.test'], 'SMB', 'US', 20000, '2024-02-15'),
    ('initech', 'Initech', ['initech.test'], 'enterprise', 'DE', 50000, '2024-03-10')""",
    """INSERT INTO contacts (id, account_id, email, role, product_id) VALUES
    ('ann', 'acme', 'ann@acme.test', 'admin', 'u-ann'),
    ('bob', 'acme', 'bob@acme.test', 'analyst', 'u-bob'),
    ('cat', 'globex', 'cat@globex.test', 'admin', 'u-cat'),
    ('dan', 'globex', 'dan@globex.test', 'analyst', 'u-dan')""",
    f"""INSERT INTO catalog (id, kind, name, paths, content_type) VALUES
    ('{ADMIN}', 'path', 'Administrators', NULL, NULL),
    ('{ADMIN_1}', 'course', 'Admin one', ['{ADMIN}'], 'video'),
    ('{ADMIN_2}', 'course', 'Admin two', ['{ADMIN}'], 'quiz'),
    ('{OTHER}', 'course', 'Other', [], 'video')""",
    f"""INSERT INTO product_events (message_id, user_id, event, timestamp) VALUES
    ('e1', 'u-ann', '{SSO}', '2024-03-10 10:00:00+00'),
    ('e2', 'u-bob', 'Report Built', '2024-03-06 09:00:00+00'),
    ('e3', 'u-bob', '{SSO}', '2024-03-25 09:00:00+00'),
    ('e4', 'u-cat', '{SSO}', '2024-03-19 12:00:00+00'),
    ('e5', 'u-cat', '{SSO}', '2024-04-03 12:00:00+00'),
    ('e6', 'u-dan', '{SSO}', '2024-03-04 08:00:00+00')""",
    """INSERT INTO tickets (id, requester_email, account_id, created_at, priority, tags) VALUES
    ('t1', 'ann@acme.test', 'acme', '2024-03-02 09:00:00+00', 'high', ['sso', 'login']),
    ('t2', 'bob@acme.test', NULL, '2024-03-15 09:00:00+00', 'low', ['billing']),
    ('t3', 'cat@globex.test', 'globex', '2024-04-01 09:00:00+00', 'high', []),
    ('t4', 'stranger@gmail.com', NULL, '2024-04-05 09:00:00+00', 'urgent', NULL)""",
    """INSERT INTO surveys (id, respondent, kind, score, timestamp) VALUES
    ('s1', 'ann@acme.test', 'csat', 5, '2024-03-03 09:00:00+00'),
    ('s2', 'bob@acme.test', 'csat', 1, '2024-03-04 09:00:00+00'),
    ('s3', 'cat@globex.test', 'csat', 4, '2024-03-28 09:00:00+00'),
    ('s4', 'cat@globex.test', 'nps', 9, '2024-03-29 09:00:00+00'),
    ('s5', 'stranger@gmail.com', 'csat', 2, '2024-04-02 09:00:00+00')""",
]


def build(services: Services) -> None:
    """Store the company above in the services' data directory, identities resolved."""
    listed = statements()
    for index, statement in enumerate(listed):
        validate_statement(statement, f"$[{index}]")
    with services.db.write() as cur:
        for sql in BUSINESS_ROWS:
            cur.execute(sql)
    services.statements.store(listed, AUTHORITY)
    resolve(services.db)


def write_config(data: Path, text: str) -> None:
    """The data directory's kpis.yaml."""
    data.mkdir(parents=True, exist_ok=True)
    (data / "kpis.yaml").write_text(text)
