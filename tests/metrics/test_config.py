"""kpis.yaml: every section checked with a one-line error naming the key; targets on the rows.

The data is the hand-built company of custom_kpi_data.py (its docstring lists every record);
expected values are worked out in the comments from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from custom_kpi_data import ADMIN, EXAMPLE, build, said, write_config

from learnsight.identity import resolve
from learnsight.metrics.config import ConfigError, check_config, data_config, read_config
from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.run import describe_kpis
from learnsight.metrics.semantics import DEFAULT_VERBS
from learnsight.metrics.targets import Target
from learnsight.services import Services
from learnsight.xapi import verbs

Row = dict[str, Any]
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://lrs.test", "name": "tests"}}


def fails(text: str) -> str:
    """The one-line message that kpis.yaml `text` is refused with."""
    with pytest.raises(ConfigError) as caught:
        check_config(yaml.safe_load(text))
    message = str(caught.value)
    assert "\n" not in message
    return message


def custom(body: str, name: str = "x") -> str:
    """kpis.yaml with one custom KPI NAME (definition and unit given) whose body is `body`."""
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"kpis:\n  {name}:\n    definition: a test\n    unit: count\n{lines}\n"


@pytest.fixture
def company(services: Services) -> Path:
    build(services)
    data: Path = services.settings.data
    return data


# --- The file and its sections --------------------------------------------------------------------


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    config = data_config(tmp_path)
    assert config == {"verbs": {}, "targets": {}, "kpis": {}}
    (tmp_path / "kpis.yaml").write_text("# nothing yet\n")
    assert read_config(tmp_path / "kpis.yaml") == config


def test_not_yaml_is_one_line(tmp_path: Path) -> None:
    write_config(tmp_path, "targets: {completions: [min: 1\n")
    with pytest.raises(ConfigError) as caught:
        data_config(tmp_path)
    assert str(caught.value) == (
        "kpis.yaml: not valid YAML (expected ',' or ']', but got '<stream end>' at line 2, "
        "column 1)"
    )


VALID = f"""
verbs:
  completed: [http://adlnet.gov/expapi/verbs/completed, https://example.com/verbs/finished]
targets:
  completion_rate: {{min: 0.7, by_segment: {{enterprise: 0.8}}}}
  admin_then_sso: {{max: 2}}
trained:
  course: https://academy.test/courses/admin-1
kpis:{EXAMPLE}"""


def test_a_valid_file_is_checked_into_typed_sections() -> None:
    config = check_config(yaml.safe_load(VALID))
    assert config["verbs"] == {
        "completed": ("http://adlnet.gov/expapi/verbs/completed",
                      "https://example.com/verbs/finished"),
    }  # fmt: skip
    assert config["targets"] == {
        "completion_rate": Target("min", 0.7, {"enterprise": 0.8}),
        "admin_then_sso": Target("max", 2.0),
    }
    # The trained rules are kept as written: the trained module checks their contents.
    assert config["trained"] == {"course": "https://academy.test/courses/admin-1"}
    example = config["kpis"]["admin_then_sso"]
    assert example.is_ratio and example.grain == "month" and example.unit == "share"
    numerator = example.measures[0]
    assert numerator.aggregate == "count_distinct" and numerator.column == "learner"
    assert numerator.rows.verb_classes == ("completed",)
    assert numerator.followed_by is not None and numerator.followed_by.within_days == 14


SECTION_ERRORS = [
    ("- verbs\n- kpis", "kpis.yaml: expected a mapping of verbs, targets, trained, kpis"),
    ("target:\n  completions: {min: 1}",
     "kpis.yaml: target: unknown section (known: verbs, targets, trained, kpis)"),
    ("verbs: [http://x.test/v]",
     "kpis.yaml: verbs: expected a mapping of verb class to verb IRIs, got a list"),
    ("verbs:\n  finished: [http://x.test/v]",
     "kpis.yaml: verbs.finished: not a verb class (known: enrolled, started, progressed, "
     "completed, passed, failed, withdrawn)"),
    ("verbs:\n  completed: http://x.test/v",
     "kpis.yaml: verbs.completed: expected a list of one or more verb IRIs, "
     "got 'http://x.test/v'"),
    ("verbs:\n  completed: []",
     "kpis.yaml: verbs.completed: expected a list of one or more verb IRIs, got an empty list"),
    ("verbs:\n  completed: [http://x.test/v, finished]",
     "kpis.yaml: verbs.completed[1]: 'finished' is not an absolute IRI"),
    ("trained: [a course]", "kpis.yaml: trained: expected a mapping, got a list"),
    ("targets: 5", "kpis.yaml: targets: expected a mapping of KPI name to target, got 5"),
    ("targets:\n  no_such_kpi: {min: 1}",
     "kpis.yaml: targets.no_such_kpi: no KPI has this name (`learnsight kpi list` shows them)"),
    ("targets:\n  completions: {min: 1, max: 2}",
     "kpis.yaml: targets.completions: give min (on target at or above) or max (at or below), "
     "exactly one"),
    ("targets:\n  completions: {by_segment: {SMB: 1}}",
     "kpis.yaml: targets.completions: give min (on target at or above) or max (at or below), "
     "exactly one"),
    ("targets:\n  completions: {min: high}",
     "kpis.yaml: targets.completions.min: expected a number, got 'high'"),
    ("targets:\n  completions: {min: true}",
     "kpis.yaml: targets.completions.min: expected a number, got True"),
    ("targets:\n  completions: {min: 1, goal: 2}",
     "kpis.yaml: targets.completions.goal: unknown key (known: min, max, by_segment)"),
    ("targets:\n  completions: {min: 1, by_segment: {SMB: lots}}",
     "kpis.yaml: targets.completions.by_segment.SMB: expected a number, got 'lots'"),
    (custom("count: rows\ntable: catalog", "new_courses")
     + "targets:\n  new_courses: {min: 1, by_segment: {SMB: 2}}",
     "kpis.yaml: targets.new_courses.by_segment: new_courses does not split by segment"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), SECTION_ERRORS)
def test_section_errors(text: str, message: str) -> None:
    assert fails(text) == message


KNOWN_MEASURE = "count, count_distinct, average, median, events, table, where, time, followed_by"
KPI_ERRORS = [
    ("kpis: [x]", "kpis.yaml: kpis: expected a mapping of KPI name to definition, got a list"),
    (custom("count: rows\ntable: tickets", "enrollments"),
     "kpis.yaml: kpis.enrollments: the name of a built-in KPI; choose another"),
    (custom("count: rows\ntable: tickets", "list"),
     "kpis.yaml: kpis.list: a reserved name (`learnsight kpi list` lists the KPIs)"),
    (custom("count: rows\ntable: tickets", "Admin-Rate"),
     "kpis.yaml: kpis.Admin-Rate: a name is lower-case letters, digits and _, starting with a "
     "letter"),
    ("kpis:\n  x: {unit: count, count: rows, table: tickets}",
     "kpis.yaml: kpis.x: definition is missing"),
    (custom("unit: 5\ncount: rows\ntable: tickets").replace("    unit: count\n", ""),
     "kpis.yaml: kpis.x.unit: expected text, got 5"),
    (custom("table: tickets"),
     "kpis.yaml: kpis.x: give exactly one of count, count_distinct, average, median or ratio"),
    (custom("count: rows\naverage: score\ntable: surveys"),
     "kpis.yaml: kpis.x: give exactly one of count, count_distinct, average, median or ratio"),
    (custom("count: learners\ntable: tickets"),
     "kpis.yaml: kpis.x.count: expected `rows` (count_distinct: COLUMN counts distinct values)"),
    (custom("count: rows"),
     "kpis.yaml: kpis.x: give `events: VERB CLASS` (learning records) or `table: NAME`, "
     "exactly one"),
    (custom("count: rows\nevents: completed\ntable: tickets"),
     "kpis.yaml: kpis.x: give `events: VERB CLASS` (learning records) or `table: NAME`, "
     "exactly one"),
    (custom("count: rows\ntable: ticket"),
     "kpis.yaml: kpis.x.table: no table 'ticket' (known: accounts, contacts, tickets, "
     "product_events, surveys, revenue_events, costs, catalog; learning records are "
     "`events: VERB CLASS`)"),
    (custom("count: rows\nevents: [completed, finished]"),
     "kpis.yaml: kpis.x.events: 'finished' is not a verb class (enrolled, started, progressed, "
     "completed, passed, failed, withdrawn, or any for every verb)"),
    (custom("count: rows\ntable: tickets\nfilter: {priority: high}"),
     f"kpis.yaml: kpis.x.filter: unknown key (known: definition, unit, grain, {KNOWN_MEASURE})"),
    (custom("count: rows\ntable: tickets\ngrain: hourly"),
     "kpis.yaml: kpis.x.grain: 'hourly' is not one of day, week, month, quarter, year, all"),
    (custom("count: rows\ntable: tickets\nwhere: {priority: []}"),
     "kpis.yaml: kpis.x.where.priority: expected a value or a list of values, got an empty "
     "list"),
    (custom("count: rows\ntable: tickets\nwhere: {priority: {is: high}}"),
     "kpis.yaml: kpis.x.where.priority: expected text, a number, true/false or null, got a "
     "mapping"),
    (custom("count_distinct: learner\ntable: revenue_events"),
     "kpis.yaml: kpis.x.count_distinct: revenue_events rows name no learner"),
    (custom("count: rows\ntable: costs\nwhere: {account_id: acme}"),
     "kpis.yaml: kpis.x.where.account_id: costs rows belong to no account"),
    (custom("count: rows\ntable: costs\nwhere: {account: acme}"),
     "kpis.yaml: kpis.x.where.account: costs rows belong to no account"),
    (custom("count: rows\ntable: tickets\nwhere: {path: p}"),
     "kpis.yaml: kpis.x.where.path: tickets rows belong to no course"),
    (custom("ratio:\n  numerator: {count: rows, table: tickets}"),
     "kpis.yaml: kpis.x.ratio: denominator is missing"),
    (custom("table: tickets\nratio:\n  numerator: {count: rows, table: tickets}\n"
            "  denominator: {count: rows, table: accounts}"),
     "kpis.yaml: kpis.x.table: unknown key (known: definition, unit, grain, ratio)"),
    (custom("ratio:\n  numerator: {count: rows, table: tickets}\n"
            "  denominator: {count: rows, tables: accounts}"),
     f"kpis.yaml: kpis.x.ratio.denominator.tables: unknown key (known: {KNOWN_MEASURE})"),
    (custom("count: rows\nevents: completed\n"
            "followed_by: {table: product_events, same: contact}"),
     "kpis.yaml: kpis.x.followed_by.same: expected learner or account, got 'contact'"),
    (custom("count: rows\nevents: completed\n"
            "followed_by: {table: product_events, within_days: -3}"),
     "kpis.yaml: kpis.x.followed_by.within_days: expected a whole number of days, got -3"),
    (custom("count: rows\nevents: completed\nfollowed_by: {table: revenue_events}"),
     "kpis.yaml: kpis.x.followed_by.same: revenue_events rows name no learner"),
    (custom("count: rows\nevents: completed\nfollowed_by: {events: passed, after: 3}"),
     "kpis.yaml: kpis.x.followed_by.after: unknown key (known: events, table, where, time, "
     "within_days, same)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), KPI_ERRORS)
def test_custom_kpi_errors(text: str, message: str) -> None:
    assert fails(text) == message


# --- Errors found when a custom KPI meets the engine's tables -------------------------------------

TICKET_COLUMNS = ("id, requester_email, created_at, solved_at, topic, tags, channel, priority, "
                  "learner, account_id, course_id")  # fmt: skip
RUN_ERRORS = [
    ("count: rows\ntable: tickets\nwhere: {priorty: high}",
     f"kpis.yaml: kpis.x.where.priorty: tickets has no column priorty and it is no dimension "
     f"of it (columns: {TICKET_COLUMNS})"),
    ("count_distinct: nobody\ntable: tickets",
     f"kpis.yaml: kpis.x.count_distinct: tickets has no column nobody (columns: "
     f"{TICKET_COLUMNS})"),
    ("average: requester_email\ntable: tickets",
     "kpis.yaml: kpis.x.average: requester_email is string, not a number"),
    ("count: rows\ntable: tickets\ntime: priority",
     "kpis.yaml: kpis.x.time: priority is string, not a date or a time"),
    ("count: rows\ntable: accounts\nwhere: {arr: big}",
     "kpis.yaml: kpis.x.where.arr: arr is decimal(18, 2): compare it with numbers"),
    ("count: rows\ntable: tickets\nwhere: {channel: true}",
     "kpis.yaml: kpis.x.where.channel: channel is string: true/false never matches it"),
    ("count: rows\nevents: completed\nwhere: {path: null}",
     "kpis.yaml: kpis.x.where.path: name learning paths; null is none"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), RUN_ERRORS)
def test_columns_are_checked_when_the_kpi_runs(
    company: Path, kpis: Any, body: str, message: str
) -> None:
    write_config(company, custom(body))
    describe_kpis(data_config(company))  # the file itself is fine: the KPI is listed
    with pytest.raises(ConfigError) as caught:
        kpis("x")
    assert str(caught.value) == message


def test_a_bad_file_stops_every_kpi_with_its_reason(company: Path, kpis: Any) -> None:
    write_config(company, "targets:\n  completions: {min: many}\n")
    with pytest.raises(ConfigError, match=r"targets\.completions\.min: expected a number"):
        kpis("enrollments")


# --- verbs and trained ----------------------------------------------------------------------------

FINISHED = "https://example.com/verbs/finished"


def test_verbs_replace_the_default_class(services: Services, kpis: Any) -> None:
    # Two statements: a standard `completed` and an LMS's own `finished`, both in March.
    services.statements.store(
        [said("eve@x.test", verbs.COMPLETED, "2024-03-01T10:00:00Z"),
         said("eve@x.test", FINISHED, "2024-03-02T10:00:00Z", ADMIN + "-course")],
        AUTHORITY,
    )  # fmt: skip
    resolve(services.db)
    # Default: only `completed` means completed -> 1 completion.
    assert kpis("completions", grain="all") == [{"completions": 1}]
    # completed: [finished] -> the standard verb no longer counts, the LMS's does -> 1 (the
    # other course); with both listed -> 2.
    write_config(services.settings.data, f"verbs:\n  completed: [{FINISHED}]\n")
    ctx = duckdb_context(services.db, services.settings.data)
    assert ctx.verbs["completed"] == (FINISHED,)
    assert ctx.verbs["passed"] == DEFAULT_VERBS["passed"]
    assert kpis("completions", grain="all", by=["course"]) == [
        {"course": ADMIN + "-course", "completions": 1}
    ]
    write_config(services.settings.data, f"verbs:\n  completed: [{verbs.COMPLETED}, {FINISHED}]\n")
    assert kpis("completions", grain="all") == [{"completions": 2}]


# --- Targets --------------------------------------------------------------------------------------


def test_targets_on_a_built_in_kpi(company: Path, kpis: Any) -> None:
    # completions by month: March ann ADMIN_1, bob ADMIN_2, cat ADMIN_1, dan OTHER = 4 (dan's
    # ADMIN_1 is voided); April zed ADMIN_1, ann ADMIN_2 = 2. Floor 3: March on, April off.
    write_config(company, "targets:\n  completions: {min: 3}\n")
    rows = kpis("completions")
    assert rows == [
        {"period": "2024-03-01", "completions": 4, "target": 3.0, "on_target": True},
        {"period": "2024-04-01", "completions": 2, "target": 3.0, "on_target": False},
    ]
    # The row contract holds: dimension values, the value under the KPI's name, then the target.
    assert list(rows[0]) == ["period", "completions", "target", "on_target"]


TICKETS_PER_NPS_ANSWER = custom(
    """
ratio:
  numerator: {count: rows, table: tickets}
  denominator: {count: rows, table: surveys, where: {kind: nps}}
""",
    "tickets_per_nps_answer",
)


def test_a_null_value_is_neither_on_nor_off_target(company: Path, kpis: Any) -> None:
    # tickets / nps answers by month: March t1, t2 over s4 = 2.0 > 1.5, off target; April t3,
    # t4 over no nps answer: the ratio is null, and so is on_target (the target still shows).
    write_config(
        company, TICKETS_PER_NPS_ANSWER + "targets:\n  tickets_per_nps_answer: {max: 1.5}\n"
    )
    assert kpis("tickets_per_nps_answer") == [
        {"period": "2024-03-01", "tickets_per_nps_answer": 2.0, "target": 1.5,
         "on_target": False},
        {"period": "2024-04-01", "tickets_per_nps_answer": None, "target": 1.5,
         "on_target": None},
    ]  # fmt: skip


def test_targets_by_segment(company: Path, kpis: Any) -> None:
    # completions over all time by segment: enterprise (acme) ann x2 + bob = 3; SMB (globex)
    # cat + dan = 2; no account (zed) = 1. Floor 2, enterprise 4, SMB 2:
    # enterprise 3 < 4 off; SMB 2 >= 2 on (at the bound is on target); none 1 < 2 off.
    write_config(company, "targets:\n  completions: {min: 2, by_segment: {enterprise: 4}}\n")
    rows = kpis("completions", grain="all", by=["segment"])
    assert {r["segment"]: (r["completions"], r["target"], r["on_target"]) for r in rows} == {
        "enterprise": (3, 4.0, False), "SMB": (2, 2.0, True), None: (1, 2.0, False),
    }  # fmt: skip
    # Filtered to one segment, its bound applies; to two, the KPI's own bound.
    only = kpis("completions", grain="all", filters=["segment:enterprise"])
    assert only == [{"completions": 3, "target": 4.0, "on_target": False}]
    both = kpis("completions", grain="all", filters=["segment:enterprise", "segment:SMB"])
    assert both == [{"completions": 5, "target": 2.0, "on_target": True}]


def test_a_ceiling_is_met_at_or_below(company: Path, kpis: Any) -> None:
    # completions by month 4 and 2 against a ceiling of 2: March off, April on.
    write_config(company, "targets:\n  completions: {max: 2}\n")
    assert [r["on_target"] for r in kpis("completions")] == [False, True]


def test_the_catalog_shows_targets_and_custom_kpis(company: Path) -> None:
    write_config(company, "targets:\n  completion_rate: {min: 0.7, by_segment: {enterprise: "
                 "0.8}}\n  admin_then_sso: {min: 0.5}\nkpis:" + EXAMPLE)  # fmt: skip
    entries = {entry["name"]: entry for entry in describe_kpis(data_config(company))}
    assert entries["completion_rate"]["target"] == {"min": 0.7, "by_segment": {"enterprise": 0.8}}
    assert entries["completion_rate"]["custom"] is False
    assert entries["enrollments"]["target"] is None
    example = entries["admin_then_sso"]
    assert example["custom"] is True and example["target"] == {"min": 0.5}
    assert example["unit"] == "share" and example["grain"] == "month"
    assert example["definition"].startswith("share of learners who completed a course")
    assert "segment" in example["dimensions"] and "course" in example["dimensions"]
    assert list(entries)[-1] == "admin_then_sso"  # after the built-in KPIs
