"""`learnsight erase --email E`: remove one person everywhere, as privacy law requires.

xAPI voiding is not erasure: a voided statement is still stored and readable. Here, in one
write transaction: the person's statements are deleted (as actor or object, with the voiding
statements that target them), their name and identifiers are replaced by a placeholder in
other people's statements that mention them, their documents, contact rows and survey answers
are deleted, and their tickets and product events keep counting under a pseudonym that cannot
be traced back to them. An `audit_log` row records the erasure without the address itself.
See docs/identity.md ("Erasure").
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from learnsight.derived_tables import drop_derived
from learnsight.errors import LearnsightError
from learnsight.identity import ERASED_HOME_PAGE, ERASED_PREFIX, resolve_in
from learnsight.services import Services
from learnsight.xapi.agents import IFI_PROPERTIES, actor_key, ifi_key, member_keys
from learnsight.xapi.columns import object_identity, related_agents
from learnsight.xapi.statements import VOIDED_VERB

EMAIL = re.compile(r"[^@\s:]+@[^@\s]+\.[^@\s]+")
SALT_KEY = "erase_salt"  # in `meta`: makes the pseudonyms impossible to recompute elsewhere


class EraseError(LearnsightError):
    """The request cannot be carried out; nothing was changed."""


@dataclass
class EraseSummary:
    """What one erasure removed or pseudonymised, per table (never the address itself)."""

    subject: str  # "sha256:" + the salted hash of the address, as in the audit log
    statements_deleted: int = 0
    statements_redacted: int = 0  # other people's statements that named the person
    documents: int = 0
    attachments: int = 0
    contacts: int = 0
    surveys: int = 0
    tickets: int = 0  # pseudonymised
    product_events: int = 0  # pseudonymised
    identities: int = 0
    identity_overrides: int = 0

    @property
    def found(self) -> bool:
        return any(self.counts().values())

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "subject"}

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "found": self.found}


@dataclass(frozen=True)
class Person:
    """The address, the pseudonym that replaces it, and the xAPI keys it appears under."""

    address: str
    digest: str

    @property
    def token(self) -> str:
        return ERASED_PREFIX + self.digest

    @property
    def mbox_key(self) -> str:
        return "mbox:mailto:" + self.address

    @property
    def sha1_key(self) -> str:
        return "sha1:" + hashlib.sha1(f"mailto:{self.address}".encode()).hexdigest()

    def placeholder(self) -> dict[str, Any]:
        """The account that stands for the person where others' statements named them."""
        return {"homePage": ERASED_HOME_PAGE, "name": self.digest}


def normalise_email(email: str) -> str:
    address = email.strip().lower().removeprefix("mailto:")
    if not EMAIL.fullmatch(address):
        raise EraseError(f"--email {email!r}: not an e-mail address")
    return address


def erase(services: Services, email: str) -> EraseSummary:
    """Erase the person with this address, in one transaction, and record it in the audit log."""
    address = normalise_email(email)
    store = services.statements
    # New batches wait until the store's in-memory state (pending voids, whether StatementRefs
    # exist) has been brought in line with the deletions.
    with store.rewriting(), services.db.write() as cur:
        resolve_in(cur)  # identities as of now: contacts or statements may be new
        person = Person(address, digest(cur, address))
        summary = erase_person(cur, person)
        drop_derived(cur)  # rebuilt without the person on next use
        cur.execute(
            "INSERT INTO audit_log VALUES (now(), 'erase', ?, ?)",
            [summary.subject, orjson.dumps(summary.counts()).decode()],
        )
    return summary


def digest(cur: duckdb.DuckDBPyConnection, address: str) -> str:
    """SHA-256 of the data directory's secret salt and the address (the salt is made once)."""
    cur.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", [SALT_KEY, secrets.token_hex(32)])
    row = cur.execute("SELECT value FROM meta WHERE key = ?", [SALT_KEY]).fetchone()
    assert row is not None
    return hashlib.sha256(f"{row[0]}:{address}".encode()).hexdigest()


