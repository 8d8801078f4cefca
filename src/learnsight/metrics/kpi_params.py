"""Reading a KPI's parameters (`--param NAME:VALUE`) with one-line errors."""

from __future__ import annotations

from learnsight.metrics.query import Query, QueryError


def day_count(query: Query, name: str) -> int:
    """A parameter holding a whole number of days, at least 1."""
    text = query.params[name]
    if not text.isdigit() or int(text) < 1:
        raise QueryError(f"param {name}: {text!r} is not a whole number of days (1 or more)")
    return int(text)


def choice(query: Query, name: str, choices: tuple[str, ...]) -> str:
    """A parameter holding one of `choices`."""
    text = query.params[name]
    if text not in choices:
        raise QueryError(f"param {name}: {text!r} is not one of {', '.join(choices)}")
    return text


def required(query: Query, name: str, what: str) -> str:
    """A parameter the KPI cannot do without."""
    text = query.params.get(name, "")
    if not text:
        raise QueryError(f"param {name} is required: {what}")
    return text
