"""The data directory's `kpis.yaml`, checked as a whole before any KPI uses it.

    verbs:    verb class -> the xAPI verb IRIs that mean it (semantics.DEFAULT_VERBS otherwise)
    targets:  KPI name -> {min: X} or {max: X}, optionally by_segment: {SEGMENT: X}
    trained:  the rules of the `trained` dimension (checked here only to be a mapping: the
              module that applies them checks their contents)
    kpis:     custom KPIs: NAME -> a count, distinct count, average, median or ratio

Every mistake is one line naming the key and the reason (docs/kpis.md shows the file). The
file is read on every request, so an edit applies without restarting the server. Columns of
custom KPIs are checked against the engine's tables when the KPI runs (metrics.custom).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import yaml

from learnsight.errors import LearnsightError
from learnsight.ingest.mapping import yaml_problem
from learnsight.metrics.query import GRAINS
from learnsight.metrics.registry import all_kpis
from learnsight.metrics.semantics import VERB_CLASSES
from learnsight.metrics.sources import LEARNING, TABLES, Source
from learnsight.metrics.targets import Target
from learnsight.xapi.validate import is_iri

CONFIG_FILE = "kpis.yaml"
SECTIONS = ("verbs", "targets", "trained", "kpis")
AGGREGATES = ("count", "count_distinct", "average", "median")
ANY_VERB = "any"  # `events: any`: every counted statement, whatever its verb
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
Scalar = str | int | float | bool | None


class ConfigError(LearnsightError):
    """`kpis.yaml` cannot be used as written: the message names the key and the reason."""


def fail(key: str, reason: str) -> NoReturn:
    raise ConfigError(f"{CONFIG_FILE}: {key}: {reason}")


def data_config(data: Path) -> dict[str, Any]:
    """The checked configuration of a data directory (defaults when it has no kpis.yaml)."""
    return read_config(data / CONFIG_FILE)


def read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return check_config({})
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{CONFIG_FILE}: not valid YAML ({yaml_problem(error)})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{CONFIG_FILE}: not UTF-8 text") from None
    return check_config({} if raw is None else raw)


def check_config(raw: Any) -> dict[str, Any]:
    """The configuration with each section checked: `verbs` {class: (IRI, ...)}, `targets`
    {name: Target}, `kpis` {name: CustomKpi} and, when given, `trained` as written."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{CONFIG_FILE}: expected a mapping of {', '.join(SECTIONS)}")
    for key in raw:
        if key not in SECTIONS:
            fail(str(key), f"unknown section (known: {', '.join(SECTIONS)})")
    custom = check_custom_kpis(raw.get("kpis"))
    dimensions = {n: k.dimensions for n, k in all_kpis().items()}
    dimensions |= {n: k.dimensions for n, k in custom.items()}
    config: dict[str, Any] = {
        "verbs": check_verbs(raw.get("verbs")),
        "targets": check_targets(raw.get("targets"), dimensions),
        "kpis": custom,
    }
    if "trained" in raw:
        config["trained"] = check_trained(raw["trained"])
    return config


# --- Small checks, each naming the key -------------------------------------------------------


def mapping(value: Any, key: str, what: str = "a mapping") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        fail(key, f"expected {what}, got {shown(value)}")
    for name in value:
        if not isinstance(name, str):
            fail(key, f"the key {name!r} is not text")
    return dict(value)


