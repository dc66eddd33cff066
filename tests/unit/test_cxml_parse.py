"""cXML OrderRequest parsing against the fixtures and the canonical schema."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from adapters.cxml.parse import (
    Envelope,
    mask_card_numbers,
    parse,
    parse_order_request,
    read_envelope,
)
from adapters.xml import parse_xml
from core.canonical import (
    CHANGE_KINDS,
    CHANNELS,
    PAYMENT_METHODS,
    Address,
    CanonicalOrder,
    Contact,
    OrderLine,
    Payment,
)
from core.errors import ParseError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cxml"
SCHEMA = json.loads((ROOT / "schemas" / "canonical" / "order.schema.json").read_text("utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
CASES = sorted(
    path for path in FIXTURES.glob("*.xml") if path.with_suffix(".expected.json").exists()
)
PAN = "5555555555554444"

MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="t-1@example" timestamp="2025-01-02T03:04:05+00:00" version="1.2.014">
  <Header>
    <From><Credential domain="NetworkId"><Identity>BUYER</Identity></Credential></From>
    <To><Credential domain="NetworkId"><Identity>US</Identity></Credential></To>
    <Sender>
      <Credential domain="NetworkId"><Identity>HUB</Identity>
        <SharedSecret>pw</SharedSecret></Credential>
      <UserAgent>tests</UserAgent>
    </Sender>
  </Header>
  <Request deploymentMode="test">
    <OrderRequest>
      <OrderRequestHeader {header}>
        <Total><Money currency="USD">10.00</Money></Total>
        {extra}
      </OrderRequestHeader>
      {items}
    </OrderRequest>
  </Request>
</cXML>
"""
ITEM = """<ItemOut quantity="{quantity}" lineNumber="1">
  <ItemID><SupplierPartID>P-1</SupplierPartID></ItemID>
  <ItemDetail>
    <UnitPrice><Money currency="USD">{price}</Money></UnitPrice>
    <Description xml:lang="en">Part</Description>
    <UnitOfMeasure>EA</UnitOfMeasure>
  </ItemDetail>
</ItemOut>"""


def document(
    header: str = 'orderID="PO-1" orderDate="2025-01-02T03:04:05Z"',
    extra: str = "",
    items: str | None = None,
    quantity: str = "1",
    price: str = "10.00",
) -> bytes:
    if items is None:
        items = ITEM.format(quantity=quantity, price=price)
    return MINIMAL.format(header=header, extra=extra, items=items).encode("utf-8")


def parse_one(data: bytes) -> CanonicalOrder:
    (order,) = parse(data)
    return order


def test_there_are_enough_fixtures() -> None:
    assert len(CASES) >= 10
    assert (FIXTURES / "bench_5line.xml").exists()


def test_large_fixture_has_300_lines_with_leading_zero_part_ids() -> None:
    order = parse_one((FIXTURES / "large.xml").read_bytes())
    assert len(order.lines) == 300
    assert order.lines[0].supplier_part_id == "0000001"


def test_bench_fixture_has_five_lines() -> None:
    assert len(parse_one((FIXTURES / "bench_5line.xml").read_bytes()).lines) == 5


# The schema follows the model


@pytest.mark.parametrize(
    ("cls", "properties"),
    [
        (CanonicalOrder, SCHEMA["properties"]),
        (OrderLine, SCHEMA["$defs"]["OrderLine"]["properties"]),
        (Address, SCHEMA["$defs"]["Address"]["properties"]),
        (Contact, SCHEMA["$defs"]["Contact"]["properties"]),
        (Payment, SCHEMA["$defs"]["Payment"]["properties"]),
    ],
)
def test_schema_has_every_field_of_the_model(cls: type, properties: dict) -> None:
    assert set(properties) == {f.name for f in fields(cls)}


