"""Business-impact KPIs at account level: coverage, churn, renewals, upsells, revenue retention,
time to value and programme cost. Ticket and feature KPIs live in metrics.tickets and
metrics.adoption.

Each period is tested against the accounts' states at its ends (metrics.accounts): "active at
its start" is active at the start of its first day, "at its end" at the start of the day after
it. Split by `trained`, an account's state is read at the end of the period. Ratios give a row
for every period of the range (null where the denominator is empty) unless split by a dimension.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from learnsight.metrics import adoption, tickets  # noqa: F401  (register their KPIs)
from learnsight.metrics.accounts import (
    ACCOUNT_DIMENSIONS,
    account_lives,
    account_spans,
    active_at,
    at_period_end,
    dated_in_period,
    finish_accounts,
    lives_by_period,
    product_usage,
    share,
)
from learnsight.metrics.context import Context, ratio
from learnsight.metrics.money import currency_or_reporting, rate_table, with_rate
from learnsight.metrics.periods import ONE_DAY, overlap_days, query_calendar, span
from learnsight.metrics.query import Query, QueryError
from learnsight.metrics.registry import kpi
from learnsight.metrics.trained import learner_training

DIMENSIONS = ACCOUNT_DIMENSIONS


@kpi("training_coverage", "share of the accounts active at the end of the period that are "
     "trained by then", "share", dimensions=DIMENSIONS)  # fmt: skip
def training_coverage(ctx: Context, query: Query) -> ir.Table:
    cal = query_calendar(ctx, query, account_spans(ctx))
    rows = lives_by_period(ctx, cal.table)
    rows = at_period_end(ctx, rows.filter(active_at(rows, rows.period_end)))
    return finish_accounts(ctx, rows, query, "training_coverage", share("is_trained"), cal.table)


@kpi("seat_coverage", "trained learners of the accounts active at the end of the period, "
     "over their seats", "share", dimensions=DIMENSIONS)  # fmt: skip
def seat_coverage(ctx: Context, query: Query) -> ir.Table:
    cal = query_calendar(ctx, query, account_spans(ctx))
    rows = lives_by_period(ctx, cal.table)
    rows = rows.filter(active_at(rows, rows.period_end) & rows.seats.notnull())
    learners = learner_training(ctx)
    learners = learners.filter(learners.account_id.notnull()).rename(learner_account="account_id")
    pairs = cal.table.cross_join(learners)
    pairs = pairs.filter(pairs.trained_at.date() < pairs.period_end)
    counts = pairs.group_by(["period", "learner_account"]).aggregate(
        trained_learners=pairs.learner.nunique()
    )
    joined = rows.left_join(
        counts, (rows.period == counts.period) & (rows.account_id == counts.learner_account)
    )
    facts = joined.select(*rows.columns, trained_learners=joined.trained_learners.fill_null(0))
    facts = at_period_end(ctx, facts)

    def coverage(t: ir.Table) -> ir.Value:
        return ratio(t.trained_learners.sum(), t.seats.sum())

    return finish_accounts(ctx, facts, query, "seat_coverage", coverage, cal.table)


@kpi("customer_churn_rate", "accounts active at the start of the period that churned in it, "
     "over the accounts active at its start", "share", dimensions=DIMENSIONS)  # fmt: skip
def customer_churn_rate(ctx: Context, query: Query) -> ir.Table:
    cal = query_calendar(ctx, query, account_spans(ctx))
    rows = lives_by_period(ctx, cal.table)
    rows = rows.filter(active_at(rows, rows.period_start))
    churned = (rows.churn_on >= rows.period_start) & (rows.churn_on < rows.period_end)
    facts = at_period_end(ctx, rows.mutate(churned=churned))
    return finish_accounts(ctx, facts, query, "customer_churn_rate", share("churned"), cal.table)


@kpi("renewal_rate", "accounts renewed in the period over the accounts whose renewal fell due "
     "in it (a renewal event, or the account's renewal date)", "share",
     dimensions=DIMENSIONS)  # fmt: skip
def renewal_rate(ctx: Context, query: Query) -> ir.Table:
    cal = query_calendar(ctx, query, account_spans(ctx))
    events = ctx.table("revenue_events")
    renewals = events.filter(events.kind == "renewal")
    accounts = ctx.table("accounts")
    scheduled = accounts.filter(accounts.renewal_date.notnull())
    due = ibis.union(
        renewals.select(
            due_account=renewals.account_id.cast("string"), due_on=renewals.date.cast("date"),
            renewed=ibis.literal(True, "boolean"),
        ),
        scheduled.select(
            due_account=scheduled.id.cast("string"), due_on=scheduled.renewal_date.cast("date"),
            renewed=ibis.literal(False, "boolean"),
        ),
    )  # fmt: skip
    dated = dated_in_period(due, cal, "due_on")
    ids = accounts.select(known_id="id")
    known = dated.inner_join(ids, dated.due_account == ids.known_id)
    facts = known.group_by(["period", "period_end", "due_account"]).aggregate(
        renewed=known.renewed.any()
    )
    facts = at_period_end(ctx, facts.rename(account_id="due_account"))
    return finish_accounts(ctx, facts, query, "renewal_rate", share("renewed"), cal.table)


@kpi("upsell_rate", "accounts active at the start of the period with an upsell in it, over the "
     "accounts active at its start", "share", dimensions=DIMENSIONS)  # fmt: skip
def upsell_rate(ctx: Context, query: Query) -> ir.Table:
    cal = query_calendar(ctx, query, account_spans(ctx))
    rows = lives_by_period(ctx, cal.table)
    rows = rows.filter(active_at(rows, rows.period_start))
    events = ctx.table("revenue_events")
    upsells = events.filter(events.kind == "upsell").select(up_account="account_id", up_on="date")
    upsold = dated_in_period(upsells, cal, "up_on").select("period", "up_account")
    upsold = upsold.distinct().mutate(upsold=ibis.literal(True))
    joined = rows.left_join(
        upsold, (rows.period == upsold.period) & (rows.account_id == upsold.up_account)
    )
    facts = at_period_end(ctx, joined.select(*rows.columns, upsold=joined.upsold))
    return finish_accounts(ctx, facts, query, "upsell_rate", share("upsold"), cal.table)


def arr_changes(ctx: Context, rows: ir.Table, rates: ir.Table) -> ir.Table:
    """(period, account_id, later_start, later_end, unconverted): for each account active at a
    period's start, its upsells minus contractions dated on or after the start, and on or after
    the end, in the reporting currency at the rate of the period's start."""
    events = ctx.table("revenue_events")
    changes = events.filter(events.kind.isin(["upsell", "contraction"]))
    changes = changes.select(
        change_account="account_id",
        change_on="date",
        change_currency="currency",
        change=ibis.ifelse(changes.kind == "upsell", changes.amount, -changes.amount),
    )
    keys = rows.select("period", "period_start", "period_end", "account_id", "currency")
    joined = keys.inner_join(
        changes,
        (keys.account_id == changes.change_account) & (changes.change_on >= keys.period_start),
    )
    joined = joined.mutate(change_currency=joined.change_currency.fill_null(joined.currency))
    joined = with_rate(joined, rates, "change_currency", "period_start", "change_rate")
    converted = joined.change * joined.change_rate
    return joined.group_by(["period", "account_id"]).aggregate(
        later_start=converted.sum(),
        later_end=converted.sum(where=joined.change_on >= joined.period_end),
        unconverted=joined.change_rate.isnull().any(),
    )


