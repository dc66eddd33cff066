"""Table rates: our own shipping ranges as a carrier, the fallback when no carrier
answers.

The rules are those of the stored shipping ranges (core/model/shipping_rates.py): a
range takes a value from its minimum (inclusive) up to its maximum (exclusive; None is
no upper bound); ranges for the destination country win over ranges for every
country; a service priced both by order value and by weight costs the higher of the
two. Weight ranges are in pounds: parcels weighed in kilograms are converted at
1 kg = 2.20462 lb.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.canonical import RateQuote, RateRequest

CARRIER = "table"
BASES = ("value", "weight")
POUNDS_PER_KG = Decimal("2.20462")


@dataclass(frozen=True, slots=True)
class TableRange:
    """`service` costs `amount` for an order value or a weight in pounds (`basis`)
    from `minimum` up to `maximum`, to `country` (None: every country)."""

    service: str
    basis: str
    minimum: Decimal
    maximum: Decimal | None
    amount: Decimal
    currency: str = "USD"
    country: str | None = None

    def __post_init__(self) -> None:
        if not self.service.strip():
            raise ValueError("a table range needs a service")
        if self.basis not in BASES:
            raise ValueError(f"basis must be one of {', '.join(BASES)}, not {self.basis!r}")
        if self.maximum is not None and self.maximum <= self.minimum:
            raise ValueError("maximum must be more than minimum (maximum is exclusive)")
        if self.amount < 0:
            raise ValueError("amount must be 0 or more")
        object.__setattr__(self, "country", (self.country or "").strip().upper() or None)

    def covers(self, value: Decimal) -> bool:
        return self.minimum <= value and (self.maximum is None or value < self.maximum)


def ranges_from_stored(rows: Iterable, currency: str = "USD") -> list[TableRange]:
    """Table ranges from stored shipping ranges (or rows with the same fields:
    method, basis "order_value" or "weight", min_value, max_value, price, country,
    active); inactive and archived ones are left out."""
    return [
        TableRange(
            service=row.method,
            basis="value" if row.basis == "order_value" else row.basis,
            minimum=Decimal(row.min_value),
            maximum=None if row.max_value is None else Decimal(row.max_value),
            amount=Decimal(row.price),
            currency=currency,
            country=row.country,
        )
        for row in rows
        if row.active and not getattr(row, "archived", False)
    ]


class TableRates:
    """Rates from a table of ranges (the CarrierRates port); never calls out, so it
    never fails. A service no range takes gets no quote."""

    name = CARRIER

    def __init__(self, ranges: Iterable[TableRange]) -> None:
        self.ranges = tuple(ranges)

    def rates(self, request: RateRequest) -> list[RateQuote]:
        """A quote per service (only `request.service` when given), cheapest first;
        only ranges in the request's currency count."""
        weight = total_pounds(request) if request.parcels else None
        values = {"value": request.order_value, "weight": weight}
        country = (request.ship_to.country or "").strip().upper() or None
        quotes = []
        for service, ranges in self._services(request).items():
            found = [r for r in _table(ranges, country) if _takes(r, values)]
            if found:
                best = max(found, key=lambda r: r.amount)
                quotes.append(RateQuote(CARRIER, service, service, best.amount, best.currency))
        return sorted(quotes, key=lambda quote: (quote.amount, quote.service))

    def _services(self, request: RateRequest) -> dict[str, list[TableRange]]:
        """The ranges in the request's currency by service (named as first seen)."""
        wanted = (request.service or "").strip().casefold()
        names: dict[str, str] = {}
        services: dict[str, list[TableRange]] = {}
        for band in self.ranges:
            key = band.service.strip().casefold()
            if band.currency != request.currency or (wanted and key != wanted):
                continue
            name = names.setdefault(key, band.service.strip())
            services.setdefault(name, []).append(band)
        return services


def total_pounds(request: RateRequest) -> Decimal:
    """The weight of all parcels in pounds."""
    total = Decimal(0)
    for parcel in request.parcels:
        if parcel.weight_unit == "LB":
            total += parcel.weight
        elif parcel.weight_unit == "KG":
            total += parcel.weight * POUNDS_PER_KG
        else:
            raise ValueError(f"a parcel weighs in LB or KG, not {parcel.weight_unit}")
    return total


def _table(ranges: list[TableRange], country: str | None) -> list[TableRange]:
    specific = [r for r in ranges if country is not None and r.country == country]
    return specific or [r for r in ranges if r.country is None]


def _takes(band: TableRange, values: dict[str, Decimal | None]) -> bool:
    value = values[band.basis]
    return value is not None and band.covers(value)
