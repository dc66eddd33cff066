"""What a 997 reports: the syntax problems of each functional group and transaction set.

`check` lists them so the edge can decide to refuse an interchange before it
acknowledges it. Interchange-level problems (what a TA1 would report) are not listed:
`read_interchange` raises ParseError for them.

Severity: a problem rejects its set or group unless noted otherwise. A GE01 count
that disagrees with the sets received is accepted with errors (AK9 "E", code 5):
each set is bracketed by matching ST/SE control numbers, and AK903 tells the sender
how many arrived. Groups of 997s (GS01 "FA") are never acknowledged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from adapters.x12 import layout850
from adapters.x12.envelope import FunctionalGroup, Interchange, TransactionSet, read_interchange
from adapters.x12.layout850 import SegmentNote

# Functional groups and the transaction sets this channel takes in.
# Purchase orders from buyers; ship notices and PO acknowledgments from suppliers.
SUPPORTED: dict[str, frozenset[str]] = {
    "PO": frozenset({"850"}),
    "SH": frozenset({"856"}),
    "PR": frozenset({"855"}),
}
SUPPORTED_VERSION = "004010"
ACKNOWLEDGMENT_GROUP = "FA"

_SET_ID = re.compile(r"[0-9]{3}")
_SET_CONTROL = re.compile(r"[A-Za-z0-9]{4,9}")
_GROUP_CONTROL = re.compile(r"[0-9]{1,9}")
_SEGMENT_ERRORS = {
    "1": "unrecognized segment id",
    "3": "mandatory segment missing",
    "5": "segment exceeds maximum use",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
}
_ELEMENT_ERRORS = {
    "1": "mandatory element missing",
    "2": "conditional element missing",
    "6": "invalid character",
    "7": "invalid code value",
    "8": "invalid date",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a functional group or a transaction set.

    `code` is the AK905 code of a group problem or the AK502 code of a set problem;
    `segment` carries the AK3/AK4 detail of a segment in error (code "5").
    """

    group_position: int  # 1-based place of the group in the interchange
    group_control_number: str
    set_position: int | None  # 1-based place of the set in its group; None for the group
    set_control_number: str | None
    code: str
    message: str
    rejects: bool = True
    segment: SegmentNote | None = None

    @property
    def level(self) -> str:
        return "group" if self.set_position is None else "set"


def check(raw: bytes) -> list[Problem]:
    """Every group and set problem of an interchange; ParseError if it is unusable."""
    return check_interchange(read_interchange(raw))


def check_interchange(interchange: Interchange) -> list[Problem]:
    problems: list[Problem] = []
    for position, group in acknowledged_groups(interchange):
        problems.extend(_group_problems(position, group))
        seen: set[str] = set()
        for set_position, transaction_set in enumerate(group.transaction_sets, start=1):
            where = _SetPlace(position, group, set_position, transaction_set)
            problems.extend(_set_problems(where, seen))
    return problems


def acknowledged_groups(interchange: Interchange) -> list[tuple[int, FunctionalGroup]]:
    """The groups a 997 answers, with their place: all but groups of 997s."""
    return [
        (position, group)
        for position, group in enumerate(interchange.groups, start=1)
        if group.functional_id != ACKNOWLEDGMENT_GROUP
    ]


def _group_problems(position: int, group: FunctionalGroup) -> Iterator[Problem]:
    def problem(code: str, message: str, *, rejects: bool = True) -> Problem:
        where = f"group {group.control_number} (GS at segment {group.header.position})"
        return Problem(
            position, group.control_number, None, None, code, f"{where}: {message}", rejects
        )

    if group.functional_id not in SUPPORTED:
        yield problem("1", f"functional group '{group.functional_id}' is not supported")
    if not group.version.startswith(SUPPORTED_VERSION):
        yield problem("2", f"version '{group.version}' is not supported, only 004010")
    if not _GROUP_CONTROL.fullmatch(group.control_number):
        yield problem("6", f"GS06 '{group.control_number}' is not a number of 1 to 9 digits")
    trailer = group.trailer
    if trailer is None:
        yield problem("3", "GE trailer is missing")
        return
    if trailer.element(2) != group.control_number:
        yield problem("4", f"GE02 '{trailer.element(2)}' does not match GS06")
    count = trailer.element(1)
    if not _counts(count, len(group.transaction_sets)):
        yield problem(
            "5",
            f"GE01 says {count or 'nothing'} transaction sets, the group has"
            f" {len(group.transaction_sets)}",
            rejects=False,
        )


@dataclass(frozen=True, slots=True)
class _SetPlace:
    group_position: int
    group: FunctionalGroup
    position: int
    transaction_set: TransactionSet

    def problem(self, code: str, message: str, segment: SegmentNote | None = None) -> Problem:
        ts = self.transaction_set
        where = f"{ts.id_code} {ts.control_number} (ST at segment {ts.segments[0].position})"
        return Problem(
            self.group_position,
            self.group.control_number,
            self.position,
            ts.control_number,
            code,
            f"{where}: {message}",
            True,
            segment,
        )


def _set_problems(where: _SetPlace, seen: set[str]) -> Iterator[Problem]:
    ts = where.transaction_set
    if not _SET_ID.fullmatch(ts.id_code):
        yield where.problem("6", f"ST01 '{ts.id_code}' is not a transaction set identifier")
        return
    if not _SET_CONTROL.fullmatch(ts.control_number):
        yield where.problem("7", "ST02 control number is not 4 to 9 letters or digits")
    elif ts.control_number in seen:
        yield where.problem("23", "ST02 control number is not unique within the group")
    seen.add(ts.control_number)
    supported = ts.id_code in SUPPORTED.get(where.group.functional_id, ())
    if not supported:
        group_id = where.group.functional_id
        yield where.problem("1", f"transaction set {ts.id_code} is not supported in {group_id}")
    yield from _trailer_problems(where)
    if supported and ts.id_code == "850":
        for note in layout850.segment_notes(ts):
            yield where.problem("5", _describe(note), note)


def _trailer_problems(where: _SetPlace) -> Iterator[Problem]:
    ts = where.transaction_set
    if ts.trailer is None:
        yield where.problem("2", "SE trailer is missing")
        return
    if ts.trailer.element(2) != ts.control_number:
        yield where.problem("3", f"SE02 '{ts.trailer.element(2)}' does not match ST02")
    count = ts.trailer.element(1)
    if not _counts(count, len(ts.segments)):
        yield where.problem(
            "4", f"SE01 says {count or 'nothing'} segments, the set has {len(ts.segments)}"
        )


def _counts(value: str, actual: int) -> bool:
    return value.isascii() and value.isdigit() and int(value) == actual


def _describe(note: SegmentNote) -> str:
    where = f"segment {note.position} {note.segment_id}"
    if not note.elements:
        return f"{where}: {_SEGMENT_ERRORS.get(note.code, 'error ' + note.code)}"
    details = ", ".join(
        f"{note.segment_id}{element.position:02d} "
        f"{_ELEMENT_ERRORS.get(element.code, 'error ' + element.code)}"
        + (f" '{element.value}'" if element.value else "")
        for element in note.elements
    )
    return f"{where}: {details}"
