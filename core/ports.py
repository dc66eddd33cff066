"""The interfaces the core needs; storage and adapters implement them."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple, Protocol

from core.canonical import (
    CanonicalOrder,
    PaymentRequest,
    PaymentResult,
    PriceAvailability,
    RateQuote,
    RateRequest,
)

if TYPE_CHECKING:
    from core.events import Event
    from core.model.documents import InboundDocument, ReceivedDocument
    from core.model.orders import Order
    from core.model.outbound import OutboundDocument
    from core.model.partners import Partner


class Actor(NamedTuple):
    """Who made a change: a staff member, a trading partner or the system."""

    kind: str
    name: str


SYSTEM = Actor("system", "orderb2b")


class DocumentParser(Protocol):
    def __call__(self, raw: bytes, partner: str | None = None) -> list[CanonicalOrder]: ...


class OrderRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, order: Order) -> None: ...

    @abc.abstractmethod
    def link_to_customer(self, partner: str, customer_id: int) -> int:
        """Orders from this partner not yet linked to a customer become this one's."""

    @abc.abstractmethod
    def create(
        self,
        number: str,
        order: CanonicalOrder,
        document_id: int | None,
        *,
        customer_id: int | None = None,
    ) -> None:
        """A new order from a canonical one, of this customer if known; kept with its
        history by the commit."""

    @abc.abstractmethod
    def get(self, number: str) -> Order | None: ...

    @abc.abstractmethod
    def find_external(self, channel: str, partner: str, external_id: str) -> Order | None: ...

    @abc.abstractmethod
    def find_external_many(
        self, keys: Iterable[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], Order]:
        """Orders by (channel, partner, external id), in one lookup."""

    @abc.abstractmethod
    def find_by_source_document(
        self, channel: str, partner: str, source_document_id: str
    ) -> Order | None: ...


class DocumentRepository(abc.ABC):
    @abc.abstractmethod
    def add_many(self, documents: list[InboundDocument]) -> None:
        """Keep new documents at once; each gets its id."""

    @abc.abstractmethod
    def get(self, document_id: int) -> InboundDocument | None: ...

    @abc.abstractmethod
    def get_many(self, document_ids: Iterable[int]) -> dict[int, ReceivedDocument]:
        """Documents to process; how they are settled is written by the commit."""


class Inbox(abc.ABC):
    """Processed message ids per processor: what makes consumers idempotent."""

    @abc.abstractmethod
    def unseen(self, processor: str, message_ids: Iterable[str]) -> set[str]: ...

    @abc.abstractmethod
    def record(self, processor: str, message_ids: Iterable[str]) -> None: ...


