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

from learnsight.xapi.durations import iso_duration_seconds

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
DEFAULT_VERSION = "1.0.0"
# Namespace of the deterministic ids given to imported statements that carry none.
IMPORT_NAMESPACE = uuid.UUID("6f1c2f4e-5d0b-4a53-9a51-3c6d8f2b7e10")


@dataclass(slots=True)
class StatementRow:
    """One statement with its LRS-set properties; xapi/columns.py derives the rest."""

    id: str
    stored: datetime
    timestamp: datetime
    statement: dict[str, Any]
    verb_id: str
    ref_target: str | None
    duration_seconds: float | None
    timestamp_given: bool  # False when the LRS set the timestamp to "stored"


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
    statement: dict[str, Any], authority: dict[str, Any], stored: datetime, stored_text: str
) -> StatementRow:
    """Set the LRS-owned properties (Data 2.4): id, authority, stored, version, timestamp."""
    normalize(statement)
    statement_id = statement.get("id")
    statement_id = str(uuid.uuid4()) if statement_id is None else statement_id.lower()
    statement["id"] = statement_id
    statement["authority"] = authority
    statement["stored"] = stored_text
    statement.setdefault("version", DEFAULT_VERSION)
    timestamp_given = "timestamp" in statement
    if timestamp_given:
        timestamp = parse_timestamp(statement["timestamp"])
    else:
        timestamp = stored
        statement["timestamp"] = statement["stored"]
    obj = statement["object"]
    ref_target = obj["id"].lower() if obj.get("objectType") == "StatementRef" else None
    duration = statement.get("result", {}).get("duration")
    seconds = iso_duration_seconds(duration) if duration else None
    verb_id = statement["verb"]["id"]
    return StatementRow(
        statement_id, stored, timestamp, statement, verb_id, ref_target, seconds, timestamp_given
    )


def attachment_hashes(statement: dict[str, Any]) -> list[str]:
    return [a["sha2"].lower() for a in statement.get("attachments", ()) if "sha2" in a]


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


def same_statement(
    stored: dict[str, Any], received: dict[str, Any], compare_timestamps: bool = True
) -> bool:
    """Whether a received statement matches the stored one with its id (Data 2.3.1.s9).

    When the received statement had no timestamp of its own, the LRS's is not compared.
    """
    if not compare_timestamps or "timestamp" not in received:
        stored = {k: v for k, v in stored.items() if k != "timestamp"}
        received = {k: v for k, v in received.items() if k != "timestamp"}
    return comparable(stored) == comparable(received)


def deterministic_id(statement: dict[str, Any]) -> str:
    """A UUIDv5 over the canonical form, so re-importing a file stores nothing twice."""
    return str(uuid.uuid5(IMPORT_NAMESPACE, comparable(statement).decode()))
