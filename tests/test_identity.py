"""Identity resolution: each rule, their order, accounts, overrides, merges, re-resolution."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    LearnsightServer,
    create_credential,
    make_statement,
    post_statements,
    run_cli,
)
from learnsight.errors import LearnsightError
from learnsight.identity import SOURCE_IDENTITY, ResolveSummary, resolve, unmatched
from learnsight.identity_overrides import OverridesError, load_overrides
from learnsight.services import Services
from learnsight.xapi.validate import validate_statement

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}
LMS = "https://lms.example.com"


# --- helpers -----------------------------------------------------------------------------------


def insert(services: Services, table: str, *rows: dict[str, Any]) -> None:
    """Business rows straight into their table (the importer is tested elsewhere)."""
    with services.db.write() as cur:
        for row in rows:
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            cur.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))


def account(services: Services, account_id: str, *domains: str) -> None:
    insert(services, "accounts", {"id": account_id, "name": account_id, "domains": list(domains)})


def contact(services: Services, contact_id: str, **fields: Any) -> None:
    insert(services, "contacts", {"id": contact_id, **fields})


def ticket(services: Services, ticket_id: str, email: str, account_id: str | None = None) -> None:
    insert(services, "tickets", {"id": ticket_id, "requester_email": email,
                                 "account_id": account_id, "created_at": "2024-01-01"})  # fmt: skip


def survey(services: Services, survey_id: str, respondent: str) -> None:
    insert(services, "surveys", {"id": survey_id, "respondent": respondent, "kind": "nps",
                                 "score": 9, "timestamp": "2024-01-01"})  # fmt: skip


def event(services: Services, message_id: str, user_id: str | None, email: str | None) -> None:
    row = {"message_id": message_id, "user_id": user_id, "email": email, "event": "used",
           "timestamp": "2024-01-01"}  # fmt: skip
    insert(services, "product_events", row)


def store(services: Services, *actors: dict[str, Any]) -> list[str]:
    """One statement per actor, validated and stored through the real StatementStore."""
    statements = [make_statement(actor=actor) for actor in actors]
    for index, statement in enumerate(statements):
        validate_statement(statement, f"$[{index}]")
    return services.statements.store(statements, AUTHORITY).ids


def mbox(address: str) -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{address}"}


def sha1_agent(address: str) -> dict[str, Any]:
    return {"mbox_sha1sum": hashlib.sha1(f"mailto:{address}".encode()).hexdigest()}


def lms_account(name: str) -> dict[str, Any]:
    return {"account": {"homePage": LMS, "name": name}}


def resolved(services: Services, source: str, identity: str) -> tuple[Any, ...]:
    """(contact_id, account_id, rule) of one identity; fails when it is not listed."""
    row = (
        services.db.read()
        .execute(
            "SELECT contact_id, account_id, rule FROM identities WHERE source = ? AND identity = ?",
            [source, identity],
        )
        .fetchone()
    )
    assert row is not None, f"{source} identity {identity!r} is not in identities"
    return tuple(row)


def statement_owner(services: Services, statement_id: str) -> tuple[Any, ...]:
    row = (
        services.db.read()
        .execute("SELECT contact_id, account_id FROM statements WHERE id = ?", [statement_id])
        .fetchone()
    )
    assert row is not None
    return tuple(row)


def overrides(services: Services, text: str, name: str = "overrides.csv") -> ResolveSummary:
    return load_overrides(services.db, text.encode(), name).resolve


# --- the rules ---------------------------------------------------------------------------------


def test_email_rules_match_mbox_sha1_tickets_surveys_without_regard_to_case(
    services: Services,
) -> None:
    account(services, "acme", "acme.com")
    contact(services, "c-jane", account_id="acme", email="jane@acme.com")
    [by_mbox, by_sha1] = store(services, mbox("Jane@ACME.com"), sha1_agent("jane@acme.com"))
    ticket(services, "t1", "jane@acme.com")
    survey(services, "s1", "JANE@acme.com")
    event(services, "e1", None, "jane@acme.com")

    summary = resolve(services.db)

    assert resolved(services, "xapi", "mbox:mailto:jane@acme.com") == ("c-jane", "acme", "email")
    sha1_key = "sha1:" + hashlib.sha1(b"mailto:jane@acme.com").hexdigest()
    assert resolved(services, "xapi", sha1_key) == ("c-jane", "acme", "mbox_sha1sum")
    assert resolved(services, "ticket", "jane@acme.com") == ("c-jane", "acme", "email")
    assert resolved(services, "survey", "JANE@acme.com") == ("c-jane", "acme", "email")
    assert resolved(services, "event", "jane@acme.com") == ("c-jane", "acme", "email")
    assert statement_owner(services, by_mbox) == ("c-jane", "acme")
    assert statement_owner(services, by_sha1) == ("c-jane", "acme")
    assert summary.statements_updated == 2
    assert summary.by_rule == {"email": 4, "mbox_sha1sum": 1}


def test_external_ids_match_lms_product_crm_and_helpdesk_ids(services: Services) -> None:
    account(services, "acme")
    contact(services, "c-1", account_id="acme", lms_id="L-1", product_id="P-1")
    contact(services, "c-2", account_id="acme", lms_id="https://id.example.com/ann")
    contact(services, "c-3", account_id="acme", crm_id="CRM-3", helpdesk_id="HD-3")
    [by_account, by_openid] = store(
        services, lms_account("L-1"), {"openid": "https://id.example.com/ann"}
    )
    event(services, "e1", "P-1", None)
    survey(services, "s1", "c-3")
    survey(services, "s2", "CRM-3")
    survey(services, "s3", "HD-3")

    resolve(services.db)

    assert resolved(services, "xapi", f"account:{LMS}\tL-1") == ("c-1", "acme", "lms_id")
    assert statement_owner(services, by_account) == ("c-1", "acme")
    openid = "openid:https://id.example.com/ann"
    assert resolved(services, "xapi", openid) == ("c-2", "acme", "lms_id")
    assert statement_owner(services, by_openid) == ("c-2", "acme")
    assert resolved(services, "event", "P-1") == ("c-1", "acme", "product_id")
    assert resolved(services, "survey", "c-3") == ("c-3", "acme", "contact_id")
    assert resolved(services, "survey", "CRM-3") == ("c-3", "acme", "crm_id")
    assert resolved(services, "survey", "HD-3") == ("c-3", "acme", "helpdesk_id")


def test_email_beats_external_id_and_override_beats_both(services: Services) -> None:
    account(services, "a1")
    account(services, "a2")
    account(services, "a3")
    contact(services, "by-email", account_id="a1", email="ann@a1.com")
    contact(services, "by-product", account_id="a2", product_id="u-7")
    contact(services, "by-override", account_id="a3")
    # One product user whose events carry both an e-mail and a product id.
    event(services, "e1", "u-7", "ann@a1.com")
    resolve(services.db)
    assert resolved(services, "event", "u-7") == ("by-email", "a1", "email")

    overrides(services, "identity,contact_id,account_id\nu-7,by-override,\n")
    assert resolved(services, "event", "u-7") == ("by-override", "a3", "override")


def test_an_exact_override_beats_an_email_override(services: Services) -> None:
    account(services, "a1")
    contact(services, "generic", account_id="a1")
    contact(services, "exact", account_id="a1")
    store(services, mbox("bo@else.org"))
    overrides(
        services,
        "identity,contact_id\nbo@else.org,generic\nmbox:mailto:bo@else.org,exact\n",
    )
    assert resolved(services, "xapi", "mbox:mailto:bo@else.org") == ("exact", "a1", "override")


def test_account_comes_from_the_record_then_the_contact_then_the_domain(
    services: Services,
) -> None:
    account(services, "acme", "Acme.com", "www.acme.io")
    account(services, "other")
    contact(services, "c-jane", account_id="acme", email="jane@acme.com")
    contact(services, "c-nobody", email="nobody@acme.io")  # no account of its own
    ticket(services, "t1", "jane@acme.com", account_id="other")  # the row's own account wins
    ticket(services, "t2", "stranger@nowhere.org", account_id="other")
    [stray] = store(services, mbox("stray@acme.com"))
    store(services, sha1_agent("nobody@acme.io"))

    resolve(services.db)

    assert resolved(services, "ticket", "jane@acme.com") == ("c-jane", "other", "email")
    assert resolved(services, "ticket", "stranger@nowhere.org") == (None, "other", "record")
    assert resolved(services, "xapi", "mbox:mailto:stray@acme.com") == (None, "acme", "domain")
    assert statement_owner(services, stray) == (None, "acme")
    # The contact has no account: the domain of its e-mail address gives one.
    sha1_key = "sha1:" + hashlib.sha1(b"mailto:nobody@acme.io").hexdigest()
    assert resolved(services, "xapi", sha1_key) == ("c-nobody", "acme", "mbox_sha1sum")


def test_free_mail_domains_never_match_an_account(services: Services) -> None:
    account(services, "careless", "gmail.com", "yahoo.co.uk", "careless.com")
    store(services, mbox("someone@gmail.com"), mbox("else@yahoo.co.uk"), mbox("x@careless.com"))
    resolve(services.db)
    assert resolved(services, "xapi", "mbox:mailto:someone@gmail.com") == (None, None, None)
    assert resolved(services, "xapi", "mbox:mailto:else@yahoo.co.uk") == (None, None, None)
    assert resolved(services, "xapi", "mbox:mailto:x@careless.com") == (None, "careless", "domain")


def test_a_domain_or_email_shared_by_two_is_ambiguous_and_matches_no_one(
    services: Services,
) -> None:
    account(services, "a1", "shared.com", "a1.com")
    account(services, "a2", "shared.com")
    contact(services, "twin-1", account_id="a1", email="twin@a1.com")
    contact(services, "twin-2", account_id="a1", email="Twin@a1.com")
    store(services, mbox("x@shared.com"), mbox("twin@a1.com"))
    resolve(services.db)
    assert resolved(services, "xapi", "mbox:mailto:x@shared.com") == (None, None, None)
    # Two contacts share the address: no contact, but the domain still names one account.
    assert resolved(services, "xapi", "mbox:mailto:twin@a1.com") == (None, "a1", "domain")


def test_group_members_are_identities_but_a_group_statement_has_no_contact(
    services: Services,
) -> None:
    contact(services, "c-1", email="one@x.com")
    group = {"objectType": "Group", "member": [mbox("one@x.com"), mbox("two@x.com")]}
    [team] = store(services, group)
    resolve(services.db)
    assert resolved(services, "xapi", "mbox:mailto:one@x.com") == ("c-1", None, "email")
    assert resolved(services, "xapi", "mbox:mailto:two@x.com") == (None, None, None)
    assert statement_owner(services, team) == (None, None)
    listing = unmatched(services.db, "xapi")
    assert [(u.identity, u.records) for u in listing.no_contact] == [("mbox:mailto:two@x.com", 1)]


def test_every_row_reaches_its_identity_through_the_documented_expression(
    services: Services,
) -> None:
    account(services, "acme", "acme.com")
    contact(services, "c-1", account_id="acme", email="one@acme.com", product_id="P-1")
    store(services, mbox("One@acme.com"))
    ticket(services, "t1", "one@acme.com")
    survey(services, "s1", "One@Acme.com")
    event(services, "e1", "P-1", "one@acme.com")
    event(services, "e2", None, "one@acme.com")
    resolve(services.db)
    tables = {"xapi": "statements", "ticket": "tickets", "survey": "surveys",
              "event": "product_events"}  # fmt: skip
    for source, expression in SOURCE_IDENTITY.items():
        rows = (
            services.db.read()
            .execute(
                f"""SELECT i.contact_id, i.account_id FROM {tables[source]}
                LEFT JOIN identities i ON i.source = ? AND i.identity = {expression}""",
                [source],
            )
            .fetchall()
        )
        assert rows and set(rows) == {("c-1", "acme")}, source


# --- recomputed, never frozen --------------------------------------------------------------------


def test_contacts_and_accounts_arriving_after_the_activity_still_match(
    services: Services,
) -> None:
    [first] = store(services, mbox("late@newco.com"))
    summary = resolve(services.db)
    assert statement_owner(services, first) == (None, None)
    assert summary.with_contact == 0

    contact(services, "c-late", email="late@newco.com")
    summary = resolve(services.db)
    assert statement_owner(services, first) == ("c-late", None)
    assert summary.statements_updated == 1

    account(services, "newco", "newco.com")
    assert resolve(services.db).statements_updated == 1
    assert statement_owner(services, first) == ("c-late", "newco")

    again = resolve(services.db)  # nothing new: nothing rewritten
    assert (again.statements_updated, again.identities_changed) == (0, 0)

    with services.db.write() as cur:
        cur.execute("DELETE FROM contacts")
    resolve(services.db)
    assert statement_owner(services, first) == (None, "newco")


def test_new_statements_of_a_known_person_get_their_contact_on_the_next_run(
    services: Services,
) -> None:
    contact(services, "c-1", email="one@x.com")
    resolve(services.db)
    [later] = store(services, mbox("one@x.com"))
    assert statement_owner(services, later) == (None, None)
    summary = resolve(services.db)
    assert statement_owner(services, later) == ("c-1", None)
    assert (summary.statements_updated, summary.identities_changed) == (1, 1)


# --- overrides ---------------------------------------------------------------------------------


def test_overrides_map_strays_and_an_email_override_covers_every_source(
    services: Services,
) -> None:
    account(services, "acme")
    account(services, "beta")
    contact(services, "c-1", account_id="acme", email="official@acme.com")
    [by_sha1] = store(services, sha1_agent("private@home.net"))
    ticket(services, "t1", "private@home.net")
    store(services, mbox("shared-box@beta.com"))
    summary = overrides(
        services,
        "identity,contact_id,account_id\n"
        "Private@Home.net,c-1,\n"
        "mbox:mailto:shared-box@beta.com,,beta\n",
    )
    sha1_key = "sha1:" + hashlib.sha1(b"mailto:private@home.net").hexdigest()
    assert resolved(services, "xapi", sha1_key) == ("c-1", "acme", "override")
    assert resolved(services, "ticket", "private@home.net") == ("c-1", "acme", "override")
    assert statement_owner(services, by_sha1) == ("c-1", "acme")
    # An account alone: no contact, that account.
    box = "mbox:mailto:shared-box@beta.com"
    assert resolved(services, "xapi", box) == (None, "beta", "override")
    assert summary.by_rule["override"] == 3

    # A new file replaces the old one entirely.
    overrides(services, "identity,contact_id\nunrelated@x.com,c-1\n")
    assert resolved(services, "xapi", box) == (None, None, None)


def test_a_contact_merge_sends_its_identities_to_the_other_contact(services: Services) -> None:
    account(services, "acme")
    account(services, "old")
    contact(services, "c-main", account_id="acme", email="jane@acme.com")
    contact(services, "c-dup", account_id="old", email="jane.doe@old-company.com", lms_id="L9")
    [by_dup] = store(services, mbox("jane.doe@old-company.com"), lms_account("L9"))[:1]
    resolve(services.db)
    assert statement_owner(services, by_dup) == ("c-dup", "old")

    loaded = load_overrides(services.db, b"identity,contact_id\ncontact:c-dup,c-main\n", "m.csv")
    assert (loaded.overrides, loaded.merges) == (0, 1)
    assert statement_owner(services, by_dup) == ("c-main", "acme")
    assert resolved(services, "xapi", f"account:{LMS}\tL9") == ("c-main", "acme", "lms_id")


def test_a_merge_resolves_two_contacts_sharing_an_address(services: Services) -> None:
    contact(services, "c-a", email="same@x.com")
    contact(services, "c-b", email="same@x.com")
    store(services, mbox("same@x.com"))
    resolve(services.db)
    assert resolved(services, "xapi", "mbox:mailto:same@x.com")[0] is None  # ambiguous
    overrides(services, "identity,contact_id\ncontact:c-b,c-a\n")
    assert resolved(services, "xapi", "mbox:mailto:same@x.com") == ("c-a", None, "email")


def test_a_bad_overrides_file_names_every_problem_and_changes_nothing(
    services: Services,
) -> None:
    account(services, "acme")
    contact(services, "c-1", account_id="acme")
    contact(services, "c-2", account_id="acme")
    store(services, mbox("kept@x.com"))
    overrides(services, "identity,contact_id\nkept@x.com,c-1\n")
    bad = (
        "identity,contact_id,account_id\n"
        "stray@x.com,c-404,\n"  # line 2: fine as a line (references are checked after)
        "sha1:123,c-1,\n"  # line 3: not a sha1
        "contact:c-2,c-1,acme\n"  # line 4: a merge with an account
        "who@x.com,,\n"  # line 5: nothing to map to
        "Dup@X.com,c-1,\n"  # line 6
        "dup@x.com,c-2,\n"  # line 7: the same address again
        "u-1,c-1,nope\n"  # line 8: likewise
        "too,many,values,here\n"  # line 9
    )
    with pytest.raises(OverridesError) as raised:
        overrides(services, bad, "bad.csv")
    message = str(raised.value)
    assert "\n" not in message
    for expected in (
        "bad.csv: 5 problems, nothing loaded",
        "bad.csv:3: identity 'sha1:123': a sha1 key is sha1: and 40 hexadecimal digits",
        "bad.csv:4: account_id 'acme': a merge takes no account",
        "bad.csv:5: contact_id and account_id: both empty",
        "bad.csv:7: identity 'dup@x.com': already given on line 6",
        "bad.csv:9: 4 values for 3 columns",
    ):
        assert expected in message
    # References are checked once the file itself is sound.
    with pytest.raises(OverridesError) as raised:
        overrides(services, "identity,contact_id,account_id\nstray@x.com,c-404,\nu,c-1,no\n")
    assert "overrides.csv:2: contact_id 'c-404': no such contact" in str(raised.value)
    assert "overrides.csv:3: account_id 'no': no such account" in str(raised.value)
    # The previous overrides are still in force.
    assert resolved(services, "xapi", "mbox:mailto:kept@x.com") == ("c-1", "acme", "override")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "bad.csv:1: empty file"),
        (b"who,contact_id\n", "bad.csv:1: column 'who': unknown"),
        (b"identity\nx\n", "bad.csv:1: columns 'contact_id' and 'account_id': give at least one"),
        (
            b"identity,contact_id\ncontact:a,b\ncontact:b,c\n",
            "bad.csv:3: identity 'contact:b': other contacts are merged into b",
        ),
        (b"identity,contact_id\ncontact:a,a\n", "a contact cannot merge into itself"),
        (b"identity,contact_id\ngroup:abc,a\n", "an anonymous Group is no one's identity"),
        (b"identity,contact_id\nmbox:jane,a\n", "an mbox key is mbox:mailto:"),
        (b"identity,contact_id\naccount:nohomepage,a\n", "an account key is account:"),
        (b"identity,contact_id\nerased:abc,a\n", "a pseudonym left by `learnsight erase`"),
        (b"identity,contact_id\nnot-an@address,a\n", "not an e-mail address"),
        (b"identity\xff,contact_id\n", "bad.csv: not UTF-8"),
    ],
)
def test_overrides_file_format_errors(services: Services, content: bytes, expected: str) -> None:
    with pytest.raises(OverridesError) as raised:
        load_overrides(services.db, content, "bad.csv")
    assert expected in str(raised.value)


# --- unmatched ---------------------------------------------------------------------------------


def test_unmatched_lists_identities_by_records_with_totals(services: Services) -> None:
    account(services, "acme", "acme.com")
    contact(services, "c-1", email="known@acme.com")  # a contact without an account
    store(services, *[mbox("often@elsewhere.org")] * 3, mbox("once@gmail.com"))
    store(services, mbox("known@acme.com"), mbox("guest@acme.com"))
    ticket(services, "t1", "asker@elsewhere.org")
    ticket(services, "t2", "asker@elsewhere.org")
    resolve(services.db)

    listing = unmatched(services.db)
    assert [(u.source, u.identity, u.records) for u in listing.no_contact] == [
        ("xapi", "mbox:mailto:often@elsewhere.org", 3),
        ("ticket", "asker@elsewhere.org", 2),
        ("xapi", "mbox:mailto:guest@acme.com", 1),
        ("xapi", "mbox:mailto:once@gmail.com", 1),
    ]
    assert listing.no_contact[2].account_id == "acme"
    assert [(u.identity, u.records) for u in listing.no_account] == [
        ("mbox:mailto:often@elsewhere.org", 3),
        ("asker@elsewhere.org", 2),
        ("mbox:mailto:once@gmail.com", 1),
    ]
    assert listing.totals == {
        "ticket": {"without_contact": 1, "records_without_contact": 2,
                   "without_account": 1, "records_without_account": 2},
        "xapi": {"without_contact": 3, "records_without_contact": 5,
                 "without_account": 2, "records_without_account": 4},
    }  # fmt: skip

    only_tickets = unmatched(services.db, "ticket", limit=5)
    assert [u.identity for u in only_tickets.no_contact] == ["asker@elsewhere.org"]
    assert list(only_tickets.totals) == ["ticket"]
    assert len(unmatched(services.db, limit=1).no_contact) == 1
    with pytest.raises(LearnsightError, match="source 'lms': not one of"):
        unmatched(services.db, "lms")


# --- The server resolves what the LRS receives ---------------------------------------------------


def test_the_server_resolves_statements_posted_to_the_lrs(tmp_path: Path) -> None:
    """A contact imported first; a statement posted later gets its account without an import."""
    data = tmp_path / "data"
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("id,email,account_id\nc1,ada@acme.example,acme\n")
    run_cli("import", "contacts", contacts, data=data)
    server = LearnsightServer(data, env={"LEARNSIGHT_RESOLVE_INTERVAL_SECONDS": "0.2"})
    server.start()
    try:
        credential = create_credential(data, "reader and writer", ["all", "api/read"])
        with server.client(credential) as client:
            actor = {"objectType": "Agent", "mbox": "mailto:ada@acme.example"}
            post_statements(client, make_statement(actor=actor))
            deadline = time.monotonic() + 30
            rows: list[Any] = []
            while time.monotonic() < deadline and rows != [
                {"account": "acme", "active_learners": 1}
            ]:
                time.sleep(0.2)
                answer = client.get("/api/v1/kpis/active_learners?grain=all&by=account")
                rows = answer.json()
    finally:
        server.stop()
    assert rows == [{"account": "acme", "active_learners": 1}]
