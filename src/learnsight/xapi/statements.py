"""From a validated statement to what the LRS stores: LRS-set properties, typed columns, identity.

xAPI Data 2.3.1 lists what an LRS may set or change (id, authority, stored, timestamp, version) and
which differences do not count when two statements with one id are compared.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import orjson

from learnsight.xapi.agents import actor_key, ifi_key, member_keys
from learnsight.xapi.durations import iso_duration_seconds

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
DEFAULT_VERSION = "1.0.0"
# Namespace of the deterministic ids given to imported statements that carry none.
IMPORT_NAMESPACE = uuid.UUID("6f1c2f4e-5d0b-4a53-9a51-3c6d8f2b7e10")
CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


@dataclass(slots=True)
class StatementRow:
    """One statement, ready to insert: typed columns plus the stored JSON."""

    id: str
    stored: datetime
    timestamp: datetime
    statement: dict[str, Any]
    columns: dict[str, Any]
    attachment_hashes: list[str]


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime (no offset means UTC)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def http_date(moment: datetime) -> str:
    """An HTTP-date (RFC 7231), as Last-Modified wants it."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def normalize(statement: dict[str, Any]) -> None:
    """Store single context Activities as one-element arrays (Data 2.4.6.2), in place."""
    for holder in (statement, statement.get("object")):
        if not isinstance(holder, dict):
            continue
        activities = holder.get("context", {}).get("contextActivities")
        if activities:
            for kind, value in activities.items():
                if isinstance(value, dict):
                    activities[kind] = [value]


def complete(
    statement: dict[str, Any], authority: dict[str, Any], stored: datetime
) -> StatementRow:
    """Set the LRS-owned properties and extract the typed columns."""
    normalize(statement)
    statement_id = statement.setdefault("id", str(uuid.uuid4())).lower()
    statement["id"] = statement_id
    statement["authority"] = authority
    statement["stored"] = format_timestamp(stored)
    statement.setdefault("version", DEFAULT_VERSION)
    if "timestamp" in statement:
        timestamp = parse_timestamp(statement["timestamp"])
    else:
        timestamp = stored
        statement["timestamp"] = statement["stored"]
    hashes = [a["sha2"] for a in statement.get("attachments", ()) if "sha2" in a]
    columns = typed_columns(statement)
    return StatementRow(statement_id, stored, timestamp, statement, columns, hashes)


def typed_columns(statement: dict[str, Any]) -> dict[str, Any]:
    """The columns KPIs and queries filter on, so that they never parse JSON."""
    actor = statement["actor"]
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    result = statement.get("result", {})
    score = result.get("score", {})
    context = statement.get("context", {})
    activities = context.get("contextActivities", {})
    return {
        "actor_key": actor_key(actor),
        "actor_members": member_keys(actor) or None,
        "verb_id": statement["verb"]["id"],
        "object_type": object_type,
        "object_id": object_identity(obj, object_type),
        "object_members": member_keys(obj) or None if object_type == "Group" else None,
        "activity_type": obj.get("definition", {}).get("type")
        if object_type == "Activity"
        else None,
        "registration": context.get("registration"),
        "result_success": result.get("success"),
        "result_completion": result.get("completion"),
        "result_score_scaled": score.get("scaled"),
        "result_score_raw": score.get("raw"),
        "result_score_min": score.get("min"),
        "result_score_max": score.get("max"),
        "result_duration_seconds": duration_seconds(result.get("duration")),
        "context_parent_ids": [a["id"] for a in activities.get("parent", ())] or None,
        "context_grouping_ids": [a["id"] for a in activities.get("grouping", ())] or None,
        "related_agents": sorted(related_agents(statement)),
        "related_activities": sorted(related_activities(statement)),
        "ref_target": obj["id"].lower() if object_type == "StatementRef" else None,
    }


