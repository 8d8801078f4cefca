"""Acknowledged statements survive the server being killed (SIGKILL) the next instant."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from helpers import (
    LearnsightServer,
    create_credential,
    fetch_all,
    get_statement,
    iri,
    make_agent,
    make_statement,
    post_statements,
    read_server_file,
    uid,
)


def test_kill_9_right_after_200_loses_nothing(tmp_path: Path) -> None:
    server = LearnsightServer(tmp_path / "data")
    server.start()
    try:
        credential = create_credential(server.data, "durability")
        registration = uid()
        state = {"activityId": iri(), "agent": json.dumps(make_agent()), "stateId": "s"}
        with server.client(credential) as client:
            put = client.put("/xAPI/activities/state", params=state, json={"n": 1})
            assert put.status_code == 204
            batch = [make_statement(registration=registration) for _ in range(200)]
            ids = post_statements(client, batch)
            last = post_statements(client, make_statement(registration=registration))
        old_pid = server.pid
        os.kill(old_pid, signal.SIGKILL)
        assert server.process is not None
        server.process.wait(timeout=30)

        stale = read_server_file(server.data)
        assert stale is not None and stale["pid"] == old_pid, "server.json should be left behind"

        server.start()  # the stale server.json must be ignored, then replaced
        info = read_server_file(server.data)
        assert info is not None
        assert info["pid"] == server.pid != old_pid
        assert info["url"] == server.url

        with server.client(credential) as client:
            stored = {s["id"]: s for s in fetch_all(client, {"registration": registration})}
            assert stored.keys() == {*ids, *last}
            for statement_id, sent in zip(ids, batch, strict=True):
                assert stored[statement_id]["actor"] == sent["actor"]
                assert stored[statement_id]["object"] == sent["object"]
            assert get_statement(client, ids[-1]).status_code == 200
            assert client.get("/xAPI/activities/state", params=state).json() == {"n": 1}
    finally:
        server.stop()
