"""Amazon MWS parsing: the XML order report and Orders API bundles, against the
fixtures and the canonical schema."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from adapters.mws.parse import bundle, parse
from adapters.xml import parse_xml
from core.canonical import CanonicalOrder, Payment
from core.errors import DocumentError, HostileDocument, ParseError
from tests.unit import amazon_records
from tests.unit.amazon_records import order, usd

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "mws"
SERVER = ROOT / "tests" / "fixtures" / "amazon_server" / "mws"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
CASES = sorted(FIXTURES.glob("*.xml"))
NS = "https://mws.amazonservices.com/Orders/2013-09-01"


def expected(path: Path) -> list[dict]:
    return json.loads(path.with_suffix(".expected.json").read_text("utf-8"))


def test_fixtures_cover_the_kinds_of_order() -> None:
    orders = [order for path in CASES for order in parse(path.read_bytes())]
    statuses = {order.extrinsics.get("order_status") for order in orders}
    assert {"Pending", "Unshipped", "Shipped", "Canceled"} <= statuses
    assert {order.extrinsics["fulfillment_channel"] for order in orders} == {"AFN", "MFN"}
    assert any(order.change_kind == "cancel" for order in orders)
    assert any(order.ship_to is None for order in orders)


# The order report


def test_report_line_prices_are_totals_divided_by_quantity() -> None:
    first, second = parse((FIXTURES / "order_report.xml").read_bytes())
    gift_line = first.lines[0]
    assert (gift_line.quantity, gift_line.unit_price) == (Decimal(2), Decimal("29.99"))
    assert gift_line.extended_price == Decimal("59.98")
    assert (second.lines[0].quantity, second.lines[0].unit_price) == (
        Decimal(10),
        Decimal("3.99"),
    )


def test_report_gift_wrap_and_promotion() -> None:
    order = parse((FIXTURES / "order_report.xml").read_bytes())[0]
    line = order.lines[0]
    assert line.extrinsics["gift_wrap_level"] == "Classic"
    assert line.extrinsics["gift_wrap_price"] == "7.98"
    assert line.extrinsics["promotion_ids"] == "GIFTSHIP-SPRING25"
    assert line.comments == "Happy retirement, Abuela! With love, Lucía"
    # The free-shipping promotion is a negative Shipping component: a 7.98 discount.
    assert (order.shipping_amount, order.discount_amount) == (Decimal("7.98"), Decimal("7.98"))
    assert order.tax_amount == Decimal("6.35")
    assert order.total_amount is None


def test_report_versions_by_order_posted_date() -> None:
    order = parse((FIXTURES / "order_report.xml").read_bytes())[0]
    # OrderPostedDate 2025-03-12T08:46:10-07:00, in UTC to the millisecond.
    assert order.source_version == "2025-03-12T15:46:10.000Z"
    assert order.source_document_id == "111-5529013-7746240@2025-03-12T15:46:10.000Z"
    assert order.order_date is not None and order.order_date.utcoffset() is not None


def test_report_keeps_billing_address_and_all_street_lines() -> None:
    order = parse((FIXTURES / "order_report.xml").read_bytes())[1]
    assert order.ship_to is not None and order.bill_to is not None
    assert order.ship_to.street == ("Bayline Marine Supply Inc", "600 Harbor Blvd", "Dock 4")
    assert order.bill_to.postal_code == "23501-1902"
    assert order.lines[0].supplier_part_id == "00007-STPL-266"


# Orders API bundles


def test_pending_order_has_no_address_and_no_prices() -> None:
    pending = parse((FIXTURES / "list_orders_page1.xml").read_bytes())[1]
    assert pending.extrinsics["order_status"] == "Pending"
    assert pending.ship_to is None
    assert pending.total_amount is None
    assert [line.unit_price for line in pending.lines] == [None]
    assert pending.currency == "USD"  # from the marketplace


def test_items_from_two_pages_follow_each_other() -> None:
    order = parse((FIXTURES / "list_orders_page1.xml").read_bytes())[0]
    assert [line.line_number for line in order.lines] == [1, 2, 3]
    assert [line.supplier_part_id for line in order.lines] == [
        "00412-NTR-BX",
        "0078-2210",
        "000953",
    ]
    assert order.extrinsics["purchase_order_number"] == "MFC-PO-004418"
    assert order.buyer_organisation == "Mercy Family Clinic LLC"


def test_canceled_order_is_a_cancel_with_zero_quantity_lines() -> None:
    canceled = parse((FIXTURES / "list_orders_page2.xml").read_bytes())[1]
    assert (canceled.change_kind, canceled.changes_order_ref) == ("cancel", "113-2705519-3381046")
    assert [(line.quantity, line.unit_price) for line in canceled.lines] == [(Decimal(0), None)]


def test_fba_order_and_promotions() -> None:
    fba = parse((FIXTURES / "list_orders_page2.xml").read_bytes())[0]
    assert fba.extrinsics["fulfillment_channel"] == "AFN"
    assert fba.lines[0].extrinsics["promotion_ids"] == "FREESHIP-PRIME-0311; SPRING10-LABELS"
    assert fba.discount_amount == Decimal("10.79")
    assert fba.payment == Payment(method="prepaid", terms="amazon")


def test_cash_on_delivery_is_not_prepaid() -> None:
    order = parse((FIXTURES / "get_order_cod.xml").read_bytes())[0]
    assert order.payment == Payment(method="other", terms="cash on delivery")
    assert order.lines[0].extrinsics["cod_fee"] == "330.00"


def test_partner_defaults_to_amazon_and_can_be_given() -> None:
    data = (FIXTURES / "list_orders_page2.xml").read_bytes()
    assert {order.partner for order in parse(data)} == {"amazon"}
    assert {order.partner for order in parse(data, partner="amazon-eu")} == {"amazon-eu"}
    assert {order.channel for order in parse(data)} == {"mws"}


# Building orders answers for the edge cases


def _xml(name: str, value: object) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(key, child) for key, child in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, list):
        return "".join(_xml(name, entry) for entry in value)
    return f"<{name}>{value}</{name}>"


def item(**fields: object) -> dict:
    return amazon_records.item("1", **fields)


def orders_answer(*orders: dict, name: str = "ListOrders") -> bytes:
    result = _xml(f"{name}Result", {"Orders": {"Order": list(orders)}})
    return f'<?xml version="1.0"?><{name}Response xmlns="{NS}">{result}</{name}Response>'.encode()


def items_answer(order_id: str, *items: dict, name: str = "ListOrderItems") -> bytes:
    body = {"AmazonOrderId": order_id, "OrderItems": {"OrderItem": list(items)}}
    result = _xml(f"{name}Result", body)
    return f'<?xml version="1.0"?><{name}Response xmlns="{NS}">{result}</{name}Response>'.encode()


def one(order_fields: dict | None = None, *items: dict) -> CanonicalOrder:
    fields = order_fields or order()
    (found,) = parse(
        bundle(
            orders_answer(fields), [items_answer(fields["AmazonOrderId"], *(items or (item(),)))]
        )
    )
    return found


def test_an_inexact_unit_price_is_rounded_and_the_total_kept() -> None:
    line = one(order(), item(QuantityOrdered="3", ItemPrice=usd("10.00"))).lines[0]
    assert line.unit_price == Decimal("3.3333")
    assert line.extrinsics["item_price_total"] == "10.00"


def test_unit_price_keeps_every_decimal_of_an_exact_division() -> None:
    line = one(order(), item(QuantityOrdered="8", ItemPrice=usd("0.10"))).lines[0]
    assert line.unit_price == Decimal("0.0125")
    assert "item_price_total" not in line.extrinsics


def test_order_amounts_are_sums_over_items() -> None:
    found = one(
        order(OrderTotal=usd("33.00")),
        item(ItemPrice=usd("10.00"), ShippingPrice=usd("2.00"), ItemTax=usd("0.80")),
        item(
            OrderItemId="10000000000002",
            ItemPrice=usd("20.00"),
            ShippingPrice=usd("1.00"),
            ShippingTax=usd("0.10"),
            GiftWrapTax=usd("0.10"),
            PromotionDiscount=usd("1.50"),
            ShippingDiscount=usd("0.50"),
        ),
    )
    assert (found.shipping_amount, found.tax_amount, found.discount_amount) == (
        Decimal("3.00"),
        Decimal("1.00"),
        Decimal("2.00"),
    )
    assert found.total_amount == Decimal("33.00")


def test_versions_compared_as_strings_compare_in_time() -> None:
    updates = ["2025-03-11T14:35:09Z", "2025-03-11T07:35:09.250-07:00", "2025-03-11T14:35:10.1Z"]
    versions = [one(order(LastUpdateDate=when)).source_version for when in updates]
    assert versions == [
        "2025-03-11T14:35:09.000Z",
        "2025-03-11T14:35:09.250Z",
        "2025-03-11T14:35:10.100Z",
    ]
    assert sorted(versions) == versions


def test_get_order_answer_in_a_bundle() -> None:
    data = bundle(
        orders_answer(order(), name="GetOrder"), [items_answer("111-0000001-0000001", item())]
    )
    assert [found.external_order_id for found in parse(data)] == ["111-0000001-0000001"]


def test_an_empty_orders_page_holds_no_orders() -> None:
    assert parse(orders_answer()) == []
    assert parse(bundle(orders_answer(), [])) == []


def test_empty_address_lines_are_dropped() -> None:
    address = {
        "Name": "R. Ortiz",
        "AddressLine1": "",
        "AddressLine2": "77 Mill Rd",
        "City": "Ames",
        "PostalCode": "50010",
        "CountryCode": "us",
    }
    ship_to = one(order(ShippingAddress=address)).ship_to
    assert ship_to is not None
    assert (ship_to.street, ship_to.country) == (("77 Mill Rd",), "US")


@pytest.mark.parametrize(
    ("order_fields", "items", "message"),
    [
        (order(PurchaseDate="2025-03-11T10:00:00"), [item()], "PurchaseDate has no time zone"),
        (order(PurchaseDate="11/03/2025"), [item()], "PurchaseDate is not an ISO 8601"),
        (order(LastUpdateDate=""), [item()], "Order 111-0000001-0000001 has no LastUpdateDate"),
        (order(OrderStatus=""), [item()], "has no OrderStatus"),
        (order(), [item(QuantityOrdered="1.5")], "QuantityOrdered is not a whole number: '1.5'"),
        (order(), [item(QuantityOrdered="")], "OrderItem 1 QuantityOrdered is missing"),
        (order(), [item(ItemPrice=usd("12,50"))], "ItemPrice Amount is not an amount: '12,50'"),
        (order(), [item(ItemPrice=usd("NaN"))], "ItemPrice Amount is not an amount: 'NaN'"),
        (
            order(OrderTotal={"CurrencyCode": "EUR", "Amount": "10.00"}),
            [item()],
            "Order 111-0000001-0000001 mixes currencies: EUR, USD",
        ),
        (
            order(MarketplaceId="AXXXXXXXXXXXXX"),
            [item(ItemPrice="")],
            "has no amount and no known MarketplaceId for a currency",
        ),
        (order(), [item(ItemPrice={"CurrencyCode": "US$", "Amount": "1.00"})], "invalid currency"),
        (
            order(ShippingAddress={"Name": "X", "CountryCode": "USA"}),
            [item()],
            "ShippingAddress CountryCode 'USA' is not ISO 3166-1 alpha-2",
        ),
    ],
)
def test_error_messages(order_fields: dict, items: list, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        one(order_fields, *items)
    assert "\n" not in str(caught.value)


def test_an_order_without_items_answer_is_named() -> None:
    data = bundle(
        orders_answer(order(), order(AmazonOrderId="111-0000002-0000002")),
        [items_answer("111-0000001-0000001", item())],
    )
    with pytest.raises(ParseError, match="no ListOrderItems answer for order 111-0000002-0000002"):
        parse(data)


def test_items_for_an_order_not_in_the_bundle_are_refused() -> None:
    data = bundle(
        orders_answer(order()),
        [
            items_answer("111-0000001-0000001", item()),
            items_answer("111-0000009-0000009", item()),
        ],
    )
    with pytest.raises(ParseError, match="items for order 111-0000009-0000009"):
        parse(data)


def test_an_order_twice_in_a_bundle_is_refused() -> None:
    data = bundle(orders_answer(order(), order()), [items_answer("111-0000001-0000001", item())])
    with pytest.raises(ParseError, match="holds order 111-0000001-0000001 twice"):
        parse(data)


def test_an_items_answer_with_no_items_is_refused() -> None:
    data = bundle(orders_answer(order()), [items_answer("111-0000001-0000001")])
    with pytest.raises(ParseError, match="Order 111-0000001-0000001 has no OrderItem"):
        parse(data)


# Bad documents


BAD = {
    "truncated_report.xml": "not well-formed XML",
    "wrong_root.xml": "not an MWS order document: the root element is GetServiceStatusResponse",
    "processing_report.xml": "AmazonEnvelope holds ProcessingReport, not OrderReport",
    "error_response.xml": "MWS answered with an error: InvalidParameterValue: CreatedAfter",
    "zero_quantity_report.xml": "OrderReport 112-0381752-6650617 Item 1 Quantity is 0",
    "negative_quantity.xml": "Order 114-6618203-9074652 OrderItem 1 QuantityOrdered is negative",
    "missing_order_id.xml": "ListOrdersResponse Order 2 has no AmazonOrderId",
    "bare_list_orders.xml": "Order 113-4829301-5583426 has no items",
}


def test_every_bad_fixture_is_listed() -> None:
    assert {path.name for path in (FIXTURES / "bad").iterdir()} == set(BAD)


@pytest.mark.parametrize(("name", "message"), sorted(BAD.items()))
def test_bad_documents(name: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse((FIXTURES / "bad" / name).read_bytes())
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "name", ["billion_laughs.xml", "parameter_entity.xml", "xxe_file.xml", "xxe_http.xml"]
)
def test_hostile_xml_is_refused(name: str) -> None:
    data = (HOSTILE / name).read_bytes()
    with pytest.raises(HostileDocument):
        parse(data)
    with pytest.raises(HostileDocument):
        bundle(data, [])


def test_an_oversized_document_is_refused() -> None:
    data = orders_answer(order(SellerOrderId="x" * (10 * 1024 * 1024)))
    with pytest.raises(DocumentError, match="the limit is"):
        parse(data)


# bundle()


def _server_parts(orders_file: str, *item_files: str) -> tuple[bytes, list[bytes]]:
    return (SERVER / orders_file).read_bytes(), [(SERVER / f).read_bytes() for f in item_files]


PAGES = {
    "list_orders_page1.xml": _server_parts(
        "list_orders.xml",
        "items_113-4829301-5583426.xml",
        "items_113-4829301-5583426_next.xml",
        "items_113-0937746-2290611.xml",
    ),
    "list_orders_page2.xml": _server_parts(
        "list_orders_next.xml", "items_114-6618203-9074652.xml", "items_113-2705519-3381046.xml"
    ),
}


def _canonical(document: bytes) -> bytes:
    return etree.tostring(parse_xml(document), method="c14n")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_bundle_of_the_wire_answers_is_the_fixture(name: str) -> None:
    orders_part, item_parts = PAGES[name]
    assert bundle(orders_part, item_parts) == (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_bundle_keeps_each_answer_verbatim(name: str) -> None:
    orders_part, item_parts = PAGES[name]
    data = bundle(orders_part, item_parts)
    root = parse_xml(data)
    assert root.tag == f"{{{NS}}}OrdersWithItems"
    kept = [_canonical(etree.tostring(child)) for child in root]
    assert kept == [_canonical(part) for part in [orders_part, *item_parts]]
    for part in [orders_part, *item_parts]:
        assert part.split(b"?>", 1)[1].strip() in data


def test_bundle_reencodes_an_answer_in_another_encoding() -> None:
    answer = orders_answer(order(ShippingAddress={"Name": "Zoë Brontë", "City": "Köln"}))
    latin1 = answer.decode().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>'
    )
    items = [items_answer("111-0000001-0000001", item())]
    (found,) = parse(bundle(latin1.encode("latin-1"), items))
    assert found.ship_to is not None
    assert (found.ship_to.name, found.ship_to.city) == ("Zoë Brontë", "Köln")


def test_bundle_drops_a_doctype_without_subset() -> None:
    answer = orders_answer(order()).replace(
        b'<?xml version="1.0"?>', b'<?xml version="1.0"?><!DOCTYPE ListOrdersResponse>'
    )
    data = bundle(answer, [items_answer("111-0000001-0000001", item())])
    assert b"DOCTYPE" not in data
    assert len(parse(data)) == 1


@pytest.mark.parametrize(
    ("orders_part", "item_parts", "message"),
    [
        (items_answer("111-0000001-0000001", item()), [], "not ListOrderItemsResponse"),
        (orders_answer(order()), [orders_answer(order())], "not ListOrdersResponse"),
        ((SERVER / "throttled.xml").read_bytes(), [], "not ErrorResponse"),
        (b"<ListOrdersResponse>", [], "not well-formed XML"),
    ],
)
def test_bundle_refuses_what_is_not_an_answer(
    orders_part: bytes, item_parts: list[bytes], message: str
) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        bundle(orders_part, item_parts)
