"""Shared helpers of the integration tests: a real server process, the real CLI, statements.

Nothing here is a mock: servers are `learnsight serve` subprocesses on free ports, the CLI is
the installed `learnsight` console script, and every request is real HTTP through httpx.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx

LEARNSIGHT = Path(sys.executable).parent / "learnsight"
XAPI_VERSION = "1.0.3"
VERSION_HEADER = {"X-Experience-API-Version": XAPI_VERSION}
# A safety net against hangs, never an assertion on speed.
STARTUP_DEADLINE_SECONDS = 60.0
CLI_TIMEOUT_SECONDS = 120.0

VERB_EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

JSON = dict[str, Any]


# --- Processes -----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now (the server retries if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for Learnsight processes: no inherited LEARNSIGHT_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNSIGHT_")}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def run_cli(
    *args: str | Path,
    data: Path | None = None,
    expect: int | None = 0,
    env: Mapping[str, str] | None = None,
    timeout: float = CLI_TIMEOUT_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """Run `learnsight ARGS [--data DATA]`; never a traceback, and the exit code `expect`."""
    command = [str(LEARNSIGHT), *(str(a) for a in args)]
    if data is not None:
        command += ["--data", str(data)]
    done = subprocess.run(
        command, capture_output=True, text=True, env=clean_env(env), timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, f"{command} printed a traceback:\n{output}"
    if expect is not None:
        assert done.returncode == expect, (
            f"{command} exited {done.returncode}, expected {expect}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


@dataclass(frozen=True)
class Credential:
    key: str
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.key, self.secret)


def create_credential(data: Path, name: str, scopes: Sequence[str] = ()) -> Credential:
    """A credential made with `learnsight credentials create --json` (live server or not)."""
    args: list[str] = ["credentials", "create", "--name", name, "--json"]
    if scopes:
        args += ["--scopes", *scopes]
    created = json.loads(run_cli(*args, data=data).stdout)
    return Credential(created["key"], created["secret"])


def create_credentials(data: Path, wanted: Mapping[str, Sequence[str]]) -> dict[str, Credential]:
    """Several credentials, one concurrent CLI process each (only while a server runs: without
    one, each process would open the data directory itself, and DuckDB allows one at a time)."""
    assert read_server_file(data) is not None, "create_credentials needs a running server"
    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        futures = {
            name: pool.submit(create_credential, data, name, scopes)
            for name, scopes in wanted.items()
        }
    return {name: future.result() for name, future in futures.items()}


def read_server_file(data: Path) -> JSON | None:
    try:
        info = json.loads((data / "server.json").read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


class LearnsightServer:
    """`learnsight serve` on a data directory, as a subprocess on a free port."""

    def __init__(self, data: Path, env: Mapping[str, str] | None = None) -> None:
        self.data = data
        self.env = dict(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log_path = data.parent / f"{data.name}-server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server is not running"
        return self.process.pid

    @property
    def admin_token(self) -> str:
        return (self.data / "admin-token").read_text().strip()

    def start(self) -> None:
        """Start, then wait until server.json names this process and /api/v1/health answers."""
        assert self.process is None or self.process.poll() is not None, "already running"
        for _attempt in range(5):
            self.port = free_port()
            log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [str(LEARNSIGHT), "serve", "--data", str(self.data), "--port", str(self.port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=clean_env(self.env),
                )
            if self._wait_ready():
                return
            with self.log_path.open("rb") as log:
                log.seek(log_start)
                log_text = log.read().decode(errors="replace")
            if "address already in use" not in log_text.lower():
                raise AssertionError(f"the server did not start:\n{log_text}")
        raise AssertionError("the server found no free port in 5 attempts")

    def _wait_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            info = read_server_file(self.data)
            if info is not None and info.get("pid") == self.process.pid:
                try:
                    health = httpx.get(f"{self.url}/api/v1/health", timeout=5)
                except httpx.HTTPError:
                    health = None
                if health is not None and health.status_code == 200:
                    assert health.json()["pid"] == self.process.pid
                    assert info.get("url") == self.url
                    return True
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the server was not ready within {STARTUP_DEADLINE_SECONDS}s")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), as an operator would."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def client(
        self, credential: Credential | None = None, headers: Mapping[str, str] | None = None
    ) -> httpx.Client:
        """An httpx client on the server root, sending the xAPI version header by default."""
        return httpx.Client(
            base_url=self.url,
            auth=credential.auth if credential else None,
            headers=dict(VERSION_HEADER if headers is None else headers),
            timeout=60,
        )


# --- Statements ------------------------------------------------------------------------------


@dataclass
class Setup:
    """A data directory, and the server running on it in the "live" variant."""

    data: Path
    server: LearnsightServer | None


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{text}"
    return lines[0]


def uid() -> str:
    return str(uuid.uuid4())


def iri(kind: str = "activities") -> str:
    return f"http://example.com/{kind}/{uuid.uuid4().hex}"


def make_agent(name: str = "Learner") -> JSON:
    return {"objectType": "Agent", "name": name, "mbox": f"mailto:{uuid.uuid4().hex}@example.com"}


def make_group(*members: JSON, identified: bool = False) -> JSON:
    group: JSON = {"objectType": "Group", "name": "Team", "member": list(members)}
    if identified:
        group["mbox"] = f"mailto:team-{uuid.uuid4().hex}@example.com"
    return group


def make_verb(verb_id: str = VERB_EXPERIENCED, display: JSON | None = None) -> JSON:
    return {"id": verb_id, "display": display or {"en-US": verb_id.rsplit("/", 1)[-1]}}


def make_activity(activity_id: str | None = None, name: JSON | None = None) -> JSON:
    activity: JSON = {"objectType": "Activity", "id": activity_id or iri()}
    if name is not None:
        activity["definition"] = {"name": name}
    return activity


def make_statement(
    *,
    actor: JSON | None = None,
    verb: str | JSON = VERB_EXPERIENCED,
    obj: JSON | None = None,
    registration: str | None = None,
    statement_id: str | None = None,
    **extra: Any,
) -> JSON:
    """A valid statement; every part not given is fresh, so tests never see each other's."""
    statement: JSON = {
        "actor": actor or make_agent(),
        "verb": make_verb(verb) if isinstance(verb, str) else verb,
        "object": obj or make_activity(),
    }
    if statement_id is not None:
        statement["id"] = statement_id
    if registration is not None:
        statement.setdefault("context", {})["registration"] = registration
    for key, value in extra.items():
        if key == "context" and "context" in statement:
            statement["context"].update(value)
        else:
            statement[key] = value
    return statement


