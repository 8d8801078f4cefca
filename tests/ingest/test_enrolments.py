"""`import_enrolments`: a generic LMS enrolments/completions export as xAPI statements."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from helpers import run_cli
from learnsight.config import Settings
from learnsight.ingest.enrolments import ENROLMENTS, import_enrolments
from learnsight.ingest.mapping import Mapping, Source
from learnsight.services import Services
from learnsight.xapi.validate import validate_statement

ADL = "http://adlnet.gov/expapi/verbs/"
ADMIN = "https://academy.example.com/admin-101"
REPORTS = "urn:learnsight:course:Intro%20to%20Reports"
HEADER = ["email", "course", "enrolled_at", "completed_at", "score"]
ROWS = [  # line 2 onwards
    ["ann@acme.example", "Intro to Reports", "2024-01-10T09:00:00Z", "2024-01-20T10:00:00Z", "85"],
    ["Bob@Acme.example", "Intro to Reports", "2024-01-11 08:00:00", "", ""],
    ["cy@acme.example", "https://lms.example.com/courses/7", "2024-02-01", "2024-02-03", ""],
    ["not-an-email", "Intro to Reports", "2024-01-10", "", ""],
    ["dee@acme.example", "admin 101", "2024-03-01", "2024-03-05", "101"],
    ["eve@acme.example", "Admin 101", "yesterday", "", ""],
    ["fay@acme.example", "ADMIN 101", "2024-03-02T12:00:00+02:00", "2024-03-09", "40.5"],
    ["ann@acme.example", "Intro to Reports", "2024-01-10T09:00:00Z", "2024-01-21T10:00:00Z", "90"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    opened = Services.open(Settings(data=tmp_path / "data"))
    with opened.db.write() as cur:
        cur.execute(
            f"INSERT INTO catalog (id, kind, name) VALUES ('{ADMIN}', 'course', 'Admin 101')"
        )
    yield opened
    opened.close()


def stored(services: Services) -> list[dict[str, Any]]:
    rows = services.db.read().execute("SELECT raw FROM statements ORDER BY seq").fetchall()
    return [orjson.loads(raw) for (raw,) in rows]


def test_rows_become_statements(services: Services, tmp_path: Path) -> None:
    result = import_enrolments(services, write_csv(tmp_path / "enrolments.csv", ROWS))
    assert [(r.line, r.column, r.value) for r in result.rejects] == [
        (5, "email", "not-an-email"),
        (7, "enrolled_at", "yesterday"),
        (6, "score", "101"),  # checked after the loader's rules
    ]
    assert (result.read, result.rejected, result.duplicates) == (8, 3, 1)
    statements = stored(services)
    for statement in statements:
        validate_statement(statement)
    assert result.inserted == len(statements) == 4 + 1 + 2 + 4
    by_learner = Counter(
        (st["actor"]["mbox"], st["object"]["id"], st["verb"]["id"].rsplit("/", 1)[1])
        for st in statements
    )
    assert by_learner == {
        ("mailto:ann@acme.example", REPORTS, "registered"): 1,
        ("mailto:ann@acme.example", REPORTS, "completed"): 1,
        ("mailto:ann@acme.example", REPORTS, "scored"): 1,
        ("mailto:ann@acme.example", REPORTS, "passed"): 1,
        ("mailto:bob@acme.example", REPORTS, "registered"): 1,
        ("mailto:cy@acme.example", "https://lms.example.com/courses/7", "registered"): 1,
        ("mailto:cy@acme.example", "https://lms.example.com/courses/7", "completed"): 1,
        ("mailto:fay@acme.example", ADMIN, "registered"): 1,
        ("mailto:fay@acme.example", ADMIN, "completed"): 1,
        ("mailto:fay@acme.example", ADMIN, "scored"): 1,
        ("mailto:fay@acme.example", ADMIN, "passed"): 1,
    }
    ann = [st for st in statements if st["actor"]["mbox"] == "mailto:ann@acme.example"]
    # The file's last row for an enrolment wins: completed on the 21st with 90.
    assert {st["timestamp"] for st in ann[1:]} == {"2024-01-21T10:00:00.000000Z"}
    assert ann[0]["timestamp"] == "2024-01-10T09:00:00.000000Z"
    assert ann[2]["result"]["score"] == {"raw": 90.0, "min": 0, "max": 100, "scaled": 0.9}
    assert len({st["context"]["registration"] for st in ann}) == 1
    fay = [st for st in statements if st["actor"]["mbox"] == "mailto:fay@acme.example"]
    assert fay[0]["timestamp"] == "2024-03-02T10:00:00.000000Z"  # +02:00 in UTC
    assert fay[0]["object"]["definition"]["name"] == {"en": "Admin 101"}
    # The course found by name only: now in the catalog under its URN.
    catalog = services.db.read().execute("SELECT id, kind, name FROM catalog ORDER BY id")
    assert catalog.fetchall() == [
        (ADMIN, "course", "Admin 101"),
        ("https://lms.example.com/courses/7", "course", None),
        (REPORTS, "course", "Intro to Reports"),
    ]


def test_importing_again_stores_nothing(services: Services, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "enrolments.csv", ROWS)
    first = import_enrolments(services, path)
    again = import_enrolments(services, path)
    assert (again.inserted, again.unchanged, again.rejected) == (0, first.inserted, 3)
    # Now that the catalog knows "Intro to Reports", naming it finds the same IRI.
    assert len(stored(services)) == first.inserted


def test_strict_is_all_or_nothing(services: Services, tmp_path: Path) -> None:
    bad = import_enrolments(services, write_csv(tmp_path / "bad.csv", ROWS), strict=True)
    assert (bad.outcome, bad.inserted, bad.rejected) == ("rejected", 0, 3)
    assert stored(services) == []
    clean = write_csv(tmp_path / "clean.csv", [ROWS[0], ROWS[2]])
    good = import_enrolments(services, clean, strict=True)
    assert (good.outcome, good.inserted) == ("imported", 6)
    # A completion changed after the import: the stored statements cannot change.
    changed = write_csv(tmp_path / "changed.csv", [ROWS[2], [*ROWS[0][:3], "2024-02-01", "85"]])
    refused = import_enrolments(services, changed, strict=True)
    assert (refused.outcome, refused.inserted, refused.rejected) == ("rejected", 0, 1)
    assert refused.rejects[0].line == 3
    assert "already stored with different content" in refused.rejects[0].rule
    assert len(stored(services)) == 6


def test_a_changed_row_is_rejected_alone(services: Services, tmp_path: Path) -> None:
    import_enrolments(services, write_csv(tmp_path / "first.csv", [ROWS[0], ROWS[2]]))
    new = ["gus@acme.example", "Admin 101", "2024-04-01", "", ""]
    changed = [ROWS[2], [*ROWS[0][:3], "2024-02-01", "85"], new]
    result = import_enrolments(services, write_csv(tmp_path / "changed.csv", changed))
    assert [(r.line, r.column) for r in result.rejects] == [(3, "(row)")]
    assert (result.inserted, result.rejected) == (1, 1)  # gus's registration
    assert result.unchanged == 2 + 1  # cy's statements and ann's unchanged registration


def test_dry_run_counts_and_stores_nothing(services: Services, tmp_path: Path) -> None:
    result = import_enrolments(services, write_csv(tmp_path / "e.csv", ROWS), dry_run=True)
    assert (result.outcome, result.inserted, result.rejected) == ("dry run", 11, 3)
    assert stored(services) == []
    assert services.db.read().execute("SELECT count(*) FROM catalog").fetchone() == (1,)


def test_a_mapping_reads_a_vendor_export(services: Services, tmp_path: Path) -> None:
    header = ["User Email", "Course Title", "Enrolled", "Completed", "Quiz Score"]
    rows = [["ann@acme.example", "Admin 101", "03/01/2024 09:30", "03/04/2024 17:00", "77"]]
    mapping = Mapping(
        ENROLMENTS,
        {
            "email": Source(column="User Email"),
            "course": Source(column="Course Title"),
            "enrolled_at": Source(column="Enrolled", formats=("%m/%d/%Y %H:%M",)),
            "completed_at": Source(column="Completed", formats=("%m/%d/%Y %H:%M",)),
            "score": Source(column="Quiz Score"),
        },
    )
    path = write_csv(tmp_path / "skilljar.csv", rows, header)
    result = import_enrolments(services, path, mapping)
    assert (result.inserted, result.rejected) == (4, 0)
    times = {st["verb"]["id"]: st["timestamp"] for st in stored(services)}
    assert times[ADL + "registered"] == "2024-03-01T09:30:00.000000Z"
    assert times[ADL + "passed"] == "2024-03-04T17:00:00.000000Z"
    bad = write_csv(tmp_path / "bad.csv", [[*rows[0][:4], "lots"]], header)
    rejected = import_enrolments(services, bad, mapping)
    assert [(r.line, r.column, r.value) for r in rejected.rejects] == [(2, "Quiz Score", "lots")]


def test_a_name_two_catalog_courses_share_is_rejected(services: Services, tmp_path: Path) -> None:
    with services.db.write() as cur:
        cur.execute("INSERT INTO catalog (id, kind, name) VALUES ('urn:x:a', 'course', 'Basics')")
        cur.execute("INSERT INTO catalog (id, kind, name) VALUES ('urn:x:b', 'course', 'basics')")
    path = write_csv(tmp_path / "e.csv", [["ann@acme.example", "Basics", "2024-01-01", "", ""]])
    result = import_enrolments(services, path)
    assert [(r.line, r.column, r.value) for r in result.rejects] == [(2, "course", "Basics")]
    assert "matches 2 catalog courses" in result.rejects[0].rule


def test_the_import_command(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "enrolments.csv", ROWS[:3])
    done = run_cli("import", "enrolments", path, data=tmp_path / "data")
    assert "7 inserted" in done.stdout


def test_the_import_command_with_a_mapping_file_is_in_history(tmp_path: Path) -> None:
    header = ["Learner Email", "Course Title", "Enrolled", "Completed", "Score"]
    path = write_csv(tmp_path / "litmos.csv", ROWS[:3], header)
    mapping = tmp_path / "litmos.yaml"
    mapping.write_text(
        "kind: enrolments\nfields:\n  email: Learner Email\n  course: Course Title\n"
        "  enrolled_at: Enrolled\n  completed_at: Completed\n  score: Score\n"
    )
    data = tmp_path / "data"
    done = run_cli("import", "enrolments", path, "--mapping", mapping, data=data)
    assert "7 inserted" in done.stdout
    history = orjson.loads(run_cli("import", "history", "--json", data=data).stdout)
    assert [(h["kind"], h["file"], h["inserted"]) for h in history] == [
        ("enrolments", "litmos.csv", 7)
    ]
