"""Voided statements (Data 2.3.2, Communication 2.1.4)."""

from __future__ import annotations

import json

import httpx

from helpers import (
    get_statement,
    make_agent,
    make_statement,
    post_statements,
    query_ids,
    uid,
    voiding,
    without_lrs_properties,
)


def test_voided_statement_is_hidden_but_available_by_voided_statement_id(
    lrs: httpx.Client,
) -> None:
    learner = make_agent()
    registration = uid()
    target = make_statement(actor=learner, registration=registration)
    [target_id] = post_statements(lrs, target)
    [voiding_id] = post_statements(lrs, voiding(target_id, registration=registration))

    assert get_statement(lrs, target_id).status_code == 404
    by_voided_id = get_statement(lrs, target_id, voided=True)
    assert by_voided_id.status_code == 200
    body = by_voided_id.json()
    assert "statements" not in body
    assert body["id"] == target_id
    assert without_lrs_properties(body) == {**target, "id": target_id, "timestamp": body["stored"]}

    # The voiding statement is an ordinary statement: found by statementId and by queries.
    assert get_statement(lrs, voiding_id).status_code == 200
    assert get_statement(lrs, voiding_id, voided=True).status_code == 404
    assert query_ids(lrs, registration=registration) == [voiding_id]
    # Queries that match the voided statement return the statements targeting it, not it.
    assert query_ids(lrs, agent=json.dumps(learner)) == [voiding_id]


def test_voiding_before_the_target_arrives(lrs: httpx.Client) -> None:
    target_id = uid()
    [voiding_id] = post_statements(lrs, voiding(target_id))
    learner = make_agent()
    [stored_id] = post_statements(lrs, make_statement(statement_id=target_id, actor=learner))
    assert stored_id == target_id
    assert get_statement(lrs, target_id).status_code == 404
    assert get_statement(lrs, target_id, voided=True).status_code == 200
    assert query_ids(lrs, agent=json.dumps(learner)) == [voiding_id]


def test_voiding_and_target_in_one_batch(lrs: httpx.Client) -> None:
    target_id = uid()
    registration = uid()
    batch = [
        voiding(target_id, registration=registration),
        make_statement(statement_id=target_id, registration=registration),
    ]
    [voiding_id, _] = post_statements(lrs, batch)
    assert get_statement(lrs, target_id).status_code == 404
    assert get_statement(lrs, target_id, voided=True).status_code == 200
    assert query_ids(lrs, registration=registration) == [voiding_id]


def test_a_voiding_statement_cannot_be_voided(lrs: httpx.Client) -> None:
    [target_id] = post_statements(lrs, make_statement())
    [first_voiding] = post_statements(lrs, voiding(target_id))
    post_statements(lrs, voiding(first_voiding))
    assert get_statement(lrs, first_voiding).status_code == 200
    assert get_statement(lrs, first_voiding, voided=True).status_code == 404


def test_unvoided_statement_is_not_available_by_voided_statement_id(lrs: httpx.Client) -> None:
    [statement_id] = post_statements(lrs, make_statement())
    assert get_statement(lrs, statement_id, voided=True).status_code == 404
    assert get_statement(lrs, statement_id).status_code == 200
