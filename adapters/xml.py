"""The one hardened XML parser of the product.

Every inbound XML document goes through `parse_xml`. It never resolves
entities, never loads a DTD, never touches the network or the file system,
and refuses documents that declare an internal DTD subset.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

from core.errors import DocumentTooLarge, HostileDocument, ParseError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_UTF8_BOM = b"\xef\xbb\xbf"
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_WHITESPACE = b" \t\r\n"
_SPACES = re.compile(rb"[ \t\r\n]*")
_DOCTYPE_TOKEN = re.compile(rb"[\"'\[>]")
_ENCODING = re.compile(rb"""^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ALLOWED_ENCODINGS = frozenset(
    {
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
        "iso-8859-1",
        "iso_8859-1",
        "iso8859-1",
        "latin1",
        "latin-1",
        "iso-8859-15",
        "windows-1252",
        "cp1252",
    }
)
_ENTITY_ERRORS = frozenset(
    {
        "ERR_UNDECLARED_ENTITY",
        "WAR_UNDECLARED_ENTITY",
        "ERR_ENTITY_LOOP",
        "ERR_ENTITY_PE_INTERNAL",
        "ERR_ENTITY_IS_EXTERNAL",
        "ERR_ENTITY_IS_PARAMETER",
    }
)

_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: lxml parsers must not be shared across threads."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            huge_tree=False,
            remove_comments=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes and return the root element."""
    if type(data) is not bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("parse_xml takes bytes")
        data = bytes(data)
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"document is {len(data)} bytes, the limit is {max_bytes}")
    has_doctype = _check_prolog(data)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        _refuse_entities(parser)
        raise ParseError(f"not well-formed XML: {_one_line(exc.msg or exc)}") from None
    if root is None:
        raise ParseError("not well-formed XML: no root element")
    _check_entities(parser, root, has_doctype)
    return root


def text(el: etree._Element | None, path: str, namespaces: dict | None = None) -> str | None:
    """Stripped text of the first element at `path` under `el`, or None."""
    if el is None:
        return None
    found = el.find(path, namespaces)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _check_prolog(data: bytes) -> bool:
    """Refuse what the parser must never see; return whether a DOCTYPE is present."""
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    if data.startswith(_WIDE_BOMS):
        raise ParseError("unsupported encoding: only UTF-8 and single-byte encodings are accepted")
    body = data[start:]
    stripped = body.lstrip(_WHITESPACE)
    if not stripped:
        raise ParseError("empty document")
    if not stripped.startswith(b"<") or b"\x00" in body[:64]:
        raise ParseError("not XML: the document does not start with '<'")
    _check_declared_encoding(body)
    return _scan_prolog(body)


def _check_declared_encoding(body: bytes) -> None:
    match = _ENCODING.match(body)
    if match is None:
        return
    name = match.group(1).decode("ascii").lower()
    if name not in _ALLOWED_ENCODINGS:
        raise ParseError(f"unsupported encoding '{name}'")


def _scan_prolog(body: bytes) -> bool:
    """Walk the prolog up to the root element; refuse internal DTD subsets."""
    pos, has_doctype = 0, False
    end = len(body)
    while pos < end:
        pos = _SPACES.match(body, pos).end()
        if body.startswith(b"<?", pos):
            pos = _skip_past(body, b"?>", pos)
        elif body.startswith(b"<!--", pos):
            pos = _skip_past(body, b"-->", pos + 4)
        elif body.startswith(b"<!DOCTYPE", pos):
            pos = _scan_doctype(body, pos + 9)
            has_doctype = True
        elif body.startswith(b"<!", pos):
            raise HostileDocument("markup declarations outside a DOCTYPE are refused")
        else:
            return has_doctype
    return has_doctype


def _skip_past(body: bytes, marker: bytes, pos: int) -> int:
    found = body.find(marker, pos)
    if found < 0:
        raise ParseError("not well-formed XML: unterminated prolog construct")
    return found + len(marker)


def _scan_doctype(body: bytes, pos: int) -> int:
    """Return the offset after the DOCTYPE; refuse any internal subset."""
    while True:
        match = _DOCTYPE_TOKEN.search(body, pos)
        if match is None:
            raise ParseError("not well-formed XML: unterminated DOCTYPE")
        token = match.group()
        if token == b">":
            return match.end()
        if token == b"[":
            raise HostileDocument("DOCTYPE with an internal subset is refused")
        pos = _skip_past(body, token, match.end())


def _check_entities(parser: etree.XMLParser, root: etree._Element, has_doctype: bool) -> None:
    """Refuse entity references other than the predefined and character ones."""
    _refuse_entities(parser)
    if not has_doctype:
        return
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (any(True for _ in dtd.iterentities()) or dtd.elements()):
        raise HostileDocument("DOCTYPE with an internal subset is refused")
    for entity in root.iter(etree.Entity):
        raise HostileDocument(f"entity reference {entity.text} is refused")


def _refuse_entities(parser: etree.XMLParser) -> None:
    for entry in parser.error_log:
        if entry.type_name in _ENTITY_ERRORS:
            raise HostileDocument(f"entity references are refused: {_one_line(entry.message)}")


def _one_line(message: object) -> str:
    return " ".join(str(message).split()) or "unknown error"
