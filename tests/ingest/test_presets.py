"""Every shipped preset, on a small export laid out like the vendor's own, through the real loader.

The exports in tests/fixtures/exports/ were written for these tests with each vendor's real
headers and value formats; each holds one row that the preset must reject, with its reason.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from learnsight.ingest.imports import MappingChoice, run_import
from learnsight.ingest.kinds import KINDS
from learnsight.ingest.loader import ImportOptions
from learnsight.ingest.mapping import load_preset, preset_names
from learnsight.ingest.summary import Reject
from learnsight.services import Services

EXPORTS = Path(__file__).parent.parent / "fixtures" / "exports"
Row = dict[str, Any]


@dataclass(frozen=True)
class Case:
    preset: str
    file: str
    rows: dict[str, Row]  # key -> the stored row's non-NULL columns (every other one is NULL)
    rejects: list[Reject]
    read: int
    skipped: int = 0
    key: str = "id"
    json_columns: tuple[str, ...] = field(default=())

    @property
    def kind(self) -> str:
        return preset_kind(self.preset)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
       micro: int = 0) -> datetime:  # fmt: skip
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


ACME_SF, NORD_SF, KIWI_SF = "0015g00000QmZ1AAAV", "0015g00000QmZ1BAAV", "0015g00000QmZ1CAAV"
DANA, JONAS, AROHA = (
    "dana.whitfield@acme-analytics.com", "jonas.becker@nordlicht.de", "aroha@kiwilearning.co.nz",
)  # fmt: skip

CASES = [
    Case(
        "salesforce-accounts",
        "salesforce-accounts.csv",
        {
            ACME_SF: {"name": "Acme Analytics", "domains": ["acme-analytics.com"],
                      "industry": "Technology", "country": "US", "currency": "USD",
                      "owner": "0055g00000A1bCdAAJ"},
            NORD_SF: {"name": "Nordlicht GmbH", "domains": ["nordlicht.de"],
                      "industry": "Manufacturing", "country": "DE", "currency": "EUR",
                      "owner": "0055g00000A1bCdAAJ"},
            KIWI_SF: {"name": "Kiwi Learning, Ltd", "domains": ["kiwilearning.co.nz"],
                      "industry": "Education", "country": "NZ", "currency": "NZD",
                      "owner": "0055g00000A1bCeAAJ"},
        },
        [Reject(5, "BillingCountry", "Frankreich", "not an ISO 3166-1 country code or name")],
        read=4,
    ),
    Case(
        "salesforce-contacts",
        "salesforce-contacts.csv",
        {
            DANA: {"email": DANA, "crm_id": "0035g00000RtY1AAAV", "name": "Dana Whitfield",
                   "account_id": ACME_SF, "role": "VP Customer Success", "country": "US",
                   "region": "MA", "created_at": at(2021, 3, 16, 10)},
            JONAS: {"email": JONAS, "crm_id": "0035g00000RtY1BAAV", "name": "Jonas Becker",
                    "account_id": NORD_SF, "role": "Head of Enablement", "country": "DE",
                    "region": "Bayern", "created_at": at(2022, 1, 5, 8, 30)},
            AROHA: {"email": AROHA, "crm_id": "0035g00000RtY1CAAV", "name": "Aroha Ngata",
                    "account_id": KIWI_SF, "role": "Trainer", "country": "NZ",
                    "created_at": at(2022, 7, 1, 1, 15)},
        },
        [
            Reject(5, "id", None, "id is required (or email)"),
            Reject(5, "Email", "schulz(at)nordlicht.de", "not an e-mail address"),
        ],
        read=4,
    ),
    Case(
        "salesforce-opportunities",
        "salesforce-opportunities.csv",
        {
            "0065g00000Hx1AAAAZ": {"account_id": ACME_SF, "date": date(2023, 3, 31),
                                   "kind": "new", "amount": Decimal("48000"), "currency": "USD"},
            "0065g00000Hx1BAAAZ": {"account_id": ACME_SF, "date": date(2024, 3, 29),
                                   "kind": "renewal", "amount": Decimal("52000"),
                                   "currency": "USD"},
            "0065g00000Hx1CAAAZ": {"account_id": ACME_SF, "date": date(2024, 9, 15),
                                   "kind": "upsell", "amount": Decimal("9500.50"),
                                   "currency": "USD"},
            "0065g00000Hx1DAAAZ": {"account_id": NORD_SF, "date": date(2023, 6, 30),
                                   "kind": "new", "amount": Decimal("15000"), "currency": "EUR"},
            "0065g00000Hx1FAAAZ": {"account_id": KIWI_SF, "date": date(2024, 5, 31),
                                   "kind": "contraction", "amount": Decimal("4000"),
                                   "currency": "NZD"},
        },
        [Reject(8, "Type", None, "kind is required")],
        read=8,
        skipped=2,  # not Closed Won
    ),
    Case(
        "hubspot-companies",
        "hubspot-companies.csv",
        {
            "9876543210": {"name": "Acme Analytics", "domains": ["acme-analytics.com"],
                           "industry": "Computer Software", "country": "US",
                           "owner": "Jordan Lee"},
            "9876543211": {"name": "Nordlicht GmbH", "domains": ["nordlicht.de"],
                           "industry": "Mechanical or Industrial Engineering", "country": "DE",
                           "owner": "Mia Wagner"},
            "9876543212": {"name": "Kiwi Learning", "domains": ["kiwilearning.co.nz"],
                           "industry": "E-Learning", "country": "NZ", "owner": "Jordan Lee"},
        },
        [Reject(5, "Company name", None, "name is required")],
        read=4,
    ),
    Case(
        "hubspot-contacts",
        "hubspot-contacts.csv",
        {
            DANA: {"email": DANA, "crm_id": "51", "name": "Dana Whitfield",
                   "account_id": "9876543210", "role": "VP Customer Success", "country": "US",
                   "region": "Massachusetts", "created_at": at(2021, 3, 16, 10)},
            JONAS: {"email": JONAS, "crm_id": "52", "name": "Jonas Becker",
                    "account_id": "9876543211", "role": "Head of Enablement", "country": "DE",
                    "region": "Bavaria", "created_at": at(2022, 1, 5, 8, 30)},
            AROHA: {"email": AROHA, "crm_id": "53", "name": "Aroha", "account_id": "9876543212",
                    "country": "NZ", "created_at": at(2022, 7, 1, 1, 15)},
        },
        [Reject(5, "id", None, "id is required (or email)")],
        read=4,
    ),
    Case(
        "hubspot-deals",
        "hubspot-deals.csv",
        {
            "1101": {"account_id": "9876543210", "date": date(2023, 3, 31), "kind": "new",
                     "amount": Decimal("48000"), "currency": "USD"},
            "1102": {"account_id": "9876543210", "date": date(2024, 3, 29), "kind": "renewal",
                     "amount": Decimal("52000"), "currency": "USD"},
            "1103": {"account_id": "9876543211", "date": date(2024, 6, 14), "kind": "upsell",
                     "amount": Decimal("12500"), "currency": "EUR"},
        },
        [Reject(7, "Deal Type", "Partner",
                "not one of new, renewal, upsell, contraction, churn")],
        read=6,
        skipped=2,  # an open deal and a lost one
    ),
    Case(
        "zendesk-tickets",
        "zendesk-tickets.csv",
        {
            "4101": {"requester_email": DANA, "created_at": at(2024, 2, 1, 8, 15, 32),
                     "solved_at": at(2024, 2, 1, 10, 2, 10),
                     "tags": ["dashboards", "export", "how_to"], "channel": "Web form",
                     "priority": "Normal"},
            "4102": {"requester_email": JONAS, "created_at": at(2024, 2, 3, 15, 40),
                     "solved_at": at(2024, 2, 5, 8, 30),
                     "tags": ["sso", "login", "urgent_customer"], "channel": "Email",
                     "priority": "High"},
            "4103": {"requester_email": AROHA, "created_at": at(2024, 2, 7, 21, 5, 10),
                     "tags": ["billing"], "channel": "Chat", "priority": "Low"},
        },
        [Reject(5, "Created at", "08/02/2024 10:12",
                "not a time in the format %Y-%m-%d %H:%M:%S %z or %Y-%m-%d %H:%M:%S "
                "or %Y-%m-%dT%H:%M:%S%z")],
        read=4,
    ),
    Case(
        "intercom-conversations",
        "intercom-conversations.csv",
        {
            "215468923401234": {"requester_email": DANA, "created_at": at(2024, 3, 4, 10, 22, 33),
                                "solved_at": at(2024, 3, 4, 10, 41, 2),
                                "topic": "Getting started", "tags": ["Onboarding", "Reports"],
                                "channel": "Chat", "priority": "Not priority"},
            "215468923401235": {"requester_email": JONAS, "created_at": at(2024, 3, 5, 8, 1, 15),
                                "solved_at": at(2024, 3, 6, 14, 30, 45), "topic": "Billing",
                                "tags": ["Billing"], "channel": "Email",
                                "priority": "Priority"},
            "215468923401236": {"created_at": at(2024, 3, 6, 23, 59, 59), "channel": "Chat",
                                "priority": "Not priority"},
        },
        [Reject(5, "Conversation started at (UTC)", "3/7/24 9:05 AM",
                "not a timestamp (ISO 8601)")],
        read=4,
    ),
    Case(
        "typeform",
        "typeform.csv",
        {
            "odwdp4nzj1xg6m9l36odwdp4nzlv2gcw": {
                "respondent": DANA, "kind": "nps", "score": 9.0,
                "comment": "The onboarding academy saved us weeks, thanks!",
                "timestamp": at(2024, 4, 2, 14, 2, 45)},
            "v1y2kq8r7m3zb5t0v1y2kq8ab1cd2ef3": {
                "respondent": JONAS, "kind": "nps", "score": 6.0,
                "timestamp": at(2024, 4, 3, 8, 31, 12)},
            "k3w9x7c5v1b2n4m6k3w9x7c5zz9yy8xx": {
                "respondent": AROHA, "kind": "nps", "score": 10.0,
                "comment": "Support and training are excellent",
                "timestamp": at(2024, 4, 4, 21, 11, 30)},
        },
        [Reject(5, "email", None, "respondent is required")],
        read=4,
    ),
    Case(
        "surveymonkey",
        "surveymonkey.csv",
        {
            "114235678901": {"respondent": DANA, "kind": "nps", "score": 9.0,
                             "timestamp": at(2023, 11, 5, 9, 14, 22)},
            "114235678902": {"respondent": JONAS, "kind": "nps", "score": 7.0,
                             "timestamp": at(2023, 11, 6, 13, 42, 55)},
            "114235678903": {"respondent": AROHA, "kind": "nps", "score": 10.0,
                             "timestamp": at(2023, 11, 8, 0, 3, 30)},
        },
        [Reject(6, "Email Address", None, "respondent is required")],
        read=5,  # the second header row is counted as read, and skipped
        skipped=1,
    ),
    Case(
        "mixpanel",
        "mixpanel.jsonl",
        {
            "a1b2c3d4e5f60718": {
                "user_id": "usr_8841", "email": DANA, "event": "Report Created",
                "timestamp": at(2024, 1, 5, 10),
                "properties": {"time": 1704448800, "distinct_id": "usr_8841",
                               "$insert_id": "a1b2c3d4e5f60718", "$email": DANA,
                               "mp_lib": "web", "$browser": "Chrome", "report_type": "funnel"}},
            "b2c3d4e5f6071829": {
                "user_id": "usr_9120", "event": "Invite Sent", "timestamp": at(2024, 1, 5, 11),
                "properties": {"time": 1704452400, "distinct_id": "usr_9120",
                               "$insert_id": "b2c3d4e5f6071829", "mp_lib": "python",
                               "invitees": 3}},
            # No $insert_id: the key is a hash of user, e-mail, event, time and properties.
            "7d4012c465eda7137b689ac9ca56e95b": {
                "user_id": "usr_7001", "event": "Dashboard Viewed",
                "timestamp": at(2024, 1, 5, 12),
                "properties": {"time": 1704456000, "distinct_id": "usr_7001", "mp_lib": "web",
                               "dashboard": "Weekly KPIs"}},
        },
        [Reject(4, "properties.$email", "Dana W.", "not an e-mail address")],
        read=4,
        key="message_id",
        json_columns=("properties",),
    ),
    Case(
        "amplitude",
        "123456_2024-01-05_10#0.json.gz",
        {
            "5f0e7c1a-9d1b-4c3e-8a77-0b1f2e3d4c5a": {
                "user_id": "usr_8841", "email": DANA, "event": "report created",
                "timestamp": at(2024, 1, 5, 10, 0, 0, 123000),
                "properties": {"report_type": "funnel", "widgets": 4}},
            "8a8470da4d8f57f28715ffe2c96a8725": {  # $insert_id null: a hash
                "user_id": "usr_9120", "event": "invite sent",
                "timestamp": at(2024, 1, 5, 11, 30), "properties": {"invitees": 3}},
            "7a1c9e3b-2d4f-4b6a-9c8e-1f0a2b3c4d5e": {
                "event": "dashboard viewed", "timestamp": at(2024, 1, 5, 12, 45, 30, 500000),
                "properties": {"dashboard": "Weekly KPIs"}},
        },
        [Reject(4, "user_properties.email", "dana.w", "not an e-mail address")],
        read=4,
        key="message_id",
        json_columns=("properties",),
    ),
]  # fmt: skip


def preset_kind(name: str) -> str:
    text = (resources.files("learnsight.ingest") / "presets" / f"{name}.yaml").read_text()
    kind: str = yaml.safe_load(text)["kind"]
    return kind


def stored_rows(services: Services, case: Case) -> dict[str, Row]:
    """The kind's table as {key: {column: value}}, JSON columns decoded."""
    cursor = services.db.read().execute(f'SELECT * FROM "{KINDS[case.kind].table}"')
    names = [d[0] for d in cursor.description or ()]
    rows = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        for column in case.json_columns:
            if row[column] is not None:
                row[column] = json.loads(row[column])
        rows[row.pop(case.key)] = row
    return rows