def statement_ref(statement_id: str) -> JSON:
    return {"objectType": "StatementRef", "id": statement_id}


def voiding(target_id: str, actor: JSON | None = None, **extra: Any) -> JSON:
    return make_statement(actor=actor, verb=VERB_VOIDED, obj=statement_ref(target_id), **extra)


# --- Requests ---------------------------------------------------------------------------------


def post_statements(client: httpx.Client, statements: JSON | list[JSON]) -> list[str]:
    response = client.post("/xAPI/statements", json=statements)
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()
    return ids


def get_statement(client: httpx.Client, statement_id: str, voided: bool = False) -> httpx.Response:
    name = "voidedStatementId" if voided else "statementId"
    return client.get("/xAPI/statements", params={name: statement_id})


def fetch_all(client: httpx.Client, params: Mapping[str, str]) -> list[JSON]:
    """Every statement a query returns, following `more` links to the end."""
    response = client.get("/xAPI/statements", params=dict(params))
    assert response.status_code == 200, response.text
    result = response.json()
    statements: list[JSON] = list(result["statements"])
    seen_links: set[str] = set()
    while result["more"]:
        assert result["more"] not in seen_links, "a `more` link repeated itself"
        seen_links.add(result["more"])
        response = client.get(result["more"])
        assert response.status_code == 200, response.text
        result = response.json()
        statements += result["statements"]
    return statements


