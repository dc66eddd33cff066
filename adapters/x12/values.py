"""Element values of an inbound transaction set as Python values, or ParseErrors that
say which element of which segment is wrong."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from core.errors import ParseError

_DECIMAL = re.compile(r"-?(?:[0-9]{1,18}\.?[0-9]{0,18}|\.[0-9]{1,18})")
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_DATE = re.compile(r"[0-9]{8}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def decimal(value: str, where: str) -> Decimal:
    """An R (explicit decimal) element."""
    if not _DECIMAL.fullmatch(value):
        raise ParseError(f"{where} '{_clip(value)}' is not a decimal number")
    return Decimal(value)


def implied_cents(value: str, where: str) -> Decimal:
    """An N2 element: digits with two implied decimals, "2500" is 25.00."""
    if not _INTEGER.fullmatch(value):
        raise ParseError(f"{where} '{_clip(value)}' is not a whole number of cents (N2)")
    return Decimal(value).scaleb(-2)


def whole(value: str, where: str) -> int:
    """An N0 element."""
    if not _INTEGER.fullmatch(value):
        raise ParseError(f"{where} '{_clip(value)}' is not a whole number")
    return int(value)


def ccyymmdd(value: str, where: str) -> date:
    if _DATE.fullmatch(value):
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise ParseError(f"{where} '{_clip(value)}' is not a date (CCYYMMDD)")


def currency(value: str, where: str) -> str:
    if not _CURRENCY.fullmatch(value):
        raise ParseError(f"{where} '{_clip(value)}' is not an ISO 4217 currency code")
    return value


def country(value: str, where: str) -> str | None:
    if not value:
        return None
    if not _COUNTRY.fullmatch(value):
        raise ParseError(f"{where} '{_clip(value)}' is not ISO 3166-1 alpha-2")
    return value


def plain(value: Decimal) -> str:
    """A decimal as written by people: 1.50 is "1.5", 30 is "30"."""
    return "0" if value == 0 else format(value.normalize(), "f")


def _clip(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."
