"""Which document an inbound reply belongs to, and by which rule."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mail.message import InboundMessage
from mail.reply_tokens import read_reply_address

# Document numbers as the core writes them (core/model/*.format_number); the invoice
# series is a setting, INV by default.
SUBJECT_PATTERNS: dict[str, str] = {
    "rfq": r"RFQ\d{6}",
    "quote": r"Q\d{6}",
    "order": r"SO\d{7}",
    "purchase_order": r"PO\d{7}",
    "invoice": r"INV\d{7}",
    "shipment": r"SH\d{7}",
    "rma": r"RMA\d{6}",
    "task": r"TASK\d{6}",
    "discussion": r"DISC\d{6}",
}

KnownMessageIds = Callable[[list[str]], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Match:
    kind: str
    number: str
    rule: str  # "reply_token", "message_id" or "subject"
    evidence: str  # the address, Message-ID or subject that matched


def match_document(
    message: InboundMessage,
    *,
    known_message_ids: KnownMessageIds,
    key: bytes,
    patterns: dict[str, str] | None = None,
) -> Match | None:
    """The document a reply belongs to, by the first rule that finds one:

    1. reply_token: a valid reply address of ours in To, Cc or Delivered-To (a
       tampered token is ignored);
    2. message_id: In-Reply-To, then References newest first, passed (without angle
       brackets) to `known_message_ids`, which returns (kind, number) for one we sent;
    3. subject: the first document number in the subject (SUBJECT_PATTERNS, or
       `patterns`), which survives mail systems that rewrite Message-IDs."""
    return (
        _by_token(message, key)
        or _by_message_id(message, known_message_ids)
        or _by_subject(message.subject, patterns or SUBJECT_PATTERNS)
    )


def _by_token(message: InboundMessage, key: bytes) -> Match | None:
    for address in (*message.to, *message.cc, *message.delivered_to):
        found = read_reply_address(address, key)
        if found:
            return Match(found[0], found[1], "reply_token", address)
    return None


def _by_message_id(message: InboundMessage, known: KnownMessageIds) -> Match | None:
    ids = [message.in_reply_to] if message.in_reply_to else []
    ids += [i for i in reversed(message.references) if i not in ids]
    if not ids:
        return None
    found = known(ids)
    if not found:
        return None
    return Match(found[0], found[1], "message_id", ", ".join(ids))


def _by_subject(subject: str, patterns: dict[str, str]) -> Match | None:
    alternatives = "|".join(f"(?P<{kind}>{pattern})" for kind, pattern in patterns.items())
    found = re.search(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", subject, re.I)
    if found is None or found.lastgroup is None:
        return None
    return Match(found.lastgroup, found.group().upper(), "subject", subject)
