"""Statement storage: all-or-nothing batches, conflict rules, voiding, activities, attachments.

Each batch is one write transaction, so a statement acknowledged to a client has been committed
to DuckDB's write-ahead log and survives the process being killed the next instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa

from learnsight.db import Database
from learnsight.xapi.errors import XAPIError
from learnsight.xapi.statements import VOIDED_VERB, StatementRow, complete, same_statement

_LIST = pa.list_(pa.string())
_TIME = pa.timestamp("us", tz="UTC")
# Arrow type of every statements column, in table order (see schema.py).
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
    "raw": pa.string(),
}


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """The ids of a stored batch, in order, and how many of them were new."""

    ids: list[str]
    inserted: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """Raw attachment content received in a multipart request, keyed by its SHA-2."""

    sha2: str
    content_type: str
    content: bytes


class StatementStore:
    """Writes and reads statements in the data directory's database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._last_stored = datetime.fromtimestamp(0, UTC)
        self._activity_cache: dict[str, str] = {}
        row = db.read().execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()
        self._last_seq: int = row[0] if row else 0

    def store(
        self,
        statements: list[dict[str, Any]],
        authority: dict[str, Any],
        attachments: dict[str, Attachment] | None = None,
    ) -> StoredBatch:
        """Store a validated batch all-or-nothing; known identical statements are no-ops."""
        reject_duplicate_ids(statements)
        try:
            with self.db.write() as cur:
                rows = [complete(st, authority, self._next_stored()) for st in statements]
                new_rows = self._drop_known(cur, rows)
                if new_rows:
                    self._insert(cur, new_rows)
                    self._apply_voiding(cur, new_rows)
                    self._merge_activities(cur, new_rows)
                    self._store_attachments(cur, new_rows, attachments or {})
        except BaseException:
            self._activity_cache.clear()  # it may hold definitions that were rolled back
            raise
        return StoredBatch([row.id for row in rows], len(new_rows))

    def _next_stored(self) -> datetime:
        """Strictly increasing "stored" times, so stored order equals insertion order."""
        now = datetime.now(UTC)
        if now <= self._last_stored:
            now = self._last_stored + timedelta(microseconds=1)
        self._last_stored = now
        return now

    def _drop_known(self, cur: Any, rows: list[StatementRow]) -> list[StatementRow]:
        """Ids already stored: the same statement is a no-op, a different one a 409."""
        found = cur.execute(
            "SELECT id::VARCHAR, raw FROM statements WHERE id IN (SELECT unnest(?::UUID[]))",
            [[row.id for row in rows]],
        ).fetchall()
        if not found:
            return rows
        existing = {sid: orjson.loads(raw) for sid, raw in found}
        for row in rows:
            if row.id in existing and not same_statement(existing[row.id], row.statement):
                raise XAPIError(f"statement {row.id} is already stored with different content", 409)
        return [row for row in rows if row.id not in existing]

    def _insert(self, cur: Any, rows: list[StatementRow]) -> None:
        first = self._last_seq + 1
        self._last_seq += len(rows)  # a rolled-back batch leaves a gap, which is harmless
        data: dict[str, list[Any]] = {name: [] for name in COLUMN_TYPES}
        for offset, row in enumerate(rows):
            data["seq"].append(first + offset)
            data["id"].append(row.id)
            data["stored"].append(row.stored)
            data["timestamp"].append(row.timestamp)
            data["voided"].append(False)
            data["raw"].append(orjson.dumps(row.statement).decode())
            for name, value in row.columns.items():
                data[name].append(value)
        batch = pa.table({n: pa.array(v, COLUMN_TYPES[n]) for n, v in data.items()})
        names = ", ".join(COLUMN_TYPES)
        cur.register("statement_batch", batch)
        try:
            cur.execute(f"INSERT INTO statements ({names}) SELECT {names} FROM statement_batch")
        finally:
            cur.unregister("statement_batch")

    def _apply_voiding(self, cur: Any, rows: list[StatementRow]) -> None:
        """Void targets of new voiding statements, and new statements already voided.

        A statement is voided iff it is not itself a voiding statement and a voiding statement
        refers to it (Data 2.3.2); the target may arrive before or after the voiding one.
        """
        targets = [r.columns["ref_target"] for r in rows if r.columns["verb_id"] == VOIDED_VERB]
        ids = [r.id for r in rows if r.columns["verb_id"] != VOIDED_VERB]
        cur.execute(
            f"""UPDATE statements SET voided = true
            WHERE verb_id <> '{VOIDED_VERB}' AND NOT voided AND (
                id IN (SELECT unnest(?::UUID[]))
                OR (id IN (SELECT unnest(?::UUID[])) AND id IN (
                    SELECT ref_target FROM statements WHERE verb_id = '{VOIDED_VERB}')))""",
            [targets, ids],
        )

    def _merge_activities(self, cur: Any, rows: list[StatementRow]) -> None:
        """Keep one canonical definition per activity: the union of those received."""
        changed: dict[str, str] = {}
        for row in rows:
            for activity in statement_activities(row.statement):
                definition = activity.get("definition")
                if not definition:
                    continue
                known = changed.get(activity["id"]) or self._cached_definition(cur, activity["id"])
                merged = merge_definitions(orjson.loads(known) if known else {}, definition)
                encoded = orjson.dumps(merged).decode()
                if encoded != known:
                    changed[activity["id"]] = encoded
        if changed:
            now = datetime.now(UTC)
            cur.executemany(
                "INSERT OR REPLACE INTO activities VALUES (?, ?, ?)",
                [[aid, definition, now] for aid, definition in changed.items()],
            )
            self._activity_cache.update(changed)

    def _cached_definition(self, cur: Any, activity_id: str) -> str | None:
        if activity_id not in self._activity_cache:
            row = cur.execute(
                "SELECT definition FROM activities WHERE id = ?", [activity_id]
            ).fetchone()
            if row is None:
                return None
            self._activity_cache[activity_id] = row[0]
        return self._activity_cache[activity_id]

    def definition(self, activity_id: str) -> dict[str, Any] | None:
        """The canonical definition of an activity, merged from every statement received."""
        known = self._cached_definition(self.db.read(), activity_id)
        return orjson.loads(known) if known else None

    def attachments(self, hashes: set[str]) -> list[Attachment]:
        """Stored attachment contents with these SHA-2 hashes."""
        if not hashes:
            return []
        rows = (
            self.db.read()
            .execute(
                "SELECT sha2, content_type, content FROM attachments "
                "WHERE sha2 IN (SELECT unnest(?::VARCHAR[]))",
                [sorted(hashes)],
            )
            .fetchall()
        )
        return [Attachment(sha2, ctype, bytes(content)) for sha2, ctype, content in rows]

    def _store_attachments(
        self, cur: Any, rows: list[StatementRow], attachments: dict[str, Attachment]
    ) -> None:
        links = [[row.id, sha2] for row in rows for sha2 in row.attachment_hashes]
        if not links:
            return
        cur.executemany("INSERT INTO statement_attachments VALUES (?, ?)", links)
        linked = {sha2 for _, sha2 in links}
        received = [a for a in attachments.values() if a.sha2 in linked]
        if received:
            cur.executemany(
                "INSERT OR IGNORE INTO attachments VALUES (?, ?, ?)",
                [[a.sha2, a.content_type, a.content] for a in received],
            )


def reject_duplicate_ids(statements: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for index, statement in enumerate(statements):
        sid = statement.get("id")
        if sid is None:
            continue
        sid = sid.lower()
        if sid in seen:
            raise XAPIError(f"$[{index}].id: statement id {sid} appears twice in the batch")
        seen.add(sid)


def statement_activities(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """Activity objects of a statement: object, context activities, and a SubStatement's."""
    found: list[dict[str, Any]] = []
    obj = statement["object"]
    if obj.get("objectType", "Activity") == "Activity":
        found.append(obj)
    elif obj.get("objectType") == "SubStatement":
        found.extend(statement_activities(obj))
    for activities in statement.get("context", {}).get("contextActivities", {}).values():
        found.extend(activities if isinstance(activities, list) else [activities])
    return found


def merge_definitions(known: dict[str, Any], received: dict[str, Any]) -> dict[str, Any]:
    """Received properties win; language maps are merged language by language."""
    merged = dict(known)
    for key, value in received.items():
        if key in ("name", "description") and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
