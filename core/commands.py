"""Commands: requests to change state. Each has exactly one handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from core.canonical import CanonicalOrder


class Command:
    pass


@dataclass(frozen=True)
class ReceiveDocument(Command):
    """Keep an inbound document that passed authentication and well-formedness."""

    channel: str
    partner: str | None
    raw: bytes
    content_type: str | None = None
    remote_addr: str | None = None


@dataclass(frozen=True)
class RejectDocument(Command):
    """Keep a refused inbound document for inspection, with why it was refused."""

    channel: str
    partner: str | None
    raw: bytes
    code: int
    error: str
    content_type: str | None = None
    remote_addr: str | None = None


@dataclass(frozen=True)
class ReceiveDocuments(Command):
    """Keep several inbound documents, accepted or refused, in one transaction."""

    documents: tuple[ReceiveDocument | RejectDocument, ...]


@dataclass(frozen=True)
class IngestOrder(Command):
    """Turn one canonical order into an order, or amend or cancel the one it changes."""

    order: CanonicalOrder
    document_id: int | None = None


@dataclass(frozen=True)
class AddPartner(Command):
    """Register a trading partner. `settings` holds identities, mode and endpoints;
    `outbound_secret` arrives sealed (encrypted) by the edge."""

    code: str
    name: str
    channel: str
    settings: dict
    shared_secret: str | None = None
    outbound_secret: str | None = None


@dataclass(frozen=True)
class ChangePartner(Command):
    """Change a partner's settings; None in `settings` clears an identity or endpoint."""

    code: str
    settings: dict
    shared_secret: str | None = None
    outbound_secret: str | None = None


@dataclass(frozen=True)
class PunchOutItem:
    """An item a PunchOut setup request brings back to edit or inspect; the quantity
    as the document gives it."""

    supplier_part_id: str
    quantity: str


@dataclass(frozen=True)
class OpenPunchOutSession(Command):
    """Keep a partner's PunchOutSetupRequest and open a shopping session for it.
    `buyer` holds who shops and for whom: user, extrinsics, ship-to, credentials."""

    partner: str
    operation: str
    buyer_cookie: str
    browser_form_post_url: str
    raw: bytes
    request_payload_id: str | None = None
    buyer: dict | None = None
    items: tuple[PunchOutItem, ...] = ()
    content_type: str | None = None
    remote_addr: str | None = None


@dataclass(frozen=True)
class StartPunchOutSession(Command):
    """The user's browser arrives with the one-time start token."""

    start_token: str


@dataclass(frozen=True)
class AddToPunchOutCart(Command):
    browser_key: str
    sku: str
    quantity: str


@dataclass(frozen=True)
class ChangePunchOutCartLine(Command):
    browser_key: str
    line: int
    quantity: str


@dataclass(frozen=True)
class RemovePunchOutCartLine(Command):
    browser_key: str
    line: int


@dataclass(frozen=True)
class ReturnPunchOutCart(Command):
    """The user chose "Return to procurement": close the shopping, hand back the cart."""

    browser_key: str


@dataclass(frozen=True)
class QueueOutbound(Command):
    """Keep a rendered document for a partner; the sender delivers it with retries."""

    partner: str
    channel: str
    kind: str
    reference: str
    document_key: str
    content_type: str
    raw: bytes
    endpoint: str | None


@dataclass(frozen=True)
class ReceiveInterchange(Command):
    """Keep an X12 interchange with the 997 that answers it, in one transaction.

    `accepted` says whether any purchase order in it is acceptable (it then goes on
    to the normaliser); a re-sent interchange (same sender and ISA13) is kept as a
    duplicate and answered with the first 997 again.
    """

    partner: str
    raw: bytes
    sender_qualifier: str
    sender_id: str
    control_number: str
    accepted: bool
    error: str | None
    acknowledgement: bytes
    acknowledgement_key: str
    acknowledgement_endpoint: str | None
    remote_addr: str | None = None


@dataclass(frozen=True)
class RecordShipment(Command):
    """Record what left for the buyer: quantities per order line number, or every
    open quantity when `lines` is None."""

    order_number: str
    carrier: str
    tracking_number: str
    lines: dict[int, Decimal] | None = None
    carrier_code: str | None = None
    service: str | None = None
    shipped_at: datetime | None = None
    delivery_date: date | None = None
    packages: int = 1
    weight: Decimal | None = None
    weight_unit: str = "LB"
    comments: str | None = None


@dataclass(frozen=True)
class CreateInvoice(Command):
    """Invoice an order: every quantity not yet invoiced, or only what has shipped."""

    order_number: str
    shipped_only: bool = False
    invoice_date: datetime | None = None
    comments: str | None = None


@dataclass(frozen=True)
class AddStaff(Command):
    """Add a staff member who can sign in; returns the new staff id."""

    username: str
    display_name: str
    password: str
    email: str | None = None
    profile: str = "salesperson"
    is_admin: bool = False


@dataclass(frozen=True)
class DisableStaff(Command):
    """Stop a staff member signing in or using their API tokens; nothing is deleted."""

    username: str


@dataclass(frozen=True)
class IssueApiToken(Command):
    """Issue an API token; returns its text, which is never kept and not shown again."""

    username: str
    label: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RevokeApiToken(Command):
    username: str
    token_id: int


@dataclass(frozen=True)
class ChangeProfile(Command):
    """Add permissions to a standard profile or take them away."""

    profile: str
    grant: tuple[str, ...] = ()
    revoke: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreProfile(Command):
    """Put a standard profile back to its default permissions."""

    profile: str


@dataclass(frozen=True)
class OverridePermissions(Command):
    """Grant or revoke permissions for one staff member, over their profile."""

    username: str
    grant: tuple[str, ...] = ()
    revoke: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeOrderStatus(Command):
    """A staff action on an order's status: start, hold, release, close or cancel."""

    order_number: str
    action: str
    reason: str | None = None


@dataclass(frozen=True)
class BackorderLine(Command):
    """Mark part of an order line as backordered (0 clears it), expected on a date."""

    order_number: str
    line_number: int
    quantity: Decimal
    expected_date: date | None = None


# --- customers and teams ---


# --- products and pricing ---


# --- order editing ---


# --- quotes and RFQs ---
