"""`learnsight statements import`: JSON array or JSON Lines files (optionally gzipped).

Statements are stored in batches of 1,000, each all-or-nothing. A statement without an id gets
a UUIDv5 over its canonical form, so importing the same file twice stores nothing twice.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, cast

import orjson

from learnsight.identity import resolve
from learnsight.ingest.catalog_sync import sync_catalog_from_activities
from learnsight.services import Services
from learnsight.xapi.errors import XAPIError
from learnsight.xapi.statements import deterministic_id, same_statement
from learnsight.xapi.validate import validate_statement

BATCH_SIZE = 1000
ProgressCallback = Callable[[int], None]  # called with the number of statements just handled


@dataclass
class ImportSummary:
    file: str
    read: int = 0
    stored: int = 0
    already_stored: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def open_binary(path: Path) -> BinaryIO:
    if path.suffix == ".gz":
        return cast(BinaryIO, gzip.GzipFile(path, "rb"))
    return path.open("rb")


BOM = b"\xef\xbb\xbf"


def is_json_array(stream: BinaryIO) -> bool:
    """Whether the file holds one JSON array (else JSON Lines); the stream is rewound."""
    head = stream.read(4096)
    stream.seek(0)
    return head.removeprefix(BOM).lstrip().startswith(b"[")


def statements_in_file(path: Path) -> Iterator[tuple[int, Any]]:
    """(position, statement) pairs; position is the line (JSON Lines) or array index + 1."""
    with open_binary(path) as stream:
        if is_json_array(stream):
            try:
                items = orjson.loads(stream.read().removeprefix(BOM))
            except orjson.JSONDecodeError as error:
                raise XAPIError(f"{path.name}: not valid JSON ({error})") from None
            yield from enumerate(items, start=1)
            return
        for line_no, line in enumerate(stream, start=1):
            if line.strip():
                try:
                    yield line_no, orjson.loads(line.removeprefix(BOM))
                except orjson.JSONDecodeError as error:
                    yield line_no, XAPIError(f"not valid JSON ({error})")


def count_statements(path: Path) -> int | None:
    """How many statements a JSON Lines file holds; None when not known cheaply."""
    try:
        with open_binary(path) as stream:
            if is_json_array(stream):
                return None
            return sum(1 for line in stream if line.strip())
    except (OSError, EOFError, zlib.error):
        return None  # the import itself reports what is wrong with the file


def import_statements(
    services: Services,
    path: Path,
    progress: ProgressCallback | None = None,
    name: str | None = None,
) -> ImportSummary:
    summary = ImportSummary(name or path.name)
    authority = {
        "objectType": "Agent",
        "name": "Learnsight import",
        "account": {"homePage": services.settings.base_url, "name": "import"},
    }
    items = statements_in_file(path)
    try:
        while batch := list(islice(items, BATCH_SIZE)):
            summary.read += len(batch)
            import_batch(services, batch, authority, summary)
            if progress:
                progress(len(batch))
    except (OSError, EOFError, zlib.error) as error:  # e.g. a .gz file that is not gzip
        summary.errors.append(f"reading stopped after {summary.read} statements: {error}")
    if summary.stored:
        resolve(services.db)  # the new actors' contacts and accounts
        sync_catalog_from_activities(services.db)  # courses the statements define
    return summary


def import_batch(
    services: Services,
    batch: list[tuple[int, Any]],
    authority: dict[str, Any],
    summary: ImportSummary,
) -> None:
    """Validate and store one batch; on any error the whole batch is rejected and reported."""
    try:
        statements = unique_statements(batch)
        stored = services.statements.store(statements, authority)
    except XAPIError as error:
        summary.rejected += len(batch)
        first, last = batch[0][0], batch[-1][0]
        summary.errors.append(f"statements {first}-{last} rejected: {error.message}")
        return
    summary.stored += stored.inserted
    summary.already_stored += len(batch) - stored.inserted


def unique_statements(batch: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    """The batch's statements, validated, with ids; a statement repeated in the file counts once.

    Without an id, a repeated statement gets the same deterministic id as its first copy, so it
    is dropped here as the file's own duplicate (the LRS would reject the batch otherwise).
    """
    by_id: dict[str, dict[str, Any]] = {}
    for position, statement in batch:
        if isinstance(statement, XAPIError):
            raise XAPIError(f"statement {position}: {statement.message}")
        validate_statement(statement, f"statement {position}: $")
        if "id" not in statement:
            statement["id"] = deterministic_id(statement)
        earlier = by_id.setdefault(statement["id"].lower(), statement)
        if earlier is not statement and not same_statement(earlier, statement):
            raise XAPIError(f"statement {position}: its id {statement['id']} is used twice")
    return list(by_id.values())
