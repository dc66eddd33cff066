"""855, 856 and 810 rendering, read back with the channel's own tokenizer and envelope."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.x12.envelope import Interchange, TransactionSet, read_interchange
from adapters.x12.parse import parse
from adapters.x12.render import Envelope, RenderError, render_810, render_855, render_856
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

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "x12"
NOW = datetime(2025, 3, 17, 14, 5)
ENVELOPE = Envelope(
    sender_qualifier="ZZ",
    sender_id="ORDERB2BHUB",
    receiver_qualifier="ZZ",
    receiver_id="VAFSCEDI",
    gs_sender="ORDERB2BHUB",
    gs_receiver="VAFSCEDI",
    interchange_control_number="1207",
    group_control_number="88",
)


def the_order() -> CanonicalOrder:
    (order,) = parse((FIXTURES / "va_it_equipment.edi").read_bytes())
    return order


def confirmation(*lines: ConfirmationLine, status: str = "accept") -> OrderConfirmation:
    return OrderConfirmation(
        order=the_order(),
        confirmation_id="C-1",
        supplier_order_number="SO-0048812",
        status=status,
        confirmed_at=datetime(2025, 3, 15, 8, 0),
        lines=lines,
    )


def accepted(number: int, quantity: str = "4", unit: str = "EA", **changes) -> ConfirmationLine:
    status = changes.pop("status", "accept")
    return ConfirmationLine(number, status, Decimal(quantity), unit, **changes)


def read_back(raw: bytes, id_code: str, functional_id: str) -> tuple[Interchange, TransactionSet]:
    """The single transaction set of a rendered interchange, its envelope checked."""
    found = read_interchange(raw)
    assert raw[:106].decode().split("*")[6] == "ORDERB2BHUB    "
    assert (found.sender_id, found.receiver_id, found.control_number) == (
        "ORDERB2BHUB",
        "VAFSCEDI",
        "000001207",
    )
    (group,) = found.groups
    assert (group.functional_id, group.control_number, group.version) == (
        functional_id,
        "88",
        "004010",
    )
    assert group.trailer is not None
    assert (group.trailer.element(1), group.trailer.element(2)) == ("1", "88")
    (transaction_set,) = group.transaction_sets
    assert (transaction_set.id_code, transaction_set.control_number) == (id_code, "0001")
    trailer = transaction_set.trailer
    assert trailer is not None
    assert trailer.element(1) == str(len(transaction_set.segments))
    assert trailer.element(2) == "0001"
    return found, transaction_set


def rows(transaction_set: TransactionSet, *tags: str) -> list[tuple[str, ...]]:
    return [(s.tag, *s.elements) for s in transaction_set.body if not tags or s.tag in tags]


# 855


def test_855_with_changes() -> None:
    raw = render_855(
        confirmation(
            accepted(1, ship_date=date(2025, 3, 20)),
            accepted(2, "3", delivery_date=date(2025, 3, 27)),
            accepted(3, "2", "LO", status="backorder"),
        ),
        ENVELOPE,
        NOW,
    )
    _, transaction_set = read_back(raw, "855", "PR")
    assert rows(transaction_set, "BAK")[0] == (
        "BAK",
        "00",
        "AC",
        "36C24E25P0431",
        "20250314",
        "",
        "",
        "",
        "SO-0048812",
        "20250315",
    )
    assert rows(transaction_set, "PO1", "ACK", "CTT") == [
        ("PO1", "1", "4", "EA", "1089.35", "", "VP", "LEN-20XW00K0US"),
        ("ACK", "IA", "4", "EA", "068", "20250320"),
        ("PO1", "2", "4", "EA", "124.1", "", "VP", "LEN-40AY0090US"),
        ("ACK", "IQ", "3", "EA", "067", "20250327"),
        ("PO1", "3", "2", "LO", "0", "", "BP", "0004471", "VP", "SVC-IMAGING-STD"),
        ("ACK", "IB", "2", "LO"),
        ("CTT", "3", "10"),
    ]
    assert ("N1", "ST", "VA PITTSBURGH HEALTHCARE SYSTEM", "92", "36C24E") in rows(transaction_set)


def test_855_acknowledgment_types() -> None:
    def bak02(value: OrderConfirmation) -> str:
        _, transaction_set = read_back(render_855(value, ENVELOPE, NOW), "855", "PR")
        return transaction_set.body[0].element(2)

    assert bak02(confirmation(accepted(1), accepted(2), accepted(3, "2", "LO"))) == "AD"
    assert bak02(confirmation(accepted(1, unit_price=Decimal("1079.00")))) == "AC"
    assert bak02(confirmation()) == "AK"
    assert bak02(confirmation(status="reject")) == "RJ"
    assert bak02(confirmation(accepted(1, status="reject"), status="reject")) == "RD"


def test_855_line_statuses_and_notes() -> None:
    value = replace(
        confirmation(
            accepted(1, unit_price=Decimal("1079.00")),
            accepted(2, status="reject", comments="Discontinued by the manufacturer."),
            accepted(3, "2", "LO", status="detail"),
        ),
        comments="Lines 1 and 3 ship from Harrisburg.",
    )
    _, transaction_set = read_back(render_855(value, ENVELOPE, NOW), "855", "PR")
    assert [row[1] for row in rows(transaction_set, "ACK")] == ["IP", "IR", "IC"]
    assert rows(transaction_set, "MSG") == [
        ("MSG", "Lines 1 and 3 ship from Harrisburg."),
        ("MSG", "Discontinued by the manufacturer."),
    ]


def test_855_needs_the_order_date() -> None:
    value = confirmation(accepted(1))
    value = replace(value, order=replace(value.order, order_date=None))
    with pytest.raises(RenderError, match="BAK04 needs the purchase order date"):
        render_855(value, ENVELOPE, NOW)


# 856


def ship_notice(**changes) -> ShipNotice:
    values = {
        "order": the_order(),
        "shipment_id": "SH-000731",
        "supplier_order_number": "SO-0048812",
        "shipped_at": datetime(2025, 3, 18, 16, 40),
        "carrier": "FedEx",
        "tracking_number": "771234567890",
        "lines": (
            ShipmentLine(1, Decimal("4"), "EA", supplier_part_id="LEN-20XW00K0US"),
            ShipmentLine(3, Decimal("2"), "LO", "SVC-IMAGING-STD", "0004471", "Imaging"),
        ),
        "carrier_code": "FDEG",
        "service": "Ground",
        "delivery_date": date(2025, 3, 21),
        "ship_from": Address(
            name="Keystone IT Supply",
            address_id="KIS-HBG",
            street=("4400 Industrial Rd",),
            city="Harrisburg",
            state="PA",
            postal_code="17110",
            country="US",
        ),
        "packages": 3,
        "weight": Decimal("41.5"),
    }
    return ShipNotice(**(values | changes))


def test_856_hierarchy_and_shipment_details() -> None:
    _, transaction_set = read_back(render_856(ship_notice(), ENVELOPE, NOW), "856", "SH")
    assert rows(transaction_set, "BSN") == [("BSN", "00", "SH-000731", "20250318", "1640", "0004")]
    levels = rows(transaction_set, "HL")
    assert levels == [
        ("HL", "1", "", "S", "1"),
        ("HL", "2", "1", "O", "1"),
        ("HL", "3", "2", "I", "0"),
        ("HL", "4", "2", "I", "0"),
    ]
    ids = {level[1] for level in levels}
    assert all(level[2] in ids for level in levels if level[2])
    assert rows(transaction_set, "TD1", "TD5", "REF", "DTM", "PRF") == [
        ("TD1", "CTN25", "3", "", "", "", "G", "41.5", "LB"),
        ("TD5", "", "2", "FDEG", "", "FedEx Ground"),
        ("REF", "CN", "771234567890"),
        ("DTM", "011", "20250318", "1640"),
        ("DTM", "017", "20250321"),
        ("PRF", "36C24E25P0431", "", "", "20250314"),
        ("REF", "VN", "SO-0048812"),
    ]
    assert rows(transaction_set, "LIN", "SN1", "PID", "CTT") == [
        ("LIN", "1", "VP", "LEN-20XW00K0US"),
        ("SN1", "1", "4", "EA"),
        ("LIN", "3", "BP", "0004471", "VP", "SVC-IMAGING-STD"),
        ("SN1", "3", "2", "LO"),
        ("PID", "F", "", "", "", "Imaging"),
        ("CTT", "4", "6"),
    ]
    assert ("N1", "SF", "Keystone IT Supply", "92", "KIS-HBG") in rows(transaction_set)
    assert ("N4", "PITTSBURGH", "PA", "15240", "US") in rows(transaction_set)


def test_856_item_levels_point_at_the_order_level() -> None:
    _, transaction_set = read_back(render_856(ship_notice(), ENVELOPE, NOW), "856", "SH")
    parents: dict[str, str] = {}
    for segment in transaction_set.body:
        if segment.tag == "HL":
            parents[segment.element(1)] = segment.element(3)
    items = [segment for segment in transaction_set.body if segment.tag == "HL"][2:]
    assert {parents[item.element(2)] for item in items} == {"O"}


def test_856_without_weight_or_carrier_code() -> None:
    notice = ship_notice(weight=None, carrier_code=None, delivery_date=None)
    _, transaction_set = read_back(render_856(notice, ENVELOPE, NOW), "856", "SH")
    assert rows(transaction_set, "TD1", "TD5") == [
        ("TD1", "CTN25", "3"),
        ("TD5", "", "", "", "", "FedEx Ground"),
    ]
    assert [row[1] for row in rows(transaction_set, "DTM")] == ["011"]


def test_856_lines_need_a_part_id() -> None:
    notice = ship_notice(lines=(ShipmentLine(2, Decimal("1"), "EA"),))
    with pytest.raises(RenderError, match="856 line 2 has no buyer or supplier part id"):
        render_856(notice, ENVELOPE, NOW)


# 810


def invoice(**changes) -> Invoice:
    values = {
        "order": the_order(),
        "invoice_number": "INV-2025-000417",
        "supplier_order_number": "SO-0048812",
        "invoice_date": datetime(2025, 3, 19, 9, 0),
        "currency": "USD",
        "lines": (
            InvoiceLine(1, Decimal("4"), "EA", Decimal("1089.35"), "LEN-20XW00K0US"),
            InvoiceLine(2, Decimal("4"), "EA", Decimal("124.10"), "LEN-40AY0090US", None, "Dock"),
        ),
        "shipping_amount": Decimal("45.00"),
        "tax_amount": Decimal("0"),
        "discount_amount": Decimal("10.005"),
        "remit_to": Address(
            name="Keystone IT Supply",
            street=("PO Box 60211",),
            city="Harrisburg",
            state="PA",
            postal_code="17106",
            country="US",
        ),
        "net_days": 30,
    }
    return Invoice(**(values | changes))


def test_810_totals_in_cents() -> None:
    value = invoice()
    assert value.total == Decimal("4888.795")
    _, transaction_set = read_back(render_810(value, ENVELOPE, NOW), "810", "IN")
    assert rows(transaction_set, "BIG") == [
        ("BIG", "20250319", "INV-2025-000417", "20250314", "36C24E25P0431", "", "", "DI")
    ]
    assert rows(transaction_set, "IT1", "PID", "TDS", "TXI", "SAC", "CTT", "ITD") == [
        ("ITD", "05", "3", "", "", "", "", "30"),
        ("IT1", "1", "4", "EA", "1089.35", "", "VP", "LEN-20XW00K0US"),
        ("IT1", "2", "4", "EA", "124.1", "", "VP", "LEN-40AY0090US"),
        ("PID", "F", "", "", "", "Dock"),
        ("TDS", "488880"),
        ("SAC", "C", "D240", "", "", "4500"),
        ("SAC", "A", "C310", "", "", "1001"),
        ("CTT", "2", "8"),
    ]
    parties = [row[1] for row in rows(transaction_set, "N1")]
    assert parties == ["BT", "RI", "ST"]


def test_810_credit_note_and_tax() -> None:
    value = invoice(
        purpose="credit", currency="CAD", tax_amount=Decimal("12.34"), comments="Returned dock."
    )
    _, transaction_set = read_back(render_810(value, ENVELOPE, NOW), "810", "IN")
    assert transaction_set.body[0].element(7) == "CR"
    assert rows(transaction_set, "TXI", "NTE", "CUR") == [
        ("NTE", "GEN", "Returned dock."),
        ("CUR", "SE", "CAD"),
        ("TXI", "TX", "12.34"),
    ]


# Envelope and values


@pytest.mark.parametrize(
    ("element", "component", "segment", "newline"),
    [
        ("|", "^", "\n", False),
        ("^", ":", "~", False),
        ("*", ">", "~", True),
        ("!", "\\", "'", True),
    ],
)
def test_other_delimiters(element: str, component: str, segment: str, newline: bool) -> None:
    envelope = replace(
        ENVELOPE,
        element_sep=element,
        component_sep=component,
        segment_term=segment,
        newline=newline,
    )
    raw = render_810(invoice(), envelope, NOW)
    found = read_interchange(raw)
    assert (found.delimiters.element, found.delimiters.component) == (element, component)
    assert found.delimiters.segment == segment
    terminators = raw.count(segment.encode())
    assert terminators == len(raw.decode().split(segment)) - 1 >= 10
    if segment != "\n":
        assert raw.count(b"\n") == (terminators if newline else 0)
        assert raw.count((segment + "\n").encode()) == (terminators if newline else 0)
    assert found.groups[0].transaction_sets[0].body[0].tag == "BIG"


def test_isa_is_fixed_width() -> None:
    raw = render_855(confirmation(accepted(1)), ENVELOPE, NOW)
    isa = raw[:106].decode()
    assert isa == (
        "ISA*00*          *00*          *ZZ*ORDERB2BHUB    *ZZ*VAFSCEDI       *250317*1405"
        "*U*00401*000001207*0*P*>~"
    )
    assert raw.endswith(b"IEA*1*000001207~\n")


def test_a_value_with_a_delimiter_is_refused() -> None:
    value = invoice(invoice_number="INV*417")
    with pytest.raises(RenderError, match=re.escape("BIG02 value 'INV*417' contains the element")):
        render_810(value, ENVELOPE, NOW)
    notice = ship_notice(tracking_number="7712~34")
    with pytest.raises(RenderError, match="segment terminator"):
        render_856(notice, ENVELOPE, NOW)


def test_accents_are_folded_and_other_scripts_refused() -> None:
    order = the_order()
    ship_to = replace(order.ship_to, name="Hôpital Saint-Jérôme")
    value = replace(confirmation(accepted(1)), order=replace(order, ship_to=ship_to))
    _, transaction_set = read_back(render_855(value, ENVELOPE, NOW), "855", "PR")
    assert rows(transaction_set, "N1")[0][2] == "Hopital Saint-Jerome"
    refused = replace(value, order=replace(order, ship_to=replace(ship_to, name="東京倉庫")))
    with pytest.raises(RenderError, match=r"N102 value .* holds characters outside ASCII"):
        render_855(refused, ENVELOPE, NOW)


def test_too_long_values_are_refused() -> None:
    with pytest.raises(RenderError, match=r"BIG02 invoice number .* is longer than 22"):
        render_810(invoice(invoice_number="INV-" + "0" * 30), ENVELOPE, NOW)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"interchange_control_number": "1234567890"}, "interchange_control_number must be 1 to 9"),
        ({"group_control_number": "G1"}, "group_control_number must be 1 to 9 digits"),
        ({"sender_id": "A" * 16}, "sender_id must be 1 to 15 characters"),
        ({"sender_qualifier": "Z"}, "sender_qualifier must be two letters or digits"),
        ({"component_sep": "*"}, "must differ"),
        ({"element_sep": "A"}, "element_sep must be one punctuation character"),
        ({"usage": "I"}, "usage must be P or T"),
    ],
)
def test_envelope_is_checked(changes: dict, message: str) -> None:
    with pytest.raises(RenderError, match=re.escape(message)):
        replace(ENVELOPE, **changes)
