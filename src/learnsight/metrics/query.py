"""What a KPI request asks for: a period, a time grain, dimensions, filters and parameters.

The same query comes from `GET /api/v1/kpis/{name}` and `learnsight kpi NAME`; both parse their
text with `parse_query`, so both refuse the same mistakes with the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from learnsight.errors import LearnsightError

GRAINS = ("day", "week", "month", "quarter", "year", "all")  # all: one value for the period
# Ibis truncation units of each grain; weeks are ISO weeks, starting on Monday.
GRAIN_UNITS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}


class QueryError(LearnsightError):
    """A KPI request that cannot be answered, with the parameter and the reason."""


@dataclass(frozen=True)
class Query:
    start: date | None = None  # `from`, inclusive
    end: date | None = None  # `to`, exclusive
    grain: str | None = None  # None: the KPI's default grain; "all": one value for the period
    by: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # dimension -> values
    params: dict[str, str] = field(default_factory=dict)


def parse_query(
    start: str | None = None,
    end: str | None = None,
    grain: str | None = None,
    by: list[str] | None = None,
    filters: list[str] | None = None,
    params: list[str] | None = None,
) -> Query:
    """A Query from request text; `by` items may hold several dimensions separated by commas."""
    begin, finish = parse_date("from", start), parse_date("to", end)
    if begin and finish and finish <= begin:
        raise QueryError(f"to: {end} is not after from {start} (to is exclusive)")
    if grain is not None and grain not in GRAINS:
        raise QueryError(f"grain: {grain!r} is not one of {', '.join(GRAINS)}")
    dims = tuple(d.strip() for item in by or () for d in item.split(",") if d.strip())
    if len(set(dims)) != len(dims):
        raise QueryError(f"by: a dimension is named twice ({', '.join(dims)})")
    return Query(
        begin, finish, grain, dims, pairs("filter", filters), single(pairs("param", params))
    )


def parse_date(name: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


def pairs(name: str, items: list[str] | None) -> dict[str, tuple[str, ...]]:
    """NAME:VALUE items; a name given again adds a value (filters: any of them matches)."""
    out: dict[str, tuple[str, ...]] = {}
    for item in items or ():
        key, sep, value = item.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise QueryError(f"{name}: {item!r} is not NAME:VALUE")
        out[key.strip()] = (*out.get(key.strip(), ()), value.strip())
    return out


def single(values: dict[str, tuple[str, ...]]) -> dict[str, str]:
    for key, given in values.items():
        if len(given) > 1:
            raise QueryError(f"param: {key} is given {len(given)} times")
    return {key: given[0] for key, given in values.items()}
