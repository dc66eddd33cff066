"""Commands: requests to change state. Each has exactly one handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
# `scope` is the customer groups the caller works with (None: every customer); a
# customer or group outside it is answered as unknown. `values` hold fields by name,
# as text, numbers or true/false; a group, team or manager named "" is cleared.


@dataclass(frozen=True)
class AddCustomer(Command):
    """Add a customer or a lead; returns its code. A lead named into no group goes
    to the group that takes new leads; a limited caller's customer must land in one
    of their groups."""

    code: str
    name: str
    values: dict | None = None
    group: str | None = None
    status: str = "customer"
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeCustomer(Command):
    """Change a customer's fields or group; a lead given status "customer" is converted."""

    code: str
    values: dict | None = None
    group: str | None = None
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class AddContact(Command):
    """Add a contact to a customer; returns its id."""

    customer: str
    values: dict
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeContact(Command):
    customer: str
    contact_id: int
    values: dict
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class AddAddress(Command):
    """Add a billing or shipping address to a customer; returns its id."""

    customer: str
    values: dict
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeAddress(Command):
    customer: str
    address_id: int
    values: dict
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class AddCustomerGroup(Command):
    """Add a customer group, with the sales team (code) and account manager
    (username) who look after it."""

    code: str
    name: str
    values: dict | None = None
    team: str | None = None
    manager: str | None = None
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeCustomerGroup(Command):
    code: str
    values: dict | None = None
    team: str | None = None
    manager: str | None = None
    scope: frozenset[int] | None = None


@dataclass(frozen=True)
class AddSalesTeam(Command):
    code: str
    name: str


@dataclass(frozen=True)
class ChangeSalesTeam(Command):
    """Rename a sales team, or archive it (its people no longer see its groups through
    it) or restore it; None leaves a field as it is."""

    code: str
    name: str | None = None
    archived: bool | None = None


@dataclass(frozen=True)
class JoinTeam(Command):
    """Put a staff member in a sales team as a member or its manager (again, if they
    had left), or change their role in it."""

    team: str
    username: str
    role: str = "member"


@dataclass(frozen=True)
class LeaveTeam(Command):
    team: str
    username: str


# --- products and pricing ---


@dataclass(frozen=True)
class AddProduct(Command):
    """Add a product to the catalogue; `fields` holds the optional values (maker,
    maker part number, unit of measure, list price, cost, currency, weight, category)."""

    sku: str
    description: str
    fields: dict | None = None


@dataclass(frozen=True)
class ChangeProduct(Command):
    """Change a product's fields (`archived` True archives it); the sku never changes."""

    sku: str
    fields: dict


@dataclass(frozen=True)
class SetProductSupplier(Command):
    """Add a supplier of a product or change it (their part number, cost, lead time)."""

    sku: str
    supplier_code: str
    supplier_part_id: str
    cost: Decimal | None = None
    lead_time_days: int | None = None
    is_preferred: bool = False
    archived: bool = False


@dataclass(frozen=True)
class SetLevelPrice(Command):
    """A product's price at a fixed price level; None archives it."""

    sku: str
    level_code: str
    unit_price: Decimal | None


@dataclass(frozen=True)
class SetPriceBreak(Command):
    """A product's unit price from a quantity up, for one level or (None) any level;
    a None price archives the break."""

    sku: str
    level_code: str | None
    min_quantity: Decimal
    unit_price: Decimal | None


@dataclass(frozen=True)
class AddPriceLevel(Command):
    code: str
    name: str
    kind: str
    percent: Decimal | None = None


@dataclass(frozen=True)
class ChangePriceLevel(Command):
    """Change a level's name, kind, percentage or `archived`."""

    code: str
    fields: dict


@dataclass(frozen=True)
class SetTaxRate(Command):
    """The rate of a jurisdiction (country, state, postal prefix): added, or changed in
    place when it has one; `active` False stops it applying. Returns the rate's id."""

    country: str
    rate: Decimal
    name: str
    state: str | None = None
    postal_prefix: str | None = None
    active: bool = True


@dataclass(frozen=True)
class AddShippingRange(Command):
    """A shipping price for a band of order value or weight; refused when it overlaps
    an active range of the same method, basis and country. Returns its id."""

    method: str
    basis: str
    min_value: Decimal
    max_value: Decimal | None
    price: Decimal
    country: str | None = None


