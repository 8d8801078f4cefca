"""Identity resolution: every learner, requester, respondent and product user → contact, account.

Resolution is a full recompute in a few set-based SQL statements (never row by row): it reads
the identities the data holds, matches them against contacts and accounts by the rules of
docs/identity.md, in their order, rewrites the `identities` rows that changed and copies the
result onto `statements.contact_id` / `account_id`, touching only the statements whose values
change. It runs after every import, so contacts or accounts that arrive after the activity still
match.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from learnsight.db import Database
from learnsight.derived_tables import RESOLVED_SEQ, mark_changed, statements_rewritten
from learnsight.errors import LearnsightError

SOURCES = ("xapi", "ticket", "survey", "event")

# How each source's rows name their identity: `identities.identity` equals this expression, so
# a query reaches a row's contact and account with one join on it.
SOURCE_IDENTITY = {
    "xapi": "statements.actor_key",
    "ticket": "tickets.requester_email",
    "survey": "surveys.respondent",
    "event": "coalesce(product_events.user_id, product_events.email)",
}

# Contact rules after the override, in order: the first that matches wins.
CONTACT_RULES = (
    "email", "mbox_sha1sum", "lms_id", "product_id", "contact_id", "crm_id", "helpdesk_id",
)  # fmt: skip

# E-mail domains anyone can sign up to: never matched to an account by domain, even when an
# account lists them. SQL LIKE patterns; `%` stands for the country endings of one provider.
FREE_MAIL_DOMAINS = (
    "gmail.com", "googlemail.com", "outlook.%", "hotmail.%", "live.%", "msn.com", "yahoo.%",
    "ymail.com", "rocketmail.com", "aol.com", "aim.com", "icloud.com", "me.com", "mac.com",
    "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "gmx.%", "web.de", "t-online.de",
    "mail.com", "email.com", "zoho.com", "zohomail.com", "yandex.%", "mail.ru", "inbox.ru",
    "list.ru", "bk.ru", "rambler.ru", "qq.com", "163.com", "126.com", "sina.com", "naver.com",
    "daum.net", "hanmail.net", "rediffmail.com", "fastmail.com", "fastmail.fm", "hey.com",
    "tutanota.com", "tuta.io", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr",
    "libero.it", "virgilio.it", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "uol.com.br",
    "bol.com.br", "terra.com.br", "comcast.net", "att.net", "verizon.net", "btinternet.com",
    "sky.com", "bigpond.com", "shaw.ca", "rogers.com",
)  # fmt: skip

# Left behind by `learnsight erase`: pseudonyms that stand for no one, so never identities.
ERASED_PREFIX = "erased:"
ERASED_HOME_PAGE = "https://learnsight.invalid/erased"
ERASED_ACTOR_PREFIX = f"account:{ERASED_HOME_PAGE}\t"


@dataclass
class ResolveSummary:
    """What one resolution found, per source and per rule."""

    identities: int = 0
    with_contact: int = 0
    with_account: int = 0
    identities_changed: int = 0  # new, or resolved differently than last time
    statements_updated: int = 0
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    by_rule: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


log = logging.getLogger(__name__)


def resolve(db: Database) -> ResolveSummary:
    """Recompute every identity's contact and account, in one write transaction."""
    with db.write() as cur:
        return resolve_in(cur)


