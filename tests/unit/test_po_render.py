"""Purchase orders out: the cXML OrderRequest and the X12 850 we send a supplier,
checked against the cXML DTD and the 997 syntax rules, and read back with our own
OrderRequest and 850 parsers."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from adapters.cxml import parse as cxml_parse
from adapters.cxml.dtd import validate
from adapters.cxml.envelope import Credentials
from adapters.cxml.order_request import render_order_request
from adapters.x12 import parse as x12_parse
from adapters.x12.envelope import read_interchange
from adapters.x12.render import Envelope, RenderError, render_850
from adapters.x12.syntax import check
from adapters.xml import parse_xml
from core.canonical import Address, CanonicalOrder, Contact, OrderLine, Payment
from core.errors import ParseError

PACIFIC = timezone(timedelta(hours=-7))
STAMP = datetime(2025, 3, 14, 9, 40, tzinfo=PACIFIC)
US = Credentials(
    from_domain="DUNS",
    from_identity="069420113",
    to_domain="DUNS",
    to_identity="118834207",
    sender_domain="DUNS",
    sender_identity="069420113",
    shared_secret="nw-Po-4471",
)
ENVELOPE = Envelope(
    sender_qualifier="ZZ",
    sender_id="ORDERB2BHUB",
    receiver_qualifier="ZZ",
    receiver_id="KEYSTONEWHSL",
    gs_sender="ORDERB2BHUB",
    gs_receiver="KEYSTONEWHSL",
    interchange_control_number="5120",
    group_control_number="5120",
)
END_CUSTOMER = Address(
    name="Cascade Regional Medical Center",
    address_id="CRMC-DOCK3",
    deliver_to=("Materials Management, Dock 3", "Attn: Priya Raman"),
    street=("2700 NE Riverside Parkway",),
    city="Vancouver",
    state="WA",
    postal_code="98664",
    country="US",
    email="priya.raman@cascaderegional.org",
    phone="+1 360 555-0188 ext. 31",
)
OUR_OFFICE = Address(
    name="Northwind Office Supply, Inc.",
    address_id="NW-AP",
    deliver_to=("Accounts Payable",),
    street=("PO Box 34936",),
    city="Seattle",
    state="WA",
    postal_code="98124-1936",
    country="US",
    email="payables@northwindoffice.com",
    phone="206-555-0114",
)


def D(value: str) -> Decimal:
    return Decimal(value)


def the_po(**changes) -> CanonicalOrder:
    lines = (
        OrderLine(
            1,
            D("12"),
            "EA",
            D("41.25"),
            "USD",
            buyer_part_id="NW-TON-58A",
            supplier_part_id="0047-21190",
            manufacturer_part_id="CF258A",
            manufacturer_name="HP",
            description="HP 58A Black Original LaserJet Toner Cartridge",
            classification={"UNSPSC": "44103103"},
            requested_delivery_date=date(2025, 3, 21),
        ),
        OrderLine(
            2,
            D("5"),
            "CT",
            D("29.80"),
            "USD",
            buyer_part_id="NW-PAP-X9",
            supplier_part_id="00093-551",
            supplier_part_aux_id="CTN-10",
            manufacturer_part_id="OX9001",
            manufacturer_name="Boise",
            description="Boise X-9 Multi-Use Copy Paper, 8.5 x 11, 20 lb, 10 reams/carton",
            requested_delivery_date=date(2025, 3, 21),
            comments="Pallet not needed.",
        ),
        OrderLine(
            3,
            D("2.5"),
            "EA",
            D("231.5"),
            "USD",
            buyer_part_id="NW-SHR-79CI",
            supplier_part_id="0150-7731",
            manufacturer_part_id="4691001",
            manufacturer_name="Fellowes",
            description="Fellowes Powershred 79Ci 100% Jam Proof Cross-Cut Shredder",
            requested_delivery_date=date(2025, 3, 28),
        ),
    )
    values = {
        "channel": "cxml",
        "partner": "keystone",
        "external_order_id": "PO-2025-00417",
        "order_date": STAMP,
        "currency": "USD",
        "lines": lines,
        "buyer_organisation": "Northwind Office Supply, Inc.",
        "buyer_contact": Contact("Dana Whitfield", "dana.whitfield@northwindoffice.com"),
        "ship_to": END_CUSTOMER,
        "bill_to": OUR_OFFICE,
        "extrinsics": {"dropship": "supplier"},
        "comments": "Blind shipment: no prices on the packing slip.",
        "payment": Payment(method="net_terms", net_days=30),
    }
    return CanonicalOrder(**(values | changes))


def order_request(po: CanonicalOrder) -> bytes:
    return render_order_request(
        po, US, payload_id="1741970400.4471@northwindoffice.com", timestamp=STAMP
    )


def same_lines(back: tuple[OrderLine, ...], sent: tuple[OrderLine, ...], *fields: str) -> None:
    assert len(back) == len(sent)
    for got, want in zip(back, sent, strict=True):
        for name in fields:
            assert getattr(got, name) == getattr(want, name), (want.line_number, name)


LINE_FIELDS = (
    "line_number",
    "quantity",
    "unit_of_measure",
    "unit_price",
    "supplier_part_id",
    "buyer_part_id",
    "manufacturer_part_id",
    "manufacturer_name",
    "description",
    "requested_delivery_date",
    "comments",
)


# cXML OrderRequest


def test_order_request_is_valid_cxml():
    validate(order_request(the_po()))
    validate(order_request(the_po(extrinsics={}, payment=None, buyer_contact=Contact())))


def test_order_request_reads_back_through_our_own_parser():
    po = the_po()
    (back,) = cxml_parse.parse(order_request(po), "keystone")
    assert back.external_order_id == "PO-2025-00417"
    assert back.order_date == STAMP
    assert back.change_kind == "new"
    assert back.currency == "USD"
    assert back.ship_to == END_CUSTOMER
    assert back.bill_to == OUR_OFFICE
    assert back.buyer_organisation == "Northwind Office Supply, Inc."
    assert back.buyer_contact == Contact("Dana Whitfield", "dana.whitfield@northwindoffice.com")
    assert back.comments == po.comments
    assert back.extrinsics == {"dropship": "supplier"}
    assert back.payment == Payment(method="net_terms", net_days=30, terms="Net 30")
    assert back.total_amount == D("1222.75")  # 12 x 41.25 + 5 x 29.80 + 2.5 x 231.5
    same_lines(back.lines, po.lines, *LINE_FIELDS, "supplier_part_aux_id", "classification")
    assert back.lines[1].classification == {}


def test_drop_ship_is_an_extrinsic_and_the_ship_to_is_the_end_customer():
    root = parse_xml(order_request(the_po(extrinsics={"dropship": "manufacturer"})))
    header = root.find("Request/OrderRequest/OrderRequestHeader")
    assert [(e.get("name"), e.text) for e in header.iterfind("Extrinsic")] == [
        ("dropship", "manufacturer")
    ]
    address = header.find("ShipTo/Address")
    assert address.findtext("Name") == "Cascade Regional Medical Center"
    assert address.findtext("PostalAddress/Street") == "2700 NE Riverside Parkway"
    phone = address.find("Phone/TelephoneNumber")
    assert [child.text for child in phone] == ["1", "360", "555-0188", "31"]
    assert phone.find("CountryCode").get("isoCountryCode") == "US"
    assert header.findtext("BillTo/Address/Name") == "Northwind Office Supply, Inc."


def test_an_unclassified_line_gets_an_empty_unspsc_classification():
    root = parse_xml(order_request(the_po()))
    second = root.findall("Request/OrderRequest/ItemOut")[1]
    (classification,) = second.iterfind("ItemDetail/Classification")
    assert (classification.get("domain"), classification.text) == ("UNSPSC", None)


def test_a_changed_po_refers_to_the_previous_document():
    po = the_po(change_kind="update", changes_order_ref="1741970400.4471@northwindoffice.com")
    raw = order_request(po)
    validate(raw)
    (back,) = cxml_parse.parse(raw, "keystone")
    assert (back.change_kind, back.changes_order_ref) == ("update", po.changes_order_ref)
    cancelled = parse_xml(order_request(the_po(change_kind="cancel")))
    assert cancelled.find(".//OrderRequestHeader").get("type") == "delete"


def test_the_dtd_catches_a_broken_order_request():
    root = parse_xml(order_request(the_po()))
    header = root.find(".//OrderRequestHeader")
    header.remove(header.find("BillTo"))
    doctype = '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.050/cXML.dtd">'
    broken = etree.tostring(root.getroottree(), doctype=doctype)
    with pytest.raises(ParseError, match=r"not valid against cXML\.dtd"):
        validate(broken)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ship_to": None}, "drop-shipped purchase order PO-2025-00417 has no ship-to"),
        (
            {"ship_to": Address(name="Cascade Regional", city="Vancouver", country="US")},
            "drop-ship ShipTo address needs a street",
        ),
        ({"bill_to": None}, "has no bill-to"),
        ({"extrinsics": {"dropship": "yes"}}, "dropship must be one of"),
        ({"lines": ()}, "has no lines"),
    ],
)
def test_order_request_refuses_what_a_supplier_cannot_act_on(changes, message):
    with pytest.raises(ValueError, match=message):
        order_request(the_po(**changes))


@pytest.mark.parametrize(
    ("line_changes", "message"),
    [
        ({"unit_price": None}, "line 1 has no unit price"),
        ({"supplier_part_id": None}, "line 1 has no supplier part id"),
    ],
)
def test_order_request_lines_need_a_price_and_the_suppliers_part(line_changes, message):
    po = the_po()
    first = dataclasses.replace(po.lines[0], **line_changes)
    with pytest.raises(ValueError, match=message):
        order_request(dataclasses.replace(po, lines=(first, *po.lines[1:])))


# X12 850


def segments(raw: bytes, *tags: str) -> list[tuple[str, ...]]:
    (group,) = read_interchange(raw).groups
    (transaction_set,) = group.transaction_sets
    return [(s.tag, *s.elements) for s in transaction_set.body if not tags or s.tag in tags]


def test_850_passes_our_own_997_checks():
    raw = render_850(the_po(), ENVELOPE, datetime(2025, 3, 14, 9, 45))
    assert check(raw) == []
    (group,) = read_interchange(raw).groups
    assert (group.functional_id, group.version) == ("PO", "004010")


def test_850_header_and_lines():
    raw = render_850(the_po(), ENVELOPE, datetime(2025, 3, 14, 9, 45))
    assert segments(raw, "BEG", "CUR", "PER", "ITD", "CTT")[:4] == [
        ("BEG", "00", "DS", "PO-2025-00417", "", "20250314"),
        ("CUR", "BY", "USD"),
        ("PER", "BD", "Dana Whitfield", "EM", "dana.whitfield@northwindoffice.com"),
        ("ITD", "05", "3", "", "", "", "", "30"),
    ]
    assert ["*".join(row) for row in segments(raw, "PO1", "DTM", "CTT")] == [
        "PO1*1*12*EA*41.25**VP*0047-21190*MG*CF258A*MF*HP*BP*NW-TON-58A",
        "DTM*002*20250321",
        "PO1*2*5*CT*29.8**VP*00093-551*MG*OX9001*MF*Boise*BP*NW-PAP-X9",
        "DTM*002*20250321",
        "PO1*3*2.5*EA*231.5**VP*0150-7731*MG*4691001*MF*Fellowes*BP*NW-SHR-79CI",
        "DTM*002*20250328",
        "CTT*3*19.5",
    ]
    entities = [row[1] for row in segments(raw, "N1")]
    assert entities == ["ST", "BT", "BY"]


def test_850_without_drop_ship_is_stand_alone_and_a_shared_date_is_one_header_dtm():
    po = the_po(extrinsics={})
    po = dataclasses.replace(
        po,
        lines=tuple(
            dataclasses.replace(line, requested_delivery_date=date(2025, 3, 21))
            for line in po.lines
        ),
    )
    raw = render_850(po, ENVELOPE, datetime(2025, 3, 14, 9, 45))
    assert segments(raw, "BEG")[0][2] == "SA"
    assert segments(raw, "DTM") == [("DTM", "002", "20250321")]
    (back,) = x12_parse.parse(raw, "keystone")
    assert {line.requested_delivery_date for line in back.lines} == {date(2025, 3, 21)}


def test_850_reads_back_through_our_own_parser():
    po = the_po()
    (back,) = x12_parse.parse(render_850(po, ENVELOPE, datetime(2025, 3, 14, 9, 45)), "keystone")
    assert back.external_order_id == "PO-2025-00417"
    assert back.order_date == datetime(2025, 3, 14)
    assert back.change_kind == "new"
    assert back.ship_to == END_CUSTOMER
    assert back.bill_to == OUR_OFFICE
    assert back.buyer_organisation == "Northwind Office Supply, Inc."
    assert back.buyer_contact == Contact("Dana Whitfield", "dana.whitfield@northwindoffice.com")
    assert back.comments == po.comments
    assert back.extrinsics["PurchaseOrderType"] == "DS"
    assert back.payment is not None and back.payment.net_days == 30
    same_lines(back.lines, po.lines, *LINE_FIELDS)


def test_850_change_and_cancel_purposes():
    for kind, purpose in (("update", "04"), ("cancel", "01")):
        raw = render_850(the_po(change_kind=kind), ENVELOPE, datetime(2025, 3, 14, 9, 45))
        assert segments(raw, "BEG")[0][1] == purpose
        (back,) = x12_parse.parse(raw, "keystone")
        assert (back.change_kind, back.changes_order_ref) == (kind, "PO-2025-00417")


@pytest.mark.parametrize(
    ("po", "message"),
    [
        (the_po(ship_to=None), "drop-shipped purchase order PO-2025-00417 has no ship-to"),
        (the_po(order_date=None), "BEG05 needs the purchase order date"),
        (the_po(external_order_id="PO-" + "9" * 20), "BEG03 purchase order number"),
        (the_po(lines=()), "has no lines"),
        (
            the_po(lines=(dataclasses.replace(the_po().lines[0], unit_price=None),)),
            "850 line 1 has no unit price",
        ),
        (
            the_po(lines=(dataclasses.replace(the_po().lines[0], supplier_part_id=None),)),
            "850 line 1 has no supplier part id",
        ),
        (the_po(comments="Dock 3*rear"), "contains the element separator"),
    ],
)
def test_850_refuses_what_it_cannot_write(po, message):
    with pytest.raises(RenderError, match=message):
        render_850(po, ENVELOPE, datetime(2025, 3, 14, 9, 45))
