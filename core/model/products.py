"""Products we sell, by our part number: their suppliers' part numbers and costs,
their prices per price level and their quantity breaks; and the price levels.

A product is one audited document: changing a supplier, a level price or a break
shows in the product's history. Nothing is deleted: a product, a supplier, a level
price or a break is archived.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core.errors import OrderB2BError

LEVEL_KINDS = ("fixed", "list_discount", "cost_markup", "margin")
HUNDRED = Decimal(100)
# What staff may change on a product; the part number (sku) never changes.
CHANGEABLE = (
    "description",
    "manufacturer_name",
    "manufacturer_part_id",
    "unit_of_measure",
    "list_price",
    "cost",
    "currency",
    "weight",
    "category",
    "archived",
)
_NOT_KEY = re.compile(r"[^0-9a-z]+")
_TOKEN = re.compile(r"[0-9a-z]+")


class CatalogError(OrderB2BError):
    """A product, price level or price that cannot be kept as given."""


def part_key(part_number: str | None) -> str:
    """A part number as search compares it: lower case, letters and digits only, so
    "TN-436 BK" and "tn436bk" are the same part."""
    return _NOT_KEY.sub("", (part_number or "").lower())


def search_tokens(texts, part_numbers) -> list[str]:
    """What product search matches a query word's start against: each word of the
    texts (description, maker) whole and in its parts ("USB-C" gives usbc, usb, c),
    and each part number whole, all as part_key makes them."""
    tokens: dict[str, None] = {}
    for text in texts:
        for word in (text or "").lower().split():
            tokens[part_key(word)] = None
            tokens.update(dict.fromkeys(_TOKEN.findall(word)))
    tokens.update(dict.fromkeys(map(part_key, part_numbers)))
    tokens.pop("", None)
    return list(tokens)


def _stamp(obj) -> None:
    obj.updated_at = datetime.now(UTC)


def _amount(name: str, value, *, required: bool = False) -> Decimal | None:
    if value is None:
        if required:
            raise CatalogError(f"{name} is needed")
        return None
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise CatalogError(f"{name} must be an amount of 0 or more, not {value}")
    return value


def _text(name: str, value, limit: int, *, required: bool = False) -> str | None:
    if value is not None and not isinstance(value, str):
        raise CatalogError(f"{name} must be text")
    value = value.strip() if value else None
    if required and not value:
        raise CatalogError(f"{name} is needed")
    if value and len(value) > limit:
        raise CatalogError(f"{name} is longer than {limit} characters")
    return value or None


class Product:
    id: int | None
    suppliers: list[ProductSupplier]
    level_prices: list[ProductPrice]
    breaks: list[PriceBreak]

    def __init__(
        self,
        sku: str,
        description: str,
        *,
        manufacturer_name: str | None = None,
        manufacturer_part_id: str | None = None,
        unit_of_measure: str = "EA",
        list_price: Decimal | None = None,
        cost: Decimal | None = None,
        currency: str = "USD",
        weight: Decimal | None = None,
        category: str | None = None,
    ) -> None:
        self.sku = sku
        self.description = description
        self.manufacturer_name = manufacturer_name
        self.manufacturer_part_id = manufacturer_part_id
        self.unit_of_measure = unit_of_measure
        self.list_price = list_price
        self.cost = cost
        self.currency = currency
        self.weight = weight
        self.category = category
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
        self.suppliers = []
        self.level_prices = []
        self.breaks = []

    @classmethod
    def new(cls, sku: str, description: str, /, **fields: Any) -> Product:
        """A product from what staff entered, checked."""
        sku = _text("sku", sku, 100, required=True)
        if any(c.isspace() for c in sku):
            raise CatalogError(f"part number {sku!r} has spaces in it")
        product = cls(sku, _text("description", description, 4000, required=True))
        product.change(**fields)
        return product

    def change(self, **fields: Any) -> list[str]:
        """Set the fields given (None clears an optional one); the names changed."""
        unknown = sorted(set(fields) - set(CHANGEABLE))
        if unknown:
            raise CatalogError(f"cannot change {', '.join(unknown)} of a product")
        values = {name: _checked(name, value) for name, value in fields.items()}
        changed = [name for name, value in values.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, values[name])
        if changed:
            _stamp(self)
        return changed

    def set_supplier(
        self,
        supplier_code: str,
        supplier_part_id: str,
        *,
        cost: Decimal | None = None,
        lead_time_days: int | None = None,
        is_preferred: bool = False,
        archived: bool = False,
    ) -> ProductSupplier:
        """Add a supplier of this product or change it; a preferred one makes the
        others not preferred."""
        code = _text("supplier", supplier_code, 64, required=True)
        part = _text("supplier part number", supplier_part_id, 100, required=True)
        if lead_time_days is not None and lead_time_days < 0:
            raise CatalogError("lead time must be 0 days or more")
        supplier = next((s for s in self.suppliers if s.supplier_code == code), None)
        if supplier is None:
            supplier = ProductSupplier(code, part)
            self.suppliers.append(supplier)
        supplier.update(
            supplier_part_id=part,
            cost=_amount("supplier cost", cost),
            lead_time_days=lead_time_days,
            is_preferred=is_preferred and not archived,
            archived=archived,
        )
        if supplier.is_preferred:
            for other in self.suppliers:
                if other is not supplier and other.is_preferred:
                    other.update(is_preferred=False)
        return supplier

    def set_level_price(self, level_code: str, unit_price: Decimal | None) -> ProductPrice:
        """This product's price at a fixed price level; None archives it."""
        price = next((p for p in self.level_prices if p.level_code == level_code), None)
        if unit_price is None:
            if price is None or price.archived:
                raise CatalogError(f"{self.sku} has no {level_code} price to remove")
            price.update(archived=True)
            return price
        amount = _amount("unit price", unit_price, required=True)
        if price is None:
            price = ProductPrice(level_code, amount)
            self.level_prices.append(price)
        else:
            price.update(unit_price=amount, archived=False)
        return price

    def level_price(self, level_code: str) -> Decimal | None:
        price = next((p for p in self.level_prices if p.level_code == level_code), None)
        return None if price is None or price.archived else price.unit_price

    def set_break(
        self, level_code: str | None, min_quantity: Decimal, unit_price: Decimal | None
    ) -> PriceBreak:
        """The unit price from `min_quantity` up, at one level or (None) any level;
        a None price archives the break."""
        quantity = Decimal(min_quantity)
        if not quantity.is_finite() or quantity <= 0:
            raise CatalogError("a break's minimum quantity must be more than 0")
        found = next(
            (b for b in self.breaks if b.level_code == level_code and b.min_quantity == quantity),
            None,
        )
        if unit_price is None:
            if found is None or found.archived:
                raise CatalogError(f"{self.sku} has no break at {quantity} to remove")
            found.update(archived=True)
            return found
        amount = _amount("unit price", unit_price, required=True)
        if found is None:
            found = PriceBreak(level_code, quantity, amount)
            self.breaks.append(found)
        else:
            found.update(unit_price=amount, archived=False)
        return found


