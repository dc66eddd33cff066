"""The 850 layout the 997 checks: mandatory segments and the elements we rely on.

Positions count from the ST, which is 1 (AK302). Codes are those of AK304 (segment
syntax error) and AK403 (data element syntax error) in 004010. PO102 and PO103 are
conditional in the standard; this implementation requires them, since an order line
without a quantity and its unit cannot be filled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from adapters.x12.envelope import TransactionSet
from adapters.x12.segments import Segment

# BEG01 transaction set purpose codes this channel maps to a change kind.
PURPOSES = frozenset({"00", "01", "03", "04", "05", "06", "07"})

_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_INTEGER = re.compile(r"-?[0-9]+")
_DATE = re.compile(r"[0-9]{8}")
_SUMMARY = frozenset({"CTT", "AMT"})
_MAX_COPY = 99


@dataclass(frozen=True, slots=True)
class ElementNote:
    """An AK4: which element of the segment is wrong, and how."""

    position: int  # AK401
    reference: str  # AK402 data element reference number
    code: str  # AK403
    value: str = ""  # AK404 copy of the bad element


@dataclass(frozen=True, slots=True)
class SegmentNote:
    """An AK3: which segment of the set is wrong (or missing), and how."""

    segment_id: str  # AK301
    position: int  # AK302
    code: str  # AK304
    loop_id: str = ""  # AK303
    elements: tuple[ElementNote, ...] = ()


@dataclass(frozen=True, slots=True)
class _Element:
    position: int
    reference: str
    required: bool = False
    kind: str = "AN"  # AN, ID, R (decimal), N (integer, N0 or N2) or DT (CCYYMMDD)
    codes: frozenset[str] | None = None

    def error(self, value: str) -> str | None:
        if not value:
            return "1" if self.required else None
        if self.kind == "R" and not _DECIMAL.fullmatch(value):
            return "6"
        if self.kind == "N" and not _INTEGER.fullmatch(value):
            return "6"
        if self.kind == "DT" and not _is_date(value):
            return "8"
        if self.codes is not None and value not in self.codes:
            return "7"
        return None


_E = _Element
_ELEMENTS: dict[str, tuple[_Element, ...]] = {
    "BEG": (
        _E(1, "353", True, "ID", PURPOSES),
        _E(2, "92", True, "ID"),
        _E(3, "324", True),
        _E(5, "373", True, "DT"),
    ),
    "CUR": (_E(1, "98", True, "ID"), _E(2, "100", True, "ID")),
    "REF": (_E(1, "128", True, "ID"),),
    "PER": (_E(1, "366", True, "ID"),),
    "DTM": (_E(1, "374", True, "ID"), _E(2, "373", False, "DT")),
    "ITD": (_E(3, "338", kind="R"), _E(5, "351", kind="N"), _E(7, "386", kind="N")),
    "SAC": (_E(1, "248", True, "ID"), _E(5, "610", kind="N")),
    "TXI": (_E(1, "963", True, "ID"), _E(2, "782", kind="R")),
    "N1": (_E(1, "98", True, "ID"),),
    "N3": (_E(1, "166", True),),
    "PO1": (_E(2, "330", True, "R"), _E(3, "355", True, "ID"), _E(4, "212", kind="R")),
    "CTP": (_E(3, "212", kind="R"),),
    "PID": (_E(1, "349", True, "ID"),),
    "SCH": (_E(1, "380", True, "R"), _E(2, "355", True, "ID"), _E(6, "373", kind="DT")),
    "N9": (_E(1, "128", True, "ID"),),
    "MSG": (_E(1, "933", True),),
    "NTE": (_E(2, "352", True),),
    "CTT": (_E(1, "354", True, "N"),),
    "AMT": (_E(1, "522", True, "ID"), _E(2, "782", True, "R")),
}
# PO106/PO107 .. PO124/PO125: a product id qualifier and its id come together.
_PRODUCT_ID_PAIRS = tuple((q, q + 1) for q in range(6, 25, 2))


def segment_notes(transaction_set: TransactionSet) -> list[SegmentNote]:
    """Every syntax problem of an 850, in segment order."""
    body = transaction_set.body
    notes = [*_beginning_notes(body), *_line_notes(body)]
    for position, segment in enumerate(body, start=2):
        note = _segment_note(segment, position)
        if note is not None:
            notes.append(note)
    notes.sort(key=lambda note: note.position)
    return notes


def _beginning_notes(body: tuple[Segment, ...]) -> list[SegmentNote]:
    begs = [position for position, s in enumerate(body, start=2) if s.tag == "BEG"]
    if not begs:
        return [SegmentNote("BEG", 2, "3")]
    notes = [SegmentNote("BEG", position, "5") for position in begs[1:]]
    if begs[0] != 2:
        notes.insert(0, SegmentNote("BEG", begs[0], "7"))
    return notes


def _line_notes(body: tuple[Segment, ...]) -> list[SegmentNote]:
    if any(segment.tag == "PO1" for segment in body):
        return []
    summary = next(
        (position for position, s in enumerate(body, start=2) if s.tag in _SUMMARY),
        len(body) + 2,
    )
    return [SegmentNote("PO1", summary, "3", loop_id="PO1")]


def _segment_note(segment: Segment, position: int) -> SegmentNote | None:
    if not segment.has_valid_tag:
        return SegmentNote(_printable_tag(segment.tag), position, "1")
    elements = _element_notes(segment)
    if not elements:
        return None
    return SegmentNote(segment.tag, position, "8", elements=tuple(elements))


def _element_notes(segment: Segment) -> list[ElementNote]:
    notes = []
    for rule in _ELEMENTS.get(segment.tag, ()):
        value = segment.element(rule.position)
        code = rule.error(value)
        if code is not None:
            notes.append(ElementNote(rule.position, rule.reference, code, value[:_MAX_COPY]))
    if segment.tag == "PO1":
        notes.extend(_pair_notes(segment))
    return sorted(notes, key=lambda note: note.position)


def _pair_notes(segment: Segment) -> list[ElementNote]:
    notes = []
    for qualifier, identifier in _PRODUCT_ID_PAIRS:
        has_qualifier = bool(segment.element(qualifier))
        has_identifier = bool(segment.element(identifier))
        if has_qualifier and not has_identifier:
            notes.append(ElementNote(identifier, "234", "2"))
        elif has_identifier and not has_qualifier:
            notes.append(ElementNote(qualifier, "235", "2"))
    return notes


def _is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def _printable_tag(tag: str) -> str:
    kept = re.sub(r"[^A-Z0-9]", "", tag.upper())[:3]
    return kept if len(kept) >= 2 else "UNK"
