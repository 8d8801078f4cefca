"""Inputs that once crashed the server (500): each must get a clear 4xx now, never a 500."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest

from helpers import (
    XAPI_VERSION,
    LearnsightServer,
    RawAttachment,
    agent_param,
    get_statement,
    iri,
    make_agent,
    make_statement,
    parse_multipart,
    post_multipart,
    post_statements,
    uid,
)


@pytest.mark.parametrize("bad_id", [5, None, ["x"]])
def test_put_with_a_non_string_id_is_400(lrs: httpx.Client, bad_id: object) -> None:
    statement = {**make_statement(), "id": bad_id}
    response = lrs.put("/xAPI/statements", params={"statementId": uid()}, json=statement)
    assert response.status_code == 400, response.text


def test_scores_beyond_float_precision_are_stored(lrs: httpx.Client) -> None:
    statement = make_statement()
    statement["result"] = {"score": {"raw": 2**53 + 1, "min": 0, "max": 2**60}}
    [statement_id] = post_statements(lrs, statement)
    assert get_statement(lrs, statement_id).json()["result"]["score"]["raw"] == 2**53 + 1


@pytest.mark.parametrize("limit", ["²", "١٢", "-1", "1.5"])
def test_limit_must_be_ascii_digits(lrs: httpx.Client, limit: str) -> None:
    assert lrs.get("/xAPI/statements", params={"limit": limit}).status_code == 400


@pytest.mark.parametrize("header", ["Basic é", "Bearer é", "Basic !!!"])
def test_unreadable_authorization_is_401(server: LearnsightServer, header: str) -> None:
    response = httpx.get(
        f"{server.url}/xAPI/statements",
        headers={"Authorization": header.encode("latin-1"), "X-Experience-API-Version": "1.0.3"},
    )
    assert response.status_code == 401


def test_alternate_syntax_with_a_non_utf8_form_is_400(lrs: httpx.Client) -> None:
    response = lrs.post(
        "/xAPI/statements",
        params={"method": "GET"},
        content=b"limit=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400


def jws(header: dict[str, object], payload: bytes) -> bytes:
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return f"{b64(json.dumps(header).encode())}.{b64(payload)}.{b64(b'sig')}".encode()


@pytest.mark.parametrize(
    "payload", [b'{"timestamp": "garbage"}', b'{"verb": "x"}', b"[1]", b'"text"']
)
def test_a_signature_whose_payload_is_no_statement_is_400(
    lrs: httpx.Client, payload: bytes
) -> None:
    signature = RawAttachment("application/octet-stream", jws({"alg": "RS256"}, payload))
    statement = make_statement()
    statement["attachments"] = [
        signature.metadata("http://adlnet.gov/expapi/attachments/signature")
    ]
    response = post_multipart(lrs, statement, [signature])
    assert response.status_code == 400, response.text


def test_attachments_declared_in_upper_case_are_returned(lrs: httpx.Client) -> None:
    attachment = RawAttachment("text/plain", b"upper-case hash " + uid().encode())
    statement = make_statement()
    meta = attachment.metadata()
    meta["sha2"] = hashlib.sha256(attachment.content).hexdigest().upper()
    statement["attachments"] = [meta]
    response = post_multipart(lrs, statement, [attachment])
    assert response.status_code == 200, response.text
    [statement_id] = response.json()
    got = lrs.get("/xAPI/statements", params={"statementId": statement_id, "attachments": "true"})
    assert [part.body for part in parse_multipart(got)[1:]] == [attachment.content]


def test_state_list_and_delete_without_registration_cover_every_registration(
    lrs: httpx.Client,
) -> None:
    scope = {"activityId": iri(), "agent": agent_param(make_agent())}
    registration = uid()
    for state_id, extra in (("with", {"registration": registration}), ("without", {})):
        put = lrs.put(
            "/xAPI/activities/state", params={**scope, **extra, "stateId": state_id}, json={}
        )
        assert put.status_code == 204
    ids = lrs.get("/xAPI/activities/state", params=scope).json()
    assert sorted(ids) == ["with", "without"]
    only = lrs.get("/xAPI/activities/state", params={**scope, "registration": registration})
    assert only.json() == ["with"]
    assert lrs.delete("/xAPI/activities/state", params=scope).status_code == 204
    assert lrs.get("/xAPI/activities/state", params=scope).json() == []


def test_version_header_is_checked_after_the_alternate_syntax(server: LearnsightServer) -> None:
    response = httpx.post(
        f"{server.url}/xAPI/statements",
        params={"method": "GET"},
        content=f"X-Experience-API-Version={XAPI_VERSION}&limit=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401  # past the version check: only credentials are missing
