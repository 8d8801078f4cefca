"""Cross-origin requests from browsers (CORS), which xAPI clients in web pages depend on."""

from __future__ import annotations

import httpx
import pytest

from helpers import XAPI_VERSION, get_statement, make_statement, post_statements

ORIGIN = "https://course.example.com"
XAPI_HEADERS = ["Authorization", "X-Experience-API-Version", "Content-Type", "If-Match",
                "If-None-Match"]  # fmt: skip


def header_list(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/xAPI/statements", "PUT"),
        ("/xAPI/statements", "POST"),
        ("/xAPI/statements", "GET"),
        ("/xAPI/activities/state", "DELETE"),
        ("/xAPI/agents/profile", "PUT"),
        ("/xAPI/about", "GET"),
    ],
)
def test_preflight_allows_the_xapi_headers(anonymous: httpx.Client, path: str, method: str) -> None:
    response = anonymous.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": ", ".join(XAPI_HEADERS),
        },
    )
    assert response.status_code in (200, 204), response.text
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", ORIGIN)
    assert method in {m.upper() for m in header_list(response.headers.get(
        "Access-Control-Allow-Methods"))}  # fmt: skip
    allowed = header_list(response.headers.get("Access-Control-Allow-Headers"))
    assert "*" in allowed or {h.lower() for h in XAPI_HEADERS} <= allowed, allowed


def test_preflight_carries_the_version_header(anonymous: httpx.Client) -> None:
    """Communication 3.3.s3.b1: X-Experience-API-Version on every response, preflights too."""
    response = anonymous.options(
        "/xAPI/statements",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code in (200, 204)
    assert response.headers.get("X-Experience-API-Version") == XAPI_VERSION


def test_responses_expose_the_xapi_headers(lrs: httpx.Client) -> None:
    [statement_id] = post_statements(lrs, make_statement())
    response = lrs.get(
        "/xAPI/statements", params={"statementId": statement_id}, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", ORIGIN)
    exposed = header_list(response.headers.get("Access-Control-Expose-Headers"))
    for name in ("etag", "last-modified", "x-experience-api-version",
                 "x-experience-api-consistent-through"):  # fmt: skip
        assert name in exposed, exposed


def test_error_responses_carry_cors_headers(lrs: httpx.Client) -> None:
    response = lrs.get("/xAPI/statements", params={"unknown": "1"}, headers={"Origin": ORIGIN})
    assert response.status_code == 400
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", ORIGIN)


def test_cors_on_a_document_response(lrs: httpx.Client) -> None:
    statement = make_statement()
    [statement_id] = post_statements(lrs, statement)
    assert get_statement(lrs, statement_id).status_code == 200
    response = lrs.get("/xAPI/about", headers={"Origin": ORIGIN})
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", ORIGIN)
