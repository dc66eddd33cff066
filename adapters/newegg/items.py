"""An OrderInfo's ItemInfoList: ordered lines, cancelled items and shipped quantities."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from adapters.newegg.fields import child, child_text, decimal, integer
from core.canonical import OrderLine
from core.errors import ParseError

# Newegg.com and NeweggBusiness answers carry no currency: both sell in US dollars.
CURRENCY = "USD"
UNIT_OF_MEASURE = "EA"
ITEM_STATUSES = {1: "Unshipped", 2: "Shipped", 3: "Cancelled"}
UNSHIPPED, CANCELLED = 1, 3


@dataclass(frozen=True, slots=True)
class Item:
    """One ItemInfo: its line, whether Newegg cancelled it, how many have shipped."""

    line: OrderLine
    cancelled: bool
    shipped: int


def read_items(info: etree._Element, where: str) -> list[Item]:
    """The items of one OrderInfo, numbered by their position in ItemInfoList,
    cancelled items included, so a line keeps its number when another is cancelled."""
    listing = child(info, "ItemInfoList")
    if listing is None:
        return []
    return [
        _item(item, number, f"{where} ItemInfo {number}")
        for number, item in enumerate(listing.iterchildren("ItemInfo"), start=1)
    ]


def cancelled_note(line: OrderLine) -> str:
    """A sentence staff can read: which item was cancelled, how many, at what price."""
    item = line.supplier_part_id or ""
    if line.buyer_part_id:
        item += f" (Newegg {line.buyer_part_id})"
    if line.description:
        item += f" {line.description}"
    return (
        f"Cancelled item, line {line.line_number}: {line.quantity} x {item} "
        f"at {line.unit_price} {line.currency}"
    )


def _item(item: etree._Element, number: int, at: str) -> Item:
    part = child_text(item, "SellerPartNumber")
    if part is None:
        raise ParseError(f"{at} has no SellerPartNumber")
    status = _status(item, at)
    extrinsics = {"Status": ITEM_STATUSES[status]}
    upc = child_text(item, "UPCCode")
    if upc:
        extrinsics["UPCCode"] = upc
    line = OrderLine(
        line_number=number,
        quantity=_quantity(item, at, status == CANCELLED),
        unit_of_measure=UNIT_OF_MEASURE,
        unit_price=_unit_price(item, at),
        currency=CURRENCY,
        buyer_part_id=child_text(item, "NeweggItemNumber"),
        supplier_part_id=part,
        manufacturer_part_id=child_text(item, "MfrPartNumber"),
        description=child_text(item, "Description"),
        extrinsics=extrinsics,
    )
    shipped = integer(child_text(item, "ShippedQty"), f"{at} ShippedQty") or 0
    return Item(line=line, cancelled=status == CANCELLED, shipped=shipped)


def _status(item: etree._Element, at: str) -> int:
    """The item Status; an answer without one (older API versions) means unshipped."""
    status = integer(child_text(item, "Status"), f"{at} Status")
    if status is None:
        return UNSHIPPED
    if status not in ITEM_STATUSES:
        raise ParseError(f"{at} has an unknown Status {status}")
    return status


def _quantity(item: etree._Element, at: str, cancelled: bool) -> Decimal:
    quantity = decimal(child_text(item, "OrderedQty"), f"{at} OrderedQty")
    if quantity is None:
        raise ParseError(f"{at} has no OrderedQty")
    if quantity < 0:
        raise ParseError(f"{at} has a negative OrderedQty")
    if quantity == 0 and not cancelled:
        raise ParseError(f"{at} orders nothing: OrderedQty is 0")
    return quantity


def _unit_price(item: etree._Element, at: str) -> Decimal:
    price = decimal(child_text(item, "UnitPrice"), f"{at} UnitPrice")
    if price is None:
        raise ParseError(f"{at} has no UnitPrice")
    if price < 0:
        raise ParseError(f"{at} has a negative UnitPrice")
    return price
