"""Process-wide tuning for long-running work (the server, large imports)."""

from __future__ import annotations

import gc


def tune_garbage_collector() -> None:
    """Collect cyclic garbage far less often than CPython's default.

    Ingest allocates hundreds of thousands of short-lived, acyclic dicts per second (decoded
    statements); with the default thresholds the collector runs full passes over them again and
    again, which measured 20-25% of the server's CPU. (gc.freeze() would save a little more,
    but DuckDB's bindings then report the frozen objects as leaks when the process exits.)
    """
    gc.set_threshold(100_000, 50, 100)
