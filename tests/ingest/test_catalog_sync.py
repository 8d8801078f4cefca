"""The catalog filled from the activity definitions the LRS keeps, never overwriting a field."""

from __future__ import annotations

import uuid
from typing import Any

from learnsight.ingest.catalog_sync import sync_catalog_from_activities
from learnsight.services import Services
from learnsight.xapi.validate import validate_statement

COURSE = "http://adlnet.gov/expapi/activities/course"
CMI5_COURSE = "https://w3id.org/xapi/cmi5/activitytype/course"
VIDEO = "https://w3id.org/xapi/video/activity-type/video"
SLIDES = "http://id.tincanapi.com/activitytype/slide-deck"
QUESTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
BASE = "https://lms.example.com/"


def statement(
    activity_id: str, definition: dict[str, Any] | None, **context: Any
) -> dict[str, Any]:
    activity: dict[str, Any] = {"id": activity_id}
    if definition is not None:
        activity["definition"] = definition
    made = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": activity,
        "timestamp": "2024-03-01T10:00:00Z",
    }
    if context:
        made["context"] = {"contextActivities": context}
    validate_statement(made)
    return made


def catalog(services: Services) -> dict[str, tuple[Any, ...]]:
    rows = (
        services.db.read()
        .execute("SELECT id, kind, name, content_type, features FROM catalog")
        .fetchall()
    )
    return {row[0]: row[1:] for row in rows}


def test_courses_and_content_come_from_definitions(services: Services) -> None:
    parent = {"id": BASE + "course/1", "definition": {"type": COURSE, "name": {"en-US": "Intro"}}}
    statements = [
        statement(BASE + "video/1", {"type": VIDEO}, parent=[parent]),
        statement(BASE + "course/2", {"type": CMI5_COURSE, "name": {"fr": "Cours"}}),
        statement(BASE + "deck/1", {"type": SLIDES, "name": {"de": "Folien", "en-GB": "Slides"}}),
        statement(BASE + "question/1", {"type": QUESTION, "name": {"en": "Q1"}}),
        statement(BASE + "page/1", {"name": {"en": "Untyped"}}),
        statement(BASE + "page/2", None),
    ]
    authority = {"mbox": "mailto:lrs@example.com"}
    services.statements.store(statements, authority)
    with services.db.write() as cur:  # what a catalog import set before
        cur.execute(
            "INSERT INTO catalog (id, kind, name, content_type, features) VALUES "
            f"('{BASE}video/1', 'item', 'My video', NULL, NULL), "
            f"('{BASE}course/1', 'course', NULL, 'ilt', ['reports'])"
        )

    assert sync_catalog_from_activities(services.db) == 4  # 2 added, 2 filled

    assert catalog(services) == {
        BASE + "course/1": ("course", "Intro", "ilt", ["reports"]),
        BASE + "video/1": ("item", "My video", "video", None),
        BASE + "course/2": ("course", "Cours", None, None),
        BASE + "deck/1": ("item", "Slides", "slides", None),
    }
    assert sync_catalog_from_activities(services.db) == 0


def test_nothing_to_sync(services: Services) -> None:
    assert sync_catalog_from_activities(services.db) == 0
    assert catalog(services) == {}
