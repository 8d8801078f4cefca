"""Support tickets per account-month, in periods and around training; ticket deflection.

A ticket belongs to its own account, else to its requester's (identity resolution), and counts
on the local day it was opened, when its account was active that day. Exposure is measured in
account-months: each day an account is active counts 1/(the length of its calendar month), so an
account active for a whole month is one account-month.

Around training (`phase` before/after, and ticket_deflection), the event is the day an account
became trained, or, split or filtered by `topic`, the day one of its learners first completed a
course the catalog maps to that topic (catalog.ticket_topics). The before window is the `days`
days before that day, the after window the `days` days after it; the day itself is in neither.
An account counts, in the period holding its event day, when both windows lie within the ticket
data (from the first ticket's day to the last one's), so that a window the data does not cover
is never read as a window without tickets.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import ibis
import ibis.expr.types as ir

from learnsight.metrics.accounts import (
    ACCOUNT_DIMENSIONS,
    account_lives,
    account_months,
    account_tickets,
    active_on,
    at_period_end,
    dated_in_period,
    finish_accounts,
    lives_by_period,
    with_training,
)
from learnsight.metrics.context import Context, ratio
from learnsight.metrics.kpi_params import choice, day_count
from learnsight.metrics.periods import ONE_DAY, Calendar, months_between, query_calendar, span
from learnsight.metrics.query import Query
from learnsight.metrics.registry import Param, kpi
from learnsight.metrics.trained import accounts_trained, trainings_by_subject

DIMENSIONS = (*ACCOUNT_DIMENSIONS, "topic")
PHASES = ("period", "before", "after")
DAYS = Param("90", "days in each window before and after the training day")


def ticket_rows(query: Query, ctx: Context) -> ir.Table:
    """Tickets with an account, on the query's topics when it filters by topic."""
    rows = account_tickets(ctx)
    rows = rows.filter(rows.account_id.notnull())
    if "topic" in query.filters:
        rows = rows.filter(rows.topic.isin(list(query.filters["topic"])))
    return rows


def without_topic_filter(query: Query) -> Query:
    """The query for finishing facts whose tickets were already kept to its topics."""
    filters = {dim: values for dim, values in query.filters.items() if dim != "topic"}
    return dataclasses.replace(query, filters=filters)


def by_topic(query: Query) -> bool:
    return "topic" in query.by or "topic" in query.filters


def per_tickets_month(t: ir.Table, tickets: str, months: str) -> ir.Value:
    return ratio(t[tickets].sum(), t[months].sum())


def tickets_in_periods(ctx: Context, query: Query) -> tuple[Calendar, ir.Table]:
    """(period, account_id[, topic], tickets, account_months, is_trained) per active account."""
    tickets = ticket_rows(query, ctx)
    cal = query_calendar(ctx, query, [span(tickets, "day")])
    keys = ["period", "period_end", "account_id"]
    exposure = account_months(
        lives_by_period(ctx, cal.table), keys, "period_start", "period_end",
        months_between(cal.first, cal.end),
    )  # fmt: skip
    exposure = exposure.filter(exposure.account_months > 0)
    lives = account_lives(ctx).select("account_id", "active_from", "active_to")
    on_active_day = tickets.inner_join(lives, "account_id")
    on_active_day = on_active_day.filter(active_on(on_active_day, on_active_day.day))
    counted = dated_in_period(on_active_day, cal, "day")
    split = ["topic"] if "topic" in query.by else []
    if split:
        topics = tickets.filter(tickets.topic.notnull()).select("topic").distinct()
        exposure = exposure.cross_join(topics)
    counts = counted.group_by(["period", "account_id", *split]).aggregate(counted=ibis._.count())
    facts = exposure.left_join(counts, ["period", "account_id", *split])
    facts = facts.select(*exposure.columns, tickets=facts.counted.fill_null(0))
    return cal, at_period_end(ctx, facts)


def training_days(ctx: Context, query: Query) -> ir.Table:
    """(account_id[, topic], event_on): the day each account was trained, on each topic when
    the query splits or filters by topic."""
    if not by_topic(query):
        trained = accounts_trained(ctx)
        return trained.select("account_id", event_on=trained.trained_on)
    done = trainings_by_subject(ctx, "ticket_topics")
    done = done.filter(done.account_id.notnull())
    if "topic" in query.filters:
        done = done.filter(done.subject.isin(list(query.filters["topic"])))
    return done.group_by(["account_id", done.subject.name("topic")]).aggregate(
        event_on=done.trained_on.min()
    )


