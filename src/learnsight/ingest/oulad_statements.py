"""OULAD records as xAPI statements: identifiers, times, content types and statement shapes.

docs/oulad.md is the mapping's reference. Every statement id is a UUIDv5 over the record's
natural key, so importing the same export again stores nothing twice.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import Any

from learnsight.ingest.statement_sink import verb
from learnsight.xapi import verbs

# The dataset's home page: the learners' account homePage and the root of every OULAD IRI.
# (The IRIs identify; they are not meant to resolve.)
HOME_PAGE = "https://analyse.kmi.open.ac.uk/open_dataset"
NAMESPACE = uuid.UUID("8e5e80e5-9eb0-45fc-84f3-c8fb2f312241")  # of OULAD statement ids
CLICKS = HOME_PAGE + "#sum_click"  # result extension: clicks on the material that day
BANKED = HOME_PAGE + "#is_banked"  # context extension: a result carried over from before
FINAL_RESULT = HOME_PAGE + "#final_result"  # result extension: Pass, Distinction or Fail
PASS_MARK = 40  # OULAD's pass mark for assessments, on its 0-100 scale
COUNTRY_BY_REGION = {"Ireland": "IE"}  # every other OU region is in the United Kingdom
DEFAULT_COUNTRY = "GB"

DOCUMENT = "http://id.tincanapi.com/activitytype/document"
ARTICLE = "http://activitystrea.ms/schema/1.0/article"
PAGE = "http://activitystrea.ms/schema/1.0/page"
LINK = "http://adlnet.gov/expapi/activities/link"
COLLECTION = "http://id.tincanapi.com/activitytype/collection-simple"
DISCUSSION = "http://id.tincanapi.com/activitytype/discussion"
SURVEY = "http://id.tincanapi.com/activitytype/survey"
WEBINAR = "http://id.tincanapi.com/activitytype/webinar"
INTERACTION = "http://adlnet.gov/expapi/activities/interaction"

# VLE activity_type -> (catalog content type, xAPI activity type). OU names: oucontent is the
# module's structured study text, resource a downloadable file (mostly PDF), oucollaborate
# and ouelluminate live online rooms, forumng the forums, dataplus a shared database.
VLE_TYPES: dict[str, tuple[str, str]] = {
    "resource": ("pdf", DOCUMENT),
    "oucontent": ("article", ARTICLE),
    "page": ("article", PAGE),
    "dualpane": ("article", PAGE),
    "glossary": ("article", ARTICLE),
    "quiz": ("quiz", verbs.ASSESSMENT_TYPE),
    "externalquiz": ("quiz", verbs.ASSESSMENT_TYPE),
    "oucollaborate": ("vilt", WEBINAR),
    "ouelluminate": ("vilt", WEBINAR),
    "homepage": ("other", PAGE),
    "subpage": ("other", PAGE),
    "sharedsubpage": ("other", PAGE),
    "url": ("other", LINK),
    "repeatactivity": ("other", LINK),
    "folder": ("other", COLLECTION),
    "forumng": ("other", DISCUSSION),
    "ouwiki": ("other", PAGE),
    "dataplus": ("other", PAGE),
    "questionnaire": ("other", SURVEY),
    "htmlactivity": ("other", INTERACTION),
}
UNKNOWN_VLE_TYPE = ("other", None)  # a type this table does not know: no xAPI type
# assessment_type -> content type: tutor-marked, computer-marked (a quiz), final exam.
ASSESSMENT_CONTENT_TYPES = {"TMA": "assessment", "CMA": "quiz", "Exam": "assessment"}
FINAL_RESULTS = ("Pass", "Distinction", "Fail", "Withdrawn")

PRESENTATION_CODE = re.compile(r"(\d{4})([BJ])")
START_MONTH = {"B": 2, "J": 10}  # February and October


REGISTERED = verb(verbs.REGISTERED)
UNREGISTERED = verb(verbs.UNREGISTERED)
EXPERIENCED = verb(verbs.EXPERIENCED)
SCORED = verb(verbs.SCORED)
PASSED = verb(verbs.PASSED)
FAILED = verb(verbs.FAILED)
COMPLETED = verb(verbs.COMPLETED)


def presentation_start(code: str) -> date | None:
    """February 1 (B) or October 1 (J) of the presentation's year; None for another code."""
    found = PRESENTATION_CODE.fullmatch(code)
    if found is None:
        return None
    return date(int(found[1]), START_MONTH[found[2]], 1)


