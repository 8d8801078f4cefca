"""multipart/mixed statement requests and responses carrying attachments (Comm. 1.5.2)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from learnsight.xapi.errors import XAPIError
from learnsight.xapi.store import Attachment


@dataclass(frozen=True, slots=True)
class Part:
    headers: dict[str, str]  # lower-cased names
    body: bytes


def content_type_params(header: str) -> tuple[str, dict[str, str]]:
    """The media type and parameters of a Content-Type header."""
    media, *rest = header.split(";")
    params: dict[str, str] = {}
    for item in rest:
        name, _, value = item.strip().partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), params


def split_parts(body: bytes, boundary: str) -> list[Part]:
    delimiter = b"--" + boundary.encode()
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise XAPIError("multipart body: missing boundary delimiters or closing delimiter")
    return [parse_part(chunk) for chunk in chunks[1:-1]]


def parse_part(chunk: bytes) -> Part:
    chunk = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
    head, separator, body = chunk.partition(b"\r\n\r\n")
    if not separator:
        head, separator, body = chunk.partition(b"\n\n")
        if not separator and not chunk.startswith(b"\r\n"):
            raise XAPIError("multipart body: a part has no blank line after its headers")
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return Part(headers, body)


def parse_statement_request(body: bytes, content_type: str) -> tuple[bytes, dict[str, Attachment]]:
    """The statements JSON (first part) and the attachments keyed by their SHA-2."""
    _, params = content_type_params(content_type)
    if "boundary" not in params:
        raise XAPIError("multipart/mixed request without a boundary parameter")
    parts = split_parts(body, params["boundary"])
    if not parts:
        raise XAPIError("multipart body has no parts")
    first_type, _ = content_type_params(parts[0].headers.get("content-type", ""))
    if first_type != "application/json":
        raise XAPIError("the first part of a multipart request must be application/json")
    attachments = {}
    for index, part in enumerate(parts[1:], start=2):
        attachment = part_attachment(index, part)
        attachments[attachment.sha2] = attachment
    return parts[0].body, attachments


def part_attachment(index: int, part: Part) -> Attachment:
    declared = part.headers.get("x-experience-api-hash")
    if not declared:
        raise XAPIError(f"multipart part {index}: missing X-Experience-API-Hash header")
    encoding = part.headers.get("content-transfer-encoding", "binary").lower()
    if encoding != "binary":
        raise XAPIError(f"multipart part {index}: Content-Transfer-Encoding must be binary")
    actual = hashlib.sha256(part.body).hexdigest()
    if declared.lower() not in (actual, hashlib.sha512(part.body).hexdigest(),
                                hashlib.sha384(part.body).hexdigest()):  # fmt: skip
        raise XAPIError(f"multipart part {index}: content does not match its SHA-2 {declared}")
    content_type = part.headers.get("content-type", "application/octet-stream")
    return Attachment(declared.lower(), content_type, part.body)


def build_response(json_body: bytes, attachments: list[Attachment]) -> tuple[bytes, str]:
    """A multipart/mixed response: the statements, then each attachment once."""
    boundary = secrets.token_hex(16)
    out = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json_body,
        b"\r\n",
    ]
    for attachment in attachments:
        out.append(
            f"--{boundary}\r\nContent-Type: {attachment.content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {attachment.sha2}\r\n\r\n".encode()
        )
        out += [attachment.content, b"\r\n"]
    out.append(f"--{boundary}--".encode())
    return b"".join(out), f"multipart/mixed; boundary={boundary}"
