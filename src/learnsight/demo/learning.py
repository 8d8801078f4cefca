"""Learners at an account: who enrols, in what, when, how far they get.

The result is a list of enrolments, each a registration with the steps its learner took
(registered, modules watched or read, quiz attempts, classes attended, completion or
withdrawal). statements.py turns steps into xAPI statements; the business side only needs
completion times, which is when training can start to act.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from random import Random

from learnsight.demo import clock
from learnsight.demo.catalog import (
    PATH_BY_SLUG,
    Course,
    Path,
    path_courses,
    standalone_courses,
)
from learnsight.demo.company import Account, Person, stray
from learnsight.demo.parameters import MODEL
from learnsight.demo.world import BY_CODE
from learnsight.xapi import verbs

# How much more (or less) likely than the account's average each role is to enrol.
ROLE_ENROLMENT = {"admin": 1.6, "end user": 1.0, "developer": 1.1, "manager": 0.8,
                  "executive": 0.4, "billing": 0.0}  # fmt: skip
# Learning plans by role: paths taken in order, and the chance of going on to the next one.
PLANS = {
    "admin": (("foundations", "admin"), 0.6),
    "end user": (("foundations", "analyst"), 0.5),
    "developer": (("developer",), 0.0),
    "manager": (("foundations", "leader"), 0.4),
    "executive": (("leader",), 0.0),
}
MAX_ATTEMPTS = 3


@dataclass(slots=True)
class Step:
    """One thing a learner did; `target` says on what: course, module, quiz, question, session."""

    at: int
    verb: str
    target: str
    index: int = 0  # module or question number; the attempt for a quiz
    seconds: int | None = None  # how long it took
    score: float | None = None  # scaled 0-1
    success: bool | None = None
    progress: int | None = None  # percent of the course done


@dataclass
class Enrolment:
    person: Person
    course: Course
    path: Path | None
    registration: str
    steps: list[Step] = field(default_factory=list)
    completed_at: int | None = None
    session: str = ""  # the class a learner booked (ILT/VILT): "YYYY-MM-DD-place"

    def cut(self, end: int) -> None:
        """Forget what would happen at or after `end` (the account churned, or the window ends)."""
        self.steps = [step for step in self.steps if step.at < end]
        if self.completed_at is not None and self.completed_at >= end:
            self.completed_at = None


@dataclass
class Learner:
    """A person with their learning traits, drawn once."""

    person: Person
    grit: float  # shifts the chance of dropping out
    ability: float  # shifts quiz answers


def simulate(seed: int, account: Account, namespace: uuid.UUID) -> list[Enrolment]:
    """Every enrolment at the account over the window, before churn cuts anything short."""
    rng = Random(f"{seed}/learning/{account.index}")
    odds = account.segment.academy_logit + MODEL.academy_seat_slope * account.size
    if rng.random() >= 1 / (1 + math.exp(-odds)):
        return []  # this account never sends anyone to the academy
    start = max(clock.at_midnight(account.contract_start), clock.START)
    # New customers are sent to the academy as part of onboarding; existing ones find it later.
    onboarding = account.contract_start >= clock.WINDOW_START
    joins = start + int(rng.expovariate(1 / (14 if onboarding else 60)) * clock.DAY)
    enrolments: list[Enrolment] = []
    for person in learners(rng, account):
        learner = Learner(person, rng.gauss(0, 1), rng.gauss(0, 1))
        begin = max(joins, person.created) + int(rng.expovariate(1 / 14) * clock.DAY)
        enrolments += learner_journey(rng, learner, begin, namespace)
    return enrolments


def learners(rng: Random, account: Account) -> list[Person]:
    share = account.segment.enrol_share
    chosen = [p for p in account.people if rng.random() < min(0.95, share * ROLE_ENROLMENT[p.role])]
    used = {person.email for person in account.people}
    if rng.random() < MODEL.free_mail_stray:
        chosen.append(stray(rng, account, free_mail=True, used=used))
    if rng.random() < MODEL.unlisted_stray:
        chosen.append(stray(rng, account, free_mail=False, used=used))
    return chosen


def learner_journey(
    rng: Random, learner: Learner, begin: int, namespace: uuid.UUID
) -> list[Enrolment]:
    """The learner's paths in order, then perhaps a course outside any path."""
    paths, go_on = PLANS[learner.person.role]
    plan: list[tuple[Course, Path | None]] = []
    for number, slug in enumerate(paths):
        if number > 0 and rng.random() >= go_on:
            break
        plan += [(course, PATH_BY_SLUG[slug]) for course in path_courses(PATH_BY_SLUG[slug])]
    if rng.random() < MODEL.standalone_course:
        plan.append((rng.choice(standalone_courses()), None))
    enrolments = []
    moment = begin
    for course, path in plan:
        moment = max(moment, clock.at_midnight(course.created))
        if moment >= clock.END:
            break
        key = f"registration/{learner.person.account}/{learner.person.email}/{course.slug}"
        enrolment = Enrolment(learner.person, course, path, str(uuid.uuid5(namespace, key)))
        moment = take_course(rng, learner, enrolment, moment)
        enrolments.append(enrolment)
        if enrolment.completed_at is None and rng.random() < 0.6:
            break  # a learner who gave up on one course often leaves the path
        moment += int(rng.expovariate(1 / 7) * clock.DAY)
    return enrolments


