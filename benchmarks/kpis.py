"""KPI query times on the demo company, beside the same KPIs written plainly in pandas.

Usage:
    uv run python benchmarks/kpis.py            # the 10,000-account demo company
    uv run python benchmarks/kpis.py --quick    # the 500-account one, a smoke run
    uv run python benchmarks/kpis.py --data DIR # an existing data directory

Figures, printed as one table at the end:
1. Every registered KPI's default query (`learnsight kpi NAME`: the KPI's default grain, all time,
   no split), run in-process with `run_kpi` on the data directory's DuckDB: one warm-up, then the
   best of --runs. Then the full dashboard set: every KPI once, in a row, the best of --runs
   rounds. Beside each, the time of building its Ibis expression and compiling it to
   SQL alone (the fixed cost of a query, whatever the data's size).
2. Beside each, where this script has one, the same KPI written as an analyst would in pandas,
   from DataFrames already in memory (loading them is timed separately, once), its time, the
   ratio pandas / Learnsight, and whether both give the same rows (values to 1e-9 relative).

Without --data, the demo company is generated once with `learnsight demo` into
`<cache-dir>/demo-N-SEED` and reused by later runs. The data directory is only read.
KPIs without a pandas version show "—" in the pandas columns.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from _report import machine_header, note, print_table
from learnsight.config import Settings
from learnsight.metrics.context import Context
from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.query import Query
from learnsight.metrics.registry import all_kpis
from learnsight.metrics.run import run_kpi
from learnsight.services import Services
from learnsight.xapi.statements import VOIDED_VERB
from learnsight.xapi.verbs import COURSE_TYPE

TARGET_KPI_MS = 200.0
TARGET_SET_S = 1.0
TARGET_SPEEDUP = 10.0
RELATIVE_TOLERANCE = 1e-9
DEFAULT_SEED = 42
Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Options:
    data: Path | None
    accounts: int
    seed: int
    runs: int
    cache_dir: Path
    feature: str | None
    quick: bool
    load_at_start: float


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 accounts, 3 runs (smoke run)")
    parser.add_argument("--data", type=Path, help="an existing data directory (only read)")
    parser.add_argument("--accounts", type=int, help="demo company size [10000; --quick 500]")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="demo seed [42]")
    parser.add_argument("--runs", type=int, help="timed runs per query, best kept [5; quick 3]")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "learnsight-bench",
        help="where generated demo companies are kept [~/.cache/learnsight-bench]",
    )
    parser.add_argument(
        "--feature",
        help="feature_adoption's `feature` [the organisation's first value event, else the "
        "most frequent product event]",
    )
    args = parser.parse_args(argv)
    accounts = args.accounts or (500 if args.quick else 10_000)
    runs = args.runs or (3 if args.quick else 5)
    return Options(
        args.data, accounts, args.seed, max(1, runs), args.cache_dir, args.feature, args.quick,
        os.getloadavg()[0],
    )  # fmt: skip


# --- the data directory ------------------------------------------------------------------------


def demo_directory(options: Options) -> Path:
    """--data, else the cached demo company of that size and seed, generated when missing."""
    if options.data is not None:
        if not (options.data / "learnsight.duckdb").is_file():
            raise SystemExit(f"--data {options.data}: no learnsight.duckdb in it")
        return options.data
    data = options.cache_dir / f"demo-{options.accounts}-{options.seed}"
    marker = data / "bench-complete"
    if not marker.is_file():
        note(f"generating the {options.accounts:,}-account demo company into {data}")
        command = [
            sys.executable, "-m", "learnsight", "demo", "--accounts", str(options.accounts),
            "--seed", str(options.seed), "--data", str(data),
        ]  # fmt: skip
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        marker.write_text(datetime.datetime.now(datetime.UTC).isoformat())
    return data


def default_feature(ctx: Context) -> str:
    """A real product event: the organisation's first value event, else the most frequent."""
    value_events = ctx.organisation.get("value_events") or []
    if value_events:
        return str(value_events[0])
    events = ctx.table("product_events")
    top = events.group_by("event").aggregate(n=events.count()).order_by([("n", False)]).limit(1)
    found = top.to_pyarrow().to_pylist()
    return str(found[0]["event"]) if found else ""


