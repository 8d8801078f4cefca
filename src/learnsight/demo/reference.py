"""Company-wide tables: exchange rates, programme costs, organisation settings, the catalog."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any

import orjson

from learnsight.demo import clock
from learnsight.demo.catalog import COURSE_BY_SLUG, COURSES, PATHS, VALUE_EVENTS
from learnsight.demo.parameters import MODEL
from learnsight.demo.tables import Sinks
from learnsight.demo.world import CURRENCIES, USD_PER_UNIT

# What producing a course costs, by content type (US dollars); an update costs 30% of it.
PRODUCTION_COST = {
    "video": 9000, "screencast": 4000, "infographic": 1500, "pdf": 1200, "slides": 2500,
    "article": 800, "scorm": 7000, "lab": 12000, "quiz": 1000, "assessment": 3000,
    "ilt": 5000, "vilt": 3000,
}  # fmt: skip
CLASS_COST = {"ilt": 2500, "vilt": 600}  # instructor and room, per class held


def emit_fx_rates(seed: int, sinks: Sinks) -> None:
    """Daily rates to USD from the earliest contract on: a mean-reverting random walk around
    each currency's reference rate (USD itself at 1)."""
    rng = Random(f"{seed}/fx")
    days = (clock.WINDOW_END - MODEL.first_existing_start).days
    for currency in CURRENCIES:
        drift = 0.0
        for offset in range(days):
            if currency != "USD":
                drift = 0.995 * drift + rng.gauss(0, 0.004)
            rate = round(USD_PER_UNIT[currency] * math.exp(drift), 8)
            sinks["fx_rates"].add((MODEL.first_existing_start + timedelta(days=offset), currency,
                                   rate))  # fmt: skip


def months() -> list[date]:
    first = clock.WINDOW_START
    return [date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1)
            for n in range(24)]  # fmt: skip


def emit_costs(accounts: int, classes: set[tuple[str, str]], sinks: Sinks) -> None:
    """Monthly programme costs: a platform licence and a team that grow with the customer
    base, content production when courses are made or updated, and classes held."""
    for start in months():
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        month = start.isoformat()[:7]
        content = sum(PRODUCTION_COST[c.content_type] * (c.created.isoformat()[:7] == month)
                      + 0.3 * PRODUCTION_COST[c.content_type] * (c.updated.isoformat()[:7] == month)
                      for c in COURSES)  # fmt: skip
        held = sum(CLASS_COST[COURSE_BY_SLUG[slug].content_type]
                   for slug, session in classes if session[:7] == month)  # fmt: skip
        for category, amount in (
            ("platform", 1500 + 5 * accounts), ("staff", 8500 * (1 + accounts // 250)),
            ("tools", 450), ("content", content), ("ilt", held),
        ):  # fmt: skip
            if amount:
                sinks["costs"].add((start, end, category, Decimal(round(amount, 2)), "USD"))


def organisation_settings(marker: dict[str, Any]) -> list[tuple[str, str]]:
    values = {
        "timezone": "America/New_York",
        "reporting_currency": "USD",
        "fiscal_year_start": 2,  # the vendor's fiscal year starts in February
        "value_events": list(VALUE_EVENTS),
        "demo": marker,
    }
    return [(key, orjson.dumps(value).decode()) for key, value in values.items()]


def emit_catalog(sinks: Sinks) -> None:
    def at(day: date) -> int:
        return clock.at_midnight(day) + 14 * clock.HOUR

    for path in PATHS:
        sinks["catalog"].add((path.iri, "path", path.name, None, at(path.created),
                              at(path.updated), None, None, None))  # fmt: skip
    for course in COURSES:
        paths = [f"{p.iri}" for p in PATHS if p.slug in course.paths]
        sinks["catalog"].add((course.iri, "course", course.name, course.content_type,
                              at(course.created), at(course.updated), paths,
                              list(course.features), list(course.topics)))  # fmt: skip
