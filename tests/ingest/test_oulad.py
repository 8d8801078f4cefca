"""`import_oulad` on a real OULAD subset: every expected number is recomputed here from the
fixture CSVs with the csv module, independently of the importer."""

from __future__ import annotations

import csv
import gzip
import io
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from helpers import Setup, run_cli
from learnsight.config import Settings
from learnsight.ingest.oulad import import_oulad
from learnsight.ingest.oulad_files import OuladError
from learnsight.ingest.summary import ImportResult
from learnsight.services import Services
from learnsight.xapi.validate import validate_statement

FIXTURE = Path(__file__).parents[1] / "fixtures" / "oulad"
ADL = "http://adlnet.gov/expapi/verbs/"
UNREGISTERED = "http://id.tincanapi.com/verb/unregistered"
HOME = "https://analyse.kmi.open.ac.uk/open_dataset"
BANKED = HOME + "#is_banked"
CLICKS = HOME + "#sum_click"
PRESENTATIONS = ("BBB-2013B", "BBB-2013J")


def read_rows(directory: Path, stem: str) -> list[dict[str, str]]:
    """A fixture file's rows, as the csv module reads them."""
    (path,) = [p for p in directory.iterdir() if p.name.split(".csv")[0] == stem]
    raw = path.read_bytes()
    text = gzip.decompress(raw) if path.name.endswith(".gz") else raw
    return list(csv.DictReader(io.StringIO(text.decode(), newline="")))