def revenue_retention(ctx: Context, query: Query, name: str, expansion: bool) -> ir.Table:
    """ARR at the end of the period of the accounts active at its start, over their ARR at its
    start; without expansion each account counts at most its starting ARR."""
    cal = query_calendar(ctx, query, account_spans(ctx))
    rows = lives_by_period(ctx, cal.table)
    rows = rows.filter(active_at(rows, rows.period_start) & rows.arr.notnull())
    rows = rows.select(
        "period", "period_start", "period_end", "account_id", "arr", "currency", "active_from",
        "active_to",
    )  # fmt: skip
    rates = rate_table(ctx, cal.table.select(on="period_start"))
    rows = with_rate(rows, rates, "currency", "period_start", "arr_rate")
    changes = arr_changes(ctx, rows, rates)
    changes = changes.rename(change_period="period", change_account="account_id")
    joined = rows.left_join(
        changes,
        (rows.period == changes.change_period) & (rows.account_id == changes.change_account),
    )
    now = joined.arr * joined.arr_rate  # accounts.arr: the ARR now, or when it churned
    start = ibis.greatest(now - joined.later_start.fill_null(0), 0)
    end = ibis.greatest(now - joined.later_end.fill_null(0), 0)
    end = ibis.ifelse(active_at(joined, joined.period_end), end, 0)
    facts = joined.select(
        "period", "period_end", "account_id",
        arr_start=start, arr_end=end if expansion else ibis.least(end, start),
        unconverted=joined.arr_rate.isnull() | joined.unconverted.fill_null(False),
    )  # fmt: skip
    facts = at_period_end(ctx, facts)

    def retained(t: ir.Table) -> ir.Value:
        return ibis.ifelse(
            t.unconverted.any(), ibis.null(), ratio(t.arr_end.sum(), t.arr_start.sum())
        )

    return finish_accounts(ctx, facts, query, name, retained, cal.table)


