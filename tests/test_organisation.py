"""Organisation settings: defaults, validation, and the CLI with and without a server."""

from pathlib import Path

import orjson
import pytest

from helpers import LearnsightServer, run_cli
from learnsight.organisation import (
    OrganisationError,
    organisation_settings,
    set_organisation_setting,
)
from learnsight.services import Services

DEFAULTS = {"timezone": "UTC", "reporting_currency": "USD", "fiscal_year_start": 1,
            "value_events": []}  # fmt: skip


def test_defaults_then_stored_values(services: Services) -> None:
    assert organisation_settings(services.db) == DEFAULTS
    assert set_organisation_setting(services.db, "reporting_currency", "eur") == "EUR"
    assert set_organisation_setting(services.db, "value_events", "report created, invite") == [
        "report created",
        "invite",
    ]
    assert set_organisation_setting(services.db, "fiscal_year_start", "4") == 4
    assert organisation_settings(services.db) == {
        "timezone": "UTC", "reporting_currency": "EUR", "fiscal_year_start": 4,
        "value_events": ["report created", "invite"],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("timezone", "Mars/Olympus", "not an IANA time zone"),
        ("reporting_currency", "dollars", "not an ISO 4217 currency code"),
        ("fiscal_year_start", "13", "not a month number"),
        ("colour", "blue", "no organisation setting 'colour'"),
    ],
)
def test_bad_values_are_refused(services: Services, name: str, value: str, reason: str) -> None:
    with pytest.raises(OrganisationError, match=reason):
        set_organisation_setting(services.db, name, value)
    assert organisation_settings(services.db) == DEFAULTS


def test_cli_without_and_with_a_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli("organisation", "set", "timezone", "Europe/Paris", data=data)
    refused = run_cli("organisation", "set", "timezone", "Paris", data=data, expect=1)
    assert "not an IANA time zone" in refused.stderr
    server = LearnsightServer(data)
    server.start()
    try:
        run_cli("organisation", "set", "fiscal_year_start", "7", data=data)
        refused = run_cli("organisation", "set", "fiscal_year_start", "0", data=data, expect=1)
        assert "not a month number" in refused.stderr
        shown = orjson.loads(run_cli("organisation", "show", "--json", data=data).stdout)
    finally:
        server.stop()
    assert shown == {**DEFAULTS, "timezone": "Europe/Paris", "fiscal_year_start": 7}
