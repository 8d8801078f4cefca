"""Consistent copies of the data directory's database, also while the server runs."""

from __future__ import annotations

from pathlib import Path

from learnsight.db import Database


def backup(db: Database, out: Path) -> Path:
    """Copy the database into `out` as a new data directory; return the database file's path."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / db.path.name
    if target.exists():
        raise FileExistsError(f"{target} already exists: choose an empty --out directory")
    db.copy_to(target)
    return target
