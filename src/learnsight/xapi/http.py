"""HTTP plumbing of the LRS: version header, alternate request syntax, errors (Comm. 1.3, 3.3).

These are plain ASGI middlewares so that routes see an ordinary request whatever syntax the
client used, and so that they cost next to nothing on the ingest path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from learnsight.xapi.errors import XAPIError
from learnsight.xapi.statements import format_timestamp

XAPI_VERSION = "1.0.3"
XAPI_PREFIX = "/xAPI"
# Headers a client may send as form fields in the alternate syntax (Comm. 1.3).
FORM_HEADERS = {
    "authorization", "x-experience-api-version", "content-type", "content-length",
    "if-match", "if-none-match",
}  # fmt: skip
ALTERNATE_METHODS = {"GET", "PUT", "POST", "DELETE", "HEAD"}


def error_body(message: str) -> bytes:
    return orjson.dumps({"error": message})


async def send_error(send: Send, status: int, message: str) -> None:
    body = error_body(message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-experience-api-version", XAPI_VERSION.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def accepted_version(value: str | None) -> bool:
    """1.0 and any 1.0.x are accepted; anything else is rejected (Comm. 3.3)."""
    return value is not None and (value == "1.0" or value.startswith("1.0."))


class XAPIHeadersMiddleware:
    """Add X-Experience-API-Version to every /xAPI response, CORS preflights and errors too,
    and X-Experience-API-Consistent-Through to every Statement resource response (2.1.3)."""

    def __init__(self, app: ASGIApp, consistent_through: Callable[[], datetime]) -> None:
        self.app = app
        self.consistent_through = consistent_through

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(XAPI_PREFIX):
            await self.app(scope, receive, send)
            return
        is_statements = scope["path"].rstrip("/") == XAPI_PREFIX + "/statements"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message["headers"] if h[0] != b"x-experience-api-version"]
                headers.append((b"x-experience-api-version", XAPI_VERSION.encode()))
                if is_statements:
                    moment = format_timestamp(self.consistent_through()).encode()
                    headers.append((b"x-experience-api-consistent-through", moment))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class XAPIVersionCheckMiddleware:
    """Reject /xAPI requests (but /about) without a 1.0.x X-Experience-API-Version (3.3).

    It runs after the alternate syntax rewrite, which may bring the header as a form field.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(XAPI_PREFIX):
            version = header(scope, b"x-experience-api-version")
            is_about = scope["path"].rstrip("/") == XAPI_PREFIX + "/about"
            if not is_about and scope["method"] != "OPTIONS" and not accepted_version(version):
                message = f"X-Experience-API-Version must be 1.0.x, got {version or 'none'}"
                await send_error(send, 400, message)
                return
        await self.app(scope, receive, send)


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class AlternateSyntaxMiddleware:
    """Turn `POST ...?method=X` with form fields into the ordinary request it stands for."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        try:
            scope, body = await rewrite(scope, await read_body(receive))
        except XAPIError as error:
            await send_error(send, error.status, error.message)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    def _applies(scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith(XAPI_PREFIX)
            and any(
                name == "method"
                for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"))
            )
        )


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    if len(query) != 1 or query[0][0] != "method":
        raise XAPIError("alternate request syntax: `method` must be the only query parameter")
    method = query[0][1].upper()
    if method not in ALTERNATE_METHODS:
        raise XAPIError(f"alternate request syntax: unknown method {query[0][1]!r}")
    content_type = header(scope, b"content-type") or ""
    if not content_type.lower().startswith("application/x-www-form-urlencoded"):
        raise XAPIError("alternate request syntax needs an application/x-www-form-urlencoded body")
    try:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise XAPIError("alternate request syntax: the form is not UTF-8") from None
    headers: dict[bytes, bytes] = {
        k: v for k, v in scope["headers"] if k not in (b"content-type", b"content-length")
    }
    params: list[tuple[str, str]] = []
    content = b""
    for name, value in form:
        if name == "content":
            content = value.encode("utf-8")
        elif name.lower() in FORM_HEADERS:
            if not value.isascii():
                raise XAPIError(f"alternate request syntax: form field {name} is not ASCII")
            headers[name.lower().encode()] = value.encode()
        else:
            params.append((name, value))
    headers.setdefault(b"content-type", b"application/json")
    headers[b"content-length"] = str(len(content)).encode()
    new_scope: dict[str, Any] = dict(scope)
    new_scope.update(
        method=method,
        query_string=urlencode(params).encode(),
        headers=list(headers.items()),
    )
    return new_scope, content
