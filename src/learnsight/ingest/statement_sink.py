"""Where LMS-export importers put the statements they make: stored in batches, and counted.

Each batch of up to 1,000 is stored all-or-nothing through the LRS store. Statements with a
deterministic id that are already stored count as unchanged. A statement whose id is stored
with other content (the export changed a row that was imported before) cannot be stored: xAPI
statements never change. Its source row is then rejected with the reason, and the rest of its
batch still lands (the failed batch is split in halves until the statements at fault are found).

All or nothing (`--strict`): every statement goes in one batch, stored in one transaction when
the import ends, or not at all.
"""

from __future__ import annotations

from typing import Any

from learnsight.ingest.summary import ImportResult, Reject
from learnsight.services import Services
from learnsight.xapi.errors import XAPIError

BATCH_SIZE = 1000
ROW = "(row)"  # the column a reason names when it concerns the whole row


def verb(verb_id: str) -> dict[str, Any]:
    """A verb with its English display, the IRI's last segment (e.g. "registered")."""
    return {"id": verb_id, "display": {"en": verb_id.rsplit("/", 1)[-1]}}


class StatementSink:
    """Collects statements with the file and line they come from; stores them in batches."""

    def __init__(
        self,
        services: Services,
        result: ImportResult,
        dry_run: bool = False,
        all_or_nothing: bool = False,
    ) -> None:
        self.services, self.result = services, result
        self.dry_run, self.all_or_nothing = dry_run, all_or_nothing
        self.failed = False  # an all-or-nothing batch was refused: nothing was stored
        self.authority = {
            "objectType": "Agent",
            "name": "Learnsight import",
            "account": {"homePage": services.settings.base_url, "name": "import"},
        }
        self._batch: list[dict[str, Any]] = []
        self._origins: list[tuple[str, int]] = []
        self._rejected: set[tuple[str, int]] = set()  # rows with a statement that failed

    def add(self, statements: list[dict[str, Any]], file: str, line: int) -> None:
        """The statements one source row makes; a row's statements share one batch."""
        if not self.all_or_nothing and len(self._batch) + len(statements) > BATCH_SIZE:
            self.flush()
        self._batch.extend(statements)
        self._origins.extend([(file, line)] * len(statements))

    def flush(self) -> None:
        if not self._batch:
            return
        batch, origins = self._batch, self._origins
        self._batch, self._origins = [], []
        if self.dry_run:
            self._count_known(batch)
            return
        self._store(batch, origins)

    def _store(self, batch: list[dict[str, Any]], origins: list[tuple[str, int]]) -> None:
        """Store the batch. When it fails, an all-or-nothing batch is refused whole; another is
        stored half by half, down to the statements at fault."""
        try:
            stored = self.services.statements.store(batch, self.authority)
        except XAPIError as error:
            if self.all_or_nothing:
                self.failed = True
                self._reject(at_fault(batch, origins, error.message), error.message)
            elif len(batch) > 1:
                middle = len(batch) // 2
                self._store(batch[:middle], origins[:middle])
                self._store(batch[middle:], origins[middle:])
            else:
                self._reject(origins[0], error.message)
            return
        self.result.inserted += stored.inserted
        self.result.unchanged += len(batch) - stored.inserted

    def _reject(self, origin: tuple[str, int], reason: str) -> None:
        if origin in self._rejected:
            return
        self._rejected.add(origin)
        self.result.rejected += 1
        file, line = origin
        self.result.reject(Reject(line, ROW, None, reason, file=file))

    def _count_known(self, batch: list[dict[str, Any]]) -> None:
        """A dry run counts what storing would do, without storing."""
        ids = [statement["id"] for statement in batch]
        row = (
            self.services.db.read()
            .execute(
                "SELECT count(*) FROM statements WHERE id IN (SELECT unnest(?::UUID[]))", [ids]
            )
            .fetchone()
        )
        known = row[0] if row else 0
        self.result.unchanged += known
        self.result.inserted += len(batch) - known


def at_fault(
    batch: list[dict[str, Any]], origins: list[tuple[str, int]], message: str
) -> tuple[str, int]:
    """The row of the statement an error names (by id); the first row when it names none."""
    for statement, origin in zip(batch, origins, strict=True):
        if str(statement.get("id")) in message:
            return origin
    return origins[0]
