"""`learnsight import KIND PATH` and `learnsight import history`."""

from __future__ import annotations

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
    errors,
    local_services,
    on_data,
    print_table,
    progress_bar,
    settings_for,
)
from learnsight.config import Settings
from learnsight.ingest.imports import MappingChoice, check_kind, history, run_import
from learnsight.ingest.kinds import ALL_KINDS
from learnsight.ingest.loader import ImportOptions
from learnsight.ingest.summary import ImportResult, rejects_path, write_rejects
from learnsight.instance import LiveServer, find_live_server

ERRORS_SHOWN = 10


def import_command(
    kind: Annotated[
        str, typer.Argument(help=f"What to import: {', '.join(ALL_KINDS)}; or history.")
    ],
    path: Annotated[
        Path | None,
        typer.Argument(help="CSV, Parquet or JSON Lines file (optionally .gz); oulad: a folder."),
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="A shipped column mapping, e.g. salesforce-accounts.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="A column mapping file (YAML); see docs/import.md.")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Store nothing if any row is rejected.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count, store nothing.")
    ] = False,
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import business data, or an LMS export, upserting on each kind's natural key.

    Bad rows are listed (file, line, column, value, rule) and written to INPUT.rejects.csv;
    valid rows still land unless --strict. Exit status 1 when a row was rejected.
    """
    settings = settings_for(data)
    if kind == "history":
        show_history(settings, as_json)
        return
    check_kind(kind)
    if path is None:
        raise CommandError(f"learnsight import {kind} needs a PATH")
    if not path.exists():
        raise CommandError(f"{path}: no such file or directory")
    choice = MappingChoice(preset=preset, file=mapping)
    options = ImportOptions(strict=strict, dry_run=dry_run)
    live = find_live_server(settings.data)
    with progress_bar() as bar:
        task = bar.add_task("reading", total=100)

        def report(phase: str, percent: float) -> None:
            bar.update(task, description=phase, completed=percent if percent >= 0 else None)

        try:
            if live is not None:
                bar.update(task, description=f"importing on the server at {live.url}", total=None)
                result = upload(live, kind, path, choice, options)
            else:
                with local_services(settings) as services:
                    result = run_import(services, kind, path, choice, options, report)
        except BaseException:
            bar.live.transient = True  # a failure is one line, without a half-drawn bar above
            raise
    report_result(result, path, as_json)
    if result.rejected:
        raise typer.Exit(1)


def upload(
    live: LiveServer, kind: str, path: Path, choice: MappingChoice, options: ImportOptions
) -> ImportResult:
    """Send the file (a folder's files for oulad) to the server's import endpoint."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    form: dict[str, Any] = {"strict": str(options.strict).lower(),
                            "dry_run": str(options.dry_run).lower(), "name": path.name}  # fmt: skip
    if choice.preset:
        form["preset"] = choice.preset
    if choice.file:
        form["mapping"] = choice.file.read_text()
    handles = [f.open("rb") for f in files]
    try:
        parts = [("file", (f.name, h)) for f, h in zip(files, handles, strict=True)]
        answer = call_server(live, "POST", f"/api/v1/import/{kind}", data=form, files=parts)
    finally:
        for handle in handles:
            handle.close()
    return ImportResult.from_dict(answer)


def report_result(result: ImportResult, path: Path, as_json: bool) -> None:
    target = rejects_path(path.resolve())
    if result.rejects:
        write_rejects(result, target)
    else:
        target.unlink(missing_ok=True)  # an older run's rejects would mislead
    if as_json:
        print(orjson.dumps(result.as_dict()).decode())
        return
    console.print(
        f"{result.file}: {result.read:,} read, {result.inserted:,} inserted, "
        f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
        f"{result.rejected:,} rejected" + extra_counts(result) + f" ({result.outcome})"
    )
    for reject in result.rejects[:ERRORS_SHOWN]:
        errors.print(f"[red]{result.describe(reject)}[/]", markup=True, highlight=False)
    if result.rejects:
        more = len(result.rejects) - ERRORS_SHOWN
        tail = f" ({more:,} more)" if more > 0 else ""
        errors.print(f"every rejected row{tail} is listed in {target}")


def extra_counts(result: ImportResult) -> str:
    parts = []
    if result.skipped:
        parts.append(f"{result.skipped:,} skipped by the mapping")
    if result.duplicates:
        parts.append(f"{result.duplicates:,} repeated in the file")
    return "".join(f", {part}" for part in parts)


def show_history(settings: Settings, as_json: bool) -> None:
    rows = on_data(settings, history, "GET", "/api/v1/imports")
    if as_json:
        print(orjson.dumps(rows).decode())
        return
    table = Table("#", "finished", "kind", "file", "read", "inserted", "updated", "unchanged",
                  "rejected", "outcome")  # fmt: skip
    for row in rows:
        table.add_row(
            str(row["id"]), row["finished_at"][:19], row["kind"], row["file"],
            *(f"{row[n]:,}" for n in ("read", "inserted", "updated", "unchanged", "rejected")),
            row["outcome"],
        )  # fmt: skip
    print_table(table)


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
