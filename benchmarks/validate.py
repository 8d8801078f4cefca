"""Throughput of the xAPI statement validator on real statements, after JSON decoding.

Usage: uv run python benchmarks/validate.py [PATH] [--rounds N]

PATH is a gzipped (or plain) file of one JSON statement per line; it defaults to the
project's tests/fixtures/video-statements.json.gz. Decoding with orjson happens before timing,
so the figure is validation alone (with the caller's "$[i]" paths), in statements per second
on one core.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import orjson

from learnsight.xapi.validate import validate_statement

DEFAULT_FIXTURE = Path(__file__).resolve().parent.parent / "tests/fixtures/video-statements.json.gz"


def load_statements(path: Path) -> list[object]:
    """Decode one JSON statement per line, from a .gz or a plain file."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return [orjson.loads(line) for line in raw.splitlines() if line.strip()]


def best_rate(statements: list[object], rounds: int) -> float:
    """Best statements/s over ``rounds`` passes (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for index, statement in enumerate(statements):
            validate_statement(statement, f"$[{index}]")
        best = min(best, time.perf_counter() - start)
    return len(statements) / best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_FIXTURE)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.path.exists():
        print(f"fixture not found: {args.path}", file=sys.stderr)
        return 2
    statements = load_statements(args.path)
    rate = best_rate(statements, args.rounds)
    print(f"{len(statements)} statements, best of {args.rounds}: {rate:,.0f} statements/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
