"""Engine functions that Ibis has no portable operation for; each engine maps its own here."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir


def local_time(moment: ir.TimestampValue, zone: ir.StringValue) -> ir.TimestampValue:
    """The wall-clock time of `moment` in the IANA time zone `zone`, row by row.

    The one engine-specific piece of the KPIs: Ibis converts a column to one fixed time zone
    only. DuckDB and PostgreSQL both have `timezone(zone, timestamptz)`, which gives the local
    timestamp; an engine without it (Spark: `from_utc_timestamp`) maps it here.
    """
    return _engine_timezone(zone, moment)


def _timezone_arguments(zone: str, moment: Any) -> None:
    """Never called: it names the arguments of the engine's own `timezone` function."""


_engine_timezone = ibis.udf.scalar.builtin(
    name="timezone", signature=((dt.string, dt.Timestamp(timezone="UTC")), dt.timestamp)
)(_timezone_arguments)