# --- Learnsight side ---------------------------------------------------------------------------


def best_time(function: Callable[[], object], runs: int) -> float:
    """Seconds of the fastest of `runs` calls, after one untimed warm-up call."""
    function()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


def compile_only(ctx: Context, name: str, query: Query) -> None:
    """What run_kpi does before the engine runs: build the KPI's Ibis expression and compile it
    to SQL (a fixed cost per query, whatever the data's size)."""
    kpi = all_kpis()[name]
    params = {key: p.default for key, p in kpi.params.items()} | query.params
    expr = kpi.compute(ctx, replace(query, grain=query.grain or kpi.grain, params=params))
    keys = [c for c in expr.columns if c != name]
    ctx.backend.compile(expr.order_by(keys) if keys else expr)


def default_queries(ctx: Context, feature: str | None) -> dict[str, Query]:
    """Each KPI's default query; a parameter without a usable default gets one here."""
    params = {"feature_adoption": {"feature": feature or default_feature(ctx)}}
    return {name: Query(params=params.get(name, {})) for name in all_kpis()}


# --- pandas side: the straightforward way, from DataFrames already in memory -------------------


def load_frames(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The tables the pandas KPIs read, as DataFrames (the analyst's starting point)."""
    statements = con.sql(
        "SELECT timestamp, contact_id, actor_key, account_id, verb_id, object_id, "
        "activity_type, context_parent_ids[1] AS parent, context_grouping_ids[1] AS grouping, "
        "voided FROM statements"
    ).df()
    return {
        "statements": statements,
        "catalog": con.sql("SELECT * FROM catalog").df(),
        "surveys": con.sql("SELECT * FROM surveys").df(),
        "contacts": con.sql("SELECT * FROM contacts").df(),
        "accounts": con.sql("SELECT * FROM accounts").df(),
        "costs": con.sql("SELECT * FROM costs").df(),
        "fx_rates": con.sql("SELECT * FROM fx_rates").df(),
    }


class PandasKPIs:
    """The KPIs as an analyst writes them in pandas; month buckets in the organisation's zone."""

    def __init__(self, frames: dict[str, Any], ctx: Context) -> None:
        self.frames = frames
        self.verbs = ctx.verbs  # the verb classes, kpis.yaml's or the defaults
        organisation = ctx.organisation
        self.timezone = organisation["timezone"]
        self.reporting_currency = organisation["reporting_currency"]

    def month(self, ts: Any) -> Any:
        """Each timestamp's month (a pandas Period), in the organisation's time zone."""
        local = ts.dt.tz_convert(self.timezone).dt.tz_localize(None)
        return local.dt.to_period("M")

    def local_day(self, ts: Any) -> Any:
        """Each timestamp's calendar day (naive midnight), in the organisation's time zone."""
        return ts.dt.tz_convert(self.timezone).dt.tz_localize(None).dt.normalize()

    def learning(self) -> Any:
        """Counted statements with learner and course, as docs/kpis.md defines them."""
        s = self.frames["statements"]
        s = s[~s["voided"] & (s["verb_id"] != VOIDED_VERB)].copy()
        catalog = self.frames["catalog"]
        courses = set(catalog.loc[catalog["kind"] == "course", "id"])
        is_course = (s["activity_type"] == COURSE_TYPE) | s["object_id"].isin(courses)
        course = s["parent"].where(s["parent"].notna(), s["grouping"])
        course = course.where(~s["grouping"].isin(courses), s["grouping"])
        course = course.where(~s["parent"].isin(courses), s["parent"])
        s["course_id"] = course.where(~is_course, s["object_id"])
        s["learner"] = s["contact_id"].where(s["contact_id"].notna(), s["actor_key"])
        s["period"] = self.month(s["timestamp"])
        return s

    def course_events(self, verb_class: str) -> Any:
        s = self.learning()
        s = s[s["verb_id"].isin(self.verbs[verb_class])]
        return s[s["object_id"] == s["course_id"]]

    def enrollments(self) -> Any:
        return self.course_events("enrolled").groupby("period")["learner"].nunique()

    def completions(self) -> Any:
        done = self.course_events("completed")
        return done.drop_duplicates(["period", "learner", "course_id"]).groupby("period").size()

    def withdrawals(self) -> Any:
        return self.course_events("withdrawn").groupby("period")["learner"].nunique()

    def completion_rate(self) -> Any:
        enrolled = self.course_events("enrolled")
        enrolled = enrolled.drop_duplicates(["period", "learner", "course_id"])
        done = self.course_events("completed")[["learner", "course_id"]].drop_duplicates()
        done["completed"] = True
        pairs = enrolled.merge(done, on=["learner", "course_id"], how="left")
        pairs["completed"] = pairs["completed"].notna()
        return pairs.groupby("period")["completed"].mean()

    def active_learners(self) -> Any:
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"])]
        return s.groupby("period")["learner"].nunique()

    def learners_by_country(self) -> Any:
        """Active learners and their statements per country: the contact's, else the account's."""
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"])]
        contacts = self.frames["contacts"][["id", "country"]].rename(columns={"id": "learner"})
        accounts = self.frames["accounts"][["id", "country"]]
        accounts = accounts.rename(columns={"id": "account_id", "country": "account_country"})
        s = s.merge(contacts, on="learner", how="left").merge(accounts, on="account_id", how="left")
        s["country"] = s["country"].where(s["country"].notna(), s["account_country"])
        by_country = s.groupby("country", dropna=False)
        result = by_country.agg(
            learners_by_country=("learner", "nunique"), statements=("learner", "size")
        )
        return result.reset_index()

    def learning_time_heatmap(self) -> Any:
        """Learning-activity statements by weekday and hour in the learner's own time zone,
        else the organisation's."""
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"])]
        zones = self.frames["contacts"][["id", "timezone"]].rename(columns={"id": "learner"})
        s = s.merge(zones, on="learner", how="left")
        s["timezone"] = s["timezone"].fillna(self.timezone)
        parts = []
        for zone, rows in s.groupby("timezone"):
            local = rows["timestamp"].dt.tz_convert(zone)
            parts.append(pd.DataFrame({
                "weekday": local.dt.dayofweek + 1, "hour": local.dt.hour,
            }))  # fmt: skip
        local_times = pd.concat(parts)
        counts = local_times.groupby(["weekday", "hour"]).size()
        return counts.rename("learning_time_heatmap").reset_index()

    def content_popularity(self) -> Any:
        """Per item, the learners who started or progressed in it, and who completed it."""
        s = self.learning()
        viewed = s[s["verb_id"].isin({*self.verbs["started"], *self.verbs["progressed"]})]
        completed = s[s["verb_id"].isin(self.verbs["completed"])]
        result = pd.DataFrame({
            "content_popularity": viewed.groupby("object_id")["learner"].nunique(),
            "completions": completed.groupby("object_id")["learner"].nunique(),
        }).fillna(0)  # fmt: skip
        return result.rename_axis("item").reset_index()

    def dropoff_by_content_type(self) -> Any:
        """Per content type of the item, the share of (learner, item) pairs started and never
        completed, passed or failed."""
        s = self.learning()
        catalog = self.frames["catalog"]
        items = catalog.loc[catalog["kind"].isin(["item", "course"]), ["id", "content_type"]]
        started = s[s["verb_id"].isin(self.verbs["started"])]
        started = started[["learner", "object_id"]].drop_duplicates()
        started = started.merge(items, left_on="object_id", right_on="id", how="left")
        finished = {*self.verbs["completed"], *self.verbs["passed"], *self.verbs["failed"]}
        done = s.loc[s["verb_id"].isin(finished), ["learner", "object_id"]].drop_duplicates()
        done["finished"] = True
        pairs = started.merge(done, on=["learner", "object_id"], how="left")
        pairs["dropped"] = pairs["finished"].isna()
        shares = pairs.groupby("content_type", dropna=False)["dropped"].mean()
        return shares.rename("dropoff_by_content_type").reset_index()

    def retention(self, churn: bool, window: int = 30) -> Any:
        """Per monthly cohort (month of a learner's first learning activity), the share active
        again on or after day `window`; null until the cohort's month is over and each of its
        learners has reached that day (up to today, in the organisation's time zone)."""
        today = pd.Timestamp.now(tz=self.timezone).normalize()
        tomorrow = today + pd.Timedelta(days=1)
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"]) & (s["timestamp"] < tomorrow)]
        people = s.groupby("learner")["timestamp"].agg(["min", "max"])
        # Calendar days, so naive local dates: across a DST change a local day lasts 23 or 25 h.
        first_day = self.local_day(people["min"])
        last_day = self.local_day(people["max"])
        people["retained"] = (last_day - first_day).dt.days >= window
        people["first_day"] = first_day
        people["cohort"] = self.month(people["min"])
        cohorts = people.groupby("cohort").agg(
            share=("retained", "mean"), last_first_day=("first_day", "max")
        )
        local_tomorrow = tomorrow.tz_localize(None)
        mature = cohorts["last_first_day"] <= local_tomorrow - pd.Timedelta(days=window + 1)
        mature &= cohorts.index < local_tomorrow.to_period("M")
        value = 1 - cohorts["share"] if churn else cohorts["share"]
        name = "learner_churn" if churn else "cohort_retention"
        result = value.where(mature).rename(name).reset_index()
        result["cohort"] = result["cohort"].map(lambda month: month.start_time.date().isoformat())
        return result

    def cohort_retention(self) -> Any:
        return self.retention(churn=False)

    def learner_churn(self) -> Any:
        return self.retention(churn=True)

    def catalog_courses(self) -> Any:
        catalog = self.frames["catalog"]
        return catalog[catalog["kind"] == "course"]

    def courses_created(self) -> Any:
        courses = self.catalog_courses()
        courses = courses[courses["created_at"].notna()]
        return courses.groupby(self.month(courses["created_at"])).size()

    def courses_updated(self) -> Any:
        courses = self.catalog_courses()
        changed = courses["created_at"].isna() | (courses["updated_at"] > courses["created_at"])
        courses = courses[courses["updated_at"].notna() & changed]
        return courses.groupby(self.month(courses["updated_at"])).size()

    def answers(self, kind: str, low: int, high: int) -> Any:
        """A kind's answers in its scale; a month whose answers are all out of range is NaN.
        The respondent's identity only matters to split by account or contact: not done here."""
        s = self.frames["surveys"]
        s = s[s["kind"] == kind].copy()
        s["period"] = self.month(s["timestamp"])
        s["score"] = s["score"].where(s["score"].between(low, high))
        return s

    def smile_sheet(self) -> Any:
        return self.answers("smile_sheet", 1, 5).groupby("period")["score"].mean()

    def csat(self) -> Any:
        s = self.answers("csat", 1, 5)
        s["satisfied"] = (s["score"] >= 4).where(s["score"].notna())
        return s.groupby("period")["satisfied"].mean()

    def csat_mean(self) -> Any:
        return self.answers("csat", 1, 5).groupby("period")["score"].mean()

    def ces(self) -> Any:
        return self.answers("ces", 1, 7).groupby("period")["score"].mean()

    def nps(self) -> Any:
        s = self.answers("nps", 0, 10)
        net = (s["score"] >= 9).astype(float) - (s["score"] <= 6).astype(float)
        s["net"] = (100 * net).where(s["score"].notna())
        return s.groupby("period")["net"].mean()

    def programme_cost(self) -> Any:
        """Each cost at the rate of its first day, spread over its months by days."""
        costs = self.frames["costs"].copy()
        costs["currency"] = costs["currency"].fillna(self.reporting_currency)
        costs["period_start"] = pd.to_datetime(costs["period_start"])
        fx = self.frames["fx_rates"].copy()
        fx["date"] = pd.to_datetime(fx["date"])
        costs = pd.merge_asof(
            costs.sort_values("period_start"), fx.sort_values("date"), left_on="period_start",
            right_on="date", by="currency", direction="backward",
        )  # fmt: skip
        costs.loc[costs["currency"] == self.reporting_currency, "rate"] = 1.0
        spread = []
        for cost in costs.itertuples():
            start = cost.period_start
            end = pd.to_datetime(cost.period_end) + pd.Timedelta(days=1)
            length = max((end - start).days, 1)
            amount = float(cost.amount) * cost.rate
            for month in pd.period_range(start, end - pd.Timedelta(days=1), freq="M"):
                first, after = month.start_time, (month + 1).start_time
                days = (min(end, after) - max(start, first)).days
                spread.append({"period": month, "money": amount * days / length})
        money = pd.DataFrame(spread).groupby("period")["money"]
        # A period with a cost of no known rate is unknown, not smaller.
        return money.sum().where(~money.apply(lambda m: m.isna().any()))

    def covered(self) -> dict[str, Callable[[], Any]]:
        names = [
            "enrollments", "completions", "withdrawals", "completion_rate", "active_learners",
            "learners_by_country", "learning_time_heatmap", "courses_created", "courses_updated",
            "content_popularity", "dropoff_by_content_type", "smile_sheet", "csat", "csat_mean",
            "ces", "nps", "programme_cost", "cohort_retention", "learner_churn",
        ]  # fmt: skip
        return {name: getattr(self, name) for name in names}


def pandas_result(result: Any, name: str) -> Rows:
    """A pandas KPI's result as JSON rows: a DataFrame's records as they are, a Series indexed
    by month with its period first; NaN as null."""
    if hasattr(result, "columns"):
        return [{key: json_value(v) for key, v in row.items()} for row in result.to_dict("records")]
    rows: Rows = []
    for period, value in result.items():
        rows.append({"period": period.start_time.date().isoformat(), name: json_value(value)})
    return rows


def json_value(value: Any) -> Any:
    """None for null and NaN, a float for a number, the value otherwise."""
    if value is None or value != value:
        return None
    if isinstance(value, str):
        return value
    return float(value)


# --- comparison and report ---------------------------------------------------------------------


def first_difference(ours: Rows, theirs: Rows) -> str | None:
    """None when the rows are equal (numbers to 1e-9 relative), else the first difference."""
    if len(ours) != len(theirs):
        return f"{len(ours)} rows against {len(theirs)} in pandas"
    for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
        if mine.keys() != other.keys():
            return f"row {index}: columns {list(mine)} against {list(other)}"
        for key, value in mine.items():
            if not same_value(value, other[key]):
                return f"row {index} ({mine}): {key} = {value!r} against {other[key]!r}"
    return None


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)
    return bool(a == b)


@dataclass(frozen=True)
class Row:
    name: str
    ours: str
    pandas: str = "—"
    ratio: str = "—"
    equal: str = "—"
    detail: str = ""


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def table_cells(rows: list[Row]) -> list[tuple[str, ...]]:
    titles = Row("KPI", "learnsight", "pandas", "ratio", "equal", "detail / target")
    return [(r.name, r.ours, r.pandas, r.ratio, r.equal, r.detail) for r in [titles, *rows]]


def environment_header(options: Options, data: Path, statements: int) -> list[str]:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    setup = (
        f"data {data} ({statements:,} statements); best of {options.runs}; "
        f"peak RSS of the process {peak:,.0f} MB"
    )
    return machine_header("KPI benchmark", options.quick, setup, options.load_at_start)


def run(options: Options, data: Path, rows: list[Row]) -> list[str]:
    """Every measurement into `rows`; returns the table's header."""
    services = Services.open(Settings(data=data))
    try:
        ctx = duckdb_context(services.db, data)
        queries = default_queries(ctx, options.feature)
        ours: dict[str, float] = {}
        results: dict[str, Rows] = {}
        compiling: dict[str, float] = {}
        for name, query in queries.items():
            note(f"learnsight: {name}")
            results[name] = run_kpi(ctx, name, query)
            ours[name] = best_time(lambda: run_kpi(ctx, name, query), options.runs)  # noqa: B023
            compiling[name] = best_time(
                lambda: compile_only(ctx, name, query),  # noqa: B023
                options.runs,
            )

        def full_set() -> None:
            for name, query in queries.items():
                run_kpi(ctx, name, query)

        note("learnsight: the full dashboard set")
        total = best_time(full_set, options.runs)
        load, theirs, pandas_rows = measure_pandas(services, ctx, options.runs)
        statements = services.db.read().execute("SELECT count(*) FROM statements").fetchone()
    finally:
        services.close()
    timings = Timings(ours, compiling, theirs, total, load)
    report(rows, queries, timings, results, pandas_rows)
    return environment_header(options, data, statements[0] if statements else 0)


def measure_pandas(
    services: Services, ctx: Context, runs: int
) -> tuple[float, dict[str, float], dict[str, Rows]]:
    """The load time of the DataFrames, then each pandas KPI's best time and rows."""
    note("pandas: loading the tables")
    began = time.perf_counter()
    frames = load_frames(services.db.read())
    load = time.perf_counter() - began
    times: dict[str, float] = {}
    rows: dict[str, Rows] = {}
    for name, compute in PandasKPIs(frames, ctx).covered().items():
        note(f"pandas: {name}")
        rows[name] = pandas_result(compute(), name)
        times[name] = best_time(compute, runs)
    return load, times, rows


@dataclass(frozen=True)
class Timings:
    ours: dict[str, float]  # KPI -> seconds of run_kpi
    compiling: dict[str, float]  # KPI -> seconds of building and compiling its expression
    theirs: dict[str, float]  # KPI -> seconds of its pandas version
    total: float  # the full dashboard set
    load: float  # loading the DataFrames


def report(
    rows: list[Row],
    queries: dict[str, Query],
    timings: Timings,
    results: dict[str, Rows],
    pandas_rows: dict[str, Rows],
) -> None:
    ours, theirs = timings.ours, timings.theirs
    for name, seconds in ours.items():
        met = "met" if seconds * 1000 <= TARGET_KPI_MS else "MISSED"
        detail = (
            f"{len(results[name])} rows; compiling {milliseconds(timings.compiling[name])}; "
            f"≤ {TARGET_KPI_MS:.0f} ms ({met})"
        )
        if queries[name].params:
            detail += f"; params {queries[name].params}"
        if name not in theirs:
            rows.append(Row(name, milliseconds(seconds), detail=detail))
            continue
        difference = first_difference(results[name], pandas_rows[name])
        speedup = theirs[name] / seconds
        equal = "equal" if difference is None else "NOT EQUAL"
        fast = "met" if speedup >= TARGET_SPEEDUP else "MISSED"
        detail += f"; ≥ {TARGET_SPEEDUP:.0f}x ({fast})"
        if difference is not None:
            detail += f"; first difference: {difference}"
        rows.append(Row(name, milliseconds(seconds), milliseconds(theirs[name]),
                        f"{speedup:,.1f}x", equal, detail))  # fmt: skip
    met = "met" if timings.total <= TARGET_SET_S else "MISSED"
    compiling = milliseconds(sum(timings.compiling.values()))
    rows.append(Row(f"full dashboard set ({len(ours)} KPIs)", milliseconds(timings.total),
                    detail=f"compiling {compiling}; ≤ {TARGET_SET_S:.0f} s ({met})"))  # fmt: skip
    if theirs:
        ours_covered = sum(ours[name] for name in theirs)
        pandas_total = sum(theirs.values())
        speedup = pandas_total / ours_covered
        same = sum(first_difference(results[n], pandas_rows[n]) is None for n in theirs)
        met = "met" if speedup >= TARGET_SPEEDUP else "MISSED"
        rows.append(Row(
            f"KPIs with a pandas version ({len(theirs)} of {len(ours)})",
            milliseconds(ours_covered), milliseconds(pandas_total), f"{speedup:,.1f}x",
            f"{same}/{len(theirs)}", f"≥ {TARGET_SPEEDUP:.0f}x ({met})",
        ))  # fmt: skip
    rows.append(Row("pandas: loading the tables", "—", milliseconds(timings.load),
                    detail="once, before the pandas KPIs; not in their times"))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    began = time.perf_counter()
    data = demo_directory(options)
    rows: list[Row] = []
    header = run(options, data, rows)
    print_table(header, table_cells(rows))
    note(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
