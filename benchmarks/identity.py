"""How long identity resolution takes at scale: `resolve()` on a synthetic data directory.

Usage:
    uv run python benchmarks/identity.py                          # 3,000,000 statements
    uv run python benchmarks/identity.py --statements 300000 --contacts 5000

The data is generated in SQL into a temporary data directory: accounts with one domain each,
contacts with e-mail addresses at those domains (a fifth with an LMS id), statements whose
actors are mostly the contacts' mbox, some LMS account actors and some strangers, plus tickets,
surveys and product events. Printed: the first resolution (every statement gets its contact),
a re-run with nothing new (the cost of calling it after every import), and a re-run after 10%
more contacts arrive (statements stored before their contact existed now resolve).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from learnsight.config import Settings
from learnsight.db import Database
from learnsight.identity import ResolveSummary, resolve

ACCOUNTS_SQL = """
INSERT INTO accounts (id, name, domains, segment)
SELECT 'A' || i, 'Account ' || i, ['acct' || i || '.example'], 'SMB' FROM range($accounts) t(i)
"""
CONTACTS_SQL = """
INSERT INTO contacts (id, account_id, email, lms_id, product_id)
SELECT 'C' || i, 'A' || (i % $accounts), 'user' || i || '@acct' || (i % $accounts) || '.example',
    CASE WHEN i % 5 = 0 THEN 'L' || i END, 'P' || i
FROM range($first, $last) t(i)
"""
# Actors: 80% contacts' mbox, 10% LMS account actors (of contacts with an LMS id), 10% strangers
# (half of them at an account's domain). People 0..1.2*contacts, so some contacts arrive late.
STATEMENTS_SQL = """
INSERT INTO statements (seq, id, stored, timestamp, actor_key, verb_id, object_type, object_id,
    raw)
SELECT i, uuid(), now(), now() - to_seconds(i),
    CASE
        WHEN i % 10 < 8 THEN 'mbox:mailto:user' || (i % $people) || '@acct'
            || (i % $people % $accounts) || '.example'
        WHEN i % 10 = 8 THEN 'account:https://lms.example' || chr(9) || 'L'
            || (i % $people // 5 * 5)
        ELSE 'mbox:mailto:stranger' || (i % 5000) || '@' || CASE WHEN i % 2 = 0 THEN 'gmail.com'
            ELSE 'acct' || (i % $accounts) || '.example' END
    END,
    'http://adlnet.gov/expapi/verbs/experienced', 'Activity',
    'https://courses.example/c' || (i % 200), repeat('x', 400)
FROM range($first, $last) t(i)
"""
CHUNK = 250_000
BUSINESS_SQL = [
    """INSERT INTO tickets (id, account_id, requester_email, created_at)
    SELECT 'T' || i, NULL, 'user' || (i % $people) || '@acct' || (i % $people % $accounts)
        || '.example', now() FROM range($statements // 30) t(i)""",
    """INSERT INTO product_events (message_id, user_id, account_id, event, timestamp)
    SELECT 'M' || i, 'P' || (i % $people), NULL, 'used_feature', now()
    FROM range($statements // 3) t(i)""",
    """INSERT INTO surveys (id, respondent, kind, score, timestamp)
    SELECT 'S' || i, 'C' || (i % $people), 'nps', i % 11, now()
    FROM range($statements // 100) t(i)""",
]


def run(cur: duckdb.DuckDBPyConnection, sql: str, values: dict[str, int]) -> None:
    """Execute with the named parameters the SQL uses (DuckDB refuses unused ones)."""
    cur.execute(sql, {k: v for k, v in values.items() if f"${k}" in sql})


def timed(label: str, work: Callable[[], ResolveSummary]) -> None:
    started = time.perf_counter()
    summary = work()
    seconds = time.perf_counter() - started
    print(
        f"{label:<38} {seconds:7.2f} s   identities {summary.identities:>9,}   "
        f"with contact {summary.with_contact:>9,}   statements updated "
        f"{summary.statements_updated:>10,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=3_000_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=5_000)
    args = parser.parse_args()
    early = int(args.contacts / 1.1)  # the rest arrive after the first resolution
    values = {
        "accounts": args.accounts, "people": int(args.contacts * 1.2),
        "statements": args.statements,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "learnsight.duckdb", Settings().memory_limit)
        started = time.perf_counter()
        with db.write() as cur:
            run(cur, ACCOUNTS_SQL, values)
            run(cur, CONTACTS_SQL, {**values, "first": 0, "last": early})
            for sql in BUSINESS_SQL:
                run(cur, sql, values)
        for first in range(0, args.statements, CHUNK):  # transactions that fit in memory_limit
            last = min(first + CHUNK, args.statements)
            with db.write() as cur:
                run(cur, STATEMENTS_SQL, {**values, "first": first, "last": last})
        db.read().execute("CHECKPOINT")  # as a server that has run a while would have
        print(
            f"generated {args.statements:,} statements, {early:,} contacts, {args.accounts:,} "
            f"accounts in {time.perf_counter() - started:.1f} s "
            f"(DuckDB memory_limit {Settings().memory_limit})"
        )
        timed("first resolution", lambda: resolve(db))
        timed("re-run, nothing new", lambda: resolve(db))
        with db.write() as cur:
            run(cur, CONTACTS_SQL, {**values, "first": early, "last": args.contacts})
        timed(f"re-run, {args.contacts - early:,} contacts arrived", lambda: resolve(db))
        db.close()


if __name__ == "__main__":
    main()
