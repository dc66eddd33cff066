"""cXML Response documents."""

from __future__ import annotations

import functools
import http
import os
import re
import secrets
import socket
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

DOCTYPE = '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">'

# The status codes and texts of the cXML User's Guide; 413 is HTTP's.
STATUS_TEXT: dict[int, str] = {
    200: "OK",
    201: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    417: "Expectation Failed",
    450: "Not Implemented",
    475: "Signature Required",
    476: "Signature Verification Failed",
    477: "Signature Unacceptable",
    500: "Internal Server Error",
    550: "Unable to reach cXML server",
    551: "Unable to forward request",
    560: "Temporary server error",
}

_PROLOG = f'<?xml version="1.0" encoding="UTF-8"?>\n{DOCTYPE}\n'.encode("ascii")
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_HOST_CHARS = re.compile(r"[^A-Za-z0-9.-]")


def render_response(
    code: int,
    text: str,
    *,
    payload_id: str | None = None,
    timestamp: datetime | None = None,
    message: str | None = None,
) -> bytes:
    """A cXML Response carrying one Status; an empty `text` is the standard one."""
    if not isinstance(code, int) or not 100 <= code <= 999:
        raise ValueError(f"a cXML status code has three digits, not {code!r}")
    text = text or _standard_text(code)
    payload_id = _xml_safe(payload_id) if payload_id else new_payload_id()
    head = (
        f"<cXML payloadID={_attribute(payload_id)} timestamp={_attribute(_timestamp(timestamp))}"
        f' xml:lang="en-US"><Response><Status code="{code}" text={_attribute(_xml_safe(text))}'
    )
    body = f' xml:lang="en-US">{escape(_xml_safe(message))}</Status>' if message else "/>"
    return _PROLOG + f"{head}{body}</Response></cXML>".encode()


def _standard_text(code: int) -> str:
    """The cXML text of a code, else its HTTP reason phrase."""
    if code in STATUS_TEXT:
        return STATUS_TEXT[code]
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        raise ValueError(f"no standard status text for code {code}; give one") from None


def new_payload_id() -> str:
    """A unique payloadID: <epoch ms>.<pid>.<random>@<hostname>."""
    return f"{time.time_ns() // 1_000_000}.{os.getpid()}.{secrets.token_hex(6)}@{_hostname()}"


@functools.lru_cache(maxsize=1)
def _hostname() -> str:
    return _NOT_HOST_CHARS.sub("", socket.gethostname()) or "localhost"


def _timestamp(value: datetime | None) -> str:
    """ISO 8601 with a zone; a naive datetime is taken as UTC."""
    if value is None:
        value = datetime.now(UTC).replace(microsecond=0)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _attribute(value: str) -> str:
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _xml_safe(value: str) -> str:
    return _NOT_XML_CHARS.sub("\ufffd", value)
