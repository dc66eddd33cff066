"""payments and their status changes

Payments are taken for invoices through a gateway (Authorize.net, PayPal, a plug-in)
or received by hand (gateway "manual"); numbered without gaps (counter `payment`).
A payment keeps the gateway's transaction id and authorisation code and, of a card,
its brand and last four digits only. Every request, answer and failure is a row of
payment_events with the states before and after, the gateway's code, message and raw
answer, who and when. Payments are audited; both tables are never deleted from.

The standard profiles gain "payments.manage" (the administrator and accounting); a
profile an administrator has not changed is brought up to the new defaults, a changed
one is left as the administrator made it.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import core.storage.types
from core.storage.guards import guard, unguard

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NEW_PERMISSIONS = {"administrator": ("payments.manage",), "accounting": ("payments.manage",)}
NEVER_DELETED = ("payments", "payment_events")


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money():
    return core.storage.types.ExactDecimal()


def _fk(table: str, column: str, referred: str):
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def upgrade() -> None:
    _profiles(add=True)
    _create_payments()
    _create_events()
    guard(NEVER_DELETED)


def _profiles(*, add: bool) -> None:
    profiles = sa.table(
        "profiles",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("permissions", sa.JSON),
        sa.column("changed", sa.Boolean),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(profiles).where(profiles.c.changed.is_(False)))
    for row in rows.all():
        permissions = set(NEW_PERMISSIONS.get(row.name, ()))
        changed = set(row.permissions) | permissions if add else set(row.permissions) - permissions
        connection.execute(
            profiles.update().where(profiles.c.id == row.id).values(permissions=sorted(changed))
        )


def _create_payments() -> None:
    op.create_table(
        "payments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("invoice_id", _id(), nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("authorization_code", sa.String(length=32), nullable=True),
        sa.Column("card_brand", sa.String(length=32), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("token_kind", sa.String(length=32), nullable=True),
        sa.Column("approval_url", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("captured_amount", _money(), nullable=False),
        sa.Column("refunded_amount", _money(), nullable=False),
        sa.Column("in_flight", sa.String(length=16), nullable=True),
        sa.Column("in_flight_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        _fk("payments", "invoice_id", "invoices"),
        _fk("payments", "order_id", "orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("number", name=op.f("uq_payments_number")),
    )
    op.create_index(op.f("ix_payments_invoice_id"), "payments", ["invoice_id"], unique=False)
    op.create_index("ix_payments_order_id_id", "payments", ["order_id", "id"], unique=False)
    op.create_index("ix_payments_state_id", "payments", ["state", "id"], unique=False)


def _create_events() -> None:
    op.create_table(
        "payment_events",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("payment_id", _id(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("amount", _money(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state_before", sa.String(length=24), nullable=True),
        sa.Column("state_after", sa.String(length=24), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("gateway_code", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("error_kind", sa.String(length=16), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("payment_events", "payment_id", "payments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    op.create_index(
        op.f("ix_payment_events_payment_id"), "payment_events", ["payment_id"], unique=False
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    op.drop_table("payment_events")
    op.drop_table("payments")
    _profiles(add=False)
