"""The files of an OULAD export: finding them, reading their rows, checking their values.

Rows are read with Python's csv module rather than DuckDB so that each keeps its exact line
(the header is line 1), which a rejected row's reason names.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import IO

from learnsight.ingest.mapping import MappingError
from learnsight.ingest.statement_sink import ROW
from learnsight.ingest.summary import ImportResult, Reject

# File -> accepted names without .csv / .csv.gz (the first found wins) and the columns read.
FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "courses": (("courses",), ("code_module", "code_presentation", "module_presentation_length")),
    "vle": (("vle",), ("id_site", "code_module", "code_presentation", "activity_type")),
    "assessments": (
        ("assessments",),
        ("id_assessment", "code_module", "code_presentation", "assessment_type"),
    ),
    "studentInfo": (
        ("studentInfo",),
        ("code_module", "code_presentation", "id_student", "region", "final_result"),
    ),
    "studentRegistration": (
        ("studentRegistration",),
        (
            "code_module",
            "code_presentation",
            "id_student",
            "date_registration",
            "date_unregistration",
        ),
    ),
    "studentAssessment": (
        ("studentAssessment",),
        ("id_assessment", "id_student", "date_submitted", "is_banked", "score"),
    ),
    "studentVle": (
        ("studentVle", "studentVle.partial"),  # the complete file when both are there
        ("code_module", "code_presentation", "id_student", "id_site", "date", "sum_click"),
    ),
}
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
SCORE = re.compile(r"[0-9]+(\.[0-9]+)?")


class OuladError(MappingError):
    """An OULAD folder that cannot be imported (a file or a column missing, unreadable data).

    A MappingError, so that the import command reports it in one line like other unusable input.
    """


class BadValue(Exception):
    """Why one row is rejected: the column, its value and the rule it breaks."""

    def __init__(self, column: str, value: str | None, rule: str) -> None:
        super().__init__(rule)
        self.column, self.value, self.rule = column, value, rule


def locate_files(directory: Path) -> dict[str, Path]:
    """The path of each OULAD file in `directory`; every one is required."""
    if not directory.is_dir():
        raise OuladError(f"{directory}: not a folder (oulad imports the folder of OULAD CSV files)")
    found: dict[str, Path] = {}
    missing: list[str] = []
    for name, (stems, _) in FILES.items():
        candidates = [
            directory / f"{stem}{suffix}" for stem in stems for suffix in (".csv", ".csv.gz")
        ]
        present = [path for path in candidates if path.is_file()]
        if present:
            found[name] = present[0]
        else:
            missing.append(" or ".join(f"{stem}.csv[.gz]" for stem in stems))
    if missing:
        raise OuladError(f"{directory}: missing OULAD file(s): {', '.join(missing)}")
    return found


class CsvFile:
    """One OULAD file: its rows (only the columns read, in FILES order) with their lines.

    Counts every row read in `result`, and rejects rows whose number of values differs from
    the header's.
    """

    def __init__(self, name: str, path: Path, result: ImportResult) -> None:
        self.path, self.result = path, result
        self.file = path.name
        self.columns = FILES[name][1]

    def check_header(self) -> None:
        """Refuse a file without a column the import reads, before anything is stored."""
        try:
            with open_text(self.path) as stream:
                self._picker(next(csv.reader(stream), []))
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as error:
            raise OuladError(f"{self.file}: unreadable ({error})") from None

    def rows(self) -> Iterator[tuple[int, tuple[str, ...]]]:
        line = 1
        try:
            with open_text(self.path) as stream:
                reader = csv.reader(stream)
                pick = self._picker(next(reader, []))
                width = len(pick.header)
                for values in reader:
                    line = reader.line_num
                    if not values:
                        continue  # a blank line
                    self.result.read += 1
                    if len(values) != width:
                        rule = f"has {len(values)} values where the header has {width}"
                        self.reject(line, BadValue(ROW, None, rule))
                        continue
                    yield line, pick(values)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as error:
            raise OuladError(f"{self.file}: unreadable after line {line} ({error})") from None

    def _picker(self, header: list[str]) -> _Picker:
        if not header:
            raise OuladError(f"{self.file}: empty (no header line)")
        names = [name.strip() for name in header]
        if names and names[0].startswith("\ufeff"):
            names[0] = names[0][1:]
        absent = [column for column in self.columns if column not in names]
        if absent:
            raise OuladError(f"{self.file}: missing column(s) {', '.join(absent)}")
        return _Picker(names, [names.index(column) for column in self.columns])

    def reject(self, line: int, bad: BadValue) -> None:
        self.result.rejected += 1
        self.result.reject(Reject(line, bad.column, bad.value, bad.rule, file=self.file))


class _Picker:
    """Takes the read columns out of a row, in FILES order."""

    def __init__(self, header: list[str], indexes: list[int]) -> None:
        self.header = header
        self._get = itemgetter(*indexes)

    def __call__(self, values: list[str]) -> tuple[str, ...]:
        picked: tuple[str, ...] = self._get(values)
        return picked


def open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def whole_number(value: str, column: str, rule: str = "must be a whole number") -> int:
    if WHOLE_NUMBER.fullmatch(value) is None:
        raise BadValue(column, value, rule)
    return int(value)


def day_number(value: str, column: str) -> int:
    return whole_number(value, column, "must be a whole number of days from the module start")


def optional_day(value: str, column: str) -> int | None:
    return None if value == "" else day_number(value, column)


def identifier(value: str, column: str) -> str:
    """A student's id, as the dataset writes it (digits)."""
    if not value.isascii() or not value.isdigit():
        raise BadValue(column, value, "must be a student number (digits)")
    return value


def score(value: str, column: str) -> float | int | None:
    """A score from 0 to 100, or None when blank; whole scores stay integers."""
    if value == "":
        return None
    if SCORE.fullmatch(value) is None or float(value) > 100:
        raise BadValue(column, value, "must be a score from 0 to 100, or blank")
    return int(value) if value.isdigit() else float(value)


def flag(value: str, column: str) -> bool:
    if value not in ("0", "1"):
        raise BadValue(column, value, "must be 0 or 1")
    return value == "1"
