"""The Activities, Agents and About resources (Communication 2.4, 2.5, 2.8)."""

from __future__ import annotations

import json

import httpx
import pytest

from helpers import (
    XAPI_VERSION,
    LearnsightServer,
    error_message,
    iri,
    make_activity,
    make_agent,
    make_statement,
    post_statements,
)


def test_activity_definition_is_merged_across_statements(lrs: httpx.Client) -> None:
    activity_id = iri()
    english = make_activity(activity_id, name={"en-US": "Onboarding course"})
    english["definition"]["type"] = "http://adlnet.gov/expapi/activities/course"
    french = make_activity(activity_id, name={"fr-FR": "Cours d'intégration"})
    french["definition"]["description"] = {"fr-FR": "Pour bien commencer"}
    post_statements(lrs, make_statement(obj=english))
    post_statements(lrs, make_statement(obj=french))

    response = lrs.get("/xAPI/activities", params={"activityId": activity_id})
    assert response.status_code == 200, response.text
    activity = response.json()
    assert activity["id"] == activity_id
    assert activity.get("objectType", "Activity") == "Activity"
    definition = activity["definition"]
    assert definition["name"] == {"en-US": "Onboarding course", "fr-FR": "Cours d'intégration"}
    assert definition["description"] == {"fr-FR": "Pour bien commencer"}
    assert definition["type"] == "http://adlnet.gov/expapi/activities/course"


def test_context_activity_definitions_count_too(lrs: httpx.Client) -> None:
    parent = make_activity(name={"en-US": "The parent course"})
    post_statements(lrs, make_statement(context={"contextActivities": {"parent": [parent]}}))
    response = lrs.get("/xAPI/activities", params={"activityId": parent["id"]})
    assert response.json()["definition"]["name"] == {"en-US": "The parent course"}


def test_unknown_activity_is_still_an_activity(lrs: httpx.Client) -> None:
    activity_id = iri()
    response = lrs.get("/xAPI/activities", params={"activityId": activity_id})
    assert response.status_code == 200
    assert response.json()["id"] == activity_id


@pytest.mark.parametrize(
    "params", [{}, {"activityId": "not an iri"}, {"activityid": "http://example.com/a"}]
)
def test_activities_bad_parameters_are_400(lrs: httpx.Client, params: dict[str, str]) -> None:
    response = lrs.get("/xAPI/activities", params=params)
    assert response.status_code == 400
    error_message(response)


def test_agents_resource_returns_a_person(lrs: httpx.Client) -> None:
    agent = make_agent("Ada Lovelace")
    response = lrs.get("/xAPI/agents", params={"agent": json.dumps(agent)})
    assert response.status_code == 200, response.text
    person = response.json()
    assert person["objectType"] == "Person"
    assert person["mbox"] == [agent["mbox"]]
    assert person["name"] == ["Ada Lovelace"]
    for value in person.values():
        assert value == "Person" or isinstance(value, list)


def test_agents_resource_with_an_account(lrs: httpx.Client) -> None:
    account = {"homePage": "http://accounts.example.com", "name": "ada"}
    response = lrs.get("/xAPI/agents", params={"agent": json.dumps({"account": account})})
    assert response.status_code == 200, response.text
    person = response.json()
    assert person["objectType"] == "Person"
    assert person["account"] == [account]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"agent": "not json"},
        {"agent": json.dumps({"name": "no identifier"})},
        {"agent": json.dumps(make_agent()), "extra": "1"},
    ],
    ids=["missing", "not json", "no identifier", "extra parameter"],
)
def test_agents_bad_parameters_are_400(lrs: httpx.Client, params: dict[str, str]) -> None:
    response = lrs.get("/xAPI/agents", params=params)
    assert response.status_code == 400
    error_message(response)


def test_about_needs_no_authentication(anonymous: httpx.Client) -> None:
    response = anonymous.get("/xAPI/about")
    assert response.status_code == 200, response.text
    about = response.json()
    assert XAPI_VERSION in about["version"]
    assert all(version.startswith("1.0") for version in about["version"])
    assert response.headers["X-Experience-API-Version"] == XAPI_VERSION


def test_about_with_bad_credentials_still_answers(server: LearnsightServer) -> None:
    with server.client() as client:
        response = client.get("/xAPI/about", auth=("nobody", "nothing"))
        assert response.status_code == 200


def test_resources_other_than_about_need_authentication(anonymous: httpx.Client) -> None:
    for path, params in (
        ("/xAPI/statements", {}),
        ("/xAPI/activities", {"activityId": iri()}),
        ("/xAPI/agents", {"agent": json.dumps(make_agent())}),
    ):
        response = anonymous.get(path, params=params)
        assert response.status_code == 401, (path, response.text)