def test_every_preset_has_a_sample_export() -> None:
    assert {case.preset for case in CASES} == set(preset_names())
    assert len(preset_names()) == 12


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.preset)
def test_preset_imports_its_sample_export(case: Case, services: Services, tmp_path: Path) -> None:
    path = tmp_path / case.file
    shutil.copy(EXPORTS / case.file, path)
    choice = MappingChoice(preset=case.preset)

    first = run_import(services, case.kind, path, choice, ImportOptions())
    assert (first.read, first.inserted, first.updated, first.unchanged) == (
        case.read, len(case.rows), 0, 0,
    )  # fmt: skip
    assert (first.rejected, first.skipped, first.duplicates) == (1, case.skipped, 0)
    assert first.rejects == case.rejects
    assert first.outcome == "imported"

    stored = stored_rows(services, case)
    assert stored.keys() == case.rows.keys()
    for key, expected in case.rows.items():
        columns = dict.fromkeys(stored[key])
        assert stored[key] == {**columns, **expected}, key

    again = run_import(services, case.kind, path, choice, ImportOptions())
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (
        0, 0, len(case.rows), 1,
    )  # fmt: skip
    assert stored_rows(services, case) == stored


@pytest.mark.parametrize("name", preset_names())
def test_preset_file_parses_and_maps_known_fields(name: str) -> None:
    text = (resources.files("learnsight.ingest") / "presets" / f"{name}.yaml").read_text()
    data = yaml.safe_load(text)
    assert set(data) <= {"description", "kind", "fields", "only", "skip_rows"}
    assert isinstance(data["description"], str) and len(data["description"]) > 80
    kind = KINDS[data["kind"]]
    mapping = load_preset(name, kind.name)
    assert mapping.kind is kind
    assert set(mapping.fields) <= set(kind.field_names)
    # Everything a row needs comes from the preset: required fields, and the key or what
    # derives it.
    required = {f.name for f in kind.fields if f.required and f.default is None}
    assert required <= set(mapping.fields)
    assert (set(kind.key) | set(kind.derived_key)) & set(mapping.fields)
    for spec in mapping.fields.values():
        assert spec.column is not None or spec.value is not None
