"""Attachments: files kept for a document (an uploaded invoice; later the files of
emails and discussions), each written once with its digest and never deleted."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from core.errors import OrderB2BError

MAX_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/]")


class AttachmentRefused(OrderB2BError):
    """A file that cannot be kept as given; nothing was changed."""


class AttachmentTooLarge(AttachmentRefused):
    pass


@dataclass(frozen=True)
class Attachment:
    owner_kind: str
    owner_id: int
    filename: str
    content_type: str
    content: bytes
    created_by: str
    created_at: datetime
    id: int | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def pdf_attachment(
    owner_kind: str, owner_id: int, filename: str | None, content: bytes, created_by: str
) -> Attachment:
    """A PDF to keep: refused when empty, over MAX_BYTES or not a PDF."""
    if not content:
        raise AttachmentRefused("the file is empty")
    if len(content) > MAX_BYTES:
        raise AttachmentTooLarge(
            f"the file is {len(content)} bytes; at most {MAX_BYTES} bytes"
            f" ({MAX_BYTES // (1024 * 1024)} MiB) are taken"
        )
    if not content.startswith(b"%PDF-"):
        raise AttachmentRefused("the file is not a PDF (it does not start with %PDF-)")
    name = safe_filename(filename or "document.pdf")
    return Attachment(owner_kind, owner_id, name, PDF, content, created_by, datetime.now(UTC))


def safe_filename(name: str) -> str:
    """The last part of a path, without control characters or quotes, at most 255
    characters; it is sent back in a Content-Disposition header."""
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base).strip() or "document"
    return cleaned[-255:]
