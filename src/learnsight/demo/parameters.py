"""Every knob of the demo company's model, in one place; ground_truth.json records them all.

Two kinds: the true effects of training, and the segment profiles. The profiles are where the
confounding lives: bigger accounts train more *and*, independently of training, churn less and
rate the vendor higher, so comparing trained with untrained accounts naively overstates what
training does. docs/demo.md explains each parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Effects:
    """The true effects of training, each applied from the moment it can act (docs/demo.md)."""

    # Chance of churning at a renewal, trained account / untrained (a relative risk).
    churn_relative_risk: float = 0.6
    # Rate of tickets on a topic a course addresses, once someone at the account completed it.
    ticket_rate_ratio: float = 0.6
    # A user's monthly hazard of adopting a feature, after completing a course teaching it.
    adoption_hazard_ratio: float = 2.5
    # Remaining time to the first value event, once the account is trained.
    time_to_value_ratio: float = 0.5
    # Points added to an NPS answer (0-10) from a trained account.
    nps_shift: float = 1.5
    # Upsells: no effect at all, so an analysis that finds one has been fooled by confounding.
    upsell_rate_ratio: float = 1.0


@dataclass(frozen=True)
class Segment:
    name: str
    share: float  # of accounts
    seats: tuple[int, int, int]  # lowest, median, highest
    price_per_seat: float  # US dollars a year
    academy_logit: float  # log-odds that the account sends people to the academy at all
    enrol_share: float  # of its people who enrol, when it does
    churn_at_renewal: float  # chance of churning at a renewal when untrained
    ttv_median_days: float  # median days from contract start to first value, untrained
    nps_mean: float  # mean NPS answer when untrained
    upsells_per_year: float


SEGMENTS: tuple[Segment, ...] = (
    Segment("SMB", 0.60, (5, 15, 49), 420.0, -1.2, 0.45, 0.24, 30.0, 6.4, 0.10),
    Segment("mid-market", 0.30, (50, 150, 499), 360.0, 0.0, 0.50, 0.13, 55.0, 7.0, 0.20),
    Segment("enterprise", 0.10, (500, 1200, 5000), 300.0, 1.3, 0.55, 0.06, 90.0, 7.6, 0.30),
)
SEGMENT_BY_NAME = {segment.name: segment for segment in SEGMENTS}


@dataclass(frozen=True)
class Model:
    """The rest of the model: behaviour that is the same for every segment."""

    existing_share: float = 0.45  # accounts already customers when the window opens
    first_existing_start: date = date(2021, 1, 1)
    last_new_start: date = date(2025, 10, 31)
    academy_seat_slope: float = 0.5  # log-odds of the academy per log-seat above the median
    account_actor_share: float = 0.18  # learners known to the LRS by LMS account, not e-mail
    free_mail_stray: float = 0.12  # chance an academy account has a learner on a free-mail address
    unlisted_stray: float = 0.10  # ... and one at its domain whom the CRM does not know
    standalone_course: float = 0.35  # chance a learner also takes a course outside any path
    unregister_share: float = 0.35  # of learners who drop out, those who withdraw explicitly
    tickets_per_root_seat_month: float = 0.22  # ticket rate = this x sqrt(seats), per month
    onboarding_ticket_factor: float = 1.6  # more tickets in an account's first 90 days
    onboarding_days: int = 90
    ttv_spread: float = 0.7  # sigma of log(time to value)
    sign_ins_per_month: float = 0.5
    value_uses_per_month: float = 0.3
    nps_spread: float = 1.8  # standard deviation of an NPS answer
    nps_invited: float = 0.4  # of an account's contacts, per campaign
    nps_response: float = 0.35
    csat_response: float = 0.30  # of solved tickets
    ces_response: float = 0.20
    smile_response: float = 0.45  # of completions
    upsell_size: tuple[float, float] = (0.10, 0.35)  # share of ARR added
    contraction_chance: float = 0.08  # at a renewal
    contraction_size: tuple[float, float] = (0.10, 0.25)


EFFECTS = Effects()
MODEL = Model()
