"""Organisation settings: time zone, reporting currency, fiscal year start, value events.

They describe the organisation whose data this is, so they live in its database (table
`organisation`), not in the server's environment like config.Settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytz

from learnsight.db import Database
from learnsight.derived_tables import mark_changed
from learnsight.errors import LearnsightError


class OrganisationError(LearnsightError, ValueError):
    """A setting name or value that is not accepted."""


@dataclass(frozen=True)
class OrgSetting:
    default: Any
    parse: Callable[[str], Any]  # command-line text -> the stored value (raises ValueError)
    doc: str


def time_zone(text: str) -> str:
    if text not in pytz.all_timezones_set:
        raise ValueError("not an IANA time zone such as Europe/Paris")
    return text


def currency(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", text):
        raise ValueError("not an ISO 4217 currency code such as USD")
    return text.upper()


def month(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise ValueError("not a month number, 1 to 12")
    return int(text)


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


SETTINGS: dict[str, OrgSetting] = {
    "timezone": OrgSetting("UTC", time_zone, "buckets days, weeks and months"),
    "reporting_currency": OrgSetting("USD", currency, "money is converted to it"),
    "fiscal_year_start": OrgSetting(1, month, "first month of the fiscal year (1-12)"),
    "value_events": OrgSetting([], names, "product events meaning a customer reached value"),
}


def organisation_settings(db: Database) -> dict[str, Any]:
    """Every setting, stored or default."""
    stored = dict(db.read().execute("SELECT key, value FROM organisation").fetchall())
    return {
        name: orjson.loads(stored[name]) if name in stored else setting.default
        for name, setting in SETTINGS.items()
    }


def set_organisation_setting(db: Database, name: str, text: str) -> Any:
    """Parse and store one setting; its stored value is returned."""
    setting = SETTINGS.get(name)
    if setting is None:
        raise OrganisationError(
            f"no organisation setting {name!r}; settings: {', '.join(SETTINGS)}"
        )
    try:
        value = setting.parse(text)
    except ValueError as error:
        raise OrganisationError(f"{name}: {text!r} is {error}") from None
    with db.write() as cur:
        cur.execute(
            "INSERT OR REPLACE INTO organisation VALUES (?, ?)",
            [name, orjson.dumps(value).decode()],
        )
        mark_changed(cur, name)  # the time zone places facts in days
    return value
