"""returns, tasks and discussions

rmas and rma_lines keep what a customer sends back from an order, line by line, and
what became of it; tasks are work for staff, on an order, a quote, an RMA or a
discussion, or on nothing; projects (with the staff assigned to them) group
discussions, each with its participants and messages. All are never deleted. The
standard profiles that were not changed gain the new permissions.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

import core.storage.types
from core.storage.guards import guard, unguard

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = (
    "projects",
    "tasks",
    "discussions",
    "project_members",
    "discussion_messages",
    "discussion_participants",
    "rmas",
    "rma_lines",
)
RETURNS = ("returns.view", "returns.manage")
NEW_PERMISSIONS = {
    "administrator": (*RETURNS, "collaborate"),
    "sales_manager": (*RETURNS, "collaborate"),
    "salesperson": (*RETURNS, "collaborate"),
    "purchasing": ("returns.view", "collaborate"),
    "warehouse": (*RETURNS, "collaborate"),
    "accounting": ("returns.view", "collaborate"),
}


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _quantity():
    return core.storage.types.ExactDecimal()


def upgrade() -> None:
    _profiles(add=True)
    _create_tables()
    guard(TABLES)


def downgrade() -> None:
    unguard(TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
    _profiles(add=False)


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


def _create_tables() -> None:
    op.create_table(
        "projects",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("document_kind", sa.String(length=32), nullable=True),
        sa.Column("document_id", _id(), nullable=True),
        sa.Column("document_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("number", name=op.f("uq_tasks_number")),
    )
    op.create_index("ix_tasks_assignee_status", "tasks", ["assignee", "status"], unique=False)
    op.create_index("ix_tasks_document", "tasks", ["document_kind", "document_id"], unique=False)
    op.create_index("ix_tasks_status_id", "tasks", ["status", "id"], unique=False)
    op.create_table(
        "discussions",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("project_id", _id(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_discussions_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussions")),
        sa.UniqueConstraint("number", name=op.f("uq_discussions_number")),
    )
    op.create_index(op.f("ix_discussions_project_id"), "discussions", ["project_id"], unique=False)
    op.create_index("ix_discussions_status_id", "discussions", ["status", "id"], unique=False)
    op.create_table(
        "project_members",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("project_id", _id(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_members_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_members")),
        sa.UniqueConstraint(
            "project_id", "username", name=op.f("uq_project_members_project_id_username")
        ),
    )
    op.create_index("ix_project_members_username", "project_members", ["username"], unique=False)
    op.create_table(
        "discussion_messages",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("discussion_id", _id(), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("inbound_mail_id", _id(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_messages_discussion_id_discussions"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_mail_id"],
            ["inbound_mail.id"],
            name=op.f("fk_discussion_messages_inbound_mail_id_inbound_mail"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_messages")),
    )
    op.create_index(
        "ix_discussion_messages_discussion",
        "discussion_messages",
        ["discussion_id", "id"],
        unique=False,
    )
    op.create_table(
        "discussion_participants",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("discussion_id", _id(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.String(length=64), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_participants_discussion_id_discussions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_participants")),
        sa.UniqueConstraint(
            "discussion_id",
            "username",
            name=op.f("uq_discussion_participants_discussion_id_username"),
        ),
    )
    op.create_index(
        "ix_discussion_participants_username", "discussion_participants", ["username"], unique=False
    )
    op.create_table(
        "rmas",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("order_id", _id(), nullable=False),
        sa.Column("customer_id", _id(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("authorized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_rmas_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_rmas_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rmas")),
        sa.UniqueConstraint("number", name=op.f("uq_rmas_number")),
    )
    op.create_index(op.f("ix_rmas_order_id"), "rmas", ["order_id"], unique=False)
    op.create_index("ix_rmas_status_id", "rmas", ["status", "id"], unique=False)
    op.create_table(
        "rma_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("rma_id", _id(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("order_line_number", sa.Integer(), nullable=False),
        sa.Column("part_number", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("unit_of_measure", sa.String(length=8), nullable=False),
        sa.Column("quantity", _quantity(), nullable=False),
        sa.Column("received_quantity", _quantity(), server_default="0", nullable=False),
        sa.Column("condition", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["rma_id"], ["rmas.id"], name=op.f("fk_rma_lines_rma_id_rmas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rma_lines")),
        sa.UniqueConstraint("rma_id", "line_number", name=op.f("uq_rma_lines_rma_id_line_number")),
    )