def test_schema_enums_follow_the_model() -> None:
    assert SCHEMA["properties"]["channel"]["enum"] == list(CHANNELS)
    assert SCHEMA["properties"]["change_kind"]["enum"] == list(CHANGE_KINDS)
    assert SCHEMA["$defs"]["Payment"]["properties"]["method"]["enum"] == list(PAYMENT_METHODS)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"channel": "fax"}, "channel"),
        ({"total_amount": "12,50"}, "total_amount"),
        ({"total_amount": 12.5}, "total_amount"),
        ({"change_kind": "delete"}, "change_kind"),
        ({"unexpected": 1}, "unexpected"),
        ({"payment": {"method": "card", "card_last4": PAN}}, "card_last4"),
        ({"order_date": "14/03/2025"}, "order_date"),
    ],
)
def test_schema_rejects_bad_orders(change: dict, where: str) -> None:
    data = parse_one(document()).to_dict() | change
    errors = list(VALIDATOR.iter_errors(data))
    assert errors and where in " ".join(f"{list(e.path)} {e.message}" for e in errors)


def test_schema_rejects_a_bad_requested_delivery_date() -> None:
    data = parse_one(document()).to_dict()
    data["lines"][0]["requested_delivery_date"] = "2025-02-30"
    assert list(VALIDATOR.iter_errors(data))


# PCard


def test_full_pcard_number_appears_nowhere() -> None:
    order = parse_one((FIXTURES / "pcard.xml").read_bytes())
    dumped = json.dumps(order.to_dict())
    assert PAN not in dumped
    assert PAN not in re.sub(r"[\s-]", "", dumped)
    assert PAN not in repr(order)
    assert order.payment == Payment(
        method="card", card_brand="mastercard", card_last4="4444", card_expiration="2027-08"
    )


def test_mask_card_numbers_in_the_raw_document() -> None:
    raw = (FIXTURES / "pcard.xml").read_bytes()
    masked = mask_card_numbers(raw)
    assert PAN.encode() not in re.sub(rb"[\s-]", b"", masked)
    assert masked.count(b"555555XXXXXX4444") == 3
    assert parse_one(masked).payment == parse_one(raw).payment
    plain = (FIXTURES / "gsa_advantage.xml").read_bytes()
    assert mask_card_numbers(plain) == plain


@pytest.mark.parametrize(
    ("attributes", "brand", "expiration"),
    [
        ('number="4111111111111111" expiration="2026-01-31"', "visa", "2026-01"),
        ('number="378282246310005" expiration="2026-12" name="AMEX"', "amex", "2026-12"),
        ('number="6011 1111 1111 1117" expiration="09/27"', "discover", "2027-09"),
        ('number="4111111111111111" expiration="soon" name="Visa"', "visa", None),
    ],
)
def test_pcard_brand_and_expiration(attributes: str, brand: str, expiration: str | None) -> None:
    extra = f"<Payment><PCard {attributes}/></Payment>"
    payment = parse_one(document(extra=extra)).payment
    assert payment is not None
    assert (payment.method, payment.card_brand, payment.card_expiration) == (
        "card",
        brand,
        expiration,
    )
    assert len(payment.card_last4 or "") == 4


# Envelope


def test_read_envelope() -> None:
    envelope = read_envelope(parse_xml(document()))
    assert envelope == Envelope(
        payload_id="t-1@example",
        timestamp="2025-01-02T03:04:05+00:00",
        version="1.2.014",
        from_domain="NetworkId",
        from_identity="BUYER",
        to_domain="NetworkId",
        to_identity="US",
        sender_domain="NetworkId",
        sender_identity="HUB",
        shared_secret="pw",
        user_agent="tests",
        request_kind="OrderRequest",
        deployment_mode="test",
    )
    assert "pw" not in repr(envelope)


def test_read_envelope_of_a_punchout_setup_request() -> None:
    data = document().replace(b"<OrderRequest>", b"<PunchOutSetupRequest>")
    data = data.replace(b"</OrderRequest>", b"</PunchOutSetupRequest>")
    envelope = read_envelope(parse_xml(data.replace(b' deploymentMode="test"', b"")))
    assert (envelope.request_kind, envelope.deployment_mode) == (
        "PunchOutSetupRequest",
        "production",
    )


def test_partner_defaults_to_from_identity_and_can_be_given() -> None:
    assert parse_one(document()).partner == "BUYER"
    (order,) = parse(document(), partner="acme")
    assert order.partner == "acme"
    assert parse_order_request(parse_xml(document()), "other").partner == "other"


