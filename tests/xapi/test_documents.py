"""State, Activity Profile and Agent Profile documents (Communication 2.2, 2.3, 2.6, 2.7, 3.1)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest

from helpers import (
    Credential,
    LearnsightServer,
    error_message,
    iri,
    make_agent,
    make_statement,
    post_statements,
    uid,
)


@dataclass(frozen=True)
class Kind:
    name: str
    path: str
    id_param: str
    activity: bool
    agent: bool
    needs_conditions: bool  # PUT over an existing document needs If-Match / If-None-Match


STATE = Kind("state", "/xAPI/activities/state", "stateId", True, True, False)
ACTIVITY_PROFILE = Kind(
    "activity profile", "/xAPI/activities/profile", "profileId", True, False, True
)
AGENT_PROFILE = Kind("agent profile", "/xAPI/agents/profile", "profileId", False, True, True)
KINDS = [STATE, ACTIVITY_PROFILE, AGENT_PROFILE]
PROFILES = [ACTIVITY_PROFILE, AGENT_PROFILE]


class Documents:
    """One resource's documents, all under a fresh activity and agent."""

    def __init__(self, client: httpx.Client, kind: Kind) -> None:
        self.client = client
        self.kind = kind
        self.scope: dict[str, str] = {}
        if kind.activity:
            self.scope["activityId"] = iri()
        if kind.agent:
            self.scope["agent"] = json.dumps(make_agent())

    def params(self, doc_id: str | None = None, **extra: str) -> dict[str, str]:
        params = {**self.scope, **extra}
        if doc_id is not None:
            params[self.kind.id_param] = doc_id
        return params

    def put(
        self,
        doc_id: str,
        content: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        **extra: str,
    ) -> httpx.Response:
        if headers is None and self.kind.needs_conditions:
            headers = {"If-None-Match": "*"}  # create only
        return self.client.put(
            self.kind.path,
            params=self.params(doc_id, **extra),
            content=content,
            headers={"Content-Type": content_type, **(headers or {})},
        )

    def post(
        self,
        doc_id: str,
        content: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        **extra: str,
    ) -> httpx.Response:
        return self.client.post(
            self.kind.path,
            params=self.params(doc_id, **extra),
            content=content,
            headers={"Content-Type": content_type, **(headers or {})},
        )

    def get(self, doc_id: str | None = None, **extra: str) -> httpx.Response:
        return self.client.get(self.kind.path, params=self.params(doc_id, **extra))

    def delete(
        self, doc_id: str | None = None, headers: dict[str, str] | None = None, **extra: str
    ) -> httpx.Response:
        return self.client.delete(
            self.kind.path, params=self.params(doc_id, **extra), headers=headers or {}
        )

    def ids(self, **extra: str) -> list[str]:
        response = self.get(**extra)
        assert response.status_code == 200, response.text
        ids: list[str] = response.json()
        return ids


@pytest.fixture(params=KINDS, ids=lambda kind: kind.name)
def docs(request: pytest.FixtureRequest, lrs: httpx.Client) -> Documents:
    kind: Kind = request.param
    return Documents(lrs, kind)


@pytest.fixture(params=PROFILES, ids=lambda kind: kind.name)
def profiles(request: pytest.FixtureRequest, lrs: httpx.Client) -> Documents:
    kind: Kind = request.param
    return Documents(lrs, kind)


def quoted_sha1(content: bytes) -> str:
    return f'"{hashlib.sha1(content).hexdigest()}"'


def server_now(client: httpx.Client) -> str:
    """An instant on the server's clock: the `stored` of a statement stored just now."""
    [statement_id] = post_statements(client, make_statement())
    response = client.get("/xAPI/statements", params={"statementId": statement_id})
    stored: str = response.json()["stored"]
    return stored


# --- Single documents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"bookmark": "page-4", "score": 0.5}', "application/json"),
        ("du texte accentué".encode(), "text/plain; charset=utf-8"),
        (bytes(range(256)), "application/octet-stream"),
    ],
    ids=["json", "text", "binary"],
)
def test_put_get_delete(docs: Documents, content: bytes, content_type: str) -> None:
    put = docs.put("doc", content, content_type)
    assert put.status_code == 204, put.text

    got = docs.get("doc")
    assert got.status_code == 200, got.text
    assert got.content == content
    assert got.headers["content-type"] == content_type
    assert got.headers["ETag"] == quoted_sha1(content)
    last_modified = got.headers.get("Last-Modified")
    assert last_modified
    datetime.strptime(last_modified, "%a, %d %b %Y %H:%M:%S GMT")

    deleted = docs.delete("doc")
    assert deleted.status_code == 204, deleted.text
    assert docs.get("doc").status_code == 404


