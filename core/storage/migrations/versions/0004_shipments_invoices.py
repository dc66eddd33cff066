"""shipments and invoices: what left the warehouse and what the buyer was billed

A shipment carries part or all of an order's open quantities (carrier, SCAC,
tracking number, packages, weight); an invoice bills an order's lines at the
ordered prices, numbered without gaps per series. Order lines keep how much of
them has shipped and been invoiced. The new tables are audited and never deleted
from. The two order-line columns are added in place (no batch rebuild), so
order_lines keeps its delete guard on SQLite.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from core.storage.guards import guard
from sqlalchemy.dialects import postgresql

import core.storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEVER_DELETED = ("shipments", "shipment_lines", "invoices", "invoice_lines")
LINE_QUANTITIES = ("shipped_quantity", "invoiced_quantity")


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _stamps():
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def upgrade() -> None:
    for name in LINE_QUANTITIES:
        op.add_column(
            "order_lines",
            sa.Column(name, core.storage.types.ExactDecimal(), server_default="0", nullable=False),
        )
    _create_shipments()
    _create_invoices()
    guard(NEVER_DELETED)


def _create_shipments() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("carrier_code", sa.String(length=4), nullable=True),
        sa.Column("service", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("packages", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("weight", core.storage.types.ExactDecimal(), nullable=True),
        sa.Column("weight_unit", sa.String(length=8), server_default="LB", nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("number", name=op.f("uq_shipments_number")),
    )
    op.create_index(op.f("ix_shipments_order_id"), "shipments", ["order_id"], unique=False)
    op.create_table(
        "shipment_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("shipment_id", _id(), nullable=False),
        sa.Column("order_line_id", _id(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("quantity", core.storage.types.ExactDecimal(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_shipment_lines_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_lines_shipment_id_shipments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lines")),
        sa.UniqueConstraint(
            "shipment_id", "line_number", name=op.f("uq_shipment_lines_shipment_id_line_number")
        ),
    )


def _create_invoices() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("series", sa.String(length=16), nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("credits_invoice_id", _id(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("invoice_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "bill_to",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("shipping_amount", core.storage.types.ExactDecimal(), nullable=False),
        sa.Column("tax_amount", core.storage.types.ExactDecimal(), nullable=False),
        sa.Column("discount_amount", core.storage.types.ExactDecimal(), nullable=False),
        sa.Column("net_days", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Text(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["credits_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_credits_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_invoices_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    op.create_index(op.f("ix_invoices_order_id"), "invoices", ["order_id"], unique=False)
    op.create_table(
        "invoice_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("invoice_id", _id(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("order_line_id", _id(), nullable=True),
        sa.Column("quantity", core.storage.types.ExactDecimal(), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=8), nullable=False),
        sa.Column("unit_price", core.storage.types.ExactDecimal(), nullable=False),
        sa.Column("supplier_part_id", sa.String(length=100), nullable=True),
        sa.Column("buyer_part_id", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_invoice_lines_order_line_id_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint(
            "invoice_id", "line_number", name=op.f("uq_invoice_lines_invoice_id_line_number")
        ),
    )




def downgrade() -> None:
    op.drop_table("invoice_lines")
    op.drop_index(op.f("ix_invoices_order_id"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("shipment_lines")
    op.drop_index(op.f("ix_shipments_order_id"), table_name="shipments")
    op.drop_table("shipments")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        for name in reversed(LINE_QUANTITIES):
            batch_op.drop_column(name)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the table without its trigger.
        op.execute("DROP TRIGGER IF EXISTS order_lines_never_deleted")
        guard(("order_lines",))