def take_course(rng: Random, learner: Learner, enrolment: Enrolment, moment: int) -> int:
    """Fill in the enrolment's steps; returns when the learner was done with it."""
    zone = learner.person.zone
    registered = clock.LEARNING.moment(rng, zone, moment)
    enrolment.steps.append(Step(registered, verbs.REGISTERED, "course"))
    if enrolment.course.shape.session:
        return attend_class(rng, learner, enrolment, registered)
    return self_paced(rng, learner, enrolment, registered)


def gives_up(rng: Random, learner: Learner, course: Course) -> bool:
    return rng.random() < course.shape.dropout * math.exp(-0.5 * learner.grit)


def self_paced(rng: Random, learner: Learner, enrolment: Enrolment, registered: int) -> int:
    """Modules over one or more sittings, then the quiz if the course has one."""
    shape = enrolment.course.shape
    units = shape.modules + (1 if shape.questions else 0)
    quits_at = rng.randrange(units) if gives_up(rng, learner, enrolment.course) else units
    sitting = Sitting(rng, learner, enrolment, registered + rng.randrange(3 * clock.DAY))
    for module in range(shape.modules):
        if module == quits_at:
            return sitting.abandon()
        if module > 0 and rng.random() < 0.35:
            sitting.pause()
        seconds = int(shape.module_minutes * 60 * rng.uniform(0.6, 1.4))
        sitting.add(seconds, verbs.EXPERIENCED, "module", module, seconds=seconds)
        done = round(100 * (module + 1) / units)
        sitting.add(5, verbs.PROGRESSED, "course", progress=done)
    quiz_done = not shape.questions or (
        quits_at > shape.modules and take_quiz(rng, learner, sitting)
    )
    return sitting.complete() if quiz_done else sitting.abandon()


def take_quiz(rng: Random, learner: Learner, sitting: Sitting) -> bool:
    """Up to three attempts, a day or more apart; whether the learner passed."""
    shape = sitting.enrolment.course.shape
    hard = 0.6 if sitting.enrolment.course.content_type == "assessment" else 0.0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if attempt > 1:
            sitting.pause(days=rng.uniform(1, 5))
        sitting.add(10, verbs.ATTEMPTED, "quiz", attempt)
        right = 0
        for question in range(shape.questions):
            odds = 1.3 + 0.8 * learner.ability + 0.4 * (attempt - 1) - hard
            correct = rng.random() < 1 / (1 + math.exp(-odds))
            right += correct
            sitting.add(rng.randrange(20, 90), verbs.ANSWERED, "question", question,
                        success=correct)  # fmt: skip
        score = round(right / shape.questions, 4)
        passed = score >= shape.pass_mark
        sitting.add(3, verbs.SCORED, "quiz", attempt, score=score)
        sitting.add(1, verbs.PASSED if passed else verbs.FAILED, "quiz", attempt, score=score,
                    success=passed)  # fmt: skip
        if passed:
            return True
        if attempt < MAX_ATTEMPTS and gives_up(rng, learner, sitting.enrolment.course):
            return False
    return False


