"""Reading one inbound email into an InboundMessage, within limits: nothing in it is run,
an unknown charset never raises, and a message over the limits is refused whole."""

from __future__ import annotations

import binascii
import hashlib
import mimetypes
import re
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import parsedate_to_datetime

from mail.headers import addresses, decode_bytes, decode_words, message_ids, unfold
from mail.html_text import html_to_text
from mail.message import Attachment, DeliveryReport, InboundMessage, MessageRefused
from mail.reply_text import split_reply

MAX_BYTES = 25 * 1024 * 1024
MAX_PARTS = 200
MAX_DEPTH = 10
KEPT_HEADERS = frozenset(
    h.lower()
    for h in (
        "Message-ID",
        "In-Reply-To",
        "References",
        "From",
        "Sender",
        "To",
        "Cc",
        "Reply-To",
        "Delivered-To",
        "X-Original-To",
        "Subject",
        "Date",
        "Auto-Submitted",
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
        "Precedence",
        "List-Id",
        "List-Unsubscribe",
        "Return-Path",
        "X-Loop",
        "Authentication-Results",
        "Received-SPF",
        "X-Failed-Recipients",
        "Content-Type",
    )
)
_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^";\r\n]{1,200})', re.IGNORECASE)
_REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def read_message(
    raw: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_parts: int = MAX_PARTS,
    max_depth: int = MAX_DEPTH,
) -> InboundMessage:
    """Read raw RFC 5322 bytes. Raises MessageRefused (413 over the size or part count,
    400 nested too deep or empty); the caller has kept the raw bytes."""
    if len(raw) > max_bytes:
        raise MessageRefused(f"message of {len(raw)} bytes is over the {max_bytes} limit")
    if not raw.strip():
        raise MessageRefused("empty message", code=400)
    _count_delimiters(raw, max_parts)
    notes: list[str] = []
    reader = _PartReader(max_bytes, notes)
    try:
        root = BytesParser().parsebytes(raw)
        reader.walk(root, max_parts, max_depth)
    except RecursionError:
        raise MessageRefused(f"MIME parts nested deeper than {max_depth}", code=400) from None
    return _message(root, reader, notes)


def _count_delimiters(raw: bytes, max_parts: int) -> None:
    """Refuses a message with too many parts before the parser builds them all."""
    boundaries = {b.strip() for b in _BOUNDARY.findall(raw) if b.strip()}
    if len(boundaries) > max_parts:
        raise MessageRefused(f"message has more than {max_parts} MIME parts")
    if not boundaries:
        return
    names = b"|".join(re.escape(b) for b in sorted(boundaries, key=len, reverse=True))
    opening = re.compile(rb"^--(?:" + names + rb")[ \t]*\r?$", re.MULTILINE)
    if sum(1 for _ in opening.finditer(raw)) > max_parts:
        raise MessageRefused(f"message has more than {max_parts} MIME parts")


class _PartReader:
    def __init__(self, max_bytes: int, notes: list[str]) -> None:
        self.budget = max_bytes
        self.notes = notes
        self.plain: list[str] = []
        self.html: str | None = None
        self.attachments: list[Attachment] = []
        self.report: DeliveryReport | None = None
        self.original_headers: Message | None = None

    def walk(self, root: Message, max_parts: int, max_depth: int) -> None:
        stack: list[tuple[Message, int, bool]] = [(root, 0, False)]
        count = 0
        while stack:
            part, depth, attached = stack.pop()
            count += 1
            if count > max_parts:
                raise MessageRefused(f"message has more than {max_parts} MIME parts")
            if depth > max_depth:
                raise MessageRefused(f"MIME parts nested deeper than {max_depth}", code=400)
            content_type = part.get_content_type()
            if content_type in _REPORT_TYPES:
                self.report = _delivery_status(part)
            elif part.is_multipart() and not content_type.startswith("message/"):
                children = [(sub, depth + 1, attached) for sub in _subparts(part)]
                stack.extend(reversed(children))
            elif content_type.startswith("message/"):
                self._keep_message(part, content_type)
                stack.extend((sub, depth + 1, True) for sub in _subparts(part))
            elif not attached:
                self._leaf(part, content_type)

    def _leaf(self, part: Message, content_type: str) -> None:
        data = self._payload(part)
        disposition = (part.get_content_disposition() or "").lower()
        name = part.get_filename()
        if part.get_content_maintype() == "text" and disposition != "attachment" and not name:
            text = decode_bytes(data, part.get_content_charset(), self.notes)
            if content_type == "text/plain":
                self.plain.append(text)
                return
            if content_type == "text/html" and self.html is None:
                self.html = text
                return
            if content_type == "text/rfc822-headers":
                self.original_headers = HeaderParser().parsestr(text)
        self._attach(data, content_type, name, inline=disposition == "inline")

    def _keep_message(self, part: Message, content_type: str) -> None:
        data = b"".join(_render(sub) for sub in _subparts(part))
        if (part.get("Content-Transfer-Encoding") or "").strip().lower() == "base64":
            # kept decoded, never parsed again: no expansion through nested encodings
            data = _unbase64(data)
        self._spend(len(data))
        if content_type == "message/rfc822" and _subparts(part):
            self.original_headers = self.original_headers or _subparts(part)[0]
        self._attach(data, content_type, part.get_filename() or "message.eml", inline=False)

    def _attach(self, data: bytes, content_type: str, name: str | None, *, inline: bool) -> None:
        index = len(self.attachments) + 1
        self.attachments.append(
            Attachment(
                name=_safe_name(decode_words(name or "", self.notes), index, content_type),
                content_type=content_type,
                content=data,
                sha256=hashlib.sha256(data).hexdigest(),
                inline=inline,
            )
        )

    def _payload(self, part: Message) -> bytes:
        try:
            data = part.get_payload(decode=True) or b""
        except (ValueError, TypeError, LookupError):
            data = str(part.get_payload()).encode("utf-8", "surrogateescape")
            self.notes.append(f"{part.get_content_type()} part kept undecoded")
        self._spend(len(data))
        return data

    def _spend(self, size: int) -> None:
        self.budget -= size
        if self.budget < 0:
            raise MessageRefused("decoded parts are larger than the message limit")


