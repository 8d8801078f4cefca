"""DuckDB access: one connection per process, read cursors per thread, one guarded writer.

DuckDB lets a single process open the file. All writes go through one cursor behind a lock, so
write transactions run one after another, in a known order.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from learnsight.errors import LearnsightError
from learnsight.schema import MIGRATIONS, SCHEMA_VERSION


class DataDirectoryError(LearnsightError):
    """The data directory cannot be used (newer schema, unreadable file...)."""


class Database:
    """The data directory's DuckDB file."""

    def __init__(self, path: Path, memory_limit: str = "256MB") -> None:
        # Learner data and credential digests: readable by the owner only.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = path
        # A larger checkpoint threshold than DuckDB's 16 MB: checkpoints then interrupt ingest
        # less often (about 30% more statements/s); the WAL replay after a crash is longer.
        config: dict[str, str | bool | int | float | list[str]] = {
            "checkpoint_threshold": "256MB",
            "memory_limit": memory_limit,
        }
        self._con = duckdb.connect(str(path), config=config)
        # Dates of TIMESTAMPTZ values, and times without an offset, are UTC wherever we run.
        self._con.execute("SET GLOBAL TimeZone = 'UTC'")
        self._writer = self._con.cursor()
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._migrate()

    def read(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread; reads see committed data only."""
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._con.cursor()
            self._local.cursor = cursor
        return cursor

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own, for a session with its own settings; the caller keeps it."""
        return self._con.cursor()

    @contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own, for work in TEMP tables that vanish when it closes."""
        cursor = self.connect()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def write(
        self, cursor: duckdb.DuckDBPyConnection | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single writer, inside a transaction committed on success, rolled back on error.

        `cursor`: write through this connection instead (a scratch one whose TEMP tables the
        write reads); writes still take turns.
        """
        writer = cursor or self._writer
        with self._write_lock:
            writer.begin()
            try:
                yield writer
                writer.commit()
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # keep the original error
                    writer.rollback()
                raise

    def copy_to(self, target: Path) -> None:
        """Copy every table into a new DuckDB file, in one consistent snapshot."""
        quoted = str(target).replace("'", "''")
        with self._write_lock:
            self._writer.execute(f"ATTACH '{quoted}' AS copy_target")
            try:
                self._writer.execute(f"COPY FROM DATABASE {self._catalog()} TO copy_target")
            finally:
                self._writer.execute("DETACH copy_target")

    def _catalog(self) -> str:
        row = self._writer.execute("SELECT current_database()").fetchone()
        return f'"{row[0]}"' if row else "memory"

    def close(self) -> None:
        with self._write_lock:
            self._con.close()

    def schema_version(self) -> int:
        exists = self._writer.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = self._writer.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise DataDirectoryError(
                f"{self.path} has schema version {current}, newer than this release's "
                f"{SCHEMA_VERSION}: upgrade Learnsight to open it"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.write() as cur:
                for statement in MIGRATIONS[version - 1]:
                    cur.execute(statement)
                cur.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)]
                )