def erase_person(cur: duckdb.DuckDBPyConnection, person: Person) -> EraseSummary:
    summary = EraseSummary(subject="sha256:" + person.digest)
    params = {
        "address": person.address, "mbox": person.mbox_key, "sha1": person.sha1_key,
        "token": person.token, "voided": VOIDED_VERB,
    }  # fmt: skip

    def run(sql: str) -> int:
        """Execute with the parameters the SQL names; the rows it changed."""
        row = cur.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchone()
        return int(row[0]) if row and isinstance(row[0], int) else 0

    for sql in (*PERSON_SQL, *STATEMENTS_SQL):
        run(sql)
    keys = {row[0] for row in cur.execute("SELECT key FROM erase_agents").fetchall()}
    summary.statements_redacted = redact_mentions(cur, keys, person)
    summary.attachments = run(ATTACHMENTS_SQL)
    run("DELETE FROM statement_attachments WHERE statement_id IN (SELECT id FROM erase_statements)")
    summary.statements_deleted = run(
        "DELETE FROM statements WHERE id IN (SELECT id FROM erase_statements)"
    )
    summary.documents = run(
        "DELETE FROM documents WHERE agent_key IN (SELECT key FROM erase_agents)"
    )
    summary.contacts = run("DELETE FROM contacts WHERE id IN (SELECT id FROM erase_contacts)")
    summary.surveys = run(SURVEYS_SQL)
    summary.tickets = run(TICKETS_SQL)
    summary.product_events = run(EVENTS_SQL)
    summary.identity_overrides = run(OVERRIDES_SQL)
    summary.identities = run(IDENTITIES_SQL)
    for table in TEMP_TABLES:
        cur.execute(f"DROP TABLE {table}")
    return summary


def redact_mentions(cur: duckdb.DuckDBPyConnection, keys: set[str], person: Person) -> int:
    """Replace the person by the placeholder in statements kept because they are someone
    else's (the person was instructor, team or group member, authority, in a SubStatement)."""
    rows = cur.execute(
        """SELECT id::VARCHAR, raw FROM statements
        WHERE list_has_any(related_agents, ?::VARCHAR[])
            AND id NOT IN (SELECT id FROM erase_statements)""",
        [sorted(keys)],
    ).fetchall()
    if not rows:
        return 0
    columns: dict[str, list[Any]] = {name: [] for name in REDACTED_COLUMNS}
    for statement_id, raw in rows:
        statement = redact_statement(orjson.loads(raw), keys, person.placeholder())
        obj = statement["object"]
        object_type = obj.get("objectType", "Activity")
        values = (
            statement_id, actor_key(statement["actor"]), member_keys(statement["actor"]) or None,
            object_identity(obj, object_type),
            (member_keys(obj) or None) if object_type == "Group" else None,
            sorted(related_agents(statement)), orjson.dumps(statement).decode(),
        )  # fmt: skip
        for name, value in zip(REDACTED_COLUMNS, values, strict=True):
            columns[name].append(value)
    cur.register("erase_redacted", pa.table(columns, schema=REDACTED_SCHEMA))
    try:
        cur.execute(
            f"""UPDATE statements SET {", ".join(f"{c} = r.{c}" for c in REDACTED_COLUMNS[1:])}
            FROM erase_redacted r WHERE statements.id = r.id::UUID"""
        )
    finally:
        # After a failed UPDATE the transaction is aborted and unregistering fails too.
        with contextlib.suppress(duckdb.Error):
            cur.unregister("erase_redacted")
    return len(rows)


_KEYS = pa.list_(pa.string())
REDACTED_SCHEMA = pa.schema(
    [("id", pa.string()), ("actor_key", pa.string()), ("actor_members", _KEYS),
     ("object_id", pa.string()), ("object_members", _KEYS), ("related_agents", _KEYS),
     ("raw", pa.string())]
)  # fmt: skip
REDACTED_COLUMNS = REDACTED_SCHEMA.names


def redact_statement(
    statement: dict[str, Any], keys: set[str], placeholder: dict[str, Any]
) -> dict[str, Any]:
    """The statement with every agent whose key is in `keys` replaced by the placeholder."""
    out = dict(statement)
    for role in ("actor", "authority"):
        if role in out:
            out[role] = redact_agent(out[role], keys, placeholder)
    obj = out["object"]
    if obj.get("objectType") in ("Agent", "Group"):
        out["object"] = redact_agent(obj, keys, placeholder)
    elif obj.get("objectType") == "SubStatement":
        out["object"] = redact_statement(obj, keys, placeholder)
    if "context" in out:
        context = dict(out["context"])
        for role in ("instructor", "team"):
            if role in context:
                context[role] = redact_agent(context[role], keys, placeholder)
        out["context"] = context
    return out


