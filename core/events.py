"""Events: facts the core records. Each leaves the process through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

EVENTS: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    routing_key: ClassVar[str]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        EVENTS[cls.routing_key] = cls

    def payload(self) -> dict[str, Any]:
        """The event's fields; events hold plain values only, so no deep copy."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class DocumentReceived(Event):
    routing_key: ClassVar[str] = "document.received"
    document_id: int
    channel: str
    partner: str | None


@dataclass(frozen=True)
class DocumentRejected(Event):
    routing_key: ClassVar[str] = "document.rejected"
    document_id: int
    channel: str
    partner: str | None
    code: int
    error: str


@dataclass(frozen=True)
class DocumentFailed(Event):
    routing_key: ClassVar[str] = "document.failed"
    document_id: int
    channel: str
    partner: str | None
    error: str


@dataclass(frozen=True)
class OrderReceived(Event):
    routing_key: ClassVar[str] = "order.received"
    order_number: str
    channel: str
    partner: str
    external_order_id: str
    document_id: int | None


@dataclass(frozen=True)
class OrderAmended(Event):
    routing_key: ClassVar[str] = "order.amended"
    order_number: str
    document_id: int | None
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OrderCancelled(Event):
    routing_key: ClassVar[str] = "order.cancelled"
    order_number: str
    document_id: int | None


@dataclass(frozen=True)
class OrderFlagged(Event):
    routing_key: ClassVar[str] = "order.flagged"
    order_number: str
    reason: str


@dataclass(frozen=True)
class PartnerChanged(Event):
    routing_key: ClassVar[str] = "partner.changed"
    code: str


@dataclass(frozen=True)
class OutboundQueued(Event):
    routing_key: ClassVar[str] = "outbound.queued"
    outbound_id: int
    partner: str
    kind: str
    reference: str


def event_from_payload(routing_key: str, payload: dict[str, Any]) -> Event:
    return EVENTS[routing_key](**payload)


@dataclass(frozen=True)
class PunchOutCartReturned(Event):
    routing_key: ClassVar[str] = "punchout.returned"
    session_id: int
    partner: str
    lines: int
    total: str
    currency: str | None


@dataclass(frozen=True)
class PunchOutOrdered(Event):
    routing_key: ClassVar[str] = "punchout.ordered"
    session_id: int
    partner: str
    order_number: str


@dataclass(frozen=True)
class ShipmentRecorded(Event):
    routing_key: ClassVar[str] = "shipment.recorded"
    shipment_number: str
    order_number: str
    carrier: str
    tracking_number: str


@dataclass(frozen=True)
class InvoiceCreated(Event):
    routing_key: ClassVar[str] = "invoice.created"
    invoice_number: str
    order_number: str
    total: str
    currency: str


@dataclass(frozen=True)
class OrderStatusChanged(Event):
    routing_key: ClassVar[str] = "order.status_changed"
    order_number: str
    old: str
    new: str
    reason: str | None


@dataclass(frozen=True)
class OrderLineBackordered(Event):
    routing_key: ClassVar[str] = "order.line_backordered"
    order_number: str
    line_number: int
    quantity: str
    expected_date: str | None


# --- customers and teams ---


@dataclass(frozen=True)
class CustomerAdded(Event):
    routing_key: ClassVar[str] = "customer.added"
    code: str
    status: str
    group: str | None


@dataclass(frozen=True)
class CustomerChanged(Event):
    routing_key: ClassVar[str] = "customer.changed"
    code: str
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LeadConverted(Event):
    routing_key: ClassVar[str] = "customer.lead_converted"
    code: str


@dataclass(frozen=True)
class CustomerGroupChanged(Event):
    """A group's price level, discount, team or manager changed (pricing and scope
    follow it)."""

    routing_key: ClassVar[str] = "customer_group.changed"
    code: str
    changed: list[str] = field(default_factory=list)


# --- products and pricing ---


@dataclass(frozen=True)
class ProductChanged(Event):
    """A product was added or changed: its fields, suppliers, level prices or breaks."""

    routing_key: ClassVar[str] = "product.changed"
    sku: str
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DiscountCodeRedeemed(Event):
    routing_key: ClassVar[str] = "discount_code.redeemed"
    code: str
    uses: int
    order_value: str
    discount: str


# --- order editing ---


@dataclass(frozen=True)
class OrderEdited(Event):
    """Staff changed an order's lines, addresses or shipping; `what` says how."""

    routing_key: ClassVar[str] = "order.edited"
    order_number: str
    what: str
    line_number: int | None
    changed: list[str]
    total: str


@dataclass(frozen=True)
class OrderCommentAdded(Event):
    routing_key: ClassVar[str] = "order.comment_added"
    order_number: str
    comment_id: int
    visibility: str
    author: str


@dataclass(frozen=True)
class OrderConfirmationRequested(Event):
    """The buyer is to get an order confirmation email."""

    routing_key: ClassVar[str] = "order.confirmation_requested"
    order_number: str
    email: str
    customer_name: str | None
    contact_name: str | None
    # Staff asked for it: sent whatever the setting and the customer's group say.
    asked_by_staff: bool = False


# --- quotes and RFQs ---


@dataclass(frozen=True)
class QuoteSent(Event):
    """A quote version was frozen for the customer; the email issue sends its PDF."""

    routing_key: ClassVar[str] = "quote.sent"
    quote_number: str
    version: int
    recipient: str | None
    customer_code: str
    pdf_sha256: str


@dataclass(frozen=True)
class QuoteConverted(Event):
    routing_key: ClassVar[str] = "quote.converted"
    quote_number: str
    version: int
    order_number: str


@dataclass(frozen=True)
class RfqReceived(Event):
    routing_key: ClassVar[str] = "rfq.received"
    number: str
    source: str
    email: str
    customer_code: str | None