def _checked(name: str, value: Any) -> Any:
    if name in ("list_price", "cost", "weight"):
        return _amount(name.replace("_", " "), value)
    if name == "archived":
        if not isinstance(value, bool):
            raise CatalogError("archived must be true or false")
        return value
    if name == "currency":
        if not (isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value)):
            raise CatalogError("currency must be an ISO 4217 code such as USD")
        return value.upper()
    if name == "unit_of_measure":
        unit = _text("unit of measure", value, 8, required=True)
        return unit.upper()
    if name == "description":
        return _text(name, value, 4000, required=True)
    limits = {"manufacturer_name": 200, "manufacturer_part_id": 100, "category": 100}
    return _text(name.replace("_", " "), value, limits[name])


class _Part:
    """A part of a product document: changed through `update`, stamped."""

    archived: bool

    def update(self, **values: Any) -> None:
        changed = False
        for name, value in values.items():
            if getattr(self, name, None) != value:
                setattr(self, name, value)
                changed = True
        if changed:
            _stamp(self)


class ProductSupplier(_Part):
    """A supplier who sells us the product, under their own part number."""

    id: int | None
    product_id: int | None

    def __init__(self, supplier_code: str, supplier_part_id: str) -> None:
        self.supplier_code = supplier_code
        self.supplier_part_id = supplier_part_id
        self.cost = None
        self.lead_time_days = None
        self.is_preferred = False
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)


class ProductPrice(_Part):
    """The product's price at a fixed price level."""

    id: int | None
    product_id: int | None

    def __init__(self, level_code: str, unit_price: Decimal) -> None:
        self.level_code = level_code
        self.unit_price = unit_price
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)


class PriceBreak(_Part):
    """From `min_quantity` up, this unit price; for one level, or any (None)."""

    id: int | None
    product_id: int | None

    def __init__(self, level_code: str | None, min_quantity: Decimal, unit_price: Decimal):
        self.level_code = level_code
        self.min_quantity = min_quantity
        self.unit_price = unit_price
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)


class PriceLevel:
    """How a customer group's prices are made: a fixed price per product, list price
    less a percentage, cost plus a percentage, or cost at a margin percentage."""

    id: int | None

    def __init__(self, code: str, name: str, kind: str, percent: Decimal | None = None):
        self.code = code
        self.name = name
        self.kind = kind
        self.percent = percent
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    @classmethod
    def new(cls, code: str, name: str, kind: str, percent: Decimal | None = None) -> PriceLevel:
        code = _text("code", code, 32, required=True)
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", code):
            raise CatalogError(f"price level code {code!r}: letters, digits, - _ . only")
        level = cls(code, _text("name", name, 200, required=True), kind)
        level.change(kind=kind, percent=percent)
        return level

    def change(self, **values: Any) -> list[str]:
        unknown = sorted(set(values) - {"name", "kind", "percent", "archived"})
        if unknown:
            raise CatalogError(f"cannot change {', '.join(unknown)} of a price level")
        merged = {
            "name": self.name,
            "kind": self.kind,
            "percent": self.percent,
            "archived": self.archived,
        }
        merged.update(values)
        merged["name"] = _text("name", merged["name"], 200, required=True)
        merged["percent"] = level_percent(merged["kind"], merged["percent"])
        changed = [name for name, value in merged.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, merged[name])
        if changed:
            _stamp(self)
        return changed


def level_percent(kind: str, percent) -> Decimal | None:
    """The percentage a level of this kind needs, checked: none for fixed prices,
    under 100 for a list discount or a margin, 0 or more for a markup."""
    if kind not in LEVEL_KINDS:
        raise CatalogError(f"price level kind must be one of {', '.join(LEVEL_KINDS)}")
    if kind == "fixed":
        if percent is not None:
            raise CatalogError("a fixed price level takes no percentage")
        return None
    if percent is None:
        raise CatalogError(f"a {kind} price level needs a percentage")
    percent = Decimal(percent)
    if not percent.is_finite() or percent < 0:
        raise CatalogError("the percentage must be 0 or more")
    if kind in ("list_discount", "margin") and percent >= HUNDRED:
        raise CatalogError(f"a {kind} percentage must be under 100")
    return percent