class UnitOfWork(abc.ABC):
    orders: OrderRepository
    documents: DocumentRepository
    partners: PartnerRepository
    outbound: OutboundRepository
    interchanges: InterchangeRepository
    punchout: PunchOutRepository
    shipments: ShipmentRepository
    invoices: InvoiceRepository
    staff: StaffRepository
    activity: ActivityLog
    # customers and teams
    customers: CustomerRepository
    teams: TeamRepository
    # products and pricing
    catalog: CatalogRepository
    sales_settings: SalesSettingsRepository
    prices: PriceBook
    # order editing
    comments: CommentRepository
    settings: SettingsRepository
    # quotes and RFQs
    quotes: QuoteRepository
    rfqs: RfqRepository
    carts: CartRepository
    sales_desk: SalesDesk
    # >>> invoices (issue 5)
    billing: BillingDesk
    attachments: AttachmentStore
    # <<< invoices
    # >>> purchasing and shipments from suppliers (issue 5)
    purchasing: PurchasingRepository
    # <<< purchasing
    # >>> payments (issue 5)
    payments: PaymentRepository
    # <<< payments
    # >>> mail (issue 6)
    mail: MailRepository
    # <<< mail
    # >>> returns, tasks and discussions (issue 6)
    rmas: RmaRepository
    tasks: TaskRepository
    discussions: DiscussionRepository
    # <<< returns, tasks and discussions
    inbox: Inbox
    actor: Actor

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info) -> None:
        self.rollback()

    @abc.abstractmethod
    def emit(self, event: Event, target: str | None = None) -> None:
        """Queue an event in the outbox; it is written with the commit."""

    @abc.abstractmethod
    def next_numbers(self, series: str, count: int) -> list[int]: ...

    @abc.abstractmethod
    def next_counter(self, name: str, count: int = 1) -> list[int]: ...

    @abc.abstractmethod
    def no_autoflush(self) -> AbstractContextManager: ...

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def detach(self) -> None:
        """Keep what this unit of work loaded readable after it ends (it is rolled
        back on exit, which would otherwise expire it)."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


class MailRepository(abc.ABC):
    """Email sent and received (core.model.mail), and comments that came by email."""

    @abc.abstractmethod
    def add_outgoing(self, mail) -> None: ...

    @abc.abstractmethod
    def outgoing(self, mail_id: int): ...

    @abc.abstractmethod
    def claim_outgoing(self, mail_id: int):
        """The message if it is still pending and no other sender holds it."""

    @abc.abstractmethod
    def due_outgoing(self, now: datetime, limit: int) -> list:
        """Pending messages whose next attempt is due, locked for this transaction."""

    @abc.abstractmethod
    def outgoing_by_message_ids(self, message_ids) -> list: ...

    @abc.abstractmethod
    def add_inbound(self, mail) -> None: ...

    @abc.abstractmethod
    def inbound(self, mail_id: int, *, lock: bool = False): ...

    @abc.abstractmethod
    def inbound_by_digest(self, sha256: str): ...

    @abc.abstractmethod
    def add_comment(self, comment) -> None: ...

    @abc.abstractmethod
    def document_id(self, kind: str, number: str) -> int | None:
        """The id of the document of that kind and number, None if there is none."""


class PartnerRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, partner: Partner) -> None: ...

    @abc.abstractmethod
    def get(self, code: str) -> Partner | None: ...

    @abc.abstractmethod
    def list_all(self, channel: str | None = None) -> list[Partner]: ...


class OutboundRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, document: OutboundDocument) -> None: ...

    @abc.abstractmethod
    def get(self, document_id: int) -> OutboundDocument | None: ...

    @abc.abstractmethod
    def claim(self, document_id: int) -> OutboundDocument | None:
        """The document if it is still pending and no other sender holds it."""

    @abc.abstractmethod
    def due(self, now: datetime, limit: int) -> list[OutboundDocument]:
        """Pending documents whose next attempt is due, locked for this transaction."""

    @abc.abstractmethod
    def for_reference(self, kind: str, reference: str) -> list[OutboundDocument]: ...


if TYPE_CHECKING:
    from core.model.products import Product
    from core.model.punchout import PunchOutSession


class PunchOutRepository(abc.ABC):
    """PunchOut sessions, and the priced products they shop from."""

    @abc.abstractmethod
    def add(self, session: PunchOutSession) -> None: ...

    @abc.abstractmethod
    def with_start_token(self, token_hash: str) -> PunchOutSession | None:
        """The session of a start token, locked for this transaction."""

    @abc.abstractmethod
    def with_browser_key(self, key_hash: str, *, lock: bool = False) -> PunchOutSession | None:
        """The session of a browser key; `lock` for a change."""

    @abc.abstractmethod
    def get_many(self, session_ids: Iterable[int]) -> dict[int, PunchOutSession]:
        """Sessions by id, locked for this transaction."""

    @abc.abstractmethod
    def aux_ids_of_orders(self, numbers: Iterable[str]) -> dict[str, list[str]]:
        """Our PunchOut auxiliary ids on the lines of these orders, by order number."""

    @abc.abstractmethod
    def find_products(self, text: str, limit: int) -> list[Product]:
        """Priced products whose part number, description or maker matches `text`."""

    @abc.abstractmethod
    def products(self, skus: Iterable[str]) -> dict[str, Product]:
        """Priced products by part number."""


class EarlierInterchange(NamedTuple):
    document_id: int
    acknowledgement: bytes


class InterchangeRepository(abc.ABC):
    """X12 interchange control numbers per sender: how a re-sent one is recognised."""

    @abc.abstractmethod
    def find(
        self, sender_qualifier: str, sender_id: str, control_number: str
    ) -> EarlierInterchange | None: ...

    @abc.abstractmethod
    def add(
        self,
        sender_qualifier: str,
        sender_id: str,
        control_number: str,
        partner: str,
        document_id: int,
        acknowledgement_id: int | None,
    ) -> None: ...


if TYPE_CHECKING:
    from core.model.invoices import Invoice
    from core.model.shipments import Shipment


class ShipmentRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, shipment: Shipment) -> None: ...

    @abc.abstractmethod
    def get(self, number: str) -> Shipment | None: ...

    @abc.abstractmethod
    def for_order(self, order_number: str) -> list[Shipment]:
        """An order's shipments, oldest first."""


class InvoiceRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, invoice: Invoice) -> None: ...

    @abc.abstractmethod
    def get(self, number: str) -> Invoice | None: ...

    @abc.abstractmethod
    def for_order(self, order_number: str) -> list[Invoice]:
        """An order's invoices and credit notes, oldest first."""


if TYPE_CHECKING:
    from core.model.profiles import Profile
    from core.model.staff import ApiToken, StaffMember


class StaffRepository(abc.ABC):
    """Staff accounts, their API tokens and the profiles that give them permissions."""

    @abc.abstractmethod
    def add(self, staff: StaffMember) -> None:
        """Keep a new staff member; it has its id on return."""

    @abc.abstractmethod
    def get(self, username: str) -> StaffMember | None: ...

    @abc.abstractmethod
    def get_by_id(self, staff_id: int) -> StaffMember | None: ...

    @abc.abstractmethod
    def add_token(self, token: ApiToken) -> None:
        """Keep a new token; it has its id on return."""

    @abc.abstractmethod
    def token(self, staff_id: int, token_id: int) -> ApiToken | None: ...

    @abc.abstractmethod
    def tokens_with_lookup(self, lookup: str) -> list[ApiToken]: ...

    @abc.abstractmethod
    def profile(self, name: str) -> Profile | None: ...


class ActivityLog(abc.ABC):
    """What staff did, recorded in the same transaction as the change itself."""

    @abc.abstractmethod
    def record(
        self,
        action: str,
        *,
        document_type: str | None = None,
        document_id: str | None = None,
        detail: dict | None = None,
    ) -> None: ...


# --- customers and teams ---

if TYPE_CHECKING:
    from core.model.customers import (
        Customer,
        CustomerAddress,
        CustomerContact,
        CustomerGroup,
    )
    from core.model.teams import SalesTeam, TeamMember


class CustomerRepository(abc.ABC):
    """Customers with their contacts and addresses, and the customer groups."""

    @abc.abstractmethod
    def add(self, customer: Customer) -> None:
        """Keep a new customer; it has its id on return."""

    @abc.abstractmethod
    def get(self, code: str) -> Customer | None: ...

    @abc.abstractmethod
    def get_by_id(self, customer_id: int) -> Customer | None: ...

    @abc.abstractmethod
    def with_partner_code(self, partner_code: str) -> list[Customer]:
        """Live customers whose orders arrive under this trading partner code."""

    @abc.abstractmethod
    def ids_by_partner(self, partner_codes: Iterable[str]) -> dict[str, int]:
        """The live customer of each partner code that has one, in one lookup."""

    @abc.abstractmethod
    def some_group_confirms(self) -> bool:
        """Whether any customer group wants order confirmations "always"."""

    @abc.abstractmethod
    def add_part(self, part: CustomerContact | CustomerAddress) -> None:
        """Keep a new contact or address; it has its id on return."""

    @abc.abstractmethod
    def contacts(self, customer_id: int) -> list[CustomerContact]: ...

    @abc.abstractmethod
    def addresses(self, customer_id: int) -> list[CustomerAddress]: ...

    @abc.abstractmethod
    def add_group(self, group: CustomerGroup) -> None:
        """Keep a new customer group; it has its id on return."""

    @abc.abstractmethod
    def group(self, code: str) -> CustomerGroup | None: ...

    @abc.abstractmethod
    def group_by_id(self, group_id: int) -> CustomerGroup | None: ...

    @abc.abstractmethod
    def lead_group(self) -> CustomerGroup | None:
        """The group that takes new leads, if one does."""

    @abc.abstractmethod
    def save(self) -> None:
        """Write the changes so far (before a change that depends on their order)."""


