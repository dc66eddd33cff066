"""Structure checks of cXML documents against the DTD subset in schemas/cxml.

The DTD is chosen by the document's DOCTYPE system identifier
(http://xml.cxml.org/schemas/cXML/<version>/<name>.dtd) but always read from
the local files: nothing is fetched.
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

from lxml import etree

from adapters.xml import parse_xml
from core.errors import ParseError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "cxml"
DOCUMENT_TYPES = ("cXML.dtd", "Fulfill.dtd", "InvoiceDetail.dtd")
_MODULES_BEFORE = ("Common.mod",)
_MODULES_AFTER = ("Base.mod", "Transport.mod")
_SYSTEM_ID = re.compile(
    r"https?://xml\.cxml\.org/schemas/cxml/[0-9][0-9.]*/(?P<name>[a-z]+\.dtd)", re.IGNORECASE
)
_ERRORS_SHOWN = 3

_local = threading.local()


def validate(document: bytes) -> None:
    """Raise ParseError unless `document` is a cXML document valid against its DTD."""
    root = parse_xml(document)
    name = document_type(root)
    dtd = _dtd(name)
    if not dtd.validate(root):
        raise ParseError(f"cXML is not valid against {name}: {_describe(dtd.error_log)}")


def document_type(root: etree._Element) -> str:
    """The DTD file a parsed cXML document declares, e.g. "Fulfill.dtd"."""
    if root.tag != "cXML":
        raise ParseError(f"not a cXML document: the root element is <{str(root.tag)[:60]}>")
    system_url = root.getroottree().docinfo.system_url
    if not system_url:
        raise ParseError("cXML has no DOCTYPE naming its DTD")
    match = _SYSTEM_ID.fullmatch(system_url.strip())
    names = {name.lower(): name for name in DOCUMENT_TYPES}
    if match is None or match["name"].lower() not in names:
        raise ParseError(f"cXML DOCTYPE names an unknown DTD: '{system_url[:120]}'")
    return names[match["name"].lower()]


def _dtd(name: str) -> etree.DTD:
    """The assembled DTD for one document type; one per thread, as lxml DTDs keep state."""
    cache = getattr(_local, "dtds", None)
    if cache is None:
        cache = _local.dtds = {}
    if name not in cache:
        parts = (*_MODULES_BEFORE, name, *_MODULES_AFTER)
        text = "\n".join((SCHEMA_DIR / part).read_text("utf-8") for part in parts)
        cache[name] = etree.DTD(io.StringIO(text))
    return cache[name]


def _describe(log: etree._ListErrorLog) -> str:
    errors = [f"line {entry.line}: {entry.message}" for entry in log]
    shown = "; ".join(errors[:_ERRORS_SHOWN])
    hidden = len(errors) - _ERRORS_SHOWN
    return f"{shown} (and {hidden} more)" if hidden > 0 else shown
