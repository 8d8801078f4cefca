"""Derived tables (metrics.facts builds them) and when they are stale.

A derived table is rebuilt before its next use once an input changed: writers of an input call
`mark_changed` inside their transaction. Statements that arrive are not such a change: the
learning facts hold the statements up to a `seq`; KPIs read the newer ones live beside them,
and they are appended once identity resolution has given them their contact and account (so
that resolving them does not rebuild the facts). No Ibis here: writers import this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

RESOLVED_SEQ = "identities_resolved_seq"  # meta key: statements up to this seq are resolved
MAX_LIVE = 50_000  # statements KPIs derive live at most, beside the learning facts

# The version of the tables' definitions (metrics.facts): a new one makes every data directory's
# tables stale, so that an upgrade rebuilds them with their new columns.
DEFINITION = 3


@dataclass(frozen=True)
class Derived:
    table: str
    inputs: frozenset[str]  # the tables, and organisation settings, it derives from

    @property
    def built_key(self) -> str:
        """Meta key, present while the table is fresh; for the learning facts, the seq of the
        statements they hold up to."""
        return f"{self.table}_built_v{DEFINITION}"


LEARNING = Derived("learning_facts", frozenset({"statements", "catalog", "contacts", "timezone"}))
USAGE = Derived("usage_facts", frozenset({"product_events", "identities:event", "timezone"}))
TICKETS = Derived("ticket_facts", frozenset({"tickets", "identities:ticket", "timezone"}))
ALL_DERIVED = (LEARNING, USAGE, TICKETS)


def mark_changed(cur: duckdb.DuckDBPyConnection, *inputs: str) -> None:
    """Inside a write that changed these tables (or the "timezone" setting, or the identities
    of one source: "identities:event"): the tables deriving from them are rebuilt before their
    next use."""
    for derived in ALL_DERIVED:
        if derived.inputs.intersection(inputs):
            cur.execute("DELETE FROM meta WHERE key = ?", [derived.built_key])


def drop_derived(cur: duckdb.DuckDBPyConnection) -> None:
    """Inside a write that removes a person: their derived rows go in the same transaction."""
    for derived in ALL_DERIVED:
        cur.execute("DELETE FROM meta WHERE key = ?", [derived.built_key])
        cur.execute(f"DROP TABLE IF EXISTS {derived.table}")


def statements_rewritten(cur: duckdb.DuckDBPyConnection, lowest_seq: int) -> None:
    """Inside a write that changed statements from `lowest_seq` on: the learning facts are
    rebuilt only if they hold one of them (newer statements are not in them yet)."""
    if lowest_seq <= learning_seq(cur):
        mark_changed(cur, "statements")


def learning_seq(cur: duckdb.DuckDBPyConnection) -> int:
    """The statements' seq the learning facts hold statements up to; -1 when they are stale."""
    row = cur.execute("SELECT value::BIGINT FROM meta WHERE key = ?", [LEARNING.built_key])
    found = row.fetchall()
    return int(found[0][0]) if found else -1


@dataclass(frozen=True)
class Refresh:
    """What to do before KPIs read the derived tables: rebuild some, and bring the learning
    facts from their seq up to `hold_until` (the statements appended since)."""

    rebuild: list[Derived]
    learning_seq: int  # -1: rebuilt
    hold_until: int  # the resolved statements; or all but the newest MAX_LIVE, if more
    last_seq: int  # the newest statement's

    @property
    def needed(self) -> bool:
        return bool(self.rebuild) or self.learning_seq < self.hold_until


REFRESH_SQL = f"""SELECT
    coalesce((SELECT value::BIGINT FROM meta WHERE key = ?), -1),
    coalesce((SELECT value::BIGINT FROM meta WHERE key = '{RESOLVED_SEQ}'), 0),
    coalesce((SELECT max(seq) FROM statements), 0),
    (SELECT list(key) FROM meta WHERE key LIKE '%_built_v%')"""


def refresh_plan(cur: duckdb.DuckDBPyConnection) -> Refresh:
    """What `metrics.facts.ensure_fresh` has to do."""
    # fetchall: a result left open would hold the caller's cursor.
    ((seq, resolved, last, built),) = cur.execute(REFRESH_SQL, [LEARNING.built_key]).fetchall()
    rebuild = [derived for derived in ALL_DERIVED if derived.built_key not in (built or [])]
    # Resolution failing or lagging must not leave ever more statements to derive per query:
    # the older ones are appended unresolved (resolving them later rebuilds the facts).
    return Refresh(rebuild, int(seq), max(int(resolved), int(last) - MAX_LIVE), int(last))


def mark_built(cur: duckdb.DuckDBPyConnection, derived: Derived, seq: int = 0) -> None:
    """Inside the write that built it: fresh until an input changes (the learning facts: with
    the statements up to `seq`)."""
    built = str(seq) if derived is LEARNING else "fresh"
    cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [derived.built_key, built])
