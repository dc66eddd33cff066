"""The MWS XML order report (_GET_ORDERS_DATA_): an AmazonEnvelope of OrderReport
messages, each an order ready to ship with its items inline.

The report lists seller-fulfilled orders once payment is authorised; it has no
order status and no last-update date, so OrderPostedDate versions the document.
Item amounts are ItemPrice components (Principal, Shipping, Tax, ShippingTax,
GiftWrap, GiftWrapTax), totals for the item's quantity; promotions are negative
Principal and Shipping components.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from lxml import etree

from adapters.mws.records import children
from adapters.mws.values import (
    Money,
    amount,
    country,
    currency,
    one_currency,
    quantity,
    timestamp,
    total,
    unit_price,
    version,
)
from core.canonical import Address, CanonicalOrder, Contact, OrderLine, Payment
from core.errors import ParseError

UNIT = "EA"
_TAXES = ("Tax", "ShippingTax", "GiftWrapTax")
_ORDER_EXTRINSICS = (
    ("IsBusinessOrder", "is_business_order"),
    ("IsPrime", "is_prime"),
    ("IsIba", "is_iba"),
    ("PurchaseOrderNumber", "purchase_order_number"),
    ("SalesChannel", "sales_channel"),
)
_GIFT_EXTRINSICS = (("GiftWrapLevel", "gift_wrap_level"), ("GiftMessageText", "gift_message_text"))


def parse_report(root: etree._Element, channel: str, partner: str) -> list[CanonicalOrder]:
    kind = _text(root, "MessageType")
    if kind != "OrderReport":
        raise ParseError(f"AmazonEnvelope holds {kind or 'no MessageType'}, not OrderReport")
    orders = []
    for position, message in enumerate(children(root, "Message"), start=1):
        report = next(children(message, "OrderReport"), None)
        if report is None:
            raise ParseError(f"AmazonEnvelope Message {position} has no OrderReport")
        orders.append(_order(report, position, channel, partner))
    return orders


def _order(report: etree._Element, position: int, channel: str, partner: str) -> CanonicalOrder:
    order_id = _text(report, "AmazonOrderID")
    if order_id is None:
        raise ParseError(f"OrderReport {position} has no AmazonOrderID")
    where = f"OrderReport {order_id}"
    posted = version(
        timestamp(_required(report, "OrderPostedDate", where), f"{where} OrderPostedDate")
    )
    items = list(children(report, "Item"))
    if not items:
        raise ParseError(f"{where} has no Item")
    components = [_components(item, f"{where} Item {n}") for n, item in enumerate(items, 1)]
    promotions = [_promotions(item, f"{where} Item {n}") for n, item in enumerate(items, 1)]
    every = [m for c in components + promotions for ms in c.values() for m in ms]
    order_currency = one_currency(every, where)
    if order_currency is None:
        raise ParseError(f"{where} has no amount with a currency")
    billing = _child(report, "BillingData")
    fulfillment = _child(report, "FulfillmentData")
    return CanonicalOrder(
        channel=channel,
        partner=partner,
        external_order_id=order_id,
        order_date=timestamp(_required(report, "OrderDate", where), f"{where} OrderDate"),
        currency=order_currency,
        lines=tuple(
            _line(item, n, c, f"{where} Item {n}")
            for n, (item, c) in enumerate(zip(items, components, strict=True), 1)
        ),
        source_document_id=f"{order_id}@{posted}",
        source_version=posted,
        buyer_contact=Contact(
            name=_text(billing, "BuyerName"),
            email=_text(billing, "BuyerEmailAddress"),
            phone=_text(billing, "BuyerPhoneNumber"),
        ),
        ship_to=_address(_child(fulfillment, "Address"), f"{where} FulfillmentData"),
        bill_to=_address(_child(billing, "Address"), f"{where} BillingData"),
        shipping_method=_text(fulfillment, "FulfillmentServiceLevel"),
        shipping_amount=_sum(components, "Shipping"),
        tax_amount=_sum(components, *_TAXES),
        discount_amount=_discount(promotions),
        payment=Payment(method="prepaid", terms="amazon"),
        extrinsics=_order_extrinsics(report, fulfillment),
    )


def _line(
    item: etree._Element, number: int, components: dict[str, list[Money]], where: str
) -> OrderLine:
    count = quantity(_text(item, "Quantity"), f"{where} Quantity")
    if not count:
        raise ParseError(f"{where} Quantity is 0; the report lists positive quantities only")
    principal = components.get("Principal")
    extrinsics = _item_extrinsics(item)
    unit = None
    if principal:
        line_total = sum((m.amount for m in principal[1:]), principal[0].amount)
        unit, exact = unit_price(line_total, count)
        if not exact:
            extrinsics["item_price_total"] = format(line_total, "f")
    gift_wrap = components.get("GiftWrap")
    if gift_wrap:
        extrinsics["gift_wrap_price"] = format(sum(m.amount for m in gift_wrap), "f")
    return OrderLine(
        line_number=number,
        quantity=count,
        unit_of_measure=UNIT,
        unit_price=unit,
        currency=principal[0].currency if principal else None,
        supplier_part_id=_text(item, "SKU"),
        description=_text(item, "Title"),
        comments=_text(item, "GiftMessageText"),
        extrinsics=extrinsics,
    )


def _item_extrinsics(item: etree._Element) -> dict[str, str]:
    extrinsics = {}
    code = _text(item, "AmazonOrderItemCode")
    if code:
        extrinsics["order_item_id"] = code
    promotion_ids = [_promotion_id(promotion) for promotion in children(item, "Promotion")]
    if any(promotion_ids):
        extrinsics["promotion_ids"] = "; ".join(filter(None, promotion_ids))
    for name, key in _GIFT_EXTRINSICS:
        value = _text(item, name)
        if value:
            extrinsics[key] = value
    return extrinsics


def _promotion_id(promotion: etree._Element) -> str | None:
    """The seller's promotion id; Amazon's claim code when the seller has none."""
    return _text(promotion, "MerchantPromotionID") or _text(promotion, "PromotionClaimCode")


def _components(item: etree._Element, where: str) -> dict[str, list[Money]]:
    """ItemPrice components by Type."""
    price = _child(item, "ItemPrice")
    if price is None:
        raise ParseError(f"{where} has no ItemPrice")
    return _by_type(children(price, "Component"), f"{where} ItemPrice")


def _promotions(item: etree._Element, where: str) -> dict[str, list[Money]]:
    found: dict[str, list[Money]] = {}
    for promotion in children(item, "Promotion"):
        components = _by_type(children(promotion, "Component"), f"{where} Promotion")
        for kind, moneys in components.items():
            found.setdefault(kind, []).extend(moneys)
    return found


def _by_type(components: Iterable[etree._Element], where: str) -> dict[str, list[Money]]:
    found: dict[str, list[Money]] = {}
    for component in components:
        kind = _required(component, "Type", f"{where} Component")
        value = _child(component, "Amount")
        text = value.text if value is not None else None
        if text is None or not text.strip():
            raise ParseError(f"{where} Component {kind} has no Amount")
        money = Money(
            amount(text, f"{where} Component {kind} Amount"),
            currency(value.get("currency"), f"{where} Component {kind}"),
        )
        found.setdefault(kind, []).append(money)
    return found


def _sum(components: list[dict[str, list[Money]]], *kinds: str) -> Decimal | None:
    return total(m.amount for c in components for kind in kinds for m in c.get(kind, ()))


def _discount(promotions: list[dict[str, list[Money]]]) -> Decimal | None:
    """Promotions are negative amounts; the discount is their size."""
    found = total(m.amount for p in promotions for ms in p.values() for m in ms)
    return None if found is None else -found


def _address(address: etree._Element | None, where: str) -> Address | None:
    if address is None:
        return None
    fields = ("AddressFieldOne", "AddressFieldTwo", "AddressFieldThree")
    street = tuple(value for value in (_text(address, name) for name in fields) if value)
    return Address(
        name=_text(address, "Name"),
        street=street,
        city=_text(address, "City"),
        state=_text(address, "StateOrRegion"),
        postal_code=_text(address, "PostalCode"),
        country=country(_text(address, "CountryCode"), f"{where} Address"),
        phone=_text(address, "PhoneNumber"),
    )


def _order_extrinsics(report: etree._Element, fulfillment: etree._Element | None) -> dict[str, str]:
    # The report lists seller-fulfilled (MFN) orders only.
    extrinsics = {"fulfillment_channel": "MFN"}
    method = _text(fulfillment, "FulfillmentMethod")
    if method:
        extrinsics["fulfillment_method"] = method
    for name, key in _ORDER_EXTRINSICS:
        value = _text(report, name)
        if value:
            extrinsics[key] = value
    return extrinsics


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    return None if element is None else next(children(element, name), None)


def _text(element: etree._Element | None, name: str) -> str | None:
    found = _child(element, name)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _required(element: etree._Element, name: str, where: str) -> str:
    value = _text(element, name)
    if value is None:
        raise ParseError(f"{where} has no {name}")
    return value
