"""`erase`: one person removed everywhere, others' records kept, an audit row; and the CLI."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from helpers import (
    VERB_VOIDED,
    LearnsightServer,
    RawAttachment,
    create_credential,
    get_statement,
    make_activity,
    make_statement,
    open_database,
    run_cli,
    statement_ref,
    uid,
)
from learnsight.config import Settings
from learnsight.erase import EraseError, EraseSummary, erase
from learnsight.identity import ERASED_HOME_PAGE, resolve
from learnsight.services import Services
from learnsight.xapi.documents import DocumentScope, Preconditions
from learnsight.xapi.query import fetch_single
from learnsight.xapi.store import Attachment
from learnsight.xapi.validate import validate_statement

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}
LMS = "https://lms.example.com"
JANE = {"objectType": "Agent", "name": "Jane Doe", "mbox": "mailto:jane@acme.com"}
JANE_SHA1 = {"mbox_sha1sum": hashlib.sha1(b"mailto:jane@acme.com").hexdigest()}
JANE_LMS = {"account": {"homePage": LMS, "name": "L-jane"}}
JANE_OLD = {"mbox": "mailto:jane@old-company.com"}
JANE_PRIVATE = {"mbox": "mailto:jane.private@home.net"}
BOB = {"objectType": "Agent", "name": "Bob", "mbox": "mailto:bob@acme.com"}
ADMIN = {"objectType": "Agent", "name": "Admin", "mbox": "mailto:admin@lrs.test"}
ONLY_JANES = RawAttachment("text/plain", b"jane's certificate")
SHARED = RawAttachment("text/plain", b"the course handbook")


@dataclass
class World:
    """Ids of what `populate` stored."""

    janes: list[str]  # her statements: as actor under each identity, and as object
    admin_void: str  # voids one of hers
    pending_target: str  # an id her own voiding statement targets, not stored yet
    instructor: str  # Bob's statement, Jane his instructor
    team: str  # a Group statement, Jane a member
    bob: str


def store(services: Services, statements: list[dict[str, Any]], **attachments: Any) -> list[str]:
    for index, statement in enumerate(statements):
        validate_statement(statement, f"$[{index}]")
    received = {a.hash: Attachment(a.hash, a.content_type, a.content) for a in attachments.values()}
    return services.statements.store(statements, AUTHORITY, received).ids


def with_attachments(statement: dict[str, Any], *attachments: RawAttachment) -> dict[str, Any]:
    statement["attachments"] = [a.metadata() for a in attachments]
    return statement


def put_document(services: Services, kind: str, agent_key: str, doc_id: str) -> None:
    activity = "" if kind == "agent_profile" else "https://courses.example.com/c1"
    scope = DocumentScope(kind, activity, agent_key)
    services.documents.put(scope, doc_id, b"{}", "application/json", Preconditions(), False)


def sql(services: Services, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with services.db.write() as cur:
        return cur.execute(query, params).fetchall()


def populate(services: Services) -> World:
    sql(services, "INSERT INTO accounts (id, name, domains) VALUES ('acme', 'Acme', ['acme.com'])")
    sql(
        services,
        """INSERT INTO contacts (id, account_id, email, name, lms_id, product_id) VALUES
        ('c-jane', 'acme', 'jane@acme.com', 'Jane Doe', 'L-jane', 'P-jane'),
        ('c-jane-old', NULL, 'jane@old-company.com', 'Jane Doe', NULL, NULL),
        ('c-bob', 'acme', 'bob@acme.com', 'Bob', NULL, 'P-bob')""",
    )
    sql(
        services,
        """INSERT INTO identity_overrides VALUES
        ('contact:c-jane-old', 'c-jane', NULL), ('jane.private@home.net', 'c-jane', NULL)""",
    )
    sql(
        services,
        """INSERT INTO surveys (id, respondent, kind, score, timestamp) VALUES
        ('s1', 'jane@acme.com', 'nps', 10, '2024-01-01'), ('s2', 'c-jane', 'csat', 5, '2024-01-02'),
        ('s3', 'bob@acme.com', 'nps', 3, '2024-01-03')""",
    )
    sql(
        services,
        """INSERT INTO tickets (id, account_id, requester_email, created_at) VALUES
        ('t1', 'acme', 'jane@acme.com', '2024-01-01'),
        ('t2', 'acme', 'jane@acme.com', '2024-02-01'),
        ('t3', 'acme', 'bob@acme.com', '2024-03-01')""",
    )
    sql(
        services,
        """INSERT INTO product_events (message_id, user_id, email, event, timestamp) VALUES
        ('e1', 'P-jane', NULL, 'used', '2024-01-01'),
        ('e2', NULL, 'jane@acme.com', 'used', '2024-01-02'),
        ('e3', 'P-bob', 'bob@acme.com', 'used', '2024-01-03')""",
    )
    pending_target = uid()
    janes = store(
        services,
        [
            with_attachments(make_statement(actor=JANE), ONLY_JANES, SHARED),
            make_statement(actor=JANE_SHA1), make_statement(actor=JANE_LMS),
            make_statement(actor=JANE_OLD), make_statement(actor=JANE_PRIVATE),
            make_statement(actor=BOB, obj=JANE),  # Bob mentored Jane: about her
            make_statement(actor=JANE, verb=VERB_VOIDED, obj=statement_ref(pending_target)),
        ],
        only=ONLY_JANES, shared=SHARED,
    )  # fmt: skip
    [admin_void] = store(
        services, [make_statement(actor=ADMIN, verb=VERB_VOIDED, obj=statement_ref(janes[0]))]
    )
    instructor, team, bob = store(
        services,
        [
            make_statement(actor=BOB, context={"instructor": JANE}),
            make_statement(actor={"objectType": "Group", "member": [BOB, JANE]}),
            with_attachments(make_statement(actor=BOB, obj=make_activity()), SHARED),
        ],
        shared=SHARED,
    )
    put_document(services, "state", "mbox:mailto:jane@acme.com", "bookmark")
    put_document(services, "agent_profile", f"account:{LMS}\tL-jane", "preferences")
    put_document(services, "state", "mbox:mailto:bob@acme.com", "bookmark")
    resolve(services.db)
    return World(janes, admin_void, pending_target, instructor, team, bob)


def rows_mentioning(con: Any, needle: str) -> dict[str, int]:
    """Per table, the rows whose text (any column) contains `needle`, case-insensitively."""
    found = {}
    tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for table in tables:
        row = con.execute(
            f"SELECT count(*) FROM {table} AS t WHERE t::VARCHAR ILIKE ?", [f"%{needle}%"]
        ).fetchone()
        if row and row[0]:
            found[table] = row[0]
    return found


# --- in process ------------------------------------------------------------------------------


def test_erase_removes_the_person_everywhere_and_keeps_everyone_else(services: Services) -> None:
    world = populate(services)
    jane_sha1 = JANE_SHA1["mbox_sha1sum"]
    assert rows_mentioning(services.db.read(), "jane")  # the check below can see her

    summary = erase(services, " Jane@ACME.com ")

    assert summary.counts() == {
        "statements_deleted": 8, "statements_redacted": 2, "documents": 2, "attachments": 1,
        "contacts": 2, "surveys": 2, "tickets": 2, "product_events": 2, "identities": 10,
        "identity_overrides": 2,
    }  # fmt: skip
    con = services.db.read()
    assert rows_mentioning(con, "jane") == {}
    assert rows_mentioning(con, jane_sha1) == {}
    # Everyone else's records are still there.
    assert con.execute("SELECT id FROM contacts").fetchall() == [("c-bob",)]
    assert con.execute("SELECT id FROM surveys").fetchall() == [("s3",)]
    assert con.execute("SELECT count(*) FROM documents").fetchall() == [(1,)]
    assert con.execute("SELECT sha2 FROM attachments").fetchall() == [(SHARED.hash,)]
    kept = {str(sid) for (sid,) in con.execute("SELECT id FROM statements").fetchall()}
    assert kept == {world.instructor, world.team, world.bob}


def test_tickets_and_events_keep_counting_under_one_pseudonym(services: Services) -> None:
    populate(services)
    summary = erase(services, "jane@acme.com")
    con = services.db.read()
    tickets = dict(con.execute("SELECT id, requester_email FROM tickets").fetchall())
    token = tickets["t1"]
    assert token.startswith("erased:") and tickets["t2"] == token
    assert tickets["t3"] == "bob@acme.com"
    assert summary.subject == "sha256:" + token.removeprefix("erased:")
    rows = con.execute("SELECT message_id, user_id, email FROM product_events").fetchall()
    events = {message_id: (user_id, email) for message_id, user_id, email in rows}
    assert events == {"e1": (token, None), "e2": (None, token), "e3": ("P-bob", "bob@acme.com")}
    # Pseudonyms are no one: resolution leaves them out, and Bob still resolves.
    resolve(services.db)
    identities = con.execute("SELECT identity, contact_id FROM identities ORDER BY ALL").fetchall()
    assert all(not identity.startswith("erased:") for identity, _ in identities)
    assert all(ERASED_HOME_PAGE not in identity for identity, _ in identities)
    assert ("bob@acme.com", "c-bob") in identities


def test_others_statements_that_named_the_person_are_redacted(services: Services) -> None:
    world = populate(services)
    erase(services, "jane@acme.com")
    con = services.db.read()
    raw, related = con.execute(
        "SELECT raw, related_agents FROM statements WHERE id = ?", [world.instructor]
    ).fetchone() or (None, None)
    statement = json.loads(raw)
    instructor = statement["context"]["instructor"]
    assert instructor["account"]["homePage"] == ERASED_HOME_PAGE
    assert "name" not in instructor and "mbox" not in instructor
    assert statement["actor"] == BOB
    assert "mbox:mailto:jane@acme.com" not in related
    actor_key, members = con.execute(
        "SELECT actor_key, actor_members FROM statements WHERE id = ?", [world.team]
    ).fetchone() or (None, None)
    assert "mbox:mailto:bob@acme.com" in members
    assert f"account:{ERASED_HOME_PAGE}\t" in " ".join(members)
    assert actor_key.startswith("group:")


def test_the_store_forgets_erased_statements_and_their_voids(services: Services) -> None:
    world = populate(services)
    assert services.statements.has_statement_refs
    erase(services, "jane@acme.com")
    for statement_id in (*world.janes, world.admin_void):
        assert fetch_single(services.db, statement_id, voided=False) is None
        assert fetch_single(services.db, statement_id, voided=True) is None
    assert not services.statements.has_statement_refs  # both voiding statements are gone
    # Her voiding statement is gone, so the statement it targeted is not voided on arrival.
    [arrived] = store(services, [make_statement(actor=BOB, statement_id=world.pending_target)])
    assert fetch_single(services.db, arrived, voided=False) is not None
    # An erased id is free again: sending the statement again stores it anew.
    again = make_statement(actor=BOB, statement_id=world.janes[0])
    validate_statement(again)
    assert services.statements.store([again], AUTHORITY).inserted == 1


def test_erase_is_recorded_without_the_address(services: Services) -> None:
    populate(services)
    summary = erase(services, "jane@acme.com")
    rows = services.db.read().execute("SELECT action, subject, details FROM audit_log").fetchall()
    assert len(rows) == 1
    action, subject, details = rows[0]
    assert (action, subject) == ("erase", summary.subject)
    assert json.loads(details) == summary.counts()
    assert "jane" not in subject + details


def test_erasing_an_unknown_address_changes_nothing_but_is_recorded(services: Services) -> None:
    populate(services)
    before = {
        table: services.db.read().execute(f"SELECT count(*) FROM {table}").fetchone()
        for table in ("statements", "contacts", "tickets", "surveys", "documents", "identities")
    }
    summary = erase(services, "nobody@nowhere.org")
    assert not summary.found
    assert summary.counts() == dict.fromkeys(summary.counts(), 0)
    after = {
        table: services.db.read().execute(f"SELECT count(*) FROM {table}").fetchone()
        for table in before
    }
    assert after == before
    assert services.db.read().execute("SELECT count(*) FROM audit_log").fetchone() == (1,)
    # Erasing twice: the second time finds nothing.
    assert erase(services, "jane@acme.com").found
    second = erase(services, "jane@acme.com")
    assert not second.found


@pytest.mark.parametrize("bad", ["jane", "", "jane@", "@acme.com", "a b@c.com"])
def test_erase_refuses_what_is_not_an_address(services: Services, bad: str) -> None:
    with pytest.raises(EraseError, match="not an e-mail address"):
        erase(services, bad)
    assert services.db.read().execute("SELECT count(*) FROM audit_log").fetchone() == (0,)


def test_summary_found_reflects_counts() -> None:
    assert not EraseSummary("sha256:x").found
    assert EraseSummary("sha256:x", tickets=1).found


# --- the command line, with and without a server -----------------------------------------------


@pytest.fixture(params=["offline", "live"])
def data_and_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Path, LearnsightServer | None, World]]:
    data = tmp_path / "data"
    opened = Services.open(Settings(data=data))
    try:
        world = populate(opened)
        # Someone no rule can match: the overrides file below maps them.
        store(opened, [make_statement(actor={"mbox": "mailto:stray@elsewhere.org"})])
    finally:
        opened.close()
    if request.param == "offline":
        yield data, None, world
        return
    server = LearnsightServer(data)
    server.start()
    try:
        yield data, server, world
    finally:
        server.stop()


def test_identities_and_erase_commands(
    data_and_server: tuple[Path, LearnsightServer | None, World], tmp_path: Path
) -> None:
    data, server, world = data_and_server
    resolved = json.loads(run_cli("identities", "resolve", "--json", data=data).stdout)
    assert resolved["by_rule"]["email"] >= 1
    assert "with a contact" in run_cli("identities", "resolve", data=data).stdout

    listing = json.loads(
        run_cli("identities", "unmatched", "--source", "xapi", "--json", data=data).stdout
    )
    stray = "mbox:mailto:stray@elsewhere.org"
    assert {"source": "xapi", "identity": stray, "records": 1, "contact_id": None,
            "account_id": None} in listing["no_contact"]  # fmt: skip
    table = run_cli("identities", "unmatched", data=data).stdout
    assert "Without a contact" in table and "stray@elsewhere.org" in table
    bad_source = run_cli("identities", "unmatched", "--source", "lms", data=data, expect=1)
    assert "--source 'lms': not one of" in bad_source.stderr

    good = tmp_path / "overrides.csv"
    good.write_text(  # the file replaces the overrides populate() stored: it repeats them
        "identity,contact_id,account_id\nstray@elsewhere.org,c-bob,\n"
        "contact:c-jane-old,c-jane,\njane.private@home.net,c-jane,\n"
    )
    loaded = run_cli("identities", "overrides", good, data=data).stdout
    assert "overrides.csv: 2 overrides and 1 merge loaded" in " ".join(loaded.split())
    listing = json.loads(run_cli("identities", "unmatched", "--json", data=data).stdout)
    assert stray not in [row["identity"] for row in listing["no_contact"]]

    bad = tmp_path / "bad.csv"
    bad.write_text("identity,contact_id\nsomeone@x.com,c-404\n")
    refused = run_cli("identities", "overrides", bad, data=data, expect=1)
    assert "bad.csv:2: contact_id 'c-404': no such contact" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    unconfirmed = run_cli("erase", "--email", "jane@acme.com", data=data, expect=1)
    assert "add --yes" in unconfirmed.stderr
    erased = run_cli("erase", "--email", "jane@acme.com", "--yes", data=data).stdout
    assert "8  statements deleted" in erased and "2  tickets pseudonymised" in erased
    assert "audit log subject: sha256:" in erased
    nothing = run_cli("erase", "--email", "jane@acme.com", "--yes", "--json", data=data).stdout
    assert json.loads(nothing)["found"] is False

    if server is not None:
        credential = create_credential(data, "erase test")
        with server.client(credential) as client:
            # The admin API wants the admin token: an xAPI credential is refused.
            refused_erase = client.post("/api/v1/admin/erase", json={"email": "bob@acme.com"})
            assert refused_erase.status_code == 403
            assert get_statement(client, world.janes[1]).status_code == 404
            response = client.put(
                "/xAPI/statements",
                params={"statementId": world.janes[1]},
                json=make_statement(actor=BOB),
            )
            assert response.status_code == 204, response.text
        server.stop()
    with open_database(data) as con:
        assert rows_mentioning(con, "jane") == {}
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (2,)


def test_rows_mentioning_sees_every_column(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        con.execute("CREATE TABLE t (a INTEGER, b VARCHAR[], c JSON)")
        con.execute("""INSERT INTO t VALUES (1, ['x', 'Needle'], NULL), (2, NULL, '{"k": 1}')""")
        assert rows_mentioning(con, "needle") == {"t": 1}
        assert rows_mentioning(con, '"k"') == {"t": 1}
