"""invoice editing, credit notes, series, attachments and bulk invoicing

Invoices gain where they came from (an order, an uploaded document, a bulk run),
a due date, when and how they were sent to the buyer (a sent invoice is corrected
by a credit note, never edited) and the attachment of an uploaded one. Invoice
lines gain a status, so a line taken off an unsent invoice is kept. Attachments
keep uploaded files (generic: owner kind and id); invoicing rules say how bulk
invoicing bills a customer or a customer group. Columns are added in place (no
batch rebuild), so invoices and invoice_lines keep their delete guards on SQLite;
the new tables are guarded too.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from core.storage.guards import guard, unguard

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NEVER_DELETED = ("attachments", "invoicing_rules")
INVOICE_INDEXES = (
    ("ix_invoices_state_id", ["state", "id"]),
    ("ix_invoices_series_id", ["series", "id"]),
    ("ix_invoices_invoice_date", ["invoice_date"]),
    ("ix_invoices_credits_invoice_id", ["credits_invoice_id"]),
)
INVOICE_COLUMNS = ("origin", "due_date", "sent_at", "sent_via", "sent_to", "attachment_id")


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _stamps():
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def upgrade() -> None:
    _create_attachments()
    _create_invoicing_rules()
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column in (
        sa.Column("origin", sa.String(length=16), server_default="order", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_via", sa.String(length=64), nullable=True),
        sa.Column("sent_to", sa.String(length=254), nullable=True),
    ):
        op.add_column("invoices", column)
    op.add_column(
        "invoices",
        sa.Column(
            "attachment_id",
            _id(),
            sa.ForeignKey("attachments.id", name=op.f("fk_invoices_attachment_id_attachments")),
            nullable=True,
        ),
        inline_references=sqlite,
    )
    op.add_column(
        "invoice_lines",
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
    )
    for name, columns in INVOICE_INDEXES:
        op.create_index(name, "invoices", columns, unique=False)
    guard(NEVER_DELETED)


def _create_attachments() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("owner_kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", _id(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index("ix_attachments_owner", "attachments", ["owner_kind", "owner_id"], unique=False)


def _create_invoicing_rules() -> None:
    op.create_table(
        "invoicing_rules",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("customer_id", _id(), nullable=True),
        sa.Column("group_id", _id(), nullable=True),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("series", sa.String(length=16), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoicing_rules_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["customer_groups.id"],
            name=op.f("fk_invoicing_rules_group_id_customer_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoicing_rules")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_invoicing_rules_customer_id")),
        sa.UniqueConstraint("group_id", name=op.f("uq_invoicing_rules_group_id")),
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    for name, _ in reversed(INVOICE_INDEXES):
        op.drop_index(name, table_name="invoices")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_column("status")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        for name in reversed(INVOICE_COLUMNS):
            batch_op.drop_column(name)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the tables without their triggers.
        for table in ("invoices", "invoice_lines"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_deleted")
        guard(("invoices", "invoice_lines"))
    op.drop_table("invoicing_rules")
    op.drop_table("attachments")
