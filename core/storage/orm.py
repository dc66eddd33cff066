"""Maps the plain domain classes onto the tables (the domain knows no ORM)."""

from sqlalchemy.orm import registry, relationship

from core.model.branches import Branch
from core.model.bulk_invoicing import InvoicingRule
from core.model.carts import Cart, CartLine
from core.model.comments import OrderComment
from core.model.customers import Customer, CustomerAddress, CustomerContact, CustomerGroup
from core.model.discount_codes import DiscountCode
from core.model.documents import InboundDocument
from core.model.invoices import Invoice, InvoiceLine
from core.model.mail import DocumentComment, InboundMail, OutgoingMail
from core.model.orders import Order, OrderLine
from core.model.outbound import OutboundDocument
from core.model.partners import Partner
from core.model.payments import Payment, PaymentEvent
from core.model.products import PriceBreak, PriceLevel, Product, ProductPrice, ProductSupplier
from core.model.profiles import Profile
from core.model.purchasing import (
    PurchaseOrder,
    PurchaseOrderComment,
    PurchaseOrderLine,
    Supplier,
)
from core.model.quotes import Quote, QuoteLine, QuoteVersion
from core.model.rfqs import Rfq
from core.model.shipments import Shipment, ShipmentLine
from core.model.shipping_rates import ShippingRange
from core.model.staff import ApiToken, StaffMember
from core.model.tax import TaxRate
from core.model.teams import SalesTeam, TeamMember
from core.storage import discussions, rmas, tables, tasks
from core.storage.catalog import map_catalog
from core.storage.settings import Setting

mapper_registry = registry(metadata=tables.metadata)
_mapped = False

