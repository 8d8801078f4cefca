"""Signed statements: JWS compact signatures carried as attachments (Data 2.6)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from learnsight.xapi.errors import XAPIError
from learnsight.xapi.statements import same_statement
from learnsight.xapi.store import Attachment
from learnsight.xapi.validate import validate_statement

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
ALGORITHMS = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_signatures(
    index: int, statement: dict[str, Any], attachments: dict[str, Attachment]
) -> None:
    """Reject (400) a statement whose signature attachment is malformed or does not match."""
    for position, meta in enumerate(statement.get("attachments", ())):
        if meta.get("usageType") != SIGNATURE_USAGE:
            continue
        where = f"$[{index}].attachments[{position}]"
        if meta.get("contentType") != "application/octet-stream":
            raise XAPIError(f"{where}.contentType: a signature must be application/octet-stream")
        attachment = attachments.get(str(meta.get("sha2", "")).lower())
        if attachment is None:
            raise XAPIError(f"{where}: the signature's JWS was not sent as a multipart part")
        verify_jws(where, statement, attachment.content)


def verify_jws(where: str, statement: dict[str, Any], token: bytes) -> None:
    try:
        header_b64, payload_b64, signature_b64 = token.decode("ascii").strip().split(".")
        header = orjson.loads(b64url(header_b64))
        payload = orjson.loads(b64url(payload_b64))
        signature = b64url(signature_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise XAPIError(f"{where}: the signature is not a JWS compact serialization") from None
    if not isinstance(header, dict) or header.get("alg") not in ALGORITHMS:
        raise XAPIError(f"{where}: the JWS algorithm must be RS256, RS384 or RS512")
    validate_statement(payload, f"{where} (JWS payload)")  # a StatementError is a 400 too
    if not same_statement(unsigned(payload), unsigned(statement)):
        raise XAPIError(f"{where}: the JWS payload does not match the statement")
    if header.get("x5c"):
        signed = f"{header_b64}.{payload_b64}".encode()
        verify_with_certificate(where, header, signed, signature)


def unsigned(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement as it was before its signature attachment was added."""
    return {k: v for k, v in statement.items() if k != "attachments"}


def verify_with_certificate(
    where: str, header: dict[str, Any], signed: bytes, signature: bytes
) -> None:
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        key = certificate.public_key()
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error):
        raise XAPIError(f"{where}: the JWS x5c certificate cannot be read") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise XAPIError(f"{where}: the JWS x5c certificate does not hold an RSA key")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), ALGORITHMS[header["alg"]])
    except InvalidSignature:
        raise XAPIError(f"{where}: the JWS signature does not verify against x5c") from None