class TeamRepository(abc.ABC):
    """Sales teams, their members, and whose customers each person sees."""

    @abc.abstractmethod
    def add(self, team: SalesTeam) -> None:
        """Keep a new team; it has its id on return."""

    @abc.abstractmethod
    def get(self, code: str) -> SalesTeam | None: ...

    @abc.abstractmethod
    def membership(self, team_id: int, staff_id: int) -> TeamMember | None:
        """A person's place in a team, also after they left it."""

    @abc.abstractmethod
    def add_member(self, member: TeamMember) -> None: ...

    @abc.abstractmethod
    def groups_seen_by(self, staff_id: int) -> frozenset[int] | None:
        """The customer groups a salesperson or sales manager is limited to, or
        None while no sales team exists and they manage no group."""


# --- products and pricing ---

if TYPE_CHECKING:
    from core.model.branches import Branch
    from core.model.discount_codes import DiscountCode, Verdict
    from core.model.pricing import Override, Price
    from core.model.products import PriceLevel
    from core.model.shipping_rates import ShippingQuote, ShippingRange
    from core.model.tax import TaxQuote, TaxRate


class CatalogRepository(abc.ABC):
    """Products (with their suppliers, level prices and breaks) and price levels."""

    @abc.abstractmethod
    def add(self, product: Product) -> None:
        """Keep a new product; it has its id on return."""

    @abc.abstractmethod
    def get(self, sku: str) -> Product | None: ...

    @abc.abstractmethod
    def add_level(self, level: PriceLevel) -> None: ...

    @abc.abstractmethod
    def level(self, code: str) -> PriceLevel | None: ...


class SalesSettingsRepository(abc.ABC):
    """Tax rates, shipping ranges, discount codes and branches."""

    @abc.abstractmethod
    def add(self, item: TaxRate | ShippingRange | DiscountCode | Branch) -> None:
        """Keep a new one; it has its id on return."""

    @abc.abstractmethod
    def add_all(self, items: Iterable[DiscountCode]) -> None: ...

    @abc.abstractmethod
    def tax_rate(
        self, country: str, state: str | None, postal_prefix: str | None
    ) -> TaxRate | None:
        """The rate kept for exactly this jurisdiction, if any."""

    @abc.abstractmethod
    def shipping_range(self, range_id: int) -> ShippingRange | None: ...

    @abc.abstractmethod
    def shipping_ranges(self, method: str) -> list[ShippingRange]:
        """Every range of a method, held against a concurrent change of them."""

    @abc.abstractmethod
    def discount_code(self, code: str) -> DiscountCode | None: ...

    @abc.abstractmethod
    def existing_codes(self, codes: Iterable[str]) -> set[str]: ...

    @abc.abstractmethod
    def redeem(self, code: str) -> int | None:
        """Count one use unless the code is used up (atomically); the new count or None."""

    @abc.abstractmethod
    def branch(self, code: str) -> Branch | None: ...


class PriceBook(abc.ABC):
    """The pricing rules over stored products, customers, rates and ranges."""

    @abc.abstractmethod
    def price_for(
        self, sku: str, customer_code: str | None, quantity, override: Override | None = None
    ) -> Price: ...

    @abc.abstractmethod
    def tax_for(
        self, country: str, state, postal_code, amount, customer_code: str | None = None
    ) -> TaxQuote: ...

    @abc.abstractmethod
    def shipping_price(self, method: str, order_value, weight, country) -> ShippingQuote: ...

    @abc.abstractmethod
    def discount_verdict(self, code: str, customer_code: str | None, order_value, on) -> Verdict:
        """Whether the code takes something off this order now, and why not."""