def course(row: dict[str, str]) -> str:
    return f"{row['code_module']}-{row['code_presentation']}"


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@dataclass
class Imported:
    services: Services
    result: ImportResult
    progress: list[int]

    def one(self, sql: str, *params: Any) -> Any:
        row = self.services.db.read().execute(sql, list(params)).fetchone()
        assert row is not None
        return row[0]

    def all(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.services.db.read().execute(sql, list(params)).fetchall()

    def raw(self, verb: str, student: str, course_key: str) -> list[dict[str, Any]]:
        found = self.all(
            "SELECT raw FROM statements WHERE verb_id = ? AND actor_key = ? "
            "AND (object_id = ? OR list_contains(context_parent_ids, ?)) ORDER BY timestamp",
            verb,
            f"account:{HOME}\t{student}",
            f"{HOME}/{course_key}",
            f"{HOME}/{course_key}",
        )
        return [orjson.loads(raw) for (raw,) in found]


def open_services(data: Path) -> Services:
    return Services.open(Settings(data=data))


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    """The fixture imported once into a fresh data directory, with a contact and a catalog row
    stored before, as other imports would have."""
    services = open_services(tmp_path_factory.mktemp("oulad") / "data")
    with services.db.write() as cur:
        cur.execute(
            "INSERT INTO contacts (id, account_id, email, region) "
            "VALUES ('oulad:126322', 'acme', 'ann@acme.example', 'Somewhere')"
        )
        cur.execute(
            "INSERT INTO catalog (id, kind, name, features) "
            f"VALUES ('{HOME}/BBB-2013B', 'course', 'Old name', ['export'])"
        )
    progress: list[int] = []
    result = import_oulad(services, FIXTURE, progress.append)
    yield Imported(services, result, progress)
    services.close()


def test_every_row_is_read_and_nothing_rejected(imported: Imported) -> None:
    rows = sum(
        len(read_rows(FIXTURE, stem))
        for stem in (
            "courses",
            "vle",
            "assessments",
            "studentInfo",
            "studentRegistration",
            "studentAssessment",
            "studentVle.partial",
        )
    )
    assert imported.result.read == rows
    assert (imported.result.rejected, imported.result.rejects) == (0, [])
    assert sum(imported.progress) == rows


def test_statement_counts_per_verb(imported: Imported) -> None:
    registrations = read_rows(FIXTURE, "studentRegistration")
    info = read_rows(FIXTURE, "studentInfo")
    scores = [r["score"] for r in read_rows(FIXTURE, "studentAssessment")]
    finals = Counter(r["final_result"] for r in info)
    expected = {
        ADL + "registered": len(registrations),
        UNREGISTERED: sum(1 for r in registrations if r["date_unregistration"]),
        ADL + "completed": len(info) - finals["Withdrawn"],
        ADL + "passed": finals["Pass"]
        + finals["Distinction"]
        + sum(1 for s in scores if s and float(s) >= 40),
        ADL + "failed": finals["Fail"] + sum(1 for s in scores if s and float(s) < 40),
        ADL + "scored": len(scores),
        ADL + "experienced": len(read_rows(FIXTURE, "studentVle.partial")),
    }
    stored = dict(imported.all("SELECT verb_id, count(*) FROM statements GROUP BY verb_id"))
    assert stored == expected
    assert imported.result.inserted == sum(expected.values())


def test_enrolments_withdrawals_and_completions_per_presentation(imported: Imported) -> None:
    registrations = read_rows(FIXTURE, "studentRegistration")
    info = read_rows(FIXTURE, "studentInfo")
    for key in PRESENTATIONS:
        expected = {
            ADL + "registered": sum(1 for r in registrations if course(r) == key),
            UNREGISTERED: sum(
                1 for r in registrations if course(r) == key and r["date_unregistration"]
            ),
            ADL + "completed": sum(
                1 for r in info if course(r) == key and r["final_result"] != "Withdrawn"
            ),
        }
        stored = dict(
            imported.all(
                "SELECT verb_id, count(*) FROM statements WHERE object_id = ? "
                "AND verb_id IN (?, ?, ?) GROUP BY verb_id",
                f"{HOME}/{key}",
                *expected,
            )
        )
        assert stored == expected, key


def test_materials_and_assessments_carry_their_course(imported: Imported) -> None:
    visits = Counter(course(r) for r in read_rows(FIXTURE, "studentVle.partial"))
    assessment_course = {r["id_assessment"]: course(r) for r in read_rows(FIXTURE, "assessments")}
    scored = Counter(
        assessment_course[r["id_assessment"]] for r in read_rows(FIXTURE, "studentAssessment")
    )
    for key in PRESENTATIONS:
        parent = f"{HOME}/{key}"
        for verb, expected in ((ADL + "experienced", visits[key]), (ADL + "scored", scored[key])):
            stored = imported.one(
                "SELECT count(*) FROM statements WHERE verb_id = ? AND context_parent_ids = [?] "
                "AND starts_with(object_id, ?)",
                verb,
                parent,
                parent + "/",
            )
            assert stored == expected, (key, verb)


def test_hand_checked_times(imported: Imported) -> None:
    def times(verb: str, student: str, key: str) -> list[str]:
        return [st["timestamp"] for st in imported.raw(verb, student, key)]

    # February start (B): day -106 is 2012-10-18; a blank registration date is the start.
    assert times(ADL + "registered", "126322", "BBB-2013B") == ["2012-10-18T00:00:00Z"]
    assert times(ADL + "registered", "630346", "BBB-2013B") == ["2013-02-01T00:00:00Z"]
    assert times(UNREGISTERED, "397763", "BBB-2013B") == ["2013-02-28T00:00:00Z"]  # day 27
    # One student in both presentations; October start (J): day -36 is 2013-08-26.
    assert times(UNREGISTERED, "431071", "BBB-2013B") == ["2013-07-15T00:00:00Z"]  # day 164
    assert times(ADL + "registered", "431071", "BBB-2013J") == ["2013-08-26T00:00:00Z"]
    # Blank registration, withdrew the day before the start.
    assert times(ADL + "registered", "57369", "BBB-2013J") == ["2013-10-01T00:00:00Z"]
    assert times(UNREGISTERED, "57369", "BBB-2013J") == ["2013-09-30T00:00:00Z"]
    # Completions at the end: start + 240 days (BBB-2013B), + 268 days (BBB-2013J).
    ends = dict(
        imported.all(
            "SELECT object_id, list(DISTINCT strftime(timestamp, '%Y-%m-%d')) FROM statements "
            "WHERE verb_id = ? GROUP BY object_id",
            ADL + "completed",
        )
    )
    assert ends == {f"{HOME}/BBB-2013B": ["2013-09-29"], f"{HOME}/BBB-2013J": ["2014-06-26"]}


def test_final_results(imported: Imported) -> None:
    info = read_rows(FIXTURE, "studentInfo")
    left = {
        (course(r), r["id_student"])
        for r in read_rows(FIXTURE, "studentRegistration")
        if r["date_unregistration"]
    }
    for row in info:
        key, student, outcome = course(row), row["id_student"], row["final_result"]
        completed = imported.raw(ADL + "completed", student, key)
        passed = imported.raw(ADL + "passed", student, key)
        failed = [
            st
            for st in imported.raw(ADL + "failed", student, key)
            if st["object"]["id"] == f"{HOME}/{key}"
        ]
        course_passed = [st for st in passed if st["object"]["id"] == f"{HOME}/{key}"]
        if outcome == "Withdrawn":
            assert (completed, course_passed, failed) == ([], [], [])
            continue
        assert [st["result"] for st in completed] == [{"completion": True}]
        decided = course_passed if outcome in ("Pass", "Distinction") else failed
        assert [st["result"]["success"] for st in decided] == [outcome != "Fail"]
        assert decided[0]["result"]["extensions"] == {HOME + "#final_result": outcome}
    # The rule: Fail is a completion even after an unregistration.
    failed_after_leaving = [
        r for r in info if r["final_result"] == "Fail" and (course(r), r["id_student"]) in left
    ]
    assert failed_after_leaving, "the fixture keeps students who failed after unregistering"


def test_assessment_scores_banked_and_blank(imported: Imported) -> None:
    rows = read_rows(FIXTURE, "studentAssessment")
    banked = [r for r in rows if r["is_banked"] == "1"]
    blank = [r for r in rows if r["score"] == ""]
    assert banked and blank, "the fixture keeps banked rows and blank scores"
    assert imported.one(
        "SELECT count(*) FROM statements WHERE verb_id = ? "
        "AND json_extract(raw, '$.context.extensions') ->> ? = 'true'",
        ADL + "scored",
        BANKED,
    ) == len(banked)
    assert imported.one(
        "SELECT count(*) FROM statements WHERE verb_id = ? AND result_score_raw IS NULL",
        ADL + "scored",
    ) == len(blank)
    scored = {
        (st_raw["object"]["id"].rsplit("/", 1)[1], st_raw["actor"]["account"]["name"]): st_raw
        for (raw,) in imported.all("SELECT raw FROM statements WHERE verb_id = ?", ADL + "scored")
        for st_raw in [orjson.loads(raw)]
    }
    assert len(scored) == len(rows)
    for row in rows:
        statement = scored[(row["id_assessment"], row["id_student"])]
        if row["score"]:
            assert statement["result"]["score"]["raw"] == float(row["score"])
        else:
            assert "result" not in statement
    # Each non-blank score has one pass or fail at the pass mark 40, none for blank scores.
    outcomes = dict(
        imported.all(
            "SELECT result_success, count(*) FROM statements WHERE verb_id IN (?, ?) "
            "AND starts_with(object_id, ?) AND object_id LIKE '%/assessment/%' GROUP BY ALL",
            ADL + "passed",
            ADL + "failed",
            HOME,
        )
    )
    assert outcomes == {
        True: sum(1 for r in rows if r["score"] and float(r["score"]) >= 40),
        False: sum(1 for r in rows if r["score"] and float(r["score"]) < 40),
    }


def test_banked_row_is_scored_at_its_submission_day(imported: Imported) -> None:
    row = next(r for r in read_rows(FIXTURE, "studentAssessment") if r["is_banked"] == "1")
    key = next(
        course(a)
        for a in read_rows(FIXTURE, "assessments")
        if a["id_assessment"] == row["id_assessment"]
    )
    (statement,) = [
        st
        for st in imported.raw(ADL + "scored", row["id_student"], key)
        if st["object"]["id"].endswith("/" + row["id_assessment"])
    ]
    start = "2013-02-01" if key.endswith("B") else "2013-10-01"
    days = imported.one("SELECT (?::TIMESTAMPTZ)::DATE - ?::DATE", statement["timestamp"], start)
    assert days == int(row["date_submitted"])
    assert statement["context"]["extensions"] == {BANKED: True}


def test_visits_keep_their_clicks_and_repeated_rows(imported: Imported) -> None:
    rows = read_rows(FIXTURE, "studentVle.partial")
    identical = Counter(tuple(r.values()) for r in rows)
    assert max(identical.values()) > 1, "the fixture keeps rows the file repeats"
    stored = Counter(
        imported.all(
            "SELECT actor_key, object_id, strftime(timestamp, '%Y-%m-%d'), "
            f"(json_extract(raw, '$.result.extensions') ->> '{CLICKS}')::INTEGER "
            "FROM statements WHERE verb_id = ?",
            ADL + "experienced",
        )
    )
    assert sum(stored.values()) == len(rows)
    assert sorted(stored.values()) == sorted(identical.values())
    assert imported.one(
        "SELECT sum((json_extract(raw, '$.result.extensions') ->> ?)::INTEGER) FROM statements",
        CLICKS,
    ) == sum(int(r["sum_click"]) for r in rows)


def test_learners_are_contacts_with_region_and_country(imported: Imported) -> None:
    regions = {r["id_student"]: r["region"] for r in read_rows(FIXTURE, "studentInfo")}
    contacts = {
        row[0]: row[1:]
        for row in imported.all(
            "SELECT id, lms_id, region, country, email, account_id FROM contacts"
        )
    }
    assert set(contacts) == {f"oulad:{s}" for s in regions}
    for student, region in regions.items():
        lms_id, stored_region, country, *_ = contacts[f"oulad:{student}"]
        assert (lms_id, stored_region) == (student, region)
        assert country == ("IE" if region == "Ireland" else "GB")
    assert "IE" in {c[2] for c in contacts.values()}
    # What another import stored stays; OULAD's region replaces the old one.
    assert contacts["oulad:126322"][3:] == ("ann@acme.example", "acme")
    # Statements name the student as an account on the OULAD home page.
    actors = {key for (key,) in imported.all("SELECT DISTINCT actor_key FROM statements")}
    assert actors == {f"account:{HOME}\t{s}" for s in regions}


def test_catalog_has_courses_materials_and_assessments(imported: Imported) -> None:
    materials = read_rows(FIXTURE, "vle")
    assessments = read_rows(FIXTURE, "assessments")
    rows = {
        r[0]: r[1:]
        for r in imported.all(
            "SELECT id, kind, name, content_type, created_at::DATE::VARCHAR, features FROM catalog"
        )
    }
    assert rows[f"{HOME}/BBB-2013B"] == ("course", "BBB-2013B", None, "2013-02-01", ["export"])
    assert rows[f"{HOME}/BBB-2013J"] == ("course", "BBB-2013J", None, "2013-10-01", None)
    assert len(rows) == 2 + len(materials) + len(assessments)
    expected_types = {
        "resource": "pdf",
        "oucontent": "article",
        "quiz": "quiz",
        "forumng": "other",
        "url": "other",
        "subpage": "other",
    }
    for material in materials:
        kind, name, content_type, *_ = rows[f"{HOME}/{course(material)}/vle/{material['id_site']}"]
        assert (kind, name) == ("item", f"{material['activity_type']} {material['id_site']}")
        if material["activity_type"] in expected_types:
            assert content_type == expected_types[material["activity_type"]]
    by_type = {"TMA": "assessment", "CMA": "quiz", "Exam": "assessment"}
    for a in assessments:
        row = rows[f"{HOME}/{course(a)}/assessment/{a['id_assessment']}"]
        assert row[:3] == (
            "item",
            f"{a['assessment_type']} {a['id_assessment']}",
            by_type[a["assessment_type"]],
        )


def test_every_statement_is_valid_xapi(imported: Imported) -> None:
    for (raw,) in imported.all("SELECT raw FROM statements"):
        validate_statement(orjson.loads(raw))


def test_importing_again_stores_nothing(imported: Imported) -> None:
    before = imported.one("SELECT count(*) FROM statements")
    again = import_oulad(imported.services, FIXTURE)
    assert (again.inserted, again.unchanged, again.rejected) == (0, before, 0)
    assert imported.one("SELECT count(*) FROM statements") == before


def test_shuffled_visits_are_the_same_statements(tmp_path: Path, imported: Imported) -> None:
    """Repeated studentVle rows are told apart by their rank among equals, not their line."""
    folder = tmp_path / "shuffled"
    shutil.copytree(FIXTURE, folder)
    (folder / "studentVle.partial.csv.gz").unlink()
    rows = read_rows(FIXTURE, "studentVle.partial")
    random.Random(3).shuffle(rows)
    write_rows(folder / "studentVle.csv", rows)
    again = import_oulad(imported.services, folder)
    assert (again.inserted, again.rejected) == (0, 0)


def test_pass_mark_is_40(tmp_path: Path) -> None:
    folder = tmp_path / "edited"
    shutil.copytree(FIXTURE, folder)
    rows = read_rows(FIXTURE, "studentAssessment")
    rows[0]["score"], rows[1]["score"] = "40", "39"
    (folder / "studentAssessment.csv.gz").unlink()
    write_rows(folder / "studentAssessment.csv", rows)
    services = open_services(tmp_path / "data")
    try:
        import_oulad(services, folder)
        for row, verb in ((rows[0], "passed"), (rows[1], "failed")):
            found = (
                services.db.read()
                .execute(
                    "SELECT verb_id FROM statements WHERE verb_id IN (?, ?) AND actor_key = ? "
                    "AND ends_with(object_id, ?)",
                    [
                        ADL + "passed",
                        ADL + "failed",
                        f"account:{HOME}\t{row['id_student']}",
                        "/assessment/" + row["id_assessment"],
                    ],
                )
                .fetchall()
            )
            assert found == [(ADL + verb,)]
    finally:
        services.close()


def corrupt(folder: Path, stem: str, changes: dict[int, dict[str, str]]) -> list[dict[str, str]]:
    """Rewrite a fixture file as plain CSV with some values changed (keys: file lines)."""
    rows = read_rows(FIXTURE, stem)
    originals = [dict(r) for r in rows]
    for line, values in changes.items():
        rows[line - 2].update(values)
    for old in folder.glob(stem + ".csv*"):
        old.unlink()
    write_rows(folder / f"{stem}.csv", rows)
    return [originals[line - 2] for line in changes]


def statements_made(stem: str, row: dict[str, str]) -> int:
    """How many statements the issue's rules make from one row of a student file."""
    if stem == "studentRegistration":
        return 2 if row["date_unregistration"] else 1
    if stem == "studentAssessment":
        return 2 if row["score"] else 1
    if stem == "studentInfo":
        return 0 if row["final_result"] == "Withdrawn" else 2
    return 1


def test_bad_rows_are_rejected_and_the_rest_imported(tmp_path: Path) -> None:
    folder = tmp_path / "corrupted"
    shutil.copytree(FIXTURE, folder)
    visits = read_rows(FIXTURE, "studentVle.partial")
    sixth = course(visits[4])  # the presentation of the row on line 6
    other, other_site = next(
        (course(s), s["id_site"]) for s in read_rows(FIXTURE, "vle") if course(s) != sixth
    )
    lost_visits = corrupt(
        folder,
        "studentVle.partial",
        {
            2: {"date": "x1"},
            3: {"id_site": "999999999"},
            4: {"code_presentation": "2099J"},
            5: {"sum_click": "0"},
            6: {"id_site": other_site},
        },
    )
    lost_registration = corrupt(folder, "studentRegistration", {3: {"date_registration": "soon"}})
    lost_scores = corrupt(
        folder, "studentAssessment", {2: {"id_assessment": "123"}, 3: {"score": "101"}}
    )
    services = open_services(tmp_path / "data")
    try:
        result = import_oulad(services, folder)
        count = services.db.read().execute("SELECT count(*) FROM statements").fetchone()
    finally:
        services.close()
    found = [(r.file, r.line, r.column, r.value) for r in result.rejects]
    assert found == [
        ("studentRegistration.csv", 3, "date_registration", "soon"),
        ("studentAssessment.csv", 2, "id_assessment", "123"),
        ("studentAssessment.csv", 3, "score", "101"),
        ("studentVle.partial.csv", 2, "date", "x1"),
        ("studentVle.partial.csv", 3, "id_site", "999999999"),
        ("studentVle.partial.csv", 4, "code_presentation", "2099J"),
        ("studentVle.partial.csv", 5, "sum_click", "0"),
        ("studentVle.partial.csv", 6, "id_site", other_site),
    ]
    rules = [r.rule for r in result.rejects]
    assert "whole number of days" in rules[0] and "not in assessments.csv" in rules[1]
    assert "from 0 to 100" in rules[2] and "not in vle.csv" in rules[4]
    assert "BBB-2099J is not a presentation" in rules[5] and "1 or more" in rules[6]
    assert f"is a material of {other}, not of {sixth}" in rules[7]
    assert result.rejected == len(found)
    # Everything else landed: the full import's statements less those of the rejected rows.
    lost = {
        "studentVle.partial": lost_visits,
        "studentRegistration": lost_registration,
        "studentAssessment": lost_scores,
    }
    full = sum(
        statements_made(stem, row)
        for stem in (
            "studentVle.partial",
            "studentRegistration",
            "studentAssessment",
            "studentInfo",
        )
        for row in read_rows(FIXTURE, stem)
    ) - sum(statements_made(stem, row) for stem, rows in lost.items() for row in rows)
    assert count == (full,)
    assert result.inserted == full


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "incomplete"
    shutil.copytree(FIXTURE, folder)
    (folder / "studentVle.partial.csv.gz").unlink()
    (folder / "vle.csv.gz").unlink()
    services = open_services(tmp_path / "data")
    try:
        with pytest.raises(OuladError) as raised:
            import_oulad(services, folder)
        message = str(raised.value)
        assert "\n" not in message
        assert "vle.csv[.gz]" in message
        assert "studentVle.csv[.gz] or studentVle.partial.csv[.gz]" in message
        with pytest.raises(OuladError, match="not a folder"):
            import_oulad(services, folder / "courses.csv.gz")
        (folder / "vle.csv").write_text("id_site,code_module,code_presentation\n1,BBB,2013J\n")
        (folder / "studentVle.csv").write_text("")
        with pytest.raises(OuladError, match=r"^vle.csv: missing column\(s\) activity_type$"):
            import_oulad(services, folder)
        shutil.copy(FIXTURE / "vle.csv.gz", folder)
        (folder / "vle.csv").unlink()
        with pytest.raises(OuladError, match=r"^studentVle.csv: empty \(no header line\)$"):
            import_oulad(services, folder)  # the last file read: refused before any statement
        count = services.db.read().execute("SELECT count(*) FROM statements").fetchone()
        assert count == (0,)
    finally:
        services.close()


def test_a_changed_row_is_rejected_and_the_stored_statement_kept(tmp_path: Path) -> None:
    """Statements never change: a score edited after an import cannot replace the stored one."""
    folder = tmp_path / "edited"
    shutil.copytree(FIXTURE, folder)
    rows = read_rows(FIXTURE, "studentAssessment")
    line, row = next(  # a pass that stays a pass with one point more
        (i + 2, r) for i, r in enumerate(rows) if r["score"] and 40 <= int(r["score"]) < 100
    )
    services = open_services(tmp_path / "data")
    try:
        first = import_oulad(services, FIXTURE)
        corrupt(folder, "studentAssessment", {line: {"score": str(int(row["score"]) + 1)}})
        again = import_oulad(services, folder)
        scores = (
            services.db.read()
            .execute(
                "SELECT result_score_raw FROM statements WHERE verb_id = ? AND actor_key = ? "
                "AND ends_with(object_id, ?)",
                [
                    ADL + "scored",
                    f"account:{HOME}\t{row['id_student']}",
                    "/" + row["id_assessment"],
                ],
            )
            .fetchall()
        )
    finally:
        services.close()
    assert [(r.file, r.line, r.column) for r in again.rejects] == [
        ("studentAssessment.csv", line, "(row)")
    ]
    assert "already stored with different content" in again.rejects[0].rule
    assert (again.rejected, again.inserted) == (1, 0)
    assert again.unchanged == first.inserted - 2  # the row's scored and passed/failed
    assert scores == [(float(row["score"]),)]


def test_repeated_and_short_rows_are_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "repeated"
    shutil.copytree(FIXTURE, folder)
    registrations = read_rows(FIXTURE, "studentRegistration")
    scores = read_rows(FIXTURE, "studentAssessment")
    (folder / "studentRegistration.csv.gz").unlink()
    (folder / "studentAssessment.csv.gz").unlink()
    write_rows(folder / "studentRegistration.csv", [*registrations, registrations[0]])
    write_rows(folder / "studentAssessment.csv", [*scores, scores[0]])
    with (folder / "studentAssessment.csv").open("a") as stream:
        stream.write("1752,11391\n")
    services = open_services(tmp_path / "data")
    try:
        result = import_oulad(services, folder)
    finally:
        services.close()
    twice = "appears twice for this {}: the first row counts"
    found = [(r.file, r.line, r.column, r.value, r.rule) for r in result.rejects]
    assert found == [
        ("studentRegistration.csv", len(registrations) + 2, "id_student",
         registrations[0]["id_student"], twice.format("presentation")),
        ("studentAssessment.csv", len(scores) + 2, "id_student", scores[0]["id_student"],
         twice.format("assessment")),
        ("studentAssessment.csv", len(scores) + 3, "(row)", None,
         "has 2 values where the header has 5"),
    ]  # fmt: skip
    assert result.inserted == sum(
        statements_made(stem, row)
        for stem in ("studentVle.partial", "studentRegistration", "studentAssessment",
                     "studentInfo")
        for row in read_rows(FIXTURE, stem)
    )  # fmt: skip


def test_the_import_command_with_and_without_a_server(setup: Setup) -> None:
    """The CLI uploads the folder's files to a live server, or imports them itself."""
    done = run_cli("import", "oulad", FIXTURE, "--json", data=setup.data)
    summary = orjson.loads(done.stdout)
    assert (summary["kind"], summary["rejected"], summary["unchanged"]) == ("oulad", 0, 0)
    assert summary["inserted"] > 0
    history = orjson.loads(run_cli("import", "history", "--json", data=setup.data).stdout)
    assert [(h["kind"], h["file"], h["inserted"]) for h in history] == [
        ("oulad", "oulad", summary["inserted"])
    ]
