"""Import throughput of product events from CSV, beside DuckDB's own CSV reader (the ceiling).

Usage:
    uv run python benchmarks/ingest.py            # 1,000,000 rows
    uv run python benchmarks/ingest.py --quick    # 100,000 rows, a smoke run
    uv run python benchmarks/ingest.py --rows 250000 --memory-limit 512MB --rounds 1

Figures, printed as one table at the end:
1. `learnsight import events FILE` as the CLI does it without a server: the generic loader
   (`import_table`) on a fresh data directory: every row inserted.
2. The same file imported again: every row found unchanged.
3. The ceiling: `CREATE TABLE t AS SELECT * FROM read_csv(FILE)` into a fresh DuckDB file with
   the same memory limit, and the loader's rate as a share of it (target: at least 50%).

The CSV (message_id, user_id, email, account_id, event, timestamp, properties as JSON) is
generated from a seed, so every run reads the same rows. Each measurement runs in a fresh
process; only the import call (or the CREATE TABLE) is timed, not opening or closing the file.
Each is repeated --rounds times (fresh data directory and DuckDB file each round) and the best
time is kept: the one least disturbed by other work on the machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import orjson

from _report import in_child, machine_header, note, print_table
from learnsight.config import Settings
from learnsight.db import Database
from learnsight.ingest.kinds import KINDS
from learnsight.ingest.loader import import_table

TARGET_SHARE = 0.5  # of the ceiling
SEED = 20250101
EVENTS = [
    "Logged In", "Dashboard Viewed", "Report Created", "Report Exported", "Filter Applied",
    "Integration Connected", "Workflow Created", "Workflow Run", "User Invited", "Comment Added",
    "File Uploaded", "Search Performed", "Alert Configured", "API Key Created",
    "Billing Page Viewed", "Plan Upgraded", "Template Used", "Dashboard Shared",
    "Automation Enabled", "Data Source Added", "Chart Edited", "Notebook Opened",
    "Permission Changed", "Export Scheduled", "Help Center Opened",
]  # fmt: skip
PLANS = ["free", "starter", "pro", "enterprise"]
BROWSERS = ["Chrome", "Firefox", "Safari", "Edge"]
YEAR_START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Options:
    quick: bool
    rows: int
    memory_limit: str
    rounds: int
    load_at_start: float


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows (smoke run)")
    parser.add_argument("--rows", type=int, help="rows in the generated CSV [1000000]")
    parser.add_argument(
        "--memory-limit",
        default=Settings().memory_limit,
        help=f"DuckDB memory_limit for both sides [{Settings().memory_limit}, the server's]",
    )
    parser.add_argument("--rounds", type=int, help="times each is measured, best kept [3]")
    args = parser.parse_args(argv)
    rows = args.rows if args.rows is not None else (100_000 if args.quick else 1_000_000)
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    return Options(args.quick, rows, args.memory_limit, max(1, rounds), os.getloadavg()[0])


# --- the CSV -----------------------------------------------------------------------------------


def write_events(path: Path, rows: int, seed: int = SEED) -> None:
    """Product events of 20 users per account; popular users and events occur more often."""
    rng = random.Random(seed)
    users = max(100, rows // 50)
    seconds_in_year = 365 * 24 * 3600
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["message_id", "user_id", "email", "account_id", "event", "timestamp", "properties"]
        )
        for _ in range(rows):
            user = int(users * rng.random() ** 2)
            account = user // 20
            moment = YEAR_START + datetime.timedelta(
                seconds=rng.randrange(seconds_in_year), milliseconds=rng.randrange(1000)
            )
            properties = {
                "plan": PLANS[account % len(PLANS)],
                "browser": rng.choice(BROWSERS),
                "path": f"/app/{rng.randrange(40)}/view",
                "duration_ms": rng.randrange(60_000),
            }
            if rng.random() < 0.2:
                properties["search"] = f'q{rng.randrange(500)}, sorted "desc"'
            writer.writerow([
                f"{rng.getrandbits(128):032x}",
                f"usr_{user:06d}",
                "" if user % 10 == 9 else f"user{user}@acct{account}.example.com",
                f"acct_{account:05d}",
                EVENTS[int(len(EVENTS) * rng.random() ** 2)],
                moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                orjson.dumps(properties).decode(),
            ])  # fmt: skip


# --- measurements (each in a process of its own) -----------------------------------------------


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_mb: float  # peak resident set size of the measuring process
    detail: str


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def run_import(job: tuple[Path, Path, str]) -> Timed:
    """`learnsight import events FILE` without a server: the loader on the data directory."""
    data, source, memory_limit = job
    db = Database(data / "learnsight.duckdb", memory_limit)
    try:
        began = time.perf_counter()
        result = import_table(db, KINDS["events"], source)
        seconds = time.perf_counter() - began
    finally:
        db.close()
    detail = (
        f"{result.read:,} read, {result.inserted:,} inserted, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged, {result.rejected:,} rejected"
    )
    return Timed(seconds, peak_mb(), detail)


def run_ceiling(job: tuple[Path, Path, str]) -> Timed:
    """DuckDB alone: the CSV into a table of a fresh file, types sniffed by read_csv."""
    target, source, memory_limit = job
    con = duckdb.connect(str(target), config={"memory_limit": memory_limit})
    try:
        quoted = str(source).replace("'", "''")
        began = time.perf_counter()
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{quoted}')")
        seconds = time.perf_counter() - began
        row = con.execute("SELECT count(*) FROM t").fetchone()
    finally:
        con.close()
    return Timed(seconds, peak_mb(), f"{row[0] if row else 0:,} rows in the table")


# --- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    figure: str
    target: str = ""
    detail: str = ""


def environment_header(options: Options, size_mb: float) -> list[str]:
    setup = (
        f"memory_limit {options.memory_limit}; CSV of {options.rows:,} product events, "
        f"{size_mb:,.0f} MB"
    )
    return machine_header("ingest benchmark", options.quick, setup, options.load_at_start)


def table_cells(rows: list[Row]) -> list[tuple[str, ...]]:
    titles = Row("measurement", "result", "target", "detail")
    return [(r.name, r.figure, r.target, r.detail) for r in [titles, *rows]]


def rate(rows: int, timed: Timed) -> str:
    return f"{rows / timed.seconds:,.0f} rows/s"


def describe(timed: Timed) -> str:
    return f"{timed.seconds:.1f} s, peak RSS {timed.peak_mb:,.0f} MB; {timed.detail}"


def best(timings: list[Timed]) -> Timed:
    return min(timings, key=lambda timed: timed.seconds)


def run(options: Options, workdir: Path, rows: list[Row]) -> float:
    """Every measurement; returns the CSV's size in MB."""
    source = workdir / "events.csv"
    note(f"writing {options.rows:,} product events to {source}")
    write_events(source, options.rows)
    size_mb = source.stat().st_size / 1e6
    first: list[Timed] = []
    again: list[Timed] = []
    ceiling: list[Timed] = []
    for round_ in range(1, options.rounds + 1):
        data = workdir / f"data-{round_}"
        job = (data, source, options.memory_limit)
        note(f"round {round_}: learnsight import events, into a fresh data directory")
        first.append(in_child(run_import, job))
        note(f"round {round_}: learnsight import events, the same file again")
        again.append(in_child(run_import, job))
        note(f"round {round_}: ceiling, CREATE TABLE t AS SELECT * FROM read_csv(FILE)")
        table = workdir / f"ceiling-{round_}.duckdb"
        ceiling.append(in_child(run_ceiling, (table, source, options.memory_limit)))
        shutil.rmtree(data)
        table.unlink()
        note(f"  {rate(options.rows, first[-1])}, {rate(options.rows, again[-1])}, "
             f"ceiling {rate(options.rows, ceiling[-1])}")  # fmt: skip
    for name, timings in (
        ("import events (first)", first),
        ("import events (again)", again),
        ("ceiling: DuckDB read_csv", ceiling),
    ):
        timed = best(timings)
        spread = ", ".join(f"{t.seconds:.1f}" for t in timings)
        detail = f"{describe(timed)}; seconds per round: {spread}"
        rows.append(Row(name, rate(options.rows, timed), "", detail))
    share = best(ceiling).seconds / best(first).seconds
    again_share = best(ceiling).seconds / best(again).seconds
    target = f"≥ {TARGET_SHARE:.0%} ({'met' if share >= TARGET_SHARE else 'MISSED'})"
    detail = f"best of {options.rounds}; the re-import: {again_share:.0%} of the ceiling"
    rows.append(Row("first import / ceiling", f"{share:.0%}", target, detail))
    return size_mb


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    rows: list[Row] = []
    began = time.perf_counter()
    size_mb = 0.0
    with tempfile.TemporaryDirectory(prefix="learnsight-bench-ingest-") as tmp:
        try:
            size_mb = run(options, Path(tmp), rows)
        finally:
            if rows:
                print_table(environment_header(options, size_mb), table_cells(rows))
    note(f"done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