@dataclass(frozen=True)
class ChangeShippingRange(Command):
    range_id: int
    price: Decimal | None = None
    active: bool | None = None


@dataclass(frozen=True)
class DiscountTerms:
    """What a discount code gives and when it may be used."""

    kind: str  # percent, amount
    value: Decimal
    valid_from: date | None = None
    valid_until: date | None = None
    max_uses: int | None = None
    customer_group: str | None = None
    min_order_value: Decimal | None = None


@dataclass(frozen=True)
class AddDiscountCode(Command):
    code: str
    terms: DiscountTerms


@dataclass(frozen=True)
class GenerateDiscountCodes(Command):
    """`count` random codes PREFIX-XXXXXXXX with the same terms; returns them."""

    prefix: str
    count: int
    terms: DiscountTerms


@dataclass(frozen=True)
class RedeemDiscountCode(Command):
    """Use a code once on an order of this value; returns the verdict (refused ones
    are answered, not raised, except a code used up meanwhile)."""

    code: str
    customer_code: str | None
    order_value: Decimal
    on: date | None = None


@dataclass(frozen=True)
class AddBranch(Command):
    """A branch; `fields` holds street2, state, postal code, phone, email, pickup."""

    code: str
    name: str
    street1: str
    city: str
    country: str
    fields: dict | None = None


@dataclass(frozen=True)
class ChangeBranch(Command):
    code: str
    fields: dict


# --- order editing ---


@dataclass(frozen=True)
class AddOrderLine(Command):
    """Staff add a line to an order; a `price_reason` is kept with the price. Without a
    unit price, our part number (`supplier_part_id`) is priced by the pricing rules."""

    order_number: str
    quantity: Decimal
    unit_of_measure: str
    unit_price: Decimal | None = None
    supplier_part_id: str | None = None
    description: str | None = None
    buyer_part_id: str | None = None
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    requested_delivery_date: date | None = None
    price_reason: str | None = None


@dataclass(frozen=True)
class ChangeOrderLine(Command):
    """Change a line's quantity, unit price (which needs a reason) or description;
    None leaves a field as it is."""

    order_number: str
    line_number: int
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    price_reason: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class RemoveOrderLine(Command):
    """Mark a line removed (never deleted); it no longer counts in the total."""

    order_number: str
    line_number: int
    reason: str | None = None


@dataclass(frozen=True)
class ChangeOrderAddresses(Command):
    """Replace the ship-to and/or bill-to address (fields of a canonical Address)."""

    order_number: str
    ship_to: dict | None = None
    bill_to: dict | None = None


@dataclass(frozen=True)
class ChangeOrderShipping(Command):
    """Change the shipping method and/or amount; None leaves it as it is."""

    order_number: str
    shipping_method: str | None = None
    shipping_amount: Decimal | None = None


@dataclass(frozen=True)
class AddOrderComment(Command):
    """A comment on an order, private (its author only) or public (all staff); returns
    its id."""

    order_number: str
    body: str
    visibility: str = "private"


@dataclass(frozen=True)
class RequestOrderConfirmation(Command):
    """Ask for the order confirmation email to the buyer; returns the address."""

    order_number: str


@dataclass(frozen=True)
class ChangeSetting(Command):
    """Set one of the registered settings (core/storage/settings.py)."""

    key: str
    value: object


# --- quotes and RFQs ---

# Each carries the caller's customer-group scope: None sees every customer, a set
# limits the work to customers of those groups (others are "not found").


@dataclass(frozen=True)
class PricedLineInput:
    """A line to price: the engine's price unless `unit_price` is given (with a reason)."""

    sku: str
    quantity: Decimal
    unit_price: Decimal | None = None
    reason: str | None = None


@dataclass(frozen=True)
class NewLead:
    """A customer we do not know yet, quoted as a lead."""

    name: str
    email: str | None = None
    phone: str | None = None
    contact_name: str | None = None


