"""Inbound documents: every byte a partner sends us, kept as received."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

RECEIVED, PROCESSED, DUPLICATE, FAILED, REJECTED = (
    "received",
    "processed",
    "duplicate",
    "failed",
    "rejected",
)


class Settles:
    """The end of a document's processing: its state, and the error if it failed."""

    def settle(self, state: str, error: str | None = None) -> None:
        self.state = state
        self.error = error
        self.processed_at = datetime.now(UTC)


class ReceivedDocument(Settles):
    """A kept document as the normaliser reads it: its bytes and where it stands."""

    __slots__ = ("channel", "error", "id", "partner", "processed_at", "raw", "state")

    def __init__(self, id: int, channel: str, partner: str | None, raw: bytes, state: str):
        self.id = id
        self.channel = channel
        self.partner = partner
        self.raw = raw
        self.state = state
        self.error = None
        self.processed_at = None


class InboundDocument(Settles):
    id: int | None

    def __init__(
        self,
        channel: str,
        partner: str | None,
        raw: bytes,
        *,
        content_type: str | None = None,
        remote_addr: str | None = None,
        state: str = RECEIVED,
        error: str | None = None,
    ) -> None:
        self.channel = channel
        self.partner = partner
        self.raw = raw
        self.size = len(raw)
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.content_type = content_type
        self.remote_addr = remote_addr
        self.received_at = datetime.now(UTC)
        self.state = state
        self.error = error
        self.processed_at = None
