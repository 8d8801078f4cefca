"""Consistent copies of the data directory's database, also while the server runs, with the
configuration files kept beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from learnsight.db import Database
from learnsight.errors import LearnsightError

# Files of the data directory that are configuration or facts, not runtime state.
KEPT_FILES = ("kpis.yaml", "ground_truth.json")


class BackupError(LearnsightError):
    """The copy could not be written."""


def backup(db: Database, out: Path) -> Path:
    """Copy the database into `out` as a new data directory; return the database file's path."""
    target = out / db.path.name
    if target.exists():
        raise BackupError(f"{target} already exists: choose an empty --out directory")
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        db.copy_to(target)
        for name in KEPT_FILES:
            if (db.path.parent / name).is_file():
                shutil.copy2(db.path.parent / name, out / name)
    except (OSError, duckdb.Error) as error:
        target.unlink(missing_ok=True)  # never leave a partial copy behind
        raise BackupError(f"cannot write the backup to {out}: {error}") from None
    return target
