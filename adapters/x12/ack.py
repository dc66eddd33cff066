"""The 997 functional acknowledgment of an inbound interchange.

One 997 transaction set per acknowledged functional group, in an interchange addressed
back to the sender (ISA and GS ids swapped) with the sender's own delimiters and usage
indicator. Each transaction set gets AK2, its AK3/AK4 segment notes and AK5;
each group an AK9:

- AK5: R when a problem rejects the set, E when it has only problems that do not,
  else A.
- AK9: R when a group problem rejects the group or no set is accepted; P when some
  sets are rejected; E when problems were noted but nothing rejected; else A.
  AK902 is GE01 as sent (the count received when GE01 is not a number), AK903 the
  sets received, AK904 the sets whose AK5 is A or E.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.x12.envelope import FunctionalGroup, Interchange, read_interchange
from adapters.x12.segments import Delimiters
from adapters.x12.syntax import Problem, acknowledged_groups, check, check_interchange
from adapters.x12.writer import Envelope, GroupBody, Row, TransactionSetBody, write_groups

__all__ = ["Problem", "acknowledge", "check", "reply_envelope"]

_MAX_CODES = 5  # AK502..AK506 and AK905..AK909


def acknowledge(
    raw: bytes,
    *,
    control_number: str,
    group_control_number: str,
    now: datetime,
    problems: Sequence[Problem] | None = None,
) -> bytes:
    """The 997 interchange answering `raw`; empty when it holds only 997s, which are
    never acknowledged. ParseError when the interchange cannot be read at all.

    Acknowledged groups that share their application sender and receiver (GS02, GS03)
    are answered in one FA group; groups from another application sender get their
    own FA group, numbered on from `group_control_number`. `problems` replaces the
    syntax check's findings (`adapters.x12.parse.read_orders` adds what reading the
    850s found).
    """
    interchange = read_interchange(raw)
    groups = acknowledged_groups(interchange)
    if not groups:
        return b""
    if problems is None:
        problems = check_interchange(interchange)
    envelope = reply_envelope(interchange, groups[0][1], control_number, group_control_number)
    echoable = _Echo(interchange.delimiters)
    answers: dict[tuple[str, str], list[TransactionSetBody]] = {}
    for position, group in groups:
        body = ("997", _acknowledgment(position, group, problems, echoable))
        answers.setdefault((group.receiver, group.sender), []).append(body)
    first = int(group_control_number)
    fa_groups = [
        GroupBody("FA", sender, receiver, str(first + offset), bodies)
        for offset, ((sender, receiver), bodies) in enumerate(answers.items())
    ]
    return write_groups(envelope, fa_groups, now)


def reply_envelope(
    interchange: Interchange,
    group: FunctionalGroup,
    control_number: str,
    group_control_number: str,
) -> Envelope:
    """An envelope back to the sender of `interchange`, in its delimiters and usage."""
    delimiters = interchange.delimiters
    return Envelope(
        sender_qualifier=interchange.receiver_qualifier,
        sender_id=interchange.receiver_id,
        receiver_qualifier=interchange.sender_qualifier,
        receiver_id=interchange.sender_id,
        gs_sender=group.receiver,
        gs_receiver=group.sender,
        interchange_control_number=control_number,
        group_control_number=group_control_number,
        usage=interchange.usage,
        element_sep=delimiters.element,
        component_sep=delimiters.component,
        segment_term=delimiters.segment,
        newline=bool(delimiters.line_break),
    )


def _acknowledgment(
    position: int, group: FunctionalGroup, problems: Sequence[Problem], echo: _Echo
) -> list[Row]:
    mine = [p for p in problems if p.group_position == position]
    rows: list[Row] = [("AK1", group.functional_id, group.control_number)]
    statuses = []
    for set_position, transaction_set in enumerate(group.transaction_sets, start=1):
        found = [p for p in mine if p.set_position == set_position]
        rows.append(("AK2", transaction_set.id_code, transaction_set.control_number))
        rows.extend(_segment_rows(found, echo))
        statuses.append(_status(found))
        rows.append(("AK5", statuses[-1], *_codes(found)))
    rows.append(_ak9(group, [p for p in mine if p.set_position is None], statuses))
    return rows


def _segment_rows(problems: Sequence[Problem], echo: _Echo) -> list[Row]:
    rows: list[Row] = []
    for problem in problems:
        note = problem.segment
        if note is None:
            continue
        rows.append(("AK3", note.segment_id, str(note.position), note.loop_id, note.code))
        rows.extend(
            ("AK4", str(element.position), element.reference, element.code, echo(element.value))
            for element in note.elements
        )
    return rows


class _Echo:
    """A copy of bad data (AK404) when the 997 can carry it, else nothing."""

    def __init__(self, delimiters: Delimiters) -> None:
        self.taken = {delimiters.element, delimiters.component, delimiters.segment}

    def __call__(self, value: str) -> str:
        printable = value.isascii() and value.isprintable()
        return value if printable and not self.taken.intersection(value) else ""


def _ak9(group: FunctionalGroup, problems: Sequence[Problem], statuses: list[str]) -> Row:
    received = len(statuses)
    accepted = received - statuses.count("R")
    declared = group.trailer.element(1) if group.trailer is not None else ""
    included = declared if declared.isascii() and declared.isdigit() else str(received)
    if any(p.rejects for p in problems) or (received and not accepted):
        status = "R"
    elif accepted < received:
        status = "P"
    elif problems or "E" in statuses:
        status = "E"
    else:
        status = "A"
    return ("AK9", status, included, str(received), str(accepted), *_codes(problems))


def _status(problems: Sequence[Problem]) -> str:
    if any(p.rejects for p in problems):
        return "R"
    return "E" if problems else "A"


def _codes(problems: Sequence[Problem]) -> list[str]:
    codes: list[str] = []
    for problem in problems:
        if problem.code not in codes:
            codes.append(problem.code)
    return codes[:_MAX_CODES]
