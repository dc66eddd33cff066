"""email in and out

outgoing_mail keeps every message sent (its bytes, each attempt's answer from the mail
server, a bounce) on its document; inbound_mail keeps every message received, raw,
before anything is done with it, and what routing made of it (the triage list is its
rows in state "triage"); document_comments holds comments on quotes, invoices,
shipments and RFQs. Order and PO comments that came by email name their message. All
three tables are never deleted from. A customer group may choose order confirmation
emails "always" or "never" over the setting.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.storage.guards import guard, unguard

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

NEVER_DELETED = ("outgoing_mail", "inbound_mail", "document_comments")


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _create_outgoing()
    _create_inbound()
    _create_comments()
    op.add_column("order_comments", sa.Column("inbound_mail_id", _id(), nullable=True))
    op.add_column("purchase_order_comments", sa.Column("inbound_mail_id", _id(), nullable=True))
    op.add_column(
        "customer_groups", sa.Column("order_confirmation", sa.String(length=8), nullable=True)
    )
    guard(NEVER_DELETED)


def _create_outgoing() -> None:
    op.create_table(
        "outgoing_mail",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("document_kind", sa.String(length=32), nullable=False),
        sa.Column("document_id", _id(), nullable=False),
        sa.Column("document_number", sa.String(length=64), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("recipients", _json(), nullable=False),
        sa.Column("cc", _json(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        _when("sent_at"),
        sa.Column("answer_code", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("refused_recipients", _json(), nullable=True),
        _when("bounced_at"),
        sa.Column("bounce", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _when("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mail")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outgoing_mail_message_id")),
    )
    op.create_index("ix_outgoing_mail_due", "outgoing_mail", ["state", "next_attempt_at"])
    op.create_index(
        "ix_outgoing_mail_document", "outgoing_mail", ["document_kind", "document_id", "id"]
    )


def _create_inbound() -> None:
    op.create_table(
        "inbound_mail",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("door", sa.String(length=16), nullable=False),
        sa.Column("mailbox", sa.String(length=100), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("envelope_from", sa.String(length=320), nullable=True),
        sa.Column("envelope_to", _json(), nullable=False),
        sa.Column("peer", sa.String(length=100), nullable=True),
        _when("received_at", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("from_address", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("document_kind", sa.String(length=32), nullable=True),
        sa.Column("document_number", sa.String(length=64), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _when("routed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mail")),
        sa.UniqueConstraint("sha256", name=op.f("uq_inbound_mail_sha256")),
    )
    op.create_index("ix_inbound_mail_state_id", "inbound_mail", ["state", "id"])
    op.create_index(
        "ix_inbound_mail_document", "inbound_mail", ["document_kind", "document_number"]
    )


def _create_comments() -> None:
    op.create_table(
        "document_comments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("document_kind", sa.String(length=32), nullable=False),
        sa.Column("document_id", _id(), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("inbound_mail_id", _id(), nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_mail_id"],
            ["inbound_mail.id"],
            name=op.f("fk_document_comments_inbound_mail_id_inbound_mail"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_comments")),
    )
    op.create_index(
        "ix_document_comments_document",
        "document_comments",
        ["document_kind", "document_id", "id"],
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    with op.batch_alter_table("customer_groups") as batch:
        batch.drop_column("order_confirmation")
    with op.batch_alter_table("purchase_order_comments") as batch:
        batch.drop_column("inbound_mail_id")
    with op.batch_alter_table("order_comments") as batch:
        batch.drop_column("inbound_mail_id")
    if op.get_bind().dialect.name == "sqlite":  # the batch rebuilt both tables
        guard(("order_comments", "purchase_order_comments"))
    op.drop_table("document_comments")
    op.drop_table("inbound_mail")
    op.drop_table("outgoing_mail")