def resolve_in(cur: duckdb.DuckDBPyConnection) -> ResolveSummary:
    """`resolve` inside a transaction the caller holds (erase resolves before it deletes)."""
    # The TEMP tables are created inside the caller's transaction: a failure rolls them back.
    cur.execute(OBSERVED_SQL, [ERASED_PREFIX + "%", ERASED_ACTOR_PREFIX + "%"])
    cur.execute(PEOPLE_SQL)
    cur.execute(CONTACT_KEYS_SQL)
    cur.execute(OVERRIDE_KEYS_SQL)
    cur.execute(CANDIDATES_SQL)
    cur.execute(DOMAINS_SQL, [list(FREE_MAIL_DOMAINS)])
    cur.execute(RESULT_SQL)
    cur.execute(DELETE_CHANGED_SQL)
    sources = cur.execute(INSERT_CHANGED_SQL + " RETURNING source").fetchnumpy()["source"]
    changed = len(sources)
    rewritten = [
        cur.execute(sql + " RETURNING seq").fetchnumpy()["seq"]
        for sql in (UPDATE_STATEMENTS_SQL, CLEAR_STATEMENTS_SQL)
    ]
    updated = sum(len(seqs) for seqs in rewritten)
    mark_changed(cur, *(f"identities:{source}" for source in set(sources)))
    if updated:
        statements_rewritten(cur, min(int(seqs.min()) for seqs in rewritten if len(seqs)))
    for table in TEMP_TABLES:
        cur.execute(f"DROP TABLE {table}")
    # Statements are written under the same lock: every one up to this seq is resolved now.
    cur.execute(
        "INSERT OR REPLACE INTO meta SELECT ?, coalesce(max(seq), 0)::VARCHAR FROM statements",
        [RESOLVED_SEQ],
    )
    return summarise(cur, changed, updated)


def needs_resolving(db: Database) -> bool:
    """Whether statements arrived (through the LRS) since the last resolution."""
    query = """SELECT coalesce(max(seq), 0)
        > coalesce((SELECT value::BIGINT FROM meta WHERE key = ?), 0) FROM statements"""
    row = db.read().execute(query, [RESOLVED_SEQ]).fetchone()
    return bool(row and row[0])


def keep_resolved(db: Database, every_seconds: float, stop: threading.Event) -> None:
    """Resolve the actors of statements posted to the LRS, every so often, until `stop`."""
    while not stop.wait(every_seconds):
        try:
            if needs_resolving(db):
                resolve(db)
        except duckdb.Error:  # the next round tries again; the server keeps serving
            log.exception("identity resolution failed")


def summarise(cur: duckdb.DuckDBPyConnection, changed: int, updated: int) -> ResolveSummary:
    summary = ResolveSummary(identities_changed=changed, statements_updated=updated)
    rows = cur.execute(
        """SELECT source, count(*), count(contact_id), count(account_id) FROM identities
        GROUP BY source ORDER BY source"""
    ).fetchall()
    for source, total, with_contact, with_account in rows:
        summary.by_source[source] = {
            "identities": total, "with_contact": with_contact, "with_account": with_account,
        }  # fmt: skip
        summary.identities += total
        summary.with_contact += with_contact
        summary.with_account += with_account
    rules = cur.execute(
        "SELECT coalesce(rule, 'unmatched'), count(*) FROM identities GROUP BY ALL ORDER BY 1"
    ).fetchall()
    summary.by_rule = {rule: count for rule, count in rules}
    return summary


@dataclass(frozen=True, slots=True)
class UnmatchedIdentity:
    source: str
    identity: str
    records: int  # statements, tickets, survey answers or product events that name it
    contact_id: str | None
    account_id: str | None


@dataclass
class Unmatched:
    """Identities without a contact, and (separately) without an account, most records first."""

    no_contact: list[UnmatchedIdentity]
    no_account: list[UnmatchedIdentity]
    totals: dict[str, dict[str, int]]  # per source: identities and records without each

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unmatched(db: Database, source: str | None = None, limit: int = 50) -> Unmatched:
    """What the last resolution left without a contact or an account, with record counts."""
    if source is not None and source not in SOURCES:
        raise LearnsightError(f"source {source!r}: not one of {', '.join(SOURCES)}")
    cur = db.read()
    totals: dict[str, dict[str, int]] = {}
    for missing, label in (("contact_id", "contact"), ("account_id", "account")):
        sql = f"SELECT source, count(*), sum(records)::BIGINT FROM ({unmatched_sql(missing)}) "
        rows = cur.execute(sql + "GROUP BY source", [source, source]).fetchall()
        for name, identities, records in rows:
            counts = totals.setdefault(name, dict.fromkeys(TOTALS, 0))
            counts[f"without_{label}"] = identities
            counts[f"records_without_{label}"] = records
    return Unmatched(
        unmatched_rows(cur, "contact_id", source, limit),
        unmatched_rows(cur, "account_id", source, limit),
        dict(sorted(totals.items())),
    )


