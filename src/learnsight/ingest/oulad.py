"""`learnsight import oulad DIR`: the Open University Learning Analytics Dataset as statements.

The reference files (courses, vle, assessments) and the students (studentInfo,
studentRegistration) are read first; the catalog and the contacts are upserted from them in one
transaction; then every student row becomes xAPI statements, stored in batches of 1,000.
docs/oulad.md describes the mapping. Importing the same folder again stores nothing twice.

Statements are not validated one by one: each comes from one of six fixed shapes
(oulad_statements.py) filled with values checked here (whole numbers, known ids), and the tests
validate every statement the fixture export makes. Validating each one again (about 6 µs, where
the whole import spends about 40 µs per statement) would add a sixth to the import's time for
no additional safety.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from learnsight.db import Database
from learnsight.derived_tables import mark_changed
from learnsight.ingest.catalog_sync import COURSE, ITEM, sync_catalog_from_activities
from learnsight.ingest.oulad_files import (
    BadValue,
    CsvFile,
    day_number,
    flag,
    identifier,
    locate_files,
    optional_day,
    score,
    whole_number,
)
from learnsight.ingest.oulad_statements import (
    FINAL_RESULTS,
    Assessment,
    Material,
    Presentation,
    StatementMaker,
    country_of,
    presentation_start,
)
from learnsight.ingest.statement_sink import StatementSink
from learnsight.ingest.summary import ImportResult
from learnsight.services import Services

Progress = Callable[[int], None]  # called with the number of rows just handled
STAGE_ROWS = 50_000  # studentVle rows sent to DuckDB at a time
FETCH_ROWS = 10_000
CATALOG_ROWS = pa.schema(
    [("id", pa.string()), ("kind", pa.string()), ("name", pa.string()),
     ("content_type", pa.string()), ("created_at", pa.timestamp("us", tz="UTC"))]
)  # fmt: skip


@dataclass(frozen=True)
class Enrolment:
    line: int
    presentation: Presentation
    student: str
    registered: int | None
    unregistered: int | None


@dataclass(frozen=True)
class FinalResult:
    line: int
    presentation: Presentation
    student: str
    outcome: str


@dataclass
class Learner:
    region: str | None = None
    since: date = date.min  # the start of the presentation the region comes from: latest wins


class RowProgress:
    """Reports rows handled to the caller in steps of 1,000, not one call per row."""

    def __init__(self, callback: Progress | None) -> None:
        self.callback, self.pending = callback, 0

    def advance(self, rows: int = 1) -> None:
        self.pending += rows
        if self.callback and self.pending >= 1000:
            self.callback(self.pending)
            self.pending = 0

    def finish(self) -> None:
        if self.callback and self.pending:
            self.callback(self.pending)
        self.pending = 0


def import_oulad(
    services: Services, directory: Path, progress: Progress | None = None
) -> ImportResult:
    """Import an OULAD folder; a missing file or column raises OuladError (one line)."""
    paths = locate_files(directory)
    result = ImportResult("oulad", directory.name or str(directory))
    files = {name: CsvFile(name, path, result) for name, path in paths.items()}
    for file in files.values():
        file.check_header()
    counter = RowProgress(progress)
    presentations = read_presentations(files["courses"])
    materials = read_materials(files["vle"], presentations)
    assessments = read_assessments(files["assessments"], presentations)
    learners: dict[str, Learner] = {}
    outcomes = list(read_final_results(files["studentInfo"], presentations, learners))
    enrolments = list(read_enrolments(files["studentRegistration"], presentations, learners))
    with services.db.write() as cur:
        write_catalog(cur, presentations, materials, assessments)
        mark_changed(cur, "catalog")
        write_contacts(cur, learners)
    counter.advance(result.read)  # the rows read so far: their statements follow at once
    sink, maker = StatementSink(services, result), StatementMaker()
    for e in enrolments:
        statements = maker.enrolment(e.presentation, e.student, e.registered, e.unregistered)
        sink.add(statements, files["studentRegistration"].file, e.line)
    for o in outcomes:
        statements = maker.final_result(o.presentation, o.student, o.outcome)
        sink.add(statements, files["studentInfo"].file, o.line)
    import_scores(files["studentAssessment"], assessments, maker, sink, counter)
    import_visits(services.db, files["studentVle"], materials, presentations, maker, sink, counter)
    sink.flush()
    counter.finish()
    sync_catalog_from_activities(services.db)
    return result


def read_presentations(file: CsvFile) -> dict[str, Presentation]:
    found: dict[str, Presentation] = {}
    for line, (module, code, length) in file.rows():
        try:
            start = presentation_start(code)
            if start is None:
                rule = "must be a year and B (February start) or J (October start), e.g. 2013J"
                raise BadValue("code_presentation", code, rule)
            days = whole_number(length, "module_presentation_length", "must be a number of days")
            presentation = Presentation(module, code, start, days)
            if presentation.key in found:
                raise BadValue("code_presentation", code, f"{presentation.key} appears twice")
        except BadValue as bad:
            file.reject(line, bad)
            continue
        found[presentation.key] = presentation
    return found


def presentation_of(module: str, code: str, presentations: dict[str, Presentation]) -> Presentation:
    found = presentations.get(f"{module}-{code}")
    if found is None:
        rule = f"{module}-{code} is not a presentation of courses.csv"
        raise BadValue("code_presentation", code, rule)
    return found


def read_materials(file: CsvFile, presentations: dict[str, Presentation]) -> dict[int, Material]:
    return read_items(file, presentations, "id_site", Material)


def read_assessments(
    file: CsvFile, presentations: dict[str, Presentation]
) -> dict[int, Assessment]:
    return read_items(file, presentations, "id_assessment", Assessment)


Item = TypeVar("Item", Material, Assessment)


def read_items(
    file: CsvFile,
    presentations: dict[str, Presentation],
    id_column: str,
    make: Callable[[int, Presentation, str], Item],
) -> dict[int, Item]:
    """Rows of (id, module, presentation, type), each id once, as materials or assessments."""
    found: dict[int, Item] = {}
    for line, (item_id, module, code, item_type) in file.rows():
        try:
            presentation = presentation_of(module, code, presentations)
            number = whole_number(item_id, id_column)
            if number in found:
                raise BadValue(id_column, item_id, "appears twice")
        except BadValue as bad:
            file.reject(line, bad)
            continue
        found[number] = make(number, presentation, item_type)
    return found


def read_final_results(
    file: CsvFile, presentations: dict[str, Presentation], learners: dict[str, Learner]
) -> Iterator[FinalResult]:
    seen: set[tuple[str, str]] = set()
    for line, (module, code, student_id, region, outcome) in file.rows():
        try:
            presentation = presentation_of(module, code, presentations)
            student = identifier(student_id, "id_student")
            if outcome not in FINAL_RESULTS:
                raise BadValue(
                    "final_result", outcome, f"must be one of {', '.join(FINAL_RESULTS)}"
                )
            once(seen, (presentation.key, student), student_id, "presentation")
        except BadValue as bad:
            file.reject(line, bad)
            continue
        learner = learners.setdefault(student, Learner())
        if region and presentation.start >= learner.since:
            learner.region, learner.since = region, presentation.start
        yield FinalResult(line, presentation, student, outcome)


def read_enrolments(
    file: CsvFile, presentations: dict[str, Presentation], learners: dict[str, Learner]
) -> Iterator[Enrolment]:
    seen: set[tuple[str, str]] = set()
    for line, (module, code, student_id, registered, unregistered) in file.rows():
        try:
            presentation = presentation_of(module, code, presentations)
            student = identifier(student_id, "id_student")
            enrolment = Enrolment(
                line, presentation, student,
                optional_day(registered, "date_registration"),
                optional_day(unregistered, "date_unregistration"),
            )  # fmt: skip
            once(seen, (presentation.key, student), student_id, "presentation")
        except BadValue as bad:
            file.reject(line, bad)
            continue
        learners.setdefault(student, Learner())
        yield enrolment


def once(seen: set[tuple[Any, ...]], key: tuple[Any, ...], value: str, scope: str) -> None:
    """Reject a row whose key an earlier row of the file had (its statements would be theirs)."""
    if key in seen:
        rule = f"appears twice for this {scope}: the first row counts"
        raise BadValue("id_student", value, rule)
    seen.add(key)


def import_scores(
    file: CsvFile,
    assessments: dict[int, Assessment],
    maker: StatementMaker,
    sink: StatementSink,
    counter: RowProgress,
) -> None:
    seen: set[tuple[int, str]] = set()
    for line, (assessment_id, student_id, submitted, banked, points) in file.rows():
        counter.advance()
        try:
            number = whole_number(assessment_id, "id_assessment")
            assessment = assessments.get(number)
            if assessment is None:
                raise BadValue("id_assessment", assessment_id, "is not in assessments.csv")
            student = identifier(student_id, "id_student")
            statements = maker.assessment(
                assessment, student, day_number(submitted, "date_submitted"),
                flag(banked, "is_banked"), score(points, "score"),
            )  # fmt: skip
            once(seen, (number, student), student_id, "assessment")
        except BadValue as bad:
            file.reject(line, bad)
            continue
        sink.add(statements, file.file, line)


def import_visits(
    db: Database,
    file: CsvFile,
    materials: dict[int, Material],
    presentations: dict[str, Presentation],
    maker: StatementMaker,
    sink: StatementSink,
    counter: RowProgress,
) -> None:
    """studentVle rows, numbered within groups of identical rows (the file repeats some rows,
    in no particular order), so that each keeps its own statement id whatever the file order.

    DuckDB numbers them in TEMP tables, which go to disk when memory runs short (the complete
    10.6-million-row file fits the default 256 MB), and the rows are read back a slice at a
    time, so no large result stays in memory while the statements are stored.
    """
    with db.scratch() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE oulad_visits (line BIGINT, student VARCHAR, site BIGINT, "
            "day INTEGER, clicks INTEGER)"
        )
        stage_visits(cursor, file, materials, presentations, counter)
        cursor.execute(
            "CREATE TEMP TABLE oulad_numbered AS SELECT line, student, site, day, clicks, "
            "row_number() OVER (PARTITION BY student, site, day, clicks ORDER BY line) "
            "FROM oulad_visits ORDER BY line"
        )
        cursor.execute("DROP TABLE oulad_visits")
        first = 0
        while rows := cursor.execute(
            "SELECT * FROM oulad_numbered WHERE rowid >= ? AND rowid < ?",
            [first, first + FETCH_ROWS],
        ).fetchall():
            first += FETCH_ROWS
            for line, student, site, day, clicks, occurrence in rows:
                visit = maker.visit(materials[site], student, day, clicks, occurrence)
                sink.add([visit], file.file, line)
            counter.advance(len(rows))


def stage_visits(
    cursor: duckdb.DuckDBPyConnection,
    file: CsvFile,
    materials: dict[int, Material],
    presentations: dict[str, Presentation],
    counter: RowProgress,
) -> None:
    columns: tuple[list[Any], ...] = ([], [], [], [], [])
    for line, (module, code, student_id, site, day, clicks) in file.rows():
        try:
            values = visit_values(module, code, student_id, site, day, clicks, materials,
                                  presentations)  # fmt: skip
        except BadValue as bad:
            file.reject(line, bad)
            counter.advance()
            continue
        for column, value in zip(columns, (line, *values), strict=True):
            column.append(value)
        if len(columns[0]) >= STAGE_ROWS:
            insert_visits(cursor, columns)
    insert_visits(cursor, columns)


def visit_values(
    module: str,
    code: str,
    student_id: str,
    site: str,
    day: str,
    clicks: str,
    materials: dict[int, Material],
    presentations: dict[str, Presentation],
) -> tuple[str, int, int, int]:
    presentation = presentation_of(module, code, presentations)
    student = identifier(student_id, "id_student")
    number = whole_number(site, "id_site")
    material = materials.get(number)
    if material is None:
        raise BadValue("id_site", site, "is not in vle.csv")
    if material.presentation is not presentation:
        rule = f"is a material of {material.presentation.key}, not of {presentation.key}"
        raise BadValue("id_site", site, rule)
    count = whole_number(clicks, "sum_click", "must be a whole number of clicks, 1 or more")
    if count < 1:
        raise BadValue("sum_click", clicks, "must be a whole number of clicks, 1 or more")
    return student, number, day_number(day, "date"), count


def insert_visits(cursor: duckdb.DuckDBPyConnection, columns: tuple[list[Any], ...]) -> None:
    if not columns[0]:
        return
    names = ("line", "student", "site", "day", "clicks")
    chunk = pa.table(dict(zip(names, columns, strict=True)))
    cursor.register("visits_chunk", chunk)
    cursor.execute("INSERT INTO oulad_visits SELECT * FROM visits_chunk")
    cursor.unregister("visits_chunk")
    for column in columns:
        column.clear()


def write_catalog(
    cur: duckdb.DuckDBPyConnection,
    presentations: dict[str, Presentation],
    materials: dict[int, Material],
    assessments: dict[int, Assessment],
) -> None:
    """Courses and their items; fields a catalog import set that OULAD lacks are kept."""
    rows: list[dict[str, Any]] = [
        {"id": p.iri, "kind": COURSE, "name": p.key,
         "created_at": datetime.combine(p.start, time(), UTC)}
        for p in presentations.values()
    ]  # fmt: skip
    items: list[Material | Assessment] = [*materials.values(), *assessments.values()]
    rows += [
        {"id": i.iri, "kind": ITEM, "name": i.name, "content_type": i.content_type} for i in items
    ]
    table = pa.Table.from_pylist(rows, schema=CATALOG_ROWS)
    upsert(cur, "catalog", table, ("kind", "name", "content_type", "created_at"))


def write_contacts(cur: duckdb.DuckDBPyConnection, learners: dict[str, Learner]) -> None:
    """One contact per student, `oulad:<id_student>`, found by identity resolution through
    lms_id; the fields other imports set (account, e-mail, name...) are kept."""
    students = sorted(learners)
    regions = [learners[s].region for s in students]
    table = pa.table(
        {
            "id": pa.array([f"oulad:{s}" for s in students], pa.string()),
            "lms_id": pa.array(students, pa.string()),
            "region": pa.array(regions, pa.string()),
            "country": pa.array([r and country_of(r) for r in regions], pa.string()),
        }
    )
    upsert(cur, "contacts", table, ("lms_id", "region", "country"))


def upsert(
    cur: duckdb.DuckDBPyConnection, target: str, rows: pa.Table, fields: tuple[str, ...]
) -> None:
    """Insert new ids; on known ids set `fields` to the new value when it is not NULL."""
    names = ", ".join(rows.column_names)
    updates = ", ".join(f"{f} = coalesce(excluded.{f}, {f})" for f in fields)
    cur.register("oulad_rows", rows)
    try:
        cur.execute(
            f"INSERT INTO {target} ({names}) SELECT {names} FROM oulad_rows "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
    finally:
        cur.unregister("oulad_rows")
