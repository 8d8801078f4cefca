"""Tests of the xAPI 1.0.3 statement validator (learnsight.xapi.validate).

Each rule family has valid and invalid cases, mostly as (mutation of a valid statement,
expected error path) tables; the cases the ADL conformance suite (test/v1_0_3) checks are
among them. Real statements (video, cmi5 samples) must all pass, and a fuzz test checks that
nothing but StatementError ever escapes.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from learnsight.xapi.errors import StatementError, XAPIError
from learnsight.xapi.validate import (
    is_duration,
    is_iri,
    is_language_tag,
    is_timestamp,
    is_uuid,
    validate_activity_id,
    validate_agent,
    validate_statement,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
VIDEO_FIXTURE = FIXTURES / "video-statements.json.gz"
CMI5_FIXTURES = sorted((FIXTURES / "cmi5").glob("*/*.json"))

DELETE = object()  # as a mutation value: remove the key
UUID = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
SHA256 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"


def full_statement() -> dict[str, Any]:
    """A valid Statement using nearly every property, as an LRS would store it."""
    return {
        "id": UUID,
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/quiz/q1",
            "definition": {
                "name": {"en-US": "Question 1", "fr": "Question 1"},
                "description": {"en-US": "Pick the odd one out"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "moreInfo": "https://example.com/quiz/q1.html",
                "interactionType": "choice",
                "correctResponsesPattern": ["golf[,]tetris"],
                "choices": [
                    {"id": "golf", "description": {"en-US": "Golf"}},
                    {"id": "tetris", "description": {"en-US": "Tetris"}},
                ],
                "extensions": {"http://example.com/ext/difficulty": 3},
            },
        },
        "result": {
            "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "response": "golf[,]tetris",
            "duration": "PT1H0M0.1S",
            "extensions": {"http://example.com/ext/attempt": None},
        },
        "context": {
            "registration": "ec231277-b27b-4c15-8291-d29225b2b8f7",
            "instructor": {"account": {"homePage": "http://lms.example.com", "name": "t-42"}},
            "team": {
                "objectType": "Group",
                "name": "Team A",
                "member": [{"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}],
            },
            "contextActivities": {
                "parent": [{"id": "http://example.com/quiz"}],
                "grouping": [{"objectType": "Activity", "id": "http://example.com/course"}],
                "category": {"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"},
                "other": [],
            },
            "revision": "r2",
            "platform": "web",
            "language": "en-US",
            "statement": {"objectType": "StatementRef", "id": UUID},
            "extensions": {"http://example.com/ext/session": {"nested": [1, None]}},
        },
        "timestamp": "2024-01-31T12:00:00.123Z",
        "stored": "2024-01-31T12:00:01.456+00:00",
        "authority": {
            "objectType": "Group",
            "member": [
                {"account": {"homePage": "http://example.com/OAuth/Token", "name": "consumer"}},
                {"mbox": "mailto:bob@example.com"},
            ],
        },
        "version": "1.0.0",
        "attachments": [
            {
                "usageType": "http://adlnet.gov/expapi/attachments/signature",
                "display": {"en-US": "Signature"},
                "description": {"en-US": "JWS signature"},
                "contentType": "application/octet-stream",
                "length": 4235,
                "sha2": SHA256,
                "fileUrl": "https://example.com/files/sig.jws",
            }
        ],
    }


def minimal_statement() -> dict[str, Any]:
    """The simplest valid Statement, as a client sends it (2.4.s2)."""
    return {
        "actor": {"mbox": "mailto:xapi@adlnet.gov"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/created"},
        "object": {"id": "http://example.adlnet.gov/xapi/example/activity"},
    }


def substatement() -> dict[str, Any]:
    """A valid SubStatement ("I planned to visit …", 2.4.4.3.s9)."""
    return {
        "objectType": "SubStatement",
        "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
        "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
        "object": {"id": "http://example.com/website"},
        "context": {"platform": "web"},
        "timestamp": "2099-01-01T00:00:00Z",  # a SubStatement may be in the future
    }


def mutated(base: dict[str, Any], dotted: str, value: object) -> dict[str, Any]:
    """A deep copy of ``base`` with the property at ``dotted`` ("a.b.0.c") set or deleted."""
    statement = copy.deepcopy(base)
    *parents, last = [int(part) if part.isdigit() else part for part in dotted.split(".")]
    target: Any = statement
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return statement


def assert_rejected(statement: object, path: str) -> StatementError:
    with pytest.raises(StatementError) as caught:
        validate_statement(statement)
    assert caught.value.path == path, str(caught.value)
    return caught.value


# (property to change, new value or DELETE, expected error path or None when still valid)
Case = tuple[str, object, str | None]

STATEMENT_CASES: list[Case] = [
    # 2.4.1 id: a UUID in standard string form, any version, either case (4.4)
    ("id", "AA97B177-9383-4934-8543-0F91A7A028368", "$.id"),
    ("id", "MA97B177-9383-4934-8543-0F91A7A02836", "$.id"),
    ("id", "fd41c918b88b4b20a0a5a4c32391aaa0", "$.id"),
    ("id", "{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}", "$.id"),
    ("id", 12345, "$.id"),
    ("id", {"key": "should fail"}, "$.id"),
    ("id", None, "$.id"),
    ("id", "FD41C918-B88B-4B20-A0A5-A4C32391AAA0", None),
    ("id", "12345678-1234-5678-1234-567812345678", None),  # the spec's own example, 2.4.s2
    ("id", DELETE, None),
    # 2.2.s2.b3: actor, verb and object are required
    ("actor", DELETE, "$.actor"),
    ("verb", DELETE, "$.verb"),
    ("object", DELETE, "$.object"),
    # 2.2.s4.b1.b5, b7: keys in exact case, none the spec does not define
    ("iD", UUID, "$.iD"),
    ("Actor", {"mbox": "mailto:a@example.com"}, "$.Actor"),
    ("timeStamp", "2024-01-31T12:00:00Z", "$.timeStamp"),
    ("attachmentS", [], "$.attachmentS"),
    ("objectType", "Statement", "$.objectType"),
    ("actor.Mbox", "mailto:a@example.com", "$.actor.Mbox"),
    ("result.score.Scaled", 0.5, "$.result.score.Scaled"),
    ("context.contextActivities.consequences", [], "$.context.contextActivities.consequences"),
    # 2.4.7, 2.4.8, 4.5: timestamps
    ("timestamp", "01/011/2015", "$.timestamp"),
    ("timestamp", "should fail", "$.timestamp"),
    ("timestamp", "2008-09-15T15:53:00.601-00:00", "$.timestamp"),
    ("timestamp", "2008-09-15T15:53:00.601-0000", "$.timestamp"),
    ("timestamp", "2008-09-15T15:53:00.601-00", "$.timestamp"),
    ("timestamp", 1706702400, "$.timestamp"),
    ("timestamp", "2099-12-31T23:59:59.999Z", None),  # future: accepted (2.4.7.s3.b6)
    ("timestamp", "2024-01-31T12:00:00", None),  # no offset: SHOULD* only (4.5.s1.b4)
    ("stored", "2024-02-30T12:00:00Z", "$.stored"),
    ("stored", DELETE, None),
    # 2.4.10: version 1.0 or 1.0.x
    ("version", "1.0", None),
    ("version", "1.0.3", None),
    ("version", "1.0.9", None),
    ("version", "1.1.0", "$.version"),
    ("version", "0.9.9", "$.version"),
    ("version", "1.0.", "$.version"),
    ("version", "should fail", "$.version"),
    ("version", 1.0, "$.version"),
    # 2.2.s4.b1.b1: null is rejected everywhere but inside extensions
    ("actor.name", None, "$.actor.name"),
    ("verb.display.en-US", None, '$.verb.display["en-US"]'),
    ("context.registration", None, "$.context.registration"),
    ("object.definition.moreInfo", None, "$.object.definition.moreInfo"),
    ("result", None, "$.result"),
    ("context", None, "$.context"),
    ("object.definition.extensions", {"http://example.com/ext/difficulty": None}, None),
]

ACTOR_CASES: list[Case] = [
    # 2.4.2.1: an Agent has exactly one Inverse Functional Identifier
    ("actor", {"mbox": "mailto:a@example.com"}, None),
    ("actor", {"objectType": "Agent", "openid": "http://openid.example.org/12345"}, None),
    ("actor", {"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"}, None),
    ("actor", {"account": {"homePage": "http://www.example.com", "name": "1625378"}}, None),
    ("actor", {"name": "nobody"}, "$.actor"),
    ("actor", {"mbox": "mailto:a@example.com", "openid": "http://openid.example.org/1"}, "$.actor"),
    ("actor", "mailto:a@example.com", "$.actor"),
    ("actor.objectType", "agent", "$.actor.objectType"),
    ("actor.objectType", 123, "$.actor.objectType"),
    ("actor.objectType", "Activity", "$.actor.objectType"),
    ("actor.name", 123, "$.actor.name"),
    ("actor.name", {"key": "value"}, "$.actor.name"),
    # 2.4.2.3: mbox is "mailto:" + an email address; mbox_sha1sum 40 hex digits; openid a URI
    ("actor.mbox", "http://should.fail.com", "$.actor.mbox"),
    ("actor.mbox", "mailto:should.fail.com", "$.actor.mbox"),
    ("actor.mbox", "ann@example.com", "$.actor.mbox"),
    ("actor.mbox", "mailto:ann smith@example.com", "$.actor.mbox"),
    ("actor.mbox", "", "$.actor.mbox"),
    ("actor", {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e36497"}, "$.actor.mbox_sha1sum"),
    ("actor", {"mbox_sha1sum": 12345}, "$.actor.mbox_sha1sum"),
    ("actor", {"openid": "open.id.com/testUser"}, "$.actor.openid"),
    ("actor", {"openid": "ab=c://should.fail.com"}, "$.actor.openid"),
    # 2.4.2.4: an account has a homePage IRL and a name
    (
        "context.instructor.account.homePage",
        "homePage.com/testUser",
        "$.context.instructor.account.homePage",
    ),
    ("context.instructor.account.homePage", DELETE, "$.context.instructor.account.homePage"),
    ("context.instructor.account.name", DELETE, "$.context.instructor.account.name"),
    ("context.instructor.account.name", {"key": "x"}, "$.context.instructor.account.name"),
    ("context.instructor.account.id", "x", "$.context.instructor.account.id"),
    # 2.4.2.2: Groups
    ("actor", {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}, None),
    ("actor", {"objectType": "Group", "mbox": "mailto:team@example.com"}, None),
    ("actor", {"objectType": "Group", "openid": "http://example.org/t", "member": []}, None),
    ("actor", {"objectType": "Group", "name": "anonymous"}, "$.actor.member"),
    ("actor", {"objectType": "Group", "member": []}, "$.actor.member"),
    (
        "actor",
        {"objectType": "Group", "member": {"mbox": "mailto:a@example.com"}},
        "$.actor.member",
    ),
    (
        "actor",
        {"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:t@x.org"}]},
        "$.actor.member[0].objectType",
    ),
    ("actor", {"objectType": "Group", "member": [{"name": "no IFI"}]}, "$.actor.member[0]"),
    (
        "actor",
        {"objectType": "Group", "mbox": "mailto:t@x.org", "openid": "http://x.org/t"},
        "$.actor",
    ),
    ("actor", {"objectType": "group", "mbox": "mailto:t@x.org"}, "$.actor.objectType"),
    ("context.team", {"mbox": "mailto:a@example.com"}, "$.context.team.objectType"),
    (
        "context.team",
        {"objectType": "Agent", "mbox": "mailto:a@x.org"},
        "$.context.team.objectType",
    ),
    ("context.team", "team", "$.context.team"),
    ("context.instructor", {"objectType": "Group", "mbox": "mailto:t@x.org"}, None),
    ("context.instructor", {"key": "should fail"}, "$.context.instructor.key"),
    # 2.4.9: authority is an Agent, or an anonymous Group of exactly two Agents (3-legged OAuth)
    ("authority", {"mbox": "mailto:admin@example.com"}, None),
    ("authority", DELETE, None),
    ("authority.member.1", DELETE, "$.authority.member"),
    (
        "authority.member",
        [{"mbox": f"mailto:{n}@example.com"} for n in "abc"],
        "$.authority.member",
    ),
    ("authority.mbox", "mailto:group@example.com", "$.authority.mbox"),
    ("authority.member", DELETE, "$.authority.member"),
    ("authority", {"name": "no IFI"}, "$.authority"),
]

VERB_AND_OBJECT_CASES: list[Case] = [
    # 2.4.3 Verb
    ("verb.id", DELETE, "$.verb.id"),
    ("verb.id", "adlnet.gov/expapi/verbs/answered", "$.verb.id"),
    ("verb.id", "ab=c://should.fail.com", "$.verb.id"),
    ("verb.display", 12345, "$.verb.display"),
    ("verb.display", "a12345 attended", "$.verb.display"),
    ("verb.display", {"something": "besucht"}, "$.verb.display.something"),
    ("verb.display", {"de": "besucht", "sr-Cyrl": "посетио"}, None),
    ("verb.display", {}, None),
    ("verb.display", DELETE, None),
    ("verb.id", "http://example.com/فعل/خواندن", None),  # an IRI, from 2.4.3.1.s1
    # 2.3.2 voiding takes a StatementRef
    ("verb.id", "http://adlnet.gov/expapi/verbs/voided", "$.object.objectType"),
    # 2.4.4.1 Activity
    ("object.id", DELETE, "$.object.id"),
    ("object.id", "www.example.com/meetings/occurances/34534", "$.object.id"),
    ("object.id", "uuid://7d4f3c70-1e79-4243-9b7d-166076ce8bfb", None),
    ("object.id", "course-v1:FUN-MOOC+00002+session01", None),
    ("object.id", "urn:uuid:7d4f3c70-1e79-4243-9b7d-166076ce8bfb", None),
    ("object.objectType", DELETE, None),
    ("object.objectType", "activity", "$.object.objectType"),
    ("object.objectType", "substatement", "$.object.objectType"),
    ("object.definition", "definition", "$.object.definition"),
    ("object.definition", {}, None),
    ("object.definition.name", "this is not a language map", "$.object.definition.name"),
    ("object.definition.name", 1234, "$.object.definition.name"),
    ("object.definition.name.something", "x", "$.object.definition.name.something"),
    ("object.definition.description.zh-Hant", "描述", None),
    ("object.definition.type", "example.com/type", "$.object.definition.type"),
    (
        "object.definition.moreInfo",
        "virtualmeeting.example.com/345256",
        "$.object.definition.moreInfo",
    ),
    ("object.definition.extensions", "should fail", "$.object.definition.extensions"),
    ("object.definition.extensions", {}, None),
    (
        "object.definition.extensions",
        {"not.valid.com/extension": 1234},
        '$.object.definition.extensions["not.valid.com/extension"]',
    ),
    ("object.definition.extensions", {"http://example.com/ex": ""}, None),
    ("object.definition.extensions", {"http://example.com/ex": {}}, None),
    ("object.definition.foo", 1, "$.object.definition.foo"),
    # 2.4.4.1 Interaction Activities
    ("object.definition.interactionType", "choiCe", "$.object.definition.interactionType"),
    ("object.definition.interactionType", 12345, "$.object.definition.interactionType"),
    ("object.definition.interactionType", None, "$.object.definition.interactionType"),
    ("object.definition.interactionType", DELETE, "$.object.definition.interactionType"),
    ("object.definition.interactionType", "sequencing", None),
    ("object.definition.interactionType", "likert", "$.object.definition.choices"),
    ("object.definition.interactionType", "other", "$.object.definition.choices"),
    ("object.definition.choices", DELETE, None),
    ("object.definition.correctResponsesPattern", [], None),
    (
        "object.definition.correctResponsesPattern",
        "golf",
        "$.object.definition.correctResponsesPattern",
    ),
    (
        "object.definition.correctResponsesPattern.0",
        1,
        "$.object.definition.correctResponsesPattern[0]",
    ),
    ("object.definition.choices.1.id", "golf", "$.object.definition.choices[1].id"),
    ("object.definition.choices.1.id", DELETE, "$.object.definition.choices[1].id"),
    ("object.definition.choices.1.id", 7, "$.object.definition.choices[1].id"),
    ("object.definition.choices.1.name", "x", "$.object.definition.choices[1].name"),
    ("object.definition.choices.1", "tetris", "$.object.definition.choices[1]"),
    ("object.definition.choices.0.description.sr-Latn-RS", "Golf", None),
    (
        "object.definition.choices.0.description",
        {"a12345678": "x"},
        "$.object.definition.choices[0].description.a12345678",
    ),
    # 2.4.4.2: an Agent or Group Object states its objectType
    ("object", {"objectType": "Agent", "mbox": "mailto:a@example.com"}, "$.context.revision"),
    ("object", {"mbox": "mailto:a@example.com"}, "$.object.mbox"),
    # 2.4.4.3 StatementRef
    ("object", {"objectType": "StatementRef", "id": UUID}, "$.context.revision"),
    ("object", {"objectType": "statementref", "id": UUID}, "$.object.objectType"),
    ("object", {"objectType": "StatementRef"}, "$.object.id"),
    ("object", {"objectType": "StatementRef", "id": "should fail"}, "$.object.id"),
    ("object", {"objectType": "StatementRef", "id": UUID, "x": 1}, "$.object.x"),
    ("context.statement", {"id": UUID}, "$.context.statement.objectType"),
    ("context.statement.id", "AA97B177-9383-4934-8543-0F91A7A028368", "$.context.statement.id"),
]

RESULT_AND_CONTEXT_CASES: list[Case] = [
    # 2.4.5 Result, 2.4.5.1 Score
    ("result.score.scaled", 1.0, None),
    ("result.score.scaled", -1, None),
    ("result.score.scaled", 1.01, "$.result.score.scaled"),
    ("result.score.scaled", -1.5, "$.result.score.scaled"),
    ("result.score.scaled", "0.5", "$.result.score.scaled"),
    ("result.score.scaled", True, "$.result.score.scaled"),
    ("result.score.max", "one hundred", "$.result.score.max"),
    ("result.score.max", "100", "$.result.score.max"),
    ("result.score.max", 100.6767676, None),
    ("result.score.max", 94, "$.result.score.raw"),
    ("result.score.min", 96, "$.result.score.raw"),
    ("result.score.min", 100, "$.result.score.max"),
    ("result.score.min", 104.6767676, "$.result.score.max"),
    ("result.score.raw", 0, None),
    ("result.score.raw", 100, None),
    ("result.score", {"raw": -5}, None),
    ("result.score", {}, None),
    ("result.score", 12345, "$.result.score"),
    ("result.success", "true", "$.result.success"),
    ("result.success", 1, "$.result.success"),
    ("result.completion", "false", "$.result.completion"),
    ("result.completion", {"key": "invalid"}, "$.result.completion"),
    ("result.response", 12345, "$.result.response"),
    ("result.extensions", 12345, "$.result.extensions"),
    ("result.extensions", {"should fail": True}, '$.result.extensions["should fail"]'),
    (
        "result.extensions",
        {"example.com/extension/wrong": 1234},
        '$.result.extensions["example.com/extension/wrong"]',
    ),
    ("result", {}, None),
    # 4.6 durations
    ("result.duration", "PT4H35M59.14S", None),
    ("result.duration", "PT16559.14S", None),
    ("result.duration", "P3Y1M29DT4H35M59.14S", None),
    ("result.duration", "P4W", None),
    ("result.duration", "P4W1D", "$.result.duration"),
    ("result.duration", "PA1H0M0S", "$.result.duration"),
    ("result.duration", 12345, "$.result.duration"),
    # 2.4.6 Context
    ("context.registration", "should fail", "$.context.registration"),
    ("context.registration", {"key": "x"}, "$.context.registration"),
    ("context.revision", 12345, "$.context.revision"),
    ("context.platform", {"key": "x"}, "$.context.platform"),
    ("context.language", "something", "$.context.language"),
    ("context.language", "cmn", None),
    ("context.language", 12345, "$.context.language"),
    ("context.contextActivities", "should fail", "$.context.contextActivities"),
    ("context.contextActivities.parent", {"id": "http://example.com/quiz"}, None),
    ("context.contextActivities.parent.0.id", "quiz", "$.context.contextActivities.parent[0].id"),
    (
        "context.contextActivities.other",
        [{"id": "http://example.com/a"}, {"key": "should fail"}],
        "$.context.contextActivities.other[1].key",
    ),
    (
        "context.contextActivities.other",
        [{"objectType": "Agent", "mbox": "mailto:a@example.com"}],
        "$.context.contextActivities.other[0].objectType",
    ),
    (
        "context.contextActivities.category",
        "http://example.com/a",
        "$.context.contextActivities.category",
    ),
    (
        "context.extensions",
        {"example.com/extension/wrong": 1},
        '$.context.extensions["example.com/extension/wrong"]',
    ),
    ("context.extensions", {"http://example.com/ex": None}, None),
    ("context", {}, None),
    # 2.4.11 Attachments
    ("attachments", [], None),
    ("attachments", {"usageType": "http://x.org/u"}, "$.attachments"),
    ("attachments.0", 12345, "$.attachments[0]"),
    ("attachments.0.usageType", "should fail", "$.attachments[0].usageType"),
    ("attachments.0.usageType", DELETE, "$.attachments[0].usageType"),
    ("attachments.0.display", DELETE, "$.attachments[0].display"),
    ("attachments.0.display", "A test attachment", "$.attachments[0].display"),
    ("attachments.0.display.something", "x", "$.attachments[0].display.something"),
    ("attachments.0.description.es-MX", "Un accesorio", None),
    ("attachments.0.description", 12345, "$.attachments[0].description"),
    ("attachments.0.contentType", 12345, "$.attachments[0].contentType"),
    ("attachments.0.contentType", "plain text", "$.attachments[0].contentType"),
    ("attachments.0.length", "27", "$.attachments[0].length"),
    ("attachments.0.length", -1, "$.attachments[0].length"),
    ("attachments.0.length", 27.5, "$.attachments[0].length"),
    ("attachments.0.length", True, "$.attachments[0].length"),
    ("attachments.0.sha2", 12345, "$.attachments[0].sha2"),
    ("attachments.0.sha2", "not a hash", "$.attachments[0].sha2"),
    ("attachments.0.sha2", "ab" * 64, None),  # SHA-512
    ("attachments.0.fileUrl", "should fail", "$.attachments[0].fileUrl"),
    ("attachments.0.fileUrl", DELETE, None),
    # 2.6.s4.b1: a signature (the full statement's usageType) is application/octet-stream
    ("attachments.0.contentType", "text/plain; charset=ascii", "$.attachments[0].contentType"),
    ("attachments.0.contentType", "application/octet-stream; x=1", None),
]


@pytest.mark.parametrize(
    ("dotted", "value", "error_path"),
    STATEMENT_CASES + ACTOR_CASES + VERB_AND_OBJECT_CASES + RESULT_AND_CONTEXT_CASES,
)
def test_statement_rules(dotted: str, value: object, error_path: str | None) -> None:
    statement = mutated(full_statement(), dotted, value)
    if error_path is None:
        validate_statement(statement)
    else:
        assert_rejected(statement, error_path)


SUBSTATEMENT_CASES: list[Case] = [
    ("object", substatement(), None),
    ("object.context", {"revision": "r1"}, None),
    ("object.object", {"objectType": "StatementRef", "id": UUID}, "$.object.context.platform"),
    (
        "object.object",
        {"objectType": "SubStatement", **substatement()},
        "$.object.object.objectType",
    ),
    ("object.id", UUID, "$.object.id"),
    ("object.stored", "2024-01-31T12:00:00Z", "$.object.stored"),
    ("object.version", "1.0.0", "$.object.version"),
    ("object.authority", {"mbox": "mailto:a@example.com"}, "$.object.authority"),
    ("object.actor", DELETE, "$.object.actor"),
    ("object.verb", DELETE, "$.object.verb"),
    ("object.object", DELETE, "$.object.object"),
    ("object.timestamp", "should fail", "$.object.timestamp"),
    ("object.actor.objectType", "agent", "$.object.actor.objectType"),
    ("object.verb.display", {"sr-Cyrl": "посетио"}, None),
    ("object.verb.display", {"something": "x"}, "$.object.verb.display.something"),
    ("object.attachments", full_statement()["attachments"], None),
    ("object.objectType", DELETE, "$.object.actor"),  # then it is an Activity
    ("object.foo", 1, "$.object.foo"),
]


@pytest.mark.parametrize(("dotted", "value", "error_path"), SUBSTATEMENT_CASES)
def test_substatement_rules(dotted: str, value: object, error_path: str | None) -> None:
    base = mutated(minimal_statement(), "object", substatement())
    statement = mutated(base, dotted, value)
    if error_path is None:
        validate_statement(statement)
    else:
        assert_rejected(statement, error_path)


def test_attachments_of_any_other_usage_have_any_media_type() -> None:
    statement = mutated(full_statement(), "attachments.0.usageType", "http://example.com/usage")
    statement["attachments"][0]["contentType"] = "text/plain; charset=ascii"
    validate_statement(statement)


def test_context_revision_and_platform_only_with_an_activity_object() -> None:
    statement = mutated(full_statement(), "object", {"objectType": "StatementRef", "id": UUID})
    assert_rejected(statement, "$.context.revision")
    del statement["context"]["revision"]
    assert_rejected(statement, "$.context.platform")
    del statement["context"]["platform"]
    validate_statement(statement)


def test_voiding_statement_with_a_statement_ref_is_valid() -> None:
    validate_statement(
        {
            "actor": {"objectType": "Agent", "mbox": "mailto:admin@example.adlnet.gov"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"},
        }
    )


@pytest.mark.parametrize(
    ("key", "value", "error_path"),
    [
        ("result", {"success": "yes"}, "$.object.result.success"),
        ("context", {"language": "something"}, "$.object.context.language"),
        ("object", {"id": "no-scheme"}, "$.object.object.id"),
        ("timestamp", "yesterday", "$.object.timestamp"),
    ],
)
def test_rules_apply_inside_a_substatement(key: str, value: object, error_path: str) -> None:
    statement = mutated(minimal_statement(), "object", substatement())
    statement["object"][key] = value
    assert_rejected(statement, error_path)


def test_message_names_statement_index_path_and_rule() -> None:
    statement = mutated(full_statement(), "result.score.scaled", 2)
    with pytest.raises(StatementError) as caught:
        validate_statement(statement, "$[3]")
    error = caught.value
    assert str(error) == "$[3].result.score.scaled: must be between -1 and 1"
    assert (error.path, error.rule) == ("$[3].result.score.scaled", "must be between -1 and 1")
    assert isinstance(error, XAPIError) and error.status == 400


@pytest.mark.parametrize("value", [None, [], "statement", 1, 1.5, True, [minimal_statement()]])
def test_a_statement_is_an_object(value: object) -> None:
    assert_rejected(value, "$")


@pytest.mark.parametrize("build", [full_statement, minimal_statement])
def test_valid_statements(build: Callable[[], dict[str, Any]]) -> None:
    validate_statement(build())


def test_validation_does_not_modify_the_statement() -> None:
    statement = full_statement()
    statement["object"] = substatement()
    statement["context"].pop("revision")
    statement["context"].pop("platform")
    before = copy.deepcopy(statement)
    validate_statement(statement)
    assert statement == before


# --- Agents, Activity ids ---


@pytest.mark.parametrize(
    ("agent", "error_path"),
    [
        ({"mbox": "mailto:a@example.com"}, None),
        ({"objectType": "Group", "mbox": "mailto:team@example.com"}, None),
        ({"objectType": "Group", "member": [{"openid": "http://example.org/a"}]}, None),
        (
            {"account": {"homePage": "http://example.com", "name": "a"}, "mbox": "mailto:a@b.c"},
            "agent",
        ),
        ({}, "agent"),
        ("mailto:a@example.com", "agent"),
        ({"objectType": "Activity", "id": "http://example.com"}, "agent.objectType"),
        ({"mbox": "mailto:a@example.com", "member": []}, "agent.member"),
    ],
)
def test_validate_agent(agent: object, error_path: str | None) -> None:
    if error_path is None:
        validate_agent(agent, "agent")
        return
    with pytest.raises(StatementError) as caught:
        validate_agent(agent, "agent")
    assert caught.value.path == error_path


def test_validate_activity_id() -> None:
    validate_activity_id("http://example.com/activity", "activityId")
    with pytest.raises(StatementError) as caught:
        validate_activity_id("not.a.valid.iri.com/activity", "activityId")
    assert caught.value.path == "activityId"


# --- Formats ---


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("http://example.com", True),
        ("https://w3id.org/xapi/video/verbs/played", True),
        ("http://example.com/xapi/verbs#defenestrated", True),
        ("urn:uuid:7d4f3c70-1e79-4243-9b7d-166076ce8bfb", True),
        ("uuid://7d4f3c70-1e79-4243-9b7d-166076ce8bfb", True),
        ("course-v1:FUN-MOOC+00002+session01", True),
        ("mailto:user@example.com", True),
        ("http://example.com/فعل/خواندن", True),
        ("http://example.com/a?b=c&d=[1]", True),
        ("", False),
        ("example.com/x", False),
        ("not.a.valid.iri.com/verb", False),
        ("ab=c://should.fail.com", False),
        ("1http://example.com", False),
        (":example", False),
        ("http:", False),
        ("http://exa mple.com", False),
        ("http://example.com/\n", False),
        ("http://example.com/<x>", False),
        ("http://example.com/a\u00a0b", False),
        (None, False),
        (12, False),
        (["http://example.com"], False),
    ],
)
def test_is_iri(value: object, valid: bool) -> None:
    assert is_iri(value) is valid
    assert is_iri(value) is valid  # the second time from the cache


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", True),
        ("FD41C918-B88B-4B20-A0A5-A4C32391AAA0", True),
        ("00000000-0000-0000-0000-000000000000", True),
        ("AA97B177-9383-4934-8543-0F91A7A028368", False),
        ("MA97B177-9383-4934-8543-0F91A7A02836", False),
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0\n", False),
        ("urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0", False),
        ("", False),
        (None, False),
    ],
)
def test_is_uuid(value: object, valid: bool) -> None:
    assert is_uuid(value) is valid


VALID_TIMESTAMPS = [
    "2015-11-18T12:17:00+00:00",
    "2015-11-18T12:17:00Z",
    "2015-11-18T12:17:00.123Z",
    "2015-11-18T12:17:00.123456789Z",
    "2021-11-29T23:09:00.867219+00:00",
    "2015-11-18T12:17:00",
    "2015-11-18T12:17:00.5",
    "2015-11-18T12:17:00+01:00",
    "2015-11-18T12:17:00-05:30",
    "2015-11-18T12:17:00+0100",
    "2015-11-18T12:17:00-05",
    "2015-11-18T12:17:00,5Z",
    "2016-02-29T00:00:00Z",
    "2000-02-29T00:00:00Z",
    "2015-01-31T23:59:59Z",
    "2015-04-30T00:00:00Z",
    "2015-12-31T00:00:00+23:59",
    "9999-12-31T23:59:59.999Z",
    "0001-01-01T00:00:00Z",
]
INVALID_TIMESTAMPS = [
    "01/011/2015",
    "should fail",
    "2008-09-15T15:53:00.601-00",
    "2008-09-15T15:53:00.601-0000",
    "2008-09-15T15:53:00.601-00:00",
    "2015-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2015-04-31T00:00:00Z",
    "2015-13-01T00:00:00Z",
    "2015-00-01T00:00:00Z",
    "2015-01-00T00:00:00Z",
    "2015-11-18T24:00:00Z",
    "2015-11-18T12:60:00Z",
    "2015-11-18T12:17:60Z",
    "2015-11-18T12:17Z",
    "2015-11-18",
    "2015-11-18 12:17:00Z",
    "2015-11-18t12:17:00z",
    "20151118T121700Z",
    "2015-11-18T12:17:00+24:00",
    "2015-11-18T12:17:00+01:0",
    "2015-11-18T12:17:00.Z",
    "2015-11-18T12:17:00Z\n",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-05:00",  # year 10000 in UTC
    "0001-01-01T00:00:00+01:00",  # year 0 in UTC
    "\u0662\u0660\u0661\u0665-11-18T12:17:00Z",  # Arabic-Indic digits
    "",
    None,
    1447849020,
]


@pytest.mark.parametrize("value", VALID_TIMESTAMPS)
def test_valid_timestamps_convert_to_utc(value: str) -> None:
    assert is_timestamp(value)
    # The storage layer relies on this: every accepted timestamp parses and converts to UTC.
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment.astimezone(UTC)


@pytest.mark.parametrize("value", INVALID_TIMESTAMPS)
def test_invalid_timestamps(value: object) -> None:
    assert not is_timestamp(value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("PT4H35M59.14S", True),
        ("PT16559.14S", True),
        ("P3Y1M29DT4H35M59.14S", True),
        ("P3Y", True),
        ("P4W", True),
        ("PT1H0M0.1S", True),
        ("P0D", True),
        ("PT0S", True),
        ("P1.5Y", True),
        ("PT1,5S", True),
        ("P1DT12H", True),
        ("P4W1D", False),
        ("PA1H0M0S", False),
        ("P", False),
        ("PT", False),
        ("P1YT", False),
        ("PT1.5H30M", False),
        ("PT1.5S2", False),
        ("PT1.5.5S", False),
        ("P16559.14S", False),  # the spec's 4.6 example lacks the "T" seconds need
        ("PT1H1H", False),
        ("P1M1Y", False),
        ("-PT1H", False),
        ("pt1h", False),
        ("1H", False),
        ("P0003-01-29T04:35:59", False),  # the alternative format, forbidden by 4.6.s1.b1
        ("", False),
        (12345, False),
    ],
)
def test_is_duration(value: object, valid: bool) -> None:
    assert is_duration(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("en", True),
        ("en-US", True),
        ("de-DE", True),
        ("zh-Hant", True),
        ("sr-Latn-RS", True),
        ("zh-Hans-CN", True),
        ("cmn", True),
        ("ase", True),
        ("es-419", True),
        ("de-CH-1901", True),
        ("sl-rozaj-biske", True),
        ("zh-yue-HK", True),
        ("en-a-bbb-x-a-ccc", True),
        ("x-private", True),
        ("i-klingon", True),
        ("en-GB-oed", True),
        ("EN-us", True),
        ("something", False),
        ("a12345678", False),
        ("a12345", False),
        ("zh-z-aaa-z-bbb-c-ccc", False),
        ("de-1901-1901", False),
        ("en-", False),
        ("-en", False),
        ("en_US", False),
        ("en-US-", False),
        ("12", False),
        ("e", False),
        ("", False),
        (None, False),
    ],
)
def test_is_language_tag(value: object, valid: bool) -> None:
    assert is_language_tag(value) is valid
    assert is_language_tag(value) is valid  # the second time from the cache


# --- Real statements ---

# The extension IRIs of the video profile share this prefix.
VIDEO_EXTENSION = "https://w3id.org/xapi/video/extensions/"
VIDEO_STATEMENTS = [
    {
        "verb": {"id": "https://w3id.org/xapi/video/verbs/seeked", "display": {"en-US": "seeked"}},
        "context": {
            "extensions": {f"{VIDEO_EXTENSION}session-id": "abb32c5b-ab8f-5f00-9718-267b6e6ba727"},
            "contextActivities": {
                "category": [{"id": "https://w3id.org/xapi/video"}],
                "parent": [
                    {
                        "id": "course-v1:FUN-MOOC+00002+session01",
                        "objectType": "Activity",
                        "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
                    }
                ],
            },
        },
        "result": {
            "extensions": {
                f"{VIDEO_EXTENSION}time-from": 124.692,
                f"{VIDEO_EXTENSION}time-to": 176.4,
                f"{VIDEO_EXTENSION}length": 263.24,
                f"{VIDEO_EXTENSION}progress": 0.472,
                f"{VIDEO_EXTENSION}played-segments": "0[.]42.608[,]43.168[.]124.692[,]176.4",
            }
        },
        "id": "9dc99b37-e920-4a68-a066-917faca28949",
        "actor": {
            "objectType": "Agent",
            "account": {
                "name": "f6c5ca7f-9daa-4830-a6a7-887af156e9ce",
                "homePage": "http://fun-mooc.fr",
            },
        },
        "object": {
            "definition": {
                "type": "https://w3id.org/xapi/video/activity-type/video",
                "name": {"en-US": "FUN-f1bdf5a4-8b9e-582b-aa22-2d7e3a6e4343"},
            },
            "id": "uuid://7d4f3c70-1e79-4243-9b7d-166076ce8bfb",
            "objectType": "Activity",
        },
        "timestamp": "2021-11-29T23:09:00.867219+00:00",
    },
    {
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/interacted",
            "display": {"en-US": "interacted"},
        },
        "context": {
            "extensions": {
                f"{VIDEO_EXTENSION}session-id": "1a0cf600-94ba-55be-b2e1-1b661d458812",
                f"{VIDEO_EXTENSION}cc-subtitle-enabled": False,
                f"{VIDEO_EXTENSION}full-screen": True,
                f"{VIDEO_EXTENSION}quality": 1080,
                f"{VIDEO_EXTENSION}speed": "1x",
                f"{VIDEO_EXTENSION}volume": 1,
            },
            "contextActivities": {
                "category": [{"id": "https://w3id.org/xapi/video"}],
                "parent": [
                    {
                        "id": "course-v1:FUN-MOOC+00001+session01",
                        "objectType": "Activity",
                        "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
                    }
                ],
            },
        },
        "result": {"extensions": {f"{VIDEO_EXTENSION}time": 24.344}},
        "id": "adc65356-8a4d-490d-8971-fb967e5176ce",
        "actor": {
            "objectType": "Agent",
            "account": {
                "name": "fd014108-6f11-4e52-9ccd-0b9dba7e9ebb",
                "homePage": "http://fun-mooc.fr",
            },
        },
        "object": {
            "definition": {
                "type": "https://w3id.org/xapi/video/activity-type/video",
                "name": {"en-US": "FUN-30f27181-fc6a-5e5c-b1cf-54f9121d098e"},
            },
            "id": "uuid://e151ee65-7a72-478c-ac57-8a02f19e748b",
            "objectType": "Activity",
        },
        "timestamp": "2021-11-30T15:39:43.404668+00:00",
    },
    {
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/initialized",
            "display": {"en-US": "initialized"},
        },
        "context": {
            "extensions": {
                f"{VIDEO_EXTENSION}session-id": "0f47b48e-a416-586a-a52e-30015ea3a865",
                f"{VIDEO_EXTENSION}cc-subtitle-enabled": False,
                f"{VIDEO_EXTENSION}full-screen": False,
                f"{VIDEO_EXTENSION}length": 525,
                f"{VIDEO_EXTENSION}speed": "1x",
                f"{VIDEO_EXTENSION}volume": 1,
                f"{VIDEO_EXTENSION}completion-threshold": 0.919,
            },
            "contextActivities": {
                "category": [{"id": "https://w3id.org/xapi/video"}],
                "parent": [
                    {
                        "id": "course-v1:FUN-MOOC+00002+session01",
                        "objectType": "Activity",
                        "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
                    }
                ],
            },
        },
        "id": "d928886f-cd94-4dbd-bba0-f55dc2017b11",
        "actor": {
            "objectType": "Agent",
            "account": {
                "name": "186996c2-9509-4c10-a95e-1f488510a403",
                "homePage": "http://fun-mooc.fr",
            },
        },
        "object": {
            "definition": {
                "type": "https://w3id.org/xapi/video/activity-type/video",
                "name": {"en-US": "FUN-d1e0943d-a083-5981-9469-1b6098c291f3"},
            },
            "id": "uuid://1c0c127a-f121-4bd1-8db6-918605c2645d",
            "objectType": "Activity",
        },
        "timestamp": "2021-11-30T15:36:47.666723+00:00",
    },
    {
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/terminated",
            "display": {"en-US": "terminated"},
        },
        "context": {
            "extensions": {
                f"{VIDEO_EXTENSION}completion-threshold": 0.806,
                f"{VIDEO_EXTENSION}length": 254,
                f"{VIDEO_EXTENSION}session-id": "56a966aa-2bf5-5ae6-a682-dda0f0ac7cff",
            },
            "contextActivities": {
                "category": [{"id": "https://w3id.org/xapi/video"}],
                "parent": [
                    {
                        "id": "course-v1:FUN-MOOC+00001+session01",
                        "objectType": "Activity",
                        "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
                    }
                ],
            },
        },
        "result": {
            "extensions": {
                f"{VIDEO_EXTENSION}time": 0,
                f"{VIDEO_EXTENSION}progress": 0,
                f"{VIDEO_EXTENSION}played-segments": "",
            }
        },
        "id": "ec4b65c1-a646-4a5e-bdec-3ffc0de0ae71",
        "actor": {
            "objectType": "Agent",
            "account": {
                "name": "1e5387d3-ee57-49f6-bd9b-d937259a1e47",
                "homePage": "http://fun-mooc.fr",
            },
        },
        "object": {
            "definition": {
                "type": "https://w3id.org/xapi/video/activity-type/video",
                "name": {"en-US": "FUN-65bcad3c-1560-5f95-9737-00496e944d53"},
            },
            "id": "uuid://b172ec09-97ec-4651-bc57-6eabebf47ed0",
            "objectType": "Activity",
        },
        "timestamp": "2021-11-27T17:23:27.124175+00:00",
    },
]


@pytest.mark.parametrize("index", range(len(VIDEO_STATEMENTS)))
def test_video_statements_are_valid(index: int) -> None:
    validate_statement(VIDEO_STATEMENTS[index], f"$[{index}]")


@pytest.mark.skipif(
    not VIDEO_FIXTURE.exists(), reason="tests/fixtures/video-statements.json.gz absent"
)
def test_all_video_fixture_statements_are_valid() -> None:
    lines = gzip.decompress(VIDEO_FIXTURE.read_bytes()).splitlines()
    statements = [orjson.loads(line) for line in lines if line.strip()]
    assert len(statements) == 22_000
    for index, statement in enumerate(statements):
        validate_statement(statement, f"$[{index}]")


def test_cmi5_fixtures_are_present() -> None:
    assert len(CMI5_FIXTURES) >= 10


@pytest.mark.parametrize("path", CMI5_FIXTURES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_cmi5_sample_statements_are_valid(path: Path) -> None:
    validate_statement(json.loads(path.read_text(encoding="utf-8")))


# --- Fuzzing: whatever the input, only StatementError ---

ODD_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**40,
    -1e300,
    "",
    "x",
    "Agent",
    "Group",
    "SubStatement",
    "StatementRef",
    "Activity",
    "http://example.com/x",
    "mailto:a@example.com",
    UUID,
    "2024-01-31T12:00:00Z",
    "PT1S",
    "en-US",
    [],
    [None],
    [{}],
    ["x", 1],
    {},
    {"objectType": "Group"},
    {"objectType": "SubStatement"},
    {"objectType": "StatementRef", "id": UUID},
    {"id": None},
    {"en-US": None},
    {"http://example.com/x": None},
    {"member": [1]},
    {"": ""},
]


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path to a value inside ``node`` (dict keys and list indices)."""
    paths: list[tuple[object, ...]] = []
    items: list[tuple[object, object]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, child in items:
        paths.append((*prefix, key))
        paths.extend(_paths(child, (*prefix, key)))
    return paths


def _perturb(statement: dict[str, Any], rng: random.Random) -> object:
    """One random change: delete a key, replace a value, add a key, or wrap a value."""
    paths = _paths(statement)
    path = rng.choice(paths)
    parent: Any = statement
    for part in path[:-1]:
        parent = parent[part]
    key: Any = path[-1]
    action = rng.randrange(4)
    if action == 0:
        del parent[key]
    elif action == 1:
        parent[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif action == 2 and isinstance(parent, dict):
        parent[rng.choice(["objectType", "id", "member", "extra", "mbox", "definition"])] = (
            copy.deepcopy(rng.choice(ODD_VALUES))
        )
    else:
        parent[key] = [parent[key]] if rng.random() < 0.5 else {"wrapped": parent[key]}
    return statement


def _seed_statements() -> list[dict[str, Any]]:
    with_substatement = mutated(minimal_statement(), "object", substatement())
    with_group = mutated(
        minimal_statement(), "actor", {"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}]}
    )
    cmi5 = [json.loads(path.read_text(encoding="utf-8")) for path in CMI5_FIXTURES[-3:]]
    return [full_statement(), with_substatement, with_group, *VIDEO_STATEMENTS[:2], *cmi5]


def test_fuzzed_statements_raise_only_statement_error() -> None:
    rng = random.Random(20240131)
    seeds = _seed_statements()
    outcomes = {"valid": 0, "rejected": 0}
    for _ in range(6000):
        statement = copy.deepcopy(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            _perturb(statement, rng)
        before = copy.deepcopy(statement)
        try:
            validate_statement(statement, "$[0]")
            outcomes["valid"] += 1
        except StatementError as error:
            assert error.path.startswith("$[0]")
            outcomes["rejected"] += 1
        assert statement == before  # never modified
    assert outcomes["rejected"] > 1000 and outcomes["valid"] > 100


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_in_every_position_raise_only_statement_error(value: object) -> None:
    for seed in _seed_statements()[:3]:
        for path in _paths(seed):
            statement = copy.deepcopy(seed)
            parent: Any = statement
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = copy.deepcopy(value)
            with contextlib.suppress(StatementError):
                validate_statement(statement)