TOTALS = ("without_contact", "records_without_contact", "without_account",
          "records_without_account")  # fmt: skip


def unmatched_rows(
    cur: duckdb.DuckDBPyConnection, missing: str, source: str | None, limit: int
) -> list[UnmatchedIdentity]:
    sql = unmatched_sql(missing) + " ORDER BY records DESC, source, identity LIMIT ?"
    return [UnmatchedIdentity(*row) for row in cur.execute(sql, [source, source, limit]).fetchall()]


def unmatched_sql(missing: str) -> str:
    """Identities lacking `missing` (contact_id or account_id), with their record counts."""
    assert missing in ("contact_id", "account_id")
    return UNMATCHED_SQL.replace("{missing}", missing)


TEMP_TABLES = (
    "resolve_observed", "resolve_people", "resolve_contact_keys", "resolve_override_keys",
    "resolve_candidates", "resolve_domains", "resolve_result",
)  # fmt: skip

# Every identity the data holds, with how many records name it, the account its own rows carry
# most often (tickets, surveys and events have an account column) and the keys it can match by.
# xAPI: every actor key and every member of a Group actor; an anonymous Group (`group:`) is no
# one's identity. Pseudonyms left by an erasure are skipped.
OBSERVED_SQL = """
CREATE OR REPLACE TEMP TABLE resolve_observed AS
WITH statement_keys AS (
    SELECT actor_key AS identity FROM statements WHERE actor_key NOT LIKE 'group:%'
    UNION ALL
    SELECT unnest(actor_members) FROM statements WHERE actor_members IS NOT NULL
),
xapi AS (
    SELECT 'xapi' AS source, identity, count(*) AS records,
        NULL::VARCHAR AS own_account, NULL::VARCHAR AS email_hint
    FROM statement_keys GROUP BY identity
),
business_rows AS (
    SELECT 'ticket' AS source, requester_email AS identity, account_id, NULL::VARCHAR AS email
    FROM tickets
    UNION ALL
    SELECT 'survey', respondent, account_id, NULL FROM surveys
    UNION ALL
    SELECT 'event', coalesce(user_id, email), account_id, email FROM product_events
),
per_account AS (
    SELECT source, identity, account_id, count(*) AS n, min(lower(trim(email))) AS email
    FROM business_rows WHERE trim(identity) <> '' GROUP BY ALL
),
business AS (
    SELECT source, identity, sum(n)::BIGINT AS records,
        first(account_id ORDER BY account_id IS NULL, n DESC, account_id) AS own_account,
        min(email) AS email_hint
    FROM per_account GROUP BY ALL
),
observed AS (
    SELECT * FROM xapi UNION ALL SELECT * FROM business
)
SELECT source, identity, records, own_account,
    CASE
        WHEN source = 'xapi' AND identity LIKE 'mbox:mailto:%' THEN identity[13:]
        WHEN source = 'xapi' THEN NULL
        WHEN contains(identity, '@') THEN lower(trim(identity))
        ELSE email_hint
    END AS email
FROM observed
WHERE identity NOT LIKE ? AND identity NOT LIKE ?
"""

# Contacts with the contact each stands for: itself, or the one an override merged it into.
PEOPLE_SQL = """
CREATE OR REPLACE TEMP TABLE resolve_people AS
WITH merges AS (
    SELECT o.identity[9:] AS merged, o.contact_id AS target
    FROM identity_overrides o JOIN contacts t ON t.id = o.contact_id
    WHERE o.identity LIKE 'contact:%'
)
SELECT c.*, coalesce(m.target, c.id) AS canonical
FROM contacts c LEFT JOIN merges m ON m.merged = c.id
"""

