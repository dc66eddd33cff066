"""Newegg's date-times: Pacific wall-clock time without a zone.

Newegg writes every date in Pacific time ("Pacific Standard Time" in its guide, yet the
clock follows daylight saving) as `M/D/YYYY H:MM:SS`, with or without leading zeros and
sometimes with an AM/PM suffix.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.newegg.fields import clip
from core.errors import ParseError

PACIFIC = ZoneInfo("America/Los_Angeles")

_NEWEGG_DATE = re.compile(
    r"(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})/(?P<year>[0-9]{4})"
    r"\s+(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?"
    r"(?:\s*(?P<half>[AaPp][Mm]))?"
)


def parse_pacific(value: str, where: str) -> datetime:
    """The instant a Newegg date-time names, as an aware datetime in Pacific time.

    When the clock falls back, 1:00-1:59 happens twice; we read such a time as the
    first (daylight, UTC-7) of the two, so an order is never dated later than it may
    have been placed and a poll window starting there still includes it. A time that
    does not exist (skipped when the clock springs forward) is read with the offset
    in force before the jump (standard time, UTC-8). Both are zoneinfo's fold=0.
    """
    match = _NEWEGG_DATE.fullmatch(value.strip())
    if match is None:
        raise ParseError(f"{where} is not a Newegg date (M/D/YYYY H:MM:SS): '{clip(value)}'")
    hour = _hour(int(match["hour"]), match["half"], value, where)
    try:
        return datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"] or 0),
            tzinfo=PACIFIC,
        )
    except ValueError:
        raise ParseError(f"{where} is not a valid date: '{clip(value)}'") from None


def format_pacific(moment: datetime) -> str:
    """An aware datetime as the `YYYY-MM-DD HH:MM:SS` Pacific time Newegg's filters take."""
    if moment.tzinfo is None:
        raise ValueError("format_pacific needs an aware datetime")
    return moment.astimezone(PACIFIC).strftime("%Y-%m-%d %H:%M:%S")


def _hour(hour: int, half: str | None, value: str, where: str) -> int:
    if half is None:
        return hour
    if not 1 <= hour <= 12:
        raise ParseError(f"{where} has an invalid 12-hour time: '{clip(value)}'")
    return hour % 12 + (12 if half.lower() == "pm" else 0)
