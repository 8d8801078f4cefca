"""The statement store under concurrent writers (in-process, real DuckDB)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from helpers import make_statement, uid, voiding
from learnsight.db import Database
from learnsight.xapi.store import StatementStore

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://lrs.test", "name": "k"}}


def test_overlapping_batches_keep_every_pending_void_and_stored_order(tmp_path: Path) -> None:
    """Two batches queue behind a long write (a backup, an import batch): the first voids a
    statement that has not arrived yet. Neither may lose the other's update, and "stored"
    must follow commit order."""
    db = Database(tmp_path / "learnsight.duckdb")
    store = StatementStore(db)
    target = uid()
    batches: list[list[dict[str, Any]]] = [[voiding(target)], [make_statement()]]
    threads = [threading.Thread(target=store.store, args=(b, AUTHORITY)) for b in batches]
    with db.write():  # hold the writer while both batches arrive
        for thread in threads:
            thread.start()
            time.sleep(0.2)
    for thread in threads:
        thread.join(timeout=30)

    store.store([make_statement(statement_id=target)], AUTHORITY)
    rows = db.read().execute("SELECT id::VARCHAR, voided, stored FROM statements ORDER BY seq")
    found = rows.fetchall()
    assert [voided for sid, voided, _ in found if sid == target] == [True]
    stored = [moment for _, _, moment in found]
    assert stored == sorted(stored)
    db.close()
