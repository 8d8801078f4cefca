"""Signed statements (Data 2.6): JWS compact signatures made here with `cryptography`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from helpers import (
    JSON,
    SIGNATURE_USAGE,
    VERB_COMPLETED,
    RawAttachment,
    error_message,
    get_statement,
    make_statement,
    parse_multipart,
    post_multipart,
    uid,
)

RSA_HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def x5c(self) -> list[str]:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return [base64.b64encode(der).decode()]


def make_signer(name: str) -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return Signer(key, certificate)


@pytest.fixture(scope="session")
def signer() -> Signer:
    return make_signer("Learnsight test signer")


@pytest.fixture(scope="session")
def impostor() -> Signer:
    return make_signer("Someone else")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jws(
    payload: JSON,
    signer: Signer,
    alg: str = "RS256",
    key: rsa.RSAPrivateKey | None = None,
) -> bytes:
    """JWS compact serialization: base64url(header).base64url(payload).base64url(signature)."""
    header: dict[str, Any] = {"alg": alg, "x5c": signer.x5c}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    if alg in RSA_HASHES:
        signature = (key or signer.key).sign(
            signing_input.encode(), padding.PKCS1v15(), RSA_HASHES[alg]
        )
    else:
        signature = hmac.new(b"a shared secret", signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}".encode()


def signed_request(statement: JSON, token: bytes) -> tuple[JSON, RawAttachment]:
    """The statement with its signature attachment, and the attachment's raw part."""
    part = RawAttachment("application/octet-stream", token)
    metadata = part.metadata(usage_type=SIGNATURE_USAGE)
    return {**statement, "attachments": [metadata]}, part


def post_signed(client: httpx.Client, statement: JSON, token: bytes) -> httpx.Response:
    body, part = signed_request(statement, token)
    return post_multipart(client, body, [part])


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statement_is_accepted(lrs: httpx.Client, signer: Signer, alg: str) -> None:
    statement = make_statement(statement_id=uid())
    token = jws(statement, signer, alg)
    response = post_signed(lrs, statement, token)
    assert response.status_code == 200, response.text
    assert response.json() == [statement["id"]]

    returned = lrs.get(
        "/xAPI/statements", params={"statementId": statement["id"], "attachments": "true"}
    )
    assert returned.status_code == 200
    first, signature = parse_multipart(returned)
    assert json.loads(first.body)["attachments"][0]["usageType"] == SIGNATURE_USAGE
    assert signature.body == token


def test_signed_statement_without_id_is_accepted(lrs: httpx.Client, signer: Signer) -> None:
    statement = make_statement()
    response = post_signed(lrs, statement, jws(statement, signer))
    assert response.status_code == 200, response.text


def test_tampered_payload_is_400(lrs: httpx.Client, signer: Signer) -> None:
    statement = make_statement(statement_id=uid())
    token = jws({**statement, "verb": {"id": VERB_COMPLETED}}, signer)
    response = post_signed(lrs, statement, token)
    assert response.status_code == 400, response.text
    error_message(response)
    assert get_statement(lrs, statement["id"]).status_code == 404


def test_hs256_is_400(lrs: httpx.Client, signer: Signer) -> None:
    statement = make_statement(statement_id=uid())
    response = post_signed(lrs, statement, jws(statement, signer, alg="HS256"))
    assert response.status_code == 400, response.text
    error_message(response)
    assert get_statement(lrs, statement["id"]).status_code == 404


def test_signature_not_made_with_the_x5c_key_is_400(
    lrs: httpx.Client, signer: Signer, impostor: Signer
) -> None:
    statement = make_statement(statement_id=uid())
    response = post_signed(lrs, statement, jws(statement, signer, key=impostor.key))
    assert response.status_code == 400, response.text
    error_message(response)
    assert get_statement(lrs, statement["id"]).status_code == 404


def test_corrupted_signature_bytes_are_400(lrs: httpx.Client, signer: Signer) -> None:
    statement = make_statement(statement_id=uid())
    head, payload, signature = jws(statement, signer).decode().split(".")
    flipped = "A" if signature[10] != "A" else "B"
    token = f"{head}.{payload}.{signature[:10]}{flipped}{signature[11:]}".encode()
    response = post_signed(lrs, statement, token)
    assert response.status_code == 400, response.text
    error_message(response)


def test_signature_that_is_not_a_jws_is_400(lrs: httpx.Client) -> None:
    statement = make_statement(statement_id=uid())
    response = post_signed(lrs, statement, b"this is not a JWS")
    assert response.status_code == 400, response.text
    error_message(response)


def test_signature_with_wrong_content_type_is_400(lrs: httpx.Client, signer: Signer) -> None:
    statement = make_statement(statement_id=uid())
    token = jws(statement, signer)
    body, _ = signed_request(statement, token)
    body["attachments"][0]["contentType"] = "application/jose"
    response = post_multipart(lrs, body, [RawAttachment("application/jose", token)])
    assert response.status_code == 400, response.text
    error_message(response)
