"""Period calendars for KPIs measured on states (who was active at a date), not on events.

`ctx.finish` buckets events by their own timestamp; an account-level ratio instead needs every
period of the range, with its first day and the day after its last, so that accounts can be
tested against both ends. The calendar is computed here in Python and handed to the engine as a
small table of literals (no engine round trip, and the same SQL for the same periods, so
that compiled queries can be reused).

A period is labelled by the first day of its bucket (as `finish` labels it) but clipped to the
query's range: with `from=2024-01-15` and a monthly grain, January's period runs 15-31 January.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from learnsight.metrics.query import Query

if TYPE_CHECKING:
    from learnsight.metrics.context import Context

ONE_DAY = timedelta(days=1)


def bucket_start(day: date, grain: str) -> date:
    """The first day of the bucket holding `day` (ISO weeks start on Monday)."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if grain == "year":
        return day.replace(month=1, day=1)
    return day


def next_bucket(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=7)
    if grain in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[grain]
        index = start.year * 12 + start.month - 1 + months
        return date(index // 12, index % 12 + 1, 1)
    return start + ONE_DAY


def periods(grain: str, start: date, end: date) -> Iterator[tuple[date, date, date]]:
    """(label, first day, day after the last) of each period from `start` to `end` (exclusive);
    grain "all" gives one period labelled by its first day."""
    if grain == "all":
        if start < end:
            yield start, start, end
        return
    label = bucket_start(start, grain)
    while label < end:
        following = next_bucket(label, grain)
        yield label, max(label, start), min(following, end)
        label = following


@dataclass(frozen=True)
class Calendar:
    """The periods of a query as a table (period, period_start, period_end), and their span."""

    table: ir.Table
    first: date | None  # the first period's first day; None when there is no period
    end: date | None  # the day after the last period
    grain: str  # its periods' grain, or "all"


def calendar(query: Query, first: date | None, last: date | None) -> Calendar:
    """The query's periods: its range, or where it leaves an end open, the data's (`first` day
    to `last` day, inclusive)."""
    start = query.start or first
    end = query.end or (last + ONE_DAY if last else None)
    grain = query.grain or "month"
    rows = list(periods(grain, start, end)) if start and end else []
    table = date_table(("period", "period_start", "period_end"), rows)
    return Calendar(table, rows[0][1] if rows else None, rows[-1][2] if rows else None, grain)


def months_between(first: date | None, end: date | None) -> ir.Table:
    """Calendar months (month_start, month_end exclusive, month_days) covering [first, end)."""
    starts: list[date] = []
    month = first.replace(day=1) if first else None
    while month and end and month < end:
        starts.append(month)
        month = next_bucket(month, "month")
    ends = [next_bucket(month, "month") for month in starts]
    months = date_table(("month_start", "month_end"), list(zip(starts, ends, strict=True)))
    return months.mutate(month_days=months.month_end.delta(months.month_start, unit="day"))


def date_table(columns: tuple[str, ...], rows: Sequence[tuple[date, ...]]) -> ir.Table:
    """A table of date columns from literals: equal rows give equal expressions (and SQL).
    A date array per column, read at each row's number: PostgreSQL has no struct literal."""
    index = ibis.range(len(rows)).unnest().name("row").as_table()
    if not rows:  # nor can PostgreSQL type an empty array literal
        return index.select(**dict.fromkeys(columns, ibis.null(dt.date)))
    arrays = [ibis.literal(list(days), type=dt.Array(dt.date)) for days in zip(*rows, strict=True)]
    return index.select(**{c: a[index.row] for c, a in zip(columns, arrays, strict=True)})


def span(table: ir.Table, day: str) -> ir.Table:
    """A one-row table of the first and last value of a date column, for `query_calendar`."""
    return table.aggregate(first=table[day].min(), last=table[day].max())


def data_range(ctx: Context, spans: list[ir.Table]) -> tuple[date | None, date | None]:
    """The first and last day among one-row tables of (first, last) dates, in one query."""
    parts = [s.select(first=s["first"].cast("date"), last=s["last"].cast("date")) for s in spans]
    both = ibis.union(*parts).aggregate(first=ibis._["first"].min(), last=ibis._["last"].max())
    (row,) = ctx.rows(both)
    return row["first"], row["last"]


def query_calendar(ctx: Context, query: Query, spans: list[ir.Table]) -> Calendar:
    """The query's calendar; the data's range (from `spans`) is only read when the query
    leaves an end open."""
    if query.start is not None and query.end is not None:
        return calendar(query, None, None)
    first, last = data_range(ctx, spans)
    return calendar(query, first, last)


def overlap_days(starts: list[ir.DateValue], ends: list[ir.DateValue]) -> ir.IntegerValue:
    """Days shared by the intervals [starts[i], ends[i]); 0 when they do not all meet."""
    days = ibis.least(*ends).delta(ibis.greatest(*starts), unit="day")
    return ibis.greatest(days, 0)