# Every value a contact can be found by, per rule. A value shared by two different contacts
# (after merges) is ambiguous and matches no one.
CONTACT_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE resolve_contact_keys AS
WITH keys AS (
    SELECT 'email' AS rule, lower(trim(email)) AS key, canonical FROM resolve_people
    UNION ALL SELECT 'mbox_sha1sum', sha1('mailto:' || lower(trim(email))), canonical
        FROM resolve_people
    UNION ALL SELECT 'lms_id', lms_id, canonical FROM resolve_people
    UNION ALL SELECT 'product_id', product_id, canonical FROM resolve_people
    UNION ALL SELECT 'contact_id', id, canonical FROM resolve_people
    UNION ALL SELECT 'crm_id', crm_id, canonical FROM resolve_people
    UNION ALL SELECT 'helpdesk_id', helpdesk_id, canonical FROM resolve_people
)
SELECT rule, key, min(canonical) AS contact_id
FROM keys WHERE key IS NOT NULL AND key <> ''
GROUP BY rule, key HAVING count(DISTINCT canonical) = 1
"""

# Overrides as keys: the identity itself ('exact'), and for an e-mail address also the
# mbox_sha1sum it hashes to. A contact that does not exist (any more) is ignored; a merged one
# stands for the contact it was merged into.
OVERRIDE_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE resolve_override_keys AS
WITH overrides AS (
    SELECT o.identity, p.canonical AS contact_id, o.account_id
    FROM identity_overrides o LEFT JOIN resolve_people p ON p.id = o.contact_id
    WHERE o.identity NOT LIKE 'contact:%'
        AND (p.canonical IS NOT NULL OR o.account_id IS NOT NULL)
)
SELECT 'exact' AS rule, identity AS key, contact_id, account_id FROM overrides
UNION ALL
SELECT 'email', identity, contact_id, account_id FROM overrides
WHERE contains(identity, '@') AND NOT contains(identity, ':')
UNION ALL
SELECT 'mbox_sha1sum', sha1('mailto:' || identity), contact_id, account_id FROM overrides
WHERE contains(identity, '@') AND NOT contains(identity, ':')
"""

# The (rule, key) pairs by which each identity may match, with the rule's rank. Rank 0: the
# override keys; then the contact rules in CONTACT_RULES order.
CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE resolve_candidates AS
WITH pairs AS (
    SELECT source, identity, 'exact' AS rule, identity AS key FROM resolve_observed
    UNION ALL
    SELECT source, identity, 'email', email FROM resolve_observed WHERE email IS NOT NULL
    UNION ALL
    SELECT source, identity, 'mbox_sha1sum', identity[6:] FROM resolve_observed
    WHERE source = 'xapi' AND identity LIKE 'sha1:%'
    UNION ALL
    SELECT source, identity, 'lms_id', identity[position(chr(9) IN identity) + 1:]
    FROM resolve_observed WHERE source = 'xapi' AND identity LIKE 'account:%'
    UNION ALL
    SELECT source, identity, 'lms_id', identity[8:] FROM resolve_observed
    WHERE source = 'xapi' AND identity LIKE 'openid:%'
    UNION ALL
    SELECT source, identity, 'product_id', identity FROM resolve_observed WHERE source = 'event'
    UNION ALL
    SELECT source, identity, unnest(['contact_id', 'crm_id', 'helpdesk_id']), identity
    FROM resolve_observed WHERE source = 'survey' AND NOT contains(identity, '@')
),
ranks(rule, rank) AS (VALUES {ranks})
SELECT pairs.*, ranks.rank FROM pairs LEFT JOIN ranks USING (rule)
""".replace("{ranks}", ", ".join(f"('{r}', {n})" for n, r in enumerate(CONTACT_RULES, 1)))

# E-mail domains that name exactly one account; free-mail domains never do.
DOMAINS_SQL = """
CREATE OR REPLACE TEMP TABLE resolve_domains AS
WITH listed AS (
    SELECT DISTINCT id AS account_id,
        regexp_replace(lower(trim(unnest(domains))), '^(@|www\\.)', '') AS domain
    FROM accounts WHERE domains IS NOT NULL
)
SELECT domain, min(account_id) AS account_id FROM listed
WHERE domain <> ''
    AND NOT EXISTS (SELECT 1 FROM unnest(?::VARCHAR[]) AS free(pattern) WHERE domain LIKE pattern)
