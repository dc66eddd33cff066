"""Sales tax rates by jurisdiction, and which one applies to a place.

A rate names a country, optionally a state and optionally a postal code prefix.
The most specific active rate that matches wins: the longest postal prefix, then
one with a state, then the country's. Tax-exempt customers pay none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.errors import OrderB2BError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
_POSTAL_NOISE = re.compile(r"[\s-]+")


class TaxRateError(OrderB2BError):
    """A tax rate that cannot be kept as given."""


def country_code(value: str | None) -> str:
    code = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise TaxRateError(f"country must be an ISO 3166 two-letter code, not {value!r}")
    return code


def state_code(value: str | None) -> str | None:
    return (value or "").strip().upper() or None


def postal_key(value: str | None) -> str | None:
    """A postal code as prefixes compare it: upper case, no spaces or dashes."""
    return _POSTAL_NOISE.sub("", (value or "").upper()) or None


class TaxRate:
    id: int | None

    def __init__(
        self,
        country: str,
        rate: Decimal,
        name: str,
        *,
        state: str | None = None,
        postal_prefix: str | None = None,
        active: bool = True,
    ) -> None:
        self.country = country_code(country)
        self.state = state_code(state)
        self.postal_prefix = postal_key(postal_prefix)
        self.rate = check_rate(rate)
        self.name = _name(name)
        self.active = active
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def change(self, *, rate: Decimal, name: str, active: bool) -> list[str]:
        values = {"rate": check_rate(rate), "name": _name(name), "active": bool(active)}
        changed = [key for key, value in values.items() if getattr(self, key) != value]
        for key in changed:
            setattr(self, key, values[key])
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed

    @property
    def place(self) -> tuple[str, str | None, str | None]:
        return self.country, self.state, self.postal_prefix


def check_rate(rate) -> Decimal:
    rate = Decimal(rate)
    if not rate.is_finite() or not 0 <= rate <= HUNDRED:
        raise TaxRateError(f"a tax rate is a percentage from 0 to 100, not {rate}")
    return rate


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise TaxRateError("a tax rate needs a name of up to 200 characters")
    return name


@dataclass(frozen=True)
class RateRow:
    """A stored rate as the lookup sees it."""

    id: int
    country: str
    state: str | None
    postal_prefix: str | None
    rate: Decimal
    name: str


def most_specific(
    rates: Iterable[RateRow], country: str, state: str | None, postal_code: str | None
) -> RateRow | None:
    """The active rate that fits the place best (callers pass active rates only)."""
    country, state, postal = country_code(country), state_code(state), postal_key(postal_code)
    fitting = [
        r
        for r in rates
        if r.country == country
        and (r.state is None or r.state == state)
        and (r.postal_prefix is None or (postal is not None and postal.startswith(r.postal_prefix)))
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda r: (len(r.postal_prefix or ""), r.state is not None))


def postal_prefixes(postal_code: str | None) -> list[str]:
    """Every prefix of a postal code, to find the rates that may fit it by index."""
    postal = postal_key(postal_code) or ""
    return [postal[:n] for n in range(1, len(postal) + 1)]


@dataclass(frozen=True)
class TaxQuote:
    amount: Decimal  # the taxable amount
    rate: Decimal
    tax: Decimal
    exempt: bool
    rate_id: int | None
    rate_name: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount": format(self.amount, "f"),
            "rate": format(self.rate, "f"),
            "tax": format(self.tax, "f"),
            "exempt": self.exempt,
            "rate_id": self.rate_id,
            "rate_name": self.rate_name,
            "detail": self.detail,
        }


def tax_quote(
    rate: RateRow | None, amount: Decimal, *, exempt: bool = False, place: str = ""
) -> TaxQuote:
    amount = Decimal(amount)
    if not amount.is_finite():
        raise TaxRateError("the taxable amount must be a number")
    if exempt:
        return TaxQuote(amount, Decimal(0), Decimal("0.00"), True, None, None, "tax exempt")
    if rate is None:
        detail = f"no tax rate for {place}" if place else "no tax rate"
        return TaxQuote(amount, Decimal(0), Decimal("0.00"), False, None, None, detail)
    tax = (amount * rate.rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return TaxQuote(amount, rate.rate, tax, False, rate.id, rate.name, rate.name)
