"""Shipping prices by range: per method, a price for an order value or weight band.

A range covers `min_value` (inclusive) up to `max_value` (exclusive; none = no upper
bound), for one country or (None) every country. Active ranges of the same method,
basis and country must not overlap, so a value always finds one price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.errors import NotFound, OrderB2BError

BASES = ("order_value", "weight")


class ShippingRangeError(OrderB2BError):
    """A shipping range that cannot be kept as given."""


class OverlappingRange(ShippingRangeError):
    pass


class NoShippingRange(NotFound):
    """No active range prices this shipment."""


def _amount(name: str, value, *, required: bool = True) -> Decimal | None:
    if value is None:
        if required:
            raise ShippingRangeError(f"{name} is needed")
        return None
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ShippingRangeError(f"{name} must be 0 or more, not {value}")
    return value


def _country(value: str | None) -> str | None:
    code = (value or "").strip().upper()
    if code and len(code) != 2:
        raise ShippingRangeError(f"country must be a two-letter code, not {value!r}")
    return code or None


class ShippingRange:
    id: int | None

    def __init__(
        self,
        method: str,
        basis: str,
        min_value: Decimal,
        max_value: Decimal | None,
        price: Decimal,
        *,
        country: str | None = None,
        active: bool = True,
    ) -> None:
        method = (method or "").strip()
        if not method or len(method) > 100:
            raise ShippingRangeError("a shipping method name of up to 100 characters is needed")
        if basis not in BASES:
            raise ShippingRangeError(f"basis must be one of {', '.join(BASES)}")
        self.method = method
        self.basis = basis
        self.min_value = _amount("min", min_value)
        self.max_value = _amount("max", max_value, required=False)
        if self.max_value is not None and self.max_value <= self.min_value:
            raise ShippingRangeError("max must be more than min (max is exclusive)")
        self.price = _amount("price", price)
        self.country = _country(country)
        self.active = active
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def change(self, *, price: Decimal | None = None, active: bool | None = None) -> list[str]:
        values: dict[str, Any] = {}
        if price is not None:
            values["price"] = _amount("price", price)
        if active is not None:
            values["active"] = bool(active)
        changed = [key for key, value in values.items() if getattr(self, key) != value]
        for key in changed:
            setattr(self, key, values[key])
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed

    def overlaps(self, other: ShippingRange) -> bool:
        """Whether both price the same shipments (method, basis, country) in bands
        that share a value."""
        return (
            self.method.casefold() == other.method.casefold()
            and self.basis == other.basis
            and self.country == other.country
            and _overlap(self.min_value, self.max_value, other.min_value, other.max_value)
        )


def covers(band, value: Decimal) -> bool:
    """Whether a range (any object with min_value and max_value) takes this value."""
    return band.min_value <= value and (band.max_value is None or value < band.max_value)


def describe(band) -> str:
    upper = "and up" if band.max_value is None else f"to {band.max_value}"
    where = band.country or "every country"
    return f"{band.method} by {band.basis} from {band.min_value} {upper} ({where})"


def _overlap(a_min, a_max, b_min, b_max) -> bool:
    a_below_b_end = b_max is None or a_min < b_max
    b_below_a_end = a_max is None or b_min < a_max
    return a_below_b_end and b_below_a_end


def check_no_overlap(new: ShippingRange, existing: Iterable[ShippingRange]) -> None:
    for other in existing:
        if other is not new and other.active and new.overlaps(other):
            raise OverlappingRange(f"{describe(new)} overlaps range {other.id}: {describe(other)}")


@dataclass(frozen=True)
class ShippingQuote:
    method: str
    price: Decimal
    basis: str
    range_id: int | None
    country: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "price": format(self.price, "f"),
            "basis": self.basis,
            "range_id": self.range_id,
            "country": self.country,
            "detail": self.detail,
        }


def quote(
    ranges: Iterable,
    method: str,
    order_value: Decimal | None,
    weight: Decimal | None,
    country: str | None,
) -> ShippingQuote:
    """The price of shipping by `method`. Ranges for the destination country win over
    ranges for every country; a method priced both by order value and by weight
    charges the higher of the two (shipping is never sold under either table).
    `ranges` are stored ranges or rows with the same fields."""
    country = _country(country)
    live = [
        r for r in ranges if r.active and r.method.casefold() == (method or "").strip().casefold()
    ]
    specific = [r for r in live if country is not None and r.country == country]
    table = specific or [r for r in live if r.country is None]
    values = {"order_value": order_value, "weight": weight}
    found = [
        r for r in table if values[r.basis] is not None and covers(r, Decimal(values[r.basis]))
    ]
    if not found:
        given = ", ".join(f"{k} {v}" for k, v in values.items() if v is not None) or "nothing"
        raise NoShippingRange(f"no {method} shipping range for {given} to {country or 'anywhere'}")
    best = max(found, key=lambda r: r.price)
    return ShippingQuote(best.method, best.price, best.basis, best.id, best.country, describe(best))
