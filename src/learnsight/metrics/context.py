"""What every KPI is computed from: the base relations as Ibis tables, and the shared steps.

KPIs never see an engine: they build Ibis expressions over `Context` tables, and `finish`
applies a query (period, grain, dimensions, filters) the same way for all of them. Conventions
(BRIEF): periods are `from` inclusive, `to` exclusive; buckets are in the organisation's time
zone (the engine's session time zone, set by metrics.engines); a ratio over 0 is null.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import ibis
import ibis.expr.types as ir

from learnsight.derived_tables import LEARNING
from learnsight.metrics.facts import learning_relation
from learnsight.metrics.query import GRAIN_UNITS, Query, QueryError
from learnsight.metrics.semantics import learning_verbs

Measure = Callable[[ir.Table], ir.Value]
Fetch = Callable[[ir.Table], list[dict[str, Any]]]  # an expression's rows, as dictionaries

# Dimensions any learner-level fact (columns learner, account_id, course_id) can be split by.
LEARNER_DIMENSIONS = (
    "course", "learning_path", "content_type", "account", "segment", "industry", "country",
    "region", "role",
)  # fmt: skip


class Context:
    """The tables of one data directory on one Ibis engine, with the organisation's settings."""

    def __init__(
        self,
        backend: Any,
        organisation: dict[str, Any],
        config: dict[str, Any],
        tables: dict[str, ir.Table] | None = None,
        fetch: Fetch | None = None,
        learning_seq: int | None = None,
    ) -> None:
        self.backend = backend
        self.organisation = organisation
        self.config = config  # kpis.yaml, for the rules KPIs read (trained, targets...)
        self.verbs = learning_verbs(config)
        # The engine's tables by name, shareable between contexts on the same backend.
        self._tables = {} if tables is None else tables
        self._fetch = fetch or arrow_rows
        # The learning facts hold statements up to this seq; newer ones are read live (None:
        # the facts hold them all).
        self.learning_seq = learning_seq

    def rows(self, expr: ir.Table) -> list[dict[str, Any]]:
        """The rows of an expression, run on the engine (each engine's fastest way)."""
        return self._fetch(expr)

    def table(self, name: str) -> ir.Table:
        """The engine's table, looked up once (each lookup reads the engine's catalog)."""
        if name not in self._tables:
            self._tables[name] = self.backend.table(name)
        return self._tables[name]

    @cached_property
    def courses(self) -> ir.Table:
        c = self.table("catalog")
        return c.filter(c.kind == "course")

    @cached_property
    def learning(self) -> ir.Table:
        """One row per counted statement: who (learner, account), what (course, item), when
        (ts, and day in the organisation's time zone); metrics.facts keeps it as a table,
        and the statements newer than the table are derived the same way, live."""
        facts = self.table(LEARNING.table)
        if self.learning_seq is None:
            return facts
        zone = self.organisation["timezone"]
        newer = learning_relation(self.table, zone, after=self.learning_seq)
        return facts.union(newer.cast(facts.schema()))  # the types the table was stored with

    def events(self, verb_class: str) -> ir.Table:
        """Learning rows whose verb belongs to a class (semantics.DEFAULT_VERBS)."""
        rows = self.learning
        return rows.filter(rows.verb_id.isin(list(self.verbs[verb_class])))

    def with_dimensions(self, facts: ir.Table, dims: list[str]) -> ir.Table:
        """Add a column per dimension to learner-level facts (learner, account_id, course_id).
        A dimension the facts already carry as a column (an item's own content type, an hour)
        is kept as it is."""
        dims = [dim for dim in dims if dim not in facts.columns]
        if not dims:
            return facts
        for dim in dims:
            if dim not in LEARNER_DIMENSIONS:
                raise QueryError(f"dimension {dim!r} does not apply here")
        contacts = self.table("contacts")
        accounts = self.table("accounts")
        catalog = self.table("catalog")
        joined = facts.left_join(contacts, facts.learner == contacts.id)
        joined = joined.left_join(accounts, joined.account_id == accounts.id)
        joined = joined.left_join(catalog, joined.course_id == catalog.id)
        columns = {
            "course": joined.course_id,
            "content_type": joined.content_type,
            "account": joined.account_id,
            "segment": joined.segment,
            "industry": joined.industry,
            "country": joined.country.fill_null(joined.country_right),
            "region": joined.region,
            "role": joined.role,
            "learning_path": joined.paths,
        }
        wanted = {dim: columns[dim] for dim in dims}
        out = joined.select(*facts.columns, **wanted)
        if "learning_path" in dims:  # a course in two paths counts in each
            out = out.unnest("learning_path", keep_empty=True)
        return out

    def finish(
        self,
        facts: ir.Table,
        query: Query,
        name: str,
        measure: Measure,
        time: str = "ts",
        dims: tuple[str, ...] = LEARNER_DIMENSIONS,
        extra: dict[str, Measure] | None = None,
    ) -> ir.Table:
        """Filter facts to the query's period and filters, then aggregate `measure` by
        period (when a grain is asked) and the query's dimensions; `extra` measures become
        columns after the value."""
        self.check_dimensions(query, dims)
        facts = in_period(facts, query, time)
        wanted = list(dict.fromkeys([*query.by, *query.filters]))
        facts = self.with_dimensions(facts, wanted)
        for dim, values in query.filters.items():
            facts = facts.filter(facts[dim].cast("string").isin(list(values)))
        keys = list(query.by)
        if query.grain not in (None, "all"):
            facts = facts.mutate(period=local_day(facts, time).truncate(GRAIN_UNITS[query.grain]))
            keys = ["period", *keys]
        grouped = facts.group_by(keys) if keys else facts
        more = {column: m(facts) for column, m in (extra or {}).items()}
        return grouped.aggregate(**{name: measure(facts)}, **more)

    @staticmethod
    def check_dimensions(query: Query, dims: tuple[str, ...]) -> None:
        for dim in (*query.by, *query.filters):
            if dim not in dims:
                raise QueryError(f"dimension {dim!r}: this KPI splits by {', '.join(dims)}")


def arrow_rows(expr: ir.Table) -> list[dict[str, Any]]:
    """Any engine's rows of an expression, through Arrow."""
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows


def local_day(facts: ir.Table, time: str) -> ir.DateValue:
    """The day of each row's `time`, in the organisation's time zone: a date column is its own
    day; learning facts carry the day of their `ts` (no time-zone conversion per row)."""
    moment = facts[time]
    if moment.type().is_date():
        return moment
    return facts.day if time == "ts" and "day" in facts.columns else moment.date()


def in_period(rows: ir.Table, query: Query, time: str = "ts") -> ir.Table:
    """Rows whose `time` is from the query's `from` to its `to`, in the organisation's time
    zone (the session's)."""
    if query.start is not None:
        rows = rows.filter(rows[time] >= ibis.timestamp(query.start.isoformat()))
    if query.end is not None:
        rows = rows.filter(rows[time] < ibis.timestamp(query.end.isoformat()))
    return rows


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.Value:
    """numerator / denominator, null (never NaN or infinity) when the denominator is 0."""
    return ibis.ifelse(denominator == 0, ibis.null(), numerator / denominator)


def distinct_where(values: ir.Column, condition: ir.BooleanValue) -> ir.IntegerScalar:
    """The number of distinct values on rows where `condition` holds. Not `nunique(where=)`:
    DuckDB runs a filtered DISTINCT as a grouping of its own, 2-3 times slower."""
    return ibis.ifelse(condition, values, ibis.null()).nunique()
