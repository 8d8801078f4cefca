"""Learner journeys counted from a learner's first learning activity: cohort retention, learner
churn, the retention matrix, and time to competency.

"Learning activity" is any counted statement (neither voided nor voiding) but the `enrolled`
class (`registered` by default). A learner's cohort is the period (month by default) of their
first learning activity, in the organisation's time zone; the course of that first activity is
their entry course (the `course` dimension). The query's period picks cohorts by their start;
what they did next counts up to now, wherever the period ends (as completion_rate counts
completions "as of now"). A cohort is null, not 0, until it has closed and each of its learners
has reached the day being measured.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pytz

from learnsight.metrics.context import LEARNER_DIMENSIONS, Context, ratio
from learnsight.metrics.periods import bucket_start
from learnsight.metrics.query import GRAIN_UNITS, Query, QueryError
from learnsight.metrics.registry import Param, kpi

WINDOW = Param("30", "days from the first learning activity (30, 60 and 90 are standard)")
RETENTION_DEFINITION = (
    "of the learners whose first learning activity (any statement but `registered`) falls in a "
    "cohort period, the share with learning activity on or after day `window` counted from it; "
    "null until every learner of the cohort has reached that day"
)


# --- Parameters and calendar -------------------------------------------------------------------


def window_days(query: Query) -> int:
    text = query.params.get("window", WINDOW.default)
    if not text.isdigit() or int(text) < 1:
        raise QueryError(f"param: window {text!r} is not a whole number of days, 1 or more")
    return int(text)


def today(ctx: Context) -> date:
    """Today, in the organisation's time zone."""
    return datetime.now(pytz.timezone(ctx.organisation["timezone"])).date()


def horizon(ctx: Context) -> date:
    """The first day not yet observed: tomorrow, in the organisation's time zone."""
    return today(ctx) + timedelta(days=1)


def periods_between(start: ir.DateValue, end: ir.DateValue, grain: str) -> ir.IntegerValue:
    """How many whole periods separate two period starts (calendar arithmetic, any engine)."""
    if grain == "day":
        return end.delta(start, unit="day")
    if grain == "week":
        return end.delta(start, unit="day") // 7
    years = end.year() - start.year()
    if grain == "month":
        return years * 12 + end.month() - start.month()
    if grain == "quarter":
        return years * 4 + end.quarter() - start.quarter()
    return years


# --- Facts -------------------------------------------------------------------------------------


def learning_activity(ctx: Context, before: date) -> ir.Table:
    """Counted learning rows but enrolments, before a day (in the organisation's time zone)."""
    rows = ctx.learning
    return rows.filter(
        ~rows.verb_id.isin(list(ctx.verbs["enrolled"])),
        rows.ts < ibis.timestamp(before.isoformat()),
    )


def first_activity(rows: ir.Table, *per: str) -> ir.Table:
    """One row per learner (and `per` columns): first and last activity, entry course (of the
    first activity that belongs to a course: where the learner came in), account."""
    return rows.group_by(["learner", *per]).aggregate(
        first_ts=rows.ts.min(),
        last_ts=rows.ts.max(),
        course_id=rows.course_id.argmin(rows.ts, where=rows.course_id.notnull()),
        account_id=rows.account_id.max(),
    )


def cohort_members(ctx: Context, people: ir.Table, query: Query) -> ir.Table:
    """Learners whose cohort starts in the query's period, with the query's dimensions, filtered
    (the first half of Context.finish, kept per learner for the matrix's join)."""
    ctx.check_dimensions(query, LEARNER_DIMENSIONS)
    if query.start is not None:
        people = people.filter(people.cohort >= ibis.date(query.start.isoformat()))
    if query.end is not None:
        people = people.filter(people.cohort < ibis.date(query.end.isoformat()))
    people = ctx.with_dimensions(people, list(dict.fromkeys([*query.by, *query.filters])))
    for dim, values in query.filters.items():
        people = people.filter(people[dim].cast("string").isin(list(values)))
    return people


# --- Retention ---------------------------------------------------------------------------------


def retention(ctx: Context, query: Query, name: str, churn: bool) -> ir.Table:
    """cohort_retention (or 1 - it): one row per cohort and dimension values."""
    window, grain = window_days(query), query.grain or "month"
    end = horizon(ctx)
    people = first_activity(learning_activity(ctx, end))
    first_day = people.first_ts.date()
    retained = people.last_ts.date().delta(first_day, unit="day") >= window
    if grain == "all":  # one pooled cohort: the learners who started in the query's period
        facts = people.mutate(first_day=first_day, retained=retained, cohort_ts=people.first_ts)
    else:
        start = people.first_ts.truncate(GRAIN_UNITS[grain])
        facts = people.mutate(
            first_day=first_day, retained=retained, cohort_ts=start, cohort=start.date()
        )
    # Every learner's day `window` is observed iff they started `window` days before the horizon.
    last_mature_day = ibis.date((end - timedelta(days=window + 1)).isoformat())
    closed_before = ibis.date(bucket_start(end, grain).isoformat())

    def measure(t: ir.Table) -> ir.Value:
        mature = t.first_day.max() <= last_mature_day
        if grain != "all":  # and the cohort's own period is over, so no one joins it later
            mature &= t.cohort.max() < closed_before
        share = ratio(t.count(where=t.retained), t.count())
        return ibis.ifelse(mature, 1 - share if churn else share, ibis.null())

    out = ctx.finish(facts, query, name, measure, time="cohort_ts")
    return out if grain == "all" else out.rename(cohort="period")


