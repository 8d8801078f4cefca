"""`learnsight import enrolments FILE`: an LMS enrolments/completions export as xAPI statements.

The export Skilljar, Litmos or Docebo give: one row per learner and course, with the learner's
e-mail address, the course, when they enrolled, when they completed it and their score. The file
is read and checked by the generic loader (ingest/sources.py, ingest/rules.py, in DuckDB, with
the same mappings, presets and rejected-row reasons as table imports); each valid row then
becomes statements stored through the LRS. docs/enrolments.md describes the mapping.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

from learnsight.db import Database
from learnsight.ingest.catalog_sync import COURSE, sync_catalog_from_activities
from learnsight.ingest.kinds import ENROLMENTS
from learnsight.ingest.loader import VALID, Plan, check_mapping, collect_rejects, stage
from learnsight.ingest.mapping import Mapping, default_mapping
from learnsight.ingest.rules import identifier
from learnsight.ingest.sources import load_source
from learnsight.ingest.statement_sink import StatementSink, verb
from learnsight.ingest.summary import ImportResult, Reject
from learnsight.services import Services
from learnsight.xapi import verbs
from learnsight.xapi.statements import format_timestamp
from learnsight.xapi.validate import is_iri

Progress = Callable[[int], None]  # called with the number of rows just handled
FETCH_ROWS = 5_000
COURSE_URN = "urn:learnsight:course:"  # + the percent-encoded name of a course not in the catalog
NAMESPACE = uuid.UUID("0b6c0f4a-3f51-4d5e-9a57-5f1b8c3e2d71")  # of enrolment statement ids
URL_OR_URN = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S+|urn:\S+", re.IGNORECASE)


REGISTERED = verb(verbs.REGISTERED)
COMPLETED = verb(verbs.COMPLETED)
SCORED = verb(verbs.SCORED)
PASSED = verb(verbs.PASSED)


@dataclass(frozen=True)
class Enrolment:
    line: int
    email: str
    course: str  # as the export names it
    enrolled_at: datetime
    completed_at: datetime | None
    score: float | None


class BadRow(Exception):
    def __init__(self, field: str, value: str, rule: str) -> None:
        super().__init__(rule)
        self.field, self.value, self.rule = field, value, rule


def import_enrolments(
    services: Services,
    path: Path,
    mapping: Mapping | None = None,
    strict: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one export. `strict`: the file is all or nothing; `dry_run`: count, store nothing."""
    result = ImportResult(ENROLMENTS.name, path.name)
    sink = StatementSink(services, result, dry_run=dry_run, all_or_nothing=strict)
    courses = Courses(services.db)
    with services.db.scratch() as cursor:
        mapping, kept = check_rows(cursor, path, mapping, result)
        if progress:
            progress(result.read - kept)  # rows rejected, skipped or repeated
        for chunk in valid_rows(cursor):
            for row in chunk:
                try:
                    made = statements(row, *courses.resolve(row.course))
                except BadRow as bad:
                    column = source_column(mapping, bad.field)
                    result.rejected += 1
                    result.reject(Reject(row.line, column, bad.value, bad.rule))
                    continue
                sink.add(made, "", row.line)
            if progress:
                progress(len(chunk))
    if strict and result.rejected:  # all or nothing: nothing was stored yet
        result.outcome = "dry run" if dry_run else "rejected"
        return result
    sink.flush()
    if dry_run:
        result.outcome = "dry run"
    elif sink.failed:
        result.outcome, result.inserted, result.unchanged = "rejected", 0, 0
    else:
        sync_catalog_from_activities(services.db)
    return result


