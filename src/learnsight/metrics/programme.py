"""Programme KPIs over learning records: enrolments, completions, withdrawals, activity,
engagement, and when and where learners learn.

Learners are contacts when identity resolution found one, else their xAPI actor key.
Enrolments, completions and withdrawals are statements whose object is a course (an activity of
a course type, or a catalog course): completing a video inside a course is not completing the
course (content.py counts items). They count each learner once per course.
"""

from __future__ import annotations

from dataclasses import replace

import ibis
import ibis.expr.types as ir

from learnsight.metrics.context import (
    LEARNER_DIMENSIONS,
    Context,
    distinct_where,
    in_period,
    ratio,
)
from learnsight.metrics.query import GRAIN_UNITS, Query
from learnsight.metrics.registry import kpi

# Dimensions that tie a learner to one course: split by them, activity must be in that course.
COURSE_DIMENSIONS = ("course", "learning_path", "content_type")
HEATMAP_DIMENSIONS = (*LEARNER_DIMENSIONS, "weekday", "hour")
# One period of each grain, to find a period's end from its start (both in the organisation's
# time zone, the session's).
GRAIN_STEPS = {
    "day": ibis.interval(days=1), "week": ibis.interval(weeks=1),
    "month": ibis.interval(months=1), "quarter": ibis.interval(months=3),
    "year": ibis.interval(years=1),
}  # fmt: skip
STILL = ibis.timestamp("9999-12-31T00:00:00")  # the end of a span still open


def learner_course(t: ir.Table) -> ir.StringValue:
    """One value per (learner, course) pair, to count pairs with nunique."""
    return t.learner.concat("\x1f", t.course_id.fill_null(""))


def course_events(ctx: Context, verb_class: str) -> ir.Table:
    """Statements of a verb class whose object is the course itself (`learning` gives a course
    statement its own object as course_id)."""
    rows = ctx.events(verb_class)
    return rows.filter(rows.item_id == rows.course_id)


def learning_activity(ctx: Context) -> ir.Table:
    """Learning activity (BRIEF): every counted statement but enrolments."""
    rows = ctx.learning
    return rows.filter(~rows.verb_id.isin(list(ctx.verbs["enrolled"])))


def always_by(query: Query, dims: tuple[str, ...]) -> Query:
    """The query split also by the dimensions a KPI always has in its rows, after the asked."""
    return replace(query, by=(*query.by, *(dim for dim in dims if dim not in query.by)))


@kpi("enrollments", "learners who enrolled in a course in the period", "learners")
def enrollments(ctx: Context, query: Query) -> ir.Table:
    facts = course_events(ctx, "enrolled")
    return ctx.finish(facts, query, "enrollments", lambda t: t.learner.nunique())


@kpi("completions", "course completions that happened in the period (a learner once per "
     "course)", "completions")  # fmt: skip
def completions(ctx: Context, query: Query) -> ir.Table:
    facts = course_events(ctx, "completed")
    return ctx.finish(facts, query, "completions", lambda t: learner_course(t).nunique())


@kpi("withdrawals", "learners who unenrolled from or withdrew from a course in the period",
     "learners")  # fmt: skip
def withdrawals(ctx: Context, query: Query) -> ir.Table:
    facts = course_events(ctx, "withdrawn")
    return ctx.finish(facts, query, "withdrawals", lambda t: t.learner.nunique())


@kpi("completion_rate", "of the learners who enrolled in a course in the period, the share who "
     "have completed it (as of now), per learner and course", "share")  # fmt: skip
def completion_rate(ctx: Context, query: Query) -> ir.Table:
    enrolled = course_events(ctx, "enrolled")
    done = course_events(ctx, "completed").select("learner", "course_id").distinct()
    done = done.mutate(completed=ibis.literal(True))
    facts = enrolled.left_join(done, ["learner", "course_id"]).select(
        *enrolled.columns, completed=ibis._.completed.fill_null(False)
    )

    def share(t: ir.Table) -> ir.Value:
        pair = learner_course(t)
        return ratio(distinct_where(pair, t.completed), pair.nunique())

    return ctx.finish(facts, query, "completion_rate", share)


@kpi("active_learners", "learners with learning activity (any counted statement but an "
     "enrolment) in the period", "learners")  # fmt: skip
def active_learners(ctx: Context, query: Query) -> ir.Table:
    facts = learning_activity(ctx)
    return ctx.finish(facts, query, "active_learners", lambda t: t.learner.nunique())


@kpi("engagement_rate", "active learners / learners enrolled and not withdrawn at the end of "
     "the period (of the latter, the share with learning activity in the period)",
     "share")  # fmt: skip
def engagement_rate(ctx: Context, query: Query) -> ir.Table:
    rows = in_period(ctx.learning, query)
    rows = rows.mutate(slot=period_start(rows.day, query))
    # Split or filtered by course, a learner counts as active when active in that course.
    per_course = any(dim in COURSE_DIMENSIONS for dim in (*query.by, *query.filters))
    keys = ["slot", "learner", "course_id"] if per_course else ["slot", "learner"]
    ends = period_ends(ctx, rows, query)
    enrolled = enrolled_at_end(ctx, ends, now=query_until_now(query), per_course=per_course)
    active = rows.filter(~rows.verb_id.isin(list(ctx.verbs["enrolled"])))
    active = active.select(*keys).distinct().mutate(active=True)
    facts = enrolled.left_join(active, keys).select(
        *enrolled.columns, active=ibis._.active.fill_null(False)
    )

    def share(t: ir.Table) -> ir.Value:
        return ratio(distinct_where(t.learner, t.active), t.learner.nunique())

    # The period is applied above (activity in it, enrolment as of its end); `day` is the
    # period's first day, so that `finish` buckets each row into its own period.
    query = replace(query, start=None, end=None)
    return ctx.finish(facts, query, "engagement_rate", share, time="day")


