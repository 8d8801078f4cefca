"""The alternate request syntax: POST ...?method=X with headers and content as form fields."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from helpers import (
    XAPI_VERSION,
    Credential,
    LearnsightServer,
    error_message,
    get_statement,
    iri,
    make_agent,
    make_statement,
    post_statements,
    uid,
    without_lrs_properties,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def basic(credential: Credential) -> str:
    return "Basic " + base64.b64encode(f"{credential.key}:{credential.secret}".encode()).decode()


@pytest.fixture
def bare(server: LearnsightServer) -> Iterator[httpx.Client]:
    """No Authorization and no version header: the form fields carry them."""
    with server.client(headers={}) as client:
        yield client


def alternate(
    client: httpx.Client, path: str, method: str, fields: dict[str, str], query: str | None = None
) -> httpx.Response:
    url = f"{path}?{query if query is not None else urlencode({'method': method})}"
    return client.post(url, content=urlencode(fields).encode(), headers=FORM)


def test_put_statement(bare: httpx.Client, lrs: httpx.Client, credential: Credential) -> None:
    statement_id = uid()
    statement = make_statement()
    fields = {
        "statementId": statement_id,
        "content": json.dumps(statement),
        "Authorization": basic(credential),
        "X-Experience-API-Version": XAPI_VERSION,
        "Content-Type": "application/json",
    }
    response = alternate(bare, "/xAPI/statements", "PUT", fields)
    assert response.status_code == 204, response.text
    assert response.headers["X-Experience-API-Version"] == XAPI_VERSION
    stored = get_statement(lrs, statement_id)
    assert stored.status_code == 200
    assert without_lrs_properties(stored.json()) == {
        **statement,
        "id": statement_id,
        "timestamp": stored.json()["stored"],
    }


def test_post_statement(bare: httpx.Client, lrs: httpx.Client, credential: Credential) -> None:
    statement = make_statement(statement_id=uid())
    fields = {
        "content": json.dumps(statement),
        "Authorization": basic(credential),
        "X-Experience-API-Version": XAPI_VERSION,
        "Content-Type": "application/json",
    }
    response = alternate(bare, "/xAPI/statements", "POST", fields)
    assert response.status_code == 200, response.text
    assert response.json() == [statement["id"]]
    assert get_statement(lrs, statement["id"]).status_code == 200


def test_get_statements_with_filters_as_fields(
    bare: httpx.Client, lrs: httpx.Client, credential: Credential
) -> None:
    registration = uid()
    verb = iri("verbs")
    wanted = post_statements(lrs, [make_statement(registration=registration, verb=verb)])
    post_statements(lrs, [make_statement(registration=registration)])
    fields = {
        "registration": registration,
        "verb": verb,
        "Authorization": basic(credential),
        "X-Experience-API-Version": XAPI_VERSION,
    }
    response = alternate(bare, "/xAPI/statements", "GET", fields)
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()["statements"]] == wanted
    assert response.headers.get("X-Experience-API-Consistent-Through")


def test_get_single_statement(
    bare: httpx.Client, lrs: httpx.Client, credential: Credential
) -> None:
    [statement_id] = post_statements(lrs, make_statement())
    fields = {
        "statementId": statement_id,
        "Authorization": basic(credential),
        "X-Experience-API-Version": XAPI_VERSION,
    }
    response = alternate(bare, "/xAPI/statements", "GET", fields)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == statement_id


def test_state_document_with_headers_as_fields(
    bare: httpx.Client, lrs: httpx.Client, credential: Credential
) -> None:
    scope = {"activityId": iri(), "agent": json.dumps(make_agent()), "stateId": "bookmark"}
    fields = {
        **scope,
        "content": '{"page": 12}',
        "Authorization": basic(credential),
        "X-Experience-API-Version": XAPI_VERSION,
        "Content-Type": "application/json",
    }
    response = alternate(bare, "/xAPI/activities/state", "PUT", fields)
    assert response.status_code == 204, response.text
    got = lrs.get("/xAPI/activities/state", params=scope)
    assert got.status_code == 200
    assert got.json() == {"page": 12}

    deleted = alternate(
        bare,
        "/xAPI/activities/state",
        "DELETE",
        {**scope, "Authorization": basic(credential), "X-Experience-API-Version": XAPI_VERSION},
    )
    assert deleted.status_code == 204, deleted.text
    assert lrs.get("/xAPI/activities/state", params=scope).status_code == 404


def test_if_match_as_a_field(bare: httpx.Client, lrs: httpx.Client, credential: Credential) -> None:
    scope = {"activityId": iri(), "profileId": "settings"}
    created = lrs.put(
        "/xAPI/activities/profile", params=scope, json={"v": 1}, headers={"If-None-Match": "*"}
    )
    assert created.status_code == 204
    etag = lrs.get("/xAPI/activities/profile", params=scope).headers["ETag"]
    fields = {
        **scope,
        "content": '{"v": 2}',
        "Authorization": basic(credential),
        "X-Experience-API-Version": XAPI_VERSION,
        "Content-Type": "application/json",
    }
    wrong = alternate(bare, "/xAPI/activities/profile", "PUT", {**fields, "If-Match": '"0000"'})
    assert wrong.status_code == 412, wrong.text
    right = alternate(bare, "/xAPI/activities/profile", "PUT", {**fields, "If-Match": etag})
    assert right.status_code == 204, right.text
    assert lrs.get("/xAPI/activities/profile", params=scope).json() == {"v": 2}


def test_extra_query_parameters_are_400(bare: httpx.Client, credential: Credential) -> None:
    registration = uid()
    fields = {"Authorization": basic(credential), "X-Experience-API-Version": XAPI_VERSION}
    query = urlencode({"method": "GET", "registration": registration})
    response = alternate(bare, "/xAPI/statements", "GET", fields, query=query)
    assert response.status_code == 400, response.text
    error_message(response)
    assert response.headers["X-Experience-API-Version"] == XAPI_VERSION


def test_alternate_syntax_still_needs_credentials(bare: httpx.Client) -> None:
    fields = {"X-Experience-API-Version": XAPI_VERSION, "content": json.dumps(make_statement())}
    response = alternate(bare, "/xAPI/statements", "POST", fields)
    assert response.status_code == 401, response.text


def test_alternate_syntax_still_needs_the_version(
    bare: httpx.Client, credential: Credential
) -> None:
    statement = make_statement(statement_id=uid())
    fields = {"Authorization": basic(credential), "content": json.dumps(statement)}
    response = alternate(bare, "/xAPI/statements", "POST", fields)
    assert response.status_code == 400, response.text


def test_unknown_form_field_is_an_unknown_parameter(
    bare: httpx.Client, credential: Credential
) -> None:
    fields = {
        "Authorization": basic(credential),
        "X-Experience-API-Version": XAPI_VERSION,
        "Verb": "http://example.com/verbs/miscased",
    }
    response = alternate(bare, "/xAPI/statements", "GET", fields)
    assert response.status_code == 400, response.text
