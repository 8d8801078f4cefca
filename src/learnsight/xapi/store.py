"""Statement storage: all-or-nothing batches, conflict rules, voiding, activities, attachments.

Each batch is one write transaction, so a statement acknowledged to a client has been committed
to DuckDB's write-ahead log and survives the process being killed the next instant.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import orjson

from learnsight.db import Database
from learnsight.derived_tables import statements_rewritten
from learnsight.xapi.columns import COLUMN_TYPES, batch_table
from learnsight.xapi.errors import XAPIError
from learnsight.xapi.statements import (
    VOIDED_VERB,
    StatementRow,
    attachment_hashes,
    complete,
    format_timestamp,
    same_statement,
)

COLUMN_NAMES = ", ".join(COLUMN_TYPES)
INSERT_SQL = f"INSERT INTO statements ({COLUMN_NAMES}) SELECT {COLUMN_NAMES} FROM statement_batch"


@dataclass(slots=True)
class Batch:
    """A validated batch on its way in, and who sends it."""

    statements: list[dict[str, Any]]
    authority: dict[str, Any]
    attachments: dict[str, Attachment]
    credential: str | None
    timestamps_given: list[bool] = field(init=False)

    def __post_init__(self) -> None:
        self.timestamps_given = ["timestamp" in st for st in self.statements]

    def complete(self, stored: datetime) -> list[StatementRow]:
        """The rows, with the LRS-set properties; one "stored" instant for the whole batch.

        It can run twice (see StatementStore.store): a timestamp the LRS set the first time
        is dropped first, so that it is set again rather than taken for the client's.
        """
        stored_text = format_timestamp(stored)
        for statement, given in zip(self.statements, self.timestamps_given, strict=True):
            if not given:
                statement.pop("timestamp", None)
        return [complete(st, self.authority, stored, stored_text) for st in self.statements]


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
        # One batch at a time, from "stored" to commit, so that stored times, seqs and the
        # caches below follow the order of commits.
        self._lock = threading.Lock()
        cursor = db.read()
        seq, stored = cursor.execute(
            "SELECT coalesce(max(seq), 0), epoch_us(coalesce(max(stored), 'epoch')) FROM statements"
        ).fetchone() or (0, 0)
        self._last_seq: int = seq
        self._last_stored = datetime.fromtimestamp(stored / 1e6, UTC)
        self._in_flight: datetime | None = None  # "stored" of the batch being committed
        self._definitions: dict[str, dict[str, Any]] = {}
        self._load_references()

    def _load_references(self) -> None:
        """Read what the store keeps in memory about references between statements."""
        cursor = self.db.read()
        # Targets of voiding statements that have not arrived yet: few, so kept in memory.
        self._pending_voids: set[str] = {
            str(target)
            for (target,) in cursor.execute(
                f"""SELECT v.ref_target FROM statements v WHERE v.verb_id = '{VOIDED_VERB}'
                AND NOT EXISTS (SELECT 1 FROM statements s WHERE s.id = v.ref_target)"""
            ).fetchall()
        }
        row = cursor.execute("SELECT 1 FROM statements WHERE ref_target IS NOT NULL LIMIT 1")
        self.has_statement_refs = row.fetchone() is not None

    @contextmanager
    def rewriting(self) -> Iterator[None]:
        """Keep new batches out while stored statements are deleted or rewritten outside the
        store (erasure); what it keeps in memory is read again afterwards."""
        with self._lock:
            try:
                yield
            finally:
                self._load_references()

    def store(
        self,
        statements: list[dict[str, Any]],
        authority: dict[str, Any],
        attachments: dict[str, Attachment] | None = None,
        credential: str | None = None,
    ) -> StoredBatch:
        """Store a validated batch all-or-nothing; known identical statements are no-ops.

        `credential` is the key of the credential storing it (statements/read/mine reads by it).
        """
        reject_duplicate_ids(statements)
        batch = Batch(statements, authority, attachments or {}, credential)
        with self._lock:
            try:
                # Fast path: insert without looking the ids up first.
                rows, inserted = self._write(batch, check_known=False)
            except duckdb.ConstraintException:
                # Only the statements' primary key raises this: some ids are already stored.
                # Redo the batch, comparing with what is there (same: no-op; different: 409).
                rows, inserted = self._write(batch, check_known=True)
            finally:
                self._in_flight = None
        return StoredBatch([row.id for row in rows], inserted)

    def consistent_through(self) -> datetime:
        """Every statement stored before this instant is readable (X-Experience-API-...)."""
        in_flight = self._in_flight
        now = datetime.now(UTC)
        return min(now, in_flight) if in_flight else now

    def _write(self, batch: Batch, check_known: bool) -> tuple[list[StatementRow], int]:
        pending = set(self._pending_voids)
        definitions: dict[str, dict[str, Any]] = {}
        with self.db.write() as cur:
            # "stored" is taken once the writer is ours: no later batch can commit before it.
            stored = self._next_stored()
            self._in_flight = stored
            rows = batch.complete(stored)
            new_rows = self._drop_known(cur, rows) if check_known else rows
            if new_rows:
                self._insert(cur, new_rows, pending, batch.credential)
                self._apply_voiding(cur, new_rows, pending)
                definitions = self._merge_activities(cur, new_rows)
                self._store_attachments(cur, new_rows, batch.attachments)
        # Only now that the transaction committed does the in-memory state follow it.
        self._pending_voids = pending
        self._definitions.update(definitions)
        if any(row.ref_target for row in new_rows):
            self.has_statement_refs = True  # queries then apply the StatementRef rule
        return rows, len(new_rows)

    def _next_stored(self) -> datetime:
        """Strictly increasing "stored" times, so stored order follows insertion order."""
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
        existing = {sid: orjson.loads(raw) for sid, raw in found}
        for row in rows:
            known = existing.get(row.id)
            if known is not None and not same_statement(known, row.statement, row.timestamp_given):
                raise XAPIError(f"statement {row.id} is already stored with different content", 409)
        return [row for row in rows if row.id not in existing]

    def _insert(
        self, cur: Any, rows: list[StatementRow], pending: set[str], credential: str | None
    ) -> None:
        first = self._last_seq + 1
        self._last_seq += len(rows)  # a rolled-back batch leaves a gap, which is harmless
        raws = [orjson.dumps(row.statement).decode() for row in rows]
        batch = batch_table(rows, first, pending, raws, credential)
        pending.difference_update(row.id for row in rows)
        cur.register("statement_batch", batch)
        try:
            cur.execute(INSERT_SQL)
        finally:
            # After a failed INSERT the transaction is aborted and unregistering fails too;
            # the next batch's register() replaces the view anyway.
            with contextlib.suppress(duckdb.Error):
                cur.unregister("statement_batch")

    def _apply_voiding(self, cur: Any, rows: list[StatementRow], pending: set[str]) -> None:
        """Void the targets of new voiding statements (Data 2.3.2).

        A statement is voided iff it is not itself a voiding statement and a voiding statement
        refers to it. A target not stored yet is remembered and voided when it arrives.
        """
        targets = [r.ref_target for r in rows if r.verb_id == VOIDED_VERB and r.ref_target]
        if not targets:
            return
        voided = cur.execute(
            f"""UPDATE statements SET voided = true
            WHERE id IN (SELECT unnest(?::UUID[])) AND verb_id <> '{VOIDED_VERB}'
            RETURNING seq""",
            [targets],
        ).fetchnumpy()["seq"]
        if len(voided):  # KPIs' learning facts may hold them
            statements_rewritten(cur, int(voided.min()))
        existing = {
            str(sid)
            for (sid,) in cur.execute(
                "SELECT id::VARCHAR FROM statements WHERE id IN (SELECT unnest(?::UUID[]))",
                [targets],
            ).fetchall()
        }
        pending.update(t for t in targets if t not in existing)

    def _merge_activities(self, cur: Any, rows: list[StatementRow]) -> dict[str, dict[str, Any]]:
        """Keep one canonical definition per activity: the union of those received, the latest
        winning property by property (and language by language in name and description)."""
        changed: dict[str, dict[str, Any]] = {}
        for row in rows:
            for activity in statement_activities(row.statement):
                definition = activity.get("definition")
                if not definition:
                    continue
                known = changed.get(activity["id"]) or self.definition(activity["id"]) or {}
                combined = merge_definitions(known, definition)
                if combined != known:
                    changed[activity["id"]] = combined
        if changed:
            now = datetime.now(UTC)
            cur.executemany(
                "INSERT OR REPLACE INTO activities VALUES (?, ?, ?)",
                [[aid, orjson.dumps(d).decode(), now] for aid, d in changed.items()],
            )
        return changed

    def definition(self, activity_id: str) -> dict[str, Any] | None:
        """The canonical definition of an activity, merged from every statement received."""
        if activity_id not in self._definitions:
            row = (
                self.db.read()
                .execute("SELECT definition FROM activities WHERE id = ?", [activity_id])
                .fetchone()
            )
            if row is None:
                return None
            self._definitions[activity_id] = orjson.loads(row[0])
        return self._definitions[activity_id]

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
        links = [[row.id, sha2] for row in rows for sha2 in attachment_hashes(row.statement)]
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