def test_get_missing_document_is_404(docs: Documents) -> None:
    response = docs.get("never-written")
    assert response.status_code == 404
    error_message(response)


def test_documents_are_scoped(lrs: httpx.Client) -> None:
    first, second = Documents(lrs, STATE), Documents(lrs, STATE)
    assert first.put("same-id", b'{"who": "first"}').status_code == 204
    assert second.put("same-id", b'{"who": "second"}').status_code == 204
    assert first.get("same-id").json() == {"who": "first"}
    assert second.get("same-id").json() == {"who": "second"}


def test_put_replaces_state(lrs: httpx.Client) -> None:
    docs = Documents(lrs, STATE)
    assert docs.put("doc", b'{"a": 1}').status_code == 204
    assert docs.put("doc", b'{"b": 2}').status_code == 204
    assert docs.get("doc").json() == {"b": 2}


# --- POST merge ---------------------------------------------------------------------------------


def test_post_merges_top_level_properties(docs: Documents) -> None:
    first = docs.post("merged", b'{"a": 1, "b": {"x": 1, "y": 1}}')
    assert first.status_code == 204, first.text
    second = docs.post("merged", b'{"b": {"z": 2}, "c": 3}')
    assert second.status_code == 204, second.text
    got = docs.get("merged")
    assert got.json() == {"a": 1, "b": {"z": 2}, "c": 3}
    assert got.headers["ETag"] == quoted_sha1(got.content)


@pytest.mark.parametrize(
    ("stored", "posted"),
    [
        ((b'{"a": 1}', "application/json"), (b"plain text", "text/plain")),
        ((b"plain text", "text/plain"), (b'{"a": 1}', "application/json")),
        ((b'{"a": 1}', "application/json"), (b"[1, 2]", "application/json")),
        ((b'{"a": 1}', "application/json"), (b"{broken", "application/json")),
    ],
    ids=["json then text", "text then json", "json then array", "json then invalid"],
)
def test_post_merge_with_non_json_is_400(
    docs: Documents, stored: tuple[bytes, str], posted: tuple[bytes, str]
) -> None:
    assert docs.put("doc", *stored).status_code == 204
    response = docs.post("doc", *posted)
    assert response.status_code == 400, response.text
    error_message(response)
    assert docs.get("doc").content == stored[0]


# --- Lists of ids -------------------------------------------------------------------------------


def test_list_ids_with_since(docs: Documents) -> None:
    assert docs.ids() == []
    assert docs.put("first", b'{"n": 1}').status_code == 204
    between = server_now(docs.client)
    assert docs.put("second", b'{"n": 2}').status_code == 204

    listed = docs.get()
    assert listed.status_code == 200
    assert sorted(listed.json()) == ["first", "second"]
    assert listed.headers.get("Last-Modified")
    assert docs.ids(since=between) == ["second"]
    assert sorted(docs.ids(since="2000-01-01T00:00:00Z")) == ["first", "second"]
    assert docs.ids(since="2999-01-01T00:00:00Z") == []


def test_list_ids_rejects_a_bad_since(docs: Documents) -> None:
    response = docs.get(since="not a time")
    assert response.status_code == 400
    error_message(response)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_unknown_parameter_is_400(lrs: httpx.Client, kind: Kind) -> None:
    docs = Documents(lrs, kind)
    for extra in ({"foo": "bar"}, {kind.id_param.upper(): "doc"}):
        response = lrs.get(kind.path, params=docs.params("doc", **extra))
        assert response.status_code == 400, (extra, response.text)
        error_message(response)


# --- State: registration and DELETE all ------------------------------------------------------


def test_state_registration_is_part_of_the_key(lrs: httpx.Client) -> None:
    docs = Documents(lrs, STATE)
    registration = uid()
    assert docs.put("doc", b'{"r": false}').status_code == 204
    assert docs.put("doc", b'{"r": true}', registration=registration).status_code == 204
    assert docs.get("doc").json() == {"r": False}
    assert docs.get("doc", registration=registration).json() == {"r": True}
    assert docs.ids(registration=registration) == ["doc"]


def test_state_delete_all(lrs: httpx.Client) -> None:
    docs = Documents(lrs, STATE)
    registration = uid()
    for doc_id in ("a", "b"):
        assert docs.put(doc_id, b"{}").status_code == 204
    for doc_id in ("c", "d"):
        assert docs.put(doc_id, b"{}", registration=registration).status_code == 204

    deleted = docs.delete(registration=registration)
    assert deleted.status_code == 204, deleted.text
    assert docs.ids(registration=registration) == []
    assert sorted(docs.ids()) == ["a", "b"]

    deleted = docs.delete()
    assert deleted.status_code == 204, deleted.text
    assert docs.ids() == []
    assert docs.get("a").status_code == 404