# Audited classes: which document they belong to, and how to find its id.
AUDIT_ROOTS = {
    Order: ("order", lambda o: o.id),
    OrderLine: ("order", lambda line: line.order_id),
    Partner: ("partner", lambda p: p.id),
    Customer: ("customer", lambda c: c.id),
    Product: ("product", lambda p: p.id),
    StaffMember: ("staff", lambda s: s.id),
    ApiToken: ("staff", lambda t: t.staff_id),
    Profile: ("profile", lambda p: p.id),
    Shipment: ("shipment", lambda s: s.id),
    ShipmentLine: ("shipment", lambda line: line.shipment_id),
    Invoice: ("invoice", lambda i: i.id),
    InvoiceLine: ("invoice", lambda line: line.invoice_id),
    # customers and teams (0007)
    CustomerContact: ("customer", lambda x: x.customer_id),
    CustomerAddress: ("customer", lambda x: x.customer_id),
    CustomerGroup: ("customer_group", lambda g: g.id),
    SalesTeam: ("sales_team", lambda t: t.id),
    TeamMember: ("sales_team", lambda m: m.team_id),
    # products and pricing (0008)
    ProductSupplier: ("product", lambda s: s.product_id),
    ProductPrice: ("product", lambda p: p.product_id),
    PriceBreak: ("product", lambda b: b.product_id),
    PriceLevel: ("price_level", lambda level: level.id),
    TaxRate: ("tax_rate", lambda r: r.id),
    ShippingRange: ("shipping_range", lambda r: r.id),
    DiscountCode: ("discount_code", lambda c: c.id),
    Branch: ("branch", lambda b: b.id),
    # order editing (0009)
    OrderComment: ("order", lambda c: c.order_id),
    Setting: ("setting", lambda s: s.id),
    # quotes and RFQs (0010)
    Quote: ("quote", lambda q: q.id),
    QuoteVersion: ("quote", lambda v: v.quote_id),
    QuoteLine: ("quote", lambda line: line.version.quote_id),
    Rfq: ("rfq", lambda r: r.id),
    Cart: ("cart", lambda c: c.id),
    CartLine: ("cart", lambda line: line.cart_id),
    # >>> invoices (issue 5)
    InvoicingRule: ("invoicing_rule", lambda r: r.id),
    # <<< invoices
    # >>> purchasing and shipments from suppliers (issue 5)
    Supplier: ("supplier", lambda s: s.id),
    PurchaseOrder: ("purchase_order", lambda po: po.id),
    PurchaseOrderLine: ("purchase_order", lambda line: line.purchase_order_id),
    PurchaseOrderComment: ("purchase_order", lambda c: c.purchase_order_id),
    # <<< purchasing
    # >>> payments (issue 5)
    Payment: ("payment", lambda p: p.id),
    # <<< payments
    # >>> mail (issue 6): a message sent, or a comment, is in its document's history
    OutgoingMail: (lambda m: m.document_kind, lambda m: m.document_id),
    DocumentComment: (lambda c: c.document_kind, lambda c: c.document_id),
    InboundMail: ("inbound_mail", lambda m: m.id),
    # <<< mail
    **rmas.AUDIT_ROOTS,
    **tasks.AUDIT_ROOTS,
    **discussions.AUDIT_ROOTS,
}
ENTITY_NAMES = {
    Order: "order",
    OrderLine: "order_line",
    Partner: "partner",
    Customer: "customer",
    Product: "product",
    StaffMember: "staff",
    ApiToken: "api_token",
    Profile: "profile",
    Shipment: "shipment",
    ShipmentLine: "shipment_line",
    Invoice: "invoice",
    InvoiceLine: "invoice_line",
    # customers and teams (0007)
    CustomerContact: "customer_contact",
    CustomerAddress: "customer_address",
    CustomerGroup: "customer_group",
    SalesTeam: "sales_team",
    TeamMember: "team_member",
    # products and pricing (0008)
    ProductSupplier: "product_supplier",
    ProductPrice: "product_price",
    PriceBreak: "price_break",
    PriceLevel: "price_level",
    TaxRate: "tax_rate",
    ShippingRange: "shipping_range",
    DiscountCode: "discount_code",
    Branch: "branch",
    # order editing (0009)
    OrderComment: "order_comment",
    Setting: "setting",
    # quotes and RFQs (0010)
    Quote: "quote",
    QuoteVersion: "quote_version",
    QuoteLine: "quote_line",
    Rfq: "rfq",
    Cart: "cart",
    CartLine: "cart_line",
    # >>> invoices (issue 5)
    InvoicingRule: "invoicing_rule",
    # <<< invoices
    # >>> purchasing and shipments from suppliers (issue 5)
    Supplier: "supplier",
    PurchaseOrder: "purchase_order",
    PurchaseOrderLine: "purchase_order_line",
    PurchaseOrderComment: "purchase_order_comment",
    # <<< purchasing
    # >>> payments (issue 5)
    Payment: "payment",
    # <<< payments
    # >>> mail (issue 6)
    OutgoingMail: "outgoing_mail",
    DocumentComment: "document_comment",
    InboundMail: "inbound_mail",
    # <<< mail
    **rmas.ENTITY_NAMES,
    **tasks.ENTITY_NAMES,
    **discussions.ENTITY_NAMES,
}
UNAUDITED_FIELDS = frozenset(
    {"updated_at", "created_at", "secret_salt", "last_used_at", "raw", "size", "sha256"}
)
# Recorded as changed, never with their values.
SECRET_FIELDS = frozenset(
    {"password_hash", "secret_hash", "outbound_secret", "token_hash", "service_secret"}
)
SECRET_SHOWN_AS = "(secret)"


