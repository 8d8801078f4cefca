"""Run one KPI for a query: rows of JSON-ready values, the same for the API and the CLI."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from learnsight.metrics.context import Context
from learnsight.metrics.custom import custom_kpi
from learnsight.metrics.engines import repeatable_references
from learnsight.metrics.query import Query, QueryError
from learnsight.metrics.registry import KPI, all_kpis
from learnsight.metrics.targets import with_targets


def catalog(config: dict[str, Any]) -> dict[str, KPI]:
    """The built-in KPIs, then the custom KPIs of the data directory's checked kpis.yaml."""
    custom = {name: custom_kpi(spec) for name, spec in config.get("kpis", {}).items()}
    return all_kpis() | custom


def describe_kpis(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog's entries: each KPI's definition, whether kpis.yaml defines it, its target."""
    targets, custom = config.get("targets", {}), config.get("kpis", {})
    entries = []
    for name, kpi in catalog(config).items():
        target = targets[name].describe() if name in targets else None
        entries.append(kpi.describe() | {"custom": name in custom, "target": target})
    return entries


def find_kpi(name: str, config: dict[str, Any] | None = None) -> KPI:
    kpis = catalog(config or {})
    if name not in kpis:
        raise QueryError(f"no KPI {name!r}; `learnsight kpi list` shows them all")
    return kpis[name]


def run_kpi(ctx: Context, name: str, query: Query) -> list[dict[str, Any]]:
    """The KPI's rows, ordered by period and dimensions, each with the value under `name`."""
    kpi = find_kpi(name, ctx.config)
    unknown = set(query.params) - set(kpi.params)
    if unknown:
        known = ", ".join(kpi.params) or "none"
        raise QueryError(f"param: {', '.join(sorted(unknown))} unknown to {name} ({known})")
    params = {key: p.default for key, p in kpi.params.items()} | query.params
    query = Query(query.start, query.end, query.grain or kpi.grain, query.by, query.filters, params)
    with repeatable_references():  # the same query, the same expression: its SQL is reused
        expr = kpi.compute(ctx, query)
    keys = [c for c in expr.columns if c != name]
    rows = ctx.rows(expr.order_by(keys) if keys else expr)
    values = [{key: plain(value) for key, value in row.items()} for row in rows]
    target = ctx.config.get("targets", {}).get(name)
    return with_targets(values, name, target, query) if target else values


def plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, decimals as floats, NaN and infinities as null."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
