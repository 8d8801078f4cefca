"""Run one KPI for a query: rows of JSON-ready values, the same for the API and the CLI."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from learnsight.metrics.context import Context
from learnsight.metrics.query import Query, QueryError
from learnsight.metrics.registry import KPI, all_kpis


def find_kpi(name: str) -> KPI:
    kpis = all_kpis()
    if name not in kpis:
        raise QueryError(f"no KPI {name!r}; `learnsight kpi list` shows them all")
    return kpis[name]


def run_kpi(ctx: Context, name: str, query: Query) -> list[dict[str, Any]]:
    """The KPI's rows, ordered by period and dimensions, each with the value under `name`."""
    kpi = find_kpi(name)
    unknown = set(query.params) - set(kpi.params)
    if unknown:
        known = ", ".join(kpi.params) or "none"
        raise QueryError(f"param: {', '.join(sorted(unknown))} unknown to {name} ({known})")
    params = {key: p.default for key, p in kpi.params.items()} | query.params
    query = Query(query.start, query.end, query.grain or kpi.grain, query.by, query.filters, params)
    expr = kpi.compute(ctx, query)
    keys = [c for c in expr.columns if c != name]
    rows = expr.order_by(keys).to_pyarrow().to_pylist() if keys else expr.to_pyarrow().to_pylist()
    return [{key: plain(value) for key, value in row.items()} for row in rows]


def plain(value: Any) -> Any:
    """A JSON-ready value: dates as ISO text, decimals as floats, NaN and infinities as null."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
