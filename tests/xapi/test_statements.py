"""The Statement resource: PUT, POST, GET by id, conflicts, LRS-set properties, headers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from helpers import (
    JSON,
    VERB_COMPLETED,
    XAPI_VERSION,
    Credential,
    LearnsightServer,
    error_message,
    get_statement,
    iri,
    make_activity,
    make_agent,
    make_statement,
    post_statements,
    uid,
    without_lrs_properties,
)


def is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str) and len(value) == 36


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- Storing ---------------------------------------------------------------------------------


def test_post_single_statement_returns_its_id(lrs: httpx.Client) -> None:
    statement = make_statement()
    response = lrs.post("/xAPI/statements", json=statement)
    assert response.status_code == 200, response.text
    ids = response.json()
    assert isinstance(ids, list) and len(ids) == 1
    assert is_uuid(ids[0])
    stored = get_statement(lrs, ids[0])
    assert stored.status_code == 200
    assert without_lrs_properties(stored.json())["verb"] == statement["verb"]


def test_post_batch_returns_ids_in_order(lrs: httpx.Client) -> None:
    given = [uid(), None, uid(), None, uid()]
    batch = [make_statement(statement_id=sid) for sid in given]
    ids = post_statements(lrs, batch)
    assert len(ids) == len(batch)
    assert len(set(ids)) == len(ids)
    for sid, returned, statement in zip(given, ids, batch, strict=True):
        if sid is not None:
            assert returned == sid
        fetched = get_statement(lrs, returned)
        assert fetched.status_code == 200
        assert fetched.json()["actor"] == statement["actor"]


def test_put_statement_with_statement_id(lrs: httpx.Client) -> None:
    statement_id = uid()
    statement = make_statement()
    response = lrs.put("/xAPI/statements", params={"statementId": statement_id}, json=statement)
    assert response.status_code == 204, response.text
    assert response.content == b""
    fetched = get_statement(lrs, statement_id)
    assert fetched.status_code == 200
    stored = fetched.json()
    assert without_lrs_properties(stored) == {
        **statement,
        "id": statement_id,
        "timestamp": stored["stored"],
    }


def test_put_statement_with_matching_id_in_body(lrs: httpx.Client) -> None:
    statement_id = uid()
    statement = make_statement(statement_id=statement_id)
    response = lrs.put("/xAPI/statements", params={"statementId": statement_id}, json=statement)
    assert response.status_code == 204, response.text


def test_put_statement_id_mismatch_is_400(lrs: httpx.Client) -> None:
    parameter_id, body_id = uid(), uid()
    statement = make_statement(statement_id=body_id)
    response = lrs.put("/xAPI/statements", params={"statementId": parameter_id}, json=statement)
    assert response.status_code == 400
    error_message(response)
    assert get_statement(lrs, parameter_id).status_code == 404
    assert get_statement(lrs, body_id).status_code == 404


@pytest.mark.parametrize("params", [{}, {"statementId": "not-a-uuid"}], ids=["none", "bad"])
def test_put_statement_needs_a_statement_id(lrs: httpx.Client, params: dict[str, str]) -> None:
    response = lrs.put("/xAPI/statements", params=params, json=make_statement())
    assert response.status_code == 400
    error_message(response)


def test_get_by_statement_id_returns_the_statement_itself(lrs: httpx.Client) -> None:
    [statement_id] = post_statements(lrs, make_statement())
    response = get_statement(lrs, statement_id)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "statements" not in body and "more" not in body
    assert body["id"] == statement_id
    assert {"actor", "verb", "object"} <= body.keys()


def test_get_unknown_statement_id_is_404(lrs: httpx.Client) -> None:
    assert get_statement(lrs, uid()).status_code == 404
    assert get_statement(lrs, uid(), voided=True).status_code == 404


# --- Conflicts -------------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", [None, "2024-03-01T10:00:00.000Z"], ids=["no", "timestamp"])
def test_same_id_same_content_is_a_no_op(lrs: httpx.Client, timestamp: str | None) -> None:
    statement = make_statement(statement_id=uid())
    if timestamp is not None:
        statement["timestamp"] = timestamp
    post_statements(lrs, statement)
    first = get_statement(lrs, statement["id"]).json()

    again = lrs.post("/xAPI/statements", json=statement)
    assert again.status_code == 200, again.text
    assert again.json() == [statement["id"]]
    put = lrs.put("/xAPI/statements", params={"statementId": statement["id"]}, json=statement)
    assert put.status_code == 204, put.text
    assert get_statement(lrs, statement["id"]).json() == first


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_same_id_different_content_is_409(lrs: httpx.Client, method: str) -> None:
    statement = make_statement(statement_id=uid())
    post_statements(lrs, statement)
    first = get_statement(lrs, statement["id"]).json()
    changed = {**statement, "verb": {"id": VERB_COMPLETED}}
    if method == "POST":
        response = lrs.post("/xAPI/statements", json=changed)
    else:
        response = lrs.put("/xAPI/statements", params={"statementId": changed["id"]}, json=changed)
    assert response.status_code == 409, response.text
    error_message(response)
    assert get_statement(lrs, statement["id"]).json() == first


def test_batch_with_a_conflict_stores_nothing(lrs: httpx.Client) -> None:
    known = make_statement(statement_id=uid())
    post_statements(lrs, known)
    fresh = make_statement(statement_id=uid())
    conflicting = {**known, "verb": {"id": VERB_COMPLETED}}
    response = lrs.post("/xAPI/statements", json=[fresh, conflicting])
    assert response.status_code == 409
    assert get_statement(lrs, fresh["id"]).status_code == 404


def test_duplicate_ids_in_one_batch_is_400_and_stores_nothing(lrs: httpx.Client) -> None:
    shared_id, other_id = uid(), uid()
    batch = [
        make_statement(statement_id=other_id),
        make_statement(statement_id=shared_id),
        make_statement(statement_id=shared_id.upper()),
    ]
    response = lrs.post("/xAPI/statements", json=batch)
    assert response.status_code == 400
    error_message(response)
    assert get_statement(lrs, shared_id).status_code == 404
    assert get_statement(lrs, other_id).status_code == 404


def test_batch_with_one_invalid_statement_stores_nothing(lrs: httpx.Client) -> None:
    good = [make_statement(statement_id=uid()) for _ in range(3)]
    bad = make_statement(statement_id=uid())
    bad["result"] = {"score": {"scaled": 7}}
    response = lrs.post("/xAPI/statements", json=[good[0], good[1], bad, good[2]])
    assert response.status_code == 400
    assert "$[2].result.score.scaled" in error_message(response)
    for statement in [*good, bad]:
        assert get_statement(lrs, statement["id"]).status_code == 404


# --- What the LRS sets -------------------------------------------------------------------------


def test_lrs_fills_id_stored_authority_version_and_timestamp(lrs: httpx.Client) -> None:
    statement = make_statement()
    [statement_id] = post_statements(lrs, statement)
    stored = get_statement(lrs, statement_id).json()
    assert stored["id"] == statement_id
    parse_iso(stored["stored"])
    assert stored["version"] == "1.0.0"
    assert stored["timestamp"] == stored["stored"]
    authority = stored["authority"]
    assert authority.get("objectType", "Agent") in ("Agent", "Group")
    identifiers = {"mbox", "mbox_sha1sum", "openid", "account"} & authority.keys()
    assert len(identifiers) == 1 or authority.get("objectType") == "Group"
    assert without_lrs_properties(stored) == {
        **statement,
        "id": statement_id,
        "timestamp": stored["stored"],
    }


def test_given_timestamp_and_version_are_kept(lrs: httpx.Client) -> None:
    statement = make_statement(timestamp="2013-05-18T05:32:34.804+00:00", version="1.0.3")
    [statement_id] = post_statements(lrs, statement)
    stored = get_statement(lrs, statement_id).json()
    assert parse_iso(stored["timestamp"]) == parse_iso(statement["timestamp"])
    assert stored["version"] == "1.0.3"
    assert stored["stored"] != stored["timestamp"]


def test_authority_is_the_same_for_one_credential(lrs: httpx.Client) -> None:
    ids = post_statements(lrs, [make_statement(), make_statement()])
    authorities = [get_statement(lrs, sid).json()["authority"] for sid in ids]
    assert authorities[0] == authorities[1]


# --- Version header ------------------------------------------------------------------------------


def test_version_header_is_required(server: LearnsightServer, credential: Credential) -> None:
    with server.client(credential, headers={}) as client:
        response = client.get("/xAPI/statements", params={"limit": "1"})
        assert response.status_code == 400
        assert error_message(response)
        assert response.headers["X-Experience-API-Version"] == XAPI_VERSION
        posted = client.post("/xAPI/statements", json=make_statement(statement_id=uid()))
        assert posted.status_code == 400


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.3", "1.0.9"])
def test_accepted_versions(server: LearnsightServer, credential: Credential, version: str) -> None:
    with server.client(credential, headers={"X-Experience-API-Version": version}) as client:
        [statement_id] = post_statements(client, make_statement())
        response = get_statement(client, statement_id)
        assert response.status_code == 200
        assert response.headers["X-Experience-API-Version"] == XAPI_VERSION


@pytest.mark.parametrize("version", ["1.1.0", "0.95", "0.9", "2.0.0", "1", "bogus"])
def test_rejected_versions(server: LearnsightServer, credential: Credential, version: str) -> None:
    statement = make_statement(statement_id=uid())
    with server.client(credential, headers={"X-Experience-API-Version": version}) as client:
        response = client.post("/xAPI/statements", json=statement)
        assert response.status_code == 400
        error_message(response)
        assert response.headers["X-Experience-API-Version"] == XAPI_VERSION
    with server.client(credential) as client:
        assert get_statement(client, statement["id"]).status_code == 404


RequestMaker = Callable[[httpx.Client], httpx.Response]
VERSION_CHECKED_REQUESTS: dict[str, RequestMaker] = {
    "post 200": lambda c: c.post("/xAPI/statements", json=make_statement()),
    "put 204": lambda c: c.put(
        "/xAPI/statements", params={"statementId": uid()}, json=make_statement()
    ),
    "get 200": lambda c: c.get("/xAPI/statements", params={"limit": "1"}),
    "get 404": lambda c: c.get("/xAPI/statements", params={"statementId": uid()}),
    "post 400": lambda c: c.post("/xAPI/statements", json={"actor": {}}),
    "about": lambda c: c.get("/xAPI/about"),
    "activities 200": lambda c: c.get("/xAPI/activities", params={"activityId": iri()}),
    "state 404": lambda c: c.get(
        "/xAPI/activities/state",
        params={"activityId": iri(), "agent": json.dumps(make_agent()), "stateId": "x"},
    ),
    "unknown resource 404": lambda c: c.get("/xAPI/no-such-resource"),
    "unauthenticated 401": lambda c: c.get(
        "/xAPI/statements", auth=("nobody", "nothing"), params={"limit": "1"}
    ),
}


@pytest.mark.parametrize("request_name", list(VERSION_CHECKED_REQUESTS))
def test_version_header_on_every_response(lrs: httpx.Client, request_name: str) -> None:
    response = VERSION_CHECKED_REQUESTS[request_name](lrs)
    assert response.headers["X-Experience-API-Version"] == XAPI_VERSION
    expected = int(request_name.rsplit(" ", 1)[-1]) if request_name[-1].isdigit() else 200
    assert response.status_code == expected, response.text


# --- Other headers ---------------------------------------------------------------------------


def test_consistent_through_on_statement_responses(lrs: httpx.Client) -> None:
    statement_id = uid()
    responses = {
        "post": lrs.post("/xAPI/statements", json=make_statement()),
        "put": lrs.put(
            "/xAPI/statements", params={"statementId": statement_id}, json=make_statement()
        ),
        "get one": get_statement(lrs, statement_id),
        "query": lrs.get("/xAPI/statements", params={"limit": "2"}),
        "head": lrs.head("/xAPI/statements", params={"limit": "2"}),
    }
    for name, response in responses.items():
        assert response.status_code < 300, (name, response.text)
        value = response.headers.get("X-Experience-API-Consistent-Through")
        assert value, f"{name}: no X-Experience-API-Consistent-Through"
        assert parse_iso(value).tzinfo is not None, (name, value)


def test_last_modified_matches_stored(lrs: httpx.Client) -> None:
    registration = uid()
    [statement_id] = post_statements(lrs, make_statement(registration=registration))
    single = get_statement(lrs, statement_id)
    stored = parse_iso(single.json()["stored"])
    for response in (single, lrs.get("/xAPI/statements", params={"registration": registration})):
        last_modified = response.headers.get("Last-Modified")
        assert last_modified, response.headers
        moment = datetime.strptime(last_modified, "%a, %d %b %Y %H:%M:%S GMT")
        assert moment == stored.replace(microsecond=0, tzinfo=None)


# --- HEAD ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def head_targets(server: LearnsightServer, credential: Credential) -> dict[str, tuple[str, Any]]:
    """A statement, an activity and one document of each kind, to GET and HEAD."""
    activity = make_activity(name={"en-US": "Head test"})
    agent = make_agent()
    with server.client(credential) as client:
        [statement_id] = post_statements(client, make_statement(actor=agent, obj=activity))
        documents = {
            "/xAPI/activities/state": {
                "activityId": activity["id"],
                "agent": json.dumps(agent),
                "stateId": "bookmark",
            },
            "/xAPI/activities/profile": {"activityId": activity["id"], "profileId": "settings"},
            "/xAPI/agents/profile": {"agent": json.dumps(agent), "profileId": "preferences"},
        }
        for path, params in documents.items():
            create_only = {"If-None-Match": "*"}
            put = client.put(path, params=params, json={"page": 3}, headers=create_only)
            assert put.status_code == 204, put.text
    state_list = {k: v for k, v in documents["/xAPI/activities/state"].items() if k != "stateId"}
    return {
        "statements": ("/xAPI/statements", {"limit": "2"}),
        "statement": ("/xAPI/statements", {"statementId": statement_id}),
        "activities": ("/xAPI/activities", {"activityId": activity["id"]}),
        "agents": ("/xAPI/agents", {"agent": json.dumps(agent)}),
        "about": ("/xAPI/about", {}),
        "state": ("/xAPI/activities/state", documents["/xAPI/activities/state"]),
        "state ids": ("/xAPI/activities/state", state_list),
        "activity profile": ("/xAPI/activities/profile", documents["/xAPI/activities/profile"]),
        "activity profile ids": ("/xAPI/activities/profile", {"activityId": activity["id"]}),
        "agent profile": ("/xAPI/agents/profile", documents["/xAPI/agents/profile"]),
        "agent profile ids": ("/xAPI/agents/profile", {"agent": json.dumps(agent)}),
    }


HEAD_RESOURCES = [
    "statements", "statement", "activities", "agents", "about", "state", "state ids",
    "activity profile", "activity profile ids", "agent profile", "agent profile ids",
]  # fmt: skip
COMPARED_HEADERS = (
    "content-type", "x-experience-api-version", "etag", "last-modified",
    "x-experience-api-consistent-through",
)  # fmt: skip


@pytest.mark.parametrize("resource", HEAD_RESOURCES)
def test_head_returns_headers_without_body(
    lrs: httpx.Client, head_targets: dict[str, tuple[str, Any]], resource: str
) -> None:
    path, params = head_targets[resource]
    got = lrs.get(path, params=params)
    head = lrs.head(path, params=params)
    assert got.status_code == 200, got.text
    assert head.status_code == 200
    assert head.content == b""
    for name in COMPARED_HEADERS:
        assert (name in head.headers) == (name in got.headers), name
    for name in ("content-type", "x-experience-api-version", "etag", "last-modified"):
        assert head.headers.get(name) == got.headers.get(name), name


# --- Invalid statements ------------------------------------------------------------------------


def broken(change: Callable[[JSON], None]) -> JSON:
    statement = make_statement()
    change(statement)
    return statement


INVALID: dict[str, tuple[Callable[[JSON], None], str]] = {
    "verb without id": (lambda s: s.update(verb={"display": {"en-US": "did"}}), "verb.id"),
    "verb id not an IRI": (lambda s: s["verb"].update(id="did"), "verb.id"),
    "no actor": (lambda s: s.pop("actor"), "actor"),
    "mbox without mailto": (lambda s: s["actor"].update(mbox="a@example.com"), "actor.mbox"),
    "agent with two IFIs": (
        lambda s: s["actor"].update(openid="http://example.com/openid"),
        "actor",
    ),
    "unknown property": (lambda s: s.update(foo="bar"), "foo"),
    "miscased property": (lambda s: s.update(Verb=s.pop("verb")), "Verb"),
    "bad timestamp": (lambda s: s.update(timestamp="yesterday"), "timestamp"),
    "bad id": (lambda s: s.update(id="42"), "id"),
    "scaled above 1": (
        lambda s: s.update(result={"score": {"scaled": 1.5}}),
        "result.score.scaled",
    ),
    "bad registration": (
        lambda s: s.update(context={"registration": "abc"}),
        "context.registration",
    ),
    "object id not an IRI": (lambda s: s["object"].update(id="not an iri"), "object.id"),
    "null value": (lambda s: s.update(result={"success": None}), "result.success"),
    "bad language tag": (
        lambda s: s["verb"].update(display={"not a tag!": "x"}),
        "verb.display",
    ),
    "voided verb on activity": (
        lambda s: s.update(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}),
        "object",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_statement_in_batch_names_index_and_path(lrs: httpx.Client, case: str) -> None:
    change, path = INVALID[case]
    batch = [make_statement(statement_id=uid()), broken(change), make_statement()]
    response = lrs.post("/xAPI/statements", json=batch)
    assert response.status_code == 400, response.text
    message = error_message(response)
    assert f"$[1].{path}" in message, message
    assert get_statement(lrs, batch[0]["id"]).status_code == 404


@pytest.mark.parametrize("case", ["verb without id", "bad timestamp", "unknown property"])
def test_invalid_single_statement_names_path(lrs: httpx.Client, case: str) -> None:
    change, path = INVALID[case]
    response = lrs.post("/xAPI/statements", json=broken(change))
    assert response.status_code == 400, response.text
    message = error_message(response)
    assert f"$.{path}" in message, message


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"42", "application/json"),
        (b'"a statement"', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"", "application/json"),
    ],
    ids=["malformed", "number", "string", "array of numbers", "empty"],
)
def test_malformed_bodies_are_400_json(lrs: httpx.Client, body: bytes, content_type: str) -> None:
    response = lrs.post("/xAPI/statements", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    error_message(response)