# >>> invoices (issue 5)


@dataclass(frozen=True)
class InvoiceChanged(Event):
    """An unsent invoice was edited (`changed`: what, e.g. lines, bill_to)."""

    routing_key: ClassVar[str] = "invoice.changed"
    invoice_number: str
    order_number: str
    changed: list[str]
    total: str


@dataclass(frozen=True)
class CreditNoteIssued(Event):
    routing_key: ClassVar[str] = "invoice.credited"
    credit_note_number: str
    invoice_number: str
    order_number: str
    total: str
    currency: str


@dataclass(frozen=True)
class InvoiceSent(Event):
    routing_key: ClassVar[str] = "invoice.sent"
    invoice_number: str
    order_number: str
    via: str


# <<< invoices
# >>> purchasing and shipments from suppliers (issue 5)


@dataclass(frozen=True)
class PurchaseOrderSent(Event):
    routing_key: ClassVar[str] = "po.sent"
    po_number: str
    order_number: str
    supplier_code: str
    channel: str
    dropship: str | None


@dataclass(frozen=True)
class PurchaseOrderEmailRequested(Event):
    """A PO for a supplier reached by email: the mailer sends its PDF and text."""

    routing_key: ClassVar[str] = "po.email_requested"
    po_number: str
    supplier_code: str
    recipient: str
    pdf_sha256: str


@dataclass(frozen=True)
class PurchaseOrderCommented(Event):
    """A PO comment; when `send_to_supplier`, the mailer sends it to the supplier."""

    routing_key: ClassVar[str] = "po.commented"
    po_number: str
    comment_id: int
    send_to_supplier: bool


@dataclass(frozen=True)
class PurchaseOrderConfirmed(Event):
    routing_key: ClassVar[str] = "po.confirmed"
    po_number: str
    status: str
    confirmation_id: str


# <<< purchasing
# >>> payments (issue 5)


@dataclass(frozen=True)
class PaymentRecorded(Event):
    """A payment of an invoice was recorded: asked of its gateway, or received by hand."""

    routing_key: ClassVar[str] = "payment.recorded"
    number: str
    invoice_number: str
    order_number: str
    gateway: str
    method: str
    amount: str
    currency: str
    state: str


@dataclass(frozen=True)
class PaymentStatusChanged(Event):
    routing_key: ClassVar[str] = "payment.status_changed"
    number: str
    invoice_number: str
    action: str
    previous_state: str
    state: str
    amount: str
    currency: str


# <<< payments
# >>> mail (issue 6)


@dataclass(frozen=True)
class MailQueued(Event):
    routing_key: ClassVar[str] = "mail.queued"
    mail_id: int
    kind: str
    document_kind: str
    document_number: str


@dataclass(frozen=True)
class MailReceived(Event):
    """A message was kept as it arrived; the mail router reads it next."""

    routing_key: ClassVar[str] = "mail.received"
    mail_id: int
    door: str
    mailbox: str | None


@dataclass(frozen=True)
class MailRouted(Event):
    routing_key: ClassVar[str] = "mail.routed"
    mail_id: int
    state: str
    outcome: str
    document_kind: str | None
    document_number: str | None


@dataclass(frozen=True)
class MailBounced(Event):
    routing_key: ClassVar[str] = "mail.bounced"
    mail_id: int
    document_kind: str
    document_number: str
    recipients: list[str]
    reason: str


# <<< mail


# >>> returns, tasks and discussions (issue 6)
@dataclass(frozen=True)
class RmaOpened(Event):
    routing_key: ClassVar[str] = "rma.opened"
    rma_number: str
    order_number: str
    opened_by: str


@dataclass(frozen=True)
class RmaStatusChanged(Event):
    routing_key: ClassVar[str] = "rma.status_changed"
    rma_number: str
    previous: str
    status: str
    changed_by: str


@dataclass(frozen=True)
class RmaCommentAdded(Event):
    routing_key: ClassVar[str] = "rma.comment_added"
    rma_number: str
    comment_id: int
    visibility: str
    author: str


@dataclass(frozen=True)
class TaskCreated(Event):
    """A task was added; its assignee (if any) is told by email."""

    routing_key: ClassVar[str] = "task.created"
    task_number: str
    title: str
    assignee: str | None
    created_by: str
    document_kind: str | None
    document_number: str | None


@dataclass(frozen=True)
class TaskAssigned(Event):
    routing_key: ClassVar[str] = "task.assigned"
    task_number: str
    previous_assignee: str | None
    assignee: str | None
    assigned_by: str


@dataclass(frozen=True)
class TaskStatusChanged(Event):
    """Every change of a task's status; its assignee and creator are told by email."""

    routing_key: ClassVar[str] = "task.status_changed"
    task_number: str
    previous: str
    status: str
    changed_by: str


@dataclass(frozen=True)
class DiscussionStarted(Event):
    routing_key: ClassVar[str] = "discussion.started"
    discussion_number: str
    project_code: str | None
    started_by: str


@dataclass(frozen=True)
class DiscussionInvited(Event):
    routing_key: ClassVar[str] = "discussion.invited"
    discussion_number: str
    username: str
    invited_by: str


@dataclass(frozen=True)
class DiscussionMessagePosted(Event):
    """A new message; the discussion's participants who want mail are told."""

    routing_key: ClassVar[str] = "discussion.message_posted"
    discussion_number: str
    message_id: int
    author: str


@dataclass(frozen=True)
class DiscussionStatusChanged(Event):
    routing_key: ClassVar[str] = "discussion.status_changed"
    discussion_number: str
    previous: str
    status: str
    changed_by: str


# <<< returns, tasks and discussions
