"""Time in the demo company: whole seconds and days since the Unix epoch, in UTC.

Plain integers keep millions of generated timestamps cheap; a time zone only matters for
choosing when someone acts, on a working day at a plausible hour of their own day.
"""

from __future__ import annotations

import time
from bisect import bisect
from datetime import date, datetime
from functools import cache
from itertools import accumulate
from random import Random

import pytz

DAY = 86_400
HOUR = 3_600
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# The window the company's activity covers: two calendar years, fixed so that a seed alone
# determines the data (never "now").
WINDOW_START = date(2024, 1, 1)
WINDOW_END = date(2026, 1, 1)  # exclusive


def day_number(day: date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


def date_of(day: int) -> date:
    return date.fromordinal(day + EPOCH_ORDINAL)


def at_midnight(day: date) -> int:
    """Seconds since the epoch at 00:00 UTC of `day`."""
    return day_number(day) * DAY


def day_of(moment: int) -> date:
    return date_of(moment // DAY)


START = at_midnight(WINDOW_START)
END = at_midnight(WINDOW_END)


def iso(moment: int) -> str:
    """An ISO 8601 UTC timestamp, as xAPI and JSON consumers expect it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


@cache
def utc_offset(zone: str, day: int) -> int:
    """Seconds east of UTC in `zone` at local noon of `day` (daylight saving included)."""
    noon = datetime(*date_of(day).timetuple()[:3], 12)
    return int(pytz.timezone(zone).utcoffset(noon).total_seconds())


def local_day(moment: int, zone: str) -> int:
    return (moment + utc_offset(zone, moment // DAY)) // DAY


def weekday(day: int) -> int:
    """Monday 0 ... Sunday 6 (1 January 1970 was a Thursday)."""
    return (day + 3) % 7


class Rhythm:
    """When people are active: a weekday pattern and an hour-of-day pattern, in local time."""

    def __init__(self, weekdays: tuple[float, ...], hours: tuple[float, ...]) -> None:
        top = max(weekdays)
        self.accept_day = tuple(weight / top for weight in weekdays)
        self.hour_totals = list(accumulate(hours))

    def hour(self, rng: Random) -> int:
        return bisect(self.hour_totals, rng.random() * self.hour_totals[-1])

    def moment(self, rng: Random, zone: str, not_before: int) -> int:
        """A plausible moment at or after `not_before` for someone living in `zone`."""
        day = local_day(not_before, zone)
        for _ in range(60):  # weekends are rarely accepted; 60 days is never reached in practice
            if rng.random() < self.accept_day[weekday(day)]:
                second = self.hour(rng) * HOUR + rng.randrange(HOUR)
                moment = day * DAY + second - utc_offset(zone, day)
                if moment >= not_before:
                    return moment
            day += 1
        return not_before


# Learning peaks mid-morning and mid-afternoon on weekdays, with a small evening tail (people
# finishing a course after work); product use and support follow office hours more strictly.
LEARNING = Rhythm(
    weekdays=(1.0, 1.05, 1.0, 0.95, 0.75, 0.15, 0.12),
    hours=(0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.12, 0.3, 0.7, 1.0, 1.1, 1.0,
           0.6, 0.8, 1.0, 0.95, 0.8, 0.5, 0.3, 0.3, 0.35, 0.25, 0.1, 0.05),
)  # fmt: skip
WORK = Rhythm(
    weekdays=(1.0, 1.0, 1.0, 0.95, 0.8, 0.08, 0.05),
    hours=(0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.25, 0.8, 1.0, 1.0, 0.9,
           0.6, 0.85, 1.0, 0.95, 0.8, 0.45, 0.2, 0.12, 0.08, 0.05, 0.03, 0.02),
)  # fmt: skip
