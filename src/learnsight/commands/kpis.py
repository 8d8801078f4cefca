"""`learnsight kpi list` and `learnsight kpi NAME [--by DIM ...] [--grain G] ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import orjson
import typer
from rich.table import Table

from learnsight.commands.common import DataOption, console, on_data, print_table, settings_for
from learnsight.metrics.query import QueryError, parse_query
from learnsight.metrics.rows_csv import as_csv
from learnsight.services import Services

if TYPE_CHECKING:
    from learnsight.metrics.targets import Target

# The KPI engine (Ibis and what it loads) is imported by the functions that use it: every other
# command starts without it.

FORMATS = ("table", "json", "csv")


def kpi_command(
    name: Annotated[str, typer.Argument(help="A KPI's name, or `list` for the catalog.")],
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Split by a dimension (repeatable).")
    ] = None,
    grain: Annotated[
        str | None, typer.Option(help="day, week, month, quarter, year or all (one value).")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Day after the last, YYYY-MM-DD.")] = None,
    filters: Annotated[
        list[str] | None, typer.Option("--filter", help="DIM:VALUE (repeatable).")
    ] = None,
    params: Annotated[
        list[str] | None, typer.Option("--param", help="NAME:VALUE (repeatable).")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    data: DataOption = None,
) -> None:
    """Compute a KPI by its documented formula (docs/kpis.md), split and filtered as asked."""
    if output not in FORMATS:
        raise QueryError(f"--format {output!r}: not one of {', '.join(FORMATS)}")
    if name == "list":
        from learnsight.metrics.config import data_config

        show_catalog(output, data_config(settings_for(data).data))
        return
    query = parse_query(start, end, grain, by, filters, params)  # checked before any work
    given = {"from": start, "to": end, "grain": grain}  # httpx would send None as ""
    request: dict[str, Any] = {k: v for k, v in given.items() if v is not None} | {
        "by": by or [], "filter": filters or [], "param": params or [],
    }  # fmt: skip

    def local(services: Services) -> list[dict[str, Any]]:
        from learnsight.metrics.engines import duckdb_context
        from learnsight.metrics.run import run_kpi

        return run_kpi(duckdb_context(services.db, services.settings.data), name, query)

    path = f"/api/v1/kpis/{quote(name, safe='')}"
    rows = on_data(settings_for(data), local, "GET", path, params=request)
    show_rows(name, rows, output)


def show_catalog(output: str, config: dict[str, Any]) -> None:
    """The catalog of the data directory: its kpis.yaml is read here, server or not."""
    from learnsight.metrics.run import describe_kpis

    kpis = describe_kpis(config)
    if output == "json":
        print(orjson.dumps(kpis).decode())
        return
    if output == "csv":
        flat = [{**k, "dimensions": " ".join(k["dimensions"]), "params": " ".join(k["params"]),
                 "target": target_text(config, k["name"])} for k in kpis]  # fmt: skip
        print(as_csv(flat), end="")
        return
    table = Table("name", "unit", "grain", "target", "definition")
    for k in kpis:
        table.add_row(k["name"], k["unit"], k["grain"], target_text(config, k["name"]),
                      k["definition"])  # fmt: skip
    print_table(table)


def target_text(config: dict[str, Any], name: str) -> str:
    target: Target | None = config["targets"].get(name)
    return target.summary() if target else ""


def show_rows(name: str, rows: list[dict[str, Any]], output: str) -> None:
    if output == "json":
        print(orjson.dumps(rows).decode())
    elif output == "csv":
        print(as_csv(rows), end="")
    elif not rows:
        console.print(f"{name}: no rows for this query")
    else:
        table = Table(*rows[0])
        for row in rows:
            table.add_row(*("" if v is None else format_value(v) for v in row.values()))
        print_table(table)


def format_value(value: Any) -> str:
    if isinstance(value, bool):  # before int: True is an int
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def register(app: typer.Typer) -> None:
    app.command("kpi")(kpi_command)
