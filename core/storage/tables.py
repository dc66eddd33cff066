"""The relational schema. Alembic migrations create it; this module describes it."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from core.storage.types import Document, ExactDecimal

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer(), "sqlite")


def _stamps():
    return (
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("archived", Boolean, nullable=False, server_default=text("false")),
    )


partners = Table(
    "partners",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("identity_domain", String(64)),
    Column("identity", String(200)),
    Column("secret_salt", String(64)),
    Column("secret_hash", String(128)),
    Column("mode", String(16), nullable=False, server_default="production"),
    Column("our_identity_domain", String(64)),
    Column("our_identity", String(200)),
    Column("x12_qualifier", String(2)),
    Column("x12_id", String(15)),
    Column("x12_group_id", String(15)),
    Column("our_x12_qualifier", String(2)),
    Column("our_x12_id", String(15)),
    Column("our_x12_group_id", String(15)),
    Column("outbound_secret", Text),
    Column("endpoints", Document, nullable=False, server_default=text("'{}'")),
    *_stamps(),
    Index("ix_partners_x12", "x12_qualifier", "x12_id"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254)),
    Column("phone", String(64)),
    Column("partner_code", String(64)),
    *_stamps(),
)

products = Table(
    "products",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sku", String(100), nullable=False, unique=True),
    Column("description", Text),
    Column("manufacturer_name", String(200)),
    Column("manufacturer_part_id", String(100)),
    Column("unit_of_measure", String(8), nullable=False, server_default="EA"),
    Column("list_price", ExactDecimal),
    Column("cost", ExactDecimal),
    Column("currency", String(3), nullable=False, server_default="USD"),
    *_stamps(),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(254)),
    Column("password_hash", String(256), nullable=False),
    Column("is_admin", Boolean, nullable=False, server_default=text("false")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    *_stamps(),
    Column("profile", String(32), nullable=False, server_default="salesperson"),
    Column("permission_overrides", Document, nullable=False, server_default=text("'{}'")),
)

profiles = Table(
    "profiles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(32), nullable=False, unique=True),
    Column("permissions", Document, nullable=False),
    Column("changed", Boolean, nullable=False, server_default=text("false")),
    *_stamps(),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("staff_id", Id, ForeignKey("staff.id"), nullable=False, index=True),
    Column("lookup", String(16), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

activity_log = Table(
    "activity_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("staff_id", Id, ForeignKey("staff.id")),
    Column("username", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("document_type", String(32)),
    Column("document_id", String(200)),
    Column("detail", Document),
    Column("remote_addr", String(64)),
    Index("ix_activity_log_username", "username", "at"),
    Index("ix_activity_log_document", "document_type", "document_id", "at"),
)

inbound_documents = Table(
    "inbound_documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("partner", String(64)),
    Column("sha256", String(64), nullable=False, index=True),
    Column("content_type", String(100)),
    Column("raw", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("remote_addr", String(64)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("error", Text),
    Column("processed_at", DateTime(timezone=True)),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("partner", String(64), nullable=False),
    Column("external_order_id", String(100), nullable=False),
    Column("source_document_id", String(200)),
    Column("source_version", String(32)),
    Column("status", String(24), nullable=False),
    Column("needs_attention", Boolean, nullable=False, server_default=text("false")),
    Column("attention_reason", Text),
    Column("order_date", DateTime(timezone=True)),
    Column("currency", String(3), nullable=False),
    Column("buyer_organisation", String(200)),
    Column("buyer_name", String(200)),
    Column("buyer_email", String(254)),
    Column("buyer_phone", String(64)),
    Column("ship_to", Document),
    Column("bill_to", Document),
    Column("shipping_method", String(200)),
    Column("shipping_amount", ExactDecimal),
    Column("tax_amount", ExactDecimal),
    Column("discount_amount", ExactDecimal),
    Column("total_amount", ExactDecimal),
    Column("payment", Document),
    Column("extrinsics", Document),
    Column("comments", Text),
    Column("customer_id", Id, ForeignKey("customers.id")),
    Column("inbound_document_id", Id, ForeignKey("inbound_documents.id")),
    *_stamps(),
    Column("held_from", String(24)),
    Column("hold_reason", Text),
    UniqueConstraint("channel", "partner", "external_order_id"),
    Index("ix_orders_source_document", "channel", "partner", "source_document_id"),
    # Lists filter on these and page newest first by id.
    Index("ix_orders_status_id", "status", "id"),
    Index("ix_orders_partner_id", "partner", "id"),
    Index("ix_orders_channel_id", "channel", "id"),
    Index("ix_orders_created_at", "created_at"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("unit_of_measure", String(8), nullable=False),
    Column("unit_price", ExactDecimal),
    Column("currency", String(3)),
    Column("buyer_part_id", String(100)),
    Column("supplier_part_id", String(100)),
    Column("supplier_part_aux_id", String(200)),
    Column("manufacturer_part_id", String(100)),
    Column("manufacturer_name", String(200)),
    Column("description", Text),
    Column("classification", Document),
    Column("requested_delivery_date", Date),
    Column("comments", Text),
    Column("extrinsics", Document),
    Column("shipped_quantity", ExactDecimal, nullable=False, server_default="0"),
    Column("invoiced_quantity", ExactDecimal, nullable=False, server_default="0"),
    Column("backordered_quantity", ExactDecimal, nullable=False, server_default="0"),
    Column("backorder_expected", Date),
    UniqueConstraint("order_id", "line_number"),
)

history = Table(
    "history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("doc_type", String(32), nullable=False),
    Column("doc_id", Id, nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", Id, nullable=False),
    Column("action", String(16), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("changes", Document, nullable=False),
    Index("ix_history_doc", "doc_type", "doc_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", String(32), nullable=False),
    Column("routing_key", String(100), nullable=False),
    Column("target", String(64)),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index(
        "ix_outbox_unsent",
        "id",
        postgresql_where=text("sent_at IS NULL"),
        sqlite_where=text("sent_at IS NULL"),
    ),
)

inbox = Table(
    "inbox",
    metadata,
    Column("processor", String(64), primary_key=True),
    Column("message_id", String(32), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("processor", String(64), nullable=False),
    Column("message_id", String(32), nullable=False),
    Column("routing_key", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),
    Column("replayed_at", DateTime(timezone=True)),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Id, nullable=False),
)

x12_interchanges = Table(
    "x12_interchanges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner", String(64), nullable=False),
    Column("sender_qualifier", String(2), nullable=False),
    Column("sender_id", String(15), nullable=False),
    Column("control_number", String(9), nullable=False),
    Column("document_id", Id, ForeignKey("inbound_documents.id"), nullable=False),
    Column("acknowledgement_id", Id),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sender_qualifier", "sender_id", "control_number"),
)

outbound_documents = Table(
    "outbound_documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("document_key", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("endpoint", Text),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("error", Text),
    Column("response_code", Integer),
    Column("response_text", Text),
    Column("response_raw", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_outbound_documents_reference", "kind", "reference"),
    Index(
        "ix_outbound_documents_due",
        "next_attempt_at",
        postgresql_where=text("state = 'pending'"),
        sqlite_where=text("state = 'pending'"),
    ),
)

poller_state = Table(
    "poller_state",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("cursor", DateTime(timezone=True)),
    Column("last_run_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("documents", Id, nullable=False, server_default=text("0")),
)

punchout_sessions = Table(
    "punchout_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("start_token", String(64), nullable=False, unique=True),
    Column("browser_key", String(64), unique=True),
    Column("partner", String(64), nullable=False),
    Column("operation", String(16), nullable=False),
    Column("buyer_cookie", Text, nullable=False),
    Column("browser_form_post_url", Text, nullable=False),
    Column("request_payload_id", String(250)),
    Column("document_id", Id, ForeignKey("inbound_documents.id")),
    Column("buyer", Document, nullable=False, server_default=text("'{}'")),
    Column("cart", Document, nullable=False, server_default=text("'[]'")),
    Column("state", String(16), nullable=False),
    Column("order_number", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("returned_at", DateTime(timezone=True)),
    Column("ordered_at", DateTime(timezone=True)),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("carrier", String(100), nullable=False),
    Column("carrier_code", String(4)),
    Column("service", String(100)),
    Column("tracking_number", String(100), nullable=False),
    Column("shipped_at", DateTime(timezone=True), nullable=False),
    Column("delivery_date", Date),
    Column("packages", Integer, nullable=False, server_default=text("1")),
    Column("weight", ExactDecimal),
    Column("weight_unit", String(8), nullable=False, server_default="LB"),
    Column("comments", Text),
    *_stamps(),
)

shipment_lines = Table(
    "shipment_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("shipment_id", Id, ForeignKey("shipments.id"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    UniqueConstraint("shipment_id", "line_number"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("series", String(16), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("purpose", String(16), nullable=False),
    Column("credits_invoice_id", Id, ForeignKey("invoices.id")),
    Column("state", String(16), nullable=False),
    Column("invoice_date", DateTime(timezone=True), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("bill_to", Document),
    Column("shipping_amount", ExactDecimal, nullable=False),
    Column("tax_amount", ExactDecimal, nullable=False),
    Column("discount_amount", ExactDecimal, nullable=False),
    Column("net_days", Integer),
    Column("comments", Text),
    *_stamps(),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id")),
    Column("quantity", ExactDecimal, nullable=False),
    Column("unit_of_measure", String(8), nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    Column("supplier_part_id", String(100)),
    Column("buyer_part_id", String(100)),
    Column("description", Text),
    UniqueConstraint("invoice_id", "line_number"),
)

AUDITED = (
    "partners",
    "customers",
    "products",
    "staff",
    "orders",
    "order_lines",
    "shipments",
    "shipment_lines",
    "invoices",
    "invoice_lines",
    "profiles",
    "api_tokens",
)
NEVER_DELETED = (
    *AUDITED,
    "activity_log",
    "inbound_documents",
    "history",
    "dead_letters",
    "x12_interchanges",
    "outbound_documents",
    "punchout_sessions",
)


# --- customers and teams (0007) ---

sales_teams = Table(
    "sales_teams",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    *_stamps(),
)

team_members = Table(
    "team_members",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("team_id", Id, ForeignKey("sales_teams.id"), nullable=False),
    # The scope of each API call is found from here by staff id.
    Column("staff_id", Id, ForeignKey("staff.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False, server_default="member"),
    *_stamps(),
    UniqueConstraint("team_id", "staff_id"),
)

customer_groups = Table(
    "customer_groups",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("price_level", String(32)),
    Column("discount_percent", ExactDecimal),
    Column("newsletter", Boolean, nullable=False, server_default=text("false")),
    Column("team_id", Id, ForeignKey("sales_teams.id"), index=True),
    Column("manager_id", Id, ForeignKey("staff.id"), index=True),
    Column("takes_new_leads", Boolean, nullable=False, server_default=text("false")),
    *_stamps(),
    # At most one group is where new leads go.
    Index(
        "uq_customer_groups_takes_new_leads",
        "takes_new_leads",
        unique=True,
        postgresql_where=text("takes_new_leads"),
        sqlite_where=text("takes_new_leads"),
    ),
)

# Columns added to customers by 0007, kept beside the tables they refer to.
for _column in (
    Column("status", String(16), nullable=False, server_default="customer"),
    Column("group_id", Id, ForeignKey("customer_groups.id"), index=True),
    Column("tax_exempt", Boolean, nullable=False, server_default=text("false")),
    Column("tax_exempt_id", String(64)),
    Column("net_terms_days", Integer),
    Column("credit_limit", ExactDecimal),
    Column("discount_percent", ExactDecimal),
    Column("website", String(200)),
    Column("notes", Text),
):
    customers.append_column(_column)
Index("ix_customers_partner_code", customers.c.partner_code)
# A scoped order list walks a customer's orders newest first.
Index("ix_orders_customer_id_id", orders.c.customer_id, orders.c.id)

customer_contacts = Table(
    "customer_contacts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254)),
    Column("phone", String(64)),
    Column("role", String(100)),
    Column("is_primary", Boolean, nullable=False, server_default=text("false")),
    *_stamps(),
)

customer_addresses = Table(
    "customer_addresses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("label", String(100)),
    Column("street1", String(200), nullable=False),
    Column("street2", String(200)),
    Column("city", String(100), nullable=False),
    Column("state", String(100)),
    Column("postal_code", String(32)),
    Column("country", String(2), nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    *_stamps(),
)

CUSTOMER_TABLES = (
    "sales_teams",
    "team_members",
    "customer_groups",
    "customer_contacts",
    "customer_addresses",
)
AUDITED = (*AUDITED, *CUSTOMER_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *CUSTOMER_TABLES)


# --- products and pricing (0008) ---

# Columns added to products by 0008. `search_vector` holds the tokens product search
# matches (core.model.products.search_tokens): a tsvector with a GIN index on
# PostgreSQL; on SQLite the same tokens as text, " tok1 tok2 ", scanned with LIKE
# (its index there is partial on a false condition, so always empty: the schema is
# the same on both, and SQLite keeps no copy it would not use).
for _column in (
    Column("weight", ExactDecimal),
    Column("category", String(100)),
    Column("search_vector", Text().with_variant(TSVECTOR(), "postgresql")),
):
    products.append_column(_column)
Index(
    "ix_products_search_vector",
    products.c.search_vector,
    postgresql_using="gin",
    sqlite_where=text("0"),
)
Index("ix_products_category", products.c.category)

product_suppliers = Table(
    "product_suppliers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("supplier_code", String(64), nullable=False),
    Column("supplier_part_id", String(100), nullable=False),
    Column("cost", ExactDecimal),
    Column("lead_time_days", Integer),
    Column("is_preferred", Boolean, nullable=False, server_default=text("false")),
    *_stamps(),
    UniqueConstraint("product_id", "supplier_code"),
    Index("ix_product_suppliers_part", "supplier_code", "supplier_part_id"),
)

price_levels = Table(
    "price_levels",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("percent", ExactDecimal),
    *_stamps(),
)

product_prices = Table(
    "product_prices",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False),
    Column("level_code", String(32), ForeignKey("price_levels.code"), nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    *_stamps(),
    UniqueConstraint("product_id", "level_code"),
)

price_breaks = Table(
    "price_breaks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("product_id", Id, ForeignKey("products.id"), nullable=False, index=True),
    Column("level_code", String(32), ForeignKey("price_levels.code")),
    Column("min_quantity", ExactDecimal, nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    *_stamps(),
)

tax_rates = Table(
    "tax_rates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("country", String(2), nullable=False),
    Column("state", String(64)),
    Column("postal_prefix", String(16)),
    Column("rate", ExactDecimal, nullable=False),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    *_stamps(),
    Index("ix_tax_rates_place", "country", "state", "postal_prefix"),
)

shipping_ranges = Table(
    "shipping_ranges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("method", String(100), nullable=False),
    Column("basis", String(16), nullable=False),
    Column("min_value", ExactDecimal, nullable=False),
    Column("max_value", ExactDecimal),
    Column("price", ExactDecimal, nullable=False),
    Column("country", String(2)),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    *_stamps(),
)

discount_codes = Table(
    "discount_codes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("value", ExactDecimal, nullable=False),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("max_uses", Integer),
    Column("uses", Integer, nullable=False, server_default=text("0")),
    Column("customer_group", String(64)),
    Column("min_order_value", ExactDecimal),
    Column("batch", String(64), index=True),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    *_stamps(),
)

branches = Table(
    "branches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("street1", String(200), nullable=False),
    Column("street2", String(200)),
    Column("city", String(100), nullable=False),
    Column("state", String(64)),
    Column("postal_code", String(16)),
    Column("country", String(2), nullable=False),
    Column("phone", String(64)),
    Column("email", String(254)),
    Column("pickup", Boolean, nullable=False, server_default=text("false")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    *_stamps(),
)

PRICING_TABLES = (
    "product_suppliers",
    "price_levels",
    "product_prices",
    "price_breaks",
    "tax_rates",
    "shipping_ranges",
    "discount_codes",
    "branches",
)
AUDITED = (*AUDITED, *PRICING_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *PRICING_TABLES)


# --- order editing (0009) ---

# Columns added by 0009: purchasing sets the first when an order's purchase orders
# go out; staff edits record why a price was set by hand and why a line was removed.
orders.append_column(
    Column("purchase_orders_sent", Boolean, nullable=False, server_default=text("false"))
)
for _column in (
    Column("price_override_reason", Text),
    Column("price_overridden_by", String(200)),
    Column("removal_reason", Text),
):
    order_lines.append_column(_column)

order_comments = Table(
    "order_comments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("author_kind", String(16), nullable=False),
    Column("author", String(200), nullable=False),
    Column("visibility", String(8), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_order_comments_order", "order_id", "id"),
)

settings = Table(
    "settings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("value", Document, nullable=False),
    Column("updated_by", String(200), nullable=False),
    *_stamps(),
)

ORDER_EDITING_TABLES = ("order_comments", "settings")
AUDITED = (*AUDITED, *ORDER_EDITING_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *ORDER_EDITING_TABLES)


# --- quotes and RFQs (0010) ---

quotes = Table(
    "quotes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("valid_until", Date),
    Column("currency", String(3), nullable=False, server_default="USD"),
    Column("notes", Text),
    *_stamps(),
    # Lists page newest first by id, within a customer (the team scope) or a status.
    Index("ix_quotes_customer_id_id", "customer_id", "id"),
    Index("ix_quotes_status_id", "status", "id"),
)

quote_versions = Table(
    "quote_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("quote_id", Id, ForeignKey("quotes.id"), nullable=False),
    Column("version_number", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("margin_percent", ExactDecimal),
    Column("discount_percent", ExactDecimal),
    Column("shipping_method", String(100)),
    Column("shipping_amount", ExactDecimal, nullable=False),
    Column("tax_amount", ExactDecimal, nullable=False),
    Column("subtotal", ExactDecimal, nullable=False),
    Column("total", ExactDecimal, nullable=False),
    Column("ship_to", Document),
    Column("notes", Text),
    Column("sent_at", DateTime(timezone=True)),
    Column("sent_by", String(200)),
    Column("sent_to", String(254)),
    Column("pdf", LargeBinary),
    Column("pdf_sha256", String(64)),
    *_stamps(),
    UniqueConstraint("quote_id", "version_number"),
)

quote_lines = Table(
    "quote_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version_id", Id, ForeignKey("quote_versions.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sku", String(100), nullable=False),
    Column("description", Text),
    Column("quantity", ExactDecimal, nullable=False),
    Column("uom", String(8), nullable=False),
    Column("unit_price", ExactDecimal),
    Column("list_price", ExactDecimal),
    Column("cost", ExactDecimal),
    Column("unit_weight", ExactDecimal),
    Column("price_source", String(64), nullable=False),
    Column("override_reason", Text),
    Column("override_by", String(200)),
    UniqueConstraint("version_id", "line_number"),
)

rfqs = Table(
    "rfqs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("customer_id", Id, ForeignKey("customers.id"), index=True),
    Column("company", String(200)),
    Column("contact_name", String(200)),
    Column("email", String(254), nullable=False),
    Column("phone", String(64)),
    Column("message", Text),
    Column("lines", Document, nullable=False, server_default=text("'[]'")),
    Column("source", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("quote_id", Id, ForeignKey("quotes.id")),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("remote_addr", String(64)),
    *_stamps(),
    Index("ix_rfqs_status_id", "status", "id"),
)

carts = Table(
    "carts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner", String(200), nullable=False),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("currency", String(3), nullable=False, server_default="USD"),
    Column("shipping_method", String(100)),
    Column("ship_to", Document),
    Column("payment_method", String(32)),
    Column("po_number", String(64)),
    Column("discount_code", String(64)),
    Column("submitted_as", String(8)),
    Column("result_number", String(32)),
    Column("submitted_at", DateTime(timezone=True)),
    *_stamps(),
    Index("ix_carts_owner_id", "owner", "id"),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("cart_id", Id, ForeignKey("carts.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sku", String(100), nullable=False),
    Column("description", Text),
    Column("quantity", ExactDecimal, nullable=False),
    Column("uom", String(8), nullable=False),
    Column("unit_price", ExactDecimal),
    Column("list_price", ExactDecimal),
    Column("cost", ExactDecimal),
    Column("unit_weight", ExactDecimal),
    Column("price_source", String(64), nullable=False),
    Column("margin_percent", ExactDecimal),
    Column("discount_percent", ExactDecimal),
    Column("override_reason", Text),
    Column("override_by", String(200)),
    UniqueConstraint("cart_id", "line_number"),
)

# An order made from a quote names the version it was made from.
orders.append_column(Column("quote_version_id", Id, ForeignKey("quote_versions.id")))

QUOTE_TABLES = ("quotes", "quote_versions", "quote_lines", "rfqs", "carts", "cart_lines")
AUDITED = (*AUDITED, *QUOTE_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *QUOTE_TABLES)


# >>> invoices (issue 5)
# --- invoice editing, credit notes, attachments and bulk invoicing (0011) ---

# Files kept for a document (an uploaded invoice, later email attachments): written
# once, never changed or deleted; the bytes are kept apart from the history.
attachments = Table(
    "attachments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("owner_kind", String(32), nullable=False),
    Column("owner_id", Id, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_attachments_owner", "owner_kind", "owner_id"),
)

# How bulk invoicing bills a customer, or every customer of a group.
invoicing_rules = Table(
    "invoicing_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", Id, ForeignKey("customers.id"), unique=True),
    Column("group_id", Id, ForeignKey("customer_groups.id"), unique=True),
    Column("rule", String(16), nullable=False),
    Column("series", String(16)),
    *_stamps(),
)

for _column in (
    Column("origin", String(16), nullable=False, server_default="order"),
    Column("due_date", Date),
    Column("sent_at", DateTime(timezone=True)),
    Column("sent_via", String(64)),
    Column("sent_to", String(254)),
    Column("attachment_id", Id, ForeignKey("attachments.id")),
):
    invoices.append_column(_column)
invoice_lines.append_column(Column("status", String(16), nullable=False, server_default="active"))
# Invoice lists filter on these and page newest first by id.
Index("ix_invoices_state_id", invoices.c.state, invoices.c.id)
Index("ix_invoices_series_id", invoices.c.series, invoices.c.id)
Index("ix_invoices_invoice_date", invoices.c.invoice_date)
Index("ix_invoices_credits_invoice_id", invoices.c.credits_invoice_id)

INVOICING_TABLES = ("invoicing_rules",)
AUDITED = (*AUDITED, *INVOICING_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *INVOICING_TABLES, "attachments")
# <<< invoices
# >>> purchasing and shipments from suppliers (issue 5)
suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("partner_code", String(64)),
    Column("email", String(254)),
    Column("service_kind", String(8)),
    Column("service_url", String(500)),
    Column("service_settings", Document, nullable=False),
    Column("service_secret", Text),
    Column("cache_minutes", Integer, nullable=False),
    Column("timeout_seconds", ExactDecimal, nullable=False),
    Column("discount_percent", ExactDecimal, nullable=False),
    Column("freight_percent", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    *_stamps(),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("supplier_code", String(64), ForeignKey("suppliers.code"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("state", String(24), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("dropship", String(16)),
    Column("ship_to", Document),
    Column("notes", Text),
    Column("sent_at", DateTime(timezone=True)),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("confirmation_id", String(200)),
    Column("supplier_order_number", String(100)),
    Column("outbound_document_id", Id, ForeignKey("outbound_documents.id")),
    Column("pdf", LargeBinary),
    *_stamps(),
    Index("ix_purchase_orders_order_id", "order_id"),
    Index("ix_purchase_orders_state_id", "state", "id"),
    Index("ix_purchase_orders_supplier_code_id", "supplier_code", "id"),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("sales_line_number", Integer, nullable=False),
    Column("sku", String(100)),
    Column("supplier_part_id", String(100)),
    Column("manufacturer_part_id", String(100)),
    Column("manufacturer_name", String(200)),
    Column("description", Text),
    Column("quantity", ExactDecimal, nullable=False),
    Column("unit_of_measure", String(8), nullable=False),
    Column("unit_cost", ExactDecimal, nullable=False),
    Column("cost_source", String(32), nullable=False),
    Column("override_reason", Text),
    Column("override_by", String(200)),
    Column("shipped_quantity", ExactDecimal, nullable=False),
    Column("confirmed_status", String(16)),
    Column("confirmed_quantity", ExactDecimal),
    UniqueConstraint("purchase_order_id", "line_number"),
    Index("ix_purchase_order_lines_order_line_id", "order_line_id"),
)

purchase_order_comments = Table(
    "purchase_order_comments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id"), nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("sent_to_supplier", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_purchase_order_comments_po", "purchase_order_id", "id"),
)

# What a supplier's system last said about a part, kept for the pages to show when
# it is slow or down (marked stale).
supplier_availability = Table(
    "supplier_availability",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("supplier_code", String(64), nullable=False),
    Column("supplier_part_id", String(100), nullable=False),
    Column("answer", Document),
    Column("fetched_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Column("error", Text),
    UniqueConstraint("supplier_code", "supplier_part_id"),
)

# A shipment reported by a supplier names its PO and the supplier's own shipment id
# (a re-sent notice finds it and records nothing twice).
for _column in (
    Column("purchase_order_id", Id, ForeignKey("purchase_orders.id")),
    Column("supplier_shipment_id", String(100)),
):
    shipments.append_column(_column)
Index(
    "ix_shipments_supplier_shipment",
    shipments.c.purchase_order_id,
    shipments.c.supplier_shipment_id,
    unique=True,
)

# A cart's shipping may be priced by a carrier's rate instead of the ranges.
carts.append_column(Column("shipping_quote", ExactDecimal))

PURCHASING_TABLES = (
    "suppliers",
    "purchase_orders",
    "purchase_order_lines",
    "purchase_order_comments",
)
AUDITED = (*AUDITED, *PURCHASING_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *PURCHASING_TABLES, "supplier_availability")
# <<< purchasing
# >>> payments (issue 5)

payments = Table(
    "payments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("invoice_id", Id, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("gateway", String(64), nullable=False),
    Column("method", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("state", String(24), nullable=False),
    # The gateway's own: no card number, CVV or token is ever kept.
    Column("transaction_id", String(64)),
    Column("authorization_code", String(32)),
    Column("card_brand", String(32)),
    Column("card_last4", String(4)),
    Column("token_kind", String(32)),
    Column("approval_url", Text),
    Column("reference", String(100)),
    Column("received_on", Date),
    Column("captured_amount", ExactDecimal, nullable=False),
    Column("refunded_amount", ExactDecimal, nullable=False),
    Column("in_flight", String(16)),
    Column("in_flight_at", DateTime(timezone=True)),
    *_stamps(),
    # Lists page newest first by id, within an order (the team scope) or a state.
    Index("ix_payments_order_id_id", "order_id", "id"),
    Index("ix_payments_state_id", "state", "id"),
)

payment_events = Table(
    "payment_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("payment_id", Id, ForeignKey("payments.id"), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("amount", ExactDecimal),
    Column("currency", String(3), nullable=False),
    Column("state_before", String(24)),
    Column("state_after", String(24), nullable=False),
    Column("transaction_id", String(64)),
    Column("gateway_code", String(64)),
    Column("message", Text),
    Column("error_kind", String(16)),
    Column("raw", Text),
    Column("actor_kind", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

AUDITED = (*AUDITED, "payments")
NEVER_DELETED = (*NEVER_DELETED, "payments", "payment_events")
# <<< payments
# >>> mail (issue 6)

# Every message sent: its bytes as they went out, each attempt's answer, and a bounce.
outgoing_mail = Table(
    "outgoing_mail",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("document_kind", String(32), nullable=False),
    Column("document_id", Id, nullable=False),
    Column("document_number", String(64), nullable=False),
    Column("sender", String(320), nullable=False),
    Column("recipients", Document, nullable=False),
    Column("cc", Document, nullable=False),
    Column("subject", Text, nullable=False),
    Column("message_id", String(998), nullable=False, unique=True),
    Column("raw", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("answer_code", Integer),
    Column("answer", Text),
    Column("refused_recipients", Document),
    Column("bounced_at", DateTime(timezone=True)),
    Column("bounce", Text),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_outgoing_mail_due", "state", "next_attempt_at"),
    Index("ix_outgoing_mail_document", "document_kind", "document_id", "id"),
)

# Every message received, kept raw before anything is done with it.
inbound_mail = Table(
    "inbound_mail",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("door", String(16), nullable=False),
    Column("mailbox", String(100)),
    Column("raw", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("envelope_from", String(320)),
    Column("envelope_to", Document, nullable=False),
    Column("peer", String(100)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("outcome", String(16)),
    Column("message_id", String(998)),
    Column("from_address", String(320)),
    Column("subject", Text),
    Column("document_kind", String(32)),
    Column("document_number", String(64)),
    Column("rule", String(32)),
    Column("evidence", Text),
    Column("note", Text),
    Column("routed_at", DateTime(timezone=True)),
    Index("ix_inbound_mail_state_id", "state", "id"),
    Index("ix_inbound_mail_document", "document_kind", "document_number"),
)

# Comments on documents that keep no comment list of their own (quotes, invoices,
# shipments, RFQs); orders and purchase orders keep theirs, marked with the message.
document_comments = Table(
    "document_comments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_kind", String(32), nullable=False),
    Column("document_id", Id, nullable=False),
    Column("author_kind", String(16), nullable=False),
    Column("author", String(320), nullable=False),
    Column("visibility", String(8), nullable=False),
    Column("body", Text, nullable=False),
    Column("inbound_mail_id", Id, ForeignKey("inbound_mail.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_document_comments_document", "document_kind", "document_id", "id"),
)
order_comments.append_column(Column("inbound_mail_id", Id))
customer_groups.append_column(Column("order_confirmation", String(8)))
purchase_order_comments.append_column(Column("inbound_mail_id", Id))

MAIL_TABLES = ("outgoing_mail", "inbound_mail", "document_comments")
AUDITED = (*AUDITED, *MAIL_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *MAIL_TABLES)
# <<< mail

# >>> returns, tasks and discussions (issue 6)
# Returns (RMAs): what a customer sends back from an order, line by line.
rmas = Table(
    "rmas",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False, index=True),
    Column("customer_id", Id, ForeignKey("customers.id")),
    Column("status", String(16), nullable=False),
    Column("reason_code", String(32), nullable=False),
    Column("reason", Text),
    Column("resolution", String(16), nullable=False),
    Column("contact_email", String(320)),
    Column("notes", Text),
    Column("created_by", String(320), nullable=False),
    Column("authorized_at", DateTime(timezone=True)),
    Column("received_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    *_stamps(),
    Index("ix_rmas_status_id", "status", "id"),
)
rma_lines = Table(
    "rma_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("rma_id", Id, ForeignKey("rmas.id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("order_line_number", Integer, nullable=False),
    Column("part_number", String(100), nullable=False),
    Column("description", Text),
    Column("unit_of_measure", String(8), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("received_quantity", ExactDecimal, nullable=False, server_default="0"),
    Column("condition", String(32)),
    UniqueConstraint("rma_id", "line_number"),
)

# Tasks for staff, on an order, a quote, an RMA or a discussion, or on nothing.
tasks = Table(
    "tasks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("document_kind", String(32)),
    Column("document_id", Id),
    Column("document_number", String(64)),
    Column("status", String(16), nullable=False),
    Column("priority", String(8), nullable=False),
    Column("assignee", String(64)),
    Column("created_by", String(64), nullable=False),
    Column("due_on", Date),
    Column("completed_at", DateTime(timezone=True)),
    *_stamps(),
    Index("ix_tasks_assignee_status", "assignee", "status"),
    Index("ix_tasks_status_id", "status", "id"),
    Index("ix_tasks_document", "document_kind", "document_id"),
)

# The discussion board: projects (with staff assigned) and their discussions.
projects = Table(
    "projects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("created_by", String(64), nullable=False),
    *_stamps(),
)
project_members = Table(
    "project_members",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("project_id", Id, ForeignKey("projects.id"), nullable=False),
    Column("username", String(64), nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("project_id", "username"),
    Index("ix_project_members_username", "username"),
)
discussions = Table(
    "discussions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("project_id", Id, ForeignKey("projects.id"), index=True),
    Column("subject", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_by", String(64), nullable=False),
    *_stamps(),
    Index("ix_discussions_status_id", "status", "id"),
)
discussion_participants = Table(
    "discussion_participants",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("discussion_id", Id, ForeignKey("discussions.id"), nullable=False),
    Column("username", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("invited_by", String(64), nullable=False),
    Column("notify", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("discussion_id", "username"),
    Index("ix_discussion_participants_username", "username"),
)
discussion_messages = Table(
    "discussion_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("discussion_id", Id, ForeignKey("discussions.id"), nullable=False),
    Column("author", String(320), nullable=False),
    Column("author_kind", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("inbound_mail_id", Id, ForeignKey("inbound_mail.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_discussion_messages_discussion", "discussion_id", "id"),
)

COLLABORATION_TABLES = (
    "rmas",
    "rma_lines",
    "tasks",
    "projects",
    "project_members",
    "discussions",
    "discussion_participants",
    "discussion_messages",
)
AUDITED = (*AUDITED, *COLLABORATION_TABLES)
NEVER_DELETED = (*NEVER_DELETED, *COLLABORATION_TABLES)
# <<< returns, tasks and discussions
