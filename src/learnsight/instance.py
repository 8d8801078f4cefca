"""The running server of a data directory: server.json and the admin token file.

One process owns the data directory (DuckDB opens the file in one process only). A server
announces itself in server.json (pid, URL) and writes an admin token readable only by its
owner; CLI commands use them to send their work to the live server instead of opening the file.
"""

from __future__ import annotations

import http.client
import os
import secrets
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import orjson

SERVER_FILE = "server.json"
TOKEN_FILE = "admin-token"


@dataclass(frozen=True, slots=True)
class LiveServer:
    url: str
    pid: int
    token: str


def new_admin_token() -> str:
    return secrets.token_urlsafe(32)


def write_server_files(data: Path, url: str, token: str) -> None:
    """Announce this process as the data directory's server, with its admin token."""
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    token_path = data / TOKEN_FILE
    token_path.unlink(missing_ok=True)
    fd = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as stream:
        stream.write(token)
    server_file = data / SERVER_FILE
    temporary = server_file.with_suffix(".tmp")
    temporary.write_bytes(orjson.dumps({"pid": os.getpid(), "url": url}))
    temporary.replace(server_file)


def remove_server_files(data: Path) -> None:
    """Withdraw the announcement, if it is still this process's."""
    info = read_server_file(data)
    if info is not None and info.get("pid") == os.getpid():
        (data / SERVER_FILE).unlink(missing_ok=True)
        (data / TOKEN_FILE).unlink(missing_ok=True)


def read_server_file(data: Path) -> dict[str, object] | None:
    try:
        info = orjson.loads((data / SERVER_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return info if isinstance(info, dict) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_live_server(data: Path) -> LiveServer | None:
    """The server owning `data`, if its pid is alive and its URL answers; else None."""
    info = read_server_file(data)
    if info is None:
        return None
    pid, url = info.get("pid"), info.get("url")
    if not isinstance(pid, int) or not isinstance(url, str) or not pid_alive(pid):
        return None
    try:
        token = (data / TOKEN_FILE).read_text().strip()
        # urllib, not httpx: every command calls this, and httpx takes a while to import.
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=5) as answer:
            health = orjson.loads(answer.read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    if not isinstance(health, dict) or health.get("pid") != pid:
        return None
    return LiveServer(url, pid, token)
