"""POST /api/v1/events: Segment track and batch calls from analytics SDKs, on a real server."""

from __future__ import annotations

import base64
import gzip
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from helpers import (
    Credential,
    LearnsightServer,
    create_credential,
    error_message,
    make_statement,
    open_database,
)

MakeCredential = Callable[..., Credential]
JSON = dict[str, Any]
EVENTS = "/api/v1/events"


def track(**fields: Any) -> JSON:
    """A track call as SDKs send it; fresh messageId, fields given override."""
    call: JSON = {
        "type": "track",
        "userId": "user-1",
        "event": "Report Created",
        "properties": {"format": "pdf", "pages": 3},
        "timestamp": "2025-03-04T10:11:12.345Z",
        "messageId": str(uuid.uuid4()),
    }
    call.update(fields)
    return {k: v for k, v in call.items() if v is not None}


@pytest.fixture(scope="module")
def writer(make_credential: MakeCredential) -> Credential:
    """A write-only credential, as handed to an SDK."""
    return make_credential("product analytics SDK", "events/write")


@pytest.fixture
def sdk(server: LearnsightServer, writer: Credential) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, auth=writer.auth, timeout=60) as client:
        yield client


def post(client: httpx.Client, body: JSON, path: str = EVENTS) -> JSON:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    answer: JSON = response.json()
    assert answer["success"] is True
    return answer


