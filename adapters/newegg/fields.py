"""Reading Newegg's flat elements: text, numbers and codes, with errors that say where."""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from core.errors import ParseError

_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")
_INTEGER = re.compile(r"[0-9]{1,18}")


def child(element: etree._Element | None, tag: str) -> etree._Element | None:
    """The first child element `tag`, or None."""
    if element is not None:
        for found in element:
            if found.tag == tag:
                return found
    return None


def child_text(element: etree._Element | None, tag: str) -> str | None:
    """The text of the first child `tag` (CDATA included), whitespace collapsed, or None
    if it is absent or empty (Newegg sends `<ShipToAddress2 />` for "none")."""
    found = child(element, tag)
    if found is None:
        return None
    return " ".join("".join(found.itertext()).split()) or None


def decimal(value: str | None, where: str) -> Decimal | None:
    """A plain decimal number (no exponent, NaN or thousands separators), or None."""
    if value is None:
        return None
    if not _NUMBER.fullmatch(value):
        raise ParseError(f"{where} is not a number: '{clip(value)}'")
    return Decimal(value)


def integer(value: str | None, where: str) -> int | None:
    """A non-negative whole number written in ASCII digits, or None."""
    if value is None:
        return None
    if not _INTEGER.fullmatch(value):
        raise ParseError(f"{where} is not a whole number: '{clip(value)}'")
    return int(value)


def flag(value: str | None, where: str) -> bool | None:
    """Newegg's "true"/"false" (any case), or None."""
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ParseError(f"{where} is not true or false: '{clip(value)}'")
    return lowered == "true"


def clip(value: str, limit: int = 40) -> str:
    """A value short enough to quote in a one-line error message."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."
