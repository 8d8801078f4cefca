"""End-to-end benchmark of the LRS: HTTP ingest, GET latency at scale, memory, ceiling, peer.

Usage:
    uv run python benchmarks/lrs.py                  # full run
    uv run python benchmarks/lrs.py --quick          # smoke run, about a minute
    uv run python benchmarks/lrs.py --with-ralph     # also set up and measure Ralph 5.1.0
    uv run --with py-spy python benchmarks/lrs.py --py-spy DIR   # + where the servers spend time

Figures, printed as one table at the end:
1. POST /xAPI/statements throughput at batch sizes 1, 100 and 1,000, from the real video
   statements in tests/fixtures/video-statements.json.gz repeated with fresh uuid4 ids. Each
   series gets a fresh server on an empty data directory; the client runs in a process of its
   own, serialises every request body before timing, and sends the requests one after the
   other over one keep-alive connection, after one untimed 1-statement warm-up POST.
2. GET /xAPI/statements latency (p50/p95, limit=100) filtered by verb, activity and agent,
   with --stored statements loaded by `learnsight statements import`.
3. Peak memory of the server processes (VmHWM from /proc/PID/status).
4. The ceiling: StatementStore.store() called in-process in batches of 1,000, without HTTP.
5. With --with-ralph: Ralph (ralph-malph 5.1.0, fs backend) in a virtual environment of its own
   under the cache directory, measured at batch 1,000 with the same client from an empty store.

Every server listens on 127.0.0.1 only and is stopped in a finally block.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb
import orjson

from _report import in_child, machine_header, note, print_table
from learnsight.config import Settings
from learnsight.db import Database
from learnsight.xapi.store import StatementStore
from learnsight.xapi.validate import validate_statement

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "tests" / "fixtures" / "video-statements.json.gz"
LAUNCHER = HERE / "_ralph_launcher.py"
RALPH_SPEC = "ralph-malph[backends,cli,lrs]==5.1.0"
HOST = "127.0.0.1"  # loopback only, for every server and client
STATEMENTS_PATH = "/xAPI/statements"
CEILING_BATCH = 1000
TARGET_INGEST = 40_000  # statements/s at batch 1,000
TARGET_GET_P50_MS = 10.0
TARGET_MEMORY_MB = 500.0


# --- options -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    quick: bool
    n: int  # statements per ingest series at batch 100 and 1,000, and for the ceiling
    n_single: int  # statements for the batch-1 series
    stored: int  # statements loaded before the GET latency series (0: skip)
    get_requests: int  # timed GET requests per filter
    with_ralph: bool
    ralph_n: int
    cache_dir: Path
    py_spy: Path | None
    load_at_start: float


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, no 1M load (smoke run)")
    parser.add_argument("--n", type=int, help="statements at batch 100 and 1,000 [200000]")
    parser.add_argument("--n-single", type=int, help="statements at batch 1 [5000]")
    parser.add_argument("--stored", type=int, help="statements stored for GETs [1000000]")
    parser.add_argument("--get-requests", type=int, help="timed GETs per filter [200]")
    parser.add_argument("--with-ralph", action="store_true", help="also measure Ralph 5.1.0")
    parser.add_argument("--ralph-n", type=int, help="statements sent to Ralph [20000]")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "learnsight-bench",
        help="where Ralph's virtual environment is kept [~/.cache/learnsight-bench]",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="record the servers with py-spy into DIR and print where they spend their time "
        "(the figures of such a run are lowered by the sampling)",
    )
    args = parser.parse_args(argv)
    small = args.quick

    def pick(value: int | None, full: int, quick: int) -> int:
        return value if value is not None else (quick if small else full)

    return Options(
        quick=small,
        n=pick(args.n, 200_000, 10_000),
        n_single=pick(args.n_single, 5_000, 300),
        stored=pick(args.stored, 1_000_000, 20_000),
        get_requests=pick(args.get_requests, 200, 50),
        with_ralph=args.with_ralph,
        ralph_n=pick(args.ralph_n, 20_000, 5_000),
        cache_dir=args.cache_dir.expanduser(),
        py_spy=args.py_spy,
        load_at_start=os.getloadavg()[0],
    )


# --- statements --------------------------------------------------------------------------------


@cache
def fixture_pool() -> list[dict[str, Any]]:
    """The 22,000 real video statements, decoded once per process."""
    lines = gzip.decompress(FIXTURE.read_bytes()).splitlines()
    return [orjson.loads(line) for line in lines if line.strip()]


def fresh_statements(start: int, count: int) -> list[dict[str, Any]]:
    """`count` fixture statements from position `start` on (wrapping), each with a new uuid4."""
    pool = fixture_pool()
    return [dict(pool[(start + i) % len(pool)], id=str(uuid.uuid4())) for i in range(count)]


def request_bodies(batch: int, total: int) -> list[tuple[bytes, int]]:
    """Serialised POST bodies (JSON arrays), each with the number of statements it holds."""
    bodies = []
    for start in range(0, total, batch):
        count = min(batch, total - start)
        bodies.append((orjson.dumps(fresh_statements(start, count)), count))
    return bodies


def write_jsonl(path: Path, total: int) -> None:
    """A JSON Lines file of `total` fixture statements with fresh ids."""
    with path.open("wb") as stream:
        for start in range(0, total, 10_000):
            chunk = fresh_statements(start, min(10_000, total - start))
            stream.write(b"\n".join(orjson.dumps(s) for s in chunk) + b"\n")


# --- HTTP client (runs in a process of its own) -----------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where a server listens and the Authorization header value it accepts."""

    port: int
    authorization: str

    def headers(self, content_type: str | None = None) -> dict[str, str]:
        headers = {"Authorization": self.authorization, "X-Experience-API-Version": "1.0.3"}
        if content_type:
            headers["Content-Type"] = content_type
        return headers


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass(frozen=True)
class IngestJob:
    endpoint: Endpoint
    batch: int
    total: int