def refused(client: httpx.Client, body: Any, status: int = 400) -> str:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    response = client.post(EVENTS, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    return error_message(response)


# --- storing and retries ---------------------------------------------------------------------


def test_a_track_call_is_stored_once_however_often_it_is_sent(sdk: httpx.Client) -> None:
    call = track()
    first = post(sdk, call)
    assert (first["inserted"], first["unchanged"], first["updated"]) == (1, 0, 0)
    for _retry in range(2):
        again = post(sdk, call)
        assert (again["inserted"], again["unchanged"], again["updated"]) == (0, 1, 0)


def test_a_single_call_may_leave_out_its_type(sdk: httpx.Client) -> None:
    call = track()
    del call["type"]
    assert post(sdk, call)["inserted"] == 1


def test_a_batch_is_stored_and_its_retry_changes_nothing(sdk: httpx.Client) -> None:
    batch = {"batch": [track(event=f"Step {i}") for i in range(25)]}
    assert post(sdk, batch)["inserted"] == 25
    retry = post(sdk, batch)
    assert (retry["inserted"], retry["unchanged"]) == (0, 25)


def test_a_retry_with_a_new_call_added_inserts_only_that_one(sdk: httpx.Client) -> None:
    calls = [track(), track()]
    post(sdk, {"batch": calls})
    answer = post(sdk, {"batch": [*calls, track()]})
    assert (answer["inserted"], answer["unchanged"]) == (1, 2)


def test_other_call_types_are_accepted_and_ignored(sdk: httpx.Client) -> None:
    batch = {
        "batch": [
            {"type": "identify", "userId": "user-1", "traits": {"email": "a@example.com"}},
            track(),
            {"type": "page", "anonymousId": "anon-1", "name": "Pricing"},
            {"type": "group", "userId": "user-1", "groupId": "acct-1"},
            track(),
            {"type": "screen", "userId": "user-1", "name": "Home"},
            {"type": "alias", "userId": "user-1", "previousId": "anon-1"},
        ]
    }
    answer = post(sdk, batch)
    assert (answer["inserted"], answer["ignored"]) == (2, 5)


def test_a_batch_of_no_track_call_stores_nothing(sdk: httpx.Client) -> None:
    answer = post(sdk, {"batch": [{"type": "identify", "userId": "user-1"}]})
    assert (answer["inserted"], answer["ignored"]) == (0, 1)
    assert post(sdk, {"batch": []})["inserted"] == 0


def test_a_message_id_repeated_in_a_batch_keeps_the_last_call(sdk: httpx.Client) -> None:
    first, last = track(event="Draft Saved"), track(event="Draft Published")
    last["messageId"] = first["messageId"]
    answer = post(sdk, {"batch": [first, last]})
    assert (answer["inserted"], answer["duplicates"]) == (1, 1)
    assert post(sdk, last)["unchanged"] == 1
    assert post(sdk, first)["updated"] == 1


def test_calls_without_message_id_are_found_again_by_their_content(sdk: httpx.Client) -> None:
    call = track(messageId=None, userId=f"user-{uuid.uuid4()}")
    assert post(sdk, call)["inserted"] == 1
    assert post(sdk, call)["unchanged"] == 1


def test_anonymous_id_stands_for_a_missing_user_id(sdk: httpx.Client) -> None:
    anonymous = track(userId=None, anonymousId="anon-7")
    post(sdk, anonymous)
    same_user = dict(anonymous, userId="anon-7")
    del same_user["anonymousId"]
    assert post(sdk, same_user)["unchanged"] == 1


def test_the_batch_context_applies_under_each_calls_own(sdk: httpx.Client) -> None:
    own = track(context={"groupId": "acct-own"})
    shared = track()
    post(sdk, {"batch": [own, shared], "context": {"groupId": "acct-shared"}})
    assert post(sdk, dict(own))["unchanged"] == 1
    assert post(sdk, dict(shared, context={"groupId": "acct-shared"}))["unchanged"] == 1
    assert post(sdk, shared)["updated"] == 1  # without the group, account_id changes


def test_what_is_stored(tmp_path: Path) -> None:
    """Each field lands in its column (read from the file once the server has stopped)."""
    server = LearnsightServer(tmp_path / "data")
    server.start()
    try:
        credential = create_credential(server.data, "sdk", ["events/write"])
        calls = [
            track(
                messageId="m-1",
                userId="u-42",
                context={"traits": {"email": "Ada@Example.COM"}, "groupId": "acct-9"},
                properties={"plan": "pro", "seats": 12, "tags": ["a", "b"]},
                timestamp="2025-06-01T08:30:00+02:00",
            ),
            track(messageId="m-2", userId=None, anonymousId="anon-1", properties=None),
        ]
        with httpx.Client(base_url=server.url, auth=credential.auth, timeout=60) as client:
            post(client, {"batch": calls})
    finally:
        server.stop()
    with open_database(server.data) as con:
        rows = con.execute(
            "SELECT message_id, user_id, email, account_id, event, timestamp, properties "
            "FROM product_events ORDER BY message_id"
        ).fetchall()
    assert rows == [
        ("m-1", "u-42", "ada@example.com", "acct-9", "Report Created",
         datetime(2025, 6, 1, 6, 30, tzinfo=UTC), '{"plan":"pro","seats":12,"tags":["a","b"]}'),
        ("m-2", "anon-1", None, None, "Report Created",
         datetime(2025, 3, 4, 10, 11, 12, 345000, tzinfo=UTC), None),
    ]  # fmt: skip


def test_event_batches_are_not_listed_in_import_history(
    server: LearnsightServer, sdk: httpx.Client
) -> None:
    post(sdk, {"batch": [track()]})
    admin = {"Authorization": f"Bearer {server.admin_token}"}
    history = httpx.get(f"{server.url}/api/v1/imports", headers=admin, timeout=60)
    assert history.status_code == 200, history.text
    assert not [row for row in history.json() if row["file"] == "POST /api/v1/events"]


# --- bad calls -----------------------------------------------------------------------------------


def test_a_bad_call_rejects_the_whole_batch_naming_index_field_and_rule(
    sdk: httpx.Client,
) -> None:
    good = [track(), track()]
    bad = track(timestamp="yesterday")
    message = refused(sdk, {"batch": [good[0], good[1], bad]})
    assert "$.batch[2].timestamp" in message
    assert "not a timestamp" in message
    assert "'yesterday'" in message
    assert "nothing was stored" in message
    answer = post(sdk, {"batch": good})
    assert answer["inserted"] == 2  # the good calls had not been stored


@pytest.mark.parametrize(
    ("call", "path", "reason"),
    [
        (track(event=None), "$.batch[1].event", "event is required"),
        (track(event="  "), "$.batch[1].event", "event is required"),
        (track(context={"traits": {"email": "not-an-address"}}), "$.batch[1].context.traits.email",
         "not an e-mail address"),
        (track(timestamp=1741083072), "$.batch[1].timestamp", "not a timestamp"),
    ],
)  # fmt: skip
def test_bad_field_values_are_named(sdk: httpx.Client, call: JSON, path: str, reason: str) -> None:
    message = refused(sdk, {"batch": [track(), call]})
    assert path in message and reason in message, message


def test_every_bad_call_is_counted(sdk: httpx.Client) -> None:
    batch = {"batch": [track(timestamp="never") for _ in range(15)]}
    message = refused(sdk, batch)
    assert "$.batch[0].timestamp" in message
    assert "and 5 more bad call(s)" in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (orjson.dumps({"batch": {"type": "track"}}), "$.batch must be an array"),
        (orjson.dumps({"batch": [track(), "track"]}), "$.batch[1]: a call must be a JSON object"),
        (orjson.dumps({"batch": [track(), {"userId": "u"}]}), "$.batch[1].type: is required"),
        (orjson.dumps({"batch": [track(type="purchase")]}), "$.batch[0].type: 'purchase'"),
        (orjson.dumps(track(userId=None)), "$: userId or anonymousId is required"),
        (orjson.dumps({"batch": [track(properties=["a"])]}), "$.batch[0].properties: must be"),
        (orjson.dumps({"batch": [track(context="web")]}), "$.batch[0].context: must be"),
        (orjson.dumps({"batch": [track()], "context": [1]}), "$.context: must be"),
    ],
)
def test_bodies_that_are_not_segment_calls_are_400(
    sdk: httpx.Client, body: bytes, expected: str
) -> None:
    message = refused(sdk, body)
    assert expected in message, message