def object_identity(obj: dict[str, Any], object_type: str) -> str | None:
    if object_type in ("Agent", "Group"):
        return actor_key(obj)
    if object_type == "SubStatement":
        return None
    return str(obj["id"])


def related_agents(statement: dict[str, Any]) -> set[str]:
    """Every agent key of actor, object, authority, instructor and team, SubStatement too."""
    keys: set[str] = set()
    context = statement.get("context", {})
    for agent in (
        statement.get("actor"),
        statement.get("authority"),
        context.get("instructor"),
        context.get("team"),
    ):
        if agent:
            add_agent_keys(agent, keys)
    obj = statement.get("object", {})
    if obj.get("objectType") in ("Agent", "Group"):
        add_agent_keys(obj, keys)
    elif obj.get("objectType") == "SubStatement":
        keys |= related_agents(obj)
    return keys


def add_agent_keys(agent: dict[str, Any], keys: set[str]) -> None:
    if (key := ifi_key(agent)) is not None:
        keys.add(key)
    keys.update(member_keys(agent))


def related_activities(statement: dict[str, Any]) -> set[str]:
    """Every activity id of the object and context activities, SubStatement too."""
    ids: set[str] = set()
    obj = statement.get("object", {})
    if obj.get("objectType", "Activity") == "Activity":
        ids.add(obj["id"])
    elif obj.get("objectType") == "SubStatement":
        ids |= related_activities(obj)
    for kind_activities in statement.get("context", {}).get("contextActivities", {}).values():
        if isinstance(kind_activities, dict):
            kind_activities = [kind_activities]
        ids.update(a["id"] for a in kind_activities)
    return ids


def duration_seconds(value: str | None) -> float | None:
    """ISO 8601 duration in seconds; years and months count 365 and 30 days (for KPIs only)."""
    return iso_duration_seconds(value) if value else None


def comparable(statement: dict[str, Any]) -> bytes:
    """The statement's immutable part, serialised so that equal statements give equal bytes.

    Ignored (Data 2.3.1): id, authority, stored, version, timestamp serialisation, activity
    definitions, verb display, member order, attachments and the case of e-mail addresses.
    """
    body = copy.deepcopy(statement)
    strip_mutable(body)
    if "timestamp" in body:
        body["timestamp"] = format_timestamp(parse_timestamp(body["timestamp"]))
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def strip_mutable(body: dict[str, Any]) -> None:
    for prop in ("id", "authority", "stored", "version", "attachments"):
        body.pop(prop, None)
    body.get("verb", {}).pop("display", None)
    for agent in (body.get("actor"), body.get("object"), *context_agents(body)):
        if isinstance(agent, dict):
            canonical_agent(agent)
    obj = body.get("object", {})
    obj.pop("definition", None)
    if obj.get("objectType") == "SubStatement":
        strip_mutable(obj)
    for activities in body.get("context", {}).get("contextActivities", {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            activity.pop("definition", None)


def context_agents(body: dict[str, Any]) -> list[Any]:
    context = body.get("context", {})
    return [context.get("instructor"), context.get("team")]


def canonical_agent(agent: dict[str, Any]) -> None:
    if isinstance(agent.get("mbox"), str):
        agent["mbox"] = agent["mbox"].lower()
    members = agent.get("member")
    if isinstance(members, list):
        for member in members:
            canonical_agent(member)
        members.sort(key=lambda m: orjson.dumps(m, option=orjson.OPT_SORT_KEYS))


def same_statement(stored: dict[str, Any], received: dict[str, Any]) -> bool:
    """Whether a received statement matches the stored one with its id (Data 2.3.1.s9)."""
    if "timestamp" not in received:
        stored = {k: v for k, v in stored.items() if k != "timestamp"}
    return comparable(stored) == comparable(received)


def deterministic_id(statement: dict[str, Any]) -> str:
    """A UUIDv5 over the canonical form, so re-importing a file stores nothing twice."""
    return str(uuid.uuid5(IMPORT_NAMESPACE, comparable(statement).decode()))