@kpi("cohort_retention", RETENTION_DEFINITION, "share", params={"window": WINDOW})
def cohort_retention(ctx: Context, query: Query) -> ir.Table:
    return retention(ctx, query, "cohort_retention", churn=False)


@kpi("learner_churn", "1 - cohort_retention: the share of a cohort with no learning activity "
     "on or after day `window`; null for the same young cohorts", "share",
     params={"window": WINDOW})  # fmt: skip
def learner_churn(ctx: Context, query: Query) -> ir.Table:
    return retention(ctx, query, "learner_churn", churn=True)


@kpi("retention_matrix", "the cohort by period table: of the learners whose first learning "
     "activity falls in a cohort period, the share with learning activity in the k-th period "
     "after it (k = 0 is the cohort's own period); finished periods only", "share")  # fmt: skip
def retention_matrix(ctx: Context, query: Query) -> ir.Table:
    grain = query.grain or "month"
    if grain == "all":
        raise QueryError("grain: retention_matrix needs periods (day, week, month, quarter, year)")
    unit = GRAIN_UNITS[grain]
    # Only finished periods: the one holding today is still filling up.
    unfinished = bucket_start(today(ctx), grain)
    rows = learning_activity(ctx, unfinished)
    # One pass over the statements: each learner's active periods, then the learners from
    # those (the earliest period's first activity is the first activity; last_ts goes unused).
    # The local day (a facts column), then its period: no time-zone conversion per row.
    visits = first_activity(rows.mutate(period=rows.day.truncate(unit)), "period")
    people = first_activity(visits.rename(ts="first_ts"))
    members = cohort_members(
        ctx, people.mutate(cohort=people.first_ts.truncate(unit).date()), query
    )
    keys = ["cohort", *query.by]

    sizes = members.group_by(keys).aggregate(size=ibis._.count())
    periods = periods_between(sizes.cohort, ibis.date(unfinished.isoformat()), grain)
    grid = sizes.mutate(k=ibis.range(0, periods), active=ibis.literal(0, "int64")).unnest("k")

    seen = members.join(visits.select("learner", "period"), "learner")
    seen = seen.mutate(k=periods_between(seen.cohort, seen.period, grain))
    active = seen.group_by([*keys, "k"]).aggregate(active=ibis._.count())
    active = active.mutate(size=ibis.null("int64"))

    # A union rather than a join: rows with a null dimension (no account...) still meet.
    columns = [*keys, "k", "size", "active"]
    cells = grid.select(columns).union(active.select(columns))
    out = cells.group_by(["cohort", "k", *query.by]).aggregate(
        retention_matrix=ratio(cells.active.sum(), cells.size.max())
    )
    return out.select("cohort", "k", *query.by, "retention_matrix")


# --- Time to competency ------------------------------------------------------------------------

STATS = ("median", "mean")


def pass_mark(query: Query) -> float | None:
    text = query.params.get("pass_mark", "none")
    if text == "none":
        return None
    try:
        mark = float(text)
    except ValueError:
        mark = -1.0
    if not 0 <= mark <= 1:
        raise QueryError(f"param: pass_mark {text!r} is not a scaled score from 0 to 1, or none")
    return mark


def passing(ctx: Context, rows: ir.Table, mark: float | None) -> ir.BooleanValue:
    """A `passed` statement; with a pass mark, also any scored statement at or above it that
    carries no failing verdict of its own (a `failed` verb or success false)."""
    passed = rows.verb_id.isin(list(ctx.verbs["passed"]))
    if mark is None:
        return passed
    scored = (rows.score_scaled >= mark) & ~rows.verb_id.isin(list(ctx.verbs["failed"]))
    return passed | (scored & rows.success.fill_null(True))


@kpi("time_to_competency", "days from a learner's first learning activity in a course to their "
     "first passing assessment in it (`passed`, or a score at or above the pass mark), by the "
     "day of passing; the median, or the mean", "days",
     params={"stat": Param("median", "median or mean"),
             "pass_mark": Param("none", "a scaled score (0-1) that passes by itself; none: "
                                "only the `passed` verdict counts")})  # fmt: skip
def time_to_competency(ctx: Context, query: Query) -> ir.Table:
    stat = query.params.get("stat", "median")
    if stat not in STATS:
        raise QueryError(f"param: stat {stat!r} is not one of {', '.join(STATS)}")
    rows = ctx.learning
    rows = rows.filter(rows.course_id.notnull(), ~rows.verb_id.isin(list(ctx.verbs["enrolled"])))
    facts = rows.group_by(["learner", "course_id"]).aggregate(
        first_ts=rows.ts.min(),
        passed_ts=rows.ts.min(where=passing(ctx, rows, pass_mark(query))),
        account_id=rows.account_id.max(),
    )
    facts = facts.filter(facts.passed_ts.notnull())
    facts = facts.mutate(days=facts.passed_ts.delta(facts.first_ts, unit="second") / 86400)

    def measure(t: ir.Table) -> ir.Value:
        return t.days.median() if stat == "median" else t.days.mean()

    return ctx.finish(facts, query, "time_to_competency", measure, time="passed_ts")
