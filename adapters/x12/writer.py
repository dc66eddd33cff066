"""Writing X12 interchanges: the envelope with its control numbers and counts.

Values that would break the syntax are refused with a RenderError rather than
altered: a part number or an address changed in silence is worse than a document not
sent. The one change made is folding accented letters to their base letter (é to e),
since 004010 partners expect ASCII; any other non-ASCII character is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

ISA_VERSION = "00401"
GS_VERSION = "004010"

Row = Sequence[str]  # a segment as its tag and then its elements
TransactionSetBody = tuple[str, Sequence[Row]]  # ST01 and the segments between ST and SE

_DIGITS = re.compile(r"[0-9]+")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class RenderError(ValueError):
    """A document cannot be written as X12: a value holds a delimiter, is too long, or
    something the transaction set requires is missing."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends to whom, under which control numbers, with which delimiters."""

    sender_qualifier: str  # ISA05, e.g. "ZZ" or "01" (DUNS)
    sender_id: str  # ISA06, padded to 15
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08
    gs_sender: str  # GS02
    gs_receiver: str  # GS03
    interchange_control_number: str  # ISA13/IEA02, zero-padded to 9 digits
    group_control_number: str  # GS06/GE02
    usage: str = "P"  # ISA15: P production, T test
    element_sep: str = "*"
    component_sep: str = ">"
    segment_term: str = "~"
    newline: bool = True  # a line feed after each segment terminator

    def __post_init__(self) -> None:
        _check_separators(self.element_sep, self.component_sep, self.segment_term)
        for name in ("sender_qualifier", "receiver_qualifier"):
            value = getattr(self, name)
            if len(value) != 2 or not value.isalnum():
                raise RenderError(f"{name} must be two letters or digits, not {value!r}")
        for name in ("sender_id", "receiver_id"):
            _check_length(name, getattr(self, name), 1, 15)
        for name in ("gs_sender", "gs_receiver"):
            _check_length(name, getattr(self, name), 2, 15)
        for name in ("interchange_control_number", "group_control_number"):
            value = getattr(self, name)
            if not (isinstance(value, str) and _DIGITS.fullmatch(value) and len(value) <= 9):
                raise RenderError(f"{name} must be 1 to 9 digits, not {value!r}")
        if self.usage not in ("P", "T"):
            raise RenderError(f"usage must be P or T, not {self.usage!r}")


@dataclass(frozen=True, slots=True)
class GroupBody:
    """One functional group to write: GS01, GS02, GS03, GS06 and its transaction sets."""

    functional_id: str
    sender: str
    receiver: str
    control_number: str
    transaction_sets: Sequence[TransactionSetBody]


def write_interchange(
    envelope: Envelope,
    functional_id: str,
    transaction_sets: Sequence[TransactionSetBody],
    now: datetime,
) -> bytes:
    """One interchange of one functional group, addressed as the envelope says."""
    group = GroupBody(
        functional_id,
        envelope.gs_sender,
        envelope.gs_receiver,
        envelope.group_control_number,
        transaction_sets,
    )
    return write_groups(envelope, [group], now)


def write_groups(envelope: Envelope, groups: Sequence[GroupBody], now: datetime) -> bytes:
    """One interchange of several functional groups; ST02 runs 0001, 0002, ... in each."""
    writer = _SegmentWriter(envelope)
    rows: list[Row] = []
    for group in groups:
        rows.extend(_group_rows(group, now))
    rows.append(("IEA", str(len(groups)), envelope.interchange_control_number.zfill(9)))
    text = _isa(envelope, now, writer) + "".join(writer.segment(row) for row in rows)
    return text.encode("ascii")


def _group_rows(group: GroupBody, now: datetime) -> list[Row]:
    if not _DIGITS.fullmatch(group.control_number) or len(group.control_number) > 9:
        raise RenderError(f"group control number must be 1 to 9 digits: {group.control_number!r}")
    rows: list[Row] = [
        (
            "GS",
            group.functional_id,
            group.sender,
            group.receiver,
            date_text(now),
            time_text(now),
            group.control_number,
            "X",
            GS_VERSION,
        )
    ]
    for number, (id_code, body) in enumerate(group.transaction_sets, start=1):
        control = f"{number:04d}"
        rows.extend((("ST", id_code, control), *body, ("SE", str(len(body) + 2), control)))
    rows.append(("GE", str(len(group.transaction_sets)), group.control_number))
    return rows


