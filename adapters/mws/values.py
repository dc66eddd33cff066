"""Amazon's plain values: amounts, quantities, timestamps, codes.

Shared by the MWS and SP-API adapters; every bad value is a ParseError naming
where it was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, Inexact, localcontext

from core.errors import ParseError

_AMOUNT = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")
_COUNT = re.compile(r"[+-]?[0-9]{1,9}")
_UNIT_PRICE_PLACES = Decimal("0.0001")

# Currency of each marketplace, for orders that carry no amount yet (Pending).
MARKETPLACE_CURRENCIES = {
    "ATVPDKIKX0DER": "USD",  # amazon.com
    "A2EUQ1WTGCTBG2": "CAD",  # amazon.ca
    "A1AM78C64UM0Y8": "MXN",  # amazon.com.mx
    "A2Q3Y263D00KWC": "BRL",  # amazon.com.br
    "A1F83G8C2ARO7P": "GBP",  # amazon.co.uk
    "A1PA6795UKMFR9": "EUR",  # amazon.de
    "A13V1IB3VIYZZH": "EUR",  # amazon.fr
    "APJ6JRA9NG5V4": "EUR",  # amazon.it
    "A1RKKUPIHCS9HS": "EUR",  # amazon.es
    "A1805IZSGTT6HS": "EUR",  # amazon.nl
    "AMEN7PMS3EDWL": "EUR",  # amazon.com.be
    "A1C3SOZRARQ6R3": "PLN",  # amazon.pl
    "A2NODRKZP88ZB9": "SEK",  # amazon.se
    "A33AVAJ2PDY3EV": "TRY",  # amazon.com.tr
    "A21TJRUUN4KGV": "INR",  # amazon.in
    "A1VC38T7YXB528": "JPY",  # amazon.co.jp
    "A39IBJ37TRP1C6": "AUD",  # amazon.com.au
    "A19VAU5U5O7RUS": "SGD",  # amazon.sg
    "A2VIGQ35RCS4UG": "AED",  # amazon.ae
    "A17E79C6D8DWNP": "SAR",  # amazon.sa
}


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str | None


def amount(value: str, where: str) -> Decimal:
    text = value.strip()
    if not _AMOUNT.fullmatch(text):
        raise ParseError(f"{where} is not an amount: '{clip(text)}'")
    return Decimal(text)


def quantity(value: str | None, where: str) -> Decimal:
    """A whole, non-negative count of items."""
    if value is None:
        raise ParseError(f"{where} is missing")
    text = value.strip()
    if not _COUNT.fullmatch(text):
        raise ParseError(f"{where} is not a whole number: '{clip(text)}'")
    count = int(text)
    if count < 0:
        raise ParseError(f"{where} is negative: {count}")
    return Decimal(count)


def currency(value: str | None, where: str) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ParseError(f"{where} has an invalid currency '{clip(value)}'")
    return code


def country(value: str | None, where: str) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ParseError(f"{where} CountryCode '{clip(value)}' is not ISO 3166-1 alpha-2")
    return code


def timestamp(value: str, where: str) -> datetime:
    """An ISO 8601 date-time with its offset; Amazon always states one."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ParseError(f"{where} is not an ISO 8601 date-time: '{clip(value)}'") from None
    if moment.tzinfo is None:
        raise ParseError(f"{where} has no time zone: '{clip(value)}'")
    return moment


def version(moment: datetime) -> str:
    """A document version from an aware timestamp: UTC to the millisecond, fixed width,
    so that versions compared as strings compare in time."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unit_price(total: Decimal, count: Decimal) -> tuple[Decimal, bool]:
    """The price of one unit from a line total, and whether the division was exact.
    An inexact quotient is rounded to four places; the caller keeps the total."""
    with localcontext() as context:
        context.prec = 40
        context.traps[Inexact] = False
        context.clear_flags()
        price = total / count
        exact = not context.flags[Inexact]
    if exact:
        return price, True
    return price.quantize(_UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP), False


def total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the amounts given, or None when none was given."""
    present = [value for value in amounts if value is not None]
    return sum(present[1:], present[0]) if present else None


def one_currency(moneys: Iterable[Money | None], where: str) -> str | None:
    """The single currency the amounts are in; an order in two currencies is refused."""
    found = {money.currency for money in moneys if money is not None and money.currency}
    if len(found) > 1:
        raise ParseError(f"{where} mixes currencies: {', '.join(sorted(found))}")
    return found.pop() if found else None


def clip(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."
