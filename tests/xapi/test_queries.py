"""GET /xAPI/statements queries: every filter, formats, parameter checks, `more` paging."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest

from helpers import (
    JSON,
    VERB_COMPLETED,
    VERB_EXPERIENCED,
    Credential,
    LearnsightServer,
    error_message,
    fetch_all,
    iri,
    make_activity,
    make_agent,
    make_group,
    make_statement,
    make_verb,
    post_statements,
    query_ids,
    statement_ref,
    uid,
)


def post_one(client: httpx.Client, statement: JSON) -> str:
    [statement_id] = post_statements(client, statement)
    return statement_id


# --- agent -----------------------------------------------------------------------------------


def test_agent_filter_matches_actor_and_object_agent(lrs: httpx.Client) -> None:
    learner, other = make_agent("Learner"), make_agent("Other")
    as_actor = post_one(lrs, make_statement(actor=learner))
    as_object = post_one(lrs, make_statement(actor=other, obj=learner))
    post_one(lrs, make_statement(actor=other))
    # The same agent identified by its IFI only, without name or objectType.
    wanted = {"mbox": learner["mbox"]}
    assert set(query_ids(lrs, agent=json.dumps(wanted))) == {as_actor, as_object}


def test_agent_filter_matches_group_members(lrs: httpx.Client) -> None:
    member, other = make_agent("Member"), make_agent("Other")
    anonymous_group = post_one(lrs, make_statement(actor=make_group(member, other)))
    identified_group = make_group(other, member, identified=True)
    group_object = post_one(lrs, make_statement(obj=identified_group))
    post_one(lrs, make_statement(actor=make_group(other, make_agent())))
    assert set(query_ids(lrs, agent=json.dumps(member))) == {anonymous_group, group_object}
    by_group = {"objectType": "Group", "mbox": identified_group["mbox"]}
    assert query_ids(lrs, agent=json.dumps(by_group)) == [group_object]


def test_agent_filter_does_not_match_context_agents(lrs: httpx.Client) -> None:
    teacher = make_agent("Teacher")
    post_one(lrs, make_statement(context={"instructor": teacher}))
    assert query_ids(lrs, agent=json.dumps(teacher)) == []


@pytest.mark.parametrize(
    "identifier",
    [
        {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
        {"openid": "http://openid.example.com/learner"},
        {"account": {"homePage": "http://accounts.example.com", "name": "learner"}},
    ],
    ids=["mbox_sha1sum", "openid", "account"],
)
def test_agent_filter_by_each_identifier(lrs: httpx.Client, identifier: JSON) -> None:
    registration = uid()
    agent = {"objectType": "Agent", **identifier}
    mine = post_one(lrs, make_statement(actor=agent, registration=registration))
    post_one(lrs, make_statement(registration=registration))
    assert query_ids(lrs, agent=json.dumps(agent), registration=registration) == [mine]


# --- verb, activity, registration -------------------------------------------------------------


def test_verb_filter(lrs: httpx.Client) -> None:
    registration = uid()
    verb = iri("verbs")
    wanted = post_one(lrs, make_statement(verb=verb, registration=registration))
    other = post_one(lrs, make_statement(verb=VERB_COMPLETED, registration=registration))
    assert query_ids(lrs, verb=verb) == [wanted]
    assert query_ids(lrs, verb=VERB_COMPLETED, registration=registration) == [other]


def test_activity_filter_matches_the_object_only(lrs: httpx.Client) -> None:
    activity = make_activity()
    as_object = post_one(lrs, make_statement(obj=activity))
    post_one(lrs, make_statement(context={"contextActivities": {"parent": [activity]}}))
    post_one(lrs, make_statement())
    assert query_ids(lrs, activity=activity["id"]) == [as_object]


def test_registration_filter(lrs: httpx.Client) -> None:
    registration = uid()
    ids = post_statements(lrs, [make_statement(registration=registration) for _ in range(3)])
    post_one(lrs, make_statement(registration=uid()))
    post_one(lrs, make_statement())
    assert set(query_ids(lrs, registration=registration)) == set(ids)
    assert query_ids(lrs, registration=registration.upper()) != []


# --- related_activities / related_agents ------------------------------------------------------


def test_related_activities(lrs: httpx.Client) -> None:
    activity = make_activity()
    registration = uid()
    as_object = post_one(lrs, make_statement(obj=activity, registration=registration))
    found: set[str] = {as_object}
    for kind in ("parent", "grouping", "category", "other"):
        found.add(
            post_one(
                lrs,
                make_statement(
                    registration=registration,
                    context={"contextActivities": {kind: [activity]}},
                ),
            )
        )
    in_substatement = {
        "objectType": "SubStatement",
        "actor": make_agent(),
        "verb": make_verb(),
        "object": activity,
    }
    found.add(post_one(lrs, make_statement(obj=in_substatement, registration=registration)))
    substatement_context = {
        **in_substatement,
        "object": make_activity(),
        "context": {"contextActivities": {"category": [activity]}},
    }
    found.add(post_one(lrs, make_statement(obj=substatement_context, registration=registration)))
    post_one(lrs, make_statement(registration=registration))

    assert set(query_ids(lrs, activity=activity["id"], related_activities="true")) == found
    assert query_ids(lrs, activity=activity["id"], related_activities="false") == [as_object]


def test_related_agents(lrs: httpx.Client) -> None:
    person = make_agent("Person")
    registration = uid()
    found = {
        post_one(lrs, make_statement(actor=person, registration=registration)),
        post_one(lrs, make_statement(obj=person, registration=registration)),
        post_one(lrs, make_statement(registration=registration, context={"instructor": person})),
        post_one(
            lrs,
            make_statement(
                registration=registration,
                context={"team": make_group(make_agent(), person)},
            ),
        ),
        post_one(
            lrs,
            make_statement(
                registration=registration,
                obj={
                    "objectType": "SubStatement",
                    "actor": make_agent(),
                    "verb": make_verb(),
                    "object": make_activity(),
                    "context": {"instructor": person},
                },
            ),
        ),
    }
    post_one(lrs, make_statement(registration=registration))
    related = query_ids(lrs, agent=json.dumps(person), related_agents="true")
    assert set(related) == found
    assert len(related) == len(found)
    narrow = query_ids(lrs, agent=json.dumps(person), registration=registration)
    assert len(narrow) == 2


def test_related_agents_matches_the_authority(
    server: LearnsightServer, make_credential: Callable[..., Credential]
) -> None:
    writer = make_credential("authority filter test", "statements/write", "statements/read")
    with server.client(writer) as client:
        ids = post_statements(client, [make_statement(), make_statement()])
        authority = client.get("/xAPI/statements", params={"statementId": ids[0]}).json()[
            "authority"
        ]
        by_authority = query_ids(client, agent=json.dumps(authority), related_agents="true")
        assert set(by_authority) == set(ids)
        assert query_ids(client, agent=json.dumps(authority)) == []


# --- since / until / limit / ascending --------------------------------------------------------


@pytest.fixture
def three_in_order(lrs: httpx.Client) -> tuple[str, list[JSON]]:
    """Three statements of one registration posted one after the other (stored order), with
    timestamps in the opposite order, so that only `stored` can explain a result."""
    registration = uid()
    timestamps = ["2030-01-01T00:00:00Z", "2020-01-01T00:00:00Z", "2010-01-01T00:00:00Z"]
    stored = []
    for timestamp in timestamps:
        statement_id = post_one(lrs, make_statement(registration=registration, timestamp=timestamp))
        stored.append(lrs.get("/xAPI/statements", params={"statementId": statement_id}).json())
    return registration, stored


def test_since_is_exclusive_and_stored_based(
    lrs: httpx.Client, three_in_order: tuple[str, list[JSON]]
) -> None:
    registration, (first, second, third) = three_in_order
    after_first = query_ids(lrs, registration=registration, since=first["stored"])
    assert after_first == [third["id"], second["id"]]
    assert query_ids(lrs, registration=registration, since=third["stored"]) == []


def test_until_is_inclusive_and_stored_based(
    lrs: httpx.Client, three_in_order: tuple[str, list[JSON]]
) -> None:
    registration, (first, second, _) = three_in_order
    until_second = query_ids(lrs, registration=registration, until=second["stored"])
    assert until_second == [second["id"], first["id"]]
    both = query_ids(lrs, registration=registration, since=first["stored"], until=second["stored"])
    assert both == [second["id"]]


def test_since_and_until_accept_offsets(
    lrs: httpx.Client, three_in_order: tuple[str, list[JSON]]
) -> None:
    registration, statements = three_in_order
    everything = {s["id"] for s in statements}
    assert set(query_ids(lrs, registration=registration, since="2000-01-01T00:00:00+05:00")) == (
        everything
    )
    assert query_ids(lrs, registration=registration, until="2000-01-01T00:00:00.000-05:00") == []


def test_default_order_is_newest_first_and_ascending_reverses(
    lrs: httpx.Client, three_in_order: tuple[str, list[JSON]]
) -> None:
    registration, statements = three_in_order
    ids = [s["id"] for s in statements]
    assert query_ids(lrs, registration=registration) == ids[::-1]
    assert query_ids(lrs, registration=registration, ascending="true") == ids
    assert query_ids(lrs, registration=registration, ascending="false") == ids[::-1]


def test_limit(lrs: httpx.Client, three_in_order: tuple[str, list[JSON]]) -> None:
    registration, statements = three_in_order
    response = lrs.get("/xAPI/statements", params={"registration": registration, "limit": "2"})
    assert response.status_code == 200
    result = response.json()
    assert [s["id"] for s in result["statements"]] == [statements[2]["id"], statements[1]["id"]]
    assert result["more"]
    everything = lrs.get("/xAPI/statements", params={"registration": registration, "limit": "0"})
    assert len(everything.json()["statements"]) == 3
    assert everything.json()["more"] == ""


def test_no_match_is_an_empty_statement_result(lrs: httpx.Client) -> None:
    response = lrs.get("/xAPI/statements", params={"registration": uid()})
    assert response.status_code == 200
    assert response.json() == {"statements": [], "more": ""}


# --- format ------------------------------------------------------------------------------------


def untyped(obj: JSON) -> JSON:
    """An Agent or Activity without its optional objectType ("Agent"/"Activity" by default)."""
    assert obj.get("objectType") in (None, "Agent", "Activity"), obj
    return {k: v for k, v in obj.items() if k != "objectType"}


def test_format_ids(lrs: httpx.Client) -> None:
    registration = uid()
    team = make_group(make_agent("A"), make_agent("B"))
    statement = make_statement(
        actor=make_agent("Named Learner"),
        obj=make_activity(name={"en-US": "Course"}),
        registration=registration,
        context={"instructor": make_agent("Teacher"), "team": team},
    )
    post_one(lrs, statement)
    [result] = fetch_all(lrs, {"registration": registration, "format": "ids"})
    assert untyped(result["actor"]) == {"mbox": statement["actor"]["mbox"]}
    assert result["verb"] == {"id": statement["verb"]["id"]}
    assert untyped(result["object"]) == {"id": statement["object"]["id"]}
    assert untyped(result["context"]["instructor"]) == {
        "mbox": statement["context"]["instructor"]["mbox"]
    }
    assert [untyped(m) for m in result["context"]["team"]["member"]] == [
        {"mbox": member["mbox"]} for member in team["member"]
    ]
    assert "name" not in result["context"]["team"]


def test_format_exact_is_the_default(lrs: httpx.Client) -> None:
    registration = uid()
    statement = make_statement(
        obj=make_activity(name={"en-US": "Course", "fr-FR": "Cours"}), registration=registration
    )
    post_one(lrs, statement)
    [default] = fetch_all(lrs, {"registration": registration})
    [exact] = fetch_all(lrs, {"registration": registration, "format": "exact"})
    assert default == exact
    assert exact["object"] == statement["object"]
    assert exact["actor"] == statement["actor"]
    assert exact["verb"] == statement["verb"]


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("fr-FR", "fr-FR"),
        ("en-US", "en-US"),
        ("fr", "fr-FR"),
        ("de-DE, fr-FR;q=0.8, en-US;q=0.5", "fr-FR"),
        ("en-US;q=0.2, fr-FR;q=0.9", "fr-FR"),
    ],
)
def test_format_canonical_picks_one_language(
    lrs: httpx.Client, accept_language: str, expected: str
) -> None:
    activity_id = iri()
    registration = uid()
    names = {"en-US": "Course", "fr-FR": "Cours"}
    displays = {"en-US": "experienced", "fr-FR": "a vécu"}
    post_statements(
        lrs,
        [
            make_statement(
                obj=make_activity(activity_id, name={"en-US": names["en-US"]}),
                verb=make_verb(VERB_EXPERIENCED, displays),
            ),
            make_statement(
                obj=make_activity(activity_id, name={"fr-FR": names["fr-FR"]}),
                verb=make_verb(VERB_EXPERIENCED, displays),
                registration=registration,
            ),
        ],
    )
    response = lrs.get(
        "/xAPI/statements",
        params={"registration": registration, "format": "canonical"},
        headers={"Accept-Language": accept_language},
    )
    assert response.status_code == 200, response.text
    [statement] = response.json()["statements"]
    # The canonical definition knows both names although this statement carried only one.
    assert statement["object"]["definition"]["name"] == {expected: names[expected]}
    assert statement["verb"]["display"] == {expected: displays[expected]}


# --- parameter checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"foo": "bar"},
        {"Verb": VERB_COMPLETED},
        {"LIMIT": "1"},
        {"statementID": "0c3c8ab2-4d5c-4a4b-9f23-1f3b3c1f5e6d"},
        {"related_Agents": "true"},
        {"agent": "not json"},
        {"agent": json.dumps({"name": "no identifier"})},
        {"verb": "not an iri"},
        {"activity": "not an iri"},
        {"registration": "not-a-uuid"},
        {"since": "yesterday"},
        {"until": "2024-13-01T00:00:00Z"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"ascending": "yes"},
        {"related_activities": "1"},
        {"format": "full"},
        {"attachments": "maybe"},
        {"more": "not-a-token"},
    ],
    ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items())[:40],
)
def test_bad_parameters_are_400(lrs: httpx.Client, params: dict[str, str]) -> None:
    response = lrs.get("/xAPI/statements", params=params)
    assert response.status_code == 400, response.text
    error_message(response)


@pytest.mark.parametrize(
    "extra",
    [
        {"verb": VERB_COMPLETED},
        {"agent": json.dumps({"mbox": "mailto:someone@example.com"})},
        {"limit": "1"},
        {"since": "2000-01-01T00:00:00Z"},
        {"ascending": "true"},
        {"registration": "0c3c8ab2-4d5c-4a4b-9f23-1f3b3c1f5e6d"},
        {"voidedStatementId": "0c3c8ab2-4d5c-4a4b-9f23-1f3b3c1f5e6d"},
    ],
    ids=lambda extra: next(iter(extra)),
)
def test_statement_id_with_other_parameters_is_400(
    lrs: httpx.Client, extra: dict[str, str]
) -> None:
    [statement_id] = post_statements(lrs, make_statement())
    for name in ("statementId", "voidedStatementId"):
        if name in extra:
            continue
        params = {name: statement_id, **extra}
        response = lrs.get("/xAPI/statements", params=params)
        assert response.status_code == 400, (params, response.text)
        error_message(response)


def test_statement_id_with_format_and_attachments_is_fine(lrs: httpx.Client) -> None:
    [statement_id] = post_statements(lrs, make_statement())
    response = lrs.get(
        "/xAPI/statements",
        params={"statementId": statement_id, "format": "ids", "attachments": "false"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == statement_id


# --- more ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("ascending", ["false", "true"])
def test_more_walks_every_page_once_while_statements_arrive(
    lrs: httpx.Client, ascending: str
) -> None:
    registration = uid()
    expected: list[str] = []
    for _ in range(4):  # several batches, so that "stored" differs between some of them
        expected += post_statements(
            lrs, [make_statement(registration=registration) for _ in range(3)]
        )
    response = lrs.get(
        "/xAPI/statements",
        params={"registration": registration, "limit": "5", "ascending": ascending},
    )
    assert response.status_code == 200
    page = response.json()
    seen: list[JSON] = list(page["statements"])
    pages = 1
    while page["more"]:
        assert page["more"].startswith("/"), page["more"]
        # Statements arriving while the client pages through must not disturb the walk.
        post_statements(lrs, [make_statement(registration=registration) for _ in range(2)])
        response = lrs.get(page["more"])
        assert response.status_code == 200, response.text
        assert response.headers.get("X-Experience-API-Consistent-Through")
        page = response.json()
        assert len(page["statements"]) <= 5
        seen += page["statements"]
        pages += 1
        assert pages <= 10, "paging does not end"
    ids = [s["id"] for s in seen]
    assert len(ids) == len(set(ids)), "a statement was returned twice"
    assert sorted(ids) == sorted(expected)
    assert pages == 3
    stored = [datetime.fromisoformat(s["stored"].replace("Z", "+00:00")) for s in seen]
    assert stored == sorted(stored, reverse=ascending == "false")


def test_more_keeps_the_filters(lrs: httpx.Client) -> None:
    registration = uid()
    verb = iri("verbs")
    wanted = post_statements(
        lrs, [make_statement(registration=registration, verb=verb) for _ in range(5)]
    )
    post_statements(lrs, [make_statement(registration=registration) for _ in range(5)])
    statements = fetch_all(lrs, {"registration": registration, "verb": verb, "limit": "2"})
    ids = [s["id"] for s in statements]
    assert sorted(ids) == sorted(wanted)
    assert len(ids) == len(wanted)


def encoded(state: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        encoded([1, 2]),
        encoded({"params": {"limit": 1}, "after": 1, "ceiling": 9}),
        encoded({"params": {"since": "yesterday"}, "after": 1, "ceiling": 9}),
        encoded({"params": {"Limit": "1"}, "after": 1, "ceiling": 9}),
        encoded({"params": {}, "after": "1", "ceiling": 9}),
    ],
)
def test_forged_more_tokens_are_400(lrs: httpx.Client, token: str) -> None:
    response = lrs.get("/xAPI/statements", params={"more": token})
    assert response.status_code == 400, response.text
    assert "error" in response.json()


# --- StatementRef -------------------------------------------------------------------------------


def test_statement_ref_targets_match_filters(lrs: httpx.Client) -> None:
    learner, reviewer = make_agent("Learner"), make_agent("Reviewer")
    activity = make_activity()
    verb = iri("verbs")
    target = post_one(lrs, make_statement(actor=learner, verb=verb, obj=activity))
    referrer = post_one(
        lrs, make_statement(actor=reviewer, verb=VERB_COMPLETED, obj=statement_ref(target))
    )
    second_level = post_one(
        lrs, make_statement(actor=make_agent(), verb=VERB_COMPLETED, obj=statement_ref(referrer))
    )
    # A StatementRef in the context does not count.
    post_one(lrs, make_statement(context={"statement": statement_ref(target)}))
    everything = {target, referrer, second_level}
    assert set(query_ids(lrs, agent=json.dumps(learner))) == everything
    assert set(query_ids(lrs, verb=verb)) == everything
    assert set(query_ids(lrs, activity=activity["id"])) == everything
    assert set(query_ids(lrs, agent=json.dumps(reviewer))) == {referrer, second_level}


def test_statement_ref_rule_still_applies_since(lrs: httpx.Client) -> None:
    learner = make_agent()
    target = post_one(lrs, make_statement(actor=learner))
    stored = lrs.get("/xAPI/statements", params={"statementId": target}).json()["stored"]
    referrer = post_one(lrs, make_statement(obj=statement_ref(target)))
    assert query_ids(lrs, agent=json.dumps(learner), since=stored) == [referrer]
