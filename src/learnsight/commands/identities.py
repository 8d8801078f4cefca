"""`learnsight identities resolve|unmatched|overrides` and `learnsight erase --email E`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from learnsight.commands.common import (
    CommandError,
    DataOption,
    call_server,
    console,
    local_services,
    on_data,
    print_table,
    settings_for,
)
from learnsight.erase import EraseError, erase, normalise_email
from learnsight.identity import SOURCES, resolve, unmatched
from learnsight.identity_overrides import load_overrides
from learnsight.instance import find_live_server

identities_app = typer.Typer(
    help="Match learners, requesters, respondents and product users to contacts and accounts.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(identities_app, name="identities")
    app.command("erase")(erase_command)


@identities_app.command("resolve")
def resolve_command(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Match every identity again (also run after each import)."""
    summary = on_data(
        settings_for(data),
        lambda services: resolve(services.db).as_dict(),
        "POST", "/api/v1/admin/identities/resolve",
    )  # fmt: skip
    if as_json:
        print(orjson.dumps(summary).decode())
        return
    print_resolution(summary)


def print_resolution(summary: dict[str, Any]) -> None:
    console.print(
        f"{summary['identities']:,} identities: {summary['with_contact']:,} with a contact, "
        f"{summary['with_account']:,} with an account; {summary['identities_changed']:,} "
        f"changed, {summary['statements_updated']:,} statements updated"
    )
    rules = ", ".join(f"{rule} {count:,}" for rule, count in summary["by_rule"].items())
    if rules:
        console.print(f"by rule: {rules}")


@identities_app.command("unmatched")
def unmatched_command(
    source: Annotated[
        str | None, typer.Option(help=f"Only this source: {', '.join(SOURCES)}.")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="Most identities listed per table.")] = 50,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """List identities without a contact, and those without an account, most records first."""
    if source is not None and source not in SOURCES:
        raise CommandError(f"--source {source!r}: not one of {', '.join(SOURCES)}")
    settings = settings_for(data)
    live = find_live_server(settings.data)
    if live is not None:
        call_server(live, "POST", "/api/v1/admin/identities/resolve")
        params: dict[str, Any] = {"limit": limit} | ({"source": source} if source else {})
        listing = call_server(live, "GET", "/api/v1/admin/identities/unmatched", params=params)
    else:
        with local_services(settings) as services:
            resolve(services.db)
            listing = unmatched(services.db, source, limit).as_dict()
    if as_json:
        print(orjson.dumps(listing).decode())
        return
    print_unmatched(listing)


def print_unmatched(listing: dict[str, Any]) -> None:
    totals = listing["totals"]
    if not totals:
        console.print("every identity has a contact and an account")
        return
    for source, counts in totals.items():
        console.print(
            f"{source}: {counts['without_contact']:,} identities without a contact "
            f"({counts['records_without_contact']:,} records), {counts['without_account']:,} "
            f"without an account ({counts['records_without_account']:,} records)"
        )
    for key, title, other in (
        ("no_contact", "Without a contact", "account_id"),
        ("no_account", "Without an account", "contact_id"),
    ):
        if not listing[key]:
            continue
        table = Table("source", "identity", "records", other, title=title, title_justify="left")
        for row in listing[key]:
            # An account actor's key holds a TAB between homePage and name.
            identity = row["identity"].replace("\t", " ")
            table.add_row(row["source"], identity, f"{row['records']:,}", row[other] or "")
        print_table(table)


@identities_app.command("overrides")
def overrides_command(
    file: Annotated[Path, typer.Argument(help="CSV: identity, contact_id, account_id.")],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the identity overrides with FILE (all-or-nothing), then resolve again."""
    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    content = file.read_bytes()
    summary = on_data(
        settings_for(data),
        lambda services: load_overrides(services.db, content, file.name).as_dict(),
        "PUT", "/api/v1/admin/identities/overrides",
        params={"filename": file.name}, content=content,
    )  # fmt: skip
    if as_json:
        print(orjson.dumps(summary).decode())
        return
    console.print(
        f"{summary['file']}: {plural(summary['overrides'], 'override')} and "
        f"{plural(summary['merges'], 'merge')} loaded (they replace the previous ones)"
    )
    print_resolution(summary["resolve"])


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def erase_command(
    email: Annotated[str, typer.Option("--email", help="The person's e-mail address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase one person everywhere (statements, documents, contact, survey answers); their
    tickets and product events are kept under a pseudonym. Recorded in the audit log."""
    try:
        normalise_email(email)
    except EraseError as error:
        raise CommandError(str(error)) from None
    if not yes:
        if not sys.stdin.isatty():
            raise CommandError("erasure cannot be undone: add --yes to confirm it")
        typer.confirm(f"Erase {email} from every table? This cannot be undone.", abort=True)
    summary = on_data(
        settings_for(data),
        lambda services: erase(services, email).as_dict(),
        "POST", "/api/v1/admin/erase", json={"email": email},
    )  # fmt: skip
    if as_json:
        print(orjson.dumps(summary).decode())
        return
    print_erasure(summary)


ERASED_LINES = (
    ("statements_deleted", "statements deleted"),
    ("statements_redacted", "statements of others where they are replaced by a placeholder"),
    ("documents", "State/Agent Profile documents deleted"),
    ("attachments", "attachments deleted"),
    ("contacts", "contacts deleted"),
    ("surveys", "survey answers deleted"),
    ("tickets", "tickets pseudonymised"),
    ("product_events", "product events pseudonymised"),
    ("identities", "identities deleted"),
    ("identity_overrides", "identity overrides deleted"),
)


def print_erasure(summary: dict[str, Any]) -> None:
    if not summary["found"]:
        console.print("nothing stored for that address; the request is in the audit log")
    else:
        for key, label in ERASED_LINES:
            console.print(f"{summary[key]:>10,}  {label}")
    console.print(f"audit log subject: {summary['subject']}")