GROUP BY domain HAVING count(*) = 1
"""

RESULT_SQL = """
CREATE OR REPLACE TEMP TABLE resolve_result AS
WITH override AS (
    SELECT c.source, c.identity,
        first(o.contact_id ORDER BY o.contact_id IS NULL, c.rule <> 'exact', c.rule)
            AS contact_id,
        first(o.account_id ORDER BY o.account_id IS NULL, c.rule <> 'exact', c.rule)
            AS account_id
    FROM resolve_candidates c JOIN resolve_override_keys o USING (rule, key)
    GROUP BY ALL
),
matched AS (
    SELECT c.source, c.identity,
        first(k.contact_id ORDER BY c.rank) AS contact_id,
        first(c.rule ORDER BY c.rank) AS rule
    FROM resolve_candidates c JOIN resolve_contact_keys k USING (rule, key)
    GROUP BY ALL
),
resolved AS (
    SELECT ob.source, ob.identity, ob.own_account, ob.email,
        coalesce(ov.contact_id, m.contact_id) AS contact_id,
        CASE WHEN ov.contact_id IS NOT NULL THEN 'override' ELSE m.rule END AS contact_rule,
        ov.account_id AS override_account
    FROM resolve_observed ob
    LEFT JOIN override ov USING (source, identity)
    LEFT JOIN matched m USING (source, identity)
)
SELECT r.source, r.identity, r.contact_id,
    coalesce(r.override_account, r.own_account, p.account_id, d.account_id) AS account_id,
    CASE
        WHEN r.contact_id IS NOT NULL THEN r.contact_rule
        WHEN r.override_account IS NOT NULL THEN 'override'
        WHEN r.own_account IS NOT NULL THEN 'record'
        WHEN d.account_id IS NOT NULL THEN 'domain'
    END AS rule
FROM resolved r
LEFT JOIN contacts p ON p.id = r.contact_id
LEFT JOIN resolve_domains d ON d.domain = split_part(coalesce(r.email, p.email), '@', 2)
"""

# Only identities whose resolution changed are rewritten (deleted here, inserted again after).
DELETE_CHANGED_SQL = """
DELETE FROM identities USING (
    SELECT * FROM identities EXCEPT SELECT * FROM resolve_result
) AS stale
WHERE identities.source = stale.source AND identities.identity = stale.identity
"""
INSERT_CHANGED_SQL = """
INSERT INTO identities SELECT * FROM resolve_result ANTI JOIN identities USING (source, identity)
"""

# Only the statements whose contact or account changes are written: a re-run costs a scan.
UPDATE_STATEMENTS_SQL = """
UPDATE statements SET contact_id = i.contact_id, account_id = i.account_id
FROM identities i
WHERE i.source = 'xapi' AND i.identity = statements.actor_key
    AND (statements.contact_id IS DISTINCT FROM i.contact_id
        OR statements.account_id IS DISTINCT FROM i.account_id)
"""

# Statements of actors that are no identity (an anonymous Group) hold no contact or account.
CLEAR_STATEMENTS_SQL = """
UPDATE statements SET contact_id = NULL, account_id = NULL
WHERE (contact_id IS NOT NULL OR account_id IS NOT NULL)
    AND actor_key NOT IN (SELECT identity FROM identities WHERE source = 'xapi')
"""

# The identities of one source (or all) lacking `{missing}`, with their record counts.
UNMATCHED_SQL = """
WITH wanted AS (
    SELECT * FROM identities WHERE {missing} IS NULL AND (? IS NULL OR source = ?)
),
names AS (
    SELECT 'xapi' AS source, actor_key AS identity FROM statements
    WHERE actor_key IN (SELECT identity FROM wanted WHERE source = 'xapi')
    UNION ALL
    SELECT 'xapi', member FROM (SELECT unnest(actor_members) AS member FROM statements
        WHERE actor_members IS NOT NULL)
    WHERE member IN (SELECT identity FROM wanted WHERE source = 'xapi')
    UNION ALL
    SELECT 'ticket', requester_email FROM tickets
    UNION ALL
    SELECT 'survey', respondent FROM surveys
    UNION ALL
    SELECT 'event', coalesce(user_id, email) FROM product_events
),
counts AS (SELECT source, identity, count(*) AS records FROM names GROUP BY ALL)
SELECT w.source, w.identity, c.records, w.contact_id, w.account_id
FROM wanted w JOIN counts c USING (source, identity)
"""
