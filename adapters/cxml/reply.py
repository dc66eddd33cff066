"""The buyer's cXML Response to a document Order B2B sent."""

from __future__ import annotations

from lxml import etree

from adapters.xml import parse_xml
from core.errors import ParseError

MAX_RESPONSE_BYTES = 1024 * 1024
_CLIP = 60


def read_response(raw: bytes) -> tuple[int, str]:
    """The Status code and text of a cXML Response; the text falls back to the
    Status content when the text attribute is empty. Anything else, including a
    body too large to be a Response, raises ParseError."""
    if len(raw) > MAX_RESPONSE_BYTES:
        raise ParseError(f"cXML Response is {len(raw)} bytes, the limit is {MAX_RESPONSE_BYTES}")
    root = parse_xml(raw, max_bytes=MAX_RESPONSE_BYTES)
    if _local_name(root) != "cXML":
        raise ParseError(f"not a cXML Response: the root element is <{_clip(_local_name(root))}>")
    response = _child(root, "Response")
    if response is None:
        raise ParseError("not a cXML Response: cXML has no Response")
    status = _child(response, "Status")
    if status is None:
        raise ParseError("cXML Response has no Status")
    code = (status.get("code") or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) == 3):
        raise ParseError(f"cXML Response Status code is not a three-digit number: '{_clip(code)}'")
    text = _one_line(status.get("text") or "") or _one_line("".join(status.itertext()))
    return int(code), text


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    return next((child for child in parent if _local_name(child) == name), None)


def _local_name(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _clip(value: str) -> str:
    return value if len(value) <= _CLIP else value[: _CLIP - 1] + "…"
