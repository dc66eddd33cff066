"""quotes, quote versions, RFQs and carts

Quotes are kept in versions with their lines; a sent version keeps the PDF the
customer received. Requests for quotation arrive from the API and the public form;
salespeople build carts that become quotes or orders. Orders gain the quote version
they were made from, added in place (no batch rebuild), so orders keeps its delete
guard on SQLite. Every new table is guarded: nothing here is ever deleted.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.storage.types
from core.storage.guards import guard, unguard

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

NEVER_DELETED = ("quotes", "quote_versions", "quote_lines", "rfqs", "carts", "cart_lines")


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


def _fk(table: str, column: str, referred: str):
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def _priced_line_columns():
    """The columns a quote line and a cart line share."""
    return (
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("quantity", _money(), nullable=False),
        sa.Column("uom", sa.String(length=8), nullable=False),
        sa.Column("unit_price", _money(), nullable=True),
        sa.Column("list_price", _money(), nullable=True),
        sa.Column("cost", _money(), nullable=True),
        sa.Column("unit_weight", _money(), nullable=True),
        sa.Column("price_source", sa.String(length=64), nullable=False),
    )


def upgrade() -> None:
    _create_quotes()
    _create_rfqs()
    _create_carts()
    op.add_column(
        "orders",
        sa.Column(
            "quote_version_id",
            _id(),
            sa.ForeignKey("quote_versions.id", name=op.f("fk_orders_quote_version_id_quote_versions")),
            nullable=True,
        ),
        inline_references=op.get_bind().dialect.name == "sqlite",
    )
    guard(NEVER_DELETED)


def _create_quotes() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *_stamps(),
        _fk("quotes", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("number", name=op.f("uq_quotes_number")),
    )
    op.create_index("ix_quotes_customer_id_id", "quotes", ["customer_id", "id"], unique=False)
    op.create_index("ix_quotes_status_id", "quotes", ["status", "id"], unique=False)
    op.create_table(
        "quote_versions",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("quote_id", _id(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("margin_percent", _money(), nullable=True),
        sa.Column("discount_percent", _money(), nullable=True),
        sa.Column("shipping_method", sa.String(length=100), nullable=True),
        sa.Column("shipping_amount", _money(), nullable=False),
        sa.Column("tax_amount", _money(), nullable=False),
        sa.Column("subtotal", _money(), nullable=False),
        sa.Column("total", _money(), nullable=False),
        sa.Column("ship_to", _document(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=200), nullable=True),
        sa.Column("sent_to", sa.String(length=254), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        *_stamps(),
        _fk("quote_versions", "quote_id", "quotes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_versions")),
        sa.UniqueConstraint(
            "quote_id", "version_number", name=op.f("uq_quote_versions_quote_id_version_number")
        ),
    )
    op.create_table(
        "quote_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("version_id", _id(), nullable=False),
        *_priced_line_columns(),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=200), nullable=True),
        _fk("quote_lines", "version_id", "quote_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
        sa.UniqueConstraint(
            "version_id", "line_number", name=op.f("uq_quote_lines_version_id_line_number")
        ),
    )


def _create_rfqs() -> None:
    op.create_table(
        "rfqs",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("customer_id", _id(), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("lines", _document(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quote_id", _id(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        *_stamps(),
        _fk("rfqs", "customer_id", "customers"),
        _fk("rfqs", "quote_id", "quotes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfqs")),
        sa.UniqueConstraint("number", name=op.f("uq_rfqs_number")),
    )
    op.create_index(op.f("ix_rfqs_customer_id"), "rfqs", ["customer_id"], unique=False)
    op.create_index("ix_rfqs_status_id", "rfqs", ["status", "id"], unique=False)


def _create_carts() -> None:
    op.create_table(
        "carts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("shipping_method", sa.String(length=100), nullable=True),
        sa.Column("ship_to", _document(), nullable=True),
        sa.Column("payment_method", sa.String(length=32), nullable=True),
        sa.Column("po_number", sa.String(length=64), nullable=True),
        sa.Column("discount_code", sa.String(length=64), nullable=True),
        sa.Column("submitted_as", sa.String(length=8), nullable=True),
        sa.Column("result_number", sa.String(length=32), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        _fk("carts", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
    )
    op.create_index("ix_carts_owner_id", "carts", ["owner", "id"], unique=False)
    op.create_table(
        "cart_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("cart_id", _id(), nullable=False),
        *_priced_line_columns(),
        sa.Column("margin_percent", _money(), nullable=True),
        sa.Column("discount_percent", _money(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=200), nullable=True),
        _fk("cart_lines", "cart_id", "carts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_lines")),
        sa.UniqueConstraint("cart_id", "line_number", name=op.f("uq_cart_lines_cart_id_line_number")),
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("quote_version_id")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the table without its trigger.
        op.execute("DROP TRIGGER IF EXISTS orders_never_deleted")
        guard(("orders",))
    for table in ("cart_lines", "carts", "rfqs", "quote_lines", "quote_versions", "quotes"):
        op.drop_table(table)