def query_ids(client: httpx.Client, **params: str) -> list[str]:
    return [s["id"] for s in fetch_all(client, params)]


def agent_param(agent: JSON) -> str:
    return json.dumps(agent)


def error_message(response: httpx.Response) -> str:
    """The `error` of a JSON error body; fails the test when the body is not one."""
    assert response.headers.get("content-type", "").startswith("application/json"), (
        response.headers,
        response.text,
    )
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str), body
    message: str = body["error"]
    return message


def without_lrs_properties(statement: JSON) -> JSON:
    """A stored statement minus what the LRS sets (stored, authority, version)."""
    return {k: v for k, v in statement.items() if k not in ("stored", "authority", "version")}


# --- Multipart -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawAttachment:
    content_type: str
    content: bytes
    sha2: str | None = None  # default: the SHA-256 of the content

    @property
    def hash(self) -> str:
        return self.sha2 or hashlib.sha256(self.content).hexdigest()

    def metadata(self, usage_type: str = "http://example.com/attachment-usage/test") -> JSON:
        return {
            "usageType": usage_type,
            "display": {"en-US": "an attachment"},
            "contentType": self.content_type,
            "length": len(self.content),
            "sha2": hashlib.sha256(self.content).hexdigest(),
        }


def multipart_body(statements: Any, attachments: Sequence[RawAttachment]) -> tuple[bytes, str]:
    """A multipart/mixed statement request: the statements, then each attachment's raw data."""
    boundary = uuid.uuid4().hex
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(statements).encode(),
        b"\r\n",
    ]
    for attachment in attachments:
        chunks += [
            f"--{boundary}\r\nContent-Type: {attachment.content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {attachment.hash}\r\n\r\n".encode(),
            attachment.content,
            b"\r\n",
        ]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def post_multipart(
    client: httpx.Client, statements: Any, attachments: Sequence[RawAttachment]
) -> httpx.Response:
    body, content_type = multipart_body(statements, attachments)
    return client.post("/xAPI/statements", content=body, headers={"Content-Type": content_type})


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]  # lower-cased names
    body: bytes


def parse_multipart(response: httpx.Response) -> list[Part]:
    """The parts of a multipart/mixed response (RFC 2046), headers lower-cased."""
    media, _, params = response.headers["content-type"].partition(";")
    assert media.strip().lower() == "multipart/mixed", response.headers["content-type"]
    boundary = ""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary":
            boundary = value.strip('"')
    assert boundary, response.headers["content-type"]
    segments = response.content.split(b"--" + boundary.encode())
    assert len(segments) >= 3, "fewer than one part between the delimiters"
    assert segments[0].strip() == b"", "data before the first delimiter"
    assert segments[-1].startswith(b"--"), "no closing delimiter"
    parts = []
    for segment in segments[1:-1]:
        assert segment.startswith(b"\r\n") and segment.endswith(b"\r\n"), segment[:200]
        chunk = segment[2:-2]
        head, separator, body = chunk.partition(b"\r\n\r\n")
        assert separator, f"a part without a blank line after its headers: {chunk[:200]!r}"
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers, body))
    return parts


# --- Files and databases ---------------------------------------------------------------------


def database_file(directory: Path) -> Path:
    """The one DuckDB file of a data directory (or of a backup directory)."""
    found = sorted(directory.glob("*.duckdb"))
    assert len(found) == 1, f"expected one .duckdb file in {directory}, found {found}"
    return found[0]


def open_database(directory: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(database_file(directory)), read_only=True)


def statement_count(directory: Path) -> int:
    with open_database(directory) as con:
        row = con.execute("SELECT count(*) FROM statements").fetchone()
    assert row is not None
    return int(row[0])


def stored_ids(directory: Path) -> set[str]:
    with open_database(directory) as con:
        rows = con.execute("SELECT id::VARCHAR FROM statements").fetchall()
    return {str(row[0]) for row in rows}


def write_jsonl(path: Path, statements: Sequence[Any]) -> Path:
    path.write_text("".join(json.dumps(s) + "\n" for s in statements))
    return path
