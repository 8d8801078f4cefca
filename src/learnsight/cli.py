"""The `learnsight` command line.

Every command that touches a data directory first looks for a live server owning it and, if
there is one, sends its work over the admin API; otherwise it opens the data directory itself.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import orjson
import typer
from rich.table import Table
from typer.exceptions import TyperException

from learnsight.auth import SCOPES
from learnsight.backup import backup as backup_database
from learnsight.commands import demo, identities, imports, kpis, organisation
from learnsight.commands.common import (
    CommandError,
    DataOption,
    call_server,
    console,
    errors,
    local_services,
    on_data,
    print_table,
    progress_bar,
    settings_for,
    upload_chunks,
)
from learnsight.errors import LearnsightError
from learnsight.importer import ImportSummary, count_statements, import_statements
from learnsight.instance import find_live_server, new_admin_token
from learnsight.runtime import tune_garbage_collector
from learnsight.xapi.errors import XAPIError

app = typer.Typer(help="Learnsight: prove that customer education pays.", no_args_is_help=True)
credentials_app = typer.Typer(help="Create, list and revoke API credentials.", no_args_is_help=True)
statements_app = typer.Typer(help="Work with stored xAPI statements.", no_args_is_help=True)
app.add_typer(credentials_app, name="credentials")
app.add_typer(statements_app, name="statements")

# Command modules: each registers its commands on `app`.
imports.register(app)
kpis.register(app)
organisation.register(app)
identities.register(app)
demo.register(app)


@app.command()
def serve(
    data: DataOption = None,
    host: Annotated[
        str | None,
        typer.Option(help="Interface to listen on (default: 127.0.0.1, or env LEARNSIGHT_HOST)."),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="TCP port (default: 8000, or env LEARNSIGHT_PORT).")
    ] = None,
) -> None:
    """Run the server; the LRS lives at http://HOST:PORT/xAPI/."""
    from learnsight.server import serve as run_server

    settings = settings_for(data, host=host, port=port)
    live = find_live_server(settings.data)
    if live is not None:
        raise CommandError(f"a server already owns {settings.data}: {live.url} (pid {live.pid})")
    with local_services(settings):
        pass  # open once: migrate, and fail here, clearly, if the directory is unusable

    def announce() -> None:
        console.print(f"Learnsight serving {settings.data} at [bold]{settings.base_url}[/]")
        console.print(f"xAPI endpoint: {settings.base_url}/xAPI/")

    run_server(settings, new_admin_token(), announce)


@credentials_app.command("create")
def credentials_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses this credential.")],
    scopes: Annotated[
        list[str] | None,
        typer.Option(
            "--scopes", help=f"Scopes granted (default: all). One of: {', '.join(SCOPES)}"
        ),
    ] = None,
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {key, secret} as JSON.")] = False,
) -> None:
    """Create a key and secret for HTTP Basic auth (the secret is shown only now)."""
    created = on_data(
        settings_for(data),
        lambda services: asdict(services.credentials.create(name, scopes)),
        "POST", "/api/v1/admin/credentials", json={"name": name, "scopes": scopes},
    )  # fmt: skip
    if as_json:
        print(orjson.dumps({"key": created["key"], "secret": created["secret"]}).decode())
        return
    console.print(f"key:    {created['key']}\nsecret: {created['secret']}")
    console.print(f"scopes: {', '.join(created['scopes'])}")


@credentials_app.command("list")
def credentials_list(
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List credentials (never their secrets)."""
    rows = on_data(
        settings_for(data),
        lambda services: services.credentials.list(),
        "GET", "/api/v1/admin/credentials",
    )  # fmt: skip
    if as_json:
        print(orjson.dumps(rows).decode())
        return
    table = Table("key", "name", "scopes", "created", "revoked")
    for row in rows:
        table.add_row(row["key"], row["name"], ", ".join(row["scopes"]), row["created"],
                      row["revoked"] or "")  # fmt: skip
    print_table(table)


@credentials_app.command("revoke")
def credentials_revoke(
    key: Annotated[str, typer.Argument(help="The key to revoke.")], data: DataOption = None
) -> None:
    """Revoke a credential: requests using it get 401 from now on."""
    on_data(
        settings_for(data),
        lambda services: services.credentials.revoke(key),
        "DELETE", f"/api/v1/admin/credentials/{quote(key, safe='')}",
    )  # fmt: skip
    console.print(f"revoked {key}")


@statements_app.command("import")
def statements_import(
    file: Annotated[Path, typer.Argument(help="JSON array or JSON Lines, optionally .gz")],
    data: DataOption = None,
) -> None:
    """Import statements in batches of 1,000, each stored all-or-nothing."""
    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    settings = settings_for(data)
    live = find_live_server(settings.data)
    with progress_bar() as progress:
        if live is not None:
            task = progress.add_task("uploading", total=file.stat().st_size)
            result = call_server(
                live, "POST", "/api/v1/admin/statements/import",
                params={"filename": file.name},
                content=upload_chunks(file, lambda n: progress.advance(task, n)),
            )  # fmt: skip
            summary = ImportSummary(**result)
        else:
            tune_garbage_collector()
            task = progress.add_task("importing", total=count_statements(file))
            with local_services(settings) as services:
                summary = import_statements(services, file, lambda n: progress.advance(task, n))
    print_summary(summary)
    if summary.rejected or summary.errors:
        raise typer.Exit(1)


def print_summary(summary: ImportSummary) -> None:
    console.print(
        f"{summary.file}: {summary.read} read, {summary.stored} stored, "
        f"{summary.already_stored} already stored, {summary.rejected} rejected"
    )
    for message in summary.errors:
        errors.print(f"[red]{message}[/]")


@app.command()
def backup(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the copy into.")],
    data: DataOption = None,
) -> None:
    """Write a consistent copy of the data directory's database, even while a server runs."""
    written = on_data(
        settings_for(data),
        lambda services: {"path": str(backup_database(services.db, out))},
        "POST", "/api/v1/admin/backup", json={"out": str(out.resolve())},
    )  # fmt: skip
    console.print(f"backup written to {written['path']}")


def expand_variadic_scopes(argv: list[str]) -> list[str]:
    """Accept `--scopes a b c` as well as `--scopes a --scopes b` (click has no nargs options)."""
    out: list[str] = []
    in_scopes = False
    for arg in argv:
        if arg == "--scopes":
            in_scopes = True
            continue
        if in_scopes and not arg.startswith("-"):
            out += ["--scopes", arg]
            continue
        in_scopes = False
        out.append(arg)
    return out


def main() -> None:
    """Entry point: every expected failure is one clear line on stderr and exit status 1."""
    try:
        status = app(expand_variadic_scopes(sys.argv[1:]), standalone_mode=False)
        if isinstance(status, int):  # typer.Exit(code) is returned, not raised, here
            sys.exit(status)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except TyperException as error:  # usage errors: typer prints them as click would
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:
            errors.print(f"[red]error:[/] {error}")
        sys.exit(getattr(error, "exit_code", 2))
    except (LearnsightError, XAPIError) as error:
        errors.print(f"[red]error:[/] {error}")
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except Exception as error:  # a bug: still one line, with what to report
        errors.print(f"[red]internal error:[/] {type(error).__name__}: {error} (please report it)")
        sys.exit(2)
