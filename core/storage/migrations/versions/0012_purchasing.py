"""suppliers, purchase orders, supplier availability and supplier documents

Suppliers say how purchase orders reach them and how their systems are asked for
price and availability. Purchase orders group the sales-order lines bought from one
supplier, with their comments; the last answer of each supplier's system per part
is kept for when it is slow or down. Shipments gain the purchase order and the
supplier's shipment id they were reported with, and carts a carrier's shipping
quote, added in place (no batch rebuild), so both keep their delete guards on
SQLite. Nothing here is ever deleted.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.storage.types
from core.storage.guards import guard, unguard

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NEVER_DELETED = (
    "suppliers",
    "purchase_orders",
    "purchase_order_lines",
    "purchase_order_comments",
    "supplier_availability",
)


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money():
    return core.storage.types.ExactDecimal()


def _document():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _stamps():
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def _fk(table: str, column: str, referred: str, referred_column: str = "id"):
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.{referred_column}"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def upgrade() -> None:
    _create_suppliers()
    _create_purchase_orders()
    _create_availability()
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "shipments",
        sa.Column(
            "purchase_order_id",
            _id(),
            sa.ForeignKey(
                "purchase_orders.id", name=op.f("fk_shipments_purchase_order_id_purchase_orders")
            ),
            nullable=True,
        ),
        inline_references=sqlite,
    )
    op.add_column("shipments", sa.Column("supplier_shipment_id", sa.String(100), nullable=True))
    op.add_column("carts", sa.Column("shipping_quote", _money(), nullable=True))
    op.create_index(
        "ix_shipments_supplier_shipment",
        "shipments",
        ["purchase_order_id", "supplier_shipment_id"],
        unique=True,
    )
    guard(NEVER_DELETED)


def _create_suppliers() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("partner_code", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("service_kind", sa.String(length=8), nullable=True),
        sa.Column("service_url", sa.String(length=500), nullable=True),
        sa.Column("service_settings", _document(), nullable=False),
        sa.Column("service_secret", sa.Text(), nullable=True),
        sa.Column("cache_minutes", sa.Integer(), nullable=False),
        sa.Column("timeout_seconds", _money(), nullable=False),
        sa.Column("discount_percent", _money(), nullable=False),
        sa.Column("freight_percent", _money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )


def _create_purchase_orders() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("dropship", sa.String(length=16), nullable=True),
        sa.Column("ship_to", _document(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmation_id", sa.String(length=200), nullable=True),
        sa.Column("supplier_order_number", sa.String(length=100), nullable=True),
        sa.Column("outbound_document_id", _id(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        *_stamps(),
        _fk("purchase_orders", "supplier_code", "suppliers", "code"),
        _fk("purchase_orders", "order_id", "orders"),
        _fk("purchase_orders", "outbound_document_id", "outbound_documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_orders_number")),
    )
    op.create_index("ix_purchase_orders_order_id", "purchase_orders", ["order_id"])
    op.create_index("ix_purchase_orders_state_id", "purchase_orders", ["state", "id"])
    op.create_index(
        "ix_purchase_orders_supplier_code_id", "purchase_orders", ["supplier_code", "id"]
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("purchase_order_id", _id(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("order_line_id", _id(), nullable=False),
        sa.Column("sales_line_number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=True),
        sa.Column("supplier_part_id", sa.String(length=100), nullable=True),
        sa.Column("manufacturer_part_id", sa.String(length=100), nullable=True),
        sa.Column("manufacturer_name", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("quantity", _money(), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=8), nullable=False),
        sa.Column("unit_cost", _money(), nullable=False),
        sa.Column("cost_source", sa.String(length=32), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=200), nullable=True),
        sa.Column("shipped_quantity", _money(), nullable=False),
        sa.Column("confirmed_status", sa.String(length=16), nullable=True),
        sa.Column("confirmed_quantity", _money(), nullable=True),
        _fk("purchase_order_lines", "purchase_order_id", "purchase_orders"),
        _fk("purchase_order_lines", "order_line_id", "order_lines"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint(
            "purchase_order_id",
            "line_number",
            name=op.f("uq_purchase_order_lines_purchase_order_id_line_number"),
        ),
    )
    op.create_index(
        "ix_purchase_order_lines_order_line_id", "purchase_order_lines", ["order_line_id"]
    )
    op.create_table(
        "purchase_order_comments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("purchase_order_id", _id(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_to_supplier", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("purchase_order_comments", "purchase_order_id", "purchase_orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_comments")),
    )
    op.create_index(
        "ix_purchase_order_comments_po", "purchase_order_comments", ["purchase_order_id", "id"]
    )


def _create_availability() -> None:
    op.create_table(
        "supplier_availability",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("supplier_part_id", sa.String(length=100), nullable=False),
        sa.Column("answer", _document(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_availability")),
        sa.UniqueConstraint(
            "supplier_code",
            "supplier_part_id",
            name=op.f("uq_supplier_availability_supplier_code_supplier_part_id"),
        ),
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    op.drop_index("ix_shipments_supplier_shipment", table_name="shipments")
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.drop_column("shipping_quote")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_column("supplier_shipment_id")
        batch_op.drop_column("purchase_order_id")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the table without its trigger.
        for table in ("shipments", "carts"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_deleted")
        guard(("shipments", "carts"))
    for table in (
        "supplier_availability",
        "purchase_order_comments",
        "purchase_order_lines",
        "purchase_orders",
        "suppliers",
    ):
        op.drop_table(table)
