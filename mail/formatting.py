"""How amounts, quantities and dates are written in what customers read: the
messages here and the printed documents (hub/printing), so a price reads the same in
an email as on its PDF."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def money(value: Any) -> str:
    """Two decimals with thousands separators; more only when the value has them."""
    amount = decimal_or_none(value)
    if amount is None:
        return ""
    exponent = amount.normalize().as_tuple().exponent
    places = 2 if not isinstance(exponent, int) or exponent >= -2 else min(-exponent, 6)
    return f"{amount:,.{places}f}"


def quantity(value: Any) -> str:
    amount = decimal_or_none(value)
    return "" if amount is None else format(amount.normalize(), "f")


def nonzero(value: Any) -> bool:
    amount = decimal_or_none(value)
    return amount is not None and amount != 0


def day(value: Any) -> str:
    """An ISO date or time as its date."""
    return "" if not value else str(value)[:10]


def decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
