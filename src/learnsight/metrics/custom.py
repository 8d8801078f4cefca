"""Custom KPIs from `kpis.yaml` (config.CustomKpi) as Ibis expressions, run like built-in ones.

Each measure becomes facts of one shape (ts, learner, account_id, course_id and a value column
per measure), so a ratio's numerator and denominator are one union aggregated in one pass by
`Context.finish`: the same period, grain, dimensions and filters as every other KPI. A column
named in the file is checked against the engine's table when the KPI runs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from learnsight.metrics.config import Condition, CustomKpi, Measure, Rows, fail
from learnsight.metrics.context import Context, ratio
from learnsight.metrics.query import Query
from learnsight.metrics.registry import KPI

TIME = dt.Timestamp(timezone="UTC", scale=6)
PEOPLE = ("learner", "account_id", "course_id")
# The value each measure contributes per row, and how a group's values become the measure.
VALUE_TYPES = {"count": "int64", "count_distinct": "string", "average": "float64",
               "median": "float64"}  # fmt: skip
AGGREGATE: dict[str, Callable[[ir.Column], ir.Value]] = {
    "count": lambda v: v.count(),
    "count_distinct": lambda v: v.nunique(),
    "average": lambda v: v.mean(),
    "median": lambda v: v.median(),
}
ALIASES = {"course": "course_id", "account": "account_id"}
PATHS = ("path", "learning_path")

Values = Callable[[ir.Table], dict[str, ir.Value]]


def custom_kpi(spec: CustomKpi) -> KPI:
    """The custom KPI as a KPI of the registry's kind (not registered: it belongs to one data
    directory; run.catalog puts it next to the built-in ones)."""
    return KPI(spec.name, spec.definition, spec.unit, spec.grain, spec.dimensions,
               partial(compute, spec))  # fmt: skip


def compute(spec: CustomKpi, ctx: Context, query: Query) -> ir.Table:
    parts = [measure_facts(ctx, spec, index) for index in range(len(spec.measures))]
    facts = parts[0] if len(parts) == 1 else parts[0].union(parts[1], distinct=False)

    def value(t: ir.Table) -> ir.Value:
        values = [AGGREGATE[m.aggregate](t[f"v{i}"]) for i, m in enumerate(spec.measures)]
        return ratio(values[0], values[1]) if spec.is_ratio else values[0]

    return ctx.finish(facts, query, spec.name, value, dims=spec.dimensions)


def measure_facts(ctx: Context, spec: CustomKpi, index: int) -> ir.Table:
    """The rows of one measure, its value in column v{index} and null in the other's."""
    measure = spec.measures[index]

    def values(t: ir.Table) -> dict[str, ir.Value]:
        out = {}
        for i, other in enumerate(spec.measures):
            wanted = VALUE_TYPES[other.aggregate]
            out[f"v{i}"] = measured(t, measure).cast(wanted) if i == index else null(wanted)
        return out

    facts = selected(ctx, measure.rows, values)
    follow = measure.followed_by
    if follow is None:
        return facts
    later = selected(ctx, follow.rows, lambda t: {})
    later = later.select(later_key=later[follow.same], later_ts=later.ts)
    conditions = [facts[follow.same] == later.later_key, later.later_ts >= facts.ts]
    if follow.within_days is not None:
        conditions.append(later.later_ts <= facts.ts + ibis.interval(days=follow.within_days))
    return facts.semi_join(later, conditions)


def measured(t: ir.Table, measure: Measure) -> ir.Value:
    if measure.column is None:
        return ibis.literal(1)
    column = existing(t, measure.column, measure.rows, f"{measure.key}.{measure.aggregate}")
    if measure.aggregate in ("average", "median") and not (
        column.type().is_numeric() or column.type().is_boolean()
    ):
        where = f"{measure.key}.{measure.aggregate}"
        fail(where, f"{measure.column} is {column.type()}, not a number")
    return column


