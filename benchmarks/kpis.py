"""KPI query times on the demo company, beside the same KPIs written plainly in pandas.

Usage:
    uv run python benchmarks/kpis.py            # the 10,000-account demo company
    uv run python benchmarks/kpis.py --quick    # the 500-account one, a smoke run
    uv run python benchmarks/kpis.py --data DIR # an existing data directory

Figures, printed as one table at the end:
1. The facts tables (learnsight.metrics.facts) rebuilt from scratch: what the first KPI after a
   data change pays.
2. Every registered KPI's default query (`learnsight kpi NAME`: the KPI's default grain, all time,
   no split), run in-process with `run_kpi` on a fresh context of the data directory's DuckDB,
   as the server does per request: its first run (the query never seen: its SQL is compiled),
   then the best of --runs. Then the full dashboard set: every KPI once, in a row, the best of
   --runs rounds, and its first round (the sum of the first runs); and the set asked 4 KPIs at
   a time, as a browser loads a dashboard.
3. Beside each, where benchmarks/pandas_kpis.py has one, the same KPI written as an analyst
   would in pandas, from DataFrames already in memory (loading them is timed separately, once),
   its time, the ratio pandas / Learnsight, and whether both give the same rows (values to 1e-9
   relative).

Without --data, the demo company is generated once with `learnsight demo` into
`<cache-dir>/demo-N-SEED` and reused by later runs. Of the data directory, only the facts tables
are written (rebuilt, as the server would).
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _report import machine_header, note, print_table
from learnsight.config import Settings
from learnsight.derived_tables import ALL_DERIVED, mark_changed
from learnsight.metrics.context import Context
from learnsight.metrics.engines import duckdb_context
from learnsight.metrics.query import Query
from learnsight.metrics.registry import all_kpis
from learnsight.metrics.run import run_kpi
from learnsight.services import Services
from pandas_kpis import PandasKPIs, Rows, load_frames, pandas_result

TARGET_KPI_MS = 200.0
TARGET_SET_S = 1.0
TARGET_SPEEDUP = 10.0
DASHBOARD_REQUESTS = 4  # KPIs a browser asks for at once (it opens up to 6 connections)
RELATIVE_TOLERANCE = 1e-9
DEFAULT_SEED = 42


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


def timed(function: Callable[[], Rows]) -> tuple[Rows, float]:
    """The rows of one call, and its seconds."""
    began = time.perf_counter()
    rows = function()
    return rows, time.perf_counter() - began


def rebuild_facts(services: Services, data: Path) -> float:
    """Seconds to rebuild every facts table, as after a change to the data."""
    with services.db.write() as cur:
        mark_changed(cur, *{name for derived in ALL_DERIVED for name in derived.inputs})
    began = time.perf_counter()
    duckdb_context(services.db, data)  # a context makes the facts fresh first
    return time.perf_counter() - began


def default_queries(ctx: Context, feature: str | None) -> dict[str, Query]:
    """Each KPI's default query; a parameter without a usable default gets one here."""
    params = {"feature_adoption": {"feature": feature or default_feature(ctx)}}
    return {name: Query(params=params.get(name, {})) for name in all_kpis()}


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
        note("learnsight: rebuilding the facts tables")
        facts = rebuild_facts(services, data)
        ctx = duckdb_context(services.db, data)
        queries = default_queries(ctx, options.feature)
        ours: dict[str, float] = {}
        results: dict[str, Rows] = {}
        first: dict[str, float] = {}

        def kpi_run(name: str) -> Rows:
            return run_kpi(duckdb_context(services.db, data), name, queries[name])

        for name in queries:
            note(f"learnsight: {name}")
            results[name], first[name] = timed(lambda: kpi_run(name))  # noqa: B023
            ours[name] = best_time(lambda: kpi_run(name), options.runs)  # noqa: B023

        def full_set() -> None:
            for name in queries:
                kpi_run(name)

        def full_set_at_once() -> None:
            with ThreadPoolExecutor(DASHBOARD_REQUESTS) as pool:
                list(pool.map(kpi_run, queries))

        note("learnsight: the full dashboard set")
        total = best_time(full_set, options.runs)
        together = best_time(full_set_at_once, options.runs)
        feature = queries["feature_adoption"].params["feature"]
        load, theirs, pandas_rows = measure_pandas(services, ctx, feature, options.runs)
        statements = services.db.read().execute("SELECT count(*) FROM statements").fetchone()
    finally:
        services.close()
    timings = Timings(ours, first, theirs, total, together, load, facts)
    report(rows, queries, timings, results, pandas_rows)
    return environment_header(options, data, statements[0] if statements else 0)


def measure_pandas(
    services: Services, ctx: Context, feature: str, runs: int
) -> tuple[float, dict[str, float], dict[str, Rows]]:
    """The load time of the DataFrames, then each pandas KPI's best time and rows."""
    note("pandas: loading the tables")
    # A connection of its own: the shared read cursor may hold an unfinished result.
    con = services.db.connect()
    try:
        began = time.perf_counter()
        frames = load_frames(con)
        load = time.perf_counter() - began
    finally:
        con.close()
    times: dict[str, float] = {}
    rows: dict[str, Rows] = {}
    for name, compute in PandasKPIs(frames, ctx, feature).covered().items():
        note(f"pandas: {name}")
        rows[name] = pandas_result(compute(), name)
        times[name] = best_time(compute, runs)
    return load, times, rows


@dataclass(frozen=True)
class Timings:
    ours: dict[str, float]  # KPI -> seconds of run_kpi
    first: dict[str, float]  # KPI -> seconds of its first run (its SQL compiled)
    theirs: dict[str, float]  # KPI -> seconds of its pandas version
    total: float  # the full dashboard set
    together: float  # the full set, DASHBOARD_REQUESTS KPIs at a time
    load: float  # loading the DataFrames
    facts: float  # rebuilding the facts tables


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
            f"{len(results[name])} rows; first run {milliseconds(timings.first[name])}; "
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
    first = milliseconds(sum(timings.first.values()))
    rows.append(Row(f"full dashboard set ({len(ours)} KPIs)", milliseconds(timings.total),
                    detail=f"first round {first}; ≤ {TARGET_SET_S:.0f} s ({met})"))  # fmt: skip
    rows.append(Row(f"full set, {DASHBOARD_REQUESTS} requests at a time",
                    milliseconds(timings.together),
                    detail="as a browser loads a dashboard: one thread per request"))  # fmt: skip
    rows.append(Row("facts tables rebuilt", milliseconds(timings.facts),
                    detail="once after a data change, before the next KPI"))  # fmt: skip
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