@lru_cache(maxsize=65_536)
def day_timestamp(start: date, day: int) -> str:
    """Midnight UTC of day `day` counted from `start` (OULAD has days, not times)."""
    return (start + timedelta(days=day)).isoformat() + "T00:00:00Z"


@dataclass(frozen=True)
class Presentation:
    """A module presentation: one course, e.g. AAA-2013J."""

    module: str
    code: str
    start: date
    length: int  # days

    @cached_property
    def key(self) -> str:
        return f"{self.module}-{self.code}"

    @cached_property
    def iri(self) -> str:
        return f"{HOME_PAGE}/{self.key}"

    def activity(self) -> dict[str, Any]:
        return {"id": self.iri, "definition": {"type": verbs.COURSE_TYPE, "name": {"en": self.key}}}

    def day(self, number: int) -> str:
        return day_timestamp(self.start, number)

    @property
    def end(self) -> str:
        return self.day(self.length)


@dataclass(frozen=True)
class Material:
    """A VLE material (vle.csv)."""

    site: int
    presentation: Presentation
    activity_type: str

    @property
    def iri(self) -> str:
        return f"{self.presentation.iri}/vle/{self.site}"

    @property
    def content_type(self) -> str:
        return VLE_TYPES.get(self.activity_type, UNKNOWN_VLE_TYPE)[0]

    @property
    def name(self) -> str:
        return f"{self.activity_type} {self.site}"

    def activity(self) -> dict[str, Any]:
        xapi_type = VLE_TYPES.get(self.activity_type, UNKNOWN_VLE_TYPE)[1]
        return (
            {"id": self.iri, "definition": {"type": xapi_type}} if xapi_type else {"id": self.iri}
        )


@dataclass(frozen=True)
class Assessment:
    """An assessment (assessments.csv)."""

    id: int
    presentation: Presentation
    assessment_type: str

    @property
    def iri(self) -> str:
        return f"{self.presentation.iri}/assessment/{self.id}"

    @property
    def content_type(self) -> str:
        return ASSESSMENT_CONTENT_TYPES.get(self.assessment_type, "assessment")

    @property
    def name(self) -> str:
        return f"{self.assessment_type} {self.id}"

    def activity(self) -> dict[str, Any]:
        definition = {"type": verbs.ASSESSMENT_TYPE, "name": {"en": self.name}}
        return {"id": self.iri, "definition": definition}


def statement_id(*key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, key))))


