"""The generic importer: every kind and field type, every file format, the counts, partial
mappings, --strict and --dry-run, the rejects file, errors, the CLI with and without a server,
and `POST /api/v1/import/{kind}`.

Imports run through the real loader on a real DuckDB file; the CLI is the installed console
script and the endpoint a real server.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from helpers import (
    Credential,
    LearnsightServer,
    Setup,
    error_message,
    one_line,
    open_database,
    run_cli,
)
from learnsight.config import Settings
from learnsight.ingest.imports import MappingChoice, history, run_import
from learnsight.ingest.kinds import KINDS
from learnsight.ingest.loader import ImportOptions
from learnsight.ingest.mapping import MappingError, parse_mapping
from learnsight.ingest.sources import SourceError
from learnsight.ingest.summary import ImportResult, Reject
from learnsight.services import Services

Row = dict[str, Any]


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
       micro: int = 0) -> datetime:  # fmt: skip
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_mapping(path: Path, mapping: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    return path


def import_file(
    services: Services,
    kind: str,
    path: Path,
    mapping: dict[str, Any] | None = None,
    **options: Any,
) -> ImportResult:
    """Import through the same entry point as the CLI and the endpoint (the mapping as an
    uploaded mapping's text)."""
    text = None if mapping is None else yaml.safe_dump(mapping)
    choice = MappingChoice(text=text)
    return run_import(services, kind, path, choice, ImportOptions(**options))


def stored(services: Services, kind: str, order: str | None = None) -> list[Row]:
    """Every row of the kind's table (JSON columns decoded), ordered by its key."""
    spec = KINDS[kind]
    cursor = services.db.read().execute(
        f'SELECT * FROM "{spec.table}" ORDER BY {order or ", ".join(spec.key)}'
    )
    names = [d[0] for d in cursor.description or ()]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        if row.get("properties") is not None:  # the one JSON column
            row["properties"] = json.loads(row["properties"])
    return rows


def counts(result: ImportResult) -> tuple[int, ...]:
    """(read, inserted, updated, unchanged, rejected, skipped, duplicates)"""
    return (result.read, result.inserted, result.updated, result.unchanged, result.rejected,
            result.skipped, result.duplicates)  # fmt: skip


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """One data directory for the many one-value imports (each uses keys of its own)."""
    opened = Services.open(Settings(data=tmp_path_factory.mktemp("values") / "data"))
    try:
        yield opened
    finally:
        opened.close()


# --- Every kind, from a CSV whose headers are the field names --------------------------------

# kind -> {header: cell}, and the row stored from it. Headers show the default matching: case,
# spaces and dashes do not matter.
SAMPLES: dict[str, tuple[dict[str, str], Row]] = {
    "accounts": (
        {"ID": "A-1", "Name": "Acme", "Domains": "acme.com; acme.io", "Segment": "Enterprise",
         "Industry": "Software", "Country": "fr", "Seats": "120", "ARR": "99000.5",
         "Currency": "eur", "Contract Start": "2023-01-01", "renewal-date": "2024-01-01",
         "churned_at": "2024-06-30", "owner": "Jordan Lee"},
        {"id": "A-1", "name": "Acme", "domains": ["acme.com", "acme.io"], "segment": "enterprise",
         "industry": "Software", "country": "FR", "seats": 120, "arr": Decimal("99000.50"),
         "currency": "EUR", "contract_start": date(2023, 1, 1), "renewal_date": date(2024, 1, 1),
         "churned_at": date(2024, 6, 30), "owner": "Jordan Lee"},
    ),
    "contacts": (
        {"id": "c-1", "account_id": "A-1", "email": "Dana@Acme.com", "name": "Dana Whitfield",
         "role": "Admin", "country": "Germany", "region": "Bavaria", "timezone": "europe/berlin",
         "created_at": "2023-05-01T12:00:00+02:00", "crm_id": "003A", "helpdesk_id": "381",
         "product_id": "usr_1", "lms_id": "dana.w"},
        {"id": "c-1", "account_id": "A-1", "email": "dana@acme.com", "name": "Dana Whitfield",
         "role": "Admin", "country": "DE", "region": "Bavaria", "timezone": "Europe/Berlin",
         "created_at": at(2023, 5, 1, 10), "crm_id": "003A", "helpdesk_id": "381",
         "product_id": "usr_1", "lms_id": "dana.w"},
    ),
    "revenue": (
        {"id": "r-1", "account_id": "A-1", "date": "2024-03-31", "kind": "Renewal",
         "amount": "1200", "currency": "usd"},
        {"id": "r-1", "account_id": "A-1", "date": date(2024, 3, 31), "kind": "renewal",
         "amount": Decimal("1200.00"), "currency": "USD"},
    ),
    "tickets": (
        {"id": "T-9", "account_id": "A-1", "requester_email": "dana@acme.com",
         "created_at": "2024-02-01 09:15:00", "solved_at": "2024-02-02T10:00:00Z",
         "topic": "SSO", "tags": "sso,login", "channel": "email", "priority": "high"},
        {"id": "T-9", "account_id": "A-1", "requester_email": "dana@acme.com",
         "created_at": at(2024, 2, 1, 9, 15), "solved_at": at(2024, 2, 2, 10), "topic": "SSO",
         "tags": ["sso", "login"], "channel": "email", "priority": "high"},
    ),
    "events": (
        {"message_id": "m-1", "user_id": "usr_1", "email": "dana@acme.com", "account_id": "A-1",
         "event": "report created", "timestamp": "2024-01-05T10:00:00Z",
         "properties": '{"plan": "pro"}'},
        {"message_id": "m-1", "user_id": "usr_1", "email": "dana@acme.com", "account_id": "A-1",
         "event": "report created", "timestamp": at(2024, 1, 5, 10),
         "properties": {"plan": "pro"}},
    ),
    "surveys": (
        {"id": "s-1", "respondent": "dana@acme.com", "account_id": "A-1", "kind": "NPS",
         "score": "9", "comment": "Great course", "timestamp": "2024-04-02 14:02:45",
         "course_id": "https://example.com/courses/onboarding"},
        {"id": "s-1", "respondent": "dana@acme.com", "account_id": "A-1", "kind": "nps",
         "score": 9.0, "comment": "Great course", "timestamp": at(2024, 4, 2, 14, 2, 45),
         "course_id": "https://example.com/courses/onboarding"},
    ),
    "costs": (
        {"period_start": "2024-01-01", "period_end": "2024-03-31", "category": "content",
         "amount": "15000", "currency": "GBP"},
        {"period_start": date(2024, 1, 1), "period_end": date(2024, 3, 31),
         "category": "content", "amount": Decimal("15000.00"), "currency": "GBP"},
    ),
    "fx-rates": (
        {"date": "2024-01-31", "currency": "eur", "rate": "1.0842"},
        {"date": date(2024, 1, 31), "currency": "EUR", "rate": 1.0842},
    ),
    "catalog": (
        {"id": "https://example.com/courses/onboarding", "kind": "Path", "name": "Onboarding",
         "content_type": "Video", "created_at": "2023-01-10T08:00:00Z",
         "updated_at": "2024-01-10T08:00:00Z", "paths": "https://example.com/paths/admin",
         "features": "report created; invite sent", "ticket_topics": "SSO"},
        {"id": "https://example.com/courses/onboarding", "kind": "path", "name": "Onboarding",
         "content_type": "video", "created_at": at(2023, 1, 10, 8),
         "updated_at": at(2024, 1, 10, 8), "paths": ["https://example.com/paths/admin"],
         "features": ["report created", "invite sent"], "ticket_topics": ["SSO"]},
    ),
}  # fmt: skip


def test_the_samples_cover_every_kind_and_field() -> None:
    assert SAMPLES.keys() == KINDS.keys()
    for name, (_cells, row) in SAMPLES.items():
        assert list(row) == KINDS[name].field_names, name


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_every_kind_imports_a_csv_named_after_its_fields(
    kind: str, services: Services, tmp_path: Path
) -> None:
    cells, expected = SAMPLES[kind]
    path = write_csv(tmp_path / f"{kind}.csv", list(cells), [list(cells.values())])
    result = import_file(services, kind, path)
    assert counts(result) == (1, 1, 0, 0, 0, 0, 0)
    assert result.rejects == []
    assert stored(services, kind) == [expected]
    assert counts(import_file(services, kind, path)) == (1, 0, 0, 1, 0, 0, 0)


# --- Every field type: what is stored, and what is rejected ---------------------------------

KEYS = {"accounts": "id", "contacts": "id", "tickets": "id", "events": "message_id",
        "surveys": "id"}  # fmt: skip
# The other required fields, as constants, so each import tests one value.
CONSTANTS: dict[str, dict[str, Any]] = {
    "accounts": {"name": {"value": "Acme"}},
    "contacts": {},
    "tickets": {"created_at": {"value": "2024-01-01T00:00:00Z"}},
    "events": {"event": {"value": "clicked"}, "timestamp": {"value": "2024-01-01T00:00:00Z"}},
    "surveys": {"respondent": {"value": "dana@acme.com"}, "kind": {"value": "nps"},
                "score": {"value": "9"}, "timestamp": {"value": "2024-01-01T00:00:00Z"}},
}  # fmt: skip


def import_value(
    services: Services, tmp_path: Path, kind: str, field: str, options: dict[str, Any], raw: str
) -> tuple[Any, list[Reject]]:
    """Import one row whose `field` is read from `raw`: (the stored value, the rejects)."""
    key = uuid.uuid4().hex
    path = write_csv(tmp_path / f"{key}.csv", ["key", "value"], [[key, raw]])
    fields = {KEYS[kind]: "key", **CONSTANTS[kind], field: {"column": "value", **options}}
    result = import_file(services, kind, path, {"kind": kind, "fields": fields})
    row = (
        services.db.read()
        .execute(f'SELECT "{field}" FROM "{KINDS[kind].table}" WHERE "{KEYS[kind]}" = ?', [key])
        .fetchone()
    )
    value = row[0] if row else None
    return (json.loads(value) if field == "properties" and value else value), result.rejects


VALID = [
    ("accounts", "industry", {}, "  Software  ", "Software"),
    ("contacts", "email", {}, " Dana.W@Example.COM ", "dana.w@example.com"),
    ("accounts", "contract_start", {}, "2024-03-05", date(2024, 3, 5)),
    ("accounts", "contract_start", {}, "2024-03-05T23:30:00Z", date(2024, 3, 5)),
    ("accounts", "contract_start", {"format": "%d/%m/%Y"}, "05/03/2024", date(2024, 3, 5)),
    ("accounts", "contract_start", {"format": ["%d/%m/%Y", "%Y%m%d"]}, "20240305",
     date(2024, 3, 5)),
    ("accounts", "contract_start", {"format": "epoch"}, "1709596800", date(2024, 3, 5)),
    ("contacts", "created_at", {}, "2024-03-05T10:20:30Z", at(2024, 3, 5, 10, 20, 30)),
    ("contacts", "created_at", {}, "2024-03-05T10:20:30+02:00", at(2024, 3, 5, 8, 20, 30)),
    ("contacts", "created_at", {}, "2024-03-05 10:20:30.25", at(2024, 3, 5, 10, 20, 30, 250000)),
    ("contacts", "created_at", {}, "2024-03-05", at(2024, 3, 5)),
    ("contacts", "created_at", {"format": "epoch"}, "1709634030", at(2024, 3, 5, 10, 20, 30)),
    ("contacts", "created_at", {"format": "epoch_ms"}, "1709634030250",
     at(2024, 3, 5, 10, 20, 30, 250000)),
    ("contacts", "created_at", {"format": "%d.%m.%Y %H:%M"}, "05.03.2024 10:20",
     at(2024, 3, 5, 10, 20)),
    ("contacts", "created_at", {"format": "%Y-%m-%d %H:%M:%S %z"}, "2024-03-05 10:20:30 -0700",
     at(2024, 3, 5, 17, 20, 30)),
    # A time zone for times written without an offset, summer time included; an offset wins.
    ("contacts", "created_at", {"timezone": "Europe/Paris"}, "2024-03-05 10:20:30",
     at(2024, 3, 5, 9, 20, 30)),
    ("contacts", "created_at", {"timezone": "Europe/Paris"}, "2024-07-05T10:20:30",
     at(2024, 7, 5, 8, 20, 30)),
    ("contacts", "created_at", {"timezone": "Europe/Paris"}, "2024-03-05T10:20:30Z",
     at(2024, 3, 5, 10, 20, 30)),
    ("contacts", "created_at", {"timezone": "Asia/Kolkata"}, "2024-03-05 10:20:30+01:00",
     at(2024, 3, 5, 9, 20, 30)),
    ("contacts", "created_at", {"timezone": "America/New_York", "format": "%m/%d/%Y %I:%M %p"},
     "03/05/2024 10:20 AM", at(2024, 3, 5, 15, 20)),
    ("contacts", "created_at", {"timezone": "America/New_York", "format": "epoch"},
     "1709634030", at(2024, 3, 5, 10, 20, 30)),
    ("accounts", "seats", {}, " 42 ", 42),
    ("accounts", "seats", {}, "40.0", 40),
    ("accounts", "arr", {}, "1234.567", Decimal("1234.57")),
    ("accounts", "arr", {}, "-250", Decimal("-250.00")),
    ("surveys", "score", {}, "7.5", 7.5),
    ("accounts", "country", {}, "fr", "FR"),
    ("accounts", "country", {}, "France", "FR"),
    ("accounts", "country", {}, "united kingdom", "GB"),
    ("accounts", "country", {}, "USA", "US"),
    ("accounts", "currency", {}, "eur", "EUR"),
    ("contacts", "timezone", {}, "europe/paris", "Europe/Paris"),
    ("accounts", "domains", {}, "acme.com; acme.io ,acme.de", ["acme.com", "acme.io", "acme.de"]),
    ("accounts", "domains", {}, '["acme.com", "acme.io"]', ["acme.com", "acme.io"]),
    ("accounts", "domains", {}, "acme.com;;acme.io;", ["acme.com", "acme.io"]),
    ("tickets", "tags", {"separators": " "}, "sso  login", ["sso", "login"]),
    ("tickets", "tags", {"separators": "|"}, "a, b|c", ["a, b", "c"]),
    ("accounts", "domains", {"transform": "domain"}, "https://www.Acme.com/pricing?x=1",
     ["acme.com"]),
    ("accounts", "domains", {"transform": "domain"}, "dana@acme.io", ["acme.io"]),
    ("events", "properties", {}, '{"plan": "pro", "seats": 3}', {"plan": "pro", "seats": 3}),
    ("accounts", "segment", {}, "Mid-Market", "mid-market"),
    ("accounts", "segment", {}, "smb", "SMB"),
    ("accounts", "segment", {"values": {"Large": "enterprise"}}, "Large", "enterprise"),
    ("accounts", "segment", {"values": {"Large": "enterprise"}}, "SMB", "SMB"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "field", "options", "raw", "expected"), VALID)
def test_field_values_are_parsed(
    shared: Services, tmp_path: Path, kind: str, field: str, options: dict[str, Any], raw: str,
    expected: Any,
) -> None:  # fmt: skip
    value, rejects = import_value(shared, tmp_path, kind, field, options, raw)
    assert rejects == []
    assert value == expected
    assert type(value) is type(expected)


REJECTED = [
    ("accounts", "contract_start", {}, "yesterday", "not a date (YYYY-MM-DD)"),
    ("accounts", "contract_start", {"format": "%d/%m/%Y"}, "31/02/2024",
     "not a time in the format %d/%m/%Y"),
    ("contacts", "created_at", {}, "5 March 2024", "not a timestamp (ISO 8601)"),
    ("contacts", "created_at", {"format": ["epoch", "%Y"]}, "soon",
     "not a time in the format epoch or %Y"),
    ("contacts", "email", {}, "dana@example", "not an e-mail address"),
    ("contacts", "email", {}, "dana example.com", "not an e-mail address"),
    ("accounts", "seats", {}, "4.5", "not a whole number"),
    ("accounts", "seats", {}, "1,000", "not a whole number"),
    ("accounts", "arr", {}, "12,50", "not an amount"),
    ("accounts", "arr", {}, "$100", "not an amount"),
    ("surveys", "score", {}, "NaN", "not a number"),
    ("surveys", "score", {}, "nine", "not a number"),
    ("accounts", "country", {}, "Narnia", "not an ISO 3166-1 country code or name"),
    ("accounts", "country", {}, "XX", "not an ISO 3166-1 country code or name"),
    ("accounts", "currency", {}, "EURO", "not an ISO 4217 currency code"),
    ("accounts", "currency", {}, "€", "not an ISO 4217 currency code"),
    ("contacts", "timezone", {}, "Mars/Olympus", "not an IANA time zone such as Europe/Paris"),
    ("accounts", "domains", {}, '["acme.com"', "not a list"),
    ("events", "properties", {}, "{bad json", "not JSON"),
    ("accounts", "segment", {}, "huge", "not one of SMB, mid-market, enterprise"),
    ("accounts", "name", {}, "   ", "name is required"),
    ("tickets", "created_at", {}, "", "created_at is required"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "field", "options", "raw", "rule"), REJECTED)
def test_bad_values_are_rejected_with_their_rule(
    shared: Services, tmp_path: Path, kind: str, field: str, options: dict[str, Any], raw: str,
    rule: str,
) -> None:  # fmt: skip
    value, rejects = import_value(shared, tmp_path, kind, field, options, raw)
    assert value is None  # nothing of the row was stored
    assert rejects == [Reject(2, "value", raw.strip() or None, rule)]


def test_one_row_can_break_several_rules(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "accounts.csv",
        ["id", "name", "seats", "country"],
        [["A-1", "Acme", "12", "FR"], ["A-2", "", "many", "Narnia"]],
    )
    result = import_file(services, "accounts", path)
    assert counts(result) == (2, 1, 0, 0, 1, 0, 0)
    assert result.rejects == [
        Reject(3, "name", None, "name is required"),
        Reject(3, "country", "Narnia", "not an ISO 3166-1 country code or name"),
        Reject(3, "seats", "many", "not a whole number"),
    ]


# --- Mapping files ---------------------------------------------------------------------------

MAPPING_ERRORS = [
    ("fields: {nope: x}", "field nope: accounts has no such field (id, name, domains"),
    ("fields: {id: {column: a, value: b}}", "field id: give exactly one of `column` and `value`"),
    ("fields: {id: {colum: a}}", "field id: unknown option(s) colum"),
    ("fields: {id: {column: []}}", "field id: `column` must be a column name or a list of them"),
    ("fields: {seats: {column: a, format: '%Y'}}",
     "field seats: `format` applies to dates and timestamps only"),
    ("fields: {domains: {column: a, transform: upper}}",
     "field domains: unknown transform 'upper' (domain)"),
    ("fields: {industry: {column: a, separators: ';'}}",
     "field industry: `separators` applies to list fields only"),
    ("fields: {domains: {column: a, separators: ''}}",
     'field domains: `separators` names the characters between items, e.g. ";,"'),
    ("fields: {contract_start: {column: a, timezone: Europe/Paris}}",
     "field contract_start: `timezone` applies to timestamps only"),
    ("fields: {id: {column: a, optional: maybe}}", "field id: `optional` must be true or false"),
    ("fields: {segment: {column: a, values: [SMB]}}",
     "field segment: `values` must map source values to stored values"),
    ("fields: {id: a}\nskip_rows: -1", "`skip_rows` must be a whole number of rows, 0 or more"),
    ("fields: {id: a}\nonly: [a]", "`only` must map columns to the values kept"),
    ("kind: contacts\nfields: {id: a}", "maps contacts, not accounts"),
    ("fields: {id: a}\nextra: 1", "unknown key(s) extra"),
    ("fields: []", "`fields` must map field names to source columns"),
    ("- just a list", "expected a mapping with `fields`"),
    ("fields: {id: [a, b",
     "not valid YAML (expected ',' or ']', but got '<stream end>' at line 1, column 19)"),
    ("fields:\n  id: a\n bad: b", "not valid YAML (expected <block end>, but found"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), MAPPING_ERRORS)
def test_mapping_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(MappingError) as raised:
        parse_mapping(text, "m.yaml", "accounts")
    assert str(raised.value).startswith("m.yaml")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_an_unknown_time_zone_in_a_mapping_is_refused() -> None:
    with pytest.raises(MappingError, match="unknown time zone 'Mars/Base'"):
        parse_mapping("fields: {created_at: {column: a, timezone: Mars/Base}}", "m", "tickets")


def test_joined_columns_constants_and_case_insensitive_headers(
    services: Services, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "people.csv",
        ["EMAIL", "First Name", "Last Name", "Stage"],
        [["dana@acme.com", "Dana", "Whitfield", "customer"],
         ["jonas@nordlicht.de", "", "Becker", "Customer"],
         ["lead@brightpath.io", "Lee", "", "lead"]],
    )  # fmt: skip
    mapping = {
        "kind": "contacts",
        "fields": {
            "email": "Email",  # the header is EMAIL
            "name": {"column": ["first name", "Last Name"]},
            "role": {"value": "learner"},
        },
        "only": {"stage": ["customer", "Customer"]},
    }
    result = import_file(services, "contacts", path, mapping)
    assert counts(result) == (3, 2, 0, 0, 0, 1, 0)
    rows = {r["id"]: (r["email"], r["name"], r["role"]) for r in stored(services, "contacts")}
    assert rows == {
        "dana@acme.com": ("dana@acme.com", "Dana Whitfield", "learner"),
        "jonas@nordlicht.de": ("jonas@nordlicht.de", "Becker", "learner"),
    }


def test_a_joined_column_names_every_column_in_a_reject(services: Services, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", ["Id", "First", "Last"], [["A-1", "", ""]])
    mapping = {"fields": {"id": "Id", "name": {"column": ["First", "Last"]}}}
    result = import_file(services, "accounts", path, mapping)
    assert result.rejects == [Reject(2, "First + Last", None, "name is required")]


def test_optional_columns_missing_from_a_file_are_left_alone(
    services: Services, tmp_path: Path
) -> None:
    mapping = {
        "fields": {
            "id": "Id",
            "name": "Name",
            "industry": {"column": "Industry", "optional": True},
            "owner": {"column": ["Owner First", "Owner Last"], "optional": True},
        }
    }
    full = write_csv(
        tmp_path / "full.csv",
        ["Id", "Name", "Industry", "Owner First", "Owner Last"],
        [["A-1", "Acme", "Software", "Jordan", "Lee"]],
    )
    import_file(services, "accounts", full, mapping)
    # Without Industry and with only one of the owner's columns.
    slim = write_csv(
        tmp_path / "slim.csv", ["Id", "Name", "Owner Last"], [["A-1", "Acme Inc", "Li"]]
    )
    result = import_file(services, "accounts", slim, mapping)
    assert counts(result) == (1, 0, 1, 0, 0, 0, 0)
    [row] = stored(services, "accounts")
    assert (row["name"], row["industry"], row["owner"]) == ("Acme Inc", "Software", "Li")


def test_a_missing_column_that_is_not_optional_is_an_error(
    services: Services, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", ["Id", "Name"], [["A-1", "Acme"]])
    mapping = {"fields": {"id": "Id", "name": "Name", "industry": "Sector"}}
    with pytest.raises(MappingError) as raised:
        import_file(services, "accounts", path, mapping)
    assert str(raised.value) == (
        "the uploaded mapping: column(s) 'Sector' not in a.csv (its columns: Id, Name)"
    )


def test_a_file_without_a_required_field_is_an_error(services: Services, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "revenue.csv", ["account_id", "date"], [["A-1", "2024-01-01"]])
    with pytest.raises(MappingError, match=r"no column for kind, amount in revenue\.csv"):
        import_file(services, "revenue", path)
    path = write_csv(tmp_path / "contacts.csv", ["name"], [["Dana"]])
    with pytest.raises(MappingError, match=r"no column for id \(or email\) in contacts\.csv"):
        import_file(services, "contacts", path)


def test_skip_rows_leaves_out_rows_after_the_header(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "survey.csv",
        ["Respondent", "Score", "Done"],
        [["", "Response", ""], ["dana@acme.com", "9", "2024-01-02 10:00:00"]],
    )
    mapping = {
        "skip_rows": 1,
        "fields": {"respondent": "Respondent", "kind": {"value": "csat"}, "score": "Score",
                   "timestamp": "Done"},
    }  # fmt: skip
    result = import_file(services, "surveys", path, mapping)
    assert counts(result) == (2, 1, 0, 0, 0, 1, 0)
    [row] = stored(services, "surveys")
    assert (row["respondent"], row["kind"], row["score"]) == ("dana@acme.com", "csat", 9.0)


def test_defaults_fill_blank_and_unmapped_fields(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "catalog.csv",
        ["id", "kind", "name"],
        [["https://example.com/c/1", "", "Basics"], ["https://example.com/p/1", "path", "Admin"]],
    )
    import_file(services, "catalog", path)
    unmapped = write_csv(tmp_path / "more.csv", ["id"], [["https://example.com/c/2"]])
    import_file(services, "catalog", unmapped)
    kinds = {r["id"]: r["kind"] for r in stored(services, "catalog")}
    assert kinds == {
        "https://example.com/c/1": "course",
        "https://example.com/c/2": "course",
        "https://example.com/p/1": "path",
    }


def test_derived_keys_find_the_same_rows_again(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "revenue.csv",
        ["account_id", "date", "kind", "amount", "currency"],
        [
            ["A-1", "2024-01-01", "new", "1000", "USD"],
            ["A-1", "2024-06-01", "upsell", "250", "USD"],
        ],
    )
    assert counts(import_file(services, "revenue", path)) == (2, 2, 0, 0, 0, 0, 0)
    assert counts(import_file(services, "revenue", path)) == (2, 0, 0, 2, 0, 0, 0)
    ids = [row["id"] for row in stored(services, "revenue", order="date")]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)  # MD5s
    # A contact without an id is keyed by its (lower-cased) e-mail address.
    people = write_csv(tmp_path / "contacts.csv", ["email", "name"], [["Dana@Acme.com", "Dana"]])
    import_file(services, "contacts", people)
    assert [r["id"] for r in stored(services, "contacts")] == ["dana@acme.com"]


# --- File formats ------------------------------------------------------------------------------

ACCOUNT_ROWS: list[Row] = [
    {"id": "A-1", "name": "Acme", "domains": ["acme.com", "acme.io"], "seats": 120,
     "arr": 99000.5, "contract_start": date(2023, 1, 1)},
    {"id": "A-2", "name": "Nordlicht", "domains": None, "seats": None, "arr": None,
     "contract_start": None},
    {"id": "A-3", "name": "Kiwi", "domains": ["kiwi.nz"], "seats": 12, "arr": 1500.0,
     "contract_start": date(2024, 2, 29)},
    {"id": "A-4", "name": "Broken", "domains": None, "seats": -3.5, "arr": None,
     "contract_start": None},
]  # fmt: skip


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def write_accounts(path: Path) -> Path:
    """ACCOUNT_ROWS in the format the path's name says (.gz: gzipped)."""
    plain = path.with_suffix("") if path.suffix == ".gz" else path
    if plain.suffix in (".csv", ".tsv"):
        delimiter = "," if plain.suffix == ".csv" else "\t"
        with plain.open("w", newline="") as stream:
            writer = csv.writer(stream, delimiter=delimiter)
            writer.writerow(list(ACCOUNT_ROWS[0]))
            writer.writerows([[as_text(v) for v in row.values()] for row in ACCOUNT_ROWS])
    elif plain.suffix == ".parquet":  # typed columns: integers, doubles, lists, dates
        pq.write_table(pa.Table.from_pylist(ACCOUNT_ROWS), plain)
    else:  # JSON Lines, values as JSON types
        lines = [json.dumps({k: v for k, v in row.items() if v is not None}, default=str)
                 for row in ACCOUNT_ROWS]  # fmt: skip
        plain.write_text("\n".join(lines) + "\n")
    if plain != path:
        with plain.open("rb") as source, gzip.open(path, "wb") as packed:
            shutil.copyfileobj(source, packed)
        plain.unlink()
    return path


FORMATS = [  # file name, the line of the fourth row (the bad one)
    ("accounts.csv", 5), ("accounts.csv.gz", 5), ("accounts.tsv", 5), ("accounts.parquet", 4),
    ("accounts.parquet.gz", 4), ("accounts.jsonl", 4), ("accounts.jsonl.gz", 4),
    ("accounts.ndjson", 4), ("accounts.json", 4),
]  # fmt: skip


@pytest.mark.parametrize(("name", "bad_line"), FORMATS)
def test_every_format_stores_the_same_rows(
    name: str, bad_line: int, services: Services, tmp_path: Path
) -> None:
    path = write_accounts(tmp_path / name)
    result = import_file(services, "accounts", path)
    assert counts(result) == (4, 3, 0, 0, 1, 0, 0)
    assert result.rejects == [Reject(bad_line, "seats", "-3.5", "not a whole number")]
    rows = [
        {k: r[k] for k in ("id", "name", "domains", "seats", "arr", "contract_start")}
        for r in stored(services, "accounts")
    ]
    assert rows == [
        {"id": "A-1", "name": "Acme", "domains": ["acme.com", "acme.io"], "seats": 120,
         "arr": Decimal("99000.50"), "contract_start": date(2023, 1, 1)},
        {"id": "A-2", "name": "Nordlicht", "domains": None, "seats": None, "arr": None,
         "contract_start": None},
        {"id": "A-3", "name": "Kiwi", "domains": ["kiwi.nz"], "seats": 12,
         "arr": Decimal("1500.00"), "contract_start": date(2024, 2, 29)},
    ]  # fmt: skip


def test_json_lines_columns_are_dotted_paths(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    lines = [
        {"type": "track", "messageId": "m-1", "event": "Report Created",
         "timestamp": "2024-01-05T10:00:00.000Z", "context": {"traits": {"email": "D@acme.com"}},
         "properties": {"report": {"kind": "funnel"}}},
        {"type": "track", "messageId": "m-2", "event": "Invite Sent",
         "timestamp": "2024-01-05T11:00:00Z", "properties": {}},
    ]  # fmt: skip
    with gzip.open(path, "wt") as stream:
        stream.writelines(json.dumps(line) + "\n" for line in lines)
    mapping = {
        "fields": {"message_id": "messageId", "email": "context.traits.email", "event": "event",
                   "timestamp": "timestamp", "properties": "properties",
                   "account_id": "properties.report.kind"},
    }  # fmt: skip
    result = import_file(services, "events", path, mapping)
    assert counts(result) == (2, 2, 0, 0, 0, 0, 0)
    rows = stored(services, "events")
    assert [(r["message_id"], r["email"], r["account_id"], r["properties"]) for r in rows] == [
        ("m-1", "d@acme.com", "funnel", {"report": {"kind": "funnel"}}),
        ("m-2", None, None, {}),
    ]


def test_parquet_timestamps_and_nested_values(services: Services, tmp_path: Path) -> None:
    table = pa.table({
        "message_id": ["m-1", "m-2"],
        "event": ["report created", "invite sent"],
        "timestamp": pa.array([at(2024, 3, 5, 10, 20, 30), at(2024, 3, 5, 11)],
                              pa.timestamp("us", tz="UTC")),
        "properties": [{"plan": "pro", "seats": 3}, {"plan": "free", "seats": None}],
    })  # fmt: skip
    pq.write_table(table, tmp_path / "events.parquet")
    assert counts(import_file(services, "events", tmp_path / "events.parquet"))[1] == 2
    rows = [(r["message_id"], r["timestamp"], r["properties"]) for r in stored(services, "events")]
    assert rows == [
        ("m-1", at(2024, 3, 5, 10, 20, 30), {"plan": "pro", "seats": 3}),
        ("m-2", at(2024, 3, 5, 11), {"plan": "free", "seats": None}),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("accounts.xlsx", b"PK\x03\x04", "accounts.xlsx: unknown file type (expected .csv"),
        ("accounts.jsonl", b'{"id": "A-1"\n', "accounts.jsonl: cannot be read as json"),
        ("accounts.parquet", b"id,name\n", "accounts.parquet: cannot be read as parquet"),
        ("accounts.csv.gz", b"id,name\nA-1,Acme\n", "accounts.csv.gz: cannot be read as csv"),
    ],
)
def test_unreadable_files_are_one_line_errors(
    name: str, content: bytes, message: str, services: Services, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises((SourceError, MappingError)) as raised:
        import_file(services, "accounts", path)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
    assert stored(services, "accounts") == []


def test_a_spreadsheet_csv_with_a_byte_order_mark_and_semicolons(
    services: Services, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"  # as Excel saves "CSV UTF-8" where the comma is a decimal
    path.write_bytes("\ufeffid;name;country\r\nA-1;Société Générale;FR\r\n".encode())
    import_file(services, "accounts", path)
    [row] = stored(services, "accounts")
    assert (row["id"], row["name"], row["country"]) == ("A-1", "Société Générale", "FR")


def test_a_file_with_only_a_header_imports_nothing(services: Services, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "accounts.csv", ["id", "name"], [])
    assert counts(import_file(services, "accounts", path)) == (0, 0, 0, 0, 0, 0, 0)


# --- Counts, partial mappings, strict and dry runs, history ------------------------------------


def test_counts_of_inserted_updated_unchanged_rejected_duplicates_skipped(
    services: Services, tmp_path: Path
) -> None:
    header = ["id", "name", "seats", "type"]
    first = write_csv(
        tmp_path / "first.csv",
        header,
        [["A-1", "Acme", "10", "Customer"], ["A-2", "Beta", "20", "Customer"],
         ["A-3", "Gamma", "30", "Customer"]],
    )  # fmt: skip
    mapping = {"fields": {"id": "id", "name": "name", "seats": "seats"},
               "only": {"type": ["Customer"]}}  # fmt: skip
    assert counts(import_file(services, "accounts", first, mapping)) == (3, 3, 0, 0, 0, 0, 0)
    second = write_csv(
        tmp_path / "second.csv",
        header,
        [
            ["A-1", "Acme", "10", "Customer"],  # unchanged
            ["A-2", "Beta", "25", "Customer"],  # updated
            ["A-4", "Delta", "1", "Customer"],  # inserted...
            ["A-4", "Delta Ltd", "40", "Customer"],  # ...as its last row says
            ["A-5", "Epsilon", "lots", "Customer"],  # rejected
            ["A-6", "Zeta", "5", "Prospect"],  # skipped by `only`
        ],
    )
    result = import_file(services, "accounts", second, mapping)
    assert counts(result) == (6, 1, 1, 1, 1, 1, 1)
    assert result.rejects == [Reject(6, "seats", "lots", "not a whole number")]
    assert [(r["id"], r["name"], r["seats"]) for r in stored(services, "accounts")] == [
        ("A-1", "Acme", 10), ("A-2", "Beta", 25), ("A-3", "Gamma", 30), ("A-4", "Delta Ltd", 40),
    ]  # fmt: skip


def test_a_partial_file_does_not_blank_other_columns(services: Services, tmp_path: Path) -> None:
    cells, full_row = SAMPLES["accounts"]
    full = write_csv(tmp_path / "full.csv", list(cells), [list(cells.values())])
    import_file(services, "accounts", full)
    partial = write_csv(tmp_path / "partial.csv", ["id", "name", "seats"], [["A-1", "Acme", "150"]])
    assert counts(import_file(services, "accounts", partial)) == (1, 0, 1, 0, 0, 0, 0)
    assert stored(services, "accounts") == [{**full_row, "seats": 150}]
    # A new row from the partial file gets its other columns empty (or their defaults).
    new = write_csv(tmp_path / "new.csv", ["id", "name"], [["A-2", "Beta"]])
    import_file(services, "accounts", new)
    assert stored(services, "accounts")[1] == {**dict.fromkeys(full_row), "id": "A-2",
                                               "name": "Beta"}  # fmt: skip


def test_strict_stores_nothing_and_is_logged_as_rejected(
    services: Services, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", ["id", "name"], [["A-1", "Acme"]])
    import_file(services, "accounts", good)
    before = stored(services, "accounts")
    mixed = write_csv(
        tmp_path / "mixed.csv",
        ["id", "name", "seats"],
        [["A-1", "Acme Renamed", "5"], ["A-2", "Beta", "2"], ["A-3", "Gamma", "x"]],
    )
    result = import_file(services, "accounts", mixed, strict=True)
    assert result.outcome == "rejected"
    assert (result.rejected, result.rejects[0].rule) == (1, "not a whole number")
    assert stored(services, "accounts") == before
    latest = history(services)[0]
    assert (latest["file"], latest["strict"], latest["outcome"]) == ("mixed.csv", True, "rejected")
    # A strict import without a bad row stores everything.
    clean = write_csv(tmp_path / "clean.csv", ["id", "name"], [["A-2", "Beta"]])
    assert import_file(services, "accounts", clean, strict=True).outcome == "imported"
    assert [r["id"] for r in stored(services, "accounts")] == ["A-1", "A-2"]


def test_dry_run_stores_nothing_and_is_not_in_history(services: Services, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", ["id", "name"], [["A-1", "Acme"]])
    import_file(services, "accounts", good)
    logged = history(services)
    changes = write_csv(
        tmp_path / "changes.csv",
        ["id", "name", "seats"],
        [["A-1", "Acme", "3"], ["A-2", "Beta", "2"], ["A-3", "Gamma", "x"]],
    )
    result = import_file(services, "accounts", changes, dry_run=True)
    assert result.outcome == "dry run"
    assert counts(result) == (3, 1, 1, 0, 1, 0, 0)  # what a real import would do
    assert [r["id"] for r in stored(services, "accounts")] == ["A-1"]
    assert history(services) == logged


def test_history_lists_imports_latest_first_with_their_counts(
    services: Services, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "one.csv", ["id", "name"], [["A-1", "Acme"], ["A-2", ""]])
    import_file(services, "accounts", first)
    second = write_csv(tmp_path / "two.csv", ["id", "name"], [["A-1", "Acme"], ["A-3", "Gamma"]])
    import_file(services, "accounts", second)
    rows = history(services)
    assert [r["id"] for r in rows] == [2, 1]
    picked = [{k: r[k] for k in ("kind", "file", "strict", "read", "inserted", "updated",
                                 "unchanged", "rejected", "outcome")} for r in rows]  # fmt: skip
    assert picked == [
        {"kind": "accounts", "file": "two.csv", "strict": False, "read": 2, "inserted": 1,
         "updated": 0, "unchanged": 1, "rejected": 0, "outcome": "imported"},
        {"kind": "accounts", "file": "one.csv", "strict": False, "read": 2, "inserted": 1,
         "updated": 0, "unchanged": 0, "rejected": 1, "outcome": "imported"},
    ]  # fmt: skip
    for row in rows:
        assert datetime.fromisoformat(row["started_at"]) <= datetime.fromisoformat(
            row["finished_at"]
        )


# --- The command line, with and without a server on the data directory -----------------------


def summary_of(output: str) -> str:
    return " ".join(output.split())


def test_cli_imports_reports_rejects_and_lists_history(setup: Setup, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "accounts.csv",
        ["id", "name", "country", "seats"],
        [["A-1", "Acme", "FR", "10"], ["A-2", "Beta", "Narnia", "x"], ["A-3", "Gamma", "", ""]],
    )
    done = run_cli("import", "accounts", path, data=setup.data, expect=1)
    assert "accounts.csv: 3 read, 2 inserted, 0 updated, 0 unchanged, 1 rejected (imported)" in (
        summary_of(done.stdout)
    )
    reason = "line 3, column country: 'Narnia' not an ISO 3166-1 country code or name"
    assert f"accounts.csv, {reason}" in summary_of(done.stderr)
    rejects = path.with_name("accounts.csv.rejects.csv")
    assert rejects.read_text().splitlines() == [
        "file,line,column,value,rule",
        "accounts.csv,3,country,Narnia,not an ISO 3166-1 country code or name",
        "accounts.csv,3,seats,x,not a whole number",
    ]
    assert f"every rejected row is listed in {rejects}" in summary_of(done.stderr)

    # Fixed: the rejects file of the last run goes away.
    write_csv(path, ["id", "name", "country", "seats"], [["A-2", "Beta", "DE", "4"]])
    fixed = json.loads(run_cli("import", "accounts", path, "--json", data=setup.data).stdout)
    assert (fixed["read"], fixed["inserted"], fixed["rejected"], fixed["outcome"]) == (
        1, 1, 0, "imported",
    )  # fmt: skip
    assert not rejects.exists()

    # A preset, and a mapping file (sent to the server when one runs).
    sf = write_csv(
        tmp_path / "Account.csv", ["Id", "Name", "Website"], [["001A", "Acme", "www.acme.com"]]
    )
    run_cli("import", "accounts", sf, "--preset", "salesforce-accounts", data=setup.data)
    mapping = write_mapping(
        tmp_path / "mine.yaml", {"kind": "accounts", "fields": {"id": "Key", "name": "Label"}}
    )
    mine = write_csv(tmp_path / "mine.csv", ["Key", "Label"], [["M-1", "Mine"]])
    run_cli("import", "accounts", mine, "--mapping", mapping, data=setup.data)

    # --strict with a bad row, and --dry-run: nothing stored.
    strict = write_csv(tmp_path / "strict.csv", ["id", "name"], [["S-1", "Strict"], ["S-2", ""]])
    run_cli("import", "accounts", strict, "--strict", data=setup.data, expect=1)
    dry = write_csv(tmp_path / "dry.csv", ["id", "name"], [["D-1", "Dry"]])
    dried = run_cli("import", "accounts", dry, "--dry-run", "--json", data=setup.data)
    assert json.loads(dried.stdout)["outcome"] == "dry run"

    logged = json.loads(run_cli("import", "history", "--json", data=setup.data).stdout)
    picked = [(r["file"], r["inserted"], r["rejected"], r["strict"], r["outcome"]) for r in logged]
    assert picked == [
        ("strict.csv", 1, 1, True, "rejected"),
        ("mine.csv", 1, 0, False, "imported"),
        ("Account.csv", 1, 0, False, "imported"),
        ("accounts.csv", 1, 0, False, "imported"),
        ("accounts.csv", 2, 1, False, "imported"),
    ]  # fmt: skip
    table = run_cli("import", "history", data=setup.data, env={"COLUMNS": "200"}).stdout
    assert "strict.csv" in table and "rejected" in table

    # Re-importing what is stored changes nothing: the strict and dry runs stored nothing.
    for args, unchanged in (([strict], 0), ([dry], 0), ([mine, "--mapping", mapping], 1)):
        again = run_cli("import", "accounts", *args, "--json", "--dry-run", data=setup.data,
                        expect=None)  # fmt: skip
        assert json.loads(again.stdout)["unchanged"] == unchanged, args

    if setup.server is None:
        with open_database(setup.data) as db:
            names = dict(db.execute("SELECT id, name FROM accounts").fetchall())
        assert names == {"A-1": "Acme", "A-2": "Beta", "A-3": "Gamma", "001A": "Acme",
                         "M-1": "Mine"}  # fmt: skip


ERRORS = [
    (["import", "widgets", "x.csv"], "error: unknown kind 'widgets'; kinds: accounts, contacts"),
    (["import", "accounts"], "error: learnsight import accounts needs a PATH"),
    (["import", "accounts", "missing.csv"], "error: missing.csv: no such file or directory"),
    (["import", "accounts", "{csv}", "--preset", "nope"], "no preset 'nope'; presets: amplitude"),
    (["import", "accounts", "{csv}", "--preset", "zendesk-tickets"],
     "preset zendesk-tickets maps tickets, not accounts"),
    (["import", "accounts", "{csv}", "--preset", "typeform", "--mapping", "{yaml}"],
     "give either --preset or --mapping, not both"),
    (["import", "accounts", "{csv}", "--mapping", "{yaml}"],
     "column(s) 'Title' not in accounts.csv (its columns: id, name)"),
    (["import", "accounts", "{csv}", "--mapping", "{bad_yaml}"],
     "bad.yaml: field nope: accounts has no such field"),
    (["import", "accounts", "{xlsx}"], "accounts.xlsx: unknown file type"),
    (["import", "accounts", "{csv}", "--mapping", "{not_yaml}"], "not.yaml: not valid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[m for _a, m in ERRORS])
def test_cli_errors_are_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    files = {
        "csv": write_csv(tmp_path / "accounts.csv", ["id", "name"], [["A-1", "Acme"]]),
        "yaml": write_mapping(tmp_path / "m.yaml", {"fields": {"id": "id", "name": "Title"}}),
        "bad_yaml": write_mapping(tmp_path / "bad.yaml", {"fields": {"nope": "id"}}),
        "not_yaml": tmp_path / "not.yaml",
        "xlsx": tmp_path / "accounts.xlsx",
    }
    files["xlsx"].write_bytes(b"PK\x03\x04")
    files["not_yaml"].write_text("fields: {id: [a, b\n")
    argv = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    done = run_cli(*argv, data=tmp_path / "data", expect=1)
    assert message in one_line(done.stderr)
    assert done.stdout == ""


def test_cli_errors_from_a_live_server_are_one_line(tmp_path: Path) -> None:
    server = LearnsightServer(tmp_path / "data")
    server.start()
    try:
        path = write_csv(tmp_path / "accounts.csv", ["id", "name"], [["A-1", "Acme"]])
        done = run_cli("import", "accounts", path, "--preset", "nope", data=server.data, expect=1)
        assert "error: the server refused: no preset 'nope'" in one_line(done.stderr)
        mapping = write_mapping(tmp_path / "m.yaml", {"fields": {"id": "id", "name": "Title"}})
        done = run_cli("import", "accounts", path, "--mapping", mapping, data=server.data, expect=1)
        assert "column(s) 'Title' not in accounts.csv" in one_line(done.stderr)
    finally:
        server.stop()


# --- POST /api/v1/import/{kind} and GET /api/v1/imports --------------------------------------


@pytest.fixture(scope="module")
def writer(make_credential: Callable[..., Credential]) -> Credential:
    return make_credential("importer", "api/write")


@pytest.fixture(scope="module")
def reader(make_credential: Callable[..., Credential]) -> Credential:
    return make_credential("viewer", "api/read")


def test_the_import_endpoint_imports_an_upload(
    server: LearnsightServer, writer: Credential, reader: Credential
) -> None:
    tag = uuid.uuid4().hex[:8]
    name = f"Account-{tag}.csv"
    content = f"Id,Name,Website,BillingCountry\n001{tag},Acme,https://acme.com,France\n"
    content += f"002{tag},Beta,beta.io,Narnia\n"
    with server.client(writer, headers={}) as client:
        response = client.post(
            "/api/v1/import/accounts",
            files={"file": (name, content.encode())},
            data={"preset": "salesforce-accounts"},
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert (result["kind"], result["file"], result["read"], result["inserted"]) == (
            "accounts", name, 2, 1,
        )  # fmt: skip
        assert result["rejects"] == [
            {"line": 3, "column": "BillingCountry", "value": "Narnia",
             "rule": "not an ISO 3166-1 country code or name", "file": ""},
        ]  # fmt: skip
        # The same file again with a mapping of one's own, as a dry run, then strictly.
        mapping = "fields: {id: Id, name: Name, country: BillingCountry}\n"
        again = client.post(
            "/api/v1/import/accounts",
            files={"file": (name, content.encode())},
            data={"mapping": mapping, "dry_run": "true"},
        ).json()
        assert (again["unchanged"], again["rejected"], again["outcome"]) == (1, 1, "dry run")
        strict = client.post(
            "/api/v1/import/accounts",
            files={"file": (name, content.encode())},
            data={"mapping": mapping, "strict": "true"},
        ).json()
        assert strict["outcome"] == "rejected"
    with server.client(reader, headers={}) as client:
        logged = client.get("/api/v1/imports")
        assert logged.status_code == 200, logged.text
        mine = [(r["kind"], r["inserted"], r["strict"], r["outcome"])
                for r in logged.json() if r["file"] == name]  # fmt: skip
        assert mine == [("accounts", 0, True, "rejected"), ("accounts", 1, False, "imported")]


def test_the_import_endpoint_needs_the_write_scope(
    server: LearnsightServer, reader: Credential
) -> None:
    with server.client(reader, headers={}) as client:
        response = client.post(
            "/api/v1/import/accounts", files={"file": ("a.csv", b"id,name\nX-1,Nope\n")}
        )
    assert response.status_code == 403
    assert "api/write" in error_message(response)
    with server.client(headers={}) as anonymous:
        assert anonymous.get("/api/v1/imports").status_code == 401


@pytest.mark.parametrize(
    ("kind", "form", "upload", "message"),
    [
        ("widgets", {}, ("a.csv", b"id\n1\n"), "unknown kind 'widgets'"),
        ("accounts", {"preset": "nope"}, ("a.csv", b"id,name\n1,A\n"), "no preset 'nope'"),
        ("accounts", {"mapping": "fields: [x"}, ("a.csv", b"id\n"), "not valid YAML"),
        ("accounts", {}, ("a.xlsx", b"PK"), "a.xlsx: unknown file type"),
        ("accounts", {}, ("a.csv", b"name\nA\n"), "no column for id in a.csv"),
    ],
)
def test_the_import_endpoint_refuses_bad_requests(
    server: LearnsightServer, writer: Credential, kind: str, form: dict[str, str],
    upload: tuple[str, bytes], message: str,
) -> None:  # fmt: skip
    with server.client(writer, headers={}) as client:
        response = client.post(f"/api/v1/import/{kind}", files={"file": upload}, data=form)
    assert response.status_code == 400, response.text
    assert message in error_message(response)


def test_nothing_half_written_when_the_database_refuses(services: Services, tmp_path: Path) -> None:
    """A failure inside the write transaction (here: a table gone) leaves nothing behind."""
    path = write_csv(tmp_path / "accounts.csv", ["id", "name"], [["A-1", "Acme"]])
    logged = history(services)
    with services.db.write() as cur:
        cur.execute("ALTER TABLE imports RENAME TO imports_away")
    with pytest.raises(duckdb.Error):
        import_file(services, "accounts", path)
    with services.db.write() as cur:
        cur.execute("ALTER TABLE imports_away RENAME TO imports")
    assert stored(services, "accounts") == []
    assert history(services) == logged
