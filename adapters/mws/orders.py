"""An Amazon Orders API order and its items to a canonical order.

MWS Orders 2013-09-01 and SP-API Orders v0 describe orders with the same fields,
so both adapters map through here. Amounts on an item (ItemPrice, ItemTax,
ShippingPrice, PromotionDiscount, ...) are totals for the item's quantity.
Pending orders carry no address and usually no amounts: they map with ship_to
and prices left empty.

The ASIN is the marketplace's catalogue number for the product, so it is the
buyer's part id; the SellerSKU is the supplier's. Each new state of an order is a
new document version: LastUpdateDate in UTC to the millisecond, which the core
compares as a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from adapters.mws.records import Record, money
from adapters.mws.values import (
    MARKETPLACE_CURRENCIES,
    Money,
    country,
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
CANCELED = "Canceled"

_ORDER_EXTRINSICS = (
    ("FulfillmentChannel", "fulfillment_channel"),
    ("OrderStatus", "order_status"),
    ("SalesChannel", "sales_channel"),
    ("OrderChannel", "order_channel"),
    ("MarketplaceId", "marketplace_id"),
    ("OrderType", "order_type"),
    ("IsBusinessOrder", "is_business_order"),
    ("IsPrime", "is_prime"),
    ("IsPremiumOrder", "is_premium_order"),
    ("SellerOrderId", "seller_order_id"),
    ("ShipmentServiceLevelCategory", "shipment_service_level_category"),
    ("EarliestShipDate", "earliest_ship_date"),
    ("LatestShipDate", "latest_ship_date"),
    ("EarliestDeliveryDate", "earliest_delivery_date"),
    ("LatestDeliveryDate", "latest_delivery_date"),
    ("IsReplacementOrder", "is_replacement_order"),
    ("ReplacedOrderId", "replaced_order_id"),
    ("PaymentMethod", "payment_method"),
)
_ITEM_EXTRINSICS = (
    ("OrderItemId", "order_item_id"),
    ("ConditionId", "condition_id"),
    ("ConditionSubtypeId", "condition_subtype_id"),
    ("ConditionNote", "condition_note"),
    ("QuantityShipped", "quantity_shipped"),
    ("IsGift", "is_gift"),
    ("PriceDesignation", "price_designation"),
)
_GIFT_EXTRINSICS = (("GiftWrapLevel", "gift_wrap_level"), ("GiftMessageText", "gift_message_text"))
# Charges of a line that the order's shipping, tax and discount amounts do not hold.
_CHARGE_EXTRINSICS = (("GiftWrapPrice", "gift_wrap_price"), ("CODFee", "cod_fee"))
_PAYMENTS = {
    "COD": Payment(method="other", terms="cash on delivery"),
    "CVS": Payment(method="other", terms="convenience store"),
}
_COLLECTED_BY_AMAZON = Payment(method="prepaid", terms="amazon")


def order_from_api(
    order: Record, items: Sequence[Record], channel: str, partner: str
) -> CanonicalOrder:
    """Map one Order object and its OrderItem objects (all pages, in order)."""
    order_id = required(order, "AmazonOrderId")
    updated = version(timestamp(required(order, "LastUpdateDate"), f"{order.where} LastUpdateDate"))
    status = required(order, "OrderStatus")
    if not items:
        raise ParseError(f"{order.where} has no OrderItem")
    charges = [_charges(item) for item in items]
    order_total = money(order, "OrderTotal")
    moneys = [order_total, *(m for c in charges for m in c.values())]
    currency = _currency(order, one_currency(moneys, order.where))
    ship_to = _address(order.child("ShippingAddress"))
    return CanonicalOrder(
        channel=channel,
        partner=partner,
        external_order_id=order_id,
        order_date=timestamp(required(order, "PurchaseDate"), f"{order.where} PurchaseDate"),
        currency=currency,
        lines=tuple(
            _line(item, number, found)
            for number, (item, found) in enumerate(zip(items, charges, strict=True), 1)
        ),
        source_document_id=f"{order_id}@{updated}",
        source_version=updated,
        change_kind="cancel" if status == CANCELED else "new",
        changes_order_ref=order_id if status == CANCELED else None,
        buyer_organisation=_organisation(order),
        buyer_contact=Contact(name=_buyer(order, "BuyerName"), email=_buyer(order, "BuyerEmail")),
        ship_to=ship_to,
        shipping_method=order.text("ShipServiceLevel"),
        shipping_amount=_sum(charges, "ShippingPrice"),
        tax_amount=_sum(charges, "ItemTax", "ShippingTax", "GiftWrapTax"),
        discount_amount=_sum(charges, "PromotionDiscount", "ShippingDiscount"),
        total_amount=order_total.amount if order_total else None,
        payment=_PAYMENTS.get(order.text("PaymentMethod") or "", _COLLECTED_BY_AMAZON),
        extrinsics=_order_extrinsics(order),
    )


def pair_with_items(
    orders: Sequence[Record], items: dict[str, list[Record]], holder: str, answer: str
) -> list[tuple[Record, list[Record]]]:
    """Each order with its items (matched by AmazonOrderId); every order must have
    an items `answer` and every items answer an order in the `holder`."""
    paired = []
    seen: set[str] = set()
    for order in orders:
        order_id = required(order, "AmazonOrderId")
        if order_id in seen:
            raise ParseError(f"{holder} holds order {order_id} twice")
        seen.add(order_id)
        if order_id not in items:
            raise ParseError(f"{holder} has no {answer} answer for order {order_id}")
        paired.append((order, items[order_id]))
    stray = sorted(set(items) - seen)
    if stray:
        raise ParseError(f"{holder} has items for order {stray[0]}, which it does not hold")
    return paired


def required(record: Record, name: str) -> str:
    value = record.text(name)
    if value is None:
        raise ParseError(f"{record.where} has no {name}")
    return value


def _line(item: Record, number: int, charges: dict[str, Money]) -> OrderLine:
    count = quantity(item.text("QuantityOrdered"), f"{item.where} QuantityOrdered")
    price = charges.get("ItemPrice")
    gift = _gift(item)
    extrinsics = _extrinsics(item, _ITEM_EXTRINSICS) | _extrinsics(gift, _GIFT_EXTRINSICS)
    unit = None
    # Amazon reports a cancelled item with QuantityOrdered 0 (every item of a
    # Canceled order is so). The line stays, with quantity 0 and no unit price,
    # so line numbers do not move between versions of the order.
    if price is not None and count:
        unit, exact = unit_price(price.amount, count)
        if not exact:
            extrinsics["item_price_total"] = format(price.amount, "f")
    for name, key in _CHARGE_EXTRINSICS:
        if name in charges:
            extrinsics[key] = format(charges[name].amount, "f")
    promotions = item.texts("PromotionIds", "PromotionId")
    if promotions:
        extrinsics["promotion_ids"] = "; ".join(promotions)
    cancel = item.child("BuyerRequestedCancel")
    reason = cancel.text("BuyerCancelReason") if cancel is not None else None
    if reason:
        extrinsics["buyer_cancel_reason"] = reason
    customized = item.child("BuyerCustomizedInfo") or gift.child("BuyerCustomizedInfo")
    url = customized.text("CustomizedURL") if customized is not None else None
    if url:
        extrinsics["customized_url"] = url
    return OrderLine(
        line_number=number,
        quantity=count,
        unit_of_measure=UNIT,
        unit_price=unit,
        currency=price.currency if price else None,
        buyer_part_id=item.text("ASIN"),
        supplier_part_id=item.text("SellerSKU"),
        description=item.text("Title"),
        comments=gift.text("GiftMessageText"),
        extrinsics=extrinsics,
    )


def _charges(item: Record) -> dict[str, Money]:
    """The item's amounts by field name; gift wrap may sit in the item's BuyerInfo
    (SP-API) or on the item itself (MWS)."""
    found: dict[str, Money] = {}
    gift = _gift(item)
    for name in (
        "ItemPrice",
        "ShippingPrice",
        "ItemTax",
        "ShippingTax",
        "ShippingDiscount",
        "PromotionDiscount",
        "CODFee",
    ):
        value = money(item, name)
        if value is not None:
            found[name] = value
    for name in ("GiftWrapPrice", "GiftWrapTax"):
        value = money(gift, name) or money(item, name)
        if value is not None:
            found[name] = value
    return found


def _gift(item: Record) -> Record:
    return item.child("BuyerInfo") or item


def _sum(charges: list[dict[str, Money]], *names: str) -> Decimal | None:
    return total(c[name].amount for c in charges for name in names if name in c)


def _currency(order: Record, found: str | None) -> str:
    if found:
        return found
    marketplace = order.text("MarketplaceId")
    by_marketplace = MARKETPLACE_CURRENCIES.get(marketplace or "")
    if by_marketplace is None:
        raise ParseError(f"{order.where} has no amount and no known MarketplaceId for a currency")
    return by_marketplace


def _buyer(order: Record, name: str) -> str | None:
    """A buyer field: on the Order in MWS, in the Order's BuyerInfo in SP-API."""
    value = order.text(name)
    if value is None:
        info = order.child("BuyerInfo")
        value = info.text(name) if info is not None else None
    return value