@dataclass(frozen=True)
class CreateQuote(Command):
    """A quote for a customer (by code) or a new lead, with its first version;
    returns the quote number."""

    customer_code: str | None = None
    lead: NewLead | None = None
    kind: str = "commercial"
    currency: str = "USD"
    notes: str | None = None
    valid_until: date | None = None
    margin_percent: Decimal | None = None
    discount_percent: Decimal | None = None
    shipping_method: str | None = None
    lines: tuple[PricedLineInput, ...] = ()
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeQuote(Command):
    """Notes, validity, or a status action (accept, decline, expire, cancel)."""

    number: str
    notes: str | None = None
    valid_until: date | None = None
    action: str | None = None
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class AddQuoteVersion(Command):
    """A new draft version: a copy of the latest (or `copy_from`), or empty; returns
    its number."""

    number: str
    kind: str | None = None
    copy_from: int | None = None
    empty: bool = False
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeQuoteVersion(Command):
    """A draft version's terms. `pricing` is "engine", "margin" or "discount" (with
    `percent`); None leaves each as it is."""

    number: str
    version: int
    kind: str | None = None
    pricing: str | None = None
    percent: Decimal | None = None
    shipping_method: str | None = None
    ship_to: dict | None = None
    notes: str | None = None
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class AddQuoteLines(Command):
    """Lines added to a draft version; returns their line numbers."""

    number: str
    version: int
    lines: tuple[PricedLineInput, ...]
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeQuoteLine(Command):
    """A draft line's quantity, manual price (with a reason), or its removal."""

    number: str
    version: int
    line: int
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    reason: str | None = None
    remove: bool = False
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class SendQuoteVersion(Command):
    """Freeze a draft version with the PDF rendered from it (`content_key` says from
    what) and tell the customer; the email goes out through the outbox."""

    number: str
    version: int
    pdf: bytes
    content_key: str
    recipient: str | None = None
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ConvertQuote(Command):
    """Make the order of a sent version, once; a second call answers the same order."""

    number: str
    version: int | None = None
    payment_method: str | None = None
    po_number: str | None = None
    shipping_method: str | None = None
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ReceiveRfq(Command):
    """Keep a request for quotation; returns its number."""

    source: str
    email: str
    company: str | None = None
    contact_name: str | None = None
    phone: str | None = None
    message: str | None = None
    lines: tuple[dict, ...] = ()
    remote_addr: str | None = None


@dataclass(frozen=True)
class QuoteRfq(Command):
    """Turn a request into a quote for its customer, or a new lead; returns the quote."""

    number: str
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class DeclineRfq(Command):
    number: str
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class CreateCart(Command):
    """A B2B cart for a customer; returns its id."""

    customer_code: str
    currency: str = "USD"
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeCart(Command):
    """A cart's shipping method, ship-to, payment method, PO number and discount code;
    None leaves each as it is, "" clears it."""

    cart_id: int
    shipping_method: str | None = None
    ship_to: dict | None = None
    payment_method: str | None = None
    po_number: str | None = None
    discount_code: str | None = None
    groups: frozenset[int] | None = None
    shipping_quote: Decimal | None = None  # a carrier's rate for shipping_method


@dataclass(frozen=True)
class AddCartLines(Command):
    """Lines priced by the engine (or by hand, with a reason); returns their numbers."""

    cart_id: int
    lines: tuple[PricedLineInput, ...]
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangeCartLine(Command):
    """A line's quantity, or a price, margin or discount by hand (with a reason), or
    its removal."""

    cart_id: int
    line: int
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    margin_percent: Decimal | None = None
    discount_percent: Decimal | None = None
    reason: str | None = None
    remove: bool = False
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class SubmitCart(Command):
    """Submit a cart as a quote or as an order (invoiced too when `cart.auto_invoice`
    is on); returns what was made."""

    cart_id: int
    submit_as: str
    groups: frozenset[int] | None = None


# >>> invoices (issue 5)
# Numbers come from a series: the one named, else the setting (invoices.series,
# invoices.credit_series). Edits are refused once an invoice was sent.


@dataclass(frozen=True)
class InvoiceOrder(Command):
    """CreateInvoice in a series of the caller's choosing; returns the number."""

    order_number: str
    shipped_only: bool = False
    series: str | None = None
    invoice_date: datetime | None = None
    comments: str | None = None