def test_a_call_over_32_kb_is_refused(sdk: httpx.Client) -> None:
    big = track(properties={"text": "x" * 33_000})
    message = refused(sdk, {"batch": [track(), big]})
    assert "$.batch[1]: the call is" in message and "32,768" in message


def test_a_body_over_500_kb_is_413(sdk: httpx.Client) -> None:
    calls = [track(properties={"text": "x" * 30_000}) for _ in range(18)]
    response = sdk.post(EVENTS, content=orjson.dumps({"batch": calls}))
    assert response.status_code == 413, response.text


# --- SDK compatibility ----------------------------------------------------------------------------


def test_the_write_key_form_of_sdks_is_accepted(
    server: LearnsightServer, writer: Credential
) -> None:
    """SDKs send `WRITE_KEY:` (empty password); a write key of KEY:SECRET authenticates."""
    header = base64.b64encode(f"{writer.key}:{writer.secret}:".encode()).decode()
    response = httpx.post(
        f"{server.url}{EVENTS}", json=track(), headers={"Authorization": f"Basic {header}"}
    )
    assert response.status_code == 200, response.text
    wrong = base64.b64encode(f"{writer.key}:not-the-secret:".encode()).decode()
    response = httpx.post(
        f"{server.url}{EVENTS}", json=track(), headers={"Authorization": f"Basic {wrong}"}
    )
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("path", ["v1/batch", "v1/import", "v1/track"])
def test_the_paths_sdks_append_to_their_host_are_served(sdk: httpx.Client, path: str) -> None:
    body = track() if path.endswith("track") else {"batch": [track()]}
    assert post(sdk, body, f"{EVENTS}/{path}")["inserted"] == 1


def test_a_gzipped_body_is_read(sdk: httpx.Client) -> None:
    body = gzip.compress(orjson.dumps({"batch": [track(), track()], "sentAt": "2025-03-04"}))
    response = sdk.post(
        EVENTS,
        content=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 2
    response = sdk.post(EVENTS, content=b"not gzip", headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400, response.text


# --- credentials and scopes --------------------------------------------------------------------


def test_without_credentials_it_is_401(server: LearnsightServer) -> None:
    response = httpx.post(f"{server.url}{EVENTS}", json=track())
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("scopes", [("statements/write",), ("api/read",), ("all",)])
def test_credentials_without_events_write_or_api_write_get_403(
    server: LearnsightServer, make_credential: MakeCredential, scopes: tuple[str, ...]
) -> None:
    credential = make_credential(f"no events ({' '.join(scopes)})", *scopes)
    response = httpx.post(f"{server.url}{EVENTS}", json=track(), auth=credential.auth)
    assert response.status_code == 403, response.text
    assert "events/write" in error_message(response)


def test_api_write_may_post_events(
    server: LearnsightServer, make_credential: MakeCredential
) -> None:
    credential = make_credential("importer", "api/write")
    response = httpx.post(f"{server.url}{EVENTS}", json=track(), auth=credential.auth)
    assert response.status_code == 200, response.text


def test_events_write_grants_nothing_else(server: LearnsightServer, writer: Credential) -> None:
    with server.client(writer) as client:
        assert client.post("/xAPI/statements", json=make_statement()).status_code == 403
        assert client.get("/xAPI/statements").status_code == 403
        assert client.get("/api/v1/imports").status_code == 403
        files = {"file": ("events.csv", b"event,timestamp\nX,2025-01-01\n")}
        assert client.post("/api/v1/import/events", files=files).status_code == 403
