"""Requests for quotation: what a buyer asks us to quote, from the API or the public
web form. A request is checked whole before anything is kept; it is then quoted
(turned into a quote) or declined, and never deleted."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import OrderB2BError

SOURCES = ("api", "web")
STATUSES = ("new", "quoted", "declined")
MAX_LINES = 50
# Longest text kept per field, in characters.
LIMITS = {
    "company": 200,
    "contact_name": 200,
    "email": 254,
    "phone": 64,
    "message": 10_000,
    "part": 100,
    "description": 1_000,
}
# A practical address check: one @, a dotted domain, no spaces or angle brackets.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")
# Control characters (line breaks and tabs are kept in the message only).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
LINE_BREAK = re.compile(r"[\r\n\t]")


class RfqRefused(OrderB2BError):
    """A request for quotation that cannot be kept as sent; nothing was stored."""


def format_number(value: int) -> str:
    return f"RFQ{value:06d}"


def check_email(value: str | None) -> str:
    email = (value or "").strip()
    if not email or len(email) > LIMITS["email"] or not EMAIL.fullmatch(email):
        raise RfqRefused("the email address is not valid")
    return email


def clean_text(name: str, value: Any, *, multiline: bool = False) -> str | None:
    """A field's text, trimmed; refused when too long or holding control characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RfqRefused(f"{name} must be text")
    text = value.strip()
    if CONTROL.search(text) or (not multiline and LINE_BREAK.search(text)):
        raise RfqRefused(f"{name} holds characters that are not allowed")
    if len(text) > LIMITS[name]:
        raise RfqRefused(f"{name} is longer than {LIMITS[name]} characters")
    return text or None


def clean_lines(lines: Any) -> list[dict[str, str | None]]:
    """[{part, description, quantity}]: rows left wholly blank are dropped; a row needs
    a part or a description, and a quantity above 0 (1 when left out)."""
    if lines is None:
        return []
    if not isinstance(lines, list | tuple):
        raise RfqRefused("lines must be a list")
    kept = []
    for n, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            raise RfqRefused(f"line {n} must be an object with part, description and quantity")
        part = clean_text("part", line.get("part"))
        description = clean_text("description", line.get("description"))
        quantity = line.get("quantity")
        if part is None and description is None and quantity in (None, ""):
            continue
        if part is None and description is None:
            raise RfqRefused(f"line {n} needs a part number or a description")
        kept.append({"part": part, "description": description, "quantity": _quantity(n, quantity)})
    if len(kept) > MAX_LINES:
        raise RfqRefused(f"a request may list at most {MAX_LINES} lines")
    return kept


def _quantity(n: int, value: Any) -> str:
    if value in (None, ""):
        return "1"
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite() or not 0 < quantity <= Decimal("1000000000"):
        raise RfqRefused(f"line {n}: the quantity must be a number above 0")
    return format(quantity.normalize(), "f")


class Rfq:
    id: int | None

    def __init__(
        self,
        number: str,
        source: str,
        *,
        email: str,
        company: str | None = None,
        contact_name: str | None = None,
        phone: str | None = None,
        message: str | None = None,
        lines: list[dict] | None = None,
        remote_addr: str | None = None,
        customer_id: int | None = None,
        received_at: datetime | None = None,
    ) -> None:
        if source not in SOURCES:
            raise RfqRefused(f"source must be one of {', '.join(SOURCES)}")
        now = datetime.now(UTC)
        self.number = number
        self.source = source
        self.email = check_email(email)
        self.company = clean_text("company", company)
        self.contact_name = clean_text("contact_name", contact_name)
        self.phone = clean_text("phone", phone)
        self.message = clean_text("message", message, multiline=True)
        self.lines = clean_lines(lines)
        if not self.message and not self.lines:
            raise RfqRefused("say what you need: a message or at least one line")
        self.remote_addr = remote_addr
        self.customer_id = customer_id
        self.status = "new"
        self.quote_id = None
        self.received_at = received_at or now
        self.created_at = self.updated_at = now
        self.archived = False

    def quoted(self, quote_id: int, customer_id: int) -> None:
        self._require_new("quoted")
        self.status = "quoted"
        self.quote_id = quote_id
        self.customer_id = customer_id
        self.updated_at = datetime.now(UTC)

    def decline(self) -> None:
        self._require_new("declined")
        self.status = "declined"
        self.updated_at = datetime.now(UTC)

    def _require_new(self, to: str) -> None:
        if self.status != "new":
            raise RfqRefused(f"request {self.number} is {self.status}; it cannot be {to}")