@dataclass(frozen=True)
class UploadInvoice(Command):
    """An invoice made elsewhere, kept with its PDF: it bills the order like
    InvoiceOrder, numbered as the document says (`number`) or from the series;
    `total`, when given, must be what the order bills. Returns the number."""

    order_number: str
    content: bytes
    filename: str | None = None
    number: str | None = None
    series: str | None = None
    invoice_date: datetime | None = None
    shipped_only: bool = False
    total: Decimal | None = None
    comments: str | None = None


@dataclass(frozen=True)
class ChangeInvoice(Command):
    """The billing address (address fields), comments or due date of an unsent invoice."""

    number: str
    bill_to: dict | None = None
    comments: str | None = None
    due_date: date | None = None


@dataclass(frozen=True)
class ChangeInvoiceLine(Command):
    """A line's quantity, unit price or description, or its removal."""

    number: str
    line_number: int
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    description: str | None = None
    remove: bool = False


@dataclass(frozen=True)
class AddInvoiceLine(Command):
    """Bill (more of) an order line, or add a line of its own; returns its number."""

    number: str
    quantity: Decimal
    order_line: int | None = None
    unit_price: Decimal | None = None
    description: str | None = None
    unit_of_measure: str | None = None
    supplier_part_id: str | None = None


@dataclass(frozen=True)
class CreditInvoice(Command):
    """A credit note for the whole invoice, or for quantities of its lines (by line
    number); returns the credit note's number."""

    number: str
    lines: dict[int, Decimal] | None = None
    reason: str | None = None
    series: str | None = None


@dataclass(frozen=True)
class MarkInvoiceSent(Command):
    """The buyer has the invoice (or credit note); returns False if known already."""

    number: str
    via: str = "manual"
    sent_to: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class SetInvoicingRule(Command):
    """How bulk invoicing bills a customer (by code) or a customer group (by code)."""

    rule: str
    customer: str | None = None
    group: str | None = None
    series: str | None = None


@dataclass(frozen=True)
class InvoiceReadyOrders(Command):
    """Bulk invoicing: every order ready for it, of these customers (codes; all when
    empty), in batches of `batch_size` orders per transaction; `progress` is called
    with a BulkProgress after each batch. Returns a BulkReport."""

    customers: tuple[str, ...] = ()
    series: str | None = None
    dry_run: bool = False
    batch_size: int = 500
    progress: Any = field(default=None, compare=False)


# <<< invoices
# >>> purchasing and shipments from suppliers (issue 5)


@dataclass(frozen=True)
class AddSupplier(Command):
    """A supplier and how it is reached; `values` as Supplier.EDITABLE names them."""

    code: str
    name: str
    channel: str = "email"
    values: dict = field(default_factory=dict)
    service_secret: str | None = None


@dataclass(frozen=True)
class ChangeSupplier(Command):
    code: str
    values: dict = field(default_factory=dict)
    service_secret: str | None = None


@dataclass(frozen=True)
class AssignSupplier(Command):
    """Buy `quantity` (default: all not yet bought) of a sales-order line from a
    supplier; the line joins the supplier's draft PO for the order (one per way of
    shipping). `live_price` is the supplier's P&A price when its system answered;
    `unit_cost` with `reason` sets the cost by hand. Returns the PO number."""

    order_number: str
    line_number: int
    supplier_code: str
    quantity: Decimal | None = None
    dropship: str | None = None
    live_price: Decimal | None = None
    unit_cost: Decimal | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ChangePurchaseOrder(Command):
    number: str
    ship_to: dict | None = None
    notes: str | None = None


@dataclass(frozen=True)
class ChangePurchaseOrderLine(Command):
    number: str
    line_number: int
    quantity: Decimal | None = None
    unit_cost: Decimal | None = None
    reason: str | None = None
    remove: bool = False


@dataclass(frozen=True)
class SendPurchaseOrder(Command):
    """Freeze a draft PO and hand it to the supplier's channel: `document` is what
    the edge rendered for it (cXML, X12 or the PDF for email)."""

    number: str
    content_type: str
    raw: bytes
    document_key: str
    endpoint: str | None = None
    recipient: str | None = None


@dataclass(frozen=True)
class CancelPurchaseOrder(Command):
    number: str
    reason: str


@dataclass(frozen=True)
class CommentPurchaseOrder(Command):
    number: str
    text: str
    send_to_supplier: bool = False


