"""Money in the reporting currency: amounts converted with the imported exchange rates.

A rate (fx_rates.rate) is how many reporting-currency units one unit of its currency buys; the
rate used for a date is the latest one on or before it. The reporting currency converts at 1,
and an amount without a currency is taken to be in the reporting currency. An amount with no rate
on or before its date converts to null, so the KPIs that sum it say null rather than a wrong
total: import the missing rates.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from learnsight.metrics.context import Context

RATES = ibis.schema({"currency": "string", "on": "date", "rate": "float64"})


def currency_or_reporting(ctx: Context, currency: ir.StringValue) -> ir.StringValue:
    return currency.fill_null(ctx.organisation["reporting_currency"])


def rate_table(ctx: Context, days: ir.Table) -> ir.Table:
    """(currency, on, rate): the rate of every imported currency, and of the reporting currency,
    on each date of the one-column table `days` (column `on`)."""
    reporting = ctx.organisation["reporting_currency"]
    fx = ctx.table("fx_rates").select(fx_currency="currency", fx_date="date", rate="rate")
    days = days.select("on").distinct()
    pairs = days.cross_join(fx.select(currency="fx_currency").distinct())
    earlier = pairs.inner_join(fx, (pairs.currency == fx.fx_currency) & (fx.fx_date <= pairs.on))
    latest = earlier.group_by(["currency", "on"]).aggregate(fx_date=earlier.fx_date.max())
    dated = latest.inner_join(
        fx, (latest.currency == fx.fx_currency) & (latest.fx_date == fx.fx_date)
    ).select("currency", "on", "rate")
    dated = dated.filter(dated.currency != reporting)
    own = days.mutate(currency=ibis.literal(reporting), rate=ibis.literal(1.0))
    return ibis.union(*(t.select("currency", "on", "rate").cast(RATES) for t in (dated, own)))


def with_rate(facts: ir.Table, rates: ir.Table, currency: str, on: str, name: str) -> ir.Table:
    """`facts` with a column `name`: the rate (from `rate_table`) of its `currency` column on
    its `on` date; null when there is none."""
    facts = facts.view()  # Ibis 12 cannot add join predicates to a join's computed columns
    rates = rates.select(rate_currency="currency", rate_on="on", **{name: "rate"})
    joined = facts.left_join(
        rates, (facts[currency] == rates.rate_currency) & (facts[on] == rates.rate_on)
    )
    return joined.select(*facts.columns, name)
