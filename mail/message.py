"""What an inbound email says, once read: the shapes the rest of mail/ works with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.errors import DocumentError


class MessageRefused(DocumentError):
    """An inbound message we do not read (too large, too many parts, nested too deep,
    empty). The caller keeps the raw bytes; `reason` says why in one line."""

    def __init__(self, reason: str, *, code: int = 413) -> None:
        super().__init__(reason, code=code)
        self.reason = reason


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes
    sha256: str
    inline: bool = False


@dataclass(frozen=True)
class DeliveryReport:
    """What a bounce says about the message it returns (RFC 3464)."""

    original_message_id: str | None
    failed_recipients: tuple[str, ...]
    status: str | None = None
    diagnostic: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]
    reply_to: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    html: str | None
    new_text: str
    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]
    content_type: str = "text/plain"
    report: DeliveryReport | None = None
    notes: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        """The first kept header of this name (case-insensitive), decoded."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def header_all(self, name: str) -> tuple[str, ...]:
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key.lower() == wanted)

    @property
    def from_domain(self) -> str | None:
        if not self.from_address or "@" not in self.from_address:
            return None
        return self.from_address.rsplit("@", 1)[1].lower()