class Sitting:
    """The learner's current session in a self-paced course: launched ... terminated."""

    def __init__(self, rng: Random, learner: Learner, enrolment: Enrolment, after: int) -> None:
        self.rng, self.learner, self.enrolment = rng, learner, enrolment
        self.active = 0  # seconds spent in the course, over all sittings
        self.open(after)

    def open(self, after: int) -> None:
        self.began = self.now = clock.LEARNING.moment(self.rng, self.learner.person.zone, after)
        self.enrolment.steps.append(Step(self.now, verbs.LAUNCHED, "course"))
        self.add(2, verbs.INITIALIZED, "course")

    def add(
        self,
        advance: int,
        verb: str,
        target: str,
        index: int = 0,
        *,
        seconds: int | None = None,
        score: float | None = None,
        success: bool | None = None,
        progress: int | None = None,
    ) -> None:
        """A step `advance` seconds after the previous one."""
        self.now += advance
        self.active += advance
        step = Step(self.now, verb, target, index, seconds, score, success, progress)
        self.enrolment.steps.append(step)

    def close(self) -> None:
        self.add(3, verbs.TERMINATED, "course", seconds=self.now + 3 - self.began)

    def pause(self, days: float | None = None) -> None:
        self.close()
        gap = days if days is not None else self.rng.expovariate(1 / 2)
        self.open(self.now + int(gap * clock.DAY))

    def abandon(self) -> int:
        """The learner stops; some withdraw explicitly, days or weeks later."""
        self.close()
        if self.rng.random() < MODEL.unregister_share:
            later = self.now + self.rng.randrange(clock.DAY, 30 * clock.DAY)
            self.enrolment.steps.append(Step(later, verbs.UNREGISTERED, "course"))
        return self.now

    def complete(self) -> int:
        self.add(4, verbs.COMPLETED, "course", seconds=self.active)
        self.enrolment.completed_at = self.now
        self.close()
        return self.now


# Scheduled classes: online (VILT) every other week at a time that suits each region, in person
# (ILT) monthly in one city per region, at 09:00 local time.
CLASSROOMS = {
    "AMER": ("new-york", "America/New_York"),
    "EMEA": ("london", "Europe/London"),
    "APAC": ("singapore", "Asia/Singapore"),
}
ONLINE_HOUR_UTC = {"AMER": 16, "EMEA": 9, "APAC": 2}


def next_class(course: Course, region: str, after: int) -> tuple[int, str]:
    """The first class of the course starting at least three days after `after`."""
    earliest = after + 3 * clock.DAY
    day = earliest // clock.DAY
    if course.content_type == "vilt":
        day += (1 - clock.weekday(day)) % 7  # Tuesdays
        if (day // 7) % 2:
            day += 7  # every other week
        start = day * clock.DAY + ONLINE_HOUR_UTC[region] * clock.HOUR
        if start < earliest:
            start += 14 * clock.DAY
        return start, f"{clock.iso(start)[:10]}-online-{region.lower()}"
    place, zone = CLASSROOMS[region]
    month = clock.date_of(day).replace(day=1)
    while True:  # the second Tuesday of each month
        tuesday = clock.day_number(month)
        tuesday += (1 - clock.weekday(tuesday)) % 7 + 7
        start = tuesday * clock.DAY + 9 * clock.HOUR - clock.utc_offset(zone, tuesday)
        if start >= earliest:
            return start, f"{clock.iso(start)[:10]}-{place}"
        month = (month + timedelta(days=32)).replace(day=1)


def attend_class(rng: Random, learner: Learner, enrolment: Enrolment, registered: int) -> int:
    course = enrolment.course
    region = BY_CODE[learner.person.country].region
    start, enrolment.session = next_class(course, region, registered)
    if gives_up(rng, learner, course):  # a no-show, who sometimes cancels first
        if rng.random() < MODEL.unregister_share:
            cancelled = rng.randrange(registered + 1, start)
            enrolment.steps.append(Step(cancelled, verbs.UNREGISTERED, "course"))
        return start
    seconds = course.shape.module_minutes * 60
    arrived = start + rng.randrange(0, 300)
    enrolment.steps.append(Step(arrived, verbs.ATTENDED, "session", seconds=seconds))
    finished = start + seconds
    enrolment.steps.append(Step(finished, verbs.COMPLETED, "course", seconds=seconds))
    enrolment.completed_at = finished
    return finished
