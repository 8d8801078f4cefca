"""The `learnsight` command line, run as a real process, with and without a running server."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from helpers import (
    JSON,
    Credential,
    LearnsightServer,
    Setup,
    create_credential,
    database_file,
    fetch_all,
    free_port,
    get_statement,
    make_statement,
    one_line,
    open_database,
    post_statements,
    run_cli,
    statement_count,
    stored_ids,
    write_jsonl,
)
from learnsight.schema import SCHEMA_VERSION

FIXTURE = Path(__file__).parent / "fixtures" / "video-statements.json.gz"
FIXTURE_STATEMENTS = 22_000
LRS_SET = ("stored", "authority", "version")  # what the LRS adds to a statement with id/timestamp


SUMMARY = re.compile(r"([\d,]+) read, ([\d,]+) stored, ([\d,]+) already stored, ([\d,]+) rejected")


def summary_counts(output: str) -> tuple[int, int, int, int]:
    """(read, stored, already stored, rejected) from the import summary, however wrapped."""
    match = SUMMARY.search(" ".join(output.split()))
    assert match, f"no import summary in:\n{output}"
    read, stored, already, rejected = (int(n.replace(",", "")) for n in match.groups())
    return read, stored, already, rejected


def list_credentials(data: Path) -> list[JSON]:
    rows: list[JSON] = json.loads(run_cli("credentials", "list", "--json", data=data).stdout)
    return rows


# --- credentials -------------------------------------------------------------------------------


def test_credentials_create_list_revoke(setup: Setup) -> None:
    alpha = create_credential(setup.data, "alpha")
    # Without --json the key and secret are printed for people; `--scopes a b` form.
    plain = run_cli(
        "credentials", "create", "--name", "spaced",
        "--scopes", "statements/read", "statements/write", data=setup.data,
    ).stdout  # fmt: skip
    printed = dict(re.findall(r"^(key|secret):\s+(\S+)\s*$", plain, re.MULTILINE))
    spaced = Credential(printed["key"], printed["secret"])
    repeated = run_cli(
        "credentials", "create", "--name", "repeated", "--json",
        "--scopes", "state", "--scopes", "profile", data=setup.data,
    )  # fmt: skip
    repeated_key = json.loads(repeated.stdout)["key"]

    listed_json = run_cli("credentials", "list", "--json", data=setup.data).stdout
    rows = {row["key"]: row for row in json.loads(listed_json)}
    assert rows.keys() == {alpha.key, spaced.key, repeated_key}
    for row in rows.values():
        assert set(row) == {"key", "name", "scopes", "created", "revoked"}
        assert row["revoked"] is None
    assert rows[alpha.key]["name"] == "alpha"
    assert rows[alpha.key]["scopes"] == ["all"]
    assert rows[spaced.key]["scopes"] == ["statements/read", "statements/write"]
    assert rows[repeated_key]["scopes"] == ["state", "profile"]

    listed_table = run_cli("credentials", "list", data=setup.data).stdout
    secrets = [alpha.secret, spaced.secret, json.loads(repeated.stdout)["secret"]]
    for listing in (listed_json, listed_table):
        assert "secret" not in listing.lower()
        for secret in secrets:
            assert secret not in listing

    if setup.server is not None:
        with setup.server.client(spaced) as client:
            assert client.get("/xAPI/statements").status_code == 200

    revoked = run_cli("credentials", "revoke", alpha.key, data=setup.data)
    assert alpha.key in revoked.stdout
    after_revoke = list_credentials(setup.data)
    rows = {row["key"]: row for row in after_revoke}
    assert rows[alpha.key]["revoked"] is not None
    assert rows[spaced.key]["revoked"] is None

    again = run_cli("credentials", "revoke", alpha.key, data=setup.data, expect=1)
    assert alpha.key in one_line(again.stderr)

    if setup.server is None:
        # The same data directory behind a server: the same list, and the credentials work.
        server = LearnsightServer(setup.data)
        server.start()
        try:
            assert list_credentials(setup.data) == after_revoke
            with server.client(spaced) as client:
                assert client.get("/xAPI/statements").status_code == 200
            with server.client(Credential(repeated_key, secrets[2])) as client:
                assert client.get("/xAPI/statements").status_code == 403
            with server.client(alpha) as client:
                assert client.get("/xAPI/statements").status_code == 401
        finally:
            server.stop()


def test_unknown_scope_is_one_line_and_exit_1(setup: Setup) -> None:
    for scopes in (["nonsense"], ["statements/read", "nonsense"], ["ALL"]):
        done = run_cli(
            "credentials", "create", "--name", "bad", "--scopes", *scopes,
            data=setup.data, expect=1,
        )  # fmt: skip
        assert scopes[-1] in one_line(done.stderr)
        assert done.stdout.strip() == ""
    assert list_credentials(setup.data) == []


# --- statements import --------------------------------------------------------------------------


def fixture_lines() -> list[str]:
    with gzip.open(FIXTURE, "rt") as stream:
        return [line for line in stream if line.strip()]


def test_import_real_fixture_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = run_cli("statements", "import", FIXTURE, data=data)
    assert summary_counts(first.stdout) == (FIXTURE_STATEMENTS, FIXTURE_STATEMENTS, 0, 0)
    assert statement_count(data) == FIXTURE_STATEMENTS
    with open_database(data) as db:  # the import resolved identities and filled the catalog
        actors = db.execute("SELECT count(DISTINCT actor_key) FROM statements").fetchone()
        identities = db.execute("SELECT count(*) FROM identities WHERE source = 'xapi'").fetchone()
        videos = db.execute("SELECT count(*) FROM catalog WHERE content_type = 'video'").fetchone()
    assert actors == identities
    assert videos is not None and videos[0] > 0

    server = LearnsightServer(data)
    server.start()
    try:
        again = run_cli("statements", "import", FIXTURE, data=data)
        assert summary_counts(again.stdout) == (FIXTURE_STATEMENTS, 0, FIXTURE_STATEMENTS, 0)

        reader = create_credential(data, "reader", ["statements/read"])
        lines = fixture_lines()
        assert len(lines) == FIXTURE_STATEMENTS
        with server.client(reader) as client:
            for index in (0, 1, 999, 1000, 7777, 15_000, FIXTURE_STATEMENTS - 1):
                original = json.loads(lines[index])
                response = get_statement(client, original["id"])
                assert response.status_code == 200, (index, response.text)
                stored = response.json()
                assert {k: v for k, v in stored.items() if k not in LRS_SET} == original
                assert stored["version"] == "1.0.0"
                assert stored["authority"]["objectType"] == "Agent"
                assert stored["stored"]
    finally:
        server.stop()


def statements_without_ids(count: int, verb: str) -> list[JSON]:
    return [make_statement(verb=verb, timestamp=f"2024-01-01T00:00:{i:02d}Z") for i in range(count)]


def test_import_gives_deterministic_ids(tmp_path: Path) -> None:
    array_file = tmp_path / "array.json"
    array_file.write_text(json.dumps(statements_without_ids(4, "http://example.com/verbs/a")))
    lines_file = write_jsonl(
        tmp_path / "lines.jsonl", statements_without_ids(6, "http://example.com/verbs/l")
    )
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"

    for path, count in ((array_file, 4), (lines_file, 6)):
        done = run_cli("statements", "import", path, data=first_dir)
        assert summary_counts(done.stdout) == (count, count, 0, 0)
        again = run_cli("statements", "import", path, data=first_dir)
        assert summary_counts(again.stdout) == (count, 0, count, 0)
    assert statement_count(first_dir) == 10
    # Another data directory gives the same statements the same ids.
    run_cli("statements", "import", lines_file, data=second_dir)
    assert len(stored_ids(second_dir)) == 6
    assert stored_ids(second_dir) < stored_ids(first_dir)


def test_import_counts_a_statement_repeated_in_the_file_once(tmp_path: Path) -> None:
    repeated = statements_without_ids(2, "http://example.com/verbs/r")
    path = write_jsonl(tmp_path / "repeated.jsonl", [repeated[0], repeated[1], repeated[0]])
    done = run_cli("statements", "import", path, data=tmp_path / "data")
    assert summary_counts(done.stdout) == (3, 2, 1, 0)
    assert statement_count(tmp_path / "data") == 2


def test_import_gzipped_json_array(tmp_path: Path) -> None:
    path = tmp_path / "statements.json.gz"
    path.write_bytes(gzip.compress(json.dumps([make_statement() for _ in range(3)]).encode()))
    done = run_cli("statements", "import", path, data=tmp_path / "data")
    assert summary_counts(done.stdout) == (3, 3, 0, 0)


def test_import_rejects_the_batch_with_a_bad_statement(setup: Setup, tmp_path: Path) -> None:
    statements = [make_statement(statement_id=None) for _ in range(2500)]
    statements[1499]["verb"] = {"display": {"en-US": "no id"}}  # line 1500
    path = write_jsonl(tmp_path / "with-one-bad.jsonl", statements)

    done = run_cli("statements", "import", path, data=setup.data, expect=1)
    assert summary_counts(done.stdout) == (2500, 1500, 0, 1000)
    report = done.stderr[done.stderr.index("rejected") :]
    assert re.search(r"\b1500\b", report), done.stderr
    assert "verb" in report

    if setup.server is None:
        assert statement_count(setup.data) == 1500
    else:
        reader = create_credential(setup.data, "reader", ["statements/read"])
        with setup.server.client(reader) as client:
            assert len(fetch_all(client, {"limit": "0"})) == 1500


def test_import_invalid_json_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    lines = [json.dumps(make_statement()) for _ in range(3)]
    lines.insert(1, '{"actor": ')
    path.write_text("\n".join(lines) + "\n")
    done = run_cli("statements", "import", path, data=tmp_path / "data", expect=1)
    assert summary_counts(done.stdout) == (4, 0, 0, 4)
    report = done.stderr[done.stderr.index("rejected") :]
    assert re.search(r"\b2\b", report), done.stderr


# --- backup ---------------------------------------------------------------------------------------


def test_backup(setup: Setup, tmp_path: Path) -> None:
    credential = create_credential(setup.data, "kept")
    (setup.data / "kpis.yaml").write_text("targets: {completion_rate: {min: 0.7}}\n")
    if setup.server is None:
        path = write_jsonl(tmp_path / "some.jsonl", [make_statement() for _ in range(25)])
        run_cli("statements", "import", path, data=setup.data)
        expected = statement_count(setup.data)
        assert expected == 25
    else:
        with setup.server.client(credential) as client:
            post_statements(client, [make_statement() for _ in range(30)])
            expected = len(fetch_all(client, {"limit": "0"}))
        assert expected == 30

    out = tmp_path / "backup"
    run_cli("backup", "--out", out, data=setup.data)
    with duckdb.connect(str(database_file(out)), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM statements").fetchone()
    assert row is not None and row[0] == expected
    assert (out / "kpis.yaml").read_text() == (setup.data / "kpis.yaml").read_text()

    # A second backup into the same place refuses to overwrite the first.
    refused = run_cli("backup", "--out", out, data=setup.data, expect=1)
    assert "exists" in refused.stderr

    # The copy is a data directory of its own, credentials included.
    copy_server = LearnsightServer(out)
    copy_server.start()
    try:
        with copy_server.client(credential) as client:
            assert len(fetch_all(client, {"limit": "0"})) == expected
    finally:
        copy_server.stop()


# --- help, stale server files, errors ---------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["credentials"],
        ["credentials", "create"],
        ["credentials", "list"],
        ["credentials", "revoke"],
        ["statements"],
        ["statements", "import"],
        ["backup"],
    ],
    ids=lambda command: " ".join(command) or "learnsight",
)
def test_help(command: list[str]) -> None:
    done = run_cli(*command, "--help")
    assert "Usage" in done.stdout


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("owner", ["dead pid", "live pid that is no server"])
def test_stale_server_file_is_ignored(tmp_path: Path, owner: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    pid = dead_pid() if owner == "dead pid" else os.getpid()
    stale = {"pid": pid, "url": f"http://127.0.0.1:{free_port()}"}
    (data / "server.json").write_text(json.dumps(stale))
    (data / "admin-token").write_text("stale-token")

    created = create_credential(data, "despite the stale file")
    with open_database(data) as con:
        keys = [row[0] for row in con.execute("SELECT key FROM credentials").fetchall()]
    assert keys == [created.key]  # stored in the directory itself, not sent anywhere
    if owner == "dead pid":
        return  # `serve` over a dead server's server.json: see test_durability.py
    server = LearnsightServer(data)
    server.start()
    try:
        info = json.loads((data / "server.json").read_text())
        assert info["pid"] == server.pid
        with server.client(created) as client:
            assert client.get("/xAPI/statements").status_code == 200
    finally:
        server.stop()


def test_serve_refuses_a_directory_another_server_owns(tmp_path: Path) -> None:
    server = LearnsightServer(tmp_path / "data")
    server.start()
    try:
        done = run_cli("serve", "--port", str(free_port()), data=server.data, expect=1)
        assert server.url in done.stderr
        assert json.loads((server.data / "server.json").read_text())["pid"] == server.pid
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("args", "expected_exit"),
    [
        (["statements", "import", "no-such-file.json"], 1),
        (["credentials", "revoke", "no-such-key"], 1),
        (["credentials", "create"], 2),  # usage error: --name is required
        (["no-such-command"], 2),
        (["serve", "--port", "not-a-number"], 2),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_errors_exit_nonzero_without_traceback(
    tmp_path: Path, args: list[str], expected_exit: int
) -> None:
    done = run_cli(*args, data=tmp_path / "data", expect=expected_exit)
    assert done.stderr.strip()


def test_invalid_json_array_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"actor": ')
    done = run_cli("statements", "import", path, data=tmp_path / "data", expect=1)
    assert "broken.json" in done.stderr


# --- schema version -------------------------------------------------------------------------------


def test_schema_version_is_recorded(tmp_path: Path) -> None:
    data = tmp_path / "data"
    list_credentials(data)
    with duckdb.connect(str(database_file(data)), read_only=True) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert row is not None
    assert int(row[0]) == SCHEMA_VERSION


@pytest.fixture(scope="session")
def newer_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose schema version is one ahead of this code's."""
    data = tmp_path_factory.mktemp("newer") / "data"
    list_credentials(data)
    with duckdb.connect(str(database_file(data))) as con:
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)]
        )
    return data


@pytest.mark.parametrize(
    "args",
    [
        ["credentials", "list"],
        ["credentials", "create", "--name", "x"],
        ["statements", "import", "FILE"],
        ["backup", "--out", "OUT"],
        ["serve", "--port", "PORT"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_newer_schema_version_is_refused(
    tmp_path: Path, newer_data_dir: Path, args: list[str]
) -> None:
    data = newer_data_dir
    statements = write_jsonl(tmp_path / "s.jsonl", [make_statement()])
    replacements = {"FILE": str(statements), "OUT": str(tmp_path / "out"), "PORT": str(free_port())}
    command = [replacements.get(arg, arg) for arg in args]

    done = run_cli(*command, data=data, expect=1, timeout=60)
    message = " ".join(done.stderr.split())
    assert "schema version" in message
    assert re.search(rf"\b{SCHEMA_VERSION + 1}\b", message), message
    assert not (data / "server.json").exists()
    with duckdb.connect(str(database_file(data)), read_only=True) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert row is not None and row[0] == str(SCHEMA_VERSION + 1)
