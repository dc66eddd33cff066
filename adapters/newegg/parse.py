"""Newegg Marketplace order-information answers to canonical orders.

One canonical order per OrderInfo; a page without orders gives an empty list. Newegg
collects the payment, so every order is prepaid.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from lxml import etree

from adapters.newegg.countries import iso_country
from adapters.newegg.dates import parse_pacific
from adapters.newegg.fields import child, child_text, clip, decimal, flag, integer
from adapters.newegg.items import CURRENCY, cancelled_note, read_items
from adapters.newegg.response import order_info_body
from adapters.newegg.version import order_version
from adapters.xml import parse_xml
from core.canonical import Address, CanonicalOrder, Contact, Payment
from core.errors import ParseError

CHANNEL = "newegg"
DEFAULT_PARTNER = "newegg"
ORDER_STATUSES = {
    0: "Unshipped",
    1: "Partially Shipped",
    2: "Shipped",
    3: "Invoiced",
    4: "Voided",
    5: "Payment Pending",
}
VOIDED = 4
SALES_CHANNELS = {"0": "Newegg", "2": "Multi-channel"}
FULFILLMENT_OPTIONS = {"0": "Ship by seller", "1": "Ship by Newegg"}

_STATUS_BY_DESCRIPTION = {name.lower(): code for code, name in ORDER_STATUSES.items()}


def parse(raw: bytes, partner: str | None = None) -> list[CanonicalOrder]:
    """Channel entry point: one order-information answer page, its orders in order."""
    body = order_info_body(parse_xml(raw))
    infos = child(body, "OrderInfoList")
    if infos is None:
        return []
    return [
        parse_order_info(info, partner or DEFAULT_PARTNER, position)
        for position, info in enumerate(infos.iterchildren("OrderInfo"), start=1)
    ]


def parse_order_info(info: etree._Element, partner: str, position: int = 1) -> CanonicalOrder:
    """Map one OrderInfo (the `position`-th of its page) to a CanonicalOrder.

    Cancelled items are not ordered lines: they are listed in the comments. An order
    Newegg voided, or whose items are all cancelled, is a cancel of that order.
    """
    number = _order_number(info, position)
    where = f"order {number}"
    status = _order_status(info, where)
    items = read_items(info, where)
    if not items and status != VOIDED:
        raise ParseError(f"{where} has no ItemInfo")
    lines = tuple(item.line for item in items if not item.cancelled)
    cancelled = [item.line for item in items if item.cancelled]
    cancels = status == VOIDED or not lines
    order = CanonicalOrder(
        channel=CHANNEL,
        partner=partner,
        external_order_id=number,
        order_date=_order_date(info, where),
        currency=CURRENCY,
        lines=lines,
        change_kind="cancel" if cancels else "new",
        changes_order_ref=number if cancels else None,
        buyer_organisation=child_text(info, "ShipToCompany"),
        buyer_contact=Contact(
            name=child_text(info, "CustomerName"),
            email=child_text(info, "CustomerEmailAddress"),
            phone=child_text(info, "CustomerPhoneNumber"),
        ),
        ship_to=_ship_to(info, where),
        shipping_method=child_text(info, "ShipService"),
        shipping_amount=_amount(info, "ShippingAmount", where),
        tax_amount=_amount(info, "SalesTax", where),
        discount_amount=_amount(info, "DiscountAmount", where),
        total_amount=_amount(info, "OrderTotalAmount", where),
        payment=Payment(method="prepaid", terms="newegg"),
        extrinsics=_extrinsics(info, status, where),
        comments="\n".join(map(cancelled_note, cancelled)) or None,
    )
    version = order_version(status, items, order)
    return replace(order, source_document_id=f"{number}@{version}", source_version=version)


# Order header


def _order_number(info: etree._Element, position: int) -> str:
    number = child_text(info, "OrderNumber")
    if number is None:
        raise ParseError(f"OrderInfo {position} has no OrderNumber")
    if not (number.isascii() and number.isdigit()):
        raise ParseError(f"OrderInfo {position} has an invalid OrderNumber '{clip(number)}'")
    return number


def _order_status(info: etree._Element, where: str) -> int:
    code = integer(child_text(info, "OrderStatus"), f"{where} OrderStatus")
    if code is None:
        description = child_text(info, "OrderStatusDescription")
        if description is None:
            raise ParseError(f"{where} has no OrderStatus")
        code = _STATUS_BY_DESCRIPTION.get(description.lower())
        if code is None:
            raise ParseError(f"{where} has an unknown OrderStatusDescription '{clip(description)}'")
    if code not in ORDER_STATUSES:
        raise ParseError(f"{where} has an unknown OrderStatus {code}")
    return code


def _order_date(info: etree._Element, where: str) -> datetime:
    value = child_text(info, "OrderDate")
    if value is None:
        raise ParseError(f"{where} has no OrderDate")
    return parse_pacific(value, f"{where} OrderDate")


def _amount(info: etree._Element, tag: str, where: str) -> Decimal | None:
    return decimal(child_text(info, tag), f"{where} {tag}")


def _ship_to(info: etree._Element, where: str) -> Address | None:
    person = _person(info)
    company = child_text(info, "ShipToCompany")
    street = tuple(
        value
        for value in (child_text(info, "ShipToAddress1"), child_text(info, "ShipToAddress2"))
        if value
    )
    city = child_text(info, "ShipToCityName")
    country = child_text(info, "ShipToCountryCode")
    if not (person or company or street or city):
        return None
    return Address(
        name=company or person,
        deliver_to=(person,) if company and person else (),
        street=street,
        city=city,
        state=child_text(info, "ShipToStateCode"),
        postal_code=child_text(info, "ShipToZipCode"),
        country=iso_country(country, f"{where} ShipToCountryCode") if country else None,
        phone=child_text(info, "CustomerPhoneNumber"),
    )


def _person(info: etree._Element) -> str | None:
    names = (child_text(info, "ShipToFirstName"), child_text(info, "ShipToLastName"))
    return " ".join(name for name in names if name) or None


def _extrinsics(info: etree._Element, status: int, where: str) -> dict[str, str]:
    values = {
        "OrderStatus": ORDER_STATUSES[status],
        "InvoiceNumber": _invoice_number(info, where),
        "SellerOrderNumber": child_text(info, "SellerOrderNumber"),
        "SalesChannel": _described(child_text(info, "SalesChannel"), SALES_CHANNELS),
        "FulfillmentOption": _described(child_text(info, "FulfillmentOption"), FULFILLMENT_OPTIONS),
        "IsAutoVoid": _flag_text(info, "IsAutoVoid", where),
        "RefundAmount": _refund(info, where),
    }
    return {name: value for name, value in values.items() if value}


def _invoice_number(info: etree._Element, where: str) -> str | None:
    """Newegg writes 0 until the order is invoiced."""
    text = child_text(info, "InvoiceNumber")
    return text if integer(text, f"{where} InvoiceNumber") else None


def _described(code: str | None, descriptions: dict[str, str]) -> str | None:
    return None if code is None else descriptions.get(code, code)


def _flag_text(info: etree._Element, tag: str, where: str) -> str | None:
    value = flag(child_text(info, tag), f"{where} {tag}")
    return None if value is None else str(value).lower()


def _refund(info: etree._Element, where: str) -> str | None:
    refund = _amount(info, "RefundAmount", where)
    return format(refund, "f") if refund else None
