"""Fixtures: one real Learnsight server per test session (per xdist worker) and its clients.

Tests that need a server of their own (kill -9, stopping it, CLI with and without a server)
start a `LearnsightServer` themselves on a tmp_path data directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from helpers import Credential, LearnsightServer, Setup, create_credential
from learnsight.config import Settings
from learnsight.services import Services

# Modules whose tests spend seconds of CPU in `learnsight` subprocesses (CLI runs, servers).
HEAVY_MODULES = {
    "test_cli.py", "test_auth.py", "test_durability.py", "test_import.py", "test_identity.py",
    "test_erase.py", "test_demo.py", "test_organisation.py",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Spread the subprocess-heavy tests evenly through the run.

    pytest-xdist first hands each worker a chunk of consecutive tests: in file order, all CLI
    tests would land on one worker while the other ran the quick HTTP tests. Every fixture
    that outlives a test is session-scoped, so the new order costs no extra setup.
    """
    heavy = [item for item in items if item.path.name in HEAVY_MODULES]
    light = [item for item in items if item.path.name not in HEAVY_MODULES]
    if not heavy or not light:
        return
    merged: list[pytest.Item] = []
    taken = 0
    for index, item in enumerate(heavy):
        upto = index * len(light) // len(heavy)
        merged += light[taken:upto]
        merged.append(item)
        taken = upto
    merged += light[taken:]
    items[:] = merged


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """The services of a fresh data directory, opened in this process."""
    opened = Services.open(Settings(data=tmp_path / "data"))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(params=["offline", "live"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Setup]:
    """A data directory, with a server running on it in the "live" variant."""
    data = tmp_path / "data"
    if request.param == "offline":
        yield Setup(data, None)
        return
    server = LearnsightServer(data)
    server.start()
    try:
        yield Setup(data, server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LearnsightServer]:
    """The shared server; tests keep out of each other's way with fresh ids and IRIs."""
    instance = LearnsightServer(tmp_path_factory.mktemp("shared") / "data")
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def credential(server: LearnsightServer) -> Credential:
    """A credential with the default scopes (`all`), created with the CLI."""
    return create_credential(server.data, "integration tests")


@pytest.fixture(scope="session")
def make_credential(server: LearnsightServer) -> Callable[..., Credential]:
    """Create more credentials on the shared server: make_credential("name", "scope", ...)."""

    def make(name: str, *scopes: str) -> Credential:
        return create_credential(server.data, name, scopes)

    return make


@pytest.fixture
def lrs(server: LearnsightServer, credential: Credential) -> Iterator[httpx.Client]:
    """A client of the shared server with full xAPI rights and the version header set."""
    with server.client(credential) as client:
        yield client


@pytest.fixture
def anonymous(server: LearnsightServer) -> Iterator[httpx.Client]:
    """A client of the shared server without credentials (version header set)."""
    with server.client() as client:
        yield client


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, not yet created, data directory."""
    return tmp_path / "data"
