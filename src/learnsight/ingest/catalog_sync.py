"""The catalog filled from xAPI activity definitions (the `activities` table).

Statements define their activities; the LRS keeps one merged definition per activity. An
activity whose definition type is a course becomes a `course` row of the catalog; one whose
type names a kind of content becomes an `item` row with that content type. Activities of
other types (questions, objectives, pages...) stay out. Only missing rows are added and only
empty fields filled: what an import or a person set is never overwritten.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa

from learnsight.db import Database
from learnsight.derived_tables import mark_changed
from learnsight.xapi import verbs

COURSE = "course"
ITEM = "item"  # a piece of content inside a course: a video, a document, a quiz...

COURSE_TYPES = (verbs.COURSE_TYPE, "https://w3id.org/xapi/cmi5/activitytype/course")
# Activity type -> catalog content type (docs/data-model.md lists them).
CONTENT_TYPES: dict[str, str] = {
    "https://w3id.org/xapi/video/activity-type/video": "video",
    "http://activitystrea.ms/schema/1.0/video": "video",
    "http://adlnet.gov/expapi/activities/media": "video",
    "http://id.tincanapi.com/activitytype/document": "pdf",
    "http://adlnet.gov/expapi/activities/file": "pdf",
    "http://id.tincanapi.com/activitytype/slide-deck": "slides",
    "http://id.tincanapi.com/activitytype/slide": "slides",
    "http://activitystrea.ms/schema/1.0/article": "article",
    verbs.ASSESSMENT_TYPE: "assessment",
    "http://adlnet.gov/expapi/activities/simulation": "lab",
    "http://adlnet.gov/expapi/activities/meeting": "ilt",
    "http://id.tincanapi.com/activitytype/webinar": "vilt",
    # The xAPI SCORM profile gives a SCO the type "lesson".
    "http://adlnet.gov/expapi/activities/lesson": "scorm",
}
LANGUAGE_PREFERENCE = ("en", "en-US", "en-GB")

FOUND_SCHEMA = pa.schema(
    [("id", pa.string()), ("kind", pa.string()), ("name", pa.string()),
     ("content_type", pa.string())]
)  # fmt: skip


def sync_catalog_from_activities(db: Database) -> int:
    """Add catalog rows for course and content activities, fill their empty name and content
    type; returns how many catalog rows were added or filled."""
    known_types = [*COURSE_TYPES, *CONTENT_TYPES]
    with db.write() as cur:
        definitions = cur.execute(
            "SELECT id, definition FROM activities "
            "WHERE json_extract_string(definition, '$.type') IN (SELECT unnest(?::VARCHAR[]))",
            [known_types],
        ).fetchall()
        found = pa.Table.from_pylist(
            [catalog_row(activity_id, orjson.loads(text)) for activity_id, text in definitions],
            schema=FOUND_SCHEMA,
        )
        cur.register("found_activities", found)
        try:
            filled = fill_catalog(cur)
        finally:
            cur.unregister("found_activities")
        if filled:
            mark_changed(cur, "catalog")
        return filled


def fill_catalog(cur: Any) -> int:
    """Insert the activities not in the catalog; fill the NULL fields of those that are."""
    cur.execute(
        """CREATE OR REPLACE TEMP TABLE catalog_changes AS
        SELECT f.* FROM found_activities f LEFT JOIN catalog c ON c.id = f.id
        WHERE c.id IS NULL
           OR (c.name IS NULL AND f.name IS NOT NULL)
           OR (c.content_type IS NULL AND f.content_type IS NOT NULL)"""
    )
    try:
        cur.execute(
            """INSERT INTO catalog (id, kind, name, content_type)
            SELECT id, kind, name, content_type FROM catalog_changes
            ON CONFLICT (id) DO UPDATE SET name = coalesce(name, excluded.name),
                content_type = coalesce(content_type, excluded.content_type)"""
        )
        row = cur.execute("SELECT count(*) FROM catalog_changes").fetchone()
        return int(row[0]) if row else 0
    finally:
        cur.execute("DROP TABLE catalog_changes")


def catalog_row(activity_id: str, definition: dict[str, Any]) -> dict[str, Any]:
    activity_type = definition.get("type")
    is_course = activity_type in COURSE_TYPES
    return {
        "id": activity_id,
        "kind": COURSE if is_course else ITEM,
        "name": display_name(definition.get("name")),
        "content_type": None if is_course else CONTENT_TYPES.get(str(activity_type)),
    }


def display_name(names: Any) -> str | None:
    """An English name when there is one, else the first language's."""
    if not isinstance(names, dict) or not names:
        return None
    for language in LANGUAGE_PREFERENCE:
        if isinstance(names.get(language), str):
            return str(names[language])
    english = sorted(tag for tag in names if tag.lower().startswith("en"))
    tag = english[0] if english else sorted(names)[0]
    return str(names[tag])