def period_start(day: ir.DateValue, query: Query) -> ir.Value:
    """The first day of the query's period holding `day`; one constant for grain "all"."""
    if query.grain in (None, "all"):
        return ibis.literal(0)
    return day.truncate(GRAIN_UNITS[query.grain])


def period_ends(ctx: Context, rows: ir.Table, query: Query) -> ir.Table:
    """Columns slot, day (its first day) and end (exclusive, a local midnight; null: as of
    now) of the periods that hold statements `rows` (column slot); the last one ends at the
    query's `to`."""
    end = ibis.timestamp(query.end.isoformat()) if query.end is not None else None
    if query.grain in (None, "all"):  # one period, whatever the data holds
        catalog = ctx.table("catalog")  # an aggregate without groups: always one row
        return catalog.aggregate(rows=catalog.count()).select(
            slot=ibis.literal(0),
            day=ibis.null("date"),
            end=end if end is not None else ibis.null("timestamp"),
        )
    periods = rows.select("slot").distinct()
    # A date to a timestamp is the local midnight (the session's time zone is the organisation's).
    step_end = (periods.slot + GRAIN_STEPS[query.grain]).cast("timestamp")
    return periods.mutate(
        day=periods.slot, end=step_end if end is None else ibis.least(step_end, end)
    )


def query_until_now(query: Query) -> bool:
    """One period that ends now: enrolment is then the state as of now."""
    return query.grain in (None, "all") and query.end is None


def enrolled_at_end(ctx: Context, periods: ir.Table, now: bool, per_course: bool) -> ir.Table:
    """(slot, day, learner, account_id, course_id), once per period and pair enrolled in the
    course and not withdrawn at the period's end; not `per_course`, once per period and
    learner enrolled in any course (course_id null)."""
    spans = enrolment_spans(ctx)
    if not per_course:
        spans = learner_spans(spans)
    if now:
        joined = periods.cross_join(spans.filter(spans.until.isnull()))
    else:
        joined = periods.join(
            spans,
            [spans.since < periods.end, spans.until.isnull() | (spans.until >= periods.end)],
        )
    return joined.select("slot", "day", "learner", "account_id", "course_id")


def enrolment_spans(ctx: Context) -> ir.Table:
    """(learner, account_id, course_id, since, until): a pair is enrolled after an enrolment
    (since) up to and including its next enrolment or withdrawal (until; null: still)."""
    enrolments = course_events(ctx, "enrolled").mutate(withdrawn=False)
    status = enrolments.union(course_events(ctx, "withdrawn").mutate(withdrawn=True))
    # Each enrolment lasts until the pair's next enrolment or withdrawal (so the spans of a
    # pair never overlap); at the same instant, the withdrawal comes second and ends it.
    following = ibis.window(group_by=["learner", "course_id"], order_by=["ts", "withdrawn"])
    spans = status.mutate(until=status.ts.lead().over(following))
    return spans.filter(~spans.withdrawn).select(
        "learner", "account_id", "course_id", since=spans.ts, until=spans.until
    )


def learner_spans(spans: ir.Table) -> ir.Table:
    """A learner's spans in any course, overlapping ones merged: one row per learner and
    period instead of one per course (a period join over course spans multiplies rows)."""
    learner = ["learner", "account_id"]
    until = spans.until.fill_null(STILL)
    earlier = ibis.window(group_by=learner, order_by=["since", until], rows=(None, -1))
    spans = spans.mutate(until=until, reach=until.max().over(earlier))
    # A span starts a new run unless an earlier span reaches its start. Summed as booleans
    # (true counts 1): PostgreSQL has no cast from boolean to int64.
    starts = spans.reach.isnull() | (spans.since > spans.reach)
    so_far = ibis.window(group_by=learner, order_by=["since", "until"], rows=(None, 0))
    runs = spans.mutate(run=starts.sum().over(so_far))
    merged = runs.group_by([*learner, "run"]).aggregate(
        since=runs.since.min(), until=runs.until.max()
    )
    return merged.select(
        *learner,
        course_id=ibis.null("string"),
        since=merged.since,
        until=ibis.ifelse(merged.until == STILL, ibis.null("timestamp"), merged.until),
    )


@kpi("learners_by_country", "active learners per country (the contact's, else the account's; "
     "ISO 3166-1 alpha-2), with their learning-activity statements in a `statements` column",
     "learners", grain="all")  # fmt: skip
def learners_by_country(ctx: Context, query: Query) -> ir.Table:
    return ctx.finish(
        learning_activity(ctx),
        always_by(query, ("country",)),
        "learners_by_country",
        lambda t: t.learner.nunique(),
        extra={"statements": lambda t: t.count()},
    )


@kpi("learning_time_heatmap", "learning-activity statements by weekday (1 = Monday to 7) by "
     "hour (0-23), in the learner's own time zone when known, else the organisation's",
     "statements", grain="all", dimensions=HEATMAP_DIMENSIONS)  # fmt: skip
def learning_time_heatmap(ctx: Context, query: Query) -> ir.Table:
    rows = learning_activity(ctx)
    facts = rows.rename(weekday="learner_weekday", hour="learner_hour")
    query = always_by(query, ("weekday", "hour"))
    return ctx.finish(
        facts, query, "learning_time_heatmap", lambda t: t.count(), dims=HEATMAP_DIMENSIONS
    )
