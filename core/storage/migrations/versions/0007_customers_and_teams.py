"""customers and sales teams: organisations, contacts, addresses, groups, teams

The standard profiles gain the product and customer-export permissions; a profile an
administrator has not changed is brought up to the new defaults, a changed one is left
as the administrator made it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

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


def upgrade() -> None:
    _add_profile_permissions()


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
            profiles.update()
            .where(profiles.c.id == row.id)
            .values(permissions=sorted(added))
        )


def downgrade() -> None:
    pass
