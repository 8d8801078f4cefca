"""feature_adoption: the share of accounts, or users, that used a product feature.

A feature is a product event name (`param feature:NAME`). At account level (the default) the
population of a period is the accounts active on any of its days, and an account used the feature
when any of its users sent the event in the period. At user level (`level:user`) it is the users
who sent any product event in the period; a user is the resolved contact, else the product's
user id or e-mail, and `trained` is the user's own state as a learner.

Before and after training (`phase:before` / `phase:after`): the event is an account's (a user's)
first completion of a course the catalog says teaches the feature (catalog.features); the value
is the share of those trained in the period that used the feature in the `days` days before that
day, or in the `days` days after it (the day itself is in neither). They count when both windows
lie within the product data (from the first product event's day to the last one's).
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir

from learnsight.metrics.accounts import (
    ACCOUNT_DIMENSIONS,
    active_during,
    at_period_end,
    dated_in_period,
    finish_accounts,
    lives_by_period,
    product_usage,
    share,
    with_training,
)
from learnsight.metrics.context import Context
from learnsight.metrics.kpi_params import choice, day_count, required
from learnsight.metrics.periods import ONE_DAY, Calendar, query_calendar, span
from learnsight.metrics.query import Query, QueryError
from learnsight.metrics.registry import Param, kpi
from learnsight.metrics.trained import learners_trained, trainings_by_subject

LEVELS = ("account", "user")
PHASES = ("period", "before", "after")


def with_user_training(ctx: Context, facts: ir.Table) -> ir.Table:
    """Facts (user, as_of, ...) with `is_trained`: the user, as a learner, trained before as_of."""
    trained = learners_trained(ctx)
    joined = facts.left_join(trained, facts.user == trained.learner)
    is_trained = joined.trained_on.notnull() & (joined.trained_on < joined.as_of)
    return joined.select(*facts.columns, is_trained=is_trained)


def adoption_in_periods(
    ctx: Context, query: Query, feature: str, level: str
) -> tuple[Calendar, ir.Table]:
    usage = product_usage(ctx)
    cal = query_calendar(ctx, query, [span(usage, "day")])
    dated = dated_in_period(usage, cal, "day")
    if level == "user":
        users = dated.group_by(["period", "period_end", "user"]).aggregate(
            account_id=dated.account_id.max(), used=(dated.event == feature).any()
        )
        return cal, with_user_training(ctx, users.mutate(as_of=users.period_end))
    rows = lives_by_period(ctx, cal.table)
    rows = rows.filter(active_during(rows, rows.period_start, rows.period_end))
    users = dated.filter((dated.event == feature) & dated.account_id.notnull())
    used = users.select("period", user_account=users.account_id).distinct()
    used = used.mutate(used=ibis.literal(True))
    joined = rows.left_join(
        used, (rows.period == used.period) & (rows.account_id == used.user_account)
    )
    return cal, at_period_end(ctx, joined.select(*rows.columns, used=joined.used))


def feature_trainings(ctx: Context, feature: str, level: str) -> ir.Table:
    """(key, account_id, event_on): when each account (user) first completed a course that
    teaches the feature; the key is the account, or the user."""
    courses = ctx.courses
    teaching = courses.filter(courses.features.contains(feature)).count()
    if teaching.to_pyarrow().as_py() == 0:
        raise QueryError(
            f"param feature: no catalog course teaches {feature!r} (catalog.features), "
            "so there is no training to compare before and after"
        )
    done = trainings_by_subject(ctx, "features")
    done = done.filter(done.subject == feature)
    if level == "user":
        return done.group_by(done.learner.name("key")).aggregate(
            account_id=done.account_id.max(), event_on=done.trained_on.min()
        )
    done = done.filter(done.account_id.notnull())
    return done.group_by(done.account_id.name("key")).aggregate(
        account_id=done.account_id.max(), event_on=done.trained_on.min()
    )


def adoption_around_training(
    ctx: Context, query: Query, feature: str, level: str, phase: str
) -> tuple[Calendar, ir.Table]:
    window = timedelta(days=day_count(query, "days"))
    usage = product_usage(ctx)
    events = feature_trainings(ctx, feature, level)
    events = events.filter(
        (events.event_on - window >= usage.day.min().as_scalar())
        & (events.event_on + window < (usage.day.max() + ONE_DAY).as_scalar())
    )
    cal = query_calendar(ctx, query, [span(events, "event_on")])
    cohort = dated_in_period(events, cal, "event_on")
    if phase == "before":
        cohort = cohort.mutate(start=cohort.event_on - window, end=cohort.event_on)
    else:
        cohort = cohort.mutate(
            start=cohort.event_on + ONE_DAY, end=cohort.event_on + ONE_DAY + window
        )
    key = "user" if level == "user" else "account_id"
    uses = usage.filter((usage.event == feature) & usage[key].notnull())
    uses = uses.select(use_key=uses[key], use_day=uses.day)
    joined = cohort.inner_join(uses, cohort.key == uses.use_key)
    inside = (joined.use_day >= joined.start) & (joined.use_day < joined.end)
    used = joined.filter(inside).select("period", "key").distinct().mutate(used=True)
    facts = cohort.left_join(used, ["period", "key"])
    facts = facts.select(
        cohort.period, cohort.period_end, cohort.key, cohort.account_id,
        as_of=cohort.event_on + ONE_DAY, used=facts.used.fill_null(False),
    )  # fmt: skip
    if level == "user":
        return cal, with_user_training(ctx, facts.rename(user="key"))
    return cal, with_training(ctx, facts.drop("key"))


@kpi("feature_adoption", "share of the accounts active in the period (or, level=user, of the "
     "users active in the product) that used the feature; with phase=before or after, of those "
     "trained in the period on a course teaching it, in the `days` days before or after",
     "share", dimensions=ACCOUNT_DIMENSIONS, params={
         "feature": Param("", "the feature's product event name (required)"),
         "level": Param("account", "account or user"),
         "phase": Param("period", "period, before or after (the training that teaches it)"),
         "days": Param("90", "days in each window before and after the training day"),
     })  # fmt: skip
def feature_adoption(ctx: Context, query: Query) -> ir.Table:
    feature = required(query, "feature", "the product event name of the feature")
    level = choice(query, "level", LEVELS)
    phase = choice(query, "phase", PHASES)
    if phase == "period":
        cal, facts = adoption_in_periods(ctx, query, feature, level)
    else:
        cal, facts = adoption_around_training(ctx, query, feature, level, phase)
    return finish_accounts(ctx, facts, query, "feature_adoption", share("used"), cal.table)
