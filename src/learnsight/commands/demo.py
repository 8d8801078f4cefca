"""`learnsight demo`: generate the demo company (docs/demo.md), here or on the live server."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import typer
from rich.progress import Progress, TaskID

from learnsight.commands.common import (
    DataOption,
    call_server,
    console,
    errors,
    local_services,
    progress_bar,
    settings_for,
)
from learnsight.demo.generate import (
    DEFAULT_ACCOUNTS,
    DEFAULT_SEED,
    MAX_ACCOUNTS,
    generate,
)
from learnsight.instance import find_live_server
from learnsight.runtime import tune_garbage_collector

# What the summary names each table's rows, in the order it lists them.
ROW_NAMES = {
    "accounts": "accounts", "contacts": "contacts", "statements": "statements",
    "product_events": "product events", "tickets": "tickets", "surveys": "survey answers",
    "revenue_events": "revenue events", "catalog": "courses and paths", "costs": "cost lines",
    "fx_rates": "exchange rates",
}  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


class BarProgress:
    """The generator's phases as Rich progress bars, one per phase."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None

    def phase(self, description: str, total: int) -> None:
        self.task = self.bar.add_task(description, total=total)

    def advance(self, done: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, done)


def demo_command(
    accounts: Annotated[
        int, typer.Option(min=1, max=MAX_ACCOUNTS, help="How many customer accounts.")
    ] = DEFAULT_ACCOUNTS,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed and size give the same company.")
    ] = DEFAULT_SEED,
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate a synthetic software company whose training effects are known (docs/demo.md)."""
    settings = settings_for(data)
    live = find_live_server(settings.data)
    if live is not None:
        errors.print(f"generating on the server at {live.url}")
        body = {"accounts": accounts, "seed": seed}
        summary = call_server(live, "POST", "/api/v1/admin/demo", json=body)
    else:
        tune_garbage_collector()
        with local_services(settings) as services, progress_bar() as bar:
            progress = BarProgress(bar)
            summary = generate(services, accounts, seed, progress, grow_memory=True).as_dict()
    if as_json:
        print(orjson.dumps(summary).decode())
        return
    print_summary(summary, str(settings.data))


def print_summary(summary: dict[str, Any], data: str) -> None:
    what = f"the demo company (seed {summary['seed']}, {summary['accounts']:,} accounts)"
    if summary["outcome"] == "unchanged":
        console.print(f"{data} already holds {what}: nothing to do")
    else:
        console.print(f"{summary['outcome']} {what} in {data}")
    rows = summary["rows"]
    console.print(", ".join(f"{rows[table]:,} {name}" for table, name in ROW_NAMES.items()))
    identities = summary.get("identities")
    if identities:
        console.print(
            f"{identities['identities']:,} identities: {identities['with_contact']:,} with a "
            f"contact, {identities['with_account']:,} with an account"
        )
    console.print(f"true effects: {summary['ground_truth']}")
