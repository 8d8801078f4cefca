"""Product events: who used which feature when, and when each account first reached value.

Each user starts using each feature of their role after a random time whose monthly hazard is
the feature's own, multiplied by the true hazard ratio from the moment the user completes a
course teaching it; afterwards they use it at the feature's rate. An account reaches value
after a log-normal time from its contract start; once it is trained, the time still remaining
shrinks by the true ratio. Events are emitted inside the window only: an account that was a
customer before it has already adopted much of the product when the data begins.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from random import Random

import orjson

from learnsight.demo import clock
from learnsight.demo.catalog import FEATURES, SIGN_IN, VALUE_EVENTS, Feature, courses_teaching
from learnsight.demo.company import Person
from learnsight.demo.parameters import EFFECTS, MODEL
from learnsight.demo.story import Story
from learnsight.demo.tables import Sink
from learnsight.demo.truth import Tally

MONTH = 30 * clock.DAY
PLANS = {"SMB": "team", "mid-market": "business", "enterprise": "enterprise"}
PLATFORMS = ("web", "desktop", "mobile")
PROPERTIES = {
    (plan, platform): orjson.dumps({"plan": plan, "platform": platform}).decode()
    for plan in PLANS.values()
    for platform in (*PLATFORMS, "api")
}
VALUE_USERS = frozenset({"admin", "end user", "manager"})


class Emitter:
    """Product-event rows of one account, as a Segment-style tracking plan records them: mostly
    user id and e-mail, sometimes only one of them, sometimes without the account (group)."""

    def __init__(self, seed: int, story: Story, rng: Random, sink: Sink) -> None:
        self.seed, self.story, self.rng, self.sink = seed, story, rng, sink
        self.plan = PLANS[story.account.segment.name]
        self.count = 0

    def emit(self, person: Person, event: str, after: int) -> None:
        moment = clock.WORK.moment(self.rng, person.zone, after)
        if moment >= self.story.life.end:
            return
        rng = self.rng
        self.count += 1
        key = f"{self.seed}/event/{self.story.account.index}/{self.count}"
        message_id = "ajs-" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        draw = rng.random()
        user_id = None if draw < 0.03 else person.product_id
        email = None if 0.03 <= draw < 0.10 else person.email
        account_id = None if rng.random() < 0.2 else self.story.account.id
        platform = "api" if person.role == "developer" and rng.random() < 0.5 else "web"
        if platform == "web" and rng.random() < 0.25:
            platform = rng.choice(PLATFORMS[1:])
        properties = PROPERTIES[self.plan, platform]
        self.sink.add((message_id, user_id, email, account_id, event, moment, properties))


def emit_events(seed: int, story: Story, sink: Sink, tally: Tally) -> None:
    rng = Random(f"{seed}/usage/{story.account.index}")
    emitter = Emitter(seed, story, rng, sink)
    contract = clock.at_midnight(story.account.contract_start)
    reached = value_time(rng, story, tally)
    users = [p for p in story.account.people if p.product_id]
    first_value_by = next((p for p in users if p.created <= reached), None)
    if first_value_by is not None and clock.START <= reached < story.life.end:
        emitter.emit(first_value_by, VALUE_EVENTS[0], reached)
    for person in users:
        origin = max(person.created, contract)
        begin = max(origin, clock.START)
        if begin >= story.life.end:
            continue
        completed = story.completions(person.id)
        for feature in FEATURES:
            if person.role in feature.roles:
                use_feature(rng, emitter, person, feature, origin, completed, tally)
        for moment in arrivals(rng, begin, story.life.end, MODEL.sign_ins_per_month):
            emitter.emit(person, SIGN_IN, moment)
        if person.role in VALUE_USERS:
            since = max(begin, reached + 1)
            for moment in arrivals(rng, since, story.life.end, MODEL.value_uses_per_month):
                emitter.emit(person, rng.choice(VALUE_EVENTS), moment)


def use_feature(
    rng: Random,
    emitter: Emitter,
    person: Person,
    feature: Feature,
    origin: int,
    completed: dict[str, int],
    tally: Tally,
) -> None:
    taught = [completed[c.slug] for c in courses_teaching(feature.event) if c.slug in completed]
    trained_from = min(taught, default=None)
    draw = rng.expovariate(1.0)
    adopted = adoption_time(draw, origin, feature.adoption, trained_from)
    if trained_from is not None:
        tally.adoption(adopted, adoption_time(draw, origin, feature.adoption, None))
    end = emitter.story.life.end
    if adopted >= end:
        return
    begin = max(adopted, clock.START)
    if adopted >= clock.START:
        emitter.emit(person, feature.event, adopted)
    for moment in arrivals(rng, begin, end, feature.uses):
        emitter.emit(person, feature.event, moment)


def adoption_time(draw: float, origin: int, monthly: float, trained_from: int | None) -> int:
    """When cumulative hazard reaches `draw` (an Exp(1) draw): the monthly rate until the user
    completes a course teaching the feature, that rate times the hazard ratio afterwards."""
    rate = monthly / MONTH
    if trained_from is None:
        return origin + int(draw / rate)
    boost_from = max(trained_from, origin)
    before = rate * (boost_from - origin)
    if draw < before:
        return origin + int(draw / rate)
    return boost_from + int((draw - before) / (rate * EFFECTS.adoption_hazard_ratio))


def value_time(rng: Random, story: Story, tally: Tally) -> int:
    """When the account first reaches value; training shortens the time still to go."""
    start = clock.at_midnight(story.account.contract_start)
    days = story.account.segment.ttv_median_days * math.exp(rng.gauss(0, MODEL.ttv_spread))
    untrained = start + int(days * clock.DAY)
    reached = untrained
    trained = story.trained_at
    if trained is not None and trained < untrained:
        reached = trained + int((untrained - trained) * EFFECTS.time_to_value_ratio)
    if start >= clock.START and reached < story.life.end:
        tally.time_to_value(story.account.segment.name, reached - start, untrained - start)
    return reached


def arrivals(rng: Random, begin: int, end: int, per_month: float) -> Iterator[int]:
    """A Poisson process of `per_month` events a month between `begin` and `end`."""
    gap = MONTH / per_month
    moment = begin
    while True:
        moment += 1 + int(rng.expovariate(1.0) * gap)
        if moment >= end:
            return
        yield moment
