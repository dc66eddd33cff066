"""The 997 functional acknowledgment and the syntax check behind it."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from adapters.x12.ack import acknowledge, check
from adapters.x12.envelope import read_interchange
from adapters.x12.segments import tokenize
from core.errors import ParseError

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "x12"
ACKED = sorted(path for path in FIXTURES.glob("*.edi") if path.with_suffix(".997").exists())
NOW = datetime(2025, 4, 8, 9, 30)

ORDER = [
    "850",
    "BEG*00*SA*PO-2001**20250402",
    "PER*BD*LENA PARK*TE*860-555-0142",
    "N1*ST*ACME RECEIVING*92*0042",
    "N4*HARTFORD*CT*06101*US",
    "PO1*1*2*EA*10.50*PE*VP*0007731",
    "CTT*1",
]


def group(
    *sets: list[str],
    gs01: str = "PO",
    control: str = "501",
    version: str = "004010",
    trailer: str | None = None,
    sender: str = "ACMEBUY",
) -> list[str]:
    """A GS..GE group as rows; each set is ST01 and its body, SE counted correctly."""
    rows = [f"GS*{gs01}*{sender}*ORDERB2BHUB*20250402*1412*{control}*X*{version}"]
    for number, (id_code, *body) in enumerate(sets, start=1):
        rows += [f"ST*{id_code}*{number:04d}", *body, f"SE*{len(body) + 2}*{number:04d}"]
    rows.append(trailer if trailer is not None else f"GE*{len(sets)}*{control}")
    return rows


def interchange(*groups: list[str], groups_count: int | None = None) -> bytes:
    isa = (
        f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'ACMEBUY':<15}*12*{'8005550100':<15}"
        "*250402*1412*U*00401*000000088*0*P*>"
    )
    count = len(groups) if groups_count is None else groups_count
    rows = [isa, *(row for g in groups for row in g), f"IEA*{count}*000000088"]
    return "".join(f"{row}~\n" for row in rows).encode("ascii")


def ack_rows(raw: bytes) -> list[str]:
    """The AK segments of the 997 answering `raw`."""
    answer = acknowledge(raw, control_number="1", group_control_number="1", now=NOW)
    _, segments = tokenize(answer)
    return ["*".join((s.tag, *s.elements)) for s in segments if s.tag.startswith("AK")]


def with_row(rows: list[str], old: str, new: str | None) -> list[str]:
    assert old in rows
    return [row for row in (new if r == old else r for r in rows) if row is not None]


# Expected 997s of the fixtures


@pytest.mark.parametrize("path", ACKED, ids=[path.stem for path in ACKED])
def test_fixture_acknowledgment(path: Path) -> None:
    answer = acknowledge(
        path.read_bytes(), control_number="900000001", group_control_number="5001", now=NOW
    )
    assert answer == path.with_suffix(".997").read_bytes()


@pytest.mark.parametrize("path", ACKED, ids=[path.stem for path in ACKED])
def test_the_997_reads_back_with_the_envelope_reader(path: Path) -> None:
    inbound = read_interchange(path.read_bytes())
    answer = read_interchange(path.with_suffix(".997").read_bytes())
    assert (answer.sender_qualifier, answer.sender_id) == (
        inbound.receiver_qualifier,
        inbound.receiver_id,
    )
    assert (answer.receiver_qualifier, answer.receiver_id) == (
        inbound.sender_qualifier,
        inbound.sender_id,
    )
    assert (answer.control_number, answer.usage) == ("900000001", inbound.usage)
    assert answer.delimiters.element == inbound.delimiters.element
    assert answer.delimiters.segment == inbound.delimiters.segment
    assert {g.functional_id for g in answer.groups} == {"FA"}
    assert sum(len(g.transaction_sets) for g in answer.groups) == len(inbound.groups)
    for reply in answer.groups:
        assert reply.trailer is not None
        assert reply.trailer.element(2) == reply.control_number
        for transaction_set in reply.transaction_sets:
            assert transaction_set.id_code == "997"
            assert transaction_set.trailer is not None
            assert transaction_set.trailer.element(1) == str(len(transaction_set.segments))
            assert transaction_set.trailer.element(2) == transaction_set.control_number


def test_every_fixture_is_acknowledged() -> None:
    assert len(ACKED) == len(list(FIXTURES.glob("*.edi"))) >= 5


# Syntax errors, each with its exact AK segments


def test_good_interchange() -> None:
    assert ack_rows(interchange(group(ORDER))) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*A",
        "AK9*A*1*1*1",
    ]
    assert check(interchange(group(ORDER))) == []


def test_wrong_se01_count() -> None:
    rows = with_row(group(ORDER), "SE*8*0001", "SE*7*0001")
    assert ack_rows(interchange(rows)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*R*4",
        "AK9*R*1*1*0",
    ]
    (problem,) = check(interchange(rows))
    assert (problem.level, problem.code, problem.rejects) == ("set", "4", True)
    assert problem.message == ("850 0001 (ST at segment 3): SE01 says 7 segments, the set has 8")


def test_wrong_ge01_count_is_accepted_with_errors() -> None:
    rows = with_row(group(ORDER), "GE*1*501", "GE*2*501")
    assert ack_rows(interchange(rows)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*A",
        "AK9*E*2*1*1*5",
    ]
    (problem,) = check(interchange(rows))
    assert (problem.level, problem.code, problem.rejects) == ("group", "5", False)


def test_missing_beg() -> None:
    order = [row for row in ORDER if not row.startswith("BEG")]
    assert ack_rows(interchange(group(order))) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK3*BEG*2**3",
        "AK5*R*5",
        "AK9*R*1*1*0",
    ]


def test_control_number_mismatch_between_st_and_se() -> None:
    rows = with_row(group(ORDER), "SE*8*0001", "SE*8*1000")
    assert ack_rows(interchange(rows)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*R*3",
        "AK9*R*1*1*0",
    ]


def test_control_number_mismatch_between_gs_and_ge() -> None:
    rows = with_row(group(ORDER), "GE*1*501", "GE*1*502")
    assert ack_rows(interchange(rows)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*A",
        "AK9*R*1*1*1*4",
    ]


def test_missing_mandatory_elements() -> None:
    order = with_row(ORDER, "BEG*00*SA*PO-2001**20250402", "BEG*02*SA***20250231")
    assert ack_rows(interchange(group(order))) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK3*BEG*2**8",
        "AK4*1*353*7*02",
        "AK4*3*324*1",
        "AK4*5*373*8*20250231",
        "AK5*R*5",
        "AK9*R*1*1*0",
    ]


def test_missing_line_loop_and_unpaired_product_id() -> None:
    order = with_row(ORDER, "PO1*1*2*EA*10.50*PE*VP*0007731", None)
    assert ack_rows(interchange(group(order))) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK3*PO1*6*PO1*3",
        "AK5*R*5",
        "AK9*R*1*1*0",
    ]
    unpaired = with_row(ORDER, "PO1*1*2*EA*10.50*PE*VP*0007731", "PO1*1*2*EA*10.50*PE*VP")
    assert "AK4*7*234*2" in ack_rows(interchange(group(unpaired)))


def test_segment_out_of_place_and_unrecognized() -> None:
    order = [ORDER[0], ORDER[2], ORDER[1], *ORDER[3:5], "p01*1", *ORDER[5:]]
    assert ack_rows(interchange(group(order))) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK3*BEG*3**7",
        "AK3*P01*6**1",
        "AK5*R*5",
        "AK9*R*1*1*0",
    ]


def test_missing_trailers() -> None:
    rows = with_row(group(ORDER), "SE*8*0001", None)
    assert ack_rows(interchange(rows)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*R*2",
        "AK9*R*1*1*0",
    ]
    no_ge = with_row(group(ORDER), "GE*1*501", None)
    assert ack_rows(interchange(no_ge)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*A",
        "AK9*R*1*1*1*3",
    ]


def test_partial_acceptance_and_unsupported_sets() -> None:
    raw = interchange(group(ORDER, ["855", "BAK*00*AC*PO-2001*20250402"], ORDER))
    assert ack_rows(raw) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*A",
        "AK2*855*0002",
        "AK5*R*1",
        "AK2*850*0003",
        "AK5*A",
        "AK9*P*3*3*2",
    ]


def test_duplicate_set_control_numbers() -> None:
    rows = group(ORDER, ORDER)
    rows = [row.replace("*0002", "*0001") for row in rows]
    assert ack_rows(interchange(rows)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*A",
        "AK2*850*0001",
        "AK5*R*23",
        "AK9*P*2*2*1",
    ]


def test_unsupported_group_and_version() -> None:
    invoices = group(["810", "BIG*20250402*INV-1**PO-2001"], gs01="IN", control="502")
    old = group(ORDER, control="503", version="003040")
    assert ack_rows(interchange(group(ORDER), invoices, old)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK5*A",
        "AK9*A*1*1*1",
        "AK1*IN*502",
        "AK2*810*0001",
        "AK5*R*1",
        "AK9*R*1*1*0*1",
        "AK1*PO*503",
        "AK2*850*0001",
        "AK5*A",
        "AK9*R*1*1*1*2",
    ]


def test_several_problems_of_one_set() -> None:
    rows = with_row(group(ORDER), "SE*8*0001", "SE*9*0002")
    rows = with_row(rows, "BEG*00*SA*PO-2001**20250402", "BEG*00*SA*PO-2001**2025")
    assert ack_rows(interchange(rows)) == [
        "AK1*PO*501",
        "AK2*850*0001",
        "AK3*BEG*2**8",
        "AK4*5*373*8*2025",
        "AK5*R*3*4*5",
        "AK9*R*1*1*0",
    ]


def test_bad_data_is_copied_only_when_the_997_can_carry_it() -> None:
    order = with_row(ORDER, "BEG*00*SA*PO-2001**20250402", "BEG*00*SA*PO-2001**2025-04-02")
    assert "AK4*5*373*8*2025-04-02" in ack_rows(interchange(group(order)))
    order = with_row(ORDER, "BEG*00*SA*PO-2001**20250402", "BEG*00*SA*PO-2001**2025>04")
    assert "AK4*5*373*8" in ack_rows(interchange(group(order)))


# The 997 envelope


def test_997_envelope_answers_the_sender() -> None:
    raw = interchange(group(ORDER), group(ORDER, control="9", sender="ACMEWEST"))
    answer = acknowledge(raw, control_number="42", group_control_number="7000", now=NOW)
    assert answer.startswith(
        b"ISA*00*          *00*          *12*8005550100     *ZZ*ACMEBUY        "
        b"*250408*0930*U*00401*000000042*0*P*>~\n"
    )
    found = read_interchange(answer)
    assert [(g.sender, g.receiver, g.control_number) for g in found.groups] == [
        ("ORDERB2BHUB", "ACMEBUY", "7000"),
        ("ORDERB2BHUB", "ACMEWEST", "7001"),
    ]
    assert [g.version for g in found.groups] == ["004010", "004010"]


def test_acknowledgments_are_not_acknowledged() -> None:
    acks = group(["997", "AK1*PO*501", "AK9*A*1*1*1"], gs01="FA")
    assert (
        acknowledge(interchange(acks), control_number="1", group_control_number="1", now=NOW) == b""
    )
    assert check(interchange(acks)) == []
    assert ack_rows(interchange(acks, group(ORDER)))[0] == "AK1*PO*501"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (interchange(group(ORDER), groups_count=2), "IEA01 says 2 functional groups"),
        (interchange(group(ORDER)).replace(b"IEA*1*000000088", b"IEA*1*88"), "IEA02"),
        (interchange(group(ORDER))[:80], "ISA is truncated"),
        (b"UNA:+.? 'UNB+UNOC:3", "not an X12 interchange"),
        (
            interchange(group(ORDER)).replace(b"GS*PO", b"XX*PO"),
            "XX at segment 2 is outside a transaction set",
        ),
        (
            interchange(group(ORDER)).replace(b"*ORDERB2BHUB*", b"*ORDER>HUB*"),
            "GS03 application receiver's code at segment 2 holds characters that cannot be",
        ),
        (
            interchange(group(ORDER)).replace(b"*ORDERB2BHUB*", b"*ORDERB2BHUB-RECEIVING*"),
            "GS03 application receiver's code at segment 2 must be 2 to 15 characters",
        ),
        (interchange(group(ORDER)).replace(b"ST*850*0001", b"ST**0001"), "ST01 transaction"),
    ],
)
def test_interchange_level_errors_raise(raw: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=re.escape(message)):
        acknowledge(raw, control_number="1", group_control_number="1", now=NOW)
    with pytest.raises(ParseError, match=re.escape(message)):
        check(raw)
