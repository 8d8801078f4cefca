"""Learning steps as xAPI 1.0.3 statements, as an LMS would send them to the LRS.

Statement ids are UUIDv5 over the seed's namespace and (registration, step number), so a
second run stores nothing new. Activity objects, verbs and actors are built once and shared
between statements: the store never mutates them (it copies before comparing).
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from learnsight.demo import clock
from learnsight.demo.catalog import (
    ACADEMY,
    COURSE_BY_SLUG,
    COURSE_TYPE,
    PATH_BY_SLUG,
    QUESTION_TYPE,
    QUIZ_TYPE,
    VENDOR_DOMAIN,
)
from learnsight.demo.company import Person
from learnsight.demo.learning import Enrolment, Step
from learnsight.demo.world import BY_CODE
from learnsight.xapi import verbs

JSON = dict[str, Any]
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
PATH_TYPE = f"{ACADEMY}/xapi/activity-types/learning-path"  # the LMS's own: no common one exists
AUTHORITY: JSON = {
    "objectType": "Agent",
    "name": "Orbitly Academy",
    "account": {"homePage": ACADEMY, "name": "lms"},
}
VERBS: dict[str, JSON] = {
    iri: {"id": iri, "display": {"en-US": iri.rsplit("/", 1)[-1]}}
    for iri in (
        verbs.REGISTERED, verbs.LAUNCHED, verbs.INITIALIZED, verbs.EXPERIENCED,
        verbs.PROGRESSED, verbs.ATTEMPTED, verbs.ANSWERED, verbs.SCORED, verbs.PASSED,
        verbs.FAILED, verbs.COMPLETED, verbs.ATTENDED, verbs.TERMINATED, verbs.UNREGISTERED,
    )
}  # fmt: skip
CHOICES = "abcd"
INSTRUCTORS = {
    "AMER": ("Grace Holloway", "grace.holloway"),
    "EMEA": ("Tomas Lindqvist", "tomas.lindqvist"),
    "APAC": ("Aiko Shimizu", "aiko.shimizu"),
}


def namespace(seed: int) -> uuid.UUID:
    """The UUIDv5 namespace of one seed's ids: two seeds never share a statement id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{ACADEMY}/learnsight-demo/{seed}")


def actor(person: Person) -> JSON:
    if person.actor == "account" and person.lms_id:
        return {"objectType": "Agent", "name": person.name,
                "account": {"homePage": ACADEMY, "name": person.lms_id}}  # fmt: skip
    return {"objectType": "Agent", "name": person.name, "mbox": f"mailto:{person.email}"}


def activity(iri: str, kind: str, name: str, **extra: Any) -> JSON:
    return {"objectType": "Activity", "id": iri,
            "definition": {"type": kind, "name": {"en-US": name}, **extra}}  # fmt: skip


@cache
def course_activity(slug: str) -> JSON:
    course = COURSE_BY_SLUG[slug]
    return activity(course.iri, COURSE_TYPE, course.name)


@cache
def path_activity(slug: str) -> JSON:
    path = PATH_BY_SLUG[slug]
    return activity(path.iri, PATH_TYPE, path.name,
                    description={"en-US": "A learning path of the Orbitly Academy"})  # fmt: skip


@cache
def module_activity(slug: str, number: int) -> JSON:
    course = COURSE_BY_SLUG[slug]
    return activity(f"{course.iri}/modules/{number + 1}", course.shape.activity_type,
                    f"{course.name}, part {number + 1}")  # fmt: skip


@cache
def quiz_activity(slug: str) -> JSON:
    course = COURSE_BY_SLUG[slug]
    label = "exam" if course.content_type == "assessment" else "knowledge check"
    return activity(f"{course.iri}/quiz", QUIZ_TYPE, f"{course.name}: {label}")


