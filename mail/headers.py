"""Header values read without trusting them: RFC 2047 encoded-words decoded one by one
(a broken word stays as written), unknown charsets read as latin-1, addresses and
Message-IDs pulled out of whatever is there."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from email.utils import getaddresses

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)")
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,500})>")


def known_charset(name: str | None) -> str | None:
    """The codec's name for a declared charset, or None when Python does not know it."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip('"').split("*", 1)[0]).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None, notes: list[str] | None = None) -> str:
    """Text from bytes in a declared charset: unknown charsets are tried as UTF-8 then
    read as latin-1; bytes invalid in a known charset become U+FFFD."""
    codec = known_charset(charset)
    if codec is None:
        if charset and notes is not None:
            notes.append(f"unknown charset {charset!r}: read as utf-8 or latin-1")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return data.decode(codec, errors="replace")


def unfold(raw: str) -> str:
    """A raw header value unfolded, with 8-bit bytes read as UTF-8 (else latin-1)."""
    value = re.sub(r"\r?\n(?=[ \t])", "", raw).replace("\r", "").replace("\n", "")
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.strip()
    return decode_bytes(data, "utf-8" if _is_utf8(data) else "latin-1").strip()


def decode_words(value: str, notes: list[str] | None = None) -> str:
    """RFC 2047 encoded-words decoded; an invalid word is kept as it was written."""
    joined = _BETWEEN_WORDS.sub(r"\1", value)
    return _ENCODED_WORD.sub(lambda match: _decode_word(match, notes), joined)


def addresses(values: list[str], notes: list[str] | None = None) -> list[tuple[str, str]]:
    """(decoded display name, address) pairs from raw address header values."""
    found = []
    for name, address in getaddresses(values):
        address = address.strip()
        if "@" in address:
            found.append((decode_words(name, notes).strip(), address))
    return found


def message_ids(value: str | None) -> list[str]:
    """Message-IDs named in a header, without angle brackets, in order."""
    if not value:
        return []
    found = _MESSAGE_ID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return found


def _decode_word(match: re.Match[str], notes: list[str] | None) -> str:
    charset, encoding, text = match.group(1), match.group(2).lower(), match.group(3)
    try:
        if encoding == "b":
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        else:
            data = binascii.a2b_qp(text.encode("ascii"), header=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        if notes is not None:
            notes.append(f"invalid encoded-word kept as written: {match.group(0)[:80]}")
        return match.group(0)
    return decode_bytes(data, charset, notes)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
