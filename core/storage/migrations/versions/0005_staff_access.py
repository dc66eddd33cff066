"""staff access: profiles, per-person permission overrides, API tokens, activity log

Staff gain a profile (a standard set of permissions) and their own grants and
revocations over it. Profiles are seeded with the standard sets as they were when
this revision was written; later changes to the defaults come with their own
revision. API tokens are kept as SHA-256 hashes with a short clear lookup key.
The activity log records what each staff member did. The staff columns are added
in place (no batch rebuild), so staff keeps its delete guard on SQLite.

Revision ID: 0005
Revises: 0004
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.storage.guards import guard, unguard

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEVER_DELETED = ("profiles", "api_tokens", "activity_log")
_SELL = (
    "customers.edit",
    "customers.view",
    "orders.edit",
    "orders.view",
    "quotes.send",
    "quotes.view",
)
SEED_PROFILES = {
    "administrator": (
        "activity.view",
        "customers.edit",
        "customers.view",
        "invoices.bulk",
        "invoices.manage",
        "invoices.view",
        "orders.edit",
        "orders.view",
        "partners.manage",
        "partners.view",
        "purchasing.manage",
        "quotes.send",
        "quotes.view",
        "settings.manage",
        "shipments.manage",
        "shipments.view",
        "staff.manage",
    ),
    "sales_manager": (
        *_SELL,
        "activity.view",
        "invoices.view",
        "partners.view",
        "shipments.view",
    ),
    "salesperson": (*_SELL, "invoices.view", "shipments.view"),
    "purchasing": ("orders.view", "partners.view", "purchasing.manage", "shipments.view"),
    "warehouse": ("orders.view", "shipments.manage", "shipments.view"),
    "accounting": (
        "customers.view",
        "invoices.bulk",
        "invoices.manage",
        "invoices.view",
        "orders.view",
        "quotes.view",
        "shipments.view",
    ),
}


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _document():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _stamps():
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def upgrade() -> None:
    op.add_column(
        "staff",
        sa.Column("profile", sa.String(length=32), server_default="salesperson", nullable=False),
    )
    op.add_column(
        "staff",
        sa.Column(
            "permission_overrides", _document(), server_default=sa.text("'{}'"), nullable=False
        ),
    )
    _create_profiles()
    _create_api_tokens()
    _create_activity_log()
    guard(NEVER_DELETED)


def _create_profiles() -> None:
    profiles = op.create_table(
        "profiles",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("permissions", _document(), nullable=False),
        sa.Column("changed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_profiles_name")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        profiles,
        [
            {
                "name": name,
                "permissions": sorted(permissions),
                "changed": False,
                "created_at": now,
                "updated_at": now,
                "archived": False,
            }
            for name, permissions in SEED_PROFILES.items()
        ],
    )


def _create_api_tokens() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("staff_id", _id(), nullable=False),
        sa.Column("lookup", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_api_tokens_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    op.create_index(op.f("ix_api_tokens_staff_id"), "api_tokens", ["staff_id"], unique=False)
    op.create_index(op.f("ix_api_tokens_lookup"), "api_tokens", ["lookup"], unique=False)


def _create_activity_log() -> None:
    op.create_table(
        "activity_log",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", _id(), nullable=True),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("document_type", sa.String(length=32), nullable=True),
        sa.Column("document_id", sa.String(length=200), nullable=True),
        sa.Column("detail", _document(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_activity_log_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_log")),
    )
    op.create_index(op.f("ix_activity_log_at"), "activity_log", ["at"], unique=False)
    op.create_index("ix_activity_log_username", "activity_log", ["username", "at"], unique=False)
    op.create_index(
        "ix_activity_log_document",
        "activity_log",
        ["document_type", "document_id", "at"],
        unique=False,
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    op.drop_table("activity_log")
    op.drop_table("api_tokens")
    op.drop_table("profiles")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("permission_overrides")
        batch_op.drop_column("profile")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the table without its trigger.
        op.execute("DROP TRIGGER IF EXISTS staff_never_deleted")
        guard(("staff",))