@cache
def question_activity(slug: str, number: int) -> JSON:
    course = COURSE_BY_SLUG[slug]
    choices = [{"id": c, "description": {"en-US": f"Answer {c.upper()}"}} for c in CHOICES]
    return activity(f"{course.iri}/quiz/q{number + 1}", QUESTION_TYPE,
                    f"{course.name}: question {number + 1}", interactionType="choice",
                    correctResponsesPattern=[CHOICES[number % 4]], choices=choices)  # fmt: skip


PLACES = {
    "online-amer": "online (AMER)", "online-emea": "online (EMEA)", "online-apac": "online (APAC)",
    "new-york": "New York", "london": "London", "singapore": "Singapore",
}  # fmt: skip


@cache
def session_activity(slug: str, session: str) -> JSON:
    """A scheduled class; `session` is "YYYY-MM-DD-place" (learning.next_class)."""
    course = COURSE_BY_SLUG[slug]
    day, place = session[:10], session[11:]
    return activity(f"{course.iri}/sessions/{session}", course.shape.activity_type,
                    f"{course.name}, {day}, {PLACES[place]}")  # fmt: skip


def duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if secs or text == "PT" else "")


class Renderer:
    """The statements of one enrolment; its contexts are built once and shared."""

    def __init__(self, enrolment: Enrolment, ns: uuid.UUID) -> None:
        self.enrolment, self.ns = enrolment, ns
        self.actor = actor(enrolment.person)
        slug = enrolment.course.slug
        self.course = course_activity(slug)
        path = [path_activity(enrolment.path.slug)] if enrolment.path else []
        base: JSON = {"registration": enrolment.registration, "platform": "Orbitly Academy",
                      "language": "en-US"}  # fmt: skip
        self.on_course = {**base, "contextActivities": {"grouping": path}} if path else base
        inside = {"parent": [self.course], **({"grouping": path} if path else {})}
        self.inside = {**base, "contextActivities": inside}
        in_quiz = {"parent": [quiz_activity(slug)], "grouping": [self.course, *path]}
        self.in_quiz = {**base, "contextActivities": in_quiz}
        region = BY_CODE[enrolment.person.country].region
        name, local = INSTRUCTORS[region]
        instructor = {
            "objectType": "Agent",
            "name": name,
            "mbox": f"mailto:{local}@{VENDOR_DOMAIN}",
        }
        self.in_class = {**self.inside, "instructor": instructor}

    def statements(self) -> list[JSON]:
        return [self.statement(number, step) for number, step in enumerate(self.enrolment.steps)]

    def statement(self, number: int, step: Step) -> JSON:
        obj, context = self.target(step)
        statement: JSON = {
            "id": str(uuid.uuid5(self.ns, f"{self.enrolment.registration}/{number}")),
            "actor": self.actor,
            "verb": VERBS[step.verb],
            "object": obj,
            "context": context,
            "timestamp": clock.iso(step.at),
        }
        result = self.result(step)
        if result:
            statement["result"] = result
        return statement

    def target(self, step: Step) -> tuple[JSON, JSON]:
        slug = self.enrolment.course.slug
        if step.target == "course":
            return self.course, self.on_course
        if step.target == "module":
            return module_activity(slug, step.index), self.inside
        if step.target == "quiz":
            return quiz_activity(slug), self.inside
        if step.target == "question":
            return question_activity(slug, step.index), self.in_quiz
        return session_activity(slug, self.enrolment.session), self.in_class

    def result(self, step: Step) -> JSON:
        result: JSON = {}
        if step.target == "question":
            right = CHOICES[step.index % 4]
            result["response"] = right if step.success else CHOICES[(step.index + 1) % 4]
        if step.score is not None:
            raw = round(step.score * 100, 2)
            result["score"] = {"scaled": step.score, "raw": raw, "min": 0, "max": 100}
        if step.success is not None:
            result["success"] = step.success
        if step.verb in (verbs.COMPLETED, verbs.PASSED):
            result["completion"] = True
        if step.seconds is not None:
            result["duration"] = duration(step.seconds)
        if step.progress is not None:
            result["extensions"] = {PROGRESS: step.progress}
        return result
