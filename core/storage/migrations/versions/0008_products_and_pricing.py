"""products and pricing: price levels, quantity breaks, pricing rules, tax rates, shipping ranges, discount codes, branches

Products gain a weight (lb), a category and `search_vector`: the tokens product
search matches a query's words against (the words of the description and maker,
the part numbers: ours, the maker's, the suppliers'). On PostgreSQL it is a tsvector
with a GIN index (prefix queries, 'tn436':*); SQLite keeps the same tokens as text
and scans them, its index of the same name being partial on a false condition
(always empty). Suppliers' part numbers and costs, price levels, fixed level
prices, quantity breaks, tax rates, shipping ranges, discount codes and branches
are new tables, audited and never deleted from. The product columns are added in
place (no batch rebuild), so products keeps its delete guard on SQLite.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import core.storage.types
from core.model.products import search_tokens
from core.storage.guards import guard, unguard

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NEVER_DELETED = (
    "product_suppliers",
    "price_levels",
    "product_prices",
    "price_breaks",
    "tax_rates",
    "shipping_ranges",
    "discount_codes",
    "branches",
)


def _id():
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money():
    return core.storage.types.ExactDecimal()


def _stamps():
    return (
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def upgrade() -> None:
    _add_product_columns()
    _create_suppliers()
    _create_levels_prices_and_breaks()
    _create_tax_rates_and_shipping_ranges()
    _create_discount_codes()
    _create_branches()
    guard(NEVER_DELETED)


def _add_product_columns() -> None:
    op.add_column("products", sa.Column("weight", _money(), nullable=True))
    op.add_column("products", sa.Column("category", sa.String(length=100), nullable=True))
    op.add_column(
        "products",
        sa.Column(
            "search_vector",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True,
        ),
    )
    _fill_search_vectors()
    op.create_index(
        "ix_products_search_vector",
        "products",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
        sqlite_where=sa.text("0"),
    )
    op.create_index(op.f("ix_products_category"), "products", ["category"], unique=False)


def _fill_search_vectors() -> None:
    """Products made before this revision (no suppliers yet) get their tokens."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, sku, description, manufacturer_name, manufacturer_part_id FROM products"
        )
    ).all()
    documents = [
        (
            row.id,
            search_tokens(
                (row.description, row.manufacturer_name), (row.sku, row.manufacturer_part_id)
            ),
        )
        for row in rows
    ]
    if not documents:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(
                "UPDATE products SET search_vector = array_to_tsvector(string_to_array(d.doc, ' '))"
                " FROM unnest(CAST(:ids AS bigint[]), CAST(:docs AS text[])) AS d(id, doc)"
                " WHERE products.id = d.id"
            ),
            {"ids": [i for i, _ in documents], "docs": [" ".join(t) for _, t in documents]},
        )
    else:
        connection.execute(
            sa.text("UPDATE products SET search_vector = :doc WHERE id = :id"),
            [{"id": i, "doc": f" {' '.join(t)} "} for i, t in documents],
        )


def _create_suppliers() -> None:
    op.create_table(
        "product_suppliers",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("product_id", _id(), nullable=False),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("supplier_part_id", sa.String(length=100), nullable=False),
        sa.Column("cost", _money(), nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
        sa.Column("is_preferred", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_suppliers_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_suppliers")),
        sa.UniqueConstraint(
            "product_id",
            "supplier_code",
            name=op.f("uq_product_suppliers_product_id_supplier_code"),
        ),
    )
    op.create_index(
        "ix_product_suppliers_part",
        "product_suppliers",
        ["supplier_code", "supplier_part_id"],
        unique=False,
    )


def _create_levels_prices_and_breaks() -> None:
    op.create_table(
        "price_levels",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("percent", _money(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_levels")),
        sa.UniqueConstraint("code", name=op.f("uq_price_levels_code")),
    )
    op.create_table(
        "product_prices",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("product_id", _id(), nullable=False),
        sa.Column("level_code", sa.String(length=32), nullable=False),
        sa.Column("unit_price", _money(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["level_code"],
            ["price_levels.code"],
            name=op.f("fk_product_prices_level_code_price_levels"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_prices_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_prices")),
        sa.UniqueConstraint(
            "product_id", "level_code", name=op.f("uq_product_prices_product_id_level_code")
        ),
    )
    op.create_table(
        "price_breaks",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("product_id", _id(), nullable=False),
        sa.Column("level_code", sa.String(length=32), nullable=True),
        sa.Column("min_quantity", _money(), nullable=False),
        sa.Column("unit_price", _money(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["level_code"],
            ["price_levels.code"],
            name=op.f("fk_price_breaks_level_code_price_levels"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_price_breaks_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_breaks")),
    )
    op.create_index(
        op.f("ix_price_breaks_product_id"), "price_breaks", ["product_id"], unique=False
    )


def _create_tax_rates_and_shipping_ranges() -> None:
    op.create_table(
        "tax_rates",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("postal_prefix", sa.String(length=16), nullable=True),
        sa.Column("rate", _money(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
    )
    op.create_index(
        "ix_tax_rates_place", "tax_rates", ["country", "state", "postal_prefix"], unique=False
    )
    op.create_table(
        "shipping_ranges",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("min_value", _money(), nullable=False),
        sa.Column("max_value", _money(), nullable=True),
        sa.Column("price", _money(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipping_ranges")),
    )


def _create_discount_codes() -> None:
    op.create_table(
        "discount_codes",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", _money(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("customer_group", sa.String(length=64), nullable=True),
        sa.Column("min_order_value", _money(), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_discount_codes_code")),
    )
    op.create_index(op.f("ix_discount_codes_batch"), "discount_codes", ["batch"], unique=False)


def _create_branches() -> None:
    op.create_table(
        "branches",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("street1", sa.String(length=200), nullable=False),
        sa.Column("street2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("pickup", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("code", name=op.f("uq_branches_code")),
    )


def downgrade() -> None:
    unguard(NEVER_DELETED)
    for table in reversed(NEVER_DELETED):
        op.drop_table(table)
    op.drop_index(op.f("ix_products_category"), table_name="products")
    op.drop_index("ix_products_search_vector", table_name="products")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("search_vector")
        batch_op.drop_column("category")
        batch_op.drop_column("weight")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's batch mode rebuilt the table without its trigger.
        op.execute("DROP TRIGGER IF EXISTS products_never_deleted")
        guard(("products",))
