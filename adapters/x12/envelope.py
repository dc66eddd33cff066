"""The X12 envelope: ISA/IEA around GS/GE groups around ST/SE transaction sets.

`read_interchange` raises ParseError for what makes the interchange unusable as a
whole (what a TA1 would report): an unreadable ISA, a missing IEA, an IEA whose group
count or control number disagrees, segments outside any group or set. A group or set
whose trailer is missing or wrong is kept as read: those problems belong in the 997
(see `adapters.x12.syntax.check`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from adapters.x12.segments import DEFAULT_MAX_BYTES, Delimiters, Segment, tokenize
from core.errors import ParseError

_DIGITS = re.compile(r"[0-9]+")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_QUALIFIER = re.compile(r"[A-Z0-9]{2}")
_USAGES = {"P": "production", "T": "test"}


@dataclass(frozen=True, slots=True)
class TransactionSet:
    id_code: str  # ST01, e.g. "850"
    control_number: str  # ST02
    segments: tuple[Segment, ...]  # ST .. SE; without SE when the trailer is missing
    trailer: Segment | None

    @property
    def body(self) -> tuple[Segment, ...]:
        """The segments between ST and SE."""
        end = -1 if self.trailer is not None else len(self.segments)
        return self.segments[1:end]


@dataclass(frozen=True, slots=True)
class FunctionalGroup:
    functional_id: str  # GS01, e.g. "PO"
    sender: str  # GS02 application sender's code
    receiver: str  # GS03 application receiver's code
    date: str  # GS04 CCYYMMDD
    time: str  # GS05
    control_number: str  # GS06
    agency: str  # GS07, "X"
    version: str  # GS08, e.g. "004010"
    header: Segment
    transaction_sets: tuple[TransactionSet, ...]
    trailer: Segment | None


@dataclass(frozen=True, slots=True)
class Interchange:
    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06 without its padding
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08 without its padding
    date: str  # ISA09 YYMMDD
    time: str  # ISA10 HHMM
    version: str  # ISA12, e.g. "00401"
    control_number: str  # ISA13, nine digits
    acknowledgment_requested: str  # ISA14, "0" or "1"
    usage: str  # ISA15, "P" production or "T" test
    delimiters: Delimiters
    groups: tuple[FunctionalGroup, ...]
    security_qualifier: str = "00"  # ISA03: "01" when ISA04 holds a password
    security: str = field(default="", repr=False)  # ISA04 security information

    @property
    def is_test(self) -> bool:
        return self.usage == "T"


def read_interchange(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Interchange:
    """Read the envelope of one interchange, or raise ParseError if it cannot be used."""
    delimiters, segments = tokenize(raw, max_bytes=max_bytes)
    isa = segments[0]
    groups, trailer = _Structure(segments, delimiters).read()
    interchange = _interchange(isa, delimiters, groups)
    _check_trailer(interchange, trailer)
    return interchange


def _interchange(
    isa: Segment, delimiters: Delimiters, groups: list[FunctionalGroup]
) -> Interchange:
    _check_isa_codes(isa)
    return Interchange(
        sender_qualifier=isa.element(5),
        sender_id=identifier(isa, 6, "interchange sender id", delimiters, 1, 15).strip(),
        receiver_qualifier=isa.element(7),
        receiver_id=identifier(isa, 8, "interchange receiver id", delimiters, 1, 15).strip(),
        date=isa.element(9),
        time=isa.element(10),
        version=isa.element(12),
        control_number=isa.element(13),
        acknowledgment_requested=isa.element(14),
        usage=isa.element(15),
        delimiters=delimiters,
        groups=tuple(groups),
        security_qualifier=isa.element(3),
        security=isa.element(4).strip(),
    )


def _check_isa_codes(isa: Segment) -> None:
    control_number = isa.element(13)
    if not (len(control_number) == 9 and _DIGITS.fullmatch(control_number)):
        raise ParseError(f"ISA13 control number '{control_number}' is not nine digits")
    if isa.element(15) not in _USAGES:
        raise ParseError(f"ISA15 usage indicator '{isa.element(15)}' is neither P nor T")
    if isa.element(14) not in ("0", "1"):
        raise ParseError(f"ISA14 acknowledgment requested '{isa.element(14)}' is neither 0 nor 1")
    for number in (5, 7):
        if not _QUALIFIER.fullmatch(isa.element(number)):
            raise ParseError(f"ISA0{number} id qualifier '{isa.element(number)}' is not valid")


def _check_trailer(interchange: Interchange, iea: Segment) -> None:
    count, control_number = iea.element(1), iea.element(2)
    if not (_DIGITS.fullmatch(count) and int(count) == len(interchange.groups)):
        raise ParseError(
            f"IEA01 says {count or 'nothing'} functional groups but the interchange has"
            f" {len(interchange.groups)}"
        )
    if control_number != interchange.control_number:
        raise ParseError(
            f"IEA02 control number '{control_number}' does not match ISA13"
            f" '{interchange.control_number}'"
        )


class _Structure:
    """One pass over the segments, opening and closing groups and sets."""

    def __init__(self, segments: list[Segment], delimiters: Delimiters) -> None:
        self.segments = segments
        self.delimiters = delimiters
        self.groups: list[FunctionalGroup] = []
        self.group: Segment | None = None
        self.sets: list[TransactionSet] = []
        self.set_segments: list[Segment] = []

    def read(self) -> tuple[list[FunctionalGroup], Segment]:
        for index, segment in enumerate(self.segments[1:], start=1):
            if segment.tag == "IEA":
                self._close_group(None)
                self._after_trailer(index)
                return self.groups, segment
            self._take(segment)
        raise ParseError("interchange has no IEA trailer")

    def _take(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "ISA":
            raise ParseError(f"a second ISA at segment {segment.position}: one interchange only")
        if tag == "GS":
            self._close_group(None)
            self._open_group(segment)
        elif tag == "GE":
            if self.group is None:
                raise ParseError(f"GE at segment {segment.position} has no GS")
            self._close_group(segment)
        elif tag == "ST":
            if self.group is None:
                raise ParseError(f"ST at segment {segment.position} is outside a functional group")
            self._close_set(None)
            self._open_set(segment)
        elif tag == "SE":
            if not self.set_segments:
                raise ParseError(f"SE at segment {segment.position} has no ST")
            self._close_set(segment)
        elif self.set_segments:
            self.set_segments.append(segment)
        else:
            raise ParseError(
                f"{_printable(tag)} at segment {segment.position} is outside a transaction set"
            )

    def _open_group(self, gs: Segment) -> None:
        for number, name, shortest in (
            (1, "functional identifier", 2),
            (2, "application sender's code", 2),
            (3, "application receiver's code", 2),
            (6, "group control number", 1),
        ):
            identifier(gs, number, name, self.delimiters, shortest, 15)
        self.group = gs

    def _close_group(self, ge: Segment | None) -> None:
        self._close_set(None)
        gs = self.group
        if gs is None:
            return
        self.groups.append(
            FunctionalGroup(
                functional_id=gs.element(1),
                sender=gs.element(2),
                receiver=gs.element(3),
                date=gs.element(4),
                time=gs.element(5),
                control_number=gs.element(6),
                agency=gs.element(7),
                version=gs.element(8),
                header=gs,
                transaction_sets=tuple(self.sets),
                trailer=ge,
            )
        )
        self.group, self.sets = None, []

    def _open_set(self, st: Segment) -> None:
        identifier(st, 1, "transaction set identifier", self.delimiters, 1, 15)
        identifier(st, 2, "transaction set control number", self.delimiters, 1, 15)
        self.set_segments = [st]

    def _close_set(self, se: Segment | None) -> None:
        if not self.set_segments:
            return
        st = self.set_segments[0]
        if se is not None:
            self.set_segments.append(se)
        self.sets.append(
            TransactionSet(
                id_code=st.element(1),
                control_number=st.element(2),
                segments=tuple(self.set_segments),
                trailer=se,
            )
        )
        self.set_segments = []

    def _after_trailer(self, index: int) -> None:
        if index + 1 < len(self.segments):
            extra = self.segments[index + 1]
            raise ParseError(
                f"{_printable(extra.tag)} at segment {extra.position} follows the IEA trailer"
            )


def identifier(
    segment: Segment, number: int, name: str, delimiters: Delimiters, shortest: int, longest: int
) -> str:
    """An envelope id that a reply must echo: printable ASCII, no delimiter, in length."""
    value = segment.element(number)
    where = f"{segment.tag}{number:02d} {name} at segment {segment.position}"
    if not value.strip():
        raise ParseError(f"{where} is missing")
    taken = {delimiters.component, delimiters.repetition} - {None}
    if not _PRINTABLE.fullmatch(value) or any(char in value for char in taken):
        raise ParseError(f"{where} holds characters that cannot be echoed: {value!r}")
    if not shortest <= len(value.strip()) <= longest:
        raise ParseError(f"{where} must be {shortest} to {longest} characters, not '{value}'")
    return value


def _printable(tag: str) -> str:
    tag = tag if tag.isprintable() else repr(tag)
    return tag if len(tag) <= 12 else tag[:9] + "..."
