"""An account's commercial life: its contract, renewals, upsells, contractions and churn.

Contracts run a year and renew on their anniversary; an account churns at a renewal or not at
all. Before the window opens every account renewed (it is still a customer when the data
begins); inside it, the chance of churning at a renewal is the segment's, times the true
relative risk when the account is trained by then. The same uniform draw decides what would have
happened untrained, so the churns training prevented are counted exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from random import Random

from learnsight.demo import clock
from learnsight.demo.company import Account
from learnsight.demo.parameters import EFFECTS, MODEL


@dataclass
class Lifecycle:
    revenue: list[tuple[date, str, Decimal]] = field(default_factory=list)  # (date, kind, amount)
    churned_at: date | None = None
    renewal_date: date | None = None  # the next renewal, or the one the account did not make
    arr: Decimal = Decimal(0)  # now, or when it churned
    seats: int = 0
    # Renewals inside the window: (date, trained by then, churned).
    renewals: list[tuple[date, bool, bool]] = field(default_factory=list)
    # The first renewal at which it would have churned had it never been trained (same draws).
    untrained_churn: date | None = None
    untrained_churn_arr: Decimal = Decimal(0)  # the ARR it would have lost then

    @property
    def end(self) -> int:
        """When the account's activity stops: its churn, else the end of the window."""
        return clock.at_midnight(self.churned_at) if self.churned_at else clock.END


def anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def simulate(seed: int, account: Account, trained_at: int | None) -> Lifecycle:
    rng = Random(f"{seed}/lifecycle/{account.index}")
    life = Lifecycle(arr=account.arr, seats=account.seats)
    life.revenue.append((account.contract_start, "new", account.arr))
    years = 1
    while True:
        previous = anniversary(account.contract_start, years - 1)
        renewal = anniversary(account.contract_start, years)
        upsells(rng, account, life, previous, min(renewal, clock.WINDOW_END))
        if renewal >= clock.WINDOW_END:
            life.renewal_date = renewal
            return life
        if renewal >= clock.WINDOW_START and churns(rng, account, life, renewal, trained_at):
            life.revenue.append((renewal, "churn", life.arr))
            life.churned_at = life.renewal_date = renewal
            return life
        if renewal >= clock.WINDOW_START and rng.random() < MODEL.contraction_chance:
            cut = money(life.arr * Decimal(rng.uniform(*MODEL.contraction_size)), account.currency)
            life.arr -= cut
            life.seats = max(1, round(life.seats * float(life.arr / (life.arr + cut))))
            life.revenue.append((renewal, "contraction", cut))
        life.revenue.append((renewal, "renewal", life.arr))
        years += 1


def churns(
    rng: Random, account: Account, life: Lifecycle, renewal: date, trained_at: int | None
) -> bool:
    untrained = account.segment.churn_at_renewal
    trained = trained_at is not None and trained_at < clock.at_midnight(renewal)
    chance = untrained * (EFFECTS.churn_relative_risk if trained else 1.0)
    draw = rng.random()
    if draw < untrained and life.untrained_churn is None:
        life.untrained_churn, life.untrained_churn_arr = renewal, life.arr
    life.renewals.append((renewal, trained, draw < chance))
    return draw < chance


def upsells(rng: Random, account: Account, life: Lifecycle, begin: date, end: date) -> None:
    """Expansions during a contract year: a Poisson process at the segment's yearly rate."""
    rate = account.segment.upsells_per_year * EFFECTS.upsell_rate_ratio / 365
    day = clock.day_number(begin)
    while True:
        day += 1 + int(rng.expovariate(rate))
        if day >= clock.day_number(end):
            return
        added = money(life.arr * Decimal(rng.uniform(*MODEL.upsell_size)), account.currency)
        life.seats += max(1, round(life.seats * float(added / life.arr)))
        life.arr += added
        life.revenue.append((clock.date_of(day), "upsell", added))


def money(amount: Decimal, currency: str) -> Decimal:
    """Rounded as a contract would be: whole hundreds (ten thousands of yen)."""
    step = Decimal(10_000 if currency == "JPY" else 100)
    return max(step, (amount / step).quantize(Decimal(1)) * step)