def only(given: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    for name in given:
        if name not in allowed:
            fail(f"{key}.{name}", f"unknown key (known: {', '.join(allowed)})")


def text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        fail(key, f"expected text, got {shown(value)}")
    return value.strip()


def number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        fail(key, f"expected a number, got {shown(value)}")
    return float(value)


def shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return repr(value)


# --- verbs, trained, targets ------------------------------------------------------------------


def check_verbs(raw: Any) -> dict[str, tuple[str, ...]]:
    verbs = mapping(raw, "verbs", "a mapping of verb class to verb IRIs")
    checked = {}
    for name, iris in verbs.items():
        key = f"verbs.{name}"
        if name not in VERB_CLASSES:
            fail(key, f"not a verb class (known: {', '.join(VERB_CLASSES)})")
        if not isinstance(iris, list) or not iris:
            fail(key, f"expected a list of one or more verb IRIs, got {shown(iris)}")
        for index, iri in enumerate(iris):
            if not is_iri(iri):
                fail(f"{key}[{index}]", f"{shown(iri)} is not an absolute IRI")
        checked[name] = tuple(iris)
    return checked


def check_trained(raw: Any) -> dict[str, Any]:
    """The slot of the `trained` rules: a mapping; its keys are checked where they apply."""
    if not isinstance(raw, Mapping):
        fail("trained", f"expected a mapping, got {shown(raw)}")
    return dict(raw)


def check_targets(raw: Any, dimensions: Mapping[str, tuple[str, ...]]) -> dict[str, Target]:
    targets = mapping(raw, "targets", "a mapping of KPI name to target")
    checked = {}
    for name, given in targets.items():
        key = f"targets.{name}"
        if name not in dimensions:
            fail(key, "no KPI has this name (`learnsight kpi list` shows them)")
        spec = mapping(given, key, "{min: X} or {max: X}")
        only(spec, key, ("min", "max", "by_segment"))
        directions = [d for d in ("min", "max") if d in spec]
        if len(directions) != 1:
            fail(key, "give min (on target at or above) or max (at or below), exactly one")
        direction = directions[0]
        segments = mapping(spec.get("by_segment"), f"{key}.by_segment", "{SEGMENT: X}")
        if segments and "segment" not in dimensions[name]:
            fail(f"{key}.by_segment", f"{name} does not split by segment")
        checked[name] = Target(
            direction,
            number(spec[direction], f"{key}.{direction}"),
            {s: number(b, f"{key}.by_segment.{s}") for s, b in segments.items()},
        )
    return checked


# --- Custom KPIs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """`where` COLUMN: VALUE or [VALUES]: a row matches when its value is one of them."""

    column: str  # a column of the source, else course, path or a dimension of the source
    values: tuple[Scalar, ...]  # None matches an empty value
    key: str  # where it is written, for errors


@dataclass(frozen=True)
class Rows:
    """The rows a measure reads: learning events of some verb classes, or a business table."""

    source: Source
    verb_classes: tuple[str, ...]  # events only; () = every counted statement
    where: tuple[Condition, ...]
    time: str  # the column that places a row in a period
    key: str


@dataclass(frozen=True)
class FollowedBy:
    """Keep a row when the same learner (or account) has a row of `rows` at or after it,
    within `within_days` days (any time later when None)."""

    rows: Rows
    within_days: int | None
    same: str  # learner or account_id
    key: str


@dataclass(frozen=True)
class Measure:
    aggregate: str  # count (rows), count_distinct, average or median
    column: str | None  # None for count
    rows: Rows
    followed_by: FollowedBy | None
    key: str


@dataclass(frozen=True)
class CustomKpi:
    name: str
    definition: str
    unit: str
    grain: str
    measures: tuple[Measure, ...]  # one, or a ratio's numerator and denominator
    dimensions: tuple[str, ...]

    @property
    def is_ratio(self) -> bool:
        return len(self.measures) == 2


META = ("definition", "unit", "grain")
ROWS = ("events", "table", "where", "time")
MEASURE = (*AGGREGATES, *ROWS, "followed_by")
SAME = {"learner": "learner", "account": "account_id"}


def check_custom_kpis(raw: Any) -> dict[str, CustomKpi]:
    kpis = mapping(raw, "kpis", "a mapping of KPI name to definition")
    built_in = all_kpis()
    checked = {}
    for name, spec in kpis.items():
        key = f"kpis.{name}"
        if name == "list":
            fail(key, "a reserved name (`learnsight kpi list` lists the KPIs)")
        if name in built_in:
            fail(key, "the name of a built-in KPI; choose another")
        if not NAME.fullmatch(name):
            fail(key, "a name is lower-case letters, digits and _, starting with a letter")
        checked[name] = check_custom_kpi(name, mapping(spec, key), key)
    return checked


def check_custom_kpi(name: str, spec: dict[str, Any], key: str) -> CustomKpi:
    kinds = [k for k in (*AGGREGATES, "ratio") if k in spec]
    if len(kinds) != 1:
        fail(key, f"give exactly one of {', '.join(AGGREGATES)} or ratio")
    if kinds[0] == "ratio":
        only(spec, key, (*META, "ratio"))
        ratio = mapping(spec["ratio"], f"{key}.ratio", "{numerator: ..., denominator: ...}")
        only(ratio, f"{key}.ratio", ("numerator", "denominator"))
        for part in ("numerator", "denominator"):
            if part not in ratio:
                fail(f"{key}.ratio", f"{part} is missing")
        measures = tuple(
            check_measure(mapping(ratio[part], f"{key}.ratio.{part}"), f"{key}.ratio.{part}")
            for part in ("numerator", "denominator")
        )
    else:
        only(spec, key, (*META, *MEASURE))
        measures = (check_measure({k: v for k, v in spec.items() if k not in META}, key),)
    for meta in ("definition", "unit"):
        if meta not in spec:
            fail(key, f"{meta} is missing")
    grain = spec.get("grain", "month")
    if grain not in GRAINS:
        fail(f"{key}.grain", f"{shown(grain)} is not one of {', '.join(GRAINS)}")
    shared = set.intersection(*(set(m.rows.source.dimensions) for m in measures))
    dimensions = tuple(d for d in measures[0].rows.source.dimensions if d in shared)
    return CustomKpi(
        name, text(spec["definition"], f"{key}.definition"), text(spec["unit"], f"{key}.unit"),
        grain, measures, dimensions,
    )  # fmt: skip


def check_measure(spec: dict[str, Any], key: str) -> Measure:
    aggregates = [a for a in AGGREGATES if a in spec]
    if len(aggregates) != 1:
        fail(key, f"give exactly one of {', '.join(AGGREGATES)}")
    only(spec, key, MEASURE)
    aggregate = aggregates[0]
    rows = check_rows(spec, key)
    column = None
    if aggregate == "count":
        if spec["count"] != "rows":
            fail(f"{key}.count", "expected `rows` (count_distinct: COLUMN counts distinct values)")
    else:
        column = text(spec[aggregate], f"{key}.{aggregate}")
        check_person(rows.source, column, f"{key}.{aggregate}")
    followed = None
    if "followed_by" in spec:
        followed = check_followed_by(spec["followed_by"], rows.source, f"{key}.followed_by")
    return Measure(aggregate, column, rows, followed, key)


def check_rows(spec: dict[str, Any], key: str) -> Rows:
    """events: CLASS | [CLASS, ...] | any, or table: NAME; then where and time."""
    if ("events" in spec) == ("table" in spec):
        fail(key, "give `events: VERB CLASS` (learning records) or `table: NAME`, exactly one")
    if "events" in spec:
        source, classes = LEARNING, check_verb_classes(spec["events"], f"{key}.events")
    else:
        table = spec["table"]
        if table not in TABLES:
            fail(f"{key}.table", f"no table {shown(table)} (known: {', '.join(TABLES)}; "
                 "learning records are `events: VERB CLASS`)")  # fmt: skip
        source, classes = TABLES[table], ()
    where = mapping(spec.get("where"), f"{key}.where", "a mapping of COLUMN: VALUE or [VALUES]")
    conditions = tuple(check_condition(c, v, f"{key}.where.{c}") for c, v in where.items())
    for condition in conditions:
        check_person(source, condition.column, condition.key)
    time = text(spec["time"], f"{key}.time") if "time" in spec else source.time
    return Rows(source, classes, conditions, time, key)


def check_verb_classes(raw: Any, key: str) -> tuple[str, ...]:
    given = raw if isinstance(raw, list) else [raw]
    if not given:
        fail(key, "name at least one verb class")
    for name in given:
        if name != ANY_VERB and name not in VERB_CLASSES:
            fail(key, f"{shown(name)} is not a verb class "
                 f"({', '.join(VERB_CLASSES)}, or {ANY_VERB} for every verb)")  # fmt: skip
    return () if ANY_VERB in given else tuple(dict.fromkeys(given))


def check_condition(column: str, raw: Any, key: str) -> Condition:
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        fail(key, f"expected a value or a list of values, got {shown(raw)}")
    for value in values:
        if not isinstance(value, str | int | float | bool | date) and value is not None:
            fail(key, f"expected text, a number, true/false or null, got {shown(value)}")
    plain = tuple(v.isoformat() if isinstance(v, date) else v for v in values)
    return Condition(column, plain, key)


def check_person(source: Source, column: str, key: str) -> None:
    """learner, account_id and course_id exist only where the source's rows have them."""
    lacking = {
        "learner": (source.learner, "name no learner"),
        "account_id": (source.account, "belong to no account"),
        "account": (source.account, "belong to no account"),
        "course_id": (source.course, "belong to no course"),
        "course": (source.course, "belong to no course"),
        "path": (source.course, "belong to no course"),
    }
    has, reason = lacking.get(column, (True, ""))
    if not has:
        fail(key, f"{source.name} rows {reason}")


def check_followed_by(raw: Any, first: Source, key: str) -> FollowedBy:
    spec = mapping(raw, key, "a mapping (events or table, where, within_days, same)")
    only(spec, key, (*ROWS, "within_days", "same"))
    rows = check_rows(spec, key)
    within = spec.get("within_days")
    if within is not None and (isinstance(within, bool) or not isinstance(within, int)
                               or within < 0):  # fmt: skip
        fail(f"{key}.within_days", f"expected a whole number of days, got {shown(within)}")
    same = spec.get("same", "learner")
    if same not in SAME:
        fail(f"{key}.same", f"expected learner or account, got {shown(same)}")
    for source in (first, rows.source):
        check_person(source, SAME[same], f"{key}.same")
    return FollowedBy(rows, within, SAME[same], key)
