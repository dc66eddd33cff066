"""order lists and the status workflow: holds, backorders and list indexes

Orders remember the status a hold was taken from and why; order lines keep how
much of them is backordered and when it is expected. Lists page newest first by id
within a status, partner or channel, so those indexes end in id; the lone status
index gives way to (status, id). Columns are added in place (no batch rebuild), so
orders and order_lines keep their delete guards on SQLite.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import core.storage.types
from core.storage.guards import guard

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LIST_INDEXES = {
    "ix_orders_status_id": ["status", "id"],
    "ix_orders_partner_id": ["partner", "id"],
    "ix_orders_channel_id": ["channel", "id"],
    "ix_orders_created_at": ["created_at"],
}


def upgrade() -> None:
    op.add_column("orders", sa.Column("held_from", sa.String(length=24), nullable=True))
    op.add_column("orders", sa.Column("hold_reason", sa.Text(), nullable=True))
    op.add_column(
        "order_lines",
        sa.Column(
            "backordered_quantity",
            core.storage.types.ExactDecimal(),
            server_default="0",
            nullable=False,
        ),
    )
    op.add_column("order_lines", sa.Column("backorder_expected", sa.Date(), nullable=True))
    op.drop_index("ix_orders_status", table_name="orders")
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "orders", columns, unique=False)


def downgrade() -> None:
    for name in reversed(LIST_INDEXES):
        op.drop_index(name, table_name="orders")
    op.create_index("ix_orders_status", "orders", ["status"], unique=False)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("backorder_expected")
        batch_op.drop_column("backordered_quantity")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("held_from")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the tables without their triggers.
        for table in ("orders", "order_lines"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_deleted")
        guard(("orders", "order_lines"))
