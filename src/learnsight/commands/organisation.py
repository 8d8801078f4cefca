"""`learnsight organisation show|set`: the organisation's time zone, currency, fiscal year..."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import orjson
import typer
from rich.table import Table

from learnsight.commands.common import (
    DataOption,
    console,
    on_data,
    print_table,
    settings_for,
)
from learnsight.organisation import SETTINGS, organisation_settings, set_organisation_setting

organisation_app = typer.Typer(
    help="Show and change organisation settings (time zone, currency...).", no_args_is_help=True
)


@organisation_app.command("show")
def show(
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show every organisation setting, stored or default."""
    values: dict[str, Any] = on_data(
        settings_for(data),
        lambda services: organisation_settings(services.db),
        "GET", "/api/v1/organisation",
    )  # fmt: skip
    if as_json:
        print(orjson.dumps(values).decode())
        return
    table = Table("setting", "value", "meaning")
    for name, value in values.items():
        table.add_row(name, orjson.dumps(value).decode(), SETTINGS[name].doc)
    print_table(table)


@organisation_app.command("set")
def set_setting(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SETTINGS)}.")],
    value: Annotated[str, typer.Argument(help="The value; value_events: names, comma-separated.")],
    data: DataOption = None,
) -> None:
    """Change one organisation setting."""
    stored = on_data(
        settings_for(data),
        lambda services: {"value": set_organisation_setting(services.db, name, value)},
        "PUT", f"/api/v1/organisation/{quote(name, safe='')}", json={"value": value},
    )  # fmt: skip
    console.print(f"{name} = {orjson.dumps(stored['value']).decode()}")


def register(app: typer.Typer) -> None:
    app.add_typer(organisation_app, name="organisation")