def _message(root: Message, reader: _PartReader, notes: list[str]) -> InboundMessage:
    raw_headers = [(name, unfold(str(value))) for name, value in root.raw_items()]
    values = _Values(raw_headers)
    sender = addresses(values.all("From"), notes)
    if len(sender) > 1:
        notes.append(f"From names {len(sender)} addresses; the first is used")
    text = "\n".join(reader.plain).strip()
    if not text and reader.html is not None:
        text = html_to_text(reader.html)
    report = reader.report
    if report is not None and report.original_message_id is None and reader.original_headers:
        ids = message_ids(reader.original_headers.get("Message-ID"))
        report = DeliveryReport(ids[0] if ids else None, *_tail(report))
    return InboundMessage(
        message_id=_first(message_ids(values.first("Message-ID"))),
        in_reply_to=_first(message_ids(values.first("In-Reply-To"))),
        references=tuple(message_ids(" ".join(values.all("References")))),
        from_address=sender[0][1] if sender else None,
        from_name=(sender[0][0] or None) if sender else None,
        to=_addresses(values.all("To")),
        cc=_addresses(values.all("Cc")),
        delivered_to=_addresses(values.all("Delivered-To") + values.all("X-Original-To")),
        reply_to=_addresses(values.all("Reply-To")),
        subject=decode_words(values.first("Subject") or "", notes).strip(),
        date=_date(values.first("Date"), notes),
        text=text,
        html=reader.html,
        new_text=split_reply(text),
        attachments=tuple(reader.attachments),
        headers=tuple(
            (name, decode_words(value) if name.lower() == "subject" else value)
            for name, value in raw_headers
            if name.lower() in KEPT_HEADERS
        ),
        content_type=root.get_content_type(),
        report=report,
        notes=tuple(dict.fromkeys(notes)),
    )


class _Values:
    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.headers = headers

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def first(self, name: str) -> str | None:
        found = self.all(name)
        return found[0] if found else None


def _delivery_status(part: Message) -> DeliveryReport:
    blocks = _subparts(part)
    failed, status, diagnostic = [], None, None
    for block in blocks[1:]:
        action = (block.get("Action") or "").strip().lower()
        recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
        if action in ("failed", "delayed") or not action:
            address = recipient.split(";", 1)[-1].strip()
            if address:
                failed.append(address)
            status = status or (block.get("Status") or "").strip() or None
            diagnostic = (
                diagnostic or " ".join((block.get("Diagnostic-Code") or "").split()) or None
            )
    return DeliveryReport(None, tuple(failed), status, diagnostic)


def _tail(report: DeliveryReport) -> tuple[tuple[str, ...], str | None, str | None]:
    return report.failed_recipients, report.status, report.diagnostic


def _subparts(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [sub for sub in payload if isinstance(sub, Message)] if isinstance(payload, list) else []


def _render(message: Message) -> bytes:
    try:
        return message.as_bytes()
    except (ValueError, TypeError, LookupError, UnicodeError):
        return str(message).encode("utf-8", "replace")


def _addresses(values: list[str]) -> tuple[str, ...]:
    return tuple(address for _name, address in addresses(values))


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _date(value: str | None, notes: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        notes.append(f"unreadable Date {value[:60]!r}")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unbase64(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(b"".join(data.split()))
    except binascii.Error:
        return data


def _safe_name(name: str, index: int, content_type: str) -> str:
    base = re.split(r"[/\\]", name.strip())[-1]
    cleaned = _UNSAFE_NAME.sub("_", base).strip(" .")[:200]
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return cleaned or f"attachment-{index}{extension}"
