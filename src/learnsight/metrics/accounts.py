"""The account model behind the business KPIs: when an account is active, its dimensions and
whether it is trained at a date.

An account is active from its contract start until its churn date: `accounts.churned_at`, else
the date of its first `churn` revenue event on or after the contract start. Dates are whole days;
"active at a date" means at the start of that day, so an account that starts on the first day of
a period is new in it, and one that churns on that day was active at its start and churned in it.
An account without a contract start has been active since before any data; one without a churn
date is active still.

Account-level facts carry `period`, `account_id`, `as_of` (the day whose start the trained state
is read at: the day after the period, or after the event) and `is_trained`; `finish_accounts`
adds the dimensions, applies the filters and aggregates, as `Context.finish` does for learners.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import ibis
import ibis.expr.types as ir

from learnsight.derived_tables import TICKETS, USAGE
from learnsight.metrics.context import Context, ratio
from learnsight.metrics.money import currency_or_reporting
from learnsight.metrics.periods import Calendar, overlap_days
from learnsight.metrics.query import GRAIN_UNITS, Query
from learnsight.metrics.trained import accounts_trained

ACCOUNT_DIMENSIONS = ("account", "segment", "industry", "country", "trained", "cohort")
FIRST_DAY = date(1, 1, 1)  # an account without a contract start: active since always
LAST_DAY = date(9999, 12, 31)  # an account without a churn date: active still

Measure = Callable[[ir.Table], ir.Value]


def churn_events(ctx: Context) -> ir.Table:
    """(account_id, churn_event_on): each account's first churn event on or after its start."""
    events = ctx.table("revenue_events")
    accounts = ctx.table("accounts").select(start_id="id", start="contract_start")
    churns = events.filter(events.kind == "churn")
    joined = churns.inner_join(accounts, churns.account_id == accounts.start_id)
    joined = joined.filter(joined.start.isnull() | (joined.date >= joined.start))
    return joined.group_by("account_id").aggregate(churn_event_on=joined.date.min())


def account_lives(ctx: Context) -> ir.Table:
    """One row per account: seats, ARR and its currency, contract start, churn date, and its
    active days [active_from, active_to)."""
    accounts = ctx.table("accounts")
    churns = churn_events(ctx)
    joined = accounts.left_join(churns, accounts.id == churns.account_id)
    churn_on = joined.churned_at.fill_null(joined.churn_event_on)
    return joined.select(
        account_id=joined.id,
        seats=joined.seats,
        arr=joined.arr,
        currency=currency_or_reporting(ctx, joined.currency),
        contract_start=joined.contract_start,
        churn_on=churn_on,
        active_from=joined.contract_start.fill_null(FIRST_DAY),
        active_to=churn_on.fill_null(LAST_DAY),
    )


def active_at(lives: ir.Table, day: ir.DateValue) -> ir.BooleanValue:
    """Active at the start of `day`: started before it, not churned before it."""
    return (lives.active_from < day) & (lives.active_to >= day)


def active_during(lives: ir.Table, start: ir.DateValue, end: ir.DateValue) -> ir.BooleanValue:
    """Active on at least one day of [start, end)."""
    return (lives.active_from < end) & (lives.active_to > start)


def lives_by_period(ctx: Context, calendar: ir.Table) -> ir.Table:
    """Every account beside every period of the calendar (filter them as the KPI needs)."""
    return account_lives(ctx).cross_join(calendar)


def account_spans(ctx: Context) -> list[ir.Table]:
    """The days the account data covers: contract starts, churns and revenue events."""
    a = ctx.table("accounts")
    r = ctx.table("revenue_events")
    return [
        a.aggregate(first=a.contract_start.min(), last=a.contract_start.max()),
        a.aggregate(first=a.churned_at.min(), last=a.churned_at.max()),
        r.aggregate(first=r.date.min(), last=r.date.max()),
    ]


def share(flag: str) -> Measure:
    """The share of rows whose boolean column `flag` is true (null over no rows)."""
    # A boolean's own sum counts its true values; a cast to int64 first fails on PostgreSQL.
    return lambda t: ratio(t[flag].fill_null(False).sum(), t.count())


def at_period_end(ctx: Context, rows: ir.Table) -> ir.Table:
    """Period facts with the trained state read at the end of their period."""
    return with_training(ctx, rows.mutate(as_of=rows.period_end))


def active_on(rows: ir.Table, day: ir.DateValue) -> ir.BooleanValue:
    """Active during `day`: from its contract start day to the day before its churn."""
    return (day >= rows.active_from) & (day < rows.active_to)


