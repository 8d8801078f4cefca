"""ISO 8601 durations (xAPI result.duration) as seconds, for KPIs.

Years and months have no fixed length; for KPIs a year counts 365 days and a month 30.
The statement itself keeps the duration string unchanged (Data 2.3.1: it is compared as a string).
"""

from __future__ import annotations

import re

_DURATION = re.compile(
    r"P(?:(?P<years>\d+(?:[.,]\d+)?)Y)?(?:(?P<months>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)
_UNIT_SECONDS = {
    "years": 365 * 86400,
    "months": 30 * 86400,
    "weeks": 7 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}


def iso_duration_seconds(value: str) -> float | None:
    """Seconds in an ISO 8601 duration, or None when it is not one."""
    match = _DURATION.fullmatch(value)
    if match is None:
        return None
    return sum(
        float(amount.replace(",", ".")) * _UNIT_SECONDS[unit]
        for unit, amount in match.groupdict().items()
        if amount is not None
    )
