"""Derived tables (metrics.facts builds them) and when they are stale.

A derived table is rebuilt before its next use once an input changed. Writers of an input call
`mark_changed` inside their transaction; statements that arrived through the LRS count as a
change to the learning facts by themselves (the statements' `seq` passed the one they were built
at), so the LRS's write path stays as it is. No Ibis here: writers import this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# The version of the tables' definitions (metrics.facts): a new one makes every data directory's
# tables stale, so that an upgrade rebuilds them with their new columns.
DEFINITION = 2


@dataclass(frozen=True)
class Derived:
    table: str
    inputs: frozenset[str]  # the tables, and organisation settings, it derives from

    @property
    def built_key(self) -> str:
        """Meta key, present while the table is fresh; for the learning facts, the statements'
        seq they were built at."""
        return f"{self.table}_built_v{DEFINITION}"


LEARNING = Derived("learning_facts", frozenset({"statements", "catalog", "contacts", "timezone"}))
USAGE = Derived("usage_facts", frozenset({"product_events", "identities", "timezone"}))
ALL_DERIVED = (LEARNING, USAGE)


def mark_changed(cur: duckdb.DuckDBPyConnection, *inputs: str) -> None:
    """Inside a write that changed these tables (or the "timezone" setting): the tables
    deriving from them are rebuilt before their next use."""
    for derived in ALL_DERIVED:
        if derived.inputs.intersection(inputs):
            cur.execute("DELETE FROM meta WHERE key = ?", [derived.built_key])


def drop_derived(cur: duckdb.DuckDBPyConnection) -> None:
    """Inside a write that removes a person: their derived rows go in the same transaction."""
    for derived in ALL_DERIVED:
        cur.execute("DELETE FROM meta WHERE key = ?", [derived.built_key])
        cur.execute(f"DROP TABLE IF EXISTS {derived.table}")


STALE_SQL = """SELECT
    (SELECT value::BIGINT FROM meta WHERE key = ?) IS DISTINCT FROM
        (SELECT coalesce(max(seq), 0) FROM statements),
    NOT EXISTS (SELECT 1 FROM meta WHERE key = ?)"""


def stale(cur: duckdb.DuckDBPyConnection) -> list[Derived]:
    """The derived tables to rebuild before use."""
    # fetchall: a result left open would hold the caller's cursor.
    (row,) = cur.execute(STALE_SQL, [LEARNING.built_key, USAGE.built_key]).fetchall()
    return [derived for derived, is_stale in zip(ALL_DERIVED, row, strict=True) if is_stale]


def mark_built(cur: duckdb.DuckDBPyConnection, derived: Derived) -> None:
    """Inside the write that rebuilt it: fresh until an input changes."""
    row = cur.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()
    built = str(row[0]) if derived is LEARNING and row else "fresh"
    cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [derived.built_key, built])