# --- order editing ---

if TYPE_CHECKING:
    from core.model.comments import OrderComment


class CommentRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, comment: OrderComment) -> None:
        """Keep a new comment; it has its id on return."""


class SettingsRepository(abc.ABC):
    """Settings staff change (confirmation email, quote validity, company header),
    each with a registered default."""

    @abc.abstractmethod
    def get(self, key: str) -> object:
        """The setting's value, or its default when never set."""

    @abc.abstractmethod
    def set(self, key: str, value: object) -> None:
        """Refused (an OrderB2BError) for an unknown key or a value of the wrong kind."""


# --- quotes and RFQs ---

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from core.model.carts import Cart
    from core.model.quotes import DiscountCheck, Priced, Quote, QuoteVersion
    from core.model.rfqs import Rfq


class QuoteRepository(abc.ABC):
    """Quotes with their versions and lines."""

    @abc.abstractmethod
    def add(self, quote: Quote) -> None:
        """Keep a new quote; it and its versions have their ids on return."""

    @abc.abstractmethod
    def get(self, number: str, *, lock: bool = False) -> Quote | None:
        """A quote; `lock` holds it for this transaction (a conversion to an order)."""

    @abc.abstractmethod
    def keep_pdf(self, version: QuoteVersion, pdf: bytes) -> None:
        """Write the PDF of a version being sent; kept apart from the history, which
        records its SHA-256."""

    @abc.abstractmethod
    def order_of(self, version: QuoteVersion) -> str | None:
        """The number of the order made from a version, if one was."""


class RfqRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, rfq: Rfq) -> None:
        """Keep a new request; it has its id on return."""

    @abc.abstractmethod
    def get(self, number: str, *, lock: bool = False) -> Rfq | None: ...


class CartRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, cart: Cart) -> None:
        """Keep a new cart; it has its id on return."""

    @abc.abstractmethod
    def get(self, cart_id: int, *, lock: bool = False) -> Cart | None: ...


class SalesDesk(abc.ABC):
    """What quotes, carts and RFQs ask of customers, the catalog and the price rules."""

    @abc.abstractmethod
    def customer_by_id(self, customer_id: int) -> Customer | None: ...

    @abc.abstractmethod
    def customer_by_email(self, email: str) -> Customer | None:
        """The live customer whose address it is, or else whose contact's it is."""

    @abc.abstractmethod
    def price(self, sku: str, customer_code: str | None, quantity: Decimal) -> Priced | None:
        """The engine's price of a product for a customer and quantity; None when
        there is no such product."""

    @abc.abstractmethod
    def sku_for_part(self, part: str) -> str | None:
        """Our part number for a buyer's: ours, the maker's or a supplier's."""

    @abc.abstractmethod
    def shipping(
        self, method: str, order_value: Decimal, weight: Decimal, country: str | None
    ) -> Decimal | None:
        """The method's price by the shipping ranges; None when no range takes it."""

    @abc.abstractmethod
    def shipping_options(
        self, order_value: Decimal, weight: Decimal, country: str | None
    ) -> dict[str, Decimal]:
        """Every method the shipping ranges price for this order, with its price."""

    @abc.abstractmethod
    def tax(self, ship_to: dict | None, amount: Decimal, customer_code: str | None) -> Decimal:
        """The tax on an amount shipped to an address (none for exempt customers)."""

    @abc.abstractmethod
    def check_discount(
        self, code: str, customer_code: str | None, order_value: Decimal, today: date
    ) -> DiscountCheck:
        """What a discount code takes off an order now, or why it takes nothing."""


class SupplierService(Protocol):
    """A supplier's price and availability service (SOAP, REST). Raises
    core.errors.ServiceFailed on timeout, server error or an unreadable answer."""

    def price_availability(
        self, parts: list[str], quantity: dict[str, Decimal] | None = None
    ) -> list[PriceAvailability]: ...