def map_domain() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(OrderLine, tables.order_lines)
    mapper_registry.map_imperatively(
        Order,
        tables.orders,
        properties={
            "lines": relationship(
                OrderLine, order_by=tables.order_lines.c.line_number, lazy="selectin"
            )
        },
    )
    mapper_registry.map_imperatively(InboundDocument, tables.inbound_documents)
    mapper_registry.map_imperatively(Partner, tables.partners)
    mapper_registry.map_imperatively(Customer, tables.customers)
    mapper_registry.map_imperatively(Product, tables.products)
    mapper_registry.map_imperatively(StaffMember, tables.staff)
    mapper_registry.map_imperatively(ApiToken, tables.api_tokens)
    mapper_registry.map_imperatively(Profile, tables.profiles)
    mapper_registry.map_imperatively(OutboundDocument, tables.outbound_documents)
    _map_fulfilment()
    # customers and teams (0007)
    for cls, table in (
        (CustomerContact, tables.customer_contacts),
        (CustomerAddress, tables.customer_addresses),
        (CustomerGroup, tables.customer_groups),
        (SalesTeam, tables.sales_teams),
        (TeamMember, tables.team_members),
    ):
        mapper_registry.map_imperatively(cls, table)
    # products and pricing (0008)
    map_catalog(mapper_registry)
    # order editing (0009)
    mapper_registry.map_imperatively(OrderComment, tables.order_comments)
    mapper_registry.map_imperatively(Setting, tables.settings)
    # quotes and RFQs (0010): a sent version's PDF is written apart, not kept in history
    mapper_registry.map_imperatively(QuoteLine, tables.quote_lines)
    order = tables.quote_lines.c.line_number
    lines = relationship(QuoteLine, order_by=order, backref="version", lazy="selectin")
    mapper_registry.map_imperatively(
        QuoteVersion, tables.quote_versions, exclude_properties=["pdf"], properties={"lines": lines}
    )
    version_order = tables.quote_versions.c.version_number
    versions = relationship(QuoteVersion, order_by=version_order, lazy="selectin")
    mapper_registry.map_imperatively(Quote, tables.quotes, properties={"versions": versions})
    mapper_registry.map_imperatively(Rfq, tables.rfqs)
    mapper_registry.map_imperatively(CartLine, tables.cart_lines)
    cart_lines = relationship(CartLine, order_by=tables.cart_lines.c.line_number, lazy="selectin")
    mapper_registry.map_imperatively(Cart, tables.carts, properties={"lines": cart_lines})
    # >>> invoices (issue 5)
    mapper_registry.map_imperatively(InvoicingRule, tables.invoicing_rules)
    # <<< invoices
    # >>> purchasing and shipments from suppliers (issue 5)
    _map_purchasing()
    # <<< purchasing
    # >>> payments (issue 5)
    # A payment's events are its own ledger: not audited again.
    mapper_registry.map_imperatively(PaymentEvent, tables.payment_events)
    events = relationship(PaymentEvent, order_by=tables.payment_events.c.id)
    mapper_registry.map_imperatively(
        Payment, tables.payments, properties={"invoice": relationship(Invoice), "events": events}
    )
    # <<< payments
    # >>> mail (issue 6)
    for cls, table in (
        (OutgoingMail, tables.outgoing_mail),
        (InboundMail, tables.inbound_mail),
        (DocumentComment, tables.document_comments),
    ):
        mapper_registry.map_imperatively(cls, table)
    # <<< mail
    # returns, tasks and discussions (issue 6)
    rmas.map_rmas(mapper_registry)
    tasks.map_tasks(mapper_registry)
    discussions.map_discussions(mapper_registry)
    _mapped = True


def _map_fulfilment() -> None:
    """Shipments and invoices, each with its lines and the order it belongs to."""
    mapper_registry.map_imperatively(ShipmentLine, tables.shipment_lines)
    mapper_registry.map_imperatively(
        Shipment,
        tables.shipments,
        properties={
            "order": relationship(Order),
            "lines": relationship(
                ShipmentLine, order_by=tables.shipment_lines.c.line_number, lazy="selectin"
            ),
        },
    )
    mapper_registry.map_imperatively(InvoiceLine, tables.invoice_lines)
    mapper_registry.map_imperatively(
        Invoice,
        tables.invoices,
        properties={
            "order": relationship(Order),
            "lines": relationship(
                InvoiceLine, order_by=tables.invoice_lines.c.line_number, lazy="selectin"
            ),
        },
    )


def _map_purchasing() -> None:
    """Suppliers and purchase orders with their lines and comments; a sent PO's PDF
    is written apart, not kept in history."""
    mapper_registry.map_imperatively(Supplier, tables.suppliers)
    mapper_registry.map_imperatively(PurchaseOrderLine, tables.purchase_order_lines)
    mapper_registry.map_imperatively(PurchaseOrderComment, tables.purchase_order_comments)
    lines = tables.purchase_order_lines.c.line_number
    comments = tables.purchase_order_comments.c.id
    mapper_registry.map_imperatively(
        PurchaseOrder,
        tables.purchase_orders,
        exclude_properties=["pdf"],
        properties={
            "order": relationship(Order),
            "lines": relationship(PurchaseOrderLine, order_by=lines, lazy="selectin"),
            "comments": relationship(PurchaseOrderComment, order_by=comments, lazy="selectin"),
        },
    )