def redact_agent(
    agent: dict[str, Any], keys: set[str], placeholder: dict[str, Any]
) -> dict[str, Any]:
    out = dict(agent)
    if ifi_key(agent) in keys:
        for prop in (*IFI_PROPERTIES, "name"):
            out.pop(prop, None)
        out["account"] = dict(placeholder)
    if "member" in out:
        out["member"] = [redact_agent(member, keys, placeholder) for member in out["member"]]
    return out


TEMP_TABLES = ("erase_contacts", "erase_identities", "erase_agents", "erase_statements")

# The person: contacts (those with the address, what its identities resolved to, and the
# contacts merged into those), every identity of theirs in any source, and their xAPI keys.
PERSON_SQL = (
    """
CREATE OR REPLACE TEMP TABLE erase_contacts AS
WITH named AS (
    SELECT contact_id AS id FROM identities
    WHERE contact_id IS NOT NULL AND (identity IN ($mbox, $sha1)
        OR (source <> 'xapi' AND lower(trim(identity)) = $address))
    UNION
    SELECT coalesce(o.contact_id, c.id) FROM contacts c
    LEFT JOIN identity_overrides o ON o.identity = 'contact:' || c.id
    WHERE lower(trim(c.email)) = $address
)
SELECT id FROM named
UNION
SELECT identity[9:] FROM identity_overrides
WHERE identity LIKE 'contact:%' AND contact_id IN (SELECT id FROM named)
""",
    """
CREATE OR REPLACE TEMP TABLE erase_identities AS
SELECT source, identity FROM identities
WHERE contact_id IN (SELECT id FROM erase_contacts)
    OR (source = 'xapi' AND identity IN ($mbox, $sha1))
    OR (source <> 'xapi' AND lower(trim(identity)) = $address)
""",
    """
CREATE OR REPLACE TEMP TABLE erase_agents AS
SELECT identity AS key FROM erase_identities WHERE source = 'xapi'
UNION SELECT $mbox UNION SELECT $sha1
""",
)

# Deleted: statements whose actor or object is the person, and the voiding statements that
# target those (they only existed to void them).
STATEMENTS_SQL = (
    """
CREATE OR REPLACE TEMP TABLE erase_statements AS
SELECT id FROM statements
WHERE actor_key IN (SELECT key FROM erase_agents)
    OR (object_type IN ('Agent', 'Group') AND object_id IN (SELECT key FROM erase_agents))
""",
    """
INSERT INTO erase_statements
SELECT id FROM statements
WHERE verb_id = $voided AND ref_target IN (SELECT id FROM erase_statements)
    AND id NOT IN (SELECT id FROM erase_statements)
""",
)

# Attachment contents that only the deleted statements used.
ATTACHMENTS_SQL = """
DELETE FROM attachments
WHERE sha2 IN (
    SELECT sha2 FROM statement_attachments
    WHERE statement_id IN (SELECT id FROM erase_statements)
)
AND sha2 NOT IN (
    SELECT sha2 FROM statement_attachments
    WHERE statement_id NOT IN (SELECT id FROM erase_statements)
)
"""

SURVEYS_SQL = """
DELETE FROM surveys
WHERE lower(trim(respondent)) = $address
    OR respondent IN (SELECT identity FROM erase_identities WHERE source = 'survey')
"""

TICKETS_SQL = """
UPDATE tickets SET requester_email = $token
WHERE lower(trim(requester_email)) = $address
    OR requester_email IN (SELECT identity FROM erase_identities WHERE source = 'ticket')
"""

EVENTS_SQL = """
UPDATE product_events SET
    user_id = CASE WHEN user_id IS NOT NULL THEN $token END,
    email = CASE WHEN email IS NOT NULL THEN $token END
WHERE lower(trim(email)) = $address
    OR coalesce(user_id, email) IN (SELECT identity FROM erase_identities WHERE source = 'event')
"""

OVERRIDES_SQL = """
DELETE FROM identity_overrides
WHERE contact_id IN (SELECT id FROM erase_contacts)
    OR identity IN (SELECT 'contact:' || id FROM erase_contacts)
    OR identity IN ($address, $mbox, $sha1)
    OR identity IN (SELECT identity FROM erase_identities)
    OR identity IN (SELECT lower(trim(identity)) FROM erase_identities)
"""

IDENTITIES_SQL = """
DELETE FROM identities
WHERE contact_id IN (SELECT id FROM erase_contacts)
    OR EXISTS (
        SELECT 1 FROM erase_identities e
        WHERE e.source = identities.source AND e.identity = identities.identity
    )
"""