def test_state_put_without_preconditions_overwrites(lrs: httpx.Client) -> None:
    docs = Documents(lrs, STATE)
    assert docs.put("doc", b'{"v": 1}', headers={}).status_code == 204
    assert docs.put("doc", b'{"v": 2}', headers={}).status_code == 204
    assert docs.get("doc").json() == {"v": 2}


@pytest.mark.parametrize("kind", PROFILES, ids=lambda kind: kind.name)
def test_profile_delete_needs_a_profile_id(lrs: httpx.Client, kind: Kind) -> None:
    docs = Documents(lrs, kind)
    assert docs.put("doc", b"{}").status_code == 204
    response = docs.delete()
    assert response.status_code == 400
    assert docs.get("doc").status_code == 200


# --- Concurrency (profiles) -----------------------------------------------------------------------


def test_put_over_existing_profile_without_preconditions_is_409(profiles: Documents) -> None:
    assert profiles.put("doc", b'{"v": 1}').status_code == 204
    response = profiles.put("doc", b'{"v": 2}', headers={})
    assert response.status_code == 409, response.text
    error_message(response)
    assert profiles.get("doc").json() == {"v": 1}


def test_put_new_profile_without_preconditions_is_400(profiles: Documents) -> None:
    response = profiles.put("doc", b'{"v": 1}', headers={})
    assert response.status_code == 400, response.text
    assert profiles.get("doc").status_code == 404


def test_if_match_with_a_wrong_etag_is_412(profiles: Documents) -> None:
    assert profiles.put("doc", b'{"v": 1}').status_code == 204
    wrong = quoted_sha1(b"something else")
    for method in (profiles.put, profiles.post):
        response = method("doc", b'{"v": 2}', headers={"If-Match": wrong})
        assert response.status_code == 412, response.text
    assert profiles.delete("doc", headers={"If-Match": wrong}).status_code == 412
    assert profiles.get("doc").json() == {"v": 1}


def test_if_none_match_star_on_existing_is_412(profiles: Documents) -> None:
    assert profiles.put("doc", b'{"v": 1}', headers={"If-None-Match": "*"}).status_code == 204
    response = profiles.put("doc", b'{"v": 2}', headers={"If-None-Match": "*"})
    assert response.status_code == 412, response.text
    assert profiles.get("doc").json() == {"v": 1}


def test_if_match_on_missing_document_is_412(profiles: Documents) -> None:
    response = profiles.put("doc", b'{"v": 1}', headers={"If-Match": quoted_sha1(b"{}")})
    assert response.status_code == 412, response.text
    assert profiles.get("doc").status_code == 404


def test_correct_if_match_updates(profiles: Documents) -> None:
    assert profiles.put("doc", b'{"v": 1}').status_code == 204
    etag = profiles.get("doc").headers["ETag"]
    response = profiles.put("doc", b'{"v": 2}', headers={"If-Match": etag})
    assert response.status_code == 204, response.text
    got = profiles.get("doc")
    assert got.json() == {"v": 2}
    assert got.headers["ETag"] == quoted_sha1(b'{"v": 2}') != etag

    response = profiles.post("doc", b'{"w": 3}', headers={"If-Match": got.headers["ETag"]})
    assert response.status_code == 204, response.text
    assert profiles.get("doc").json() == {"v": 2, "w": 3}

    etag = profiles.get("doc").headers["ETag"]
    assert profiles.delete("doc", headers={"If-Match": etag}).status_code == 204
    assert profiles.get("doc").status_code == 404


# --- Agent parameter --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [STATE, AGENT_PROFILE], ids=lambda kind: kind.name)
def test_agent_is_matched_by_identifier(lrs: httpx.Client, kind: Kind) -> None:
    docs = Documents(lrs, kind)
    assert docs.put("doc", b'{"v": 1}').status_code == 204
    agent = json.loads(docs.scope["agent"])
    same_agent = json.dumps({"mbox": agent["mbox"]})
    response = lrs.get(kind.path, params={**docs.params("doc"), "agent": same_agent})
    assert response.status_code == 200, response.text
    assert response.json() == {"v": 1}


@pytest.mark.parametrize("kind", [STATE, AGENT_PROFILE], ids=lambda kind: kind.name)
def test_bad_agent_parameter_is_400(lrs: httpx.Client, kind: Kind) -> None:
    docs = Documents(lrs, kind)
    for agent in ("not json", json.dumps({"name": "no identifier"})):
        response = lrs.get(kind.path, params={**docs.params("doc"), "agent": agent})
        assert response.status_code == 400, response.text
        error_message(response)


def test_documents_need_credentials(server: LearnsightServer, credential: Credential) -> None:
    with server.client() as anonymous:
        docs = Documents(anonymous, STATE)
        assert docs.put("doc", b"{}").status_code == 401
        assert docs.get("doc").status_code == 401
