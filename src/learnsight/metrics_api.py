"""/api/v1/kpis: the KPI catalog, and one KPI's rows for a query (JSON, or CSV)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from learnsight.deps import PrincipalDep, ServicesDep, require
from learnsight.metrics.config import data_config
from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.query import QueryError, parse_query
from learnsight.metrics.rows_csv import as_csv
from learnsight.metrics.run import describe_kpis, run_kpi

router = APIRouter(prefix="/api/v1")
Repeated = Annotated[list[str] | None, Query()]


@router.get("/kpis")
def kpi_catalog(services: ServicesDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The built-in KPIs and the data directory's custom ones, with their targets."""
    require(principal, "api/read")
    return describe_kpis(data_config(services.settings.data))


@router.get("/kpis/{name}")
def kpi_rows(
    name: str,
    services: ServicesDep,
    principal: PrincipalDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    grain: str | None = None,
    by: Repeated = None,
    filter: Repeated = None,
    param: Repeated = None,
    format: str = "json",
) -> Any:
    """Rows with the dimension values and the KPI's value under its name."""
    require(principal, "api/read")
    if format not in ("json", "csv"):
        raise QueryError(f"format: {format!r} is not json or csv")
    query = parse_query(start, end, grain, by, filter, param)
    rows = run_kpi(duckdb_context(services.db, services.settings.data), name, query)
    if format == "csv":
        return Response(as_csv(rows), media_type="text/csv")
    return rows