def learner(student: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": student}}


@dataclass
class StatementMaker:
    """Builds the statements of one import, sharing the parts that never change between them.

    Shared dicts are safe: the store sets top-level properties only and never edits nested
    objects in place.
    """

    _registrations: dict[tuple[str, str], str] = field(default_factory=dict)
    _parents: dict[str, dict[str, Any]] = field(default_factory=dict)
    _activities: dict[str, dict[str, Any]] = field(default_factory=dict)

    def registration(self, presentation: Presentation, student: str) -> str:
        """The xAPI registration of one student's enrolment in one presentation."""
        key = (presentation.key, student)
        found = self._registrations.get(key)
        if found is None:
            found = self._registrations[key] = statement_id(presentation.key, "enrolment", student)
        return found

    def context(self, presentation: Presentation, student: str) -> dict[str, Any]:
        """The registration, and the course as parent: KPIs count per course through it."""
        parent = self._parents.get(presentation.key)
        if parent is None:
            parent = self._parents[presentation.key] = {"parent": [{"id": presentation.iri}]}
        return {
            "registration": self.registration(presentation, student),
            "contextActivities": parent,
        }

    def activity(self, thing: Presentation | Material | Assessment) -> dict[str, Any]:
        found = self._activities.get(thing.iri)
        if found is None:
            found = self._activities[thing.iri] = thing.activity()
        return found

    def enrolment(
        self, presentation: Presentation, student: str, registered: int | None, left: int | None
    ) -> list[dict[str, Any]]:
        """`registered` at its day (the start when blank); `unregistered` when they left."""
        course = self.activity(presentation)
        context = {"registration": self.registration(presentation, student)}
        made = [
            {
                "id": statement_id(presentation.key, "registered", student),
                "actor": learner(student),
                "verb": REGISTERED,
                "object": course,
                "timestamp": presentation.day(0 if registered is None else registered),
                "context": context,
            }
        ]
        if left is not None:
            made.append(
                {
                    "id": statement_id(presentation.key, "unregistered", student),
                    "actor": learner(student),
                    "verb": UNREGISTERED,
                    "object": course,
                    "timestamp": presentation.day(left),
                    "context": context,
                }
            )
        return made

    def final_result(
        self, presentation: Presentation, student: str, outcome: str
    ) -> list[dict[str, Any]]:
        """Pass and Distinction: completed + passed; Fail: completed + failed; Withdrawn: none."""
        if outcome == "Withdrawn":
            return []
        success = outcome != "Fail"
        course = self.activity(presentation)
        context = {"registration": self.registration(presentation, student)}
        return [
            {
                "id": statement_id(presentation.key, name, student),
                "actor": learner(student),
                "verb": made_verb,
                "object": course,
                "timestamp": presentation.end,
                "result": result,
                "context": context,
            }
            for name, made_verb, result in (
                ("completed", COMPLETED, {"completion": True}),
                (
                    "passed" if success else "failed",
                    PASSED if success else FAILED,
                    {"success": success, "extensions": {FINAL_RESULT: outcome}},
                ),
            )
        ]

    def assessment(
        self,
        assessment: Assessment,
        student: str,
        submitted: int,
        banked: bool,
        score: float | None,
    ) -> list[dict[str, Any]]:
        """`scored` (without a score when blank); `passed` or `failed` at the pass mark."""
        presentation = assessment.presentation
        context = self.context(presentation, student)
        if banked:
            context = {**context, "extensions": {BANKED: True}}
        base = {
            "actor": learner(student),
            "object": self.activity(assessment),
            "timestamp": presentation.day(submitted),
            "context": context,
        }
        key = (presentation.key, "assessment", assessment.id, student)
        scored = {"id": statement_id(*key, "scored"), "verb": SCORED, **base}
        if score is None:
            return [scored]
        points = {"raw": score, "min": 0, "max": 100, "scaled": score / 100}
        scored["result"] = {"score": points}
        success = score >= PASS_MARK
        outcome = {
            "id": statement_id(*key, "passed" if success else "failed"),
            "verb": PASSED if success else FAILED,
            **base,
            "result": {"success": success, "score": points},
        }
        return [scored, outcome]

    def visit(
        self, material: Material, student: str, day: int, clicks: int, occurrence: int
    ) -> dict[str, Any]:
        """One studentVle row: `experienced`, with its clicks. `occurrence` numbers rows that
        are otherwise identical (the file repeats some), so each keeps its own statement."""
        presentation = material.presentation
        key = (presentation.key, "vle", student, material.site, day, clicks, occurrence)
        return {
            "id": statement_id(*key),
            "actor": learner(student),
            "verb": EXPERIENCED,
            "object": self.activity(material),
            "timestamp": presentation.day(day),
            "result": {"extensions": {CLICKS: clicks}},
            "context": self.context(presentation, student),
        }


def country_of(region: str) -> str:
    return COUNTRY_BY_REGION.get(region, DEFAULT_COUNTRY)
