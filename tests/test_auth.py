"""Authentication and scopes: HTTP Basic credentials, the admin token, secrets at rest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers import (
    Credential,
    LearnsightServer,
    create_credential,
    create_credentials,
    database_file,
    error_message,
    get_statement,
    iri,
    make_agent,
    make_statement,
    open_database,
    post_statements,
    query_ids,
    run_cli,
    uid,
)

MakeCredential = Callable[..., Credential]


# --- Authentication ------------------------------------------------------------------------------


def test_no_credentials_is_401_with_www_authenticate(anonymous: httpx.Client) -> None:
    for response in (
        anonymous.get("/xAPI/statements"),
        anonymous.post("/xAPI/statements", json=make_statement()),
    ):
        assert response.status_code == 401, response.text
        assert response.headers.get("WWW-Authenticate", "").lower().startswith("basic")
        error_message(response)


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic bm90LWJhc2U2NA==",  # "not-base64" has no colon
        "Basic !!!",
        "Bearer not-the-token",
        "Digest username=x",
        "",
    ],
)
def test_malformed_or_foreign_authorization_is_401(
    anonymous: httpx.Client, authorization: str
) -> None:
    response = anonymous.get("/xAPI/statements", headers={"Authorization": authorization})
    assert response.status_code == 401, response.text


def test_wrong_secret_is_401(server: LearnsightServer, credential: Credential) -> None:
    for auth in ((credential.key, credential.secret + "x"), ("unknown-key", credential.secret)):
        with server.client(Credential(*auth)) as client:
            response = client.get("/xAPI/statements")
            assert response.status_code == 401, response.text
            assert response.headers.get("WWW-Authenticate")


def test_revoked_credential_is_401(
    server: LearnsightServer, make_credential: MakeCredential
) -> None:
    doomed = make_credential("to be revoked")
    with server.client(doomed) as client:
        assert client.get("/xAPI/statements", params={"limit": "1"}).status_code == 200
        run_cli("credentials", "revoke", doomed.key, data=server.data)
        response = client.get("/xAPI/statements", params={"limit": "1"})
        assert response.status_code == 401, response.text
        assert client.post("/xAPI/statements", json=make_statement()).status_code == 401


# --- Scopes ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def scoped(server: LearnsightServer) -> dict[str, Credential]:
    return create_credentials(
        server.data,
        {
            "read": ["statements/read"],
            "write": ["statements/write"],
            "mine": ["statements/read/mine", "statements/write"],
            "state": ["state"],
            "admin": ["admin"],
        },
    )


def test_read_only_cannot_write(server: LearnsightServer, scoped: dict[str, Credential]) -> None:
    statement = make_statement(statement_id=uid())
    with server.client(scoped["read"]) as client:
        response = client.post("/xAPI/statements", json=statement)
        assert response.status_code == 403, response.text
        error_message(response)
        put = client.put("/xAPI/statements", params={"statementId": uid()}, json=make_statement())
        assert put.status_code == 403
        assert client.get("/xAPI/statements", params={"limit": "1"}).status_code == 200
        assert get_statement(client, statement["id"]).status_code == 404


def test_write_only_cannot_read(server: LearnsightServer, scoped: dict[str, Credential]) -> None:
    with server.client(scoped["write"]) as client:
        [statement_id] = post_statements(client, make_statement())
        assert client.get("/xAPI/statements", params={"limit": "1"}).status_code == 403
        assert get_statement(client, statement_id).status_code == 403


def test_read_mine_sees_only_its_own_statements(
    server: LearnsightServer, lrs: httpx.Client, scoped: dict[str, Credential]
) -> None:
    registration = uid()
    others = post_statements(lrs, [make_statement(registration=registration) for _ in range(2)])
    with server.client(scoped["mine"]) as client:
        mine = post_statements(client, [make_statement(registration=registration)])
        assert query_ids(client, registration=registration) == mine
        assert get_statement(client, mine[0]).status_code == 200
        for other in others:
            response = get_statement(client, other)
            assert response.status_code in (403, 404), response.text
    assert set(query_ids(lrs, registration=registration)) == {*others, *mine}


def test_read_mine_is_what_the_credential_stored_not_what_mentions_it(
    server: LearnsightServer, lrs: httpx.Client, scoped: dict[str, Credential]
) -> None:
    """statements/read/mine: "written by me" (Comm. 4.2), not merely naming me somewhere."""
    mine = scoped["mine"]
    naming_me = make_statement(registration=uid())
    naming_me["context"]["instructor"] = {
        "objectType": "Agent",
        "account": {"homePage": server.url, "name": mine.key},
    }
    [other_id] = post_statements(lrs, naming_me)
    with server.client(mine) as client:
        assert get_statement(client, other_id).status_code == 404
        registration = naming_me["context"]["registration"]
        assert query_ids(client, registration=registration) == []


def test_state_scope(server: LearnsightServer, scoped: dict[str, Credential]) -> None:
    agent = json.dumps(make_agent())
    activity = iri()
    with server.client(scoped["state"]) as client:
        state = {"activityId": activity, "agent": agent, "stateId": "s"}
        assert client.put("/xAPI/activities/state", params=state, json={}).status_code == 204
        assert client.get("/xAPI/activities/state", params=state).status_code == 200
        profile = {"agent": agent, "profileId": "p"}
        assert client.get("/xAPI/agents/profile", params=profile).status_code == 403
        created = client.put(
            "/xAPI/agents/profile", params=profile, json={}, headers={"If-None-Match": "*"}
        )
        assert created.status_code == 403
        activity_profile = {"activityId": activity, "profileId": "p"}
        assert client.get("/xAPI/activities/profile", params=activity_profile).status_code == 403
        assert client.get("/xAPI/statements").status_code == 403


# --- The admin API --------------------------------------------------------------------------------


ADMIN_CALLS: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/admin/credentials", None),
    ("POST", "/api/v1/admin/credentials", {"name": "sneaky"}),
    ("DELETE", "/api/v1/admin/credentials/nonexistent", None),
    ("POST", "/api/v1/admin/backup", {"out": "/nonexistent/never"}),
    ("POST", "/api/v1/admin/statements/import?filename=x.json", []),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS, ids=lambda v: str(v)[:30])
def test_admin_api_needs_the_admin_token_or_scope(
    server: LearnsightServer,
    credential: Credential,
    scoped: dict[str, Credential],
    method: str,
    path: str,
    body: Any,
) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        nobody = client.request(method, path, json=body)
        assert nobody.status_code == 401, nobody.text
        bad_token = {"Authorization": "Bearer nope"}
        wrong_token = client.request(method, path, json=body, headers=bad_token)
        assert wrong_token.status_code == 401, wrong_token.text
        # Neither `all` (every xAPI resource) nor another xAPI scope reaches the admin API.
        for name, who in (("all", credential), ("read", scoped["read"])):
            response = client.request(method, path, json=body, auth=who.auth)
            assert response.status_code == 403, (name, response.text)


def test_admin_token_and_admin_scope_reach_the_admin_api(
    server: LearnsightServer, scoped: dict[str, Credential]
) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        by_token = client.get(
            "/api/v1/admin/credentials", headers={"Authorization": f"Bearer {server.admin_token}"}
        )
        assert by_token.status_code == 200, by_token.text
        by_scope = client.get("/api/v1/admin/credentials", auth=scoped["admin"].auth)
        assert by_scope.status_code == 200, by_scope.text
        assert by_scope.json() == by_token.json()
        keys = {row["key"] for row in by_scope.json()}
        assert scoped["admin"].key in keys


def test_health_needs_no_authentication(server: LearnsightServer) -> None:
    response = httpx.get(f"{server.url}/api/v1/health", timeout=30)
    assert response.status_code == 200
    assert response.json()["pid"] == server.pid


# --- Secrets at rest ------------------------------------------------------------------------------


def test_secrets_are_not_stored_in_clear(tmp_path: Path) -> None:
    server = LearnsightServer(tmp_path / "data")
    server.start()
    try:
        created = create_credential(server.data, "secret keeper")
        with server.client(created) as client:
            assert client.get("/xAPI/statements", params={"limit": "1"}).status_code == 200
        listed = run_cli("credentials", "list", "--json", data=server.data).stdout
        assert created.secret not in listed
    finally:
        server.stop()
    assert not (server.data / "server.json").exists()

    digest = hashlib.sha256(created.secret.encode()).hexdigest()
    with open_database(server.data) as con:
        cursor = con.execute("SELECT * FROM credentials")
        columns = [d[0] for d in cursor.description or ()]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    [row] = [r for r in rows if created.key in r.values()]
    assert digest in {str(v) for v in row.values()}, row
    for value in (v for r in rows for v in r.values()):
        assert created.secret not in str(value)
    for path in server.data.iterdir():
        if path.is_file() and path.name.startswith(database_file(server.data).name):
            assert created.secret.encode() not in path.read_bytes(), path.name