def check_rows(
    cursor: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping | None, result: ImportResult
) -> tuple[Mapping, int]:
    """Check every row in DuckDB with the loader's rules, into the TEMP table `enrolments` of
    valid rows (the file's last row wins when a learner, course and enrolment time come again);
    returns the mapping applied and how many rows were kept."""
    source = load_source(cursor, path)
    mapping = (mapping or default_mapping(ENROLMENTS, source.columns)).for_columns(source.columns)
    check_mapping(mapping, source, result.file)
    plan = Plan(ENROLMENTS, mapping, source)
    stage(cursor, plan, result.file, None)
    collect_rejects(cursor, source, result)
    values = [f if f in plan.written else f"NULL AS {f}" for f in ENROLMENTS.field_names]
    key = ", ".join(map(identifier, ENROLMENTS.key))
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE enrolments AS SELECT rowid + {source.first_line} AS line, "
        f"{', '.join(values)} FROM staged WHERE {VALID} "
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY rowid DESC) = 1"
    )
    row = cursor.execute("SELECT count(*) FROM enrolments").fetchone()
    kept = row[0] if row else 0
    result.duplicates = result.read - result.skipped - result.rejected - kept
    return mapping, kept


def valid_rows(cursor: duckdb.DuckDBPyConnection) -> Iterator[list[Enrolment]]:
    cursor.execute(
        f"SELECT line, {', '.join(ENROLMENTS.field_names)} FROM enrolments ORDER BY line"
    )
    while rows := cursor.fetchmany(FETCH_ROWS):
        yield [Enrolment(*row) for row in rows]


def source_column(mapping: Mapping, field: str) -> str:
    spec = mapping.fields.get(field)
    return spec.column if spec and spec.column else field


class Courses:
    """Resolves the export's course to an activity IRI through the catalog."""

    def __init__(self, db: Database) -> None:
        rows = db.read().execute("SELECT id, kind, name FROM catalog").fetchall()
        self.names = {row_id: name for row_id, _, name in rows}
        self.by_name: dict[str, list[str]] = {}
        for row_id, kind, name in rows:
            if kind == COURSE and name:
                self.by_name.setdefault(name.casefold(), []).append(row_id)

    def resolve(self, course: str) -> tuple[str, str | None]:
        """(IRI, name): a catalog id, else a catalog course's name (in any case), else an IRI
        (a URL or URN), else `urn:learnsight:course:` and the percent-encoded name."""
        if course in self.names:
            return course, self.names[course]
        found = self.by_name.get(course.casefold(), [])
        if len(found) > 1:
            rule = f"matches {len(found)} catalog courses by name: give its id"
            raise BadRow("course", course, rule)
        if found:
            return found[0], self.names[found[0]] or course
        if URL_OR_URN.fullmatch(course) and is_iri(course):
            return course, None
        return COURSE_URN + quote(course, safe=""), course


def statements(row: Enrolment, iri: str, name: str | None) -> list[dict[str, Any]]:
    """`registered` at enrolled_at; at completed_at `completed`, and with a score `scored` and
    `passed` (these LMSs complete a course once its assessment is passed)."""
    if row.score is not None and not 0 <= row.score <= 100:
        raise BadRow("score", f"{row.score:g}", "must be a score from 0 to 100")
    enrolment = f"{row.email}\t{iri}\t{format_timestamp(row.enrolled_at)}"
    registration = str(uuid.uuid5(NAMESPACE, enrolment))
    definition: dict[str, Any] = {"type": verbs.COURSE_TYPE}
    if name:
        definition["name"] = {"en": name}
    common = {
        "actor": {"objectType": "Agent", "mbox": f"mailto:{row.email}"},
        "object": {"id": iri, "definition": definition},
        "context": {"registration": registration},
    }

    def statement(made_verb: dict[str, Any], at: datetime, **extra: Any) -> dict[str, Any]:
        made_id = str(uuid.uuid5(NAMESPACE, f"{registration}\t{made_verb['id']}"))
        time = format_timestamp(at)
        return {"id": made_id, "verb": made_verb, "timestamp": time, **common, **extra}

    made = [statement(REGISTERED, row.enrolled_at)]
    if row.completed_at is None:
        return made
    made.append(statement(COMPLETED, row.completed_at, result={"completion": True}))
    if row.score is not None:
        score = {"raw": row.score, "min": 0, "max": 100, "scaled": row.score / 100}
        made.append(statement(SCORED, row.completed_at, result={"score": score}))
        passed = {"success": True, "completion": True, "score": score}
        made.append(statement(PASSED, row.completed_at, result=passed))
    return made