def dated_in_period(events: ir.Table, cal: Calendar, day: str) -> ir.Table:
    """Events beside the period holding their `day` (columns period, period_start,
    period_end), those outside the calendar left out."""
    # A view: Ibis 12 cannot join a selection over a join on its computed columns otherwise.
    events = events.view()
    if cal.first is None or cal.end is None:  # no period
        return events.inner_join(cal.table, ibis.literal(False))
    inside = events.filter(
        (events[day] >= ibis.date(cal.first.isoformat()))
        & (events[day] < ibis.date(cal.end.isoformat()))
    )
    # A period is labelled by its bucket's first day: an equality join, not a range join.
    label = (
        ibis.date(cal.first.isoformat())
        if cal.grain == "all"
        else inside[day].truncate(GRAIN_UNITS[cal.grain])
    )
    return inside.mutate(period=label).inner_join(cal.table, "period")


def with_training(ctx: Context, facts: ir.Table) -> ir.Table:
    """Facts (account_id, as_of, ...) with `is_trained`: the account trained before `as_of`."""
    trained = accounts_trained(ctx).rename(trained_account="account_id")
    joined = facts.left_join(trained, facts.account_id == trained.trained_account)
    is_trained = joined.trained_on.notnull() & (joined.trained_on < joined.as_of)
    return joined.select(*facts.columns, is_trained=is_trained)


def with_account_dimensions(ctx: Context, facts: ir.Table, dims: list[str]) -> ir.Table:
    """Add a column per account dimension to facts with account_id and is_trained; dimensions
    the facts already carry (a ticket's topic, a cost's category) are kept as they are."""
    dims = [dim for dim in dims if dim not in facts.columns]
    if not dims:
        return facts
    accounts = ctx.table("accounts").select(
        dim_account="id", dim_segment="segment", dim_industry="industry", dim_country="country",
        dim_start="contract_start",
    )  # fmt: skip
    joined = facts.left_join(accounts, facts.account_id == accounts.dim_account)
    columns = {
        "account": joined.account_id,
        "segment": joined.dim_segment,
        "industry": joined.dim_industry,
        "country": joined.dim_country,
        "cohort": joined.dim_start.strftime("%Y-%m"),
        "trained": ibis.ifelse(joined.is_trained, "trained", "untrained"),
    }
    return joined.select(*facts.columns, **{dim: columns[dim] for dim in dims})


def finish_accounts(
    ctx: Context,
    facts: ir.Table,
    query: Query,
    name: str,
    measure: Measure,
    calendar: ir.Table | None = None,
    dims: tuple[str, ...] = ACCOUNT_DIMENSIONS,
) -> ir.Table:
    """Aggregate account-level facts (period, account_id, is_trained, ...) by period (unless the
    grain is "all") and the query's dimensions, after its filters. With a `calendar` and no
    dimensions, every period gets a row, null where the facts have none (an empty period)."""
    ctx.check_dimensions(query, dims)
    wanted = list(dict.fromkeys([*query.by, *query.filters]))
    facts = with_account_dimensions(ctx, facts, wanted)
    for dim, values in query.filters.items():
        facts = facts.filter(facts[dim].cast("string").isin(list(values)))
    keys = list(query.by)
    if query.grain != "all":
        keys = ["period", *keys]
    result = (facts.group_by(keys) if keys else facts).aggregate(**{name: measure(facts)})
    if calendar is None or query.by or query.grain == "all":
        return result
    periods = calendar.select("period")
    padded = periods.left_join(result, "period")
    return padded.select(periods.period, padded[name])


def account_months(
    rows: ir.Table, keys: list[str], start: str, end: str, months: ir.Table
) -> ir.Table:
    """(keys..., account_months): the active days of each row's account inside its window
    [start, end), each day counting 1/(length of its calendar month): a whole month is 1."""
    joined = rows.inner_join(
        months, (months.month_start < rows[end]) & (months.month_end > rows[start])
    )
    days = overlap_days(
        [joined[start], joined.active_from, joined.month_start],
        [joined[end], joined.active_to, joined.month_end],
    )
    return joined.group_by(keys).aggregate(
        account_months=(days.cast("float64") / joined.month_days).sum()
    )


def account_tickets(ctx: Context) -> ir.Table:
    """(account_id, topic, day): every ticket, with its own account else its requester's
    (identity resolution), and the local day it was opened; kept by metrics.facts."""
    return ctx.table(TICKETS.table)


def product_usage(ctx: Context) -> ir.Table:
    """(user, account_id, event, day): product usage, kept by metrics.facts."""
    return ctx.table(USAGE.table)
