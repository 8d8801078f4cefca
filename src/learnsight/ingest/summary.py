"""What one import did: counts, rejected rows with their reasons, and the outcome."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REJECTS_KEPT = 10_000  # reasons kept in detail; the count of rejected rows is always exact


@dataclass(frozen=True)
class Reject:
    """Why one row (or one field of it) was rejected."""

    line: int  # line in the file (CSV: the header is line 1); for a directory, of `file`
    column: str  # the source column, or the field when it had no column
    value: str | None
    rule: str
    file: str = ""  # set when an import reads several files (OULAD)


@dataclass
class ImportResult:
    kind: str
    file: str
    read: int = 0  # rows (or statements) read
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0  # already stored as they are
    rejected: int = 0  # rows with at least one reason in `rejects`
    skipped: int = 0  # rows the mapping's `only` leaves out
    duplicates: int = 0  # rows whose key appears again later in the file (the last one wins)
    rejects: list[Reject] = field(default_factory=list)
    outcome: str = "imported"  # imported, dry run, or rejected (--strict and a bad row)

    def reject(self, reason: Reject) -> None:
        if len(self.rejects) < REJECTS_KEPT:
            self.rejects.append(reason)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        rejects = [Reject(**r) for r in data.get("rejects", [])]
        return cls(**{**data, "rejects": rejects})

    def describe(self, line: Reject) -> str:
        where = f"{line.file or self.file}, line {line.line}"
        value = "" if line.value is None else f" {line.value!r}"
        return f"{where}, column {line.column}:{value} {line.rule}"


def write_rejects(result: ImportResult, path: Path) -> None:
    """The rejected rows' reasons as CSV (file, line, column, value, rule)."""
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "line", "column", "value", "rule"])
        for r in result.rejects:
            writer.writerow([r.file or result.file, r.line, r.column, r.value, r.rule])


def rejects_path(source: Path) -> Path:
    """`<input>.rejects.csv` beside the input."""
    return source.with_name(source.name + ".rejects.csv")
