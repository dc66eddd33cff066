"""customers and sales teams: organisations, contacts, addresses, groups, teams

Customers gain a status (customer or lead), a customer group, tax exemption, net
terms, a credit limit, their own discount, a website and notes; contacts and
addresses are their own tables. Customer groups carry a price level, a discount,
the newsletter flag, the sales team and account manager who look after them, and
whether new leads go there (a partial unique index keeps that to one group). Sales
teams have members and managers; leaving a team archives the membership. The new
tables are audited and never deleted from. The customer columns are added in place
(no batch rebuild), so customers keeps its delete guard on SQLite; there the foreign
key of group_id is written inline, as SQLite cannot add a constraint later. Orders
get (customer_id, id) for lists limited to a sales team's customers.

The standard profiles gain the product and customer-export permissions; a profile an
administrator has not changed is brought up to the new defaults, a changed one is left
as the administrator made it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import core.storage.types
from core.storage.guards import guard, unguard

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEW_PERMISSIONS = {
    "administrator": ("customers.export", "products.edit", "products.view"),
    "sales_manager": ("customers.export", "products.view"),
    "salesperson": ("products.view",),
    "purchasing": ("products.edit", "products.view"),
    "warehouse": ("products.view",),
    "accounting": ("customers.export", "products.view"),
}
NEVER_DELETED = (
    "sales_teams",
    "team_members",
    "customer_groups",
    "customer_contacts",
    "customer_addresses",
)
CUSTOMER_COLUMNS = (
    "status",
    "group_id",
    "tax_exempt",
    "tax_exempt_id",
    "net_terms_days",
    "credit_limit",
    "discount_percent",
    "website",
    "notes",
)


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _stamps():
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def _false():
    return sa.text("false")


def upgrade() -> None:
    _add_profile_permissions()
    _create_teams()
    _create_groups()
    _add_customer_columns()
    _create_contacts_and_addresses()
    op.create_index("ix_orders_customer_id_id", "orders", ["customer_id", "id"], unique=False)
    guard(NEVER_DELETED)


def _add_profile_permissions() -> None:
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
        added = set(row.permissions) | set(NEW_PERMISSIONS.get(row.name, ()))
        connection.execute(
            profiles.update().where(profiles.c.id == row.id).values(permissions=sorted(added))
        )


def _create_teams() -> None:
    op.create_table(
        "sales_teams",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_teams")),
        sa.UniqueConstraint("code", name=op.f("uq_sales_teams_code")),
    )
    op.create_table(
        "team_members",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("team_id", _id(), nullable=False),
        sa.Column("staff_id", _id(), nullable=False),
        sa.Column("role", sa.String(length=16), server_default="member", nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["team_id"], ["sales_teams.id"], name=op.f("fk_team_members_team_id_sales_teams")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_team_members_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("team_id", "staff_id", name=op.f("uq_team_members_team_id_staff_id")),
    )
    op.create_index(op.f("ix_team_members_staff_id"), "team_members", ["staff_id"], unique=False)


def _create_groups() -> None:
    op.create_table(
        "customer_groups",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_level", sa.String(length=32), nullable=True),
        sa.Column("discount_percent", core.storage.types.ExactDecimal(), nullable=True),
        sa.Column("newsletter", sa.Boolean(), server_default=_false(), nullable=False),
        sa.Column("team_id", _id(), nullable=True),
        sa.Column("manager_id", _id(), nullable=True),
        sa.Column("takes_new_leads", sa.Boolean(), server_default=_false(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["team_id"], ["sales_teams.id"], name=op.f("fk_customer_groups_team_id_sales_teams")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["staff.id"], name=op.f("fk_customer_groups_manager_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_groups")),
        sa.UniqueConstraint("code", name=op.f("uq_customer_groups_code")),
    )
    op.create_index(
        op.f("ix_customer_groups_team_id"), "customer_groups", ["team_id"], unique=False
    )
    op.create_index(
        op.f("ix_customer_groups_manager_id"), "customer_groups", ["manager_id"], unique=False
    )
    op.create_index(
        "uq_customer_groups_takes_new_leads",
        "customer_groups",
        ["takes_new_leads"],
        unique=True,
        postgresql_where=sa.text("takes_new_leads"),
        sqlite_where=sa.text("takes_new_leads"),
    )


def _add_customer_columns() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "customers",
        sa.Column("status", sa.String(length=16), server_default="customer", nullable=False),
    )
    op.add_column(
        "customers",
        sa.Column(
            "group_id",
            _id(),
            sa.ForeignKey("customer_groups.id", name=op.f("fk_customers_group_id_customer_groups")),
            nullable=True,
        ),
        inline_references=sqlite,
    )
    op.add_column(
        "customers",
        sa.Column("tax_exempt", sa.Boolean(), server_default=_false(), nullable=False),
    )
    op.add_column("customers", sa.Column("tax_exempt_id", sa.String(length=64), nullable=True))
    op.add_column("customers", sa.Column("net_terms_days", sa.Integer(), nullable=True))
    for name in ("credit_limit", "discount_percent"):
        op.add_column(
            "customers", sa.Column(name, core.storage.types.ExactDecimal(), nullable=True)
        )
    op.add_column("customers", sa.Column("website", sa.String(length=200), nullable=True))
    op.add_column("customers", sa.Column("notes", sa.Text(), nullable=True))
    op.create_index(op.f("ix_customers_group_id"), "customers", ["group_id"], unique=False)
    op.create_index("ix_customers_partner_code", "customers", ["partner_code"], unique=False)


def _create_contacts_and_addresses() -> None:
    op.create_table(
        "customer_contacts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("is_primary", sa.Boolean(), server_default=_false(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_contacts_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contacts")),
    )
    op.create_index(
        op.f("ix_customer_contacts_customer_id"),
        "customer_contacts",
        ["customer_id"],
        unique=False,
    )
    op.create_table(
        "customer_addresses",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("street1", sa.String(length=200), nullable=False),
        sa.Column("street2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=32), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=_false(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_addresses_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_addresses")),
    )
    op.create_index(
        op.f("ix_customer_addresses_customer_id"),
        "customer_addresses",
        ["customer_id"],
        unique=False,
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    op.drop_index("ix_orders_customer_id_id", table_name="orders")
    op.drop_table("customer_addresses")
    op.drop_table("customer_contacts")
    op.drop_index("ix_customers_partner_code", table_name="customers")
    op.drop_index(op.f("ix_customers_group_id"), table_name="customers")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name in reversed(CUSTOMER_COLUMNS):
            batch_op.drop_column(name)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the table without its trigger.
        op.execute("DROP TRIGGER IF EXISTS customers_never_deleted")
        guard(("customers",))
    op.drop_table("customer_groups")
    op.drop_table("team_members")
    op.drop_table("sales_teams")
