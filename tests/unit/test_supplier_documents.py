"""Supplier documents in: cXML ship notices and confirmations, X12 856 and 855, read into
the shared shapes of core.canonical; fixtures beside their expected values, malformed
documents refused with where they go wrong, and our own renderings read back."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.cxml.dtd import validate
from adapters.cxml.envelope import Credentials
from adapters.cxml.order_request import render_order_request
from adapters.cxml.outbound import render_confirmation, render_ship_notice
from adapters.cxml.supplier_documents import (
    document_kind,
    parse_confirmation,
    parse_ship_notice,
    parse_ship_notices,
)
from adapters.x12.render import Envelope, render_855, render_856
from adapters.x12.supplier_documents import parse_855, parse_856
from core.canonical import (
    Address,
    CanonicalOrder,
    ConfirmationLine,
    OrderConfirmation,
    OrderLine,
    ReceivedShipmentLine,
    ShipmentLine,
    ShipNotice,
)
from core.errors import DocumentError, HostileDocument, ParseError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "suppliers_in"
EASTERN = timezone(timedelta(hours=-4))
PARSERS: dict[str, Callable[[bytes], list]] = {
    "ship_notice_two_items.xml": lambda raw: [parse_ship_notice(raw, "keystone")],
    "confirmation_detail_backorder.xml": lambda raw: [parse_confirmation(raw, "keystone")],
    "ship_notice_two_cartons.edi": lambda raw: parse_856(raw, "keystone"),
    "acknowledgment_backorder.edi": lambda raw: parse_855(raw, "keystone"),
}


def D(value: str) -> Decimal:
    return Decimal(value)


def jsonable(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def fixture(name: str, *edits: tuple[str, str]) -> bytes:
    """A fixture, each `old` replaced by `new`; an X12 one with its SE01 recounted."""
    text = (FIXTURES / name).read_text("utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return (_recount(text) if name.endswith(".edi") else text).encode("utf-8")


def _recount(text: str) -> str:
    segments = [piece.strip() for piece in text.split("~") if piece.strip()]
    start = next(n for n, s in enumerate(segments) if s.startswith("ST*"))
    end = next(n for n, s in enumerate(segments) if s.startswith("SE*"))
    segments[end] = f"SE*{end - start + 1}*{segments[start].split('*')[2]}"
    return "".join(f"{segment}~\n" for segment in segments)


# Fixtures


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_fixtures_read_as_expected(name):
    parsed = PARSERS[name](fixture(name))
    expected = json.loads((FIXTURES / name).with_suffix(".expected.json").read_text("utf-8"))
    assert [jsonable(dataclasses.asdict(item)) for item in parsed] == expected


@pytest.mark.parametrize("name", ["ship_notice_two_items.xml", "confirmation_detail_backorder.xml"])
def test_cxml_fixtures_are_valid_fulfill_documents(name):
    validate(fixture(name))


@pytest.mark.parametrize(
    ("name", "read", "message"),
    [
        (
            "bad_ship_notice_no_order.xml",
            lambda raw: parse_ship_notice(raw, "keystone"),
            "ShipNoticePortion OrderReference has no orderID",
        ),
        (
            "bad_confirmation_quantity.xml",
            lambda raw: parse_confirmation(raw, "keystone"),
            "ConfirmationItem line 2 status 1 quantity is not a number: 'five'",
        ),
        (
            "bad_856_unknown_level.edi",
            parse_856,
            "856 0001 segment 26 HL03 level 'X' is not one of S, O, T, P, I",
        ),
        (
            "bad_855_quantity.edi",
            parse_855,
            "855 0001 segment 11 ACK02 quantity 'TWELVE' is not a decimal number",
        ),
    ],
)
def test_malformed_fixtures_are_refused(name, read, message):
    with pytest.raises(ParseError) as caught:
        read(fixture(name))
    assert str(caught.value) == message
    assert caught.value.code == 400


# Which cXML request


def test_document_kind_names_the_request():
    assert document_kind(fixture("ship_notice_two_items.xml")) == "ShipNoticeRequest"
    assert document_kind(fixture("confirmation_detail_backorder.xml")) == "ConfirmationRequest"
    order = render_order_request(
        the_order(), CREDENTIALS, payload_id="p@example.com", timestamp=STAMP
    )
    assert document_kind(order) == "OrderRequest"
    namespaced = fixture(
        "ship_notice_two_items.xml",
        ("<cXML ", '<cXML xmlns="http://xml.cxml.org/schemas/cXML/1.2.050" '),
    )
    assert document_kind(namespaced) == "ShipNoticeRequest"
    assert parse_ship_notice(namespaced, "keystone").po_number == "PO-2025-00417"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (
            b'<cXML payloadID="p" timestamp="t"><Response><Status code="200" text="OK"/>'
            b"</Response></cXML>",
            "Response",
        ),
        (
            b"<cXML><Header/><Message><PunchOutOrderMessage/></Message></cXML>",
            "PunchOutOrderMessage",
        ),
    ],
)
def test_document_kind_of_responses_and_messages(body, kind):
    assert document_kind(body) == kind


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<OrderRequest/>", "not a cXML document: the root element is <OrderRequest>"),
        (b"<cXML><Header/><Request>  </Request></cXML>", "cXML Request is empty"),
        (b"<cXML><Header/></cXML>", "cXML has no Request, Message or Response"),
        (b"ISA*00*", "not XML"),
    ],
)
def test_document_kind_refuses_what_is_not_a_cxml_request(body, message):
    with pytest.raises(ParseError, match=message):
        document_kind(body)


def test_document_kind_uses_the_hardened_parser():
    with pytest.raises(HostileDocument):
        document_kind((ROOT / "tests" / "fixtures" / "hostile" / "xxe_file.xml").read_bytes())


# cXML ship notices


def test_a_notice_for_two_orders_is_two_notices():
    portion_start = "      <ShipNoticePortion>"
    raw = fixture("ship_notice_two_items.xml")
    text = raw.decode()
    start, end = text.index(portion_start), text.index("    </ShipNoticeRequest>")
    second = text[start:end].replace("PO-2025-00417", "PO-2025-00420")
    raw = (text[:end] + second + text[end:]).encode()
    notices = parse_ship_notices(raw, "keystone")
    assert [notice.po_number for notice in notices] == ["PO-2025-00417", "PO-2025-00420"]
    assert all(notice.tracking_number == "612999880041873" for notice in notices)
    with pytest.raises(ParseError, match=r"several purchase orders \(PO-2025-00417, PO-20"):
        parse_ship_notice(raw, "keystone")


def test_a_deleted_notice_is_refused_as_not_implemented():
    raw = fixture("ship_notice_two_items.xml", ('operation="new"', 'operation="delete"'))
    with pytest.raises(DocumentError) as caught:
        parse_ship_notice(raw, "keystone")
    assert not isinstance(caught.value, ParseError)
    assert caught.value.code == 450
    assert "KW-ASN-884102" in str(caught.value)


def test_item_packages_give_the_weight_when_the_header_has_none():
    header_weight = (
        '<Dimension quantity="38.4" type="grossWeight">\n'
        "            <UnitOfMeasure>LBR</UnitOfMeasure>"
    )
    packages = (
        '<Packaging><Dimension quantity="{}" type="grossWeight"><UnitOfMeasure>KGM'
        "</UnitOfMeasure></Dimension></Packaging>\n          <OrderedQuantity"
    )
    text = fixture("ship_notice_two_items.xml").decode()
    text = text.replace(
        f"<Packaging>\n          {header_weight}\n          </Dimension>\n        </Packaging>", ""
    )
    first = text.index("<OrderedQuantity")
    second = text.index("<OrderedQuantity", first + 1)
    text = (
        text[:first]
        + packages.format("11.2")
        + text[first + 16 : second]
        + packages.format("6.3")
        + text[second + 16 :]
    )
    validate(text.encode())
    notice = parse_ship_notice(text.encode(), "keystone")
    assert (notice.weight, notice.weight_unit) == (D("17.5"), "KG")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('quantity="2" lineNumber="3"', 'quantity="0" lineNumber="3"'), "line 3 quantity 0 must"),
        (('quantity="2" lineNumber="3"', 'quantity="2" lineNumber="three"'), "lineNumber 'three'"),
        (("<ShipNoticeRequest>", "<ConfirmationRequest>"), "not well-formed"),
        (('shipmentID="KW-ASN-884102" ', ""), "ShipNoticeHeader has no shipmentID"),
        (('shipmentDate="2025-03-18T14:00:00-04:00"', 'shipmentDate="18/03/2025"'), "ISO 8601"),
        (('rangeEnd="2"', 'rangeEnd="0"'), "rangeEnd 0 is before rangeBegin 1"),
    ],
)
def test_bad_ship_notices_are_refused(edit, message):
    with pytest.raises(ParseError, match=message):
        parse_ship_notice(fixture("ship_notice_two_items.xml", edit), "keystone")


def test_a_confirmation_is_not_a_ship_notice():
    with pytest.raises(ParseError, match="not a ShipNoticeRequest: the Request holds Confirm"):
        parse_ship_notice(fixture("confirmation_detail_backorder.xml"), "keystone")
    with pytest.raises(ParseError, match="not a ConfirmationRequest"):
        parse_confirmation(fixture("ship_notice_two_items.xml"), "keystone")


# cXML confirmations


SUBSTITUTED_LINE = """
      <ConfirmationItem quantity="3" lineNumber="3">
        <UnitOfMeasure>EA</UnitOfMeasure>
        <ConfirmationStatus quantity="2" type="detail">
          <UnitOfMeasure>EA</UnitOfMeasure>
          <ItemIn quantity="2" lineNumber="3">
            <ItemID><SupplierPartID>0150-7740</SupplierPartID></ItemID>
            <ItemDetail>
              <UnitPrice><Money currency="USD">244.00</Money></UnitPrice>
              <Description xml:lang="en-US">Fellowes 79Ci, quiet model</Description>
              <UnitOfMeasure>EA</UnitOfMeasure>
              <Classification domain="UNSPSC">44101603</Classification>
            </ItemDetail>
          </ItemIn>
        </ConfirmationStatus>
        <ConfirmationStatus quantity="1" type="unknown">
          <UnitOfMeasure>EA</UnitOfMeasure>
        </ConfirmationStatus>
      </ConfirmationItem>
