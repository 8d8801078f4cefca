"""Programme KPIs over learning records: enrolments, completions, withdrawals, activity.

Learners are contacts when identity resolution found one, else their xAPI actor key. A course's
completions and enrolments count each learner once per course.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from learnsight.metrics.context import Context, ratio
from learnsight.metrics.query import Query
from learnsight.metrics.registry import kpi


def learner_course(t: ir.Table) -> ir.StringValue:
    """One value per (learner, course) pair, to count pairs with nunique."""
    return t.learner.concat("\x1f", t.course_id.fill_null(""))


@kpi("enrollments", "learners who enrolled in the period", "learners")
def enrollments(ctx: Context, query: Query) -> ir.Table:
    return ctx.finish(ctx.events("enrolled"), query, "enrollments", lambda t: t.learner.nunique())


@kpi("completions", "completions that happened in the period (a learner once per course)",
     "completions")  # fmt: skip
def completions(ctx: Context, query: Query) -> ir.Table:
    facts = ctx.events("completed")
    return ctx.finish(facts, query, "completions", lambda t: learner_course(t).nunique())


@kpi("withdrawals", "learners who unenrolled or withdrew in the period", "learners")
def withdrawals(ctx: Context, query: Query) -> ir.Table:
    return ctx.finish(ctx.events("withdrawn"), query, "withdrawals", lambda t: t.learner.nunique())


@kpi("completion_rate", "of the learners who enrolled in the period, the share who have "
     "completed (as of now), per learner and course", "share")  # fmt: skip
def completion_rate(ctx: Context, query: Query) -> ir.Table:
    enrolled = ctx.events("enrolled")
    done = ctx.events("completed").select("learner", "course_id").distinct()
    done = done.mutate(completed=ibis.literal(True))
    facts = enrolled.left_join(done, ["learner", "course_id"]).select(
        *enrolled.columns, completed=ibis._.completed.fill_null(False)
    )

    def share(t: ir.Table) -> ir.Value:
        pair = learner_course(t)
        return ratio(pair.nunique(where=t.completed), pair.nunique())

    return ctx.finish(facts, query, "completion_rate", share)


@kpi("active_learners", "learners with learning activity (any counted statement but "
     "`registered`) in the period", "learners")  # fmt: skip
def active_learners(ctx: Context, query: Query) -> ir.Table:
    rows = ctx.learning
    active = rows.filter(~rows.verb_id.isin(list(ctx.verbs["enrolled"])))
    return ctx.finish(active, query, "active_learners", lambda t: t.learner.nunique())