class CarrierRates(Protocol):
    """Rate estimates from a carrier. Raises core.errors.ServiceFailed."""

    name: str

    def rates(self, request: RateRequest) -> list[RateQuote]: ...


class PaymentGateway(Protocol):
    """A payment gateway. Declines come back as results (outcome "declined");
    timeouts, unreachable gateways and unreadable answers raise ServiceFailed."""

    name: str

    def execute(self, request: PaymentRequest) -> PaymentResult: ...


# >>> invoices (issue 5)

if TYPE_CHECKING:
    from core.model.attachments import Attachment
    from core.model.bulk_invoicing import BillableOrder, InvoicingRule, NewInvoice


class BillingDesk(abc.ABC):
    """What invoicing asks of storage beyond single invoices: locks, credit notes,
    series, invoicing rules, and the bulk reads and writes of bulk invoicing."""

    @abc.abstractmethod
    def lock_order(self, order_number: str) -> None:
        """Hold the order for this transaction, before it is loaded (so two writers
        cannot both bill the same quantities)."""

    @abc.abstractmethod
    def lock_invoice(self, number: str) -> None:
        """Hold an invoice and its order for this transaction, before they are loaded."""

    @abc.abstractmethod
    def credit_notes(self, invoice_id: int) -> list[Invoice]:
        """The credit notes of an invoice, oldest first."""

    @abc.abstractmethod
    def known_series(self) -> set[str]:
        """The invoice series that have numbered something."""

    @abc.abstractmethod
    def number_taken(self, number: str) -> bool: ...

    @abc.abstractmethod
    def rule(self, *, customer_id: int | None = None, group_id: int | None = None):
        """The InvoicingRule of a customer or a group, if one was set."""

    @abc.abstractmethod
    def add_rule(self, rule: InvoicingRule) -> None: ...

    @abc.abstractmethod
    def candidates(self, customers: Iterable[str] = ()) -> list[tuple[int, str, str | None]]:
        """(order id, order number, customer code) of the orders bulk invoicing looks
        at, by customer and then order; only these customers' when named."""

    @abc.abstractmethod
    def billable(
        self, order_ids: list[int], *, lock: bool
    ) -> tuple[list[BillableOrder], list[int]]:
        """The orders as they stand now, with their lines and rules; with `lock`,
        held for this transaction, except those another transaction holds (their
        ids come second, to be skipped)."""

    @abc.abstractmethod
    def write_invoices(self, invoices: list[NewInvoice]) -> None:
        """Write new invoices with their lines and history, and their orders' new
        invoiced quantities and statuses, in bulk."""


class AttachmentStore(abc.ABC):
    """Files kept for documents; written once, never changed or deleted."""

    @abc.abstractmethod
    def add(self, attachment: Attachment, owner: object | None = None) -> int:
        """Keep a file; returns its id. `owner`, a document of this transaction,
        gives the owner id (it is written first if it is new)."""

    @abc.abstractmethod
    def get(self, attachment_id: int) -> Attachment | None: ...


# <<< invoices
# >>> purchasing and shipments from suppliers (issue 5)

if TYPE_CHECKING:
    from core.model.purchasing import PurchaseOrder, Supplier


class SupplierCost(NamedTuple):
    supplier_part_id: str
    cost: Decimal | None