@kpi("gross_revenue_retention", "ARR at the end of the period of the accounts active at its "
     "start, each capped at its starting ARR (no expansion), over their ARR at its start",
     "share", dimensions=DIMENSIONS)  # fmt: skip
def gross_revenue_retention(ctx: Context, query: Query) -> ir.Table:
    return revenue_retention(ctx, query, "gross_revenue_retention", expansion=False)


@kpi("net_revenue_retention", "ARR at the end of the period of the accounts active at its "
     "start, expansion included, over their ARR at its start", "share",
     dimensions=DIMENSIONS)  # fmt: skip
def net_revenue_retention(ctx: Context, query: Query) -> ir.Table:
    return revenue_retention(ctx, query, "net_revenue_retention", expansion=True)


@kpi("time_to_value", "median days from an account's contract start to its first value event "
     "(organisation setting value_events), over the accounts that reached value in the period",
     "days", dimensions=DIMENSIONS)  # fmt: skip
def time_to_value(ctx: Context, query: Query) -> ir.Table:
    names = list(ctx.organisation["value_events"])
    if not names:
        raise QueryError(
            "time_to_value: no value events; name them with "
            "`learnsight organisation set value_events 'Event A,Event B'`"
        )
    usage = product_usage(ctx)
    usage = usage.filter(usage.event.isin(names) & usage.account_id.notnull())
    lives = account_lives(ctx).select("account_id", "contract_start")
    lives = lives.filter(lives.contract_start >= product_usage(ctx).day.min().as_scalar())
    joined = usage.inner_join(lives, "account_id")
    joined = joined.filter(joined.day >= joined.contract_start)
    firsts = joined.group_by(["account_id", "contract_start"]).aggregate(value_on=joined.day.min())
    firsts = firsts.mutate(days=firsts.value_on.delta(firsts.contract_start, unit="day"))
    cal = query_calendar(ctx, query, [span(firsts, "value_on")])
    facts = at_period_end(ctx, dated_in_period(firsts, cal, "value_on"))
    return finish_accounts(
        ctx, facts, query, "time_to_value", lambda t: t.days.cast("float64").median(), cal.table
    )


@kpi("programme_cost", "imported programme costs in the period, in the reporting currency; a "
     "cost spanning several periods is spread over its days", "money",
     dimensions=("category",))  # fmt: skip
def programme_cost(ctx: Context, query: Query) -> ir.Table:
    costs = ctx.table("costs")
    costs = costs.select(
        cost_start=costs.period_start,
        cost_end=costs.period_end + ONE_DAY,  # the day after the last one
        category=costs.category,
        amount=costs.amount,
        cost_currency=currency_or_reporting(ctx, costs.currency),
    )
    rates = rate_table(ctx, costs.select(on="cost_start"))
    costs = with_rate(costs, rates, "cost_currency", "cost_start", "cost_rate")
    covered = costs.aggregate(first=costs.cost_start.min(), last=costs.cost_end.max() - ONE_DAY)
    cal = query_calendar(ctx, query, [covered])
    inside = (costs.cost_start < cal.table.period_end) & (costs.cost_end > cal.table.period_start)
    joined = costs.inner_join(cal.table, inside)
    days = overlap_days(
        [joined.cost_start, joined.period_start], [joined.cost_end, joined.period_end]
    )
    length = ibis.greatest(joined.cost_end.delta(joined.cost_start, unit="day"), 1)
    spread = joined.amount.cast("float64") * joined.cost_rate * days / length
    facts = joined.select("period", "category", money=spread)

    def total(t: ir.Table) -> ir.Value:
        return ibis.ifelse(t.money.isnull().any(), ibis.null(), t.money.sum().fill_null(0))

    return finish_accounts(ctx, facts, query, "programme_cost", total, dims=("category",))
