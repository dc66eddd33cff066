"""Amazon SP-API Orders v0 parsing: bundles of getOrders/getOrder and getOrderItems
answers, against the fixtures and the canonical schema."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.spapi.parse import bundle, parse
from core.canonical import CanonicalOrder, Payment
from core.errors import DocumentTooLarge, ParseError
from tests.unit import amazon_records
from tests.unit.amazon_records import order, usd

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "spapi"
SERVER = ROOT / "tests" / "fixtures" / "amazon_server" / "spapi"
CASES = sorted(path for path in FIXTURES.glob("*.json") if ".expected." not in path.name)


def expected(path: Path) -> list[dict]:
    return json.loads(path.with_suffix(".expected.json").read_text("utf-8"))


def by_id() -> dict[str, CanonicalOrder]:
    return {order.external_order_id: order for path in CASES for order in parse(path.read_bytes())}


def test_business_order_with_purchase_order_number_and_item_tax() -> None:
    order = by_id()["113-7730184-2219437"]
    assert order.extrinsics["purchase_order_number"] == "TDP-0003321"
    assert order.extrinsics["is_business_order"] == "true"
    assert order.buyer_organisation == "Tidewater Dental Partners PLLC"
    assert order.ship_to is not None
    assert (order.ship_to.name, order.ship_to.deliver_to) == (
        "Tidewater Dental Partners",
        ("Marcus Oyelaran",),
    )
    assert order.tax_amount == Decimal("7.09")
    # Items came in two getOrderItems pages.
    assert [(line.supplier_part_id, line.unit_price) for line in order.lines] == [
        ("00219-PROPHY-MINT", Decimal("31.99")),
        ("0007731", Decimal("5.95")),
    ]


def test_fba_order_with_promotions_and_gift_wrap_in_item_buyer_info() -> None:
    order = by_id()["114-3391027-5518263"]
    assert order.extrinsics["fulfillment_channel"] == "AFN"
    line = order.lines[0]
    assert line.extrinsics["promotion_ids"] == "FREESHIP-PRIME; SPRING10-CABLES"
    assert (line.extrinsics["gift_wrap_level"], line.extrinsics["gift_wrap_price"]) == (
        "Standard",
        "3.99",
    )
    assert (order.discount_amount, order.tax_amount) == (Decimal("7.59"), Decimal("1.87"))
    assert order.ship_to is not None and order.ship_to.postal_code == "02452"


def test_pending_order() -> None:
    order = by_id()["113-5067219-8834602"]
    assert (order.ship_to, order.total_amount, order.lines[0].unit_price) == (None, None, None)
    assert order.currency == "USD"
    assert order.change_kind == "new"


def test_gift_message_is_the_line_comment() -> None:
    line = by_id()["112-9048816-1174230"].lines[0]
    assert line.comments == "Congratulations on the new practice! - The Okafor family"
    assert line.extrinsics["gift_message_text"] == line.comments


def test_canceled_order_from_a_get_order_answer() -> None:
    order = by_id()["114-2283310-6045827"]
    assert (order.change_kind, order.changes_order_ref) == ("cancel", "114-2283310-6045827")
    assert order.lines[0].quantity == Decimal(0)
    assert order.lines[0].extrinsics["buyer_cancel_reason"] == "Ordered the wrong cartridge model"


def test_every_order_is_prepaid_through_amazon_and_versioned() -> None:
    for parsed in by_id().values():
        assert parsed.payment == Payment(method="prepaid", terms="amazon")
        assert parsed.source_document_id == f"{parsed.external_order_id}@{parsed.source_version}"
        assert parsed.order_date is not None and parsed.order_date.utcoffset() is not None


def test_partner_defaults_to_amazon_and_can_be_given() -> None:
    data = (FIXTURES / "get_orders_page2.json").read_bytes()
    assert {(o.channel, o.partner) for o in parse(data)} == {("spapi", "amazon")}
    assert {o.partner for o in parse(data, partner="amazon-business")} == {"amazon-business"}


# Building answers for the edge cases


def item(**fields: object) -> dict:
    return amazon_records.item(1, **fields)


def orders_answer(*orders: dict) -> bytes:
    return json.dumps({"payload": {"Orders": list(orders)}}).encode()


def items_answer(order_id: str, *items: dict) -> bytes:
    return json.dumps({"payload": {"AmazonOrderId": order_id, "OrderItems": list(items)}}).encode()


def one(order_fields: dict, *items: dict) -> CanonicalOrder:
    data = bundle(
        orders_answer(order_fields), [items_answer(order_fields["AmazonOrderId"], *items)]
    )
    (found,) = parse(data)
    return found


def test_amounts_as_json_numbers_stay_exact() -> None:
    data = json.dumps({"payload": {"AmazonOrderId": "111-0000001-0000001", "OrderItems": []}})
    raw = data.replace('"OrderItems": []', '"OrderItems": [' + json.dumps(item()) + "]")
    raw = raw.replace('"Amount": "10.00"', '"Amount": 0.1')
    (found,) = parse(bundle(orders_answer(order()), [raw.encode()]))
    assert found.lines[0].unit_price == Decimal("0.1")


def test_quantities_and_flags_may_be_json_numbers_and_booleans() -> None:
    found = one(order(IsPrime=True, IsBusinessOrder=False), item(QuantityOrdered=4))
    assert (found.extrinsics["is_prime"], found.extrinsics["is_business_order"]) == (
        "true",
        "false",
    )
    assert found.lines[0].unit_price == Decimal("2.50")


def test_an_inexact_unit_price_is_rounded_and_the_total_kept() -> None:
    line = one(order(), item(QuantityOrdered=3, ItemPrice=usd("100.00"))).lines[0]
    assert (line.unit_price, line.extrinsics["item_price_total"]) == (Decimal("33.3333"), "100.00")


def test_gift_wrap_on_the_item_itself_is_read_too() -> None:
    line = one(order(), item(GiftWrapPrice=usd("2.00"), GiftWrapLevel="Premium")).lines[0]
    assert (line.extrinsics["gift_wrap_price"], line.extrinsics["gift_wrap_level"]) == (
        "2.00",
        "Premium",
    )


def test_an_empty_orders_page_holds_no_orders() -> None:
    assert parse(orders_answer()) == []
    assert parse(bundle(orders_answer(), [])) == []


@pytest.mark.parametrize(
    ("order_fields", "items", "message"),
    [
        (order(PurchaseDate="2025-03-11"), [item()], "PurchaseDate has no time zone"),
        (order(PurchaseDate="March 11"), [item()], "PurchaseDate is not an ISO 8601"),
        (order(OrderStatus=None), [item()], "Order 111-0000001-0000001 has no OrderStatus"),
        (order(), [item(QuantityOrdered=-2)], "OrderItem 1 QuantityOrdered is negative: -2"),
        (order(), [item(QuantityOrdered=1.5)], "QuantityOrdered is not a whole number: '1.5'"),
        (order(), [item(QuantityOrdered=None)], "QuantityOrdered is missing"),
        (order(), [item(QuantityOrdered=[1])], "QuantityOrdered is a list, not a value"),
        (order(), [item(ItemPrice="10.00")], "ItemPrice is a string, not an object"),
        (order(), [item(ItemPrice=usd("1e5"))], "ItemPrice Amount is not an amount: '1e5'"),
        (order(), [item(PromotionIds="SPRING")], "PromotionIds is not a list of strings"),
        (
            order(OrderTotal={"CurrencyCode": "CAD", "Amount": "10.00"}),
            [item()],
            "mixes currencies: CAD, USD",
        ),
        (
            order(ShippingAddress={"Name": "X", "CountryCode": "U1"}),
            [item()],
            "ShippingAddress CountryCode 'U1' is not ISO 3166-1 alpha-2",
        ),
        (order(), [], "Order 111-0000001-0000001 has no OrderItem"),
    ],
)
def test_error_messages(order_fields: dict, items: list, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        one(order_fields, *items)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"", "is not well-formed JSON"),
        (b"\xff\xfe{}", "is not UTF-8"),
        (b'"orders"', "is not a JSON object: it is a string"),
        (b"{}", "not an SP-API order document"),
        (b'{"payload": [1]}', "has no payload object"),
        (b'{"payload": {"Orders": {}}}', "Orders is an object, not a list"),
        (b'{"payload": {"Orders": [7]}}', "Order 1 is a number, not an object"),
        (b'{"payload": {"NextToken": "x"}}', "payload has neither Orders nor an AmazonOrderId"),
        (b'{"payload": {"Orders": [{"Amount": NaN}]}}', "JSON holds NaN"),
        (b"[" * 100_000 + b"]" * 100_000, "nests JSON too deeply"),
        (b'{"n": ' + b"9" * 5000 + b"}", "is not usable JSON"),
        (b'{"orders": {"payload": {"Orders": []}}}', "bundle orderItems is null"),
        (b'{"orders": [], "orderItems": []}', "bundle orders is a list, not an answer object"),
        (
            b'{"orders": {"payload": {"Orders": []}}, "orderItems": [3]}',
            "bundle items answer 1 is a number",
        ),
        (
            b'{"orders": {"errors": [{"code": "InvalidInput", "message": "Bad date"}]},'
            b' "orderItems": []}',
            "bundle orders answer is an errors answer: InvalidInput: Bad date",
        ),
    ],
)
def test_bad_json(document: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse(document)
    assert "\n" not in str(caught.value)


def test_size_limit() -> None:
    data = (FIXTURES / "get_orders_page1.json").read_bytes()
    with pytest.raises(DocumentTooLarge, match=f"document is {len(data)} bytes, the limit is 1000"):
        parse(data, max_bytes=1000)
    assert len(parse(data, max_bytes=len(data))) == 2


# Bad documents


BAD = {
    "truncated.json": "is not well-formed JSON: Unterminated string",
    "not_object.json": "document is not a JSON object: it is a list",
    "errors.json": "is an errors answer: InvalidInput: Invalid Input: LastUpdatedAfter",
    "negative_quantity.json": "Order 112-9048816-1174230 OrderItem 1 QuantityOrdered is negative",
    "missing_order_id.json": "bundle orders answer Order 1 has no AmazonOrderId",
    "bare_get_orders.json": "Order 113-7730184-2219437 has no items",
    "wrong_shape.json": "bundle orderItems is an object, not a list of answers",
}


def test_every_bad_fixture_is_listed() -> None:
    assert {path.name for path in (FIXTURES / "bad").iterdir()} == set(BAD)


@pytest.mark.parametrize(("name", "message"), sorted(BAD.items()))
def test_bad_documents(name: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse((FIXTURES / "bad" / name).read_bytes())
    assert "\n" not in str(caught.value)


# bundle()


PAGES = {
    "get_orders_page1.json": (
        "get_orders.json",
        "order_items_113-7730184-2219437.json",
        "order_items_113-7730184-2219437_next.json",
        "order_items_114-3391027-5518263.json",
    ),
    "get_orders_page2.json": (
        "get_orders_next.json",
        "order_items_113-5067219-8834602.json",
        "order_items_112-9048816-1174230.json",
    ),
}


def server_parts(name: str) -> tuple[bytes, list[bytes]]:
    orders_file, *item_files = PAGES[name]
    return (SERVER / orders_file).read_bytes(), [(SERVER / f).read_bytes() for f in item_files]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_bundle_of_the_wire_answers_is_the_fixture(name: str) -> None:
    orders_part, item_parts = server_parts(name)
    assert bundle(orders_part, item_parts) == (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_bundle_keeps_each_answer_verbatim(name: str) -> None:
    orders_part, item_parts = server_parts(name)
    data = bundle(orders_part, item_parts)
    document = json.loads(data)
    assert document["orders"] == json.loads(orders_part)
    assert document["orderItems"] == [json.loads(part) for part in item_parts]
    for part in [orders_part, *item_parts]:
        assert part.strip() in data


def test_bundle_of_a_get_order_answer() -> None:
    answer = json.dumps({"payload": order()}).encode()
    data = bundle(b"\xef\xbb\xbf" + answer, [items_answer("111-0000001-0000001", item())])
    assert [found.external_order_id for found in parse(data)] == ["111-0000001-0000001"]


@pytest.mark.parametrize(
    ("orders_part", "item_parts", "message"),
    [
        ((SERVER / "throttled.json").read_bytes(), [], "is an errors answer: QuotaExceeded"),
        (b"[]", [], "orders answer is not a JSON object"),
        (orders_answer(order()), [orders_answer(order())], "items answer 1 has no AmazonOrderId"),
        (orders_answer(order()), [b'{"payload": '], "items answer 1 is not well-formed JSON"),
    ],
)
def test_bundle_refuses_what_is_not_an_answer(
    orders_part: bytes, item_parts: list[bytes], message: str
) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        bundle(orders_part, item_parts)
