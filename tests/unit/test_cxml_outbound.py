"""Outbound cXML documents: rendering against expected files, DTD validation, round
trips, the buyer's Response."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.cxml.dtd import validate
from adapters.cxml.envelope import money_text
from adapters.cxml.outbound import (
    Credentials,
    read_response,
    render_confirmation,
    render_invoice,
    render_ship_notice,
)
from adapters.cxml.reply import MAX_RESPONSE_BYTES
from adapters.xml import parse_xml
from core.canonical import (
    Address,
    CanonicalOrder,
    ConfirmationLine,
    Invoice,
    InvoiceLine,
    OrderConfirmation,
    ShipmentLine,
    ShipNotice,
)
from core.errors import HostileDocument, ParseError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cxml_out"
PACIFIC = timezone(timedelta(hours=-7))
ORDER = CanonicalOrder.from_dict(json.loads((FIXTURES / "order.json").read_text("utf-8")))
CREDENTIALS = Credentials(
    from_domain="DUNS",
    from_identity="069420113",
    to_domain="NetworkID",
    to_identity="AN01000457712",
    sender_domain="DUNS",
    sender_identity="069420113",
    shared_secret="wq7-Lx2p-Ha91",
)
WAREHOUSE = Address(
    name="Northwind Office Supply - Portland Distribution Center",
    address_id="NW-PDX1",
    street=("4410 NE Columbia Blvd",),
    city="Portland",
    state="OR",
    postal_code="97218",
    country="US",
)
REMIT_TO = Address(
    name="Northwind Office Supply, Inc.",
    deliver_to=("Dept. 7741",),
    street=("PO Box 34936",),
    city="Seattle",
    state="WA",
    postal_code="98124-1936",
    country="US",
    email="receivables@northwindoffice.com",
)
TRICKY = 'Fellowes "Powershred" 79Ci <Jam Proof> & Quiet'


def stamp(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=PACIFIC)


def D(value: str) -> Decimal:
    return Decimal(value)


# Documents


def confirmation(status: str, lines=(), comments: str | None = None) -> OrderConfirmation:
    return OrderConfirmation(
        order=ORDER,
        confirmation_id="OC-2025-03-0417",
        supplier_order_number="SO-0088213",
        status=status,
        confirmed_at=stamp(14, 11, 2),
        lines=tuple(lines),
        comments=comments,
    )


def accept() -> OrderConfirmation:
    ship = date(2025, 3, 17)
    return confirmation(
        "accept",
        [
            ConfirmationLine(1, "accept", D("12"), "EA", ship_date=ship),
            ConfirmationLine(2, "accept", D("5"), "CT", ship_date=ship),
            ConfirmationLine(3, "accept", D("2"), "EA", ship_date=ship),
        ],
    )


def reject() -> OrderConfirmation:
    return confirmation(
        "reject",
        comments="Ship-to account CRMC-DOCK3 is on credit hold; please contact AR at 503-555-0142.",
    )


def backorder() -> OrderConfirmation:
    return confirmation(
        "backorder",
        [
            ConfirmationLine(1, "backorder", D("12"), "EA", delivery_date=date(2025, 4, 4)),
            ConfirmationLine(2, "backorder", D("5"), "CT", delivery_date=date(2025, 3, 28)),
            ConfirmationLine(3, "backorder", D("2"), "EA", delivery_date=date(2025, 4, 4)),
        ],
        comments="Distributor allocation; all lines ship together.",
    )


def detail() -> OrderConfirmation:
    return confirmation(
        "detail",
        [
            ConfirmationLine(1, "accept", D("8"), "EA", ship_date=date(2025, 3, 17)),
            ConfirmationLine(
                2,
                "detail",
                D("5"),
                "CT",
                unit_price=D("39.95"),
                delivery_date=date(2025, 3, 24),
                comments="Mill price increase effective 2025-03-01.",
            ),
            ConfirmationLine(
                3,
                "detail",
                D("2"),
                "EA",
                unit_price=D("299.00"),
                supplier_part_id="0150-7740",
                comments=f"Substituted: {TRICKY}",
            ),
        ],
        comments="Line 1: 4 toner cartridges to follow.",
    )


def partial_shipment() -> ShipNotice:
    return ShipNotice(
        order=ORDER,
        shipment_id="ASN-0088213-01",
        supplier_order_number="SO-0088213",
        shipped_at=stamp(17, 15, 40),
        carrier="United Parcel Service",
        carrier_code="UPSN",
        tracking_number="1Z4V83W00349218815",
        service="UPS Ground",
        delivery_date=date(2025, 3, 19),
        lines=(
            ShipmentLine(1, D("8"), "EA"),
            ShipmentLine(3, D("2"), "EA", supplier_part_id="0150-7740"),
        ),
        ship_from=WAREHOUSE,
        packages=3,
        weight=D("46.8"),
        comments="Remaining toner ships when stock arrives.",
    )


def invoice_lines() -> tuple[InvoiceLine, ...]:
    return (
        InvoiceLine(1, D("8"), "EA", D("54.99")),
        InvoiceLine(2, D("5"), "CT", D("39.95")),
        InvoiceLine(3, D("2"), "EA", D("299.00"), supplier_part_id="0150-7740", description=TRICKY),
    )


def standard_invoice() -> Invoice:
    return Invoice(
        order=ORDER,
        invoice_number="INV-0104882",
        supplier_order_number="SO-0088213",
        invoice_date=stamp(17, 16, 5),
        currency="USD",
        lines=invoice_lines(),
        shipping_amount=D("24.50"),
        tax_amount=D("0.00"),
        discount_amount=D("35.00"),
        remit_to=REMIT_TO,
        net_days=30,
        comments="Promotional discount PRM-SPRING25 applied.",
    )


def taxed_invoice() -> Invoice:
    return dataclasses.replace(standard_invoice(), tax_amount=D("97.13"))


def credit_note() -> Invoice:
    return Invoice(
        order=ORDER,
        invoice_number="CM-0004417",
        supplier_order_number="SO-0088213",
        invoice_date=stamp(24, 9, 12),
        currency="USD",
        lines=(
            InvoiceLine(1, D("2"), "EA", D("54.99"), description="Returned: damaged in transit"),
        ),
        purpose="credit",
        remit_to=REMIT_TO,
        comments="Credit for RMA 77120 against invoice INV-0104882.",
    )


def render(name: str) -> bytes:
    return RENDERERS[name]()


RENDERERS: dict[str, Callable[[], bytes]] = {
    "confirmation_accept.xml": lambda: render_confirmation(
        accept(),
        CREDENTIALS,
        payload_id="1742.0417.1@northwindoffice.com",
        timestamp=stamp(14, 11, 3),
    ),
    "confirmation_reject.xml": lambda: render_confirmation(
        reject(),
        CREDENTIALS,
        payload_id="1742.0417.2@northwindoffice.com",
        timestamp=stamp(14, 11, 3),
    ),
    "confirmation_backordered.xml": lambda: render_confirmation(
        backorder(),
        CREDENTIALS,
        payload_id="1742.0417.3@northwindoffice.com",
        timestamp=stamp(14, 11, 3),
        deployment_mode="test",
    ),
    "confirmation_detail.xml": lambda: render_confirmation(
        detail(),
        CREDENTIALS,
        payload_id="1742.0417.4@northwindoffice.com",
        timestamp=stamp(14, 11, 3),
    ),
    "ship_notice_partial.xml": lambda: render_ship_notice(
        partial_shipment(),
        CREDENTIALS,
        payload_id="1742.0417.5@northwindoffice.com",
        timestamp=stamp(17, 15, 52),
    ),
    "invoice_standard.xml": lambda: render_invoice(
        taxed_invoice(),
        CREDENTIALS,
        payload_id="1742.0417.6@northwindoffice.com",
        timestamp=stamp(17, 16, 6),
    ),
    "invoice_credit.xml": lambda: render_invoice(
        credit_note(),
        CREDENTIALS,
        payload_id="1742.0417.7@northwindoffice.com",
        timestamp=stamp(24, 9, 13),
    ),
}


def first(document: bytes, path: str):
    found = parse_xml(document).xpath(path)
    assert found, f"{path} not found"
    return found[0]


def texts(document: bytes, path: str) -> list[str]:
    return [str(value) for value in parse_xml(document).xpath(path)]


# Expected files and the DTD


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_document_matches_expected_file(name):
    assert render(name) == (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_document_is_valid_against_its_dtd(name):
    validate(render(name))


@pytest.mark.parametrize(
    ("name", "dtd"),
    [
        ("confirmation_accept.xml", "Fulfill.dtd"),
        ("ship_notice_partial.xml", "Fulfill.dtd"),
        ("invoice_standard.xml", "InvoiceDetail.dtd"),
    ],
)
def test_document_starts_with_declaration_and_doctype(name, dtd):
    head = render(name).split(b"\n")[:3]
    assert head[0] == b'<?xml version="1.0" encoding="UTF-8"?>'
    assert head[1] == (
        f'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.050/{dtd}">'.encode()
    )
    assert head[2].startswith(b'<cXML payloadID="1742.0417.')


def test_envelope_carries_credentials_and_deployment_mode():
    document = render("confirmation_backordered.xml")
    assert texts(document, "/cXML/Header/From/Credential/Identity/text()") == ["069420113"]
    assert texts(document, "/cXML/Header/To/Credential/@domain") == ["NetworkID"]
    assert texts(document, "/cXML/Header/Sender/Credential/SharedSecret/text()") == [
        "wq7-Lx2p-Ha91"
    ]
    assert texts(document, "/cXML/Header/Sender/UserAgent/text()") == ["Order B2B"]
    assert texts(document, "/cXML/Request/@deploymentMode") == ["test"]
    assert texts(document, "/cXML/@timestamp") == ["2025-03-14T11:03:00-07:00"]


# Confirmations


def test_accept_confirms_every_line_and_the_total():
    document = render("confirmation_accept.xml")
    assert texts(document, "//ConfirmationHeader/@type") == ["accept"]
    assert texts(document, "//ConfirmationStatus/@type") == ["accept"] * 3
    assert texts(document, "//ConfirmationHeader/Total/Money/text()") == ["1431.63"]
    assert texts(document, "//OrderReference/@orderID") == ["4500187342"]
    assert texts(document, "//OrderReference/DocumentReference/@payloadID") == [
        "20250314093301.2788.0451@procure.cascaderegional.org"
    ]


def test_reject_lists_no_items_and_says_why():
    document = render("confirmation_reject.xml")
    assert texts(document, "//ConfirmationHeader/@type") == ["reject"]
    assert not parse_xml(document).xpath("//ConfirmationItem")
    assert "credit hold" in first(document, "//ConfirmationHeader/Comments/text()")


def test_backorder_is_a_backordered_confirmation_with_delivery_dates():
    document = render("confirmation_backordered.xml")
    assert texts(document, "//ConfirmationHeader/@type") == ["backordered"]
    assert texts(document, "//ConfirmationStatus/@type") == ["backordered"] * 3
    assert texts(document, "//ConfirmationStatus/@deliveryDate")[1] == "2025-03-28T00:00:00-07:00"


def test_detail_covers_the_ordered_quantity_and_carries_changes():
    document = render("confirmation_detail.xml")
    first_item = first(document, "//ConfirmationItem[@lineNumber='1']")
    assert first_item.get("quantity") == "12"
    statuses = [(s.get("type"), s.get("quantity")) for s in first_item.iter("ConfirmationStatus")]
    assert statuses == [("accept", "8"), ("unknown", "4")]
    assert texts(document, "//ConfirmationItem[@lineNumber='2']//UnitPrice/Money/text()") == [
        "39.95"
    ]
    substitute = first(document, "//ConfirmationItem[@lineNumber='3']//ItemIn")
    assert substitute.findtext("ItemID/SupplierPartID") == "0150-7740"
    assert substitute.findtext("ItemDetail/Classification") == "44101603"
    assert first(document, "//ConfirmationItem[@lineNumber='3']//Comments/text()") == (
        f"Substituted: {TRICKY}"
    )


@pytest.mark.parametrize(
    ("status", "line", "message"),
    [
        ("accept", ConfirmationLine(1, "backorder", D("12"), "EA"), "cannot carry line 1"),
        ("reject", ConfirmationLine(1, "accept", D("12"), "EA"), "cannot carry line 1"),
        ("accept", ConfirmationLine(1, "accept", D("10"), "EA"), "confirms 10 of 12"),
        ("detail", ConfirmationLine(1, "accept", D("13"), "EA"), "more than the 12 ordered"),
        ("detail", ConfirmationLine(2, "detail", D("5"), "CT"), "changes nothing"),
    ],
)
def test_confirmation_that_breaks_the_rules_is_refused(status, line, message):
    with pytest.raises(ValueError, match=message):
        render_confirmation(
            confirmation(status, [line]), CREDENTIALS, payload_id="p@x", timestamp=stamp(14, 12)
        )


def test_detail_confirmation_without_lines_is_refused():
    with pytest.raises(ValueError, match="lists its lines"):
        render_confirmation(
            confirmation("detail"), CREDENTIALS, payload_id="p@x", timestamp=stamp(14, 12)
        )


def test_order_without_source_payload_id_cannot_be_referenced():
    order = dataclasses.replace(ORDER, source_document_id=None)
    with pytest.raises(ValueError, match="no OrderRequest payloadID"):
        render_confirmation(
            dataclasses.replace(accept(), order=order),
            CREDENTIALS,
            payload_id="p@x",
            timestamp=stamp(14, 12),
        )


# Ship notice


def test_partial_shipment_round_trips():
    document = render("ship_notice_partial.xml")
    assert texts(document, "//ShipNoticeHeader/@fulfillmentType") == ["partial"]
    assert texts(document, "//ShipmentIdentifier/text()") == ["1Z4V83W00349218815"]
    assert texts(document, "//CarrierIdentifier[@domain='SCAC']/text()") == ["UPSN"]
    assert texts(document, "//CarrierIdentifier[@domain='companyName']/text()") == [
        "United Parcel Service"
    ]
    shipped = [
        (
            item.get("lineNumber"),
            Decimal(item.get("quantity")),
            item.findtext("ItemID/SupplierPartID"),
        )
        for item in parse_xml(document).iter("ShipNoticeItem")
    ]
    assert shipped == [("1", Decimal("8"), "0047-21190"), ("3", Decimal("2"), "0150-7740")]
    assert texts(document, "//ShipNoticeItem[@lineNumber='1']/OrderedQuantity/@quantity") == ["12"]
    assert texts(document, "//PackageIdentification/@rangeEnd") == ["3"]
    assert texts(document, "//Contact/@role") == ["shipFrom", "shipTo"]
    assert texts(document, "//Contact[@role='shipTo']//PostalCode/text()") == ["98664"]


def test_whole_order_in_one_shipment_is_complete():
    notice = dataclasses.replace(
        partial_shipment(),
        lines=(
            ShipmentLine(1, D("12"), "EA"),
            ShipmentLine(2, D("5"), "CT"),
            ShipmentLine(3, D("2"), "EA"),
        ),
    )
    document = render_ship_notice(notice, CREDENTIALS, payload_id="p@x", timestamp=stamp(17, 16))
    validate(document)
    assert texts(document, "//ShipNoticeHeader/@fulfillmentType") == ["complete"]


def test_ship_notice_without_lines_is_refused():
    notice = dataclasses.replace(partial_shipment(), lines=())
    with pytest.raises(ValueError, match="ships no lines"):
        render_ship_notice(notice, CREDENTIALS, payload_id="p@x", timestamp=stamp(17, 16))


# Invoices


def summary_amount(document: bytes, element: str) -> Decimal:
    return Decimal(first(document, f"//InvoiceDetailSummary/{element}/Money/text()"))


def test_invoice_net_is_subtotal_plus_tax_plus_shipping_minus_discount():
    document = render("invoice_standard.xml")
    subtotal = summary_amount(document, "SubtotalAmount")
    tax = summary_amount(document, "Tax")
    shipping = summary_amount(document, "ShippingAmount")
    discount = summary_amount(document, "InvoiceDetailDiscount")
    assert (subtotal, tax, shipping, discount) == (D("1237.67"), D("97.13"), D("24.50"), D("35.00"))
    assert summary_amount(document, "GrossAmount") == subtotal + tax + shipping
    assert summary_amount(document, "NetAmount") == subtotal + tax + shipping - discount
    assert summary_amount(document, "DueAmount") == taxed_invoice().total == D("1324.30")
    line_amounts = texts(document, "//InvoiceDetailItem/SubtotalAmount/Money/text()")
    assert sum(Decimal(amount) for amount in line_amounts) == subtotal


def test_invoice_lines_refer_to_the_order_lines():
    document = render("invoice_standard.xml")
    references = [
        (ref.get("lineNumber"), ref.findtext("ItemID/SupplierPartID"))
        for ref in parse_xml(document).iter("InvoiceDetailItemReference")
    ]
    assert references == [("1", "0047-21190"), ("2", "00093-551"), ("3", "0150-7740")]
    assert texts(document, "//SupplierOrderInfo/@orderID") == ["SO-0088213"]
    assert texts(document, "//InvoicePartner/Contact/@role") == ["remitTo", "billTo"]
    assert texts(document, "//PaymentTerm/@payInNumberOfDays") == ["30"]


def test_every_money_has_a_currency():
    for name in ("invoice_standard.xml", "invoice_credit.xml", "confirmation_detail.xml"):
        moneys = parse_xml(render(name)).iter("Money")
        assert all(money.get("currency") == "USD" for money in moneys)


def test_markup_characters_are_escaped_and_round_trip():
    document = render("invoice_standard.xml")
    assert b'Fellowes "Powershred" 79Ci &lt;Jam Proof&gt; &amp; Quiet' in document
    assert (
        first(document, "//InvoiceDetailItemReference[@lineNumber='3']/Description/text()")
        == TRICKY
    )
    notice = dataclasses.replace(partial_shipment(), shipment_id=TRICKY)
    document = render_ship_notice(notice, CREDENTIALS, payload_id="p@x", timestamp=stamp(17, 16))
    validate(document)
    assert (
        b'shipmentID="Fellowes &quot;Powershred&quot; 79Ci &lt;Jam Proof&gt; &amp; Quiet"'
        in document
    )
    assert texts(document, "//ShipNoticeHeader/@shipmentID") == [TRICKY]


def test_credit_note_is_a_negative_header_credit_memo():
    document = render("invoice_credit.xml")
    assert texts(document, "//InvoiceDetailRequestHeader/@purpose") == ["creditMemo"]
    assert texts(document, "//InvoiceDetailHeaderIndicator/@isHeaderInvoice") == ["yes"]
    assert not parse_xml(document).xpath("//InvoiceDetailItem")
    assert summary_amount(document, "DueAmount") == D("-109.98")
    assert summary_amount(document, "NetAmount") == -credit_note().total


def test_unknown_invoice_purpose_is_refused():
    invoice = dataclasses.replace(standard_invoice(), purpose="proforma")
    with pytest.raises(ValueError, match="invoice purpose"):
        render_invoice(invoice, CREDENTIALS, payload_id="p@x", timestamp=stamp(17, 16))


# Values


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("12.5", "12.50"),
        ("0.0425", "0.0425"),
        ("-3", "-3.00"),
        ("1E+2", "100.00"),
        ("7.125", "7.125"),
    ],
)
def test_money_is_exact_with_at_least_cents(amount, text):
    assert money_text(Decimal(amount)) == text


def test_money_refuses_floats():
    with pytest.raises(ValueError, match="finite Decimal"):
        money_text(12.5)


def test_characters_xml_cannot_carry_are_removed():
    comments = "Dock\x0b 3\x00 closes at 4\ud800pm"
    document = render_confirmation(
        confirmation("reject", comments=comments),
        CREDENTIALS,
        payload_id="p@x",
        timestamp=stamp(14, 12),
    )
    validate(document)
    assert first(document, "//ConfirmationHeader/Comments/text()") == "Dock 3 closes at 4pm"


def test_bad_deployment_mode_and_credentials_are_refused():
    with pytest.raises(ValueError, match="deployment mode"):
        render_confirmation(
            accept(),
            CREDENTIALS,
            payload_id="p@x",
            timestamp=stamp(14, 12),
            deployment_mode="staging",
        )
    with pytest.raises(ValueError, match="shared_secret"):
        dataclasses.replace(CREDENTIALS, shared_secret=" ")


def test_credentials_do_not_show_the_secret():
    assert "wq7-Lx2p-Ha91" not in repr(CREDENTIALS)


# Validation of broken documents


def broken(name: str, old: bytes, new: bytes) -> bytes:
    document = render(name)
    assert old in document
    return document.replace(old, new, 1)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            lambda: broken("confirmation_accept.xml", b' type="accept"', b""),
            "attribute type",
        ),
        (
            lambda: broken("confirmation_accept.xml", b' type="accept"', b' type="approved"'),
            "approved",
        ),
        (
            lambda: broken("invoice_standard.xml", b"<InvoiceDetailLineIndicator/>", b""),
            "InvoiceDetailRequestHeader",
        ),
        (
            lambda: broken(
                "ship_notice_partial.xml", b"<ShipControl>", b"<ShipControl><Carrier>UPS</Carrier>"
            ),
            "Carrier",
        ),
        (
            lambda: broken("invoice_standard.xml", b"InvoiceDetail.dtd", b"Fulfill.dtd"),
            "Fulfill.dtd",
        ),
    ],
)
def test_broken_documents_fail_validation(document, message):
    with pytest.raises(ParseError, match=message):
        validate(document())


def test_validation_lists_at_most_three_errors():
    document = render("confirmation_accept.xml").replace(b' lineNumber="', b' line="')
    with pytest.raises(ParseError) as caught:
        validate(document)
    assert "(and " in str(caught.value)
    assert str(caught.value).count("line ") >= 3
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b'<?xml version="1.0"?><cXML payloadID="x" timestamp="t"/>', "no DOCTYPE"),
        (
            b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.050/Quote.dtd"><cXML/>',
            "unknown DTD",
        ),
        (b"<Invoice/>", "root element is <Invoice>"),
        (b"not xml at all", "not XML"),
    ],
)
def test_documents_without_a_known_cxml_dtd_are_refused(document, message):
    with pytest.raises(ParseError, match=message):
        validate(document)


def test_validation_never_reads_an_internal_subset():
    document = render("confirmation_accept.xml").replace(
        b'Fulfill.dtd">', b'Fulfill.dtd" [<!ENTITY x "y">]>', 1
    )
    with pytest.raises(HostileDocument):
        validate(document)


# The buyer's Response


def response(status: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.050/cXML.dtd">\n'
        b'<cXML payloadID="9949494@buyer.example.com" timestamp="2025-03-14T11:03:02-07:00">'
        b"<Response>" + status + b"</Response></cXML>"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (b'<Status code="200" text="OK"/>', (200, "OK")),
        (
            b'<Status code="406" text="Not Acceptable">Unknown orderID 4500187343</Status>',
            (406, "Not Acceptable"),
        ),
        (b'<Status code="500" text="">\n  Backend  timeout\n</Status>', (500, "Backend timeout")),
        (b'<Status code="201" text="Accepted" xml:lang="en-US"/>', (201, "Accepted")),
    ],
)
def test_read_response(status, expected):
    raw = response(status)
    assert read_response(raw) == expected
    validate(raw)


def test_read_response_accepts_a_namespaced_cxml():
    raw = (
        b'<cXML xmlns="http://xml.cxml.org/schemas/cXML/1.2.050" payloadID="p" timestamp="t">'
        b'<Response><Status code="200" text="OK"/></Response></cXML>'
    )
    assert read_response(raw) == (200, "OK")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "root element is <html>"),
        (b"Service Temporarily Unavailable", "not XML"),
        (b"", "empty document"),
        (b"<cXML><Response><Status code='2OO' text='OK'/></Response></cXML>", "three-digit"),
        (b"<cXML><Response/></cXML>", "no Status"),
        (b'<cXML payloadID="p" timestamp="t"><Request/></cXML>', "no Response"),
        (b"<cXML><Response><Status code='200'", "not well-formed"),
    ],
)
def test_read_response_refuses_what_is_not_a_cxml_response(raw, message):
    with pytest.raises(ParseError, match=message):
        read_response(raw)


def test_read_response_refuses_an_oversized_body_as_a_parse_error():
    raw = response(b'<Status code="200" text="OK">' + b"x" * MAX_RESPONSE_BYTES + b"</Status>")
    with pytest.raises(ParseError, match="the limit is"):
        read_response(raw)


def test_read_response_refuses_entities():
    raw = (
        b'<!DOCTYPE cXML [<!ENTITY boom "boom">]>'
        b'<cXML><Response><Status code="200" text="&boom;"/></Response></cXML>'
    )
    with pytest.raises(HostileDocument):
        read_response(raw)