@dataclass(frozen=True)
class RecordSupplierShipment(Command):
    """A supplier's ship notice for one of our POs (canonical ReceivedShipNotice);
    becomes a shipment of the sales order. Returns the shipment number (the earlier
    one when the notice was recorded before)."""

    notice: Any
    document_id: int | None = None


@dataclass(frozen=True)
class RecordSupplierConfirmation(Command):
    confirmation: Any
    document_id: int | None = None


@dataclass(frozen=True)
class RefreshSupplierAvailability(Command):
    """Keep what a supplier's system answered (or that it failed) for its parts."""

    supplier_code: str
    answers: tuple = ()
    error: str | None = None
    parts: tuple[str, ...] = ()


# <<< purchasing
# >>> payments (issue 5)


@dataclass(frozen=True)
class TakePayment(Command):
    """Record a payment of an invoice (pending) before its gateway is asked; returns
    the PaymentAttempt to send. `amount` defaults to what is still open; `token` is
    the gateway's own (never kept); `available` names the gateways configured."""

    invoice_number: str
    gateway: str
    action: str = "sale"
    amount: Decimal | None = None
    method: str | None = None
    token: str | None = None
    token_kind: str | None = None
    available: frozenset[str] = frozenset()
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class ChangePayment(Command):
    """Record a capture, void or refund of a payment before its gateway is asked
    (a manual payment is refunded at once); returns the PaymentAttempt. `amount`
    defaults to all that may be captured or refunded."""

    number: str
    action: str
    amount: Decimal | None = None
    reason: str | None = None
    available: frozenset[str] = frozenset()
    groups: frozenset[int] | None = None


@dataclass(frozen=True)
class RecordPaymentAnswer(Command):
    """The gateway's answer (a canonical PaymentResult) to a request, or why none
    came (`error`, `error_kind` as ServiceFailed has them); returns the state."""

    number: str
    action: str
    result: Any = None
    error: str | None = None
    error_kind: str | None = None


@dataclass(frozen=True)
class ReceivePayment(Command):
    """Money received by hand (cheque, wire, cash) for an invoice: a payment of the
    gateway "manual", captured at once. Returns its number."""

    invoice_number: str
    method: str
    amount: Decimal | None = None
    reference: str | None = None
    received_on: date | None = None
    groups: frozenset[int] | None = None


# <<< payments
# >>> mail (issue 6)


@dataclass(frozen=True)
class QueueMail(Command):
    """Keep a composed message on its document and queue it for the mail server;
    returns its id. An invoice emailed counts as sent."""

    kind: str
    document_kind: str
    document_number: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    raw: bytes
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceiveMail(Command):
    """Keep a message as it arrived (IMAP or SMTP) before anything else; returns
    (its id, whether it is new): the same bytes again are the same message."""

    door: str
    raw: bytes
    mailbox: str | None = None
    envelope_from: str | None = None
    envelope_to: tuple[str, ...] = ()
    peer: str | None = None


@dataclass(frozen=True)
class RouteMail(Command):
    """What a received message turned out to be, and its effect: a comment on a
    document (with the message's attachments), a supplier's shipment or
    confirmation, a bounce of our own message, or the triage list. Staff filing a
    message from the triage list send it with state "filed". Returns False when the
    message was routed before."""

    mail_id: int
    state: str
    outcome: str
    message_id: str | None = None
    from_address: str | None = None
    subject: str | None = None
    document_kind: str | None = None
    document_number: str | None = None
    rule: str | None = None
    evidence: str | None = None
    note: str | None = None
    comment: str | None = None
    author_kind: str = "customer"
    author: str | None = None  # who wrote it, when known better than the From address
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    bounced: tuple[str, ...] = ()
    supplier_document: Any = None


@dataclass(frozen=True)
class RetryMail(Command):
    """Send a failed, refused or bounced message again."""

    mail_id: int


# <<< mail


# >>> returns (issue 6)
@dataclass(frozen=True)
class OpenRma(Command):
    """A return of shipped goods from an order: quantity per order line number;
    returns the RMA's number."""

    order_number: str
    lines: dict[int, Decimal]
    reason_code: str
    resolution: str
    reason: str | None = None
    contact_email: str | None = None  # default: the order's buyer
    notes: str | None = None


