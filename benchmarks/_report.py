"""What every benchmark script shares: progress notes, fresh child processes, the report."""

from __future__ import annotations

import datetime
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

import duckdb

from learnsight import __version__

Job = TypeVar("Job")
Result = TypeVar("Result")


def note(message: str) -> None:
    """Progress, on stderr, so that stdout holds only the figures."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def in_child(function: Callable[[Job], Result], job: Job) -> Result:
    """Run function(job) in a fresh process, so each measurement starts from the same state."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, job).result()


def machine_header(title: str, quick: bool, setup: str, load_at_start: float) -> list[str]:
    """The lines above a report: what ran, on what machine, under what load."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    mode = "quick" if quick else "full"
    return [
        f"Learnsight {__version__} {title} ({mode} run, {datetime.date.today()})",
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}; {setup}",
        f"load average (1 min) at start {load_at_start:.2f}, at end "
        f"{os.getloadavg()[0]:.2f} (other work on the machine skews the figures)",
        "",
    ]


def print_table(header: list[str], rows: Sequence[Sequence[str]]) -> None:
    """The header, then rows of cells (the first row holds the titles); every column but the
    last is padded to its widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    print("\n".join(header))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1])