def test_order_date_without_zone_is_naive() -> None:
    order = parse_one(document(header='orderID="PO-1" orderDate="2025-01-02T03:04:05"'))
    assert order.order_date is not None and order.order_date.tzinfo is None


def test_order_date_is_optional() -> None:
    assert parse_one(document(header='orderID="PO-1"')).order_date is None


def test_currency_falls_back_to_the_lines() -> None:
    data = document().replace(b'<Total><Money currency="USD">10.00</Money></Total>', b"")
    order = parse_one(data.replace(b'currency="USD"', b'currency="EUR"'))
    assert (order.currency, order.total_amount) == ("EUR", None)


def test_prices_keep_every_decimal() -> None:
    line = parse_one(document(price="0.000012345", quantity="1.5")).lines[0]
    assert (str(line.unit_price), str(line.quantity)) == ("0.000012345", "1.5")


# Errors


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (document(header='orderDate="2025-01-02T03:04:05Z"'), "OrderRequestHeader has no orderID"),
        (document(items=""), "OrderRequest has no ItemOut"),
        (document(header='orderID="PO-1" type="replace"'), "unknown type 'replace'"),
        (document(header='orderID="PO-1" orderDate="yesterday"'), "orderDate is not ISO 8601"),
        (document(quantity="many"), "ItemOut line 1 quantity is not a number: 'many'"),
        (document(quantity="-2"), "ItemOut line 1 has a negative quantity"),
        (document(price="1,000.00"), "ItemOut line 1 UnitPrice Money is not a number"),
        (document(price="1e999999999"), "UnitPrice Money is not a number: '1e999999999'"),
        (document(price="NaN"), "UnitPrice Money is not a number: 'NaN'"),
        (document(quantity="\u0661\u0662"), "quantity is not a number"),
        (document().replace(b' lineNumber="1"', ' lineNumber="\u00b2"'.encode()), "lineNumber"),
        (document().replace(b"<UnitOfMeasure>EA</UnitOfMeasure>", b""), "has no UnitOfMeasure"),
        (document().replace(b' lineNumber="1"', b' lineNumber="one"'), "invalid lineNumber"),
        (
            document().replace(b'<Money currency="USD">10.00</Money></Total>', b"</Total>"),
            "Total has no Money",
        ),
        (
            document(
                extra='<ShipTo><Address><Name xml:lang="en">X</Name><PostalAddress>'
                '<Street>1</Street><City>C</City><Country isoCountryCode="USA">U</Country>'
                "</PostalAddress></Address></ShipTo>"
            ),
            "ShipTo isoCountryCode 'USA' is not ISO 3166-1 alpha-2",
        ),
    ],
)
def test_error_messages(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse(data)
    assert "\n" not in str(caught.value)


def test_a_delete_may_omit_items() -> None:
    order = parse_one(document(header='orderID="PO-1" type="delete"', items=""))
    assert (order.change_kind, order.lines) == ("cancel", ())


def test_not_an_order_request() -> None:
    data = document().replace(b"OrderRequest>", b"ProfileRequest>")
    with pytest.raises(ParseError, match=r"^not an OrderRequest"):
        parse(data)
    with pytest.raises(ParseError, match=r"^not an OrderRequest"):
        parse_order_request(parse_xml(data), "BUYER")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<Invoice><Header/></Invoice>", "not a cXML document: the root element is Invoice"),
        (b'<cXML payloadID="x" timestamp="t"><Request/></cXML>', "cXML has no Header"),
        (b'<cXML payloadID="x" timestamp="t"><Header/></cXML>', "cXML has no Request"),
        (b'<cXML payloadID="x" timestamp="t"><Header/><Request/></cXML>', "Request is empty"),
        (b'<cXML timestamp="t"><Header/><Request><A/></Request></cXML>', "cXML has no payloadID"),
    ],
)
def test_not_cxml(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        parse(data)


def test_missing_from_identity_needs_a_partner() -> None:
    data = document().replace(b"<Identity>BUYER</Identity>", b"")
    with pytest.raises(ParseError, match="From has no Credential/Identity"):
        parse(data)
    assert parse(data, partner="p")[0].partner == "p"