def decimal_text(value: Decimal) -> str:
    """An R (decimal) element: no exponent, no needless trailing zeros."""
    return "0" if value == 0 else format(value.normalize(), "f")


def cents(value: Decimal) -> str:
    """An N2 element: the amount in cents, the decimal point implied."""
    return str(int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def date_text(value: date) -> str:
    return value.strftime("%Y%m%d")


def time_text(value: datetime) -> str:
    return value.strftime("%H%M")


def limit(value: str, maximum: int, where: str) -> str:
    """The value if it fits in an element of `maximum` characters, else a RenderError."""
    if len(value) > maximum:
        raise RenderError(f"{where} '{value}' is longer than {maximum} characters")
    return value


def chunks(text: str, size: int) -> list[str]:
    """Free text as lines of at most `size` characters, for repeatable text segments."""
    lines = []
    for line in text.splitlines():
        line = " ".join(line.split())
        while len(line) > size:
            cut = line.rfind(" ", 0, size + 1)
            cut = cut if cut > 0 else size
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        if line:
            lines.append(line)
    return lines


class _SegmentWriter:
    def __init__(self, envelope: Envelope) -> None:
        self.element = envelope.element_sep
        self.delimiters = {
            envelope.element_sep: "element separator",
            envelope.component_sep: "component separator",
            envelope.segment_term: "segment terminator",
        }
        newline = envelope.newline and envelope.segment_term not in "\r\n"
        self.end = envelope.segment_term + ("\n" if newline else "")

    def segment(self, row: Row) -> str:
        tag, *values = row
        elements = [self.value(value, f"{tag}{n:02d}") for n, value in enumerate(values, 1)]
        while elements and not elements[-1]:
            elements.pop()
        return self.element.join((tag, *elements)) + self.end

    def value(self, value: str, where: str) -> str:
        text = _ascii(value, where)
        if _CONTROL_CHARS.search(text):
            raise RenderError(f"{where} value {text!r} holds a control character")
        for char, name in self.delimiters.items():
            if char in text:
                raise RenderError(f"{where} value {text!r} contains the {name} {char!r}")
        return text


def _isa(envelope: Envelope, now: datetime, writer: _SegmentWriter) -> str:
    fields = (
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender_qualifier,
        writer.value(envelope.sender_id.strip(), "ISA06").ljust(15),
        envelope.receiver_qualifier,
        writer.value(envelope.receiver_id.strip(), "ISA08").ljust(15),
        now.strftime("%y%m%d"),
        time_text(now),
        "U",
        ISA_VERSION,
        envelope.interchange_control_number.zfill(9),
        "0",
        envelope.usage,
        envelope.component_sep,
    )
    return envelope.element_sep.join(("ISA", *fields)) + writer.end


def _ascii(value: str, where: str) -> str:
    if value.isascii():
        return value
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", value) if not unicodedata.combining(char)
    )
    if not folded.isascii():
        raise RenderError(f"{where} value {value!r} holds characters outside ASCII")
    return folded


def _check_separators(element: str, component: str, segment: str) -> None:
    for name, char in (("element_sep", element), ("component_sep", component)):
        if len(char) != 1 or char.isalnum() or char in " \r\n":
            raise RenderError(f"{name} must be one punctuation character, not {char!r}")
    if len(segment) != 1 or segment.isalnum() or segment == " ":
        raise RenderError(f"segment_term must be one character, not {segment!r}")
    if len({element, component, segment}) != 3:
        raise RenderError("element_sep, component_sep and segment_term must differ")


def _check_length(name: str, value: str, shortest: int, longest: int) -> None:
    if not isinstance(value, str) or not shortest <= len(value.strip()) <= longest:
        raise RenderError(f"{name} must be {shortest} to {longest} characters, not {value!r}")
