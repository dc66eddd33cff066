"""PunchOut sessions: a buyer's user shops our catalog from their procurement system.

A setup request opens a session (opened) and hands out a one-time start link; the
user's browser uses it once (started) and shops with a browser key kept in a
cookie; "Return to procurement" sends the cart back (returned); the buyer's order
for that cart, recognised by the lines' auxiliary ids, closes it (ordered). A
session not started or not returned in time expires. Only hashes of the start
token and the browser key are kept.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import OrderB2BError

OPENED, STARTED, RETURNED, ORDERED, EXPIRED = (
    "opened",
    "started",
    "returned",
    "ordered",
    "expired",
)
OPERATIONS = ("create", "edit", "inspect")
START_WITHIN = timedelta(minutes=5)
SHOPPING_FOR = timedelta(hours=2)
"""How long a started session lives after the user's last change to the cart."""

MAX_QUANTITY = Decimal("999999")
AUX_ID_PREFIX = "POS-"
_AUX_ID = re.compile(rf"{AUX_ID_PREFIX}([0-9]{{1,18}})-([0-9]{{1,6}})")


class PunchOutRefused(OrderB2BError):
    """What the session's state, its expiry or the cart's rules do not allow."""


def token_hash(token: str) -> str:
    """How a start token or browser key is kept and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def aux_id(session_id: int, line: int) -> str:
    """The SupplierPartAuxiliaryID of a cart line: its session and line number."""
    return f"{AUX_ID_PREFIX}{session_id}-{line}"


def parse_aux_id(value: str | None) -> tuple[int, int] | None:
    """(session id, line number) from one of our auxiliary ids, else None."""
    match = _AUX_ID.fullmatch((value or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def quantity_of(value: Any) -> Decimal:
    """A cart quantity: positive, at most MAX_QUANTITY, at most three decimals."""
    try:
        quantity = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PunchOutRefused(f"quantity '{str(value)[:20]}' is not a number") from None
    if not quantity.is_finite() or quantity <= 0 or quantity > MAX_QUANTITY:
        raise PunchOutRefused(f"quantity must be more than 0 and at most {MAX_QUANTITY}")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise PunchOutRefused("quantity has more than three decimals")
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral() else quantity


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """A product as the catalog offers it: by our part number, at its list price."""

    sku: str
    description: str
    unit_of_measure: str
    price: Decimal
    currency: str
    manufacturer_name: str | None = None
    manufacturer_part_id: str | None = None

    @classmethod
    def of(cls, product: Any) -> CatalogItem:
        return cls(
            sku=product.sku,
            description=product.description or product.sku,
            unit_of_measure=product.unit_of_measure,
            price=product.list_price,
            currency=product.currency,
            manufacturer_name=product.manufacturer_name,
            manufacturer_part_id=product.manufacturer_part_id,
        )


@dataclass(frozen=True, slots=True)
class CartEntry:
    """One line of a session's cart. Line numbers are never reused in a session,
    so an auxiliary id names one line for good."""

    line: int
    item: CatalogItem
    quantity: Decimal

    @property
    def amount(self) -> Decimal:
        return self.item.price * self.quantity

    def to_dict(self) -> dict[str, Any]:
        item = self.item
        return {
            "line": self.line,
            "sku": item.sku,
            "description": item.description,
            "unit_of_measure": item.unit_of_measure,
            "price": format(item.price, "f"),
            "currency": item.currency,
            "manufacturer_name": item.manufacturer_name,
            "manufacturer_part_id": item.manufacturer_part_id,
            "quantity": format(self.quantity, "f"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CartEntry:
        item = CatalogItem(
            sku=data["sku"],
            description=data["description"],
            unit_of_measure=data["unit_of_measure"],
            price=Decimal(data["price"]),
            currency=data["currency"],
            manufacturer_name=data.get("manufacturer_name"),
            manufacturer_part_id=data.get("manufacturer_part_id"),
        )
        return cls(int(data["line"]), item, Decimal(data["quantity"]))


class PunchOutSession:
    id: int | None

    def __init__(
        self,
        partner: str,
        operation: str,
        buyer_cookie: str,
        browser_form_post_url: str,
        *,
        start_token: str,
        now: datetime,
        request_payload_id: str | None = None,
        document_id: int | None = None,
        buyer: dict[str, Any] | None = None,
    ) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {OPERATIONS}")
        self.partner = partner
        self.operation = operation
        self.buyer_cookie = buyer_cookie
        self.browser_form_post_url = browser_form_post_url
        self.request_payload_id = request_payload_id
        self.document_id = document_id
        self.buyer = dict(buyer or {})
        self.cart: list[dict[str, Any]] = []
        self.start_token = token_hash(start_token)
        self.browser_key = None
        self.state = OPENED
        self.order_number = None
        self.created_at = now
        self.expires_at = now + START_WITHIN
        self.started_at = self.returned_at = self.ordered_at = None

    @classmethod
    def open(cls, partner: str, operation: str, buyer_cookie: str, url: str, **values):
        """A new session and its one-time start token (kept only as a hash)."""
        token = secrets.token_urlsafe(32)
        return cls(partner, operation, buyer_cookie, url, start_token=token, **values), token

    # Lifecycle

    def start(self, now: datetime) -> str:
        """Use the start token: once only, in time. Returns the new browser key."""
        if self.state != OPENED:
            raise PunchOutRefused("this PunchOut start link has been used already")
        self._refuse_if_expired(now)
        key = secrets.token_urlsafe(32)
        self.browser_key = token_hash(key)
        self.state = STARTED
        self.started_at = now
        self.expires_at = now + SHOPPING_FOR
        return key

    def check_shopping(self, now: datetime) -> None:
        """Refuse unless the session is started and has not expired."""
        if self.state == RETURNED or self.state == ORDERED:
            raise PunchOutRefused("this cart has been returned to procurement")
        if self.state != STARTED:
            raise PunchOutRefused(f"this PunchOut session is {self.state}")
        self._refuse_if_expired(now)

    def is_expired(self, now: datetime) -> bool:
        return self.state in (OPENED, STARTED) and _utc(self.expires_at) <= now

    def expire(self) -> None:
        if self.state in (OPENED, STARTED):
            self.state = EXPIRED

    def return_cart(self, now: datetime) -> list[CartEntry]:
        """Close the shopping; the lines to send back (none for an inspection)."""
        self.check_shopping(now)
        self.state = RETURNED
        self.returned_at = now
        return [] if self.operation == "inspect" else self.entries()

    def mark_ordered(self, order_number: str, now: datetime) -> bool:
        """The buyer ordered this cart; False if the session was not waiting for it."""
        if self.state != RETURNED:
            return False
        self.state = ORDERED
        self.order_number = order_number
        self.ordered_at = now
        return True

    def _refuse_if_expired(self, now: datetime) -> None:
        if self.is_expired(now):
            self.expire()
            raise PunchOutRefused("this PunchOut session has expired")

    # The cart

    def entries(self) -> list[CartEntry]:
        return [CartEntry.from_dict(line) for line in self.cart]

    @property
    def currency(self) -> str | None:
        return self.cart[0]["currency"] if self.cart else None

    def total(self) -> Decimal:
        return sum((entry.amount for entry in self.entries()), Decimal("0"))

    def restore(self, lines: Iterable[tuple[CatalogItem | None, str, Any]]) -> None:
        """The cart a setup request brings back to edit or inspect, at today's prices:
        (catalog item or None if not offered, part number, quantity) per line. Lines
        that cannot be restored are listed in `buyer["not_restored"]` for the user."""
        left_out = []
        for item, sku, quantity in lines:
            try:
                if item is None:
                    raise PunchOutRefused(f"{sku} is not in the catalog")
                self._add(item, quantity_of(quantity))
            except PunchOutRefused:
                left_out.append(sku)
        if left_out:
            self.buyer = {**self.buyer, "not_restored": left_out}

    def add(self, item: CatalogItem, quantity: Any, now: datetime) -> None:
        self._check_editable(now)
        self._add(item, quantity_of(quantity))

    def change(self, line: int, quantity: Any, now: datetime) -> None:
        self._check_editable(now)
        quantity = quantity_of(quantity)
        self._replace(line, lambda entry: CartEntry(entry.line, entry.item, quantity))

    def remove(self, line: int, now: datetime) -> None:
        self._check_editable(now)
        self._replace(line, lambda _entry: None)

    def _check_editable(self, now: datetime) -> None:
        self.check_shopping(now)
        if self.operation == "inspect":
            raise PunchOutRefused("an inspected cart cannot be changed")
        self.expires_at = now + SHOPPING_FOR

    def _add(self, item: CatalogItem, quantity: Decimal) -> None:
        if self.currency and item.currency != self.currency:
            raise PunchOutRefused(
                f"{item.sku} is priced in {item.currency}; this cart is in {self.currency}"
            )
        entries = self.entries()
        same = next((e for e in entries if e.item.sku == item.sku), None)
        if same is not None:
            quantity_of(same.quantity + quantity)
            self._replace(same.line, lambda e: CartEntry(e.line, e.item, e.quantity + quantity))
            return
        line = max((e.line for e in entries), default=0) + 1
        self.cart = [*self.cart, CartEntry(line, item, quantity).to_dict()]

    def _replace(self, line: int, change) -> None:
        if not any(entry["line"] == line for entry in self.cart):
            raise PunchOutRefused(f"the cart has no line {line}")
        entries = [change(e) if e.line == line else e for e in self.entries()]
        # A new list, so that the change is seen and written.
        self.cart = [entry.to_dict() for entry in entries if entry is not None]


def _utc(value: datetime) -> datetime:
    """SQLite gives timestamps back without their zone; they are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ReturnedCart:
    """What the edge needs to send a cart back to the buyer's procurement system."""

    session_id: int
    partner: str
    operation: str
    buyer_cookie: str
    browser_form_post_url: str
    buyer: dict[str, Any]
    currency: str
    entries: tuple[CartEntry, ...]

    def aux_id(self, entry: CartEntry) -> str:
        return aux_id(self.session_id, entry.line)

    @property
    def total(self) -> Decimal:
        return sum((entry.amount for entry in self.entries), Decimal("0"))


@dataclass(frozen=True, slots=True)
class ShoppingView:
    """A started session as its pages show it."""

    session_id: int
    partner: str
    operation: str
    user_name: str | None
    entries: tuple[CartEntry, ...]
    currency: str | None
    expires_at: datetime
    not_restored: tuple[str, ...] = ()

    @property
    def editable(self) -> bool:
        return self.operation != "inspect"

    @property
    def total(self) -> Decimal:
        return sum((entry.amount for entry in self.entries), Decimal("0"))

    @classmethod
    def of(cls, session: PunchOutSession) -> ShoppingView:
        return cls(
            session_id=session.id,
            partner=session.partner,
            operation=session.operation,
            user_name=session.buyer.get("user_name"),
            entries=tuple(session.entries()),
            currency=session.currency,
            expires_at=_utc(session.expires_at),
            not_restored=tuple(session.buyer.get("not_restored") or ()),
        )
