"""`learnsight import KIND PATH`: the one entry point for every kind, local or on the server.

Table kinds go through the generic loader; LMS exports (enrolments, oulad) become statements.
After an import that changes who is who or what was learnt, identities are resolved again, so
activity stored before its contact or account arrived is connected now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from learnsight.identity import resolve
from learnsight.ingest.kinds import ALL_KINDS, KINDS, STATEMENT_KINDS
from learnsight.ingest.loader import ImportOptions, PhaseProgress, import_table, record
from learnsight.ingest.mapping import (
    Mapping,
    MappingError,
    load_mapping_file,
    load_preset,
    parse_mapping,
)
from learnsight.ingest.summary import ImportResult
from learnsight.services import Services

# Kinds whose rows bring people, accounts or their activity: identities are resolved again.
CHANGE_IDENTITIES = {"accounts", "contacts", "tickets", "events", "surveys", "enrolments", "oulad"}


@dataclass(frozen=True)
class MappingChoice:
    """How the user chose to map columns: a preset, a mapping file or its text, or neither."""

    preset: str | None = None
    file: Path | None = None
    text: str | None = None  # a mapping file's content (uploaded to the server)

    def resolve(self, kind: str) -> Mapping | None:
        if self.preset and (self.file or self.text):
            raise MappingError("give either --preset or --mapping, not both")
        if self.preset:
            return load_preset(self.preset, kind)
        if self.file:
            return load_mapping_file(self.file, kind)
        if self.text:
            return parse_mapping(self.text, "the uploaded mapping", kind)
        return None


def check_kind(kind: str) -> None:
    if kind not in ALL_KINDS:
        raise MappingError(f"unknown kind {kind!r}; kinds: {', '.join(ALL_KINDS)}, history")


def run_import(
    services: Services,
    kind: str,
    path: Path,
    choice: MappingChoice,
    options: ImportOptions,
    progress: PhaseProgress | None = None,
) -> ImportResult:
    check_kind(kind)
    mapping = choice.resolve(kind)
    started = datetime.now(UTC)
    if kind == "oulad":
        from learnsight.ingest.oulad import import_oulad

        result: ImportResult = import_oulad(services, path, counting(progress))
    elif kind == "enrolments":
        from learnsight.ingest.enrolments import import_enrolments

        result = import_enrolments(
            services, path, mapping, options.strict, options.dry_run, counting(progress)
        )
    else:
        result = import_table(services.db, KINDS[kind], path, mapping, options, progress)
    if options.name:
        result.file = options.name
    if kind in STATEMENT_KINDS and not options.dry_run:  # table kinds record their own
        with services.db.write() as cur:
            record(cur, result, started, options)
    if kind in CHANGE_IDENTITIES and not options.dry_run and (result.inserted or result.updated):
        resolve(services.db)
    return result


def counting(progress: PhaseProgress | None) -> Callable[[int], None] | None:
    """Statement importers report rows done; shown as a phase without a known total."""
    if progress is None:
        return None
    done = [0]

    def advance(rows: int) -> None:
        done[0] += rows
        progress(f"{done[0]:,} rows", -1.0)

    return advance


def history(services: Services, limit: int = 50) -> list[dict[str, Any]]:
    """The latest imports first, with their counts."""
    cursor = services.db.read()
    rows = cursor.execute(
        "SELECT id, kind, file, started_at, finished_at, strict, read, inserted, updated, "
        "unchanged, rejected, outcome FROM imports ORDER BY id DESC LIMIT ?",
        [limit],
    )
    names = [d[0] for d in rows.description or ()]
    return [
        {name: (value.isoformat() if hasattr(value, "isoformat") else value)
         for name, value in zip(names, row, strict=True)}
        for row in rows.fetchall()
    ]  # fmt: skip