"""


def test_confirmation_substitutes_unknown_statuses_and_a_missing_confirm_id():
    text = fixture("confirmation_detail_backorder.xml", ('confirmID="KW-OC-5528811" ', ""))
    text = text.decode()
    start = text.index('      <ConfirmationItem quantity="2" lineNumber="3">')
    end = text.index("    </ConfirmationRequest>")
    raw = (text[:start] + SUBSTITUTED_LINE.lstrip("\n") + text[end:]).encode()
    validate(raw)
    confirmation = parse_confirmation(raw, "keystone")
    assert confirmation.confirmation_id == "20250314130500.5528811.0042@keystonewholesale.com"
    third = [line for line in confirmation.lines if line.line_number == 3]
    assert [
        (line.status, line.quantity, line.supplier_part_id, line.unit_price) for line in third
    ] == [("detail", D("2"), "0150-7740", D("244.00"))]


def test_a_rejection_has_no_lines():
    text = fixture("confirmation_detail_backorder.xml").decode()
    text = (
        text[: text.index("      <ConfirmationItem")]
        + text[text.index("    </ConfirmationRequest>") :]
    )
    raw = text.replace('type="detail"', 'type="reject"').encode()
    confirmation = parse_confirmation(raw, "keystone")
    assert (confirmation.status, confirmation.lines) == ("reject", ())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('type="detail" noticeDate', 'type="requestToPay" noticeDate'), "type 'requestToPay'"),
        (('orderID="PO-2025-00417"', 'orderDate2="x"'), "OrderReference has no orderID"),
        (('type="backordered"', 'type="onHold"'), "line 2 ConfirmationStatus type 'onHold'"),
        (('quantity="5" type', 'quantity="-5" type'), "line 2 status 1 quantity -5 is negative"),
        (("<UnitOfMeasure>CT</UnitOfMeasure>", ""), "line 2 status 1 has no UnitOfMeasure"),
    ],
)
def test_bad_confirmations_are_refused(edit, message):
    with pytest.raises(ParseError, match=message):
        parse_confirmation(fixture("confirmation_detail_backorder.xml", edit), "keystone")


# Our own cXML documents read back


STAMP = datetime(2025, 3, 14, 9, 40, tzinfo=timezone(timedelta(hours=-7)))
CREDENTIALS = Credentials(
    from_domain="DUNS",
    from_identity="118834207",
    to_domain="DUNS",
    to_identity="069420113",
    sender_domain="DUNS",
    sender_identity="118834207",
    shared_secret="kw-7Hq2-Lp90",
)
SHIP_TO = Address(
    name="Cascade Regional Medical Center",
    street=("2700 NE Riverside Parkway",),
    city="Vancouver",
    state="WA",
    postal_code="98664",
    country="US",
)


def the_order() -> CanonicalOrder:
    """Our purchase order as the supplier saw it."""
    return CanonicalOrder(
        channel="cxml",
        partner="keystone",
        external_order_id="PO-2025-00417",
        order_date=STAMP,
        currency="USD",
        source_document_id="1741970400.4471.PO-2025-00417@northwindoffice.com",
        ship_to=SHIP_TO,
        bill_to=Address(name="Northwind Office Supply, Inc."),
        lines=(
            OrderLine(1, D("12"), "EA", D("41.25"), "USD", supplier_part_id="0047-21190"),
            OrderLine(2, D("5"), "CT", D("29.80"), "USD", supplier_part_id="00093-551"),
            OrderLine(3, D("2"), "EA", D("231.50"), "USD", supplier_part_id="0150-7731"),
        ),
    )


def the_notice(**changes) -> ShipNotice:
    values = {
        "order": the_order(),
        "shipment_id": "KW-ASN-884102",
        "supplier_order_number": "KW-SO-5528811",
        "shipped_at": datetime(2025, 3, 18, 10, 0, tzinfo=timezone(timedelta(hours=-4))),
        "carrier": "FedEx Ground",
        "tracking_number": "612999880041873",
        "lines": (
            ShipmentLine(1, D("12"), "EA", "0047-21190"),
            ShipmentLine(3, D("2"), "EA", "0150-7731"),
        ),
        "carrier_code": "FDEG",
        "delivery_date": date(2025, 3, 21),
        "packages": 2,
        "weight": D("38.4"),
    }
    return ShipNotice(**(values | changes))


def the_confirmation(status: str, *lines: ConfirmationLine) -> OrderConfirmation:
    return OrderConfirmation(
        order=the_order(),
        confirmation_id="KW-OC-5528811",
        supplier_order_number="KW-SO-5528811",
        status=status,
        confirmed_at=datetime(2025, 3, 14, 13, 5, tzinfo=EASTERN),
        lines=lines,
        comments="Paper on allocation." if status != "accept" else None,
    )


ACCEPTED = (
    ConfirmationLine(1, "accept", D("12"), "EA", ship_date=date(2025, 3, 18)),
    ConfirmationLine(2, "accept", D("5"), "CT", ship_date=date(2025, 3, 18)),
    ConfirmationLine(3, "accept", D("2"), "EA", ship_date=date(2025, 3, 18)),
)
BACKORDERED = (
    ConfirmationLine(1, "backorder", D("12"), "EA", delivery_date=date(2025, 4, 4)),
    ConfirmationLine(2, "backorder", D("5"), "CT", delivery_date=date(2025, 4, 2)),
    ConfirmationLine(3, "backorder", D("2"), "EA", delivery_date=date(2025, 4, 4)),
)
DETAILED = (
    ConfirmationLine(1, "accept", D("12"), "EA", ship_date=date(2025, 3, 18)),
    ConfirmationLine(2, "backorder", D("5"), "CT", delivery_date=date(2025, 4, 4)),
    ConfirmationLine(
        3, "detail", D("2"), "EA", unit_price=D("244.00"), comments="List price change."
    ),
)
CONFIRMATIONS = {
    "accept": the_confirmation("accept", *ACCEPTED),
    "backorder": the_confirmation("backorder", *BACKORDERED),
    "detail": the_confirmation("detail", *DETAILED),
    "reject": the_confirmation("reject"),
}
LINE_FIELDS = ("line_number", "status", "quantity", "unit_of_measure")
DATE_FIELDS = ("ship_date", "delivery_date", "comments")


def test_our_ship_notice_reads_back():
    notice = the_notice()
    raw = render_ship_notice(notice, CREDENTIALS, payload_id="asn@keystone", timestamp=STAMP)
    received = parse_ship_notice(raw, "keystone")
    assert received.po_number == "PO-2025-00417"
    assert (received.shipment_id, received.carrier, received.carrier_code) == (
        "KW-ASN-884102",
        "FedEx Ground",
        "FDEG",
    )
    assert received.tracking_number == "612999880041873"
    assert received.shipped_at == datetime(2025, 3, 18, 14, 0, tzinfo=UTC)
    assert received.delivery_date == date(2025, 3, 21)
    assert (received.packages, received.weight, received.weight_unit) == (2, D("38.4"), "LB")
    assert received.lines == (
        ReceivedShipmentLine(1, D("12"), "EA", "0047-21190"),
        ReceivedShipmentLine(3, D("2"), "EA", "0150-7731"),
    )


@pytest.mark.parametrize("status", sorted(CONFIRMATIONS))
def test_our_confirmations_read_back(status):
    sent = CONFIRMATIONS[status]
    raw = render_confirmation(sent, CREDENTIALS, payload_id="oc@keystone", timestamp=STAMP)
    received = parse_confirmation(raw, "keystone")
    assert (received.po_number, received.status) == ("PO-2025-00417", status)
    assert received.confirmation_id == "KW-OC-5528811"
    assert received.supplier_order_number == "KW-SO-5528811"
    assert received.confirmed_at == sent.confirmed_at
    assert received.comments == sent.comments
    fields = (*LINE_FIELDS, *DATE_FIELDS, "unit_price")
    got = [tuple(getattr(line, name) for name in fields) for line in received.lines]
    assert got == [tuple(getattr(line, name) for name in fields) for line in sent.lines]


def test_a_partly_confirmed_line_leaves_the_rest_unknown():
    sent = the_confirmation("detail", ConfirmationLine(1, "accept", D("8"), "EA"))
    raw = render_confirmation(sent, CREDENTIALS, payload_id="oc@keystone", timestamp=STAMP)
    assert b'type="unknown"' in raw
    (line,) = parse_confirmation(raw, "keystone").lines
    assert (line.status, line.quantity) == ("accept", D("8"))


# X12 856


ENVELOPE = Envelope(
    sender_qualifier="ZZ",
    sender_id="KEYSTONEWHSL",
    receiver_qualifier="ZZ",
    receiver_id="ORDERB2BHUB",
    gs_sender="KEYSTONEWHSL",
    gs_receiver="ORDERB2BHUB",
    interchange_control_number="731",
    group_control_number="731",
)
NOW = datetime(2025, 3, 18, 14, 12)


def test_our_856_reads_back():
    notice = the_notice()
    (received,) = parse_856(render_856(notice, ENVELOPE, NOW))
    assert received.partner == "x12:KEYSTONEWHSL"
    assert (received.po_number, received.shipment_id) == ("PO-2025-00417", "KW-ASN-884102")
    assert (received.carrier, received.carrier_code, received.service) == (
        "FedEx Ground",
        "FDEG",
        None,
    )
    assert received.tracking_number == "612999880041873"
    assert received.shipped_at == datetime(2025, 3, 18, 14, 0, tzinfo=UTC)  # sent in UTC, "UT"
    assert received.delivery_date == date(2025, 3, 21)
    assert (received.packages, received.weight, received.weight_unit) == (2, D("38.4"), "LB")
    assert received.lines == (
        ReceivedShipmentLine(1, D("12"), "EA", "0047-21190"),
        ReceivedShipmentLine(3, D("2"), "EA", "0150-7731"),
    )


def test_856_tracking_and_packages_from_the_cartons():
    raw = fixture(
        "ship_notice_two_cartons.edi",
        ("REF*CN*612999880041873~\n", ""),
        ("REF*BM*KW884102~\n", ""),
        ("TD1*CTN25*2****G*38.4*LB~\n", ""),
        ("MAN*GM*00008862410000012345~", "MAN*GM*00008862410000012345~\nMAN*CP*612999880041873~"),
        ("MAN*GM*00008862410000012352~", "MAN*GM*00008862410000012352~\nTD1*CTN25*1****G*9.6*LB~"),
    )
    (notice,) = parse_856(raw, "keystone")
    assert notice.tracking_number == "612999880041873"
    assert (notice.packages, notice.weight) == (2, D("9.6"))


def test_856_bill_of_lading_when_there_is_no_tracking_number():
    (notice,) = parse_856(fixture("ship_notice_two_cartons.edi", ("REF*CN*612999880041873~\n", "")))
    assert notice.tracking_number == "KW884102"


def test_856_with_two_orders_is_two_notices():
    raw = fixture(
        "ship_notice_two_cartons.edi",
        ("HL*5*2*P~", "HL*8*1*O~\nPRF*PO-2025-00420***20250315~\nHL*5*8*P~"),
    )
    notices = parse_856(raw, "keystone")
    assert [(n.po_number, [(x.line_number, x.quantity) for x in n.lines]) for n in notices] == [
        ("PO-2025-00417", [(1, D("8"))]),
        ("PO-2025-00420", [(1, D("4")), (3, D("2"))]),
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("PRF*PO-2025-00417***20250314~\n", ""),
            "856 0001 segment 17 HL order level has no PRF01",
        ),
        (("PRF*PO-2025-00417", "PRF*"), "segment 17 HL order level has no PRF01 purchase order"),
        (("HL*4*3*I", "HL*4*1*I"), "856 0001 segment 22 HL item level is under no order level"),
        (("HL*4*3*I", "HL*4*9*I"), "856 0001 segment 22 HL02 parent '9' is not an earlier HL"),
        (("HL*5*2*P", "HL*5*4*P"), "856 0001 segment 26 HL02 parent '4' is an item level"),
        (
            ("HL*5*2*P", "HL*5*3*P~\nHL*4*3*P"),
            "856 0001 segment 27 HL01 '4' is missing or repeated",
        ),
        (("HL*2*1*O", "HL*2**O"), "856 0001 segment 17 HL02: the shipment level"),
        (("SN1*1*8*EA", "SN1*1*0*EA"), "856 0001 segment 24 SN102 quantity shipped '0' must be"),
        (("SN1*1*8*EA", "SN1*1*EIGHT*EA"), "856 0001 segment 24 SN102 quantity shipped 'EIGHT'"),
        (("SN1*1*8*EA", "SN1*1*8"), "856 0001 segment 24 SN103 unit of measure is missing"),
        (
            ("LIN*1*VP*0047-21190*BP*NW-TON-58A~\nSN1*1*", "LIN**VP*0047-21190~\nSN1**"),
            "856 0001 segment 24 SN1 item has no PO line number in LIN01 or SN101",
        ),
        (("SN1*3*2*EA~\n", ""), "856 0001 segment 32 HL item level has no SN1"),
        (("BSN*00*KW-ASN-884102", "BSN*00*"), "856 0001 has no BSN02 shipment id"),
        (("BSN*00*", "BSN*03*"), "BSN01 purpose '03' is not supported"),
        (
            ("DTM*011*20250318*1400", "DTM*011*20250318*2500"),
            "segment 8 DTM03 '2500' is not a time",
        ),
        (("TD1*CTN25*2*", "TD1*CTN25*TWO*"), "segment 4 TD102 lading quantity 'TWO'"),
    ],
)
def test_bad_856s_are_refused_with_the_segment(edit, message):
    with pytest.raises(ParseError, match=message):
        parse_856(fixture("ship_notice_two_cartons.edi", edit), "keystone")


def test_856_envelope_problems():
    good = fixture("ship_notice_two_cartons.edi").decode()
    with pytest.raises(ParseError, match="856 0001 SE01 says 36 segments, the set has 37"):
        parse_856(good.replace("SE*37*0001", "SE*36*0001").encode())
    with pytest.raises(ParseError, match="the interchange holds no 856"):
        parse_856(fixture("acknowledgment_backorder.edi"))


# X12 855


def test_our_855s_read_back():
    for status, sent in CONFIRMATIONS.items():
        (received,) = parse_855(render_855(sent, ENVELOPE, NOW), "keystone")
        assert (received.po_number, received.status) == ("PO-2025-00417", status), status
        assert received.supplier_order_number == "KW-SO-5528811"
        assert received.confirmed_at == datetime(2025, 3, 14)
        assert received.confirmation_id == "KEYSTONEWHSL/000000731/731/0001"
        assert received.comments == sent.comments
        got = [tuple(getattr(line, name) for name in LINE_FIELDS) for line in received.lines]
        assert got == [tuple(getattr(line, name) for name in LINE_FIELDS) for line in sent.lines]
        if status != "detail":
            dates = [tuple(getattr(line, n) for n in DATE_FIELDS) for line in received.lines]
            assert dates == [tuple(getattr(line, n) for n in DATE_FIELDS) for line in sent.lines]


def test_855_split_lines_changed_quantities_and_substitutes():
    raw = fixture(
        "acknowledgment_backorder.edi",
        ("ACK*IA*12*EA*068*20250318", "ACK*IA*8*EA*068*20250318~\nACK*IB*4*EA*067*20250328"),
        ("ACK*IB*5*CT*067*20250404", "ACK*IS*5*CT*068*20250319**VP*00093-560"),
        ("CUR*SE*USD~", "CUR*SE*USD~\nNTE*GEN*CALL 717-555-0140 WITH QUESTIONS.~"),
    )
    (confirmation,) = parse_855(raw, "keystone")
    assert [
        (line.line_number, line.status, line.quantity, line.ship_date, line.delivery_date)
        for line in confirmation.lines
    ] == [
        (1, "accept", D("8"), date(2025, 3, 18), None),
        (1, "backorder", D("4"), None, date(2025, 3, 28)),
        (2, "detail", D("5"), date(2025, 3, 19), None),
    ]
    assert confirmation.lines[2].supplier_part_id == "00093-560"
    assert confirmation.lines[2].buyer_part_id == "NW-PAP-X9"
    assert confirmation.status == "detail"
    assert confirmation.comments.splitlines() == [
        "CALL 717-555-0140 WITH QUESTIONS.",
        "LINE 2 IS ON MANUFACTURER ALLOCATION AND SHIPS WHEN RECEIVED.",
    ]


def test_855_lines_without_ack_take_the_orders_status():
    (accepted,) = parse_855(
        fixture(
            "acknowledgment_backorder.edi",
            ("BAK*00*AC", "BAK*00*AD"),
            ("ACK*IA*12*EA*068*20250318~\n", ""),
            ("ACK*IB*5*CT*067*20250404~\n", ""),
        )
    )
    assert [(line.status, line.quantity) for line in accepted.lines] == [
        ("accept", D("12")),
        ("accept", D("5")),
    ]
    assert accepted.lines[1].unit_price == D("29.8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("BAK*00*AC*PO-2025-00417", "BAK*00*AC*"), "855 0001 segment 2 BAK03 purchase order"),
        (("BAK*00*AC", "BAK*00*ZZ"), "segment 2 BAK02 acknowledgment type 'ZZ' is not supported"),
        (("ACK*IB", "ACK*XX"), "855 0001 segment 14 ACK01 line status 'XX' is not supported"),
        (("ACK*IB*5", "ACK*IB*-5"), "855 0001 segment 14 ACK02 quantity '-5' is negative"),
        (("CTT*2*17", "CTT*3*17"), "855 0001 segment 17 CTT01 says 3 line items but the set has 2"),
        (("PO1*2*5", "PO1*B*5"), "855 0001 segment 12 PO101 line number 'B' is not a number"),
        (("ACK*IA*12*EA*068*20250318", "ACK*IA*12*EA*068*20251318"), "ACK05 '20251318' is not"),
        (("BAK", "BAX"), "855 0001 has no BAK"),
    ],
)
def test_bad_855s_are_refused_with_the_segment(edit, message):
    with pytest.raises(ParseError, match=message):
        parse_855(fixture("acknowledgment_backorder.edi", edit), "keystone")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("", datetime(2025, 3, 18, 14, 10, tzinfo=UTC)),
        ("UT", datetime(2025, 3, 18, 14, 10, tzinfo=UTC)),
        ("ED", datetime(2025, 3, 18, 18, 10, tzinfo=UTC)),
        ("PT", datetime(2025, 3, 18, 21, 10, tzinfo=UTC)),
    ],
)
def test_856_ship_times_keep_their_zone(code, expected):
    raw = (FIXTURES / "ship_notice_two_cartons.edi").read_bytes()
    raw = raw.replace(b"DTM*011*20250318*1400~", f"DTM*011*20250318*1410*{code}~".encode())
    (received,) = parse_856(raw.replace(b"*1410*~", b"*1410~"))
    assert received.shipped_at == expected


def test_856_unknown_time_code_is_refused():
    raw = (FIXTURES / "ship_notice_two_cartons.edi").read_bytes()
    raw = raw.replace(b"DTM*011*20250318*1400~", b"DTM*011*20250318*1400*ZZ~")
    with pytest.raises(ParseError, match="not a time code"):
        parse_856(raw)
