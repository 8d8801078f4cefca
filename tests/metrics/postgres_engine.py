"""PostgreSQL for the KPI tests: a throwaway server, and a data directory's tables copied into it.

The server is Debian's `postgresql` package (`make test` installs it when missing). Each test
session (each xdist worker) starts its own cluster in a fresh temporary directory, reachable
only through a Unix socket in that directory, so it needs no free port and meets no other
server. PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user
the package creates.

The DuckDB tables are copied with the types Ibis sees in DuckDB; the derived tables (the facts
KPIs start from) are built again on PostgreSQL by their own Ibis expressions, so that they are
tested on PostgreSQL too.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.schema as sch
import sqlglot as sg
import sqlglot.expressions as sge

from learnsight.derived_tables import ALL_DERIVED
from learnsight.metrics.config import CONFIG_FILE
from learnsight.metrics.context import Context
from learnsight.metrics.engines import load_config
from learnsight.metrics.facts import BUILDERS
from learnsight.organisation import organisation_settings
from learnsight.services import Services

SUPERUSER = "postgres"
SETTINGS = {
    "listen_addresses": "",  # the Unix socket only
    # A throwaway cluster: durability costs time and buys nothing.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # Tables without statistics look huge to the planner, which then spends ~1 s per KPI
    # compiling the query to machine code.
    "jit": "off",
}
POSTGRES_MISSING = (
    "PostgreSQL server not found (no initdb on PATH or in /usr/lib/postgresql/*/bin): the KPI "
    "tests also run on PostgreSQL; install it (apt-get install postgresql), or deselect them "
    "with -k 'not postgres'"
)
DERIVED = {derived.table for derived in ALL_DERIVED}
# Ibis's own list_tables calls a method DuckDB 2.0 removed.
TABLES_SQL = """SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"""
COLUMNS_SQL = """SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"""


def postgres_bin() -> Path | None:
    """The directory of initdb and pg_ctl: on PATH, else Debian's newest version, else None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_major_version)
    if debian:
        return debian[-1].parent
    return None


def _major_version(initdb: Path) -> int:
    version = initdb.parents[1].name
    return int(version) if version.isdigit() else 0


def memory_dir() -> str | None:
    """Linux's shared memory file system, when there is one: a session creates thousands of
    table files, which a disk that discards freed blocks deletes slowly (8 s seen here)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


class PostgresServer:
    """One cluster in a temporary directory, serving on a Unix socket there."""

    def __init__(self, server_bin: Path) -> None:
        self.bin = server_bin
        self.dir = Path(tempfile.mkdtemp(prefix="learnsight-pg-", dir=memory_dir()))
        self.data = self.dir / "data"
        self._run_as = ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []
        self._schemas = itertools.count(1)

    def start(self) -> None:
        if self._run_as:  # the server's own user must own its directory
            owner = pwd.getpwnam(SUPERUSER)
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self._pg("initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust", "--no-sync",
                 "--no-locale", "--encoding=UTF8")  # fmt: skip
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        self._pg("pg_ctl", "start", "-D", self.data, "-w", "-l", self.dir / "server.log",
                 "-o", f"-k {self.dir} {options}")  # fmt: skip

    def stop(self) -> None:
        try:
            self._pg("pg_ctl", "stop", "-D", self.data, "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _pg(self, program: str, *args: str | Path) -> None:
        command = [*self._run_as, str(self.bin / program), *map(str, args)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}")

    def connect(self) -> Any:
        """An Ibis backend on the cluster's default database."""
        return ibis.postgres.connect(host=str(self.dir), user=SUPERUSER, database="postgres")

    def new_schema(self) -> str:
        return f"data_{next(self._schemas)}"


class PostgresCopy:
    """A test's data directory on the server, copied again when its tables have changed."""

    def __init__(self, server: PostgresServer, services: Services) -> None:
        self.server = server
        self.services = services
        self.backend = server.connect()
        self._copied: tuple[Any, ...] | None = None

    def context(self) -> Context:
        """A Context on the data directory's tables, as duckdb_context gives on DuckDB."""
        organisation = organisation_settings(self.services.db)
        zone = organisation["timezone"]
        with self.services.db.scratch() as source:
            fingerprint = (zone, *fingerprints(source))
            if fingerprint != self._copied:
                self._copy(source, zone)
                self._copied = fingerprint
        with self.backend.begin() as cursor:
            # What duckdb_context does: the organisation's time zone buckets days and months.
            cursor.execute("SELECT set_config('TimeZone', %s, false)", (zone,))
        config = load_config(self.services.settings.data / CONFIG_FILE)
        return Context(self.backend, organisation, config)

    def _copy(self, source: Any, zone: str) -> None:
        """The base tables into a new schema, then the derived tables built from them."""
        schema = self.server.new_schema()
        with self.backend.begin() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
            cursor.execute("SELECT set_config('search_path', %s, false)", (schema,))
            for table in table_copies(source):
                cursor.execute(table.create)
                rows = source.execute(f'SELECT * FROM "{table.name}"').fetchall()
                with cursor.copy(table.copy) as copy:
                    for row in rows:
                        copy.write_row(row)
        with self.backend.begin() as cursor:
            for statement in derived_sql(self.backend, zone):
                cursor.execute(statement)

    def close(self) -> None:
        self.backend.disconnect()


def base_tables(source: Any) -> list[str]:
    return [name for (name,) in source.execute(TABLES_SQL).fetchall() if name not in DERIVED]


def fingerprints(source: Any) -> list[tuple[Any, ...]]:
    """Per base table: its row count and a sum of row hashes, which any write changes."""
    parts = [f"SELECT '{name}', count(*), sum(hash(t)::HUGEINT) FROM \"{name}\" AS t"
             for name in base_tables(source)]  # fmt: skip
    return list(source.execute(" UNION ALL ".join(parts) + " ORDER BY 1").fetchall())


@dataclass(frozen=True)
class TableCopy:
    name: str
    create: str  # CREATE TABLE, in the schema first on the search path
    copy: str  # COPY ... FROM STDIN


# The statements are the same for every test: made once (Ibis takes ~5 ms per table).
_copies: dict[tuple[Any, ...], list[TableCopy]] = {}
_derived: dict[str, list[str]] = {}


def table_copies(source: Any) -> list[TableCopy]:
    """How to copy each base table, with the column types Ibis sees in DuckDB."""
    key = tuple(source.execute(COLUMNS_SQL).fetchall())
    if key not in _copies:
        duck = ibis.duckdb.from_connection(source)
        _copies[key] = [table_copy(name, duck.table(name).schema()) for name in base_tables(source)]
    return _copies[key]


def table_copy(name: str, schema: sch.Schema) -> TableCopy:
    definition = sge.Schema(
        this=sg.table(name, quoted=True), expressions=schema.to_sqlglot_column_defs("postgres")
    )
    names = ", ".join(f'"{column}"' for column in schema.names)
    return TableCopy(
        name,
        sge.Create(kind="TABLE", this=definition).sql("postgres"),
        f'COPY "{name}" ({names}) FROM STDIN',
    )


def derived_sql(backend: Any, zone: str) -> list[str]:
    """CREATE TABLE ... AS for each derived table, by the expression that builds it in DuckDB."""
    if zone not in _derived:
        _derived[zone] = [
            f'CREATE TABLE "{derived.table}" AS {backend.compile(relation(backend.table, zone))}'
            for derived, relation in BUILDERS.items()
        ]
    return _derived[zone]
