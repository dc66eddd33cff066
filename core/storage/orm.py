"""Maps the plain domain classes onto the tables (the domain knows no ORM)."""

from sqlalchemy.orm import registry, relationship

from core.model.customers import Customer
from core.model.documents import InboundDocument
from core.model.invoices import Invoice, InvoiceLine
from core.model.orders import Order, OrderLine
from core.model.outbound import OutboundDocument
from core.model.partners import Partner
from core.model.products import Product
from core.model.profiles import Profile
from core.model.shipments import Shipment, ShipmentLine
from core.model.staff import ApiToken, StaffMember
from core.storage import tables

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
    # products and pricing (0008)
    # order editing (0009)
    # quotes and RFQs (0010)
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
    # products and pricing (0008)
    # order editing (0009)
    # quotes and RFQs (0010)
}
UNAUDITED_FIELDS = frozenset({"updated_at", "created_at", "secret_salt", "last_used_at"})
# Recorded as changed, never with their values.
SECRET_FIELDS = frozenset({"password_hash", "secret_hash", "outbound_secret", "token_hash"})
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
    # products and pricing (0008)
    # order editing (0009)
    # quotes and RFQs (0010)
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