def tickets_around_training(ctx: Context, query: Query) -> tuple[Calendar, ir.Table]:
    """Per account (and topic) trained in a period: tickets and account-months in the `days`
    days before and after its training day."""
    days = day_count(query, "days")
    window = timedelta(days=days)
    tickets = ticket_rows(query, ctx)
    every = account_tickets(ctx)  # the ticket data's days, whatever the account or topic
    events = training_days(ctx, query)
    events = events.filter(
        (events.event_on - window >= every.day.min().as_scalar())
        & (events.event_on + window < (every.day.max() + ONE_DAY).as_scalar())
    )
    cal = query_calendar(ctx, query, [span(events, "event_on")])
    cohort = dated_in_period(events, cal, "event_on")
    lives = account_lives(ctx).select("account_id", "active_from", "active_to")
    cohort = cohort.inner_join(lives, "account_id")
    cohort = cohort.mutate(
        before_start=cohort.event_on - window, after_start=cohort.event_on + ONE_DAY,
        after_end=cohort.event_on + ONE_DAY + window, as_of=cohort.event_on + ONE_DAY,
    )  # fmt: skip
    split = ["topic"] if by_topic(query) else []
    keys = ["period", "account_id", *split]
    months = months_between(
        cal.first - window if cal.first else None, cal.end + window + ONE_DAY if cal.end else None
    )
    before = account_months(cohort, keys, "before_start", "event_on", months)
    after = account_months(cohort, keys, "after_start", "after_end", months)
    tickets = tickets.rename(ticket_account="account_id", ticket_topic="topic")
    joined = cohort.inner_join(tickets, cohort.account_id == tickets.ticket_account)
    if split:
        joined = joined.filter(joined.ticket_topic == joined.topic)
    joined = joined.filter(active_on(joined, joined.day))
    counts = joined.group_by(keys).aggregate(
        before_tickets=ibis._.count(
            where=(joined.day >= joined.before_start) & (joined.day < joined.event_on)
        ),
        after_tickets=ibis._.count(
            where=(joined.day >= joined.after_start) & (joined.day < joined.after_end)
        ),
    )
    facts = cohort.select(*keys, "period_end", "as_of")
    facts = facts.left_join(before.rename(before_months="account_months"), keys).select(
        *facts.columns, "before_months"
    )
    facts = facts.left_join(after.rename(after_months="account_months"), keys).select(
        *facts.columns, "after_months"
    )
    facts = facts.left_join(counts, keys)
    facts = facts.select(
        *keys, "period_end", "as_of",
        before_months=facts.before_months.fill_null(0),
        after_months=facts.after_months.fill_null(0),
        before_tickets=facts.before_tickets.fill_null(0),
        after_tickets=facts.after_tickets.fill_null(0),
    )  # fmt: skip
    return cal, with_training(ctx, facts)


@kpi("tickets_per_account", "tickets per account-month: with phase=period, of the accounts "
     "active in the period; with phase=before or after, of the accounts trained in the period, "
     "in the `days` days before or after their training", "tickets per account-month",
     dimensions=DIMENSIONS, params={
         "phase": Param("period", "period, before or after (the account's training)"),
         "days": DAYS,
     })  # fmt: skip
def tickets_per_account(ctx: Context, query: Query) -> ir.Table:
    phase = choice(query, "phase", PHASES)
    name = "tickets_per_account"
    if phase == "period":
        cal, facts = tickets_in_periods(ctx, query)

        def rate(t: ir.Table) -> ir.Value:
            return per_tickets_month(t, "tickets", "account_months")
    else:
        cal, facts = tickets_around_training(ctx, query)

        def rate(t: ir.Table) -> ir.Value:
            return per_tickets_month(t, f"{phase}_tickets", f"{phase}_months")

    finish_query = without_topic_filter(query) if "topic" not in query.by else query
    return finish_accounts(ctx, facts, finish_query, name, rate, cal.table, DIMENSIONS)


@kpi("ticket_deflection", "tickets per account-month in the `days` days before the accounts "
     "trained in the period were trained, minus in the `days` days after (per topic: training "
     "on a course addressing it)", "tickets per account-month", dimensions=DIMENSIONS,
     params={"days": DAYS})  # fmt: skip
def ticket_deflection(ctx: Context, query: Query) -> ir.Table:
    cal, facts = tickets_around_training(ctx, query)

    def deflected(t: ir.Table) -> ir.Value:
        before = per_tickets_month(t, "before_tickets", "before_months")
        after = per_tickets_month(t, "after_tickets", "after_months")
        return before - after

    finish_query = without_topic_filter(query) if "topic" not in query.by else query
    return finish_accounts(ctx, facts, finish_query, "ticket_deflection", deflected, cal.table,
                           DIMENSIONS)  # fmt: skip
