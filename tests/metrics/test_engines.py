"""The KPI engine's session settings stay in its own connection."""

from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.query import parse_query
from learnsight.metrics.run import run_kpi
from learnsight.organisation import set_organisation_setting
from learnsight.services import Services


def test_the_organisation_time_zone_does_not_reach_other_readers(services: Services) -> None:
    set_organisation_setting(services.db, "timezone", "Europe/Paris")
    ctx = duckdb_context(services.db, services.settings.data)
    assert run_kpi(ctx, "enrollments", parse_query(grain="all")) == [{"enrollments": 0}]
    zone = ctx.backend.con.execute("SELECT current_setting('TimeZone')").fetchone()
    shared = services.db.read().execute("SELECT current_setting('TimeZone')").fetchone()
    assert (zone, shared) == (("Europe/Paris",), ("UTC",))
