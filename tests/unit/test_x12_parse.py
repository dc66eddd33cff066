"""X12 850 parsing against the fixtures and the canonical schema; tokenizer and envelope."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.x12.ack import acknowledge
from adapters.x12.envelope import read_interchange
from adapters.x12.parse import CHANGE_KINDS, parse, read_orders
from adapters.x12.segments import Delimiters, tokenize
from core.canonical import CanonicalOrder
from core.errors import DocumentTooLarge, ParseError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "x12"
CASES = sorted(
    path for path in FIXTURES.glob("*.edi") if path.with_suffix(".expected.json").exists()
)

BODY = [
    "BEG*00*SA*PO-1001**20250402",
    "N1*ST*ACME RECEIVING*92*0042",
    "N3*12 DOCK ROAD",
    "N4*HARTFORD*CT*06101*US",
    "PO1*1*2*EA*10.50*PE*VP*0007731",
    "CTT*1",
]

NOW = datetime(2025, 4, 2, 14, 30, tzinfo=UTC)


def interchange(
    *sets: list[str],
    element: str = "*",
    component: str = ">",
    segment: str = "~",
    line_break: str = "\n",
    sender: str = "ACMEBUY",
    gs01: str = "PO",
) -> bytes:
    """A well-formed interchange of one group; each set is ST01 then body segments."""

    def join(*fields: str) -> str:
        return element.join(fields) + segment + line_break

    isa = (
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{sender:<15}*ZZ*{'ORDERB2BHUB':<15}*250402*1412"
        f"*U*00401*000000077*0*P*"
    ).replace("*", element) + component
    parts = [
        isa + segment + line_break,
        join("GS", gs01, sender, "ORDERB2BHUB", "20250402", "1412", "77", "X", "004010"),
    ]
    for number, (id_code, *body) in enumerate(sets, start=1):
        control = f"{number:04d}"
        parts.append(join("ST", id_code, control))
        parts.extend(join(*row.split("*")) for row in body)
        parts.append(join("SE", str(len(body) + 2), control))
    parts.append(join("GE", str(len(sets)), "77"))
    parts.append(join("IEA", "1", "000000077"))
    return "".join(parts).encode("utf-8")


def order_of(*body: str) -> CanonicalOrder:
    (order,) = parse(interchange(["850", *body]))
    return order


def redelimit(raw: bytes, element: str, component: str, segment: str, line_break: str) -> bytes:
    """The same interchange written with other delimiters."""
    _, segments = tokenize(raw)
    isa = segments[0]
    head = element.join(("ISA", *isa.elements[:15], component))
    rest = [element.join((s.tag, *s.elements)) for s in segments[1:]]
    return "".join(text + segment + line_break for text in [head, *rest]).encode("utf-8")


# Fixtures


def test_fixtures_use_different_delimiters() -> None:
    seen = {
        (d.element, d.component, d.segment, d.line_break)
        for d in (tokenize(path.read_bytes())[0] for path in CASES)
    }
    assert {
        ("*", ">", "~", "\r\n"),
        ("|", "^", "\n", ""),
        ("^", ":", "~", ""),
        ("*", ":", "~", "\n"),
    } <= seen


@pytest.mark.parametrize(
    ("element", "component", "segment", "line_break"),
    [("|", "^", "\n", ""), ("^", ":", "'", "\r\n"), ("!", "\\", "\x1c", ""), ("*", ">", "~", "")],
)
def test_delimiters_come_from_the_isa(
    element: str, component: str, segment: str, line_break: str
) -> None:
    raw = (FIXTURES / "va_it_equipment.edi").read_bytes()
    rewritten = redelimit(raw, element, component, segment, line_break)
    delimiters, _ = tokenize(rewritten)
    assert delimiters == Delimiters(element, component, segment, None, line_break)
    assert parse(rewritten) == parse(raw)


def test_leading_zeros_are_kept() -> None:
    (order,) = parse((FIXTURES / "dla_pipe_caret_newline.edi").read_bytes())
    assert order.partner == "x12:007911111"
    assert order.ship_to is not None and order.ship_to.postal_code == "03904"
    assert [line.supplier_part_id for line in order.lines] == ["0004471-002", "0012877"]
    assert order.source_document_id == "007911111/000000312/312/0001"
    (va,) = parse((FIXTURES / "va_it_equipment.edi").read_bytes())
    assert va.lines[2].buyer_part_id == "0004471"


def test_multi_group_interchange_gives_one_order_per_850() -> None:
    orders = parse((FIXTURES / "mercy_multi_group.edi").read_bytes())
    assert [(o.external_order_id, o.source_document_id) for o in orders] == [
        ("4500198811", "MERCYHEALTH/000120455/9001/0001"),
        ("4500198812", "MERCYHEALTH/000120455/9001/0002"),
        ("4500198813", "MERCYHEALTH/000120455/9002/0001"),
    ]


def test_change_and_cancel_refer_to_the_purchase_order() -> None:
    (change,) = parse((FIXTURES / "umich_change.edi").read_bytes())
    (cancel,) = parse((FIXTURES / "umich_cancel.edi").read_bytes())
    assert (change.change_kind, change.changes_order_ref) == ("update", "PO-77120-B")
    assert (cancel.change_kind, cancel.changes_order_ref) == ("cancel", "PO-77120-B")
    assert cancel.comments == "ORDER CANCELLED: GRANT FUNDING WITHDRAWN."


@pytest.mark.parametrize(("purpose", "kind"), sorted(CHANGE_KINDS.items()))
def test_purpose_codes(purpose: str, kind: str) -> None:
    order = order_of(f"BEG*{purpose}*SA*PO-1001**20250402", *BODY[1:])
    assert order.change_kind == kind
    assert order.changes_order_ref == (None if kind == "new" else "PO-1001")
    assert order.source_version == purpose


def test_release_number_is_the_source_version() -> None:
    order = order_of("BEG*00*RL*PO-1001*0007*20250402", *BODY[1:])
    assert (order.source_version, order.extrinsics["ReleaseNumber"]) == ("0007", "0007")


def test_partner_defaults_to_the_isa_sender_and_can_be_given() -> None:
    raw = interchange(["850", *BODY])
    assert parse(raw)[0].partner == "x12:ACMEBUY"
    assert parse(raw, partner="acme")[0].partner == "acme"


def test_a_resent_interchange_keeps_its_source_document_id() -> None:
    raw = interchange(["850", *BODY])
    assert parse(raw)[0].source_document_id == "ACMEBUY/000000077/77/0001"
    resent = raw.replace(b"*250402*1412*", b"*250403*0800*")
    assert resent != raw
    assert parse(resent)[0].source_document_id == parse(raw)[0].source_document_id


def test_sets_other_than_850_are_ignored() -> None:
    raw = interchange(["850", *BODY], ["855", "BAK*00*AC*PO-1001*20250402"])
    assert [order.external_order_id for order in parse(raw)] == ["PO-1001"]
    other_group = interchange(["810", "BIG*20250402*INV-1**PO-1001"], gs01="IN")
    with pytest.raises(ParseError, match="functional group 'IN' is not supported"):
        parse(other_group)


def test_an_850_only_reading_can_refuse_is_left_out_and_reported_for_the_997() -> None:
    bad = [*BODY[:4], "PO1*1*0*EA*10.50*PE*VP*0007731", *BODY[5:]]
    raw = interchange(["850", *BODY], ["850", *bad])
    orders, problems = read_orders(raw)
    assert [order.external_order_id for order in orders] == ["PO-1001"]
    (problem,) = problems
    assert (problem.set_position, problem.code, problem.rejects) == (2, "5", True)
    assert "PO102 quantity '0' must be greater" in problem.message
    ack = acknowledge(raw, control_number="1", group_control_number="1", now=NOW, problems=problems)
    assert b"AK5*A~" in ack and b"AK5*R*5~" in ack and b"AK9*P*2*2*1~" in ack


def test_charges_allowances_and_taxes() -> None:
    order = order_of(
        *BODY[:1],
        "CUR*BY*CAD",
        "SAC*C*D240***1250",
        "SAC*C*G830***250",
        "SAC*A*C310***500",
        "SAC*C*H850***99",
        "SAC*C*F050***300",
        "TXI*ST*1.01",
        *BODY[1:-1],
        "SAC*A*C310***100",
        "CTT*1",
        "AMT*TT*37.81",
    )
    assert order.currency == "CAD"
    assert (order.shipping_amount, order.discount_amount, order.tax_amount) == (
        Decimal("15.00"),
        Decimal("5.00"),
        Decimal("2.00"),
    )
    assert order.total_amount == Decimal("37.81")
    assert order.extrinsics["Charge.F050"] == "3.00"
    assert order.lines[0].extrinsics == {"Allowance.C310": "1.00"}
    assert order.lines[0].currency == "CAD"


def test_contacts_terms_and_dates() -> None:
    order = order_of(
        *BODY[:1],
        "PER*IC*FRONT DESK*TE*860-555-0100",
        "PER*BD*LENA PARK*EM*lena.park@acme.example*TE*860-555-0142*EX*12",
        "ITD*01*3*2**15**45",
        "DTM*002*20250420",
        "DTM*010*20250415",
        *BODY[1:-1],
        "DTM*002*20250425",
        "MSG*LEAVE AT DOCK 3",
        "NTE*GEN*FRAGILE",
        "CTT*1",
    )
    assert (order.buyer_contact.name, order.buyer_contact.phone) == (
        "LENA PARK",
        "860-555-0142 ext. 12",
    )
    assert order.payment is not None
    assert (order.payment.net_days, order.payment.terms) == (45, "2% 15 days, Net 45")
    assert order.lines[0].requested_delivery_date.isoformat() == "2025-04-25"
    assert order.lines[0].comments == "LEAVE AT DOCK 3\nFRAGILE"
    assert order.extrinsics["RequestedShipDate"] == "2025-04-15"


def test_header_delivery_date_applies_to_lines_without_their_own() -> None:
    order = order_of(*BODY[:1], "DTM*002*20250420", *BODY[1:])
    assert order.lines[0].requested_delivery_date.isoformat() == "2025-04-20"


def test_unit_price_from_ctp_when_po104_is_empty() -> None:
    order = order_of(
        *BODY[:-2], "PO1*1*2*EA**PE*VP*0007731", "CTP**CON*9.75", "CTP**MSR*12.00", "CTT*1"
    )
    line = order.lines[0]
    assert (line.unit_price, line.extrinsics) == (
        Decimal("9.75"),
        {"Price.CON": "9.75", "Price.MSR": "12.00"},
    )


def test_product_id_qualifiers() -> None:
    order = order_of(
        *BODY[:-2],
        "PO1*7*1*CS*12*PE*BP*00881*VP*ACM-0042*VN*77-0042*MG*0042A*MF*ACME CORP"
        "*UP*012345678905*FS*6515-01-153-4716",
        "CTT*1",
    )
    line = order.lines[0]
    assert (line.line_number, line.buyer_part_id, line.supplier_part_id) == (7, "00881", "ACM-0042")
    assert (line.manufacturer_part_id, line.manufacturer_name) == ("0042A", "ACME CORP")
    assert line.extrinsics == {
        "VendorItemNumber": "77-0042",
        "UPC": "012345678905",
        "NSN": "6515-01-153-4716",
    }


def test_line_number_defaults_to_the_position() -> None:
    order = order_of(*BODY[:-2], "PO1**2*EA*1*PE*VP*A", "PO1**3*EA*1*PE*VP*B", "CTT*2")
    assert [line.line_number for line in order.lines] == [1, 2]


def test_latin1_bytes_are_read() -> None:
    raw = interchange(["850", *BODY]).replace(b"ACME RECEIVING", "ACMÉ RÉCEPTION".encode("latin-1"))
    assert parse(raw)[0].ship_to.name == "ACMÉ RÉCEPTION"


# Errors


def replaced(old: str, new: str) -> bytes:
    body = [new if row == old else row for row in BODY]
    assert body != BODY
    return interchange(["850", *body])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GS*PO*X~", "not an X12 interchange: it starts with b'GS*'"),
        (b"ISA*00*    *00~", "ISA is truncated"),
        (
            interchange(["850", *BODY]).replace(b"ACMEBUY        ", b"ACMEBUY"),
            "ISA fields are not fixed-width",
        ),
        (
            interchange(["850", *BODY]).replace(b"IEA*1*", b"IEA*2*"),
            "IEA01 says 2 functional groups",
        ),
        (
            interchange(["850", *BODY]).replace(b"IEA*1*000000077", b"IEA*1*000000078"),
            "IEA02 control number '000000078' does not match ISA13 '000000077'",
        ),
        (interchange(["850", *BODY]).split(b"IEA")[0], "interchange has no IEA trailer"),
        (interchange(["850", *BODY]) + b"GS*PO~", "GS at segment 13 follows the IEA trailer"),
        (interchange(["850", *BODY]).replace(b"*P*>", b"*X*>"), "ISA15 usage indicator 'X'"),
        (replaced(BODY[4], "PO1*1*0*EA*10.50*PE*VP*0007731"), "PO102 quantity '0' must be greater"),
        (replaced(BODY[4], "PO1*1*-2*EA*10.50*PE*VP*0007731"), "PO102 quantity '-2' must be"),
        (replaced(BODY[4], "PO1*1*2*EA*TEN*PE*VP*0007731"), "PO104 invalid character 'TEN'"),
        (replaced(BODY[4], "PO1*1*2**10*PE*VP*0007731"), "PO103 mandatory element missing"),
        (
            replaced(BODY[4], "PO1*A1*2*EA*10*PE*VP*0007731"),
            "PO101 line number 'A1' is not a number",
        ),
        (replaced(BODY[0], "BEG*00*SA*PO-1001**20250230"), "BEG05 invalid date '20250230'"),
        (replaced(BODY[0], "BEG*02*SA*PO-1001**20250402"), "BEG01 invalid code value '02'"),
        (replaced(BODY[3], "N4*HARTFORD*CT*06101*USA"), "N404 'USA' is not ISO 3166-1 alpha-2"),
        (replaced(BODY[5], "CTT*3"), "CTT01 says 3 line items but the set has 1 PO1"),
        (interchange(["850", *BODY[1:]]), "segment 2 BEG: mandatory segment missing"),
        (interchange(["850", *BODY[:4], "CTT*0"]), "segment 6 PO1: mandatory segment missing"),
        (
            interchange(["850", *BODY]).replace(b"SE*8*", b"SE*9*"),
            "SE01 says 9 segments, the set has 8",
        ),
        (
            interchange(["850", *BODY]).replace(b"SE*8*0001", b"SE*8*0002"),
            "SE02 '0002' does not match ST02",
        ),
        (
            interchange(["850", *BODY[:1], "CUR*BY*US$", *BODY[1:]]),
            "CUR02 'US$' is not an ISO 4217",
        ),
        (
            interchange(["850", *BODY[:1], "SAC*C*D240***25.00", *BODY[1:]]),
            "SAC05 invalid character",
        ),
    ],
)
def test_error_messages(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)) as caught:
        parse(data)
    assert "\n" not in str(caught.value)


def test_too_large() -> None:
    with pytest.raises(DocumentTooLarge):
        read_interchange(interchange(["850", *BODY]), max_bytes=100)


# Envelope


def test_read_interchange_exposes_the_envelope() -> None:
    found = read_interchange((FIXTURES / "mercy_multi_group.edi").read_bytes())
    assert (found.sender_qualifier, found.sender_id) == ("ZZ", "MERCYHEALTH")
    assert (found.receiver_qualifier, found.receiver_id) == ("ZZ", "ORDERB2BHUB")
    assert (found.control_number, found.usage, found.is_test) == ("000120455", "P", False)
    assert [
        (g.functional_id, g.sender, g.receiver, g.control_number, g.version) for g in found.groups
    ] == [
        ("PO", "MERCYSTL", "ORDERB2BHUB", "9001", "004010"),
        ("PO", "MERCYOKC", "ORDERB2BHUB", "9002", "004010"),
    ]
    assert [[(s.id_code, s.control_number) for s in g.transaction_sets] for g in found.groups] == [
        [("850", "0001"), ("850", "0002")],
        [("850", "0001")],
    ]


def test_test_usage_indicator() -> None:
    found = read_interchange((FIXTURES / "dla_pipe_caret_newline.edi").read_bytes())
    assert (found.usage, found.is_test, found.sender_qualifier) == ("T", True, "01")


def test_repetition_separator_from_version_00402_on() -> None:
    raw = interchange(["850", *BODY])
    assert tokenize(raw)[0].repetition is None
    later = raw.replace(b"*U*00401*", b"*^*00501*")
    assert tokenize(later)[0].repetition == "^"


def test_segment_positions_and_elements() -> None:
    _, segments = tokenize(interchange(["850", *BODY]))
    beg = segments[3]
    assert (beg.tag, beg.position, beg.element(3), beg.element(4), beg.element(40)) == (
        "BEG",
        4,
        "PO-1001",
        "",
        "",
    )


@pytest.mark.parametrize(
    ("isa_change", "message"),
    [
        ((b"*P*>~", b"*P*~~"), "ISA delimiters are not distinct"),
        ((b"*P*>~", b"*P*A~"), "ISA component separator 'A' cannot be a delimiter"),
        ((b"*000000077*", b"*00000077A*"), "ISA13 control number '00000077A' is not nine digits"),
    ],
)
def test_unreadable_isa(isa_change: tuple[bytes, bytes], message: str) -> None:
    raw = interchange(["850", *BODY]).replace(*isa_change, 1)
    with pytest.raises(ParseError, match=re.escape(message)):
        read_interchange(raw)
