"""State, Activity Profile and Agent Profile documents (Communication 2.2-2.7, 3.1).

Documents are keyed by kind, activity, agent, registration and id; "" stands for "not part of
this kind's key". ETags are the quoted SHA-1 of the content, as Communication 3.1 requires.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from learnsight.db import Database
from learnsight.xapi.errors import XAPIError


@dataclass(frozen=True, slots=True)
class DocumentScope:
    """Where a document lives: its kind and the activity, agent and registration it is for."""

    kind: str  # state, activity_profile or agent_profile
    activity_id: str = ""
    agent_key: str = ""
    registration: str | None = None  # None: not given

    def key(self) -> list[str]:
        """The key of one document of this scope (no registration given means none)."""
        return [self.kind, self.activity_id, self.agent_key, self.registration or ""]

    def where(self) -> tuple[str, list[str | None]]:
        """SQL matching every document of the scope: without a registration, all of them
        (Comm. 2.3: Activity + Agent [+ registration if specified])."""
        sql = "kind = ? AND activity_id = ? AND agent_key = ? AND (? IS NULL OR registration = ?)"
        return sql, [
            self.kind,
            self.activity_id,
            self.agent_key,
            self.registration,
            self.registration,
        ]


# One document: its scope's key (DocumentScope.key) and its id.
ONE_DOCUMENT = "kind = ? AND activity_id = ? AND agent_key = ? AND registration = ? AND doc_id = ?"


@dataclass(frozen=True, slots=True)
class Document:
    content: bytes
    content_type: str
    etag: str
    updated: datetime


@dataclass(frozen=True, slots=True)
class Preconditions:
    """The If-Match / If-None-Match request headers."""

    if_match: str | None = None
    if_none_match: str | None = None

    @property
    def present(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def check(self, existing: Document | None) -> None:
        """RFC 7232 semantics; a failed precondition is 412 and changes nothing."""
        if self.if_match is not None and not etag_matches(self.if_match, existing):
            raise XAPIError("If-Match does not match the document's current ETag", 412)
        if self.if_none_match is not None and etag_matches(self.if_none_match, existing):
            raise XAPIError("If-None-Match: the document already exists", 412)


def etag_matches(header: str, existing: Document | None) -> bool:
    if existing is None:
        return False
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    return "*" in tags or existing.etag in tags


def is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(content)
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise XAPIError(f"{what} is not a JSON object, so it cannot be merged")
    return value


class DocumentStore:
    """Reads and writes documents in one table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, scope: DocumentScope, doc_id: str) -> Document | None:
        return self._fetch(self.db.read(), scope, doc_id)

    def ids(
        self, scope: DocumentScope, since: datetime | None
    ) -> tuple[list[str], datetime | None]:
        """Ids of the scope's documents (updated after `since`), and the latest update."""
        where, params = scope.where()
        rows = (
            self.db.read()
            .execute(
                f"SELECT DISTINCT ON (doc_id) doc_id, updated FROM documents WHERE {where} "
                "AND (? IS NULL OR updated > ?) ORDER BY doc_id, updated DESC",
                [*params, since, since],
            )
            .fetchall()
        )
        latest = max((updated for _, updated in rows), default=None)
        return [doc_id for doc_id, _ in rows], latest

    def put(
        self,
        scope: DocumentScope,
        doc_id: str,
        content: bytes,
        content_type: str,
        conditions: Preconditions,
        require_conditions: bool,
    ) -> None:
        with self.db.write() as cur:
            existing = self._fetch(cur, scope, doc_id)
            conditions.check(existing)
            if require_conditions and not conditions.present:
                if existing is not None:
                    raise XAPIError(
                        "the document exists: GET it, then PUT with If-Match set to its ETag", 409
                    )
                raise XAPIError("PUT needs an If-Match or If-None-Match header (Comm. 3.1)")
            self._write(cur, scope, doc_id, content, content_type)

    def post(
        self,
        scope: DocumentScope,
        doc_id: str,
        content: bytes,
        content_type: str,
        conditions: Preconditions,
    ) -> None:
        """Store, or merge the top-level properties of two JSON objects (Comm. 2.2)."""
        with self.db.write() as cur:
            existing = self._fetch(cur, scope, doc_id)
            conditions.check(existing)
            if existing is not None:
                if not (is_json(existing.content_type) and is_json(content_type)):
                    raise XAPIError("both documents must be application/json to be merged")
                merged = json_object(existing.content, "the stored document")
                merged.update(json_object(content, "the posted document"))
                content, content_type = orjson.dumps(merged), "application/json"
            elif is_json(content_type):
                json_object(content, "the posted document")
            self._write(cur, scope, doc_id, content, content_type)

    def delete(self, scope: DocumentScope, doc_id: str | None, conditions: Preconditions) -> None:
        """Delete one document, or every document of the scope when doc_id is None."""
        with self.db.write() as cur:
            if doc_id is None:
                where, params = scope.where()
                cur.execute(f"DELETE FROM documents WHERE {where}", params)
                return
            conditions.check(self._fetch(cur, scope, doc_id))
            cur.execute(f"DELETE FROM documents WHERE {ONE_DOCUMENT}", [*scope.key(), doc_id])

    def _fetch(self, cur: Any, scope: DocumentScope, doc_id: str) -> Document | None:
        row = cur.execute(
            f"SELECT content, content_type, etag, updated FROM documents WHERE {ONE_DOCUMENT}",
            [*scope.key(), doc_id],
        ).fetchone()
        return Document(bytes(row[0]), row[1], row[2], row[3]) if row else None

    def _write(
        self, cur: Any, scope: DocumentScope, doc_id: str, content: bytes, content_type: str
    ) -> None:
        etag = hashlib.sha1(content).hexdigest()
        cur.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*scope.key(), doc_id, content, content_type, etag, datetime.now(UTC)],
        )
