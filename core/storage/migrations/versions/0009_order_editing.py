"""order editing, order comments and settings

Orders learn whether their purchase orders have gone to suppliers (an edit after
that is flagged for staff). Order lines keep why a price was set by hand and by
whom, and why a line was removed. Order comments and settings are new tables,
never deleted. The columns are added in place (no batch rebuild), so orders and
order_lines keep their delete guards on SQLite.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.storage.guards import guard, unguard

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEVER_DELETED = ("order_comments", "settings")
LINE_COLUMNS = ("price_override_reason", "price_overridden_by", "removal_reason")


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _document():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column(
            "purchase_orders_sent", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )
    op.add_column("order_lines", sa.Column("price_override_reason", sa.Text(), nullable=True))
    op.add_column(
        "order_lines", sa.Column("price_overridden_by", sa.String(length=200), nullable=True)
    )
    op.add_column("order_lines", sa.Column("removal_reason", sa.Text(), nullable=True))
    _create_order_comments()
    _create_settings()
    guard(NEVER_DELETED)


def _create_order_comments() -> None:
    op.create_table(
        "order_comments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_comments_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_comments")),
    )
    op.create_index(
        "ix_order_comments_order", "order_comments", ["order_id", "id"], unique=False
    )


def _create_settings() -> None:
    op.create_table(
        "settings",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", _document(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings")),
        sa.UniqueConstraint("key", name=op.f("uq_settings_key")),
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    op.drop_table("settings")
    op.drop_index("ix_order_comments_order", table_name="order_comments")
    op.drop_table("order_comments")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        for name in reversed(LINE_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("purchase_orders_sent")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the tables without their triggers.
        for table in ("orders", "order_lines"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_deleted")
        guard(("orders", "order_lines"))
