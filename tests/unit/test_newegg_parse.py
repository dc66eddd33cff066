"""Newegg order-information answers against the fixtures and the canonical schema."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.newegg.countries import iso_country
from adapters.newegg.dates import format_pacific, parse_pacific
from adapters.newegg.parse import parse
from adapters.newegg.response import PageInfo, read_page_info
from core.canonical import CanonicalOrder, Payment
from core.errors import HostileDocument, ParseError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "newegg"
CASES = sorted(
    path for path in FIXTURES.glob("*.xml") if path.with_suffix(".expected.json").exists()
)
SINGLE = (FIXTURES / "single_order.xml").read_bytes()
PAGE = (FIXTURES / "page_three_orders.xml").read_bytes()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_one(data: bytes) -> CanonicalOrder:
    (order,) = parse(data)
    return order


def changed(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data, old
    return data.replace(old.encode(), new.encode())


# Fixtures


def test_fixtures_hold_one_three_and_no_orders() -> None:
    names = ("single_order.xml", "page_three_orders.xml", "empty_page.xml")
    assert {FIXTURES / name for name in names} <= set(CASES)
    assert [len(parse(fixture(name))) for name in names] == [1, 3, 0]


def test_channel_partner_and_payment() -> None:
    order = parse_one(SINGLE)
    assert (order.channel, order.partner, order.currency) == ("newegg", "newegg", "USD")
    assert order.payment == Payment(method="prepaid", terms="newegg")
    assert [o.partner for o in parse(PAGE, partner="newegg-b2b")] == ["newegg-b2b"] * 3


def test_money_and_quantities_are_decimals() -> None:
    order = parse_one(SINGLE)
    amounts = (order.shipping_amount, order.tax_amount, order.discount_amount)
    assert amounts == (Decimal("0.00"), Decimal("30.00"), Decimal("0.00"))
    assert order.total_amount == Decimal("509.95")
    line = order.lines[0]
    assert (line.quantity, line.unit_price) == (Decimal("3"), Decimal("99.99"))
    assert all(type(value) is Decimal for value in (line.quantity, line.unit_price))
    assert sum(line.extended_price for line in order.lines) == Decimal("479.95")


def test_leading_zeros_are_kept() -> None:
    first, _, _ = parse(PAGE)
    single = parse_one(SINGLE)
    assert single.ship_to.postal_code == "02142"
    assert first.ship_to.postal_code == "07302"
    assert single.lines[1].supplier_part_id == "0078-SAM-T7-1TB"
    assert single.lines[0].extrinsics["UPCCode"] == "097855174741"


def test_line_mapping() -> None:
    line = parse_one(SINGLE).lines[1]
    assert line.supplier_part_id == "0078-SAM-T7-1TB"
    assert line.buyer_part_id == "9SIAD7XK5J0307"
    assert line.manufacturer_part_id == "MU-PC1T0T/AM"
    assert line.description == "Samsung T7 1TB USB 3.2 Gen 2 Portable SSD, Titan Gray"
    assert (line.line_number, line.unit_of_measure, line.currency) == (2, "EA", "USD")


def test_ship_to_company_and_person() -> None:
    order = parse_one(SINGLE)
    assert order.buyer_organisation == "Kendall Square Robotics LLC"
    assert order.ship_to.name == "Kendall Square Robotics LLC"
    assert order.ship_to.deliver_to == ("Priya Raman",)
    assert order.ship_to.street == ("245 First St", "Suite 1800")
    assert (order.ship_to.city, order.ship_to.state, order.ship_to.country) == (
        "Cambridge",
        "MA",
        "US",
    )
    assert order.buyer_contact.name == "Priya Raman"
    assert order.buyer_contact.phone == order.ship_to.phone == "617-555-0148"


def test_person_without_company_is_the_ship_to_name() -> None:
    first, _, _ = parse(PAGE)
    assert (first.ship_to.name, first.ship_to.deliver_to) == ("Marcus Delgado", ())
    assert first.buyer_organisation is None


def test_order_extrinsics() -> None:
    single = parse_one(SINGLE)
    _, voided, invoiced = parse(PAGE)
    assert single.extrinsics == {
        "OrderStatus": "Unshipped",
        "SalesChannel": "Newegg",
        "FulfillmentOption": "Ship by seller",
        "IsAutoVoid": "false",
    }
    assert voided.extrinsics["IsAutoVoid"] == "true"
    assert invoiced.extrinsics["InvoiceNumber"] == "84127733"
    assert invoiced.extrinsics["SellerOrderNumber"] == "SO-2024-118204"
    assert invoiced.extrinsics["SalesChannel"] == "Multi-channel"
    assert invoiced.extrinsics["FulfillmentOption"] == "Ship by Newegg"


def test_refund_and_unknown_codes_are_kept() -> None:
    data = changed(SINGLE, "<RefundAmount>0</RefundAmount>", "<RefundAmount>12.50</RefundAmount>")
    data = changed(data, "<SalesChannel>0</SalesChannel>", "<SalesChannel>7</SalesChannel>")
    extrinsics = parse_one(data).extrinsics
    assert (extrinsics["RefundAmount"], extrinsics["SalesChannel"]) == ("12.50", "7")


# Cancelled items and orders


def test_cancelled_item_is_not_a_line_but_a_comment() -> None:
    first, _, _ = parse(PAGE)
    assert [line.line_number for line in first.lines] == [1, 3]
    assert "00544-HYX-CLD2" not in {line.supplier_part_id for line in first.lines}
    assert first.change_kind == "new"
    assert first.comments == (
        "Cancelled item, line 2: 1 x 00544-HYX-CLD2 (Newegg 9SIAD7XK8H2290) HyperX Cloud II "
        "Gaming Headset, 7.1 Virtual Surround Sound, Gunmetal at 79.99 USD"
    )


def test_orders_without_cancelled_items_have_no_comments() -> None:
    assert parse_one(SINGLE).comments is None


def test_voided_order_is_a_cancel() -> None:
    _, voided, _ = parse(PAGE)
    assert (voided.change_kind, voided.changes_order_ref) == ("cancel", "379601388")
    assert voided.lines == ()
    assert voided.extrinsics["OrderStatus"] == "Voided"
    assert voided.comments.startswith("Cancelled item, line 1: 1 x 00620-TPL-AX55")


def test_voided_order_keeps_lines_newegg_did_not_cancel() -> None:
    order = parse_one(with_status(SINGLE, 4))
    assert (order.change_kind, order.changes_order_ref, len(order.lines)) == (
        "cancel",
        "381024675",
        2,
    )


def test_order_whose_items_are_all_cancelled_is_a_cancel() -> None:
    data = SINGLE.replace(b"<Status>1</Status>", b"<Status>3</Status>")
    order = parse_one(data)
    assert (order.change_kind, order.changes_order_ref, order.lines) == ("cancel", "381024675", ())
    assert order.comments.count("Cancelled item") == 2


def test_other_statuses_are_new_orders() -> None:
    _, _, invoiced = parse(PAGE)
    assert (invoiced.change_kind, invoiced.changes_order_ref) == ("new", None)
    assert invoiced.extrinsics["OrderStatus"] == "Invoiced"


def test_status_description_stands_in_for_a_missing_code() -> None:
    data = changed(SINGLE, "<OrderStatus>0</OrderStatus>", "")
    data = changed(data, ">Unshipped</OrderStatusDescription>", ">Voided</OrderStatusDescription>")
    assert parse_one(data).change_kind == "cancel"


def test_item_without_status_is_ordered() -> None:
    data = SINGLE.replace(b"<Status>1</Status>", b"")
    order = parse_one(data)
    assert [line.extrinsics["Status"] for line in order.lines] == ["Unshipped", "Unshipped"]


# Source document id and version


def with_status(data: bytes, code: int) -> bytes:
    return changed(data, "<OrderStatus>0</OrderStatus>", f"<OrderStatus>{code}</OrderStatus>")


def shipped(data: bytes, quantity: int) -> bytes:
    first = data.index(b"<ShippedQty>0</ShippedQty>")
    return data[:first] + f"<ShippedQty>{quantity}</ShippedQty>".encode() + data[first + 26 :]


def version(data: bytes) -> str:
    return parse_one(data).source_version


def test_source_document_id_is_order_number_at_version() -> None:
    order = parse_one(SINGLE)
    assert re.fullmatch(r"1\.000\.0000000\.[0-9a-f]{8}", order.source_version)
    assert order.source_document_id == f"381024675@{order.source_version}"


def test_version_is_stable_across_polls() -> None:
    again = changed(SINGLE, "<OrderDownloaded>false<", "<OrderDownloaded>true<")
    again = changed(again, "<ResponseDate>7/14/2025 9:41:07<", "<ResponseDate>7/15/2025 6:00:00<")
    assert parse_one(again).source_document_id == parse_one(SINGLE).source_document_id
    assert parse(SINGLE, partner="other")[0].source_version == version(SINGLE)


def test_version_grows_as_the_order_moves_on() -> None:
    steps = [
        with_status(SINGLE, 5),
        SINGLE,
        shipped(with_status(SINGLE, 1), 1),
        shipped(with_status(SINGLE, 1), 3),
        shipped(shipped(with_status(SINGLE, 2), 3), 2),
        shipped(shipped(with_status(SINGLE, 3), 3), 2),
    ]
    versions = [version(step) for step in steps]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
    assert [v[:13] for v in versions] == [
        "0.000.0000000",
        "1.000.0000000",
        "2.000.0000001",
        "2.000.0000003",
        "3.000.0000005",
        "4.000.0000005",
    ]
    assert all(len(v) == 22 for v in versions)


def test_version_grows_when_an_item_is_cancelled_in_the_same_status() -> None:
    second = SINGLE.rindex(b"<Status>1</Status>")
    cancelled = SINGLE[:second] + b"<Status>3</Status>" + SINGLE[second + 18 :]
    before, after = parse_one(SINGLE), parse_one(cancelled)
    assert after.source_version.startswith("1.001.")
    assert after.source_version > before.source_version
    assert after.source_document_id != before.source_document_id


def test_version_changes_when_the_address_is_corrected() -> None:
    corrected = changed(SINGLE, "<![CDATA[Suite 1800]]>", "<![CDATA[Suite 1810]]>")
    assert version(corrected)[:13] == version(SINGLE)[:13]
    assert version(corrected) != version(SINGLE)


# Dates


def test_summer_date_is_pacific_daylight_time() -> None:
    order_date = parse_one(SINGLE).order_date
    assert order_date.isoformat() == "2025-07-14T09:05:33-07:00"
    assert order_date.utcoffset() == timedelta(hours=-7)


def test_winter_date_is_pacific_standard_time() -> None:
    first, _, invoiced = parse(PAGE)
    assert first.order_date.isoformat() == "2025-01-09T14:22:08-08:00"
    assert invoiced.order_date.utcoffset() == timedelta(hours=-8)


def test_ambiguous_fall_back_hour_is_read_as_the_first_daylight_hour() -> None:
    moment = parse_pacific("11/2/2025 1:30:00", "OrderDate")
    assert moment.utcoffset() == timedelta(hours=-7)
    data = changed(SINGLE, "<OrderDate>7/14/2025 9:05:33<", "<OrderDate>11/2/2025 1:30:00<")
    assert parse_one(data).order_date.isoformat() == "2025-11-02T01:30:00-07:00"


def test_skipped_spring_forward_hour_is_read_with_standard_time() -> None:
    moment = parse_pacific("3/9/2025 2:30:00", "OrderDate")
    assert moment.utcoffset() == timedelta(hours=-8)


@pytest.mark.parametrize(
    "value",
    ["01/09/2025 14:22:08", "1/9/2025 2:22:08 PM", "1/9/2025 02:22:08 pm", " 1/9/2025  14:22:08 "],
)
def test_date_spellings(value: str) -> None:
    assert parse_pacific(value, "OrderDate").isoformat() == "2025-01-09T14:22:08-08:00"


def test_midnight_and_noon_in_twelve_hour_form() -> None:
    assert parse_pacific("1/9/2025 12:00:00 AM", "d").hour == 0
    assert parse_pacific("1/9/2025 12:00:00 PM", "d").hour == 12


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-07-14T09:05:33", "is not a Newegg date (M/D/YYYY H:MM:SS): '2025-07-14T09:05:33'"),
        ("2/30/2025 10:00:00", "is not a valid date: '2/30/2025 10:00:00'"),
        ("7/14/2025 24:00:00", "is not a valid date"),
        ("7/14/2025 13:00:00 PM", "has an invalid 12-hour time"),
        ("yesterday", "is not a Newegg date"),
    ],
)
def test_bad_dates(value: str, message: str) -> None:
    data = changed(SINGLE, "<OrderDate>7/14/2025 9:05:33<", f"<OrderDate>{value}<")
    with pytest.raises(ParseError, match=re.escape(f"order 381024675 OrderDate {message}")):
        parse(data)


def test_format_pacific_for_request_filters() -> None:
    assert format_pacific(datetime(2025, 7, 14, 16, 5, 33, tzinfo=UTC)) == "2025-07-14 09:05:33"
    assert format_pacific(datetime(2025, 1, 9, 22, 22, 8, tzinfo=UTC)) == "2025-01-09 14:22:08"
    with pytest.raises(ValueError):
        format_pacific(datetime(2025, 1, 9, 22, 22, 8))


# Countries


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("UNITED STATES", "US"),
        ("United States of America", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("CANADA", "CA"),
        ("CAN", "CA"),
        ("PUERTO RICO", "PR"),
        ("GBR", "GB"),
        ("DE", "DE"),
    ],
)
def test_countries(value: str, code: str) -> None:
    assert iso_country(value, "ShipToCountryCode") == code


def test_country_code_in_an_order() -> None:
    _, _, invoiced = parse(PAGE)
    assert invoiced.ship_to.country == "US"


# Answers and paging


def test_page_info() -> None:
    assert read_page_info(PAGE) == PageInfo(
        total_count=3, total_page_count=1, page_index=1, page_size=100
    )
    assert read_page_info(fixture("empty_page.xml")).total_page_count == 0


def test_answer_without_order_list_has_no_orders() -> None:
    data = changed(fixture("empty_page.xml"), "<OrderInfoList />", "")
    assert parse(data) == []


# Errors

BAD = {
    "truncated.xml": "not well-formed XML",
    "wrong_root.xml": "not a Newegg API answer: the root element is NeweggAPIRequest",
    "is_success_false.xml": (
        "Newegg answered IsSuccess=false: SO011: OrderDateFrom must be earlier than OrderDateTo."
    ),
    "access_denied.xml": (
        "Newegg answered with an error: AccessDenied: The specified seller ID is invalid"
    ),
    "negative_quantity.xml": "order 381024675 ItemInfo 2 has a negative OrderedQty",
    "missing_order_number.xml": "OrderInfo 1 has no OrderNumber",
    "unknown_country.xml": (
        "order 381024675 ShipToCountryCode names an unknown country 'NORTH AMERICA'"
    ),
    "hostile_entity.xml": "DOCTYPE with an internal subset is refused",
}


@pytest.mark.parametrize(("name", "message"), sorted(BAD.items()))
def test_bad_fixtures(name: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse(fixture(f"bad/{name}"))
    assert "\n" not in str(caught.value)


def test_every_bad_fixture_is_tested() -> None:
    assert {path.name for path in (FIXTURES / "bad").glob("*.xml")} == set(BAD)


def test_hostile_document_is_refused_as_such() -> None:
    with pytest.raises(HostileDocument):
        parse(fixture("bad/hostile_entity.xml"))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("<OrderStatus>0<", "<OrderStatus>9<", "order 381024675 has an unknown OrderStatus 9"),
        ("<OrderStatus>0<", "<OrderStatus>zero<", "OrderStatus is not a whole number: 'zero'"),
        ("<OrderNumber>381024675<", "<OrderNumber>SO-381024675<", "invalid OrderNumber"),
        ("<OrderDate>7/14/2025 9:05:33</OrderDate>", "", "order 381024675 has no OrderDate"),
        ("<UnitPrice>99.99<", "<UnitPrice>$99.99<", "ItemInfo 1 UnitPrice is not a number"),
        ("<UnitPrice>99.99<", "<UnitPrice>NaN<", "UnitPrice is not a number: 'NaN'"),
        ("<UnitPrice>99.99<", "<UnitPrice>-99.99<", "ItemInfo 1 has a negative UnitPrice"),
        ("<UnitPrice>99.99</UnitPrice>", "", "order 381024675 ItemInfo 1 has no UnitPrice"),
        ("<OrderedQty>3<", "<OrderedQty>0<", "ItemInfo 1 orders nothing: OrderedQty is 0"),
        ("<OrderedQty>3</OrderedQty>", "", "order 381024675 ItemInfo 1 has no OrderedQty"),
        ("<OrderedQty>3<", "<OrderedQty>1e3<", "OrderedQty is not a number: '1e3'"),
        ("<ShippedQty>0<", "<ShippedQty>-1<", "ItemInfo 1 ShippedQty is not a whole number"),
        ("<SalesTax>30.00<", "<SalesTax>30,00<", "order 381024675 SalesTax is not a number"),
        ("<IsAutoVoid>false<", "<IsAutoVoid>maybe<", "IsAutoVoid is not true or false"),
        ("<InvoiceNumber>0<", "<InvoiceNumber>INV-7<", "InvoiceNumber is not a whole number"),
        ("<IsSuccess>true</IsSuccess>", "", "NeweggAPIResponse has no IsSuccess"),
        ("<IsSuccess>true<", "<IsSuccess>yes<", "IsSuccess is not true or false: 'yes'"),
        ("GetOrderInfoResponse", "GetOrderStatusResponse", "OperationType is 'GetOrderStatus"),
    ],
)
def test_error_messages(old: str, new: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse(changed(SINGLE, old, new))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("<TotalPageCount>1<", "<TotalPageCount>many<", "PageInfo TotalPageCount is not a whole"),
        ("<TotalPageCount>1</TotalPageCount>", "", "PageInfo has no TotalPageCount"),
        ("PageInfo>", "Paging>", "ResponseBody has no PageInfo"),
    ],
)
def test_page_info_errors(old: str, new: str, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        read_page_info(changed(SINGLE, old, new))


def test_item_errors_name_the_order_and_item() -> None:
    data = changed(SINGLE, "<![CDATA[0078-SAM-T7-1TB]]>", "")
    with pytest.raises(ParseError, match=r"^order 381024675 ItemInfo 2 has no SellerPartNumber$"):
        parse(data)
    data = changed(SINGLE, "<Status>1</Status>", "<Status>7</Status>")
    with pytest.raises(ParseError, match=r"^order 381024675 ItemInfo 1 has an unknown Status 7$"):
        parse(data)


def test_unvoided_order_without_items_is_refused() -> None:
    start, end = SINGLE.index(b"<ItemInfoList>"), SINGLE.index(b"</ItemInfoList>")
    data = SINGLE[:start] + b"<ItemInfoList />" + SINGLE[end + len(b"</ItemInfoList>") :]
    with pytest.raises(ParseError, match=r"^order 381024675 has no ItemInfo$"):
        parse(data)
    voided = data.replace(b"<OrderStatus>0</OrderStatus>", b"<OrderStatus>4</OrderStatus>")
    assert parse_one(voided).change_kind == "cancel"


def test_failed_answer_with_only_a_memo() -> None:
    data = changed(fixture("bad/is_success_false.xml"), "<Memo />", "<Memo>Service is busy.</Memo>")
    start, end = data.index(b"<Errors>"), data.index(b"</Errors>") + len(b"</Errors>")
    with pytest.raises(ParseError, match=r"IsSuccess=false: Service is busy\.$"):
        parse(data[:start] + data[end:])


def test_several_errors_are_joined() -> None:
    data = changed(
        fixture("bad/access_denied.xml"),
        "</Errors>",
        "<Error><Code>InvalidToken</Code><Message>Invalid Secret Key</Message></Error></Errors>",
    )
    with pytest.raises(ParseError, match=r"this seller\.; InvalidToken: Invalid Secret Key$"):
        parse(data)