def _organisation(order: Record) -> str | None:
    for holder in (order, order.child("BuyerInfo")):
        tax_info = holder.child("BuyerTaxInfo") if holder is not None else None
        if tax_info is not None and tax_info.text("CompanyLegalName"):
            return tax_info.text("CompanyLegalName")
    address = order.child("ShippingAddress")
    return address.text("CompanyName") if address is not None else None


def _address(address: Record | None) -> Address | None:
    if address is None:
        return None
    name = address.text("Name")
    company = address.text("CompanyName")
    lines = (address.text(f"AddressLine{n}") for n in (1, 2, 3))
    return Address(
        name=company or name,
        deliver_to=(name,) if company and name else (),
        street=tuple(line for line in lines if line),
        city=address.text("City"),
        state=address.text("StateOrRegion"),
        postal_code=address.text("PostalCode"),
        country=country(address.text("CountryCode"), address.where),
        phone=address.text("Phone"),
    )


def _order_extrinsics(order: Record) -> dict[str, str]:
    extrinsics = _extrinsics(order, _ORDER_EXTRINSICS)
    details = order.texts("PaymentMethodDetails", "PaymentMethodDetail")
    if details:
        extrinsics["payment_method_details"] = "; ".join(details)
    purchase_order = _buyer(order, "PurchaseOrderNumber")
    if purchase_order:
        extrinsics["purchase_order_number"] = purchase_order
    address = order.child("ShippingAddress")
    address_type = address.text("AddressType") if address is not None else None
    if address_type:
        extrinsics["address_type"] = address_type
    return extrinsics


def _extrinsics(record: Record, names: tuple[tuple[str, str], ...]) -> dict[str, str]:
    found = ((key, record.text(name)) for name, key in names)
    return {key: value for key, value in found if value is not None}
