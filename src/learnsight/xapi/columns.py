"""The typed columns of a statement: what queries and KPIs read, so that they never parse JSON.

They are computed in Python from the statement already decoded for validation, then handed to
DuckDB as one Arrow table per batch. (Extracting them in SQL with DuckDB's JSON functions was
measured 2-3x slower per batch: see docs/decisions/0001.)
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from learnsight.xapi.agents import actor_key, ifi_key, member_keys
from learnsight.xapi.statements import VOIDED_VERB, StatementRow

_LIST = pa.list_(pa.string())
_TIME = pa.timestamp("us", tz="UTC")
# Every column of `statements` that the LRS fills, in the order `row_values` returns them.
COLUMN_TYPES: dict[str, pa.DataType] = {
    "seq": pa.int64(),
    "id": pa.string(),
    "stored": _TIME,
    "timestamp": _TIME,
    "actor_key": pa.string(),
    "actor_members": _LIST,
    "verb_id": pa.string(),
    "object_type": pa.string(),
    "object_id": pa.string(),
    "object_members": _LIST,
    "activity_type": pa.string(),
    "registration": pa.string(),
    "result_success": pa.bool_(),
    "result_completion": pa.bool_(),
    "result_score_scaled": pa.float64(),
    "result_score_raw": pa.float64(),
    "result_score_min": pa.float64(),
    "result_score_max": pa.float64(),
    "result_duration_seconds": pa.float64(),
    "context_parent_ids": _LIST,
    "context_grouping_ids": _LIST,
    "related_agents": _LIST,
    "related_activities": _LIST,
    "ref_target": pa.string(),
    "voided": pa.bool_(),
    "credential_key": pa.string(),
    "raw": pa.string(),
}
SCHEMA = pa.schema(list(COLUMN_TYPES.items()))
EMPTY: dict[str, Any] = {}


def batch_table(
    rows: list[StatementRow],
    first_seq: int,
    voided: set[str],
    raws: list[str],
    credential: str | None,
) -> pa.Table:
    """The Arrow table of a batch; `voided` holds ids already targeted by a voiding statement."""
    values = [
        row_values(first_seq + i, row, row.id in voided, raw, credential)
        for i, (row, raw) in enumerate(zip(rows, raws, strict=True))
    ]
    columns = zip(*values, strict=True)
    arrays = [pa.array(column, kind) for column, kind in zip(columns, SCHEMA.types, strict=True)]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def row_values(
    seq: int, row: StatementRow, voided: bool, raw: str, credential: str | None
) -> tuple[Any, ...]:
    statement = row.statement
    actor = statement["actor"]
    obj = statement["object"]
    object_type = obj.get("objectType", "Activity")
    result = statement.get("result", EMPTY)
    score = result.get("score", EMPTY)
    context = statement.get("context", EMPTY)
    activities = context.get("contextActivities", EMPTY)
    return (
        seq, row.id, row.stored, row.timestamp,
        actor_key(actor), member_keys(actor) or None,
        row.verb_id, object_type, object_identity(obj, object_type),
        (member_keys(obj) or None) if object_type == "Group" else None,
        obj.get("definition", EMPTY).get("type") if object_type == "Activity" else None,
        context.get("registration"),
        result.get("success"), result.get("completion"),
        number(score.get("scaled")), number(score.get("raw")),
        number(score.get("min")), number(score.get("max")),
        row.duration_seconds,
        [a["id"] for a in activities["parent"]] if "parent" in activities else None,
        [a["id"] for a in activities["grouping"]] if "grouping" in activities else None,
        sorted(related_agents(statement)), sorted(related_activities(statement)),
        row.ref_target, voided and row.verb_id != VOIDED_VERB, credential, raw,
    )  # fmt: skip


def number(value: int | float | None) -> float | None:
    """As a float: Arrow refuses integers beyond 2**53 in a float64 column."""
    return None if value is None else float(value)


def object_identity(obj: dict[str, Any], object_type: str) -> str | None:
    if object_type in ("Agent", "Group"):
        return actor_key(obj)
    if object_type == "SubStatement":
        return None
    return str(obj["id"])


def related_agents(statement: dict[str, Any]) -> set[str]:
    """Agent keys of actor, object, authority, instructor and team, SubStatement too."""
    keys: set[str] = set()
    context = statement.get("context", EMPTY)
    for agent in (
        statement.get("actor"),
        statement.get("authority"),
        context.get("instructor"),
        context.get("team"),
    ):
        if agent:
            add_agent_keys(agent, keys)
    obj = statement.get("object", EMPTY)
    kind = obj.get("objectType")
    if kind == "Agent" or kind == "Group":
        add_agent_keys(obj, keys)
    elif kind == "SubStatement":
        keys |= related_agents(obj)
    return keys


def add_agent_keys(agent: dict[str, Any], keys: set[str]) -> None:
    if (key := ifi_key(agent)) is not None:
        keys.add(key)
    if "member" in agent:
        keys.update(member_keys(agent))


def related_activities(statement: dict[str, Any]) -> set[str]:
    """Activity ids of the object and context activities, SubStatement too."""
    ids: set[str] = set()
    obj = statement.get("object", EMPTY)
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        ids.add(obj["id"])
    elif kind == "SubStatement":
        ids |= related_activities(obj)
    for activities in statement.get("context", EMPTY).get("contextActivities", EMPTY).values():
        ids.update(a["id"] for a in activities)
    return ids