def selected(ctx: Context, rows: Rows, values: Values) -> ir.Table:
    """The rows (verb classes, time, `where`) as facts: ts, learner, account_id, course_id and
    `values`, computed from the source's own columns."""
    facts = rows.source.build(ctx)
    if rows.verb_classes:
        verbs = [v for name in rows.verb_classes for v in ctx.verbs[name]]
        facts = facts.filter(facts.verb_id.isin(verbs))
    when = existing(facts, rows.time, rows, f"{rows.key}.time")
    if not when.type().is_temporal():
        fail(f"{rows.key}.time", f"{rows.time} is {when.type()}, not a date or a time")
    facts = facts.filter(when.notnull())
    on_dimensions = []
    for condition in rows.where:
        column = ALIASES.get(condition.column, condition.column)
        if column in facts.columns:
            facts = facts.filter(matches(facts[column], condition))
        elif condition.column in PATHS and rows.source.course:
            facts = facts.filter(in_paths(ctx, facts.course_id, condition))
        elif condition.column in rows.source.dimensions:
            on_dimensions.append(condition)
        else:
            fail(condition.key, f"{rows.source.name} has no column {condition.column} and it is "
                 f"no dimension of it (columns: {', '.join(facts.columns)})")  # fmt: skip
    shaped = facts.select(
        ts=when.cast(TIME), **{p: facts[p].cast("string") for p in PEOPLE}, **values(facts)
    )
    if not on_dimensions:
        return shaped
    split = ctx.with_dimensions(shaped, [c.column for c in on_dimensions])
    for condition in on_dimensions:
        split = split.filter(matches(split[condition.column].cast("string"), condition))
    return split.select(*shaped.columns)


def matches(column: ir.Column, condition: Condition) -> ir.BooleanValue:
    """The column equals one of the values (an array column: contains one); null matches
    an empty value."""
    kind = column.type()
    given = [v for v in condition.values if v is not None]
    if kind.is_array():
        wanted = [str(v) for v in given]
        tests = [column.contains(v) for v in wanted]
    elif kind.is_numeric():
        if any(isinstance(v, bool | str) for v in given):
            fail(condition.key, f"{condition.column} is {kind}: compare it with numbers")
        tests = [column.isin(given)] if given else []
    elif kind.is_boolean():
        if any(not isinstance(v, bool) for v in given):
            fail(condition.key, f"{condition.column} is {kind}: compare it with true or false")
        tests = [column.isin(given)] if given else []
    elif kind.is_string() or kind.is_uuid() or kind.is_temporal():
        if any(isinstance(v, bool) for v in given):
            fail(condition.key, f"{condition.column} is {kind}: true/false never matches it")
        tests = [column.cast("string").isin([str(v) for v in given])] if given else []
    else:
        fail(condition.key, f"{condition.column} is {kind}: only text, numbers, true/false, "
             "dates and lists of text can be compared")  # fmt: skip
    if len(given) < len(condition.values):
        tests.append(column.isnull())
    return ibis.or_(*tests)


def in_paths(ctx: Context, course: ir.StringColumn, condition: Condition) -> ir.BooleanValue:
    """The course belongs to one of the learning paths (or is one of them)."""
    paths = [str(v) for v in condition.values if v is not None]
    if len(paths) < len(condition.values):
        fail(condition.key, "name learning paths; null is none")
    catalog = ctx.table("catalog")
    members = catalog.filter(ibis.or_(*[catalog.paths.contains(p) for p in paths])).id
    return course.isin(members) | course.isin(paths)


def existing(t: ir.Table, column: str, rows: Rows, where: str) -> ir.Column:
    if column not in t.columns:
        fail(where, f"{rows.source.name} has no column {column} "
             f"(columns: {', '.join(t.columns)})")  # fmt: skip
    return t[column]


def null(kind: str) -> ir.Value:
    return ibis.null().cast(kind)