@dataclass(frozen=True)
class ChangeRma(Command):
    """Change a requested or authorised RMA: the fields in `values` (reason_code,
    reason, resolution, contact_email, notes; None clears) and the quantities of the
    order lines in `lines` (one not yet returned is added); returns what changed."""

    number: str
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeRmaStatus(Command):
    """authorize, receive, close, reject or cancel; `received` (for receive) is
    order line number -> (quantity, condition). Returns (previous, status)."""

    number: str
    action: str
    reason: str | None = None
    received: dict[int, tuple[Decimal, str | None]] | None = None


@dataclass(frozen=True)
class ArchiveRma(Command):
    number: str
    archived: bool = True


@dataclass(frozen=True)
class AddRmaComment(Command):
    """A comment on an RMA, private (its author only) or public; returns its id."""

    number: str
    body: str
    visibility: str = "private"


# <<< returns
# >>> tasks (issue 6)
@dataclass(frozen=True)
class AddTask(Command):
    """A task for staff, on a document (order, quote, rma, discussion) or on nothing;
    returns its number. `actor_is_admin`: the actor is an administrator (who may put
    tasks on any discussion, not only on their own)."""

    title: str
    description: str | None = None
    priority: str = "normal"
    assignee: str | None = None
    due_on: date | None = None
    document_kind: str | None = None
    document_number: str | None = None
    actor_is_admin: bool = False


@dataclass(frozen=True)
class EditTask(Command):
    """Change a task's title, description, priority, due_on or archived flag (only the
    fields given); returns the names of the fields that changed."""

    number: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeTaskStatus(Command):
    """Move a task to another status: open, in_progress, waiting, done, cancelled."""

    number: str
    status: str


@dataclass(frozen=True)
class AssignTask(Command):
    """Give a task to an active staff member, or to nobody (None)."""

    number: str
    assignee: str | None
    actor_is_admin: bool = False


# <<< tasks
# >>> discussions (issue 6)
# `actor_is_admin`: the actor is an administrator, who sees every discussion and may
# change any project and any discussion's status (the edge that knows says so).


@dataclass(frozen=True)
class AddProject(Command):
    """A new project, made by the actor; returns its code (upper-case)."""

    code: str
    name: str
    description: str | None = None


@dataclass(frozen=True)
class ChangeProject(Command):
    """Change a project's name, description ("" clears it) or archived flag (the
    fields given); by its creator or an administrator. Returns what changed."""

    code: str
    name: str | None = None
    description: str | None = None
    archived: bool | None = None
    actor_is_admin: bool = False


@dataclass(frozen=True)
class ChangeProjectMembers(Command):
    """Add active staff to a project (again, after removal) and remove members (kept
    inactive); by its creator or an administrator."""

    code: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    actor_is_admin: bool = False


@dataclass(frozen=True)
class StartDiscussion(Command):
    """A new discussion, started by the actor (its creator), in a project or none,
    with active staff invited and a first message; returns its number."""

    subject: str
    project: str | None = None
    body: str | None = None
    invite: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostDiscussionMessage(Command):
    """A message on a discussion not closed, by whoever sees it; returns its id.
    `attachments`: (filename, content type, bytes). `author` (a staff username, as
    the mail router matched it) writes instead of the actor, and must see it too."""

    number: str
    body: str
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    author: str | None = None
    author_kind: str = "staff"
    inbound_mail_id: int | None = None
    actor_is_admin: bool = False


@dataclass(frozen=True)
class ChangeDiscussionStatus(Command):
    """open, on_hold, resolved or closed; by its creator or an administrator."""

    number: str
    status: str
    actor_is_admin: bool = False


@dataclass(frozen=True)
class InviteToDiscussion(Command):
    """Invite active staff (a participant, or an administrator, invites); returns
    the usernames newly taking part."""

    number: str
    usernames: tuple[str, ...]
    actor_is_admin: bool = False


@dataclass(frozen=True)
class LeaveDiscussion(Command):
    """The actor stops taking part (kept, inactive); the creator cannot leave."""

    number: str
    actor_is_admin: bool = False


@dataclass(frozen=True)
class SetDiscussionNotify(Command):
    """The actor's own mail about new messages, on or off; returns whether it changed."""

    number: str
    notify: bool
    actor_is_admin: bool = False


# <<< discussions
