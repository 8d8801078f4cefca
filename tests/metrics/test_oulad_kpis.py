"""Enrolment KPIs on the real OULAD subset equal the counts pandas takes straight from its CSVs.

docs/oulad.md: a module presentation is the course `HOME/<module>-<presentation>`; every
studentRegistration row is a `registered` statement, and an `unregistered` one when it has a
date_unregistration; a studentInfo final result Pass, Distinction or Fail is a `completed`
statement on the course (Withdrawn is none). So over all time, per presentation:
enrollments = students registered, withdrawals = those with a date_unregistration,
completions = students with a final result other than Withdrawn, and completion_rate = the
share of the registered students who have such a result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from learnsight.identity import resolve
from learnsight.ingest.oulad import import_oulad
from learnsight.services import Services

FIXTURE = Path(__file__).parents[1] / "fixtures" / "oulad"
HOME = "https://analyse.kmi.open.ac.uk/open_dataset"
COMPLETED_RESULTS = ("Pass", "Distinction", "Fail")
Runner = Callable[..., list[dict[str, Any]]]  # the `kpis` fixture (conftest.py)


def expected_from_csv() -> pd.DataFrame:
    """Per course IRI: enrollments, withdrawals, completions and completion_rate by pandas."""
    registrations = pd.read_csv(FIXTURE / "studentRegistration.csv.gz")
    results = pd.read_csv(FIXTURE / "studentInfo.csv.gz")
    for frame in (registrations, results):
        frame["course"] = HOME + "/" + frame.code_module + "-" + frame.code_presentation
    done = results[results.final_result.isin(COMPLETED_RESULTS)][["course", "id_student"]]
    done = done.drop_duplicates()
    enrolled = registrations.merge(done, on=["course", "id_student"], how="left", indicator=True)
    enrolled["completed"] = enrolled._merge == "both"
    per_course = enrolled.groupby("course").agg(
        enrollments=("id_student", "nunique"),
        withdrawals=("date_unregistration", "count"),  # count() skips the blank ones
        completed_enrolled=("completed", "sum"),
    )
    per_course["completions"] = done.groupby("course").id_student.nunique()
    per_course["completion_rate"] = per_course.completed_enrolled / per_course.enrollments
    return per_course.drop(columns="completed_enrolled")


def test_kpis_by_course_equal_the_csv_counts(services: Services, kpis: Runner) -> None:
    import_oulad(services, FIXTURE)
    resolve(services.db)
    expected = expected_from_csv()
    assert len(expected) == 2  # BBB-2013B and BBB-2013J
    for name in ("enrollments", "withdrawals", "completions", "completion_rate"):
        rows = kpis(name, grain="all", by=["course"])
        got = {row["course"]: row[name] for row in rows}
        assert got == pytest.approx(expected[name].to_dict(), rel=1e-12), name
        assert all(value > 0 for value in got.values()), name  # nothing vacuous
