"""Support tickets, and the CSAT and CES answers that follow solved ones.

Tickets arrive as a Poisson process whose rate grows with the square root of seats and is
higher in an account's first 90 days (onboarding). A ticket on a topic that a course addresses,
arriving after one of the account's contacts completed that course, is kept only with the true
rate ratio's probability: the others are the tickets training deflected, counted in the tally.
Topics no course addresses (billing, performance, bugs) are never touched, which makes them a
comparison group for a before/after analysis.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import accumulate
from random import Random

from learnsight.demo import clock
from learnsight.demo.catalog import TICKET_TOPICS
from learnsight.demo.company import Person, stray, token
from learnsight.demo.parameters import EFFECTS, MODEL
from learnsight.demo.story import Story
from learnsight.demo.tables import Sink
from learnsight.demo.truth import Tally

MONTH = 30 * clock.DAY
TOPICS = [topic for topic, _ in TICKET_TOPICS]
TOPIC_TOTALS = list(accumulate(weight for _, weight in TICKET_TOPICS))
CHANNELS = ("email", "web", "chat", "phone")
CHANNEL_WEIGHTS = (45, 25, 22, 8)
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_WEIGHTS = (25, 50, 20, 5)
SOLVE_HOURS = {"low": 40, "normal": 20, "high": 8, "urgent": 3}  # medians
REQUESTER_WEIGHT = {"admin": 3.0, "end user": 2.0, "developer": 2.0, "manager": 1.0,
                    "executive": 0.3, "billing": 1.0}  # fmt: skip
# Answer weights for scores 1..5 (CSAT) and 1..7 (CES, 7 = very easy) by how fast it was solved.
CSAT_WEIGHTS = {"fast": (2, 3, 8, 30, 57), "slow": (10, 12, 20, 30, 28)}
CES_WEIGHTS = {"fast": (1, 2, 4, 8, 15, 30, 40), "slow": (6, 8, 12, 18, 22, 20, 14)}
COMMENTS = {
    "low": ("Took far too long to get an answer.", "Had to explain the problem three times."),
    "high": ("Quick and helpful, thank you!", "Solved on the first reply."),
}


def emit_tickets(
    seed: int, story: Story, sinks: tuple[Sink, Sink], tally: Tally, numbers: Iterator[int]
) -> None:
    """Tickets of one account into sinks[0], their CSAT/CES answers into sinks[1]."""
    rng = Random(f"{seed}/support/{story.account.index}")
    account = story.account
    contract = clock.at_midnight(account.contract_start)
    onboarding_ends = contract + MODEL.onboarding_days * clock.DAY
    factor = MODEL.onboarding_ticket_factor
    peak = MODEL.tickets_per_root_seat_month * math.sqrt(account.seats) * factor / MONTH
    coverage = story.topic_coverage()
    moment = max(contract, clock.START)
    while True:
        moment += 1 + int(rng.expovariate(peak))
        if moment >= story.life.end:
            return
        if moment >= onboarding_ends and rng.random() >= 1 / factor:
            continue  # thinning: the rate outside onboarding is the peak divided by the factor
        topic = pick_topic(rng)
        covered = coverage.get(topic)
        deflected = covered is not None and covered <= moment
        deflected = deflected and rng.random() >= EFFECTS.ticket_rate_ratio
        if deflected:
            tally.ticket(topic, deflected=True)
        elif ticket(rng, story, sinks, topic, moment, numbers, onboarding_ends):
            tally.ticket(topic, deflected=False)


def pick_topic(rng: Random) -> str:
    point = rng.random() * TOPIC_TOTALS[-1]
    return TOPICS[next(i for i, total in enumerate(TOPIC_TOTALS) if point < total)]


def ticket(
    rng: Random,
    story: Story,
    sinks: tuple[Sink, Sink],
    topic: str,
    moment: int,
    numbers: Iterator[int],
    onboarding_ends: int,
) -> bool:
    """Write one ticket; False when the requester's next working hour is past the account's end."""
    account = story.account
    person = requester(rng, story, moment)
    created = clock.WORK.moment(rng, person.zone, moment)
    if created >= story.life.end:
        return False
    number = str(next(numbers))
    priority = rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0]
    hours = SOLVE_HOURS[priority] * math.exp(rng.gauss(0, 1.0))
    solved: int | None = created + int(hours * clock.HOUR)
    if solved is not None and solved >= clock.END:
        solved = None  # still open when the data was exported
    tags = [topic]
    if created < onboarding_ends:
        tags.append("onboarding")
    if account.segment.name == "enterprise":
        tags.append("vip")
    known = person.listed and rng.random() < 0.9  # the help desk knows the organisation
    account_id = account.id if known else None
    channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
    sinks[0].add((number, account_id, person.email, created, solved, topic, tags, channel,
                  priority))  # fmt: skip
    if solved is not None:
        follow_up(rng, person, account_id, number, solved, hours, sinks[1])
    return True


def requester(rng: Random, story: Story, moment: int) -> Person:
    """Usually a contact; sometimes a colleague the CRM lacks, or someone's personal address."""
    account = story.account
    draw = rng.random()
    if draw < 0.08:
        used = {p.email for p in account.people}
        return stray(rng, account, free_mail=draw < 0.03, used=used)
    people = [p for p in account.people if p.created <= moment] or account.people[:1]
    weights = [REQUESTER_WEIGHT[p.role] for p in people]
    return rng.choices(people, weights=weights)[0]


def follow_up(
    rng: Random,
    person: Person,
    account_id: str | None,
    number: str,
    solved: int,
    hours: float,
    surveys: Sink,
) -> None:
    """The satisfaction (1-5) and effort (1-7) surveys sent when a ticket is solved."""
    speed = "fast" if hours < 12 else "slow"
    for kind, chance, weights in (
        ("csat", MODEL.csat_response, CSAT_WEIGHTS[speed]),
        ("ces", MODEL.ces_response, CES_WEIGHTS[speed]),
    ):
        if rng.random() >= chance:
            continue
        answered = clock.WORK.moment(rng, person.zone, solved + int(rng.expovariate(1 / 6) * 3600))
        if answered >= clock.END:
            continue
        score = rng.choices(range(1, len(weights) + 1), weights=weights)[0]
        comment = None
        if rng.random() < 0.2:
            mood = "high" if score > len(weights) / 2 else "low"
            comment = rng.choice(COMMENTS[mood])
        survey_id = "srv_" + token(f"{number}/{kind}", 16)
        surveys.add((survey_id, person.email, account_id, kind, float(score), comment, answered,
                     None))  # fmt: skip
