"""The X12 tokenizer: the ISA declares the delimiters, everything else is split by them.

The ISA is 106 characters of fixed-width fields. The character after "ISA" is the
element separator, ISA16 (offset 104) the component separator and the character after
it (offset 105) the segment terminator. Carriage returns and line feeds that follow a
terminator are line breaks between segments, not data. In version 00402 and later
ISA11 is the repetition separator; in 00401 it is the standards identifier "U".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import DocumentTooLarge, ParseError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ISA_LENGTH = 106

# Offsets of the sixteen element separators that bound ISA01..ISA16.
_ISA_SEPARATORS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
_LEADING_NOISE = b"\xef\xbb\xbf \t\r\n"
_LINE_BREAKS = "\r\n"
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str
    component: str
    segment: str
    repetition: str | None = None
    line_break: str = ""  # what followed the ISA's terminator: "", "\n" or "\r\n"


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its tag, its elements (XX01 is `elements[0]`) and its place."""

    tag: str
    elements: tuple[str, ...]
    position: int  # ordinal in the interchange; the ISA is 1

    def element(self, number: int) -> str:
        """Element XXnn by its number (1-based), "" when absent."""
        if 1 <= number <= len(self.elements):
            return self.elements[number - 1]
        return ""

    @property
    def has_valid_tag(self) -> bool:
        return _TAG.fullmatch(self.tag) is not None


def tokenize(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Delimiters, list[Segment]]:
    """Split an interchange into segments; the first is the ISA."""
    if len(raw) > max_bytes:
        raise DocumentTooLarge(f"X12 interchange of {len(raw)} bytes exceeds {max_bytes}")
    data = raw.lstrip(_LEADING_NOISE)
    delimiters = read_delimiters(data)
    text = _decode(data)
    segments = []
    for piece in text.split(delimiters.segment):
        piece = piece.strip(_LINE_BREAKS)
        if not piece.strip():
            continue
        tag, *elements = piece.split(delimiters.element)
        segments.append(Segment(tag.strip(), tuple(elements), len(segments) + 1))
    return delimiters, segments


def read_delimiters(data: bytes) -> Delimiters:
    """The delimiters an ISA declares, or a ParseError saying why it cannot be read."""
    if not data.startswith(b"ISA"):
        raise ParseError(f"not an X12 interchange: it starts with {data[:3]!r}, not ISA")
    if len(data) < ISA_LENGTH:
        raise ParseError(f"ISA is truncated: {len(data)} bytes where the ISA alone needs 106")
    header = data[:ISA_LENGTH]
    if not header.isascii():
        raise ParseError("ISA holds non-ASCII bytes")
    isa = header.decode("ascii")
    element, component, segment = isa[3], isa[104], isa[105]
    for offset in _ISA_SEPARATORS:
        if isa[offset] != element:
            raise ParseError(
                f"ISA fields are not fixed-width: element separator {element!r} expected at "
                f"offset {offset}, found {isa[offset]!r}"
            )
    if isa.count(element) != len(_ISA_SEPARATORS):
        raise ParseError(f"ISA has an element separator {element!r} inside a field")
    if segment in isa[:104]:
        raise ParseError(f"ISA has its segment terminator {segment!r} inside a field")
    _check_delimiters(element, component, segment)
    return Delimiters(
        element=element,
        component=component,
        segment=segment,
        repetition=_repetition_separator(isa[82], isa[84:89], (element, component, segment)),
        line_break=_line_break(data[ISA_LENGTH : ISA_LENGTH + 2]),
    )


def _check_delimiters(element: str, component: str, segment: str) -> None:
    if len({element, component, segment}) != 3:
        raise ParseError(
            f"ISA delimiters are not distinct: element {element!r}, component {component!r},"
            f" segment {segment!r}"
        )
    for name, char in (("element", element), ("component", component)):
        if char.isalnum() or char in " \r\n":
            raise ParseError(f"ISA {name} separator {char!r} cannot be a delimiter")
    if segment.isalnum() or segment == " ":
        raise ParseError(f"ISA segment terminator {segment!r} cannot be a delimiter")


def _repetition_separator(isa11: str, version: str, taken: tuple[str, ...]) -> str | None:
    if version < "00402" or isa11.isalnum() or isa11 in taken:
        return None
    return isa11


def _line_break(after_terminator: bytes) -> str:
    if after_terminator.startswith(b"\r\n"):
        return "\r\n"
    if after_terminator[:1] in (b"\n", b"\r"):
        return after_terminator[:1].decode("ascii")
    return ""


def _decode(data: bytes) -> str:
    """UTF-8 when the bytes are UTF-8, else Latin-1 (every byte is a character)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
