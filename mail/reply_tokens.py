"""Reply addresses that name the document a reply belongs to: `local+code-NUMBER-mac@domain`,
the MAC a truncated HMAC-SHA256 of the kind and number under the hub's key. Read
case-insensitively, since some mail systems lower-case addresses."""

from __future__ import annotations

import hashlib
import hmac
import re

KIND_CODES = {
    "quote": "q",
    "order": "so",
    "purchase_order": "po",
    "invoice": "inv",
    "shipment": "sh",
    "rfq": "rfq",
    "rma": "rma",
    "task": "tsk",
    "discussion": "dsc",
}
_KINDS = {code: kind for kind, code in KIND_CODES.items()}
MAC_LENGTH = 20  # hex digits: 80 bits
_TOKEN = re.compile(rf"\+([a-z]+)-([a-z0-9]{{1,40}})-([0-9a-f]{{{MAC_LENGTH}}})$")


def make_reply_address(local: str, domain: str, kind: str, number: str, key: bytes) -> str:
    """The address to put in Reply-To for a message about document `number` of `kind`."""
    if kind not in KIND_CODES:
        raise ValueError(f"no reply address for kind {kind!r}; one of {', '.join(KIND_CODES)}")
    if not re.fullmatch(r"[A-Za-z0-9]{1,40}", number):
        raise ValueError(f"document number {number!r} must be letters and digits")
    code = KIND_CODES[kind]
    return f"{local}+{code}-{number}-{_mac(code, number, key)}@{domain}"


def read_reply_address(address: str, key: bytes) -> tuple[str, str] | None:
    """(kind, number) named by one of our reply addresses; None when the address has
    no token or its MAC does not match (tampered or another key)."""
    local = address.strip().strip("<>").rsplit("@", 1)[0].lower()
    match = _TOKEN.search(local)
    if match is None or match.group(1) not in _KINDS:
        return None
    code, number, mac = match.groups()
    if not hmac.compare_digest(mac, _mac(code, number, key)):
        return None
    return _KINDS[code], number.upper()


def _mac(code: str, number: str, key: bytes) -> str:
    message = f"{code}:{number}".lower().encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:MAC_LENGTH]