@dataclass(frozen=True)
class IngestResult:
    statements: int
    seconds: float
    latencies: list[float]  # seconds per request, in order

    @property
    def rate(self) -> float:
        return self.statements / self.seconds

    def rate_of_first(self, statements: int, batch: int) -> float:
        """Statements/s over the first `statements` statements (from request latencies)."""
        requests = max(1, -(-statements // batch))
        return min(statements, self.statements) / sum(self.latencies[:requests])


def post(connection: http.client.HTTPConnection, headers: dict[str, str], body: bytes) -> int:
    """POST one batch; the number of ids the server returned (anything but 200 is fatal)."""
    connection.request("POST", STATEMENTS_PATH, body, headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST {STATEMENTS_PATH}: {response.status} {data[:300]!r}")
    return len(orjson.loads(data))


def run_ingest(job: IngestJob) -> IngestResult:
    """Client process: POST the pre-built bodies one after the other on one connection."""
    bodies = request_bodies(job.batch, job.total)
    warmup = orjson.dumps(fresh_statements(job.total, 1))
    headers = job.endpoint.headers("application/json")
    connection = http.client.HTTPConnection(HOST, job.endpoint.port, timeout=900)
    latencies: list[float] = []
    try:
        post(connection, headers, warmup)  # untimed: first-request costs (auth caches...)
        began = time.perf_counter()
        for body, count in bodies:
            sent = time.perf_counter()
            if post(connection, headers, body) != count:
                raise RuntimeError(f"POST of {count} statements returned another number of ids")
            latencies.append(time.perf_counter() - sent)
        seconds = time.perf_counter() - began
    finally:
        connection.close()
    return IngestResult(job.total, seconds, latencies)


@dataclass(frozen=True)
class GetJob:
    endpoint: Endpoint
    queries: dict[str, list[str]]  # filter name -> query strings, one per timed request
    warmup: int = 5  # untimed requests per filter first


@dataclass(frozen=True)
class GetResult:
    latencies: list[float]
    returned: int  # statements in all responses


def get(connection: http.client.HTTPConnection, headers: dict[str, str], query: str) -> bytes:
    connection.request("GET", f"{STATEMENTS_PATH}?{query}", headers=headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET ?{query}: {response.status} {data[:300]!r}")
    return data


def run_gets(job: GetJob) -> dict[str, GetResult]:
    """Client process: timed GETs per filter, sequential, on one connection."""
    headers = job.endpoint.headers()
    connection = http.client.HTTPConnection(HOST, job.endpoint.port, timeout=900)
    results = {}
    try:
        for name, queries in job.queries.items():
            for query in queries[: job.warmup]:
                get(connection, headers, query)
            latencies, returned = [], 0
            for query in queries:
                sent = time.perf_counter()
                data = get(connection, headers, query)
                latencies.append(time.perf_counter() - sent)
                returned += len(orjson.loads(data)["statements"])
            results[name] = GetResult(latencies, returned)
    finally:
        connection.close()
    return results


def filter_queries(requests: int, seed: int = 20240601) -> dict[str, list[str]]:
    """GET query strings with filter values drawn from random fixture statements."""
    pool, rng = fixture_pool(), random.Random(seed)

    def draws(value: Callable[[dict[str, Any]], str], name: str) -> list[str]:
        picks = (rng.choice(pool) for _ in range(requests))
        return [urlencode({name: value(s), "limit": 100}) for s in picks]

    return {
        "verb": draws(lambda s: s["verb"]["id"], "verb"),
        "activity": draws(lambda s: s["object"]["id"], "activity"),
        "agent": draws(lambda s: orjson.dumps(s["actor"]).decode(), "agent"),
    }


# --- servers -----------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    endpoint: Endpoint
    log: Path

    def memory_mb(self, field: str = "VmHWM") -> float:
        """A /proc/PID/status memory figure (VmHWM: peak resident set size) in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no {field} in /proc/{self.process.pid}/status")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process (all its threads) has used so far."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rpartition(")")[2].split()  # fields 3.. of proc(5); utime, stime: 14, 15
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a clean shutdown), then SIGKILL if the process lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(server: Server, path: str, timeout: float = 120) -> None:
    """Poll `path` until the server answers; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{tail}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection(HOST, server.endpoint.port, timeout=5)
            try:
                connection.request("GET", path, headers=server.endpoint.headers())
                if connection.getresponse().status < 500:
                    return
            finally:
                connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"server on port {server.endpoint.port} not ready after {timeout} s")


@contextlib.contextmanager
def running(
    command: list[str], endpoint: Endpoint, log: Path, ready_path: str, **popen: Any
) -> Iterator[Server]:
    """Start a server process, wait until it answers, and always stop it afterwards."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
    try:
        server = Server(process, endpoint, log)
        wait_ready(server, ready_path)
        yield server
    finally:
        stop(process)


def learnsight_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "learnsight"), *args]


def run_quietly(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> bytes:
    """Run a command to completion; its stdout, or an error carrying its output."""
    done = subprocess.run(command, capture_output=True, check=False, env=env, cwd=cwd)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(command[:4])}... exited with {done.returncode}:\n{output}")
    return done.stdout


def learnsight_credentials(data: Path) -> str:
    """A new credential in the data directory, as an Authorization header value."""
    command = learnsight_command("credentials", "create", "--name", "bench", "--json")
    created = orjson.loads(run_quietly([*command, "--data", str(data)]))
    return basic_auth(created["key"], created["secret"])


@contextlib.contextmanager
def learnsight_server(data: Path) -> Iterator[Server]:
    """`learnsight serve` on `data` (created if missing) and a fresh loopback port."""
    endpoint = Endpoint(free_port(), learnsight_credentials(data))
    command = learnsight_command("serve", "--data", str(data), "--port", str(endpoint.port))
    with running(command, endpoint, data.with_suffix(".log"), "/xAPI/about") as server:
        yield server


def learnsight_stored(data: Path) -> int:
    """Statements in a data directory whose server has stopped."""
    connection = duckdb.connect(str(Settings(data=data).database_path), read_only=True)
    try:
        row = connection.execute("SELECT count(*) FROM statements").fetchone()
    finally:
        connection.close()
    return int(row[0]) if row else 0


# --- profiling (optional) ----------------------------------------------------------------------


@contextlib.contextmanager
def profiled(pid: int, directory: Path | None, name: str) -> Iterator[None]:
    """Record process `pid` with py-spy into DIRECTORY/NAME.txt while the block runs."""
    if directory is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    output = directory / f"{name}.txt"
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw"]
    recorder = subprocess.Popen(
        [*command, "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1.5)  # let it attach before the load starts
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            recorder.wait(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.kill()


# Leaf frames of threads that wait rather than work (py-spy's idle detection misses some).
IDLE_FRAMES = ("EpollSelector.select ", "Condition.wait ", "Event.wait ", "_worker (concurrent")


def function_of(frame: str) -> str:
    """`f (file.py:12)` -> `f (file.py)`: samples of one function on all its lines."""
    return frame.rpartition(":")[0] + ")" if frame.endswith(")") else frame


def read_profile(path: Path) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    """Busy samples per leaf line, per leaf function, per learnsight function on the stack."""
    lines: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    busy = 0
    for text in path.read_text().splitlines():
        stack, _, count_text = text.rpartition(" ")
        frames = stack.split(";")
        if not stack or not count_text.isdigit() or frames[-1].startswith(IDLE_FRAMES):
            continue
        count = int(count_text)
        busy += count
        lines[frames[-1]] += count
        functions[function_of(frames[-1])] += count
        for name in {function_of(f) for f in frames if "learnsight/" in f}:
            inclusive[name] += count
    return lines, functions, inclusive, busy


def profile_summary(path: Path, top: int = 12) -> list[str]:
    """Where the server's busy samples went: hottest lines, functions, learnsight callers."""
    lines, functions, inclusive, busy = read_profile(path)
    out = ["", f"py-spy profile {path.stem} ({busy} busy samples at 200/s, raw: {path})"]
    for title, counter in (
        ("% self, by line", lines),
        ("% self, by function", functions),
        ("% inclusive, learnsight functions", inclusive),
    ):
        out.append(title)
        out += [f"{100 * n / busy:6.1f}  {frame}" for frame, n in counter.most_common(top)]
    return out


# --- report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    figure: str
    target: str = ""
    detail: str = ""


def table_cells(rows: list[Row]) -> list[tuple[str, ...]]:
    titles = Row("measurement", "result", "target", "detail")
    return [(r.name, r.figure, r.target, r.detail) for r in [titles, *rows]]


def per_second(rate: float) -> str:
    return f"{rate:,.0f} st/s"


def verdict(met: bool, target: str) -> str:
    return f"{target} ({'met' if met else 'MISSED'})"


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method), in milliseconds."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def emit(rows: list[Row], row: Row) -> None:
    rows.append(row)
    note(f"{row.name}: {row.figure}  {row.target}  {row.detail}")


def environment_header(options: Options) -> list[str]:
    setup = "server and client each one process, loopback HTTP/1.1"
    return machine_header("LRS benchmark", options.quick, setup, options.load_at_start)


# --- measurements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One ingest series: what the client saw, and what the server stored and used."""

    result: IngestResult
    stored: int
    peak_mb: float
    cpu_seconds: float  # server CPU time while the client ran

    def detail(self) -> str:
        r = self.result
        return (
            f"{r.statements:,} statements in {r.seconds:.1f} s, {self.stored:,} stored "
            f"(incl. 1 warm-up); p50 {percentile(r.latencies, 50):.1f} ms/request; server "
            f"CPU {self.cpu_seconds:.1f} s ({self.cpu_seconds / r.seconds:.0%} of the time, "
            f"{r.statements / self.cpu_seconds:,.0f} st per CPU-s), peak {self.peak_mb:.0f} MB"
        )


def ingest_series(options: Options, workdir: Path, batch: int, total: int) -> Series:
    """One series on a fresh Learnsight server with an empty data directory."""
    data = workdir / f"ingest-{batch}"
    note(f"Learnsight: POST {total:,} statements in batches of {batch:,}")
    spy = options.py_spy
    with learnsight_server(data) as server, profiled(server.process.pid, spy, f"ingest-{batch}"):
        cpu = server.cpu_seconds()
        result = in_child(run_ingest, IngestJob(server.endpoint, batch, total))
        cpu, peak = server.cpu_seconds() - cpu, server.memory_mb()
    stored = learnsight_stored(data)
    shutil.rmtree(data)
    return Series(result, stored, peak, cpu)


def ingest_rows(options: Options, workdir: Path, rows: list[Row]) -> IngestResult:
    """Rows for batches 1, 100 and 1,000; returns the batch-1,000 result."""
    result = None
    for batch, total in ((1, options.n_single), (100, options.n), (1000, options.n)):
        series = ingest_series(options, workdir, batch, total)
        result = series.result
        target = (
            verdict(result.rate >= TARGET_INGEST, f"≥ {TARGET_INGEST:,}") if batch == 1000 else ""
        )
        figure = per_second(result.rate)
        emit(rows, Row(f"ingest HTTP, batch {batch:,}", figure, target, series.detail()))
    assert result is not None
    return result


@dataclass(frozen=True)
class CeilingJob:
    path: Path
    total: int
    validate: bool


def run_ceiling(job: CeilingJob) -> float:
    """Child process: seconds spent in (validation and) StatementStore.store(), batch 1,000."""
    db = Database(job.path)
    store = StatementStore(db)
    authority = {
        "objectType": "Agent",
        "name": "bench",
        "account": {"homePage": f"http://{HOST}:8000", "name": "bench"},
    }
    elapsed = 0.0
    try:
        for start in range(0, job.total, CEILING_BATCH):
            fresh = fresh_statements(start, min(CEILING_BATCH, job.total - start))
            batch = orjson.loads(orjson.dumps(fresh))  # freshly decoded, as a server has them
            began = time.perf_counter()
            if job.validate:
                for index, statement in enumerate(batch):
                    validate_statement(statement, f"$[{index}]")
            store.store(batch, authority)
            elapsed += time.perf_counter() - began
    finally:
        db.close()
    return elapsed


def ceiling_rows(options: Options, workdir: Path, rows: list[Row]) -> None:
    for validate in (False, True):
        path = workdir / f"ceiling-{validate}" / "learnsight.duckdb"
        note(f"ceiling: store() in-process, {options.n:,} statements, validate={validate}")
        seconds = in_child(run_ceiling, CeilingJob(path, options.n, validate))
        stored = learnsight_stored(path.parent)
        shutil.rmtree(path.parent)
        name = "ceiling: validate + store()" if validate else "ceiling: store() in-process"
        detail = (
            f"batch 1,000, no HTTP: {options.n:,} statements, {stored:,} stored, "
            f"{seconds:.1f} s timed ({'validate_statement + ' if validate else ''}"
            "StatementStore.store)"
        )
        emit(rows, Row(name, per_second(options.n / seconds), "", detail))


def load_stored(data: Path, total: int) -> float:
    """Seconds `learnsight statements import` takes for `total` fresh statements."""
    source = data.parent / "stored.jsonl"
    note(f"writing {total:,} statements with fresh ids to {source}")
    write_jsonl(source, total)
    note(f"learnsight statements import: {total:,} statements (no server running)")
    began = time.perf_counter()
    run_quietly(learnsight_command("statements", "import", str(source), "--data", str(data)))
    seconds = time.perf_counter() - began
    source.unlink()
    return seconds


def get_rows(options: Options, workdir: Path, rows: list[Row]) -> None:
    data = workdir / "stored"
    seconds = load_stored(data, options.stored)
    count = learnsight_stored(data)
    emit(rows, Row(f"load {count:,} (CLI import)", per_second(options.stored / seconds), "",
                   f"`learnsight statements import` of a JSONL file: {seconds:.1f} s"))  # fmt: skip
    note(f"GET latency: {options.get_requests} requests per filter, limit=100")
    queries = filter_queries(options.get_requests)
    with learnsight_server(data) as server:
        job = GetJob(server.endpoint, queries)
        with profiled(server.process.pid, options.py_spy, "get"):
            results = in_child(run_gets, job)
        peak, resident = server.memory_mb(), server.memory_mb("VmRSS")
    for name, result in results.items():
        p50, p95 = percentile(result.latencies, 50), percentile(result.latencies, 95)
        detail = (
            f"{len(result.latencies)} requests (+{job.warmup} warm-up), {count:,} stored, "
            f"mean {result.returned / len(result.latencies):.0f} statements returned, "
            f"max {max(result.latencies) * 1000:.1f} ms"
        )
        figure = f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        target = verdict(p50 <= TARGET_GET_P50_MS, f"p50 ≤ {TARGET_GET_P50_MS:g} ms")
        emit(rows, Row(f"GET by {name}, limit=100", figure, target, detail))
    target = verdict(peak <= TARGET_MEMORY_MB, f"≤ {TARGET_MEMORY_MB:g} MB")
    detail = f"VmHWM of the server with {count:,} stored, after the GETs (VmRSS {resident:.0f} MB)"
    emit(rows, Row("server peak memory", f"{peak:.0f} MB", target, detail))


# --- Ralph -------------------------------------------------------------------------------------


def ralph_venv(cache_dir: Path) -> Path:
    """Ralph's own virtual environment, created and installed from PyPI unless already there."""
    venv = cache_dir / "ralph-venv"
    marker = venv / "learnsight-bench-installed"
    if marker.is_file() and marker.read_text() == RALPH_SPEC:
        return venv
    note(f"creating {venv} and installing {RALPH_SPEC} from PyPI")
    shutil.rmtree(venv, ignore_errors=True)
    run_quietly([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    run_quietly([*pip, "install", "--quiet", RALPH_SPEC])
    marker.write_text(RALPH_SPEC)
    return venv


def ralph_environment(workdir: Path, data: Path) -> dict[str, str]:
    """The process environment: no inherited RALPH_* settings, then the fs backend's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RALPH_", "PYTHON"))}
    env.update(
        RALPH_AUTH_FILE=str(workdir / "auth.json"),  # Basic-auth users (bcrypt hashes)
        RALPH_RUNSERVER_BACKEND="fs",
        RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(data),
        RALPH_BACKENDS__LRS__FS__DEFAULT_LRS_FILE="fs_lrs.jsonl",
        RALPH_HISTORY_FILE=str(data / "history.json"),  # the fs backend's write log
        RALPH_APP_DIR=str(workdir / "app-dir"),  # instead of ~/.config/ralph
    )
    return env


def ralph_user(venv: Path, workdir: Path, env: dict[str, str]) -> str:
    """Write Ralph's auth file with one user (scope all); its Authorization header value."""
    password = secrets.token_urlsafe(16)
    command = [str(venv / "bin" / "ralph"), "auth", "-u", "bench", "-p", password, "-s", "all"]
    agent = ["-M", "mailto:bench@example.org", "-N", "bench", "-w"]
    run_quietly([*command, *agent], env=env, cwd=workdir)
    return basic_auth("bench", password)


@contextlib.contextmanager
def ralph_server(venv: Path, workdir: Path) -> Iterator[Server]:
    """Ralph's uvicorn (one worker, no access log) with the fs backend in append mode."""
    data = workdir / "data"
    data.mkdir(parents=True)
    env = ralph_environment(workdir, data)
    endpoint = Endpoint(free_port(), ralph_user(venv, workdir, env))
    command = [
        str(venv / "bin" / "uvicorn"), f"{LAUNCHER.stem}:app", "--app-dir", str(LAUNCHER.parent),
        "--host", HOST, "--port", str(endpoint.port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    log = workdir / "server.log"
    with running(command, endpoint, log, "/__lbheartbeat__", env=env, cwd=workdir) as server:
        yield server


def ralph_rows(options: Options, workdir: Path, ours: IngestResult, rows: list[Row]) -> None:
    venv = ralph_venv(options.cache_dir)
    home = workdir / "ralph"
    home.mkdir()
    note(f"Ralph: POST {options.ralph_n:,} statements in batches of 1,000")
    with ralph_server(venv, home) as server:
        result = in_child(run_ingest, IngestJob(server.endpoint, 1000, options.ralph_n))
        peak = server.memory_mb()
    with (home / "data" / "fs_lrs.jsonl").open("rb") as stream:
        stored = sum(1 for _ in stream)
    lat = [x * 1000 for x in result.latencies]
    detail = (
        f"ralph-malph 5.1.0, fs backend (append): {options.ralph_n:,} statements from an empty "
        f"store in {result.seconds:.1f} s, {stored:,} stored (incl. 1 warm-up); ms/request "
        f"first {lat[0]:.0f}, median {statistics.median(lat):.0f}, last {lat[-1]:.0f}; "
        f"server peak {peak:.0f} MB"
    )
    emit(rows, Row("Ralph HTTP, batch 1,000", per_second(result.rate), "", detail))
    same = ours.rate_of_first(options.ralph_n, 1000)
    detail = (
        f"Learnsight batch 1,000 over {options.n:,} statements vs Ralph over {options.ralph_n:,}; "
        f"Learnsight over its first {options.ralph_n:,} only: {same:,.0f} st/s = "
        f"{same / result.rate:.1f}x"
    )
    emit(rows, Row("Learnsight / Ralph ingest", f"{ours.rate / result.rate:.1f}x", "", detail))


# --- main --------------------------------------------------------------------------------------


def run(options: Options, workdir: Path, rows: list[Row]) -> None:
    batch_1000 = ingest_rows(options, workdir, rows)
    ceiling_rows(options, workdir, rows)
    if options.with_ralph:
        ralph_rows(options, workdir, batch_1000, rows)
    if options.stored > 0:
        get_rows(options, workdir, rows)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    rows: list[Row] = []
    began, started = time.perf_counter(), time.time()
    with tempfile.TemporaryDirectory(prefix="learnsight-bench-") as tmp:
        try:
            run(options, Path(tmp), rows)
        finally:
            if rows:
                print_table(environment_header(options), table_cells(rows))
    note(f"done in {time.perf_counter() - began:.0f} s")
    if options.py_spy is not None:
        for path in sorted(options.py_spy.glob("*.txt")):
            if path.stat().st_mtime >= started:  # written by this run
                print("\n".join(profile_summary(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
