"""Product events sent in the Segment Tracking API format, as rows for the generic loader.

A request body is one call (`{"type": "track", ...}`; `type` may be left out, as on Segment's
/v1/track) or a batch (`{"batch": [calls...], "context": {...}}`, the batch's context applying
under each call's own). Every call becomes one row of text whose columns are named after the
call's JSON paths, so the loader's rules check them and name the path of a bad value. Only
`track` calls are stored; the other types (identify, page, screen, group, alias) are accepted
and skipped through the mapping's `only`, so a row's line stays its index in the batch.

Here only the envelope is checked (JSON shape, call types, sizes, an identity); the fields'
values (timestamp, e-mail address, properties) are the loader's rules' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from learnsight.ingest.kinds import KINDS
from learnsight.ingest.mapping import Mapping, Source
from learnsight.ingest.summary import ImportResult

MAX_BATCH_BYTES = 500 * 1024  # Segment's limit on one request
MAX_CALL_BYTES = 32 * 1024  # and on one call in it
CALL_TYPES = ("track", "identify", "page", "screen", "group", "alias")
REASONS_SHOWN = 10
# A call's JSON path -> the product_events field it fills.
FIELDS = {
    "messageId": "message_id",
    "userId": "user_id",  # the anonymousId when there is no userId
    "context.traits.email": "email",
    "context.groupId": "account_id",  # Segment's "group / account" of a call
    "event": "event",
    "timestamp": "timestamp",  # the time the request was received when left out
    "properties": "properties",
}
MAPPING = Mapping(
    KINDS["events"],
    {field: Source(column=path) for path, field in FIELDS.items()},
    only={"type": ("track",)},
    name="Segment track calls",
)


class SegmentError(ValueError):
    """A request that is not a Segment call or batch, with where and why."""


@dataclass(frozen=True)
class Calls:
    """The calls of one request: their rows, and how they are named in errors."""

    rows: pa.Table  # one row per call: `type` and the FIELDS paths, as text
    batch: bool  # sent as {"batch": [...]}, so calls are named $.batch[i]

    def where(self, index: int) -> str:
        return call_path(self.batch, index)


def call_path(batch: bool, index: int) -> str:
    """How errors name a call: by its index in a batch, else `$`, the body."""
    return f"$.batch[{index}]" if batch else "$"


def parse_calls(body: bytes, received: datetime) -> Calls:
    """The calls of a request body; `received` stands in for a call's missing timestamp."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise SegmentError(f"the body is not JSON ({error})") from None
    if not isinstance(data, dict):
        raise SegmentError('the body must be a JSON object: a call or {"batch": [...]}')
    batch = "batch" in data
    if batch and not isinstance(data["batch"], list):
        raise SegmentError("$.batch must be an array of calls")
    calls = data["batch"] if batch else [data]
    shared = (data.get("context") if batch else None) or {}
    if not isinstance(shared, dict):
        raise SegmentError("$.context: must be a JSON object")
    columns: dict[str, list[str | None]] = {"type": [], **{path: [] for path in FIELDS}}
    for index, call in enumerate(calls):
        row = call_row(call, call_path(batch, index), batch, shared)
        row["timestamp"] = row["timestamp"] or received.isoformat()
        for name, values in columns.items():
            values.append(row[name])
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
    return Calls(table, batch)


def call_row(call: Any, where: str, batch: bool, shared: dict[str, Any]) -> dict[str, str | None]:
    """One call's text values, after the envelope checks."""
    if not isinstance(call, dict):
        raise SegmentError(f"{where}: a call must be a JSON object")
    size = len(orjson.dumps(call))
    if size > MAX_CALL_BYTES:
        raise SegmentError(f"{where}: the call is {size:,} bytes; at most {MAX_CALL_BYTES:,}")
    kind = call.get("type", None if batch else "track")
    if kind not in CALL_TYPES:
        wrong = "is required" if kind is None else f"{kind!r} is not a call type"
        raise SegmentError(f"{where}.type: {wrong} ({', '.join(CALL_TYPES)})")
    properties = call.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise SegmentError(f"{where}.properties: must be a JSON object")
    own = call.get("context") or {}
    if not isinstance(own, dict):
        raise SegmentError(f"{where}.context: must be a JSON object")
    context = {**shared, **own}
    traits = context.get("traits")
    user = text(call.get("userId")) or text(call.get("anonymousId"))
    if user is None:
        raise SegmentError(f"{where}: userId or anonymousId is required")
    return {
        "type": kind,
        "messageId": text(call.get("messageId")),
        "userId": user,
        "context.traits.email": text(traits.get("email")) if isinstance(traits, dict) else None,
        "context.groupId": text(context.get("groupId")),
        "event": text(call.get("event")),
        "timestamp": text(call.get("timestamp")),
        "properties": None if properties is None else orjson.dumps(properties).decode(),
    }


def text(value: Any) -> str | None:
    """A JSON value as the loader's rules read it: strings as they are, the rest as JSON."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def rejection(calls: Calls, result: ImportResult) -> str:
    """Why a batch was refused: each bad value's path (e.g. $.batch[3].timestamp) and rule."""
    reasons = []
    for reject in result.rejects[:REASONS_SHOWN]:
        got = "" if reject.value is None else f" (got {reject.value!r})"
        reasons.append(f"{calls.where(reject.line)}.{reject.column}: {reject.rule}{got}")
    more = result.rejected - len({r.line for r in result.rejects[:REASONS_SHOWN]})
    tail = f"; and {more:,} more bad call(s)" if more > 0 else ""
    return "; ".join(reasons) + tail + "; nothing was stored"
