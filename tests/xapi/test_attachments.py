"""Attachments: fileUrl, raw multipart/mixed parts, and attachments=true (Comm. 1.5, 2.1.3)."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from helpers import (
    RawAttachment,
    error_message,
    get_statement,
    make_statement,
    multipart_body,
    parse_multipart,
    post_multipart,
    post_statements,
    uid,
)


def test_json_attachment_with_file_url_is_accepted(lrs: httpx.Client) -> None:
    metadata = RawAttachment("application/pdf", b"%PDF-1.4 remote").metadata()
    metadata["fileUrl"] = "http://example.com/files/certificate.pdf"
    [statement_id] = post_statements(lrs, make_statement(attachments=[metadata]))
    stored = get_statement(lrs, statement_id).json()
    assert stored["attachments"] == [metadata]


def test_json_attachment_without_file_url_is_400(lrs: httpx.Client) -> None:
    statement = make_statement(
        statement_id=uid(), attachments=[RawAttachment("text/plain", b"hello").metadata()]
    )
    response = lrs.post("/xAPI/statements", json=statement)
    assert response.status_code == 400
    error_message(response)
    assert get_statement(lrs, statement["id"]).status_code == 404


def test_multipart_attachment_is_stored_and_returned(lrs: httpx.Client) -> None:
    attachment = RawAttachment("text/plain", "a certificate, délivré\r\n".encode())
    binary = RawAttachment("application/octet-stream", bytes(range(256)) * 3)
    registration = uid()
    statement = make_statement(
        registration=registration, attachments=[attachment.metadata(), binary.metadata()]
    )
    response = post_multipart(lrs, statement, [attachment, binary])
    assert response.status_code == 200, response.text
    [statement_id] = response.json()

    plain = get_statement(lrs, statement_id)
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.json()["attachments"] == statement["attachments"]

    for params in (
        {"statementId": statement_id, "attachments": "true"},
        {"registration": registration, "attachments": "true"},
    ):
        response = lrs.get("/xAPI/statements", params=params)
        assert response.status_code == 200, response.text
        first, *rest = parse_multipart(response)
        assert first.headers["content-type"].startswith("application/json")
        body = json.loads(first.body)
        returned = body if "statementId" in params else body["statements"][0]
        assert returned["id"] == statement_id
        by_hash = {part.headers["x-experience-api-hash"]: part for part in rest}
        assert set(by_hash) == {attachment.hash, binary.hash}
        for sent in (attachment, binary):
            part = by_hash[sent.hash]
            assert part.body == sent.content
            assert part.headers["content-type"] == sent.content_type
            assert part.headers["content-transfer-encoding"] == "binary"


def test_shared_attachment_is_sent_once(lrs: httpx.Client) -> None:
    attachment = RawAttachment("text/plain", uid().encode())
    registration = uid()
    batch = [
        make_statement(registration=registration, attachments=[attachment.metadata()])
        for _ in range(2)
    ]
    response = post_multipart(lrs, batch, [attachment])
    assert response.status_code == 200, response.text
    result = lrs.get(
        "/xAPI/statements", params={"registration": registration, "attachments": "true"}
    )
    first, *rest = parse_multipart(result)
    assert len(json.loads(first.body)["statements"]) == 2
    assert [part.headers["x-experience-api-hash"] for part in rest] == [attachment.hash]


def test_multipart_without_attachments_is_accepted(lrs: httpx.Client) -> None:
    response = post_multipart(lrs, make_statement(), [])
    assert response.status_code == 200, response.text


def test_wrong_hash_is_400(lrs: httpx.Client) -> None:
    content = b"the real content"
    statement = make_statement(statement_id=uid())
    metadata = RawAttachment("text/plain", content).metadata()
    wrong = hashlib.sha256(b"other content").hexdigest()
    metadata["sha2"] = wrong
    statement["attachments"] = [metadata]
    response = post_multipart(lrs, statement, [RawAttachment("text/plain", content, sha2=wrong)])
    assert response.status_code == 400
    error_message(response)
    assert get_statement(lrs, statement["id"]).status_code == 404


def test_missing_part_is_400(lrs: httpx.Client) -> None:
    declared = RawAttachment("text/plain", b"declared")
    sent = RawAttachment("text/plain", b"something else")
    statement = make_statement(statement_id=uid(), attachments=[declared.metadata()])
    for parts in ([], [sent]):
        response = post_multipart(lrs, statement, parts)
        assert response.status_code == 400, response.text
        error_message(response)
    assert get_statement(lrs, statement["id"]).status_code == 404


@pytest.mark.parametrize("problem", ["no boundary", "no closing delimiter", "json not first"])
def test_malformed_multipart_is_400(lrs: httpx.Client, problem: str) -> None:
    attachment = RawAttachment("text/plain", b"data")
    statement = make_statement(statement_id=uid(), attachments=[attachment.metadata()])
    body, content_type = multipart_body(statement, [attachment])
    if problem == "no boundary":
        content_type = "multipart/mixed"
    elif problem == "no closing delimiter":
        boundary = content_type.split("boundary=")[1].strip('"')
        body = body.replace(f"--{boundary}--".encode(), b"")
    else:
        body = body.replace(b"Content-Type: application/json", b"Content-Type: text/plain", 1)
    response = lrs.post("/xAPI/statements", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    error_message(response)
    assert get_statement(lrs, statement["id"]).status_code == 404