class PurchasingRepository(abc.ABC):
    """Suppliers, purchase orders and what suppliers' systems last answered."""

    @abc.abstractmethod
    def add_supplier(self, supplier: Supplier) -> None: ...

    @abc.abstractmethod
    def supplier(self, code: str) -> Supplier | None: ...

    @abc.abstractmethod
    def add(self, purchase_order: PurchaseOrder) -> None: ...

    @abc.abstractmethod
    def get(self, number: str, *, lock: bool = False) -> PurchaseOrder | None: ...

    @abc.abstractmethod
    def for_order(self, order_id: int) -> list[PurchaseOrder]: ...

    @abc.abstractmethod
    def keep_pdf(self, number: str, pdf: bytes) -> None: ...

    @abc.abstractmethod
    def catalogue_cost(self, sku: str | None, supplier_code: str) -> SupplierCost | None:
        """The supplier's part number and cost for one of our products."""

    @abc.abstractmethod
    def shipment_of(self, purchase_order_id: int, supplier_shipment_id: str) -> str | None:
        """The number of the shipment a supplier already reported with this id."""

    @abc.abstractmethod
    def keep_availability(
        self,
        supplier_code: str,
        answers: Iterable[tuple[str, dict]],
        failed_parts: Iterable[str],
        error: str | None,
        now: datetime,
    ) -> None:
        """Keep fresh answers per part; mark the parts whose refresh failed."""


# <<< purchasing
# >>> payments (issue 5)

if TYPE_CHECKING:
    from core.model.payments import Payment


class PaymentRepository(abc.ABC):
    """Payments with their events, and the invoices they are taken for."""

    @abc.abstractmethod
    def add(self, payment: Payment) -> None:
        """Keep a new payment; it has its id on return."""

    @abc.abstractmethod
    def get(self, number: str, *, lock: bool = False) -> Payment | None:
        """A payment; `lock` holds it for this transaction."""

    @abc.abstractmethod
    def invoice(self, number: str, *, lock: bool = False) -> Invoice | None:
        """The invoice to take a payment for; `lock` holds it for this transaction,
        so concurrent payments of one invoice see each other."""

    @abc.abstractmethod
    def for_invoice(self, invoice_id: int) -> list[Payment]:
        """An invoice's payments, oldest first."""

    @abc.abstractmethod
    def credit_notes(self, invoice_id: int) -> list[Invoice]:
        """The credit notes of an invoice (not archived): they lower what is owed."""


# <<< payments


# >>> returns (issue 6)

if TYPE_CHECKING:
    from core.model.rmas import Rma


class RmaRepository(abc.ABC):
    """Returns (RMAs)."""

    @abc.abstractmethod
    def add(self, rma: Rma) -> None:
        """Keep a new RMA; it has its id on return."""

    @abc.abstractmethod
    def get(self, number: str, *, lock: bool = False) -> Rma | None:
        """The RMA; `lock` holds it and its order for this transaction, before they
        are loaded (so two returns of one order see each other)."""

    @abc.abstractmethod
    def for_order(self, order_id: int) -> list[Rma]:
        """The order's RMAs, oldest first."""

    @abc.abstractmethod
    def lock_order(self, order_number: str) -> None:
        """Hold the order for this transaction, before it is loaded."""


# <<< returns
# >>> tasks (issue 6)

if TYPE_CHECKING:
    from core.model.tasks import Task, TaskDocument


class TaskRepository(abc.ABC):
    """Tasks for staff."""

    @abc.abstractmethod
    def add(self, task: Task) -> None:
        """Keep a new task; it has its id on return."""

    @abc.abstractmethod
    def get(self, number: str, *, lock: bool = False) -> Task | None:
        """A task; `lock` holds it for this transaction."""

    @abc.abstractmethod
    def document(self, kind: str, number: str) -> TaskDocument | None:
        """The order, quote, RMA or discussion with this number (a discussion with
        its creator), or None."""


# <<< tasks
# >>> discussions (issue 6)

if TYPE_CHECKING:
    from core.model.discussions import Discussion, DiscussionMessage, Project


class DiscussionRepository(abc.ABC):
    """Projects and discussions."""

    @abc.abstractmethod
    def add_project(self, project: Project) -> None: ...

    @abc.abstractmethod
    def project(self, code: str) -> Project | None: ...

    @abc.abstractmethod
    def add(self, discussion: Discussion) -> None: ...

    @abc.abstractmethod
    def get(self, number: str, *, lock: bool = False) -> Discussion | None: ...

    @abc.abstractmethod
    def add_message(self, message: DiscussionMessage) -> None: ...


# <<< discussions
