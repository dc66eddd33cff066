"""Products, suppliers, price levels, level prices and breaks, product search and the
price of a product for a customer, on both databases, through the commands, the
pricing lookups and /api/v1."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from core import commands
from core.errors import DeletionRefused, NotFound
from core.model.pricing import Override, PricingError
from core.model.products import CatalogError
from core.ports import Actor
from core.storage import tables
from core.storage.catalog_queries import product_detail, search_products, sku_for_part
from core.storage.pricing import price_for
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient

SETUP = Actor("system", "setup")
BUYER = Actor("staff", "mgarcia")
TONER = {
    "manufacturer_name": "Brother",
    "manufacturer_part_id": "TN-436BK",
    "unit_of_measure": "EA",
    "list_price": Decimal("100.00"),
    "cost": Decimal("60.00"),
    "weight": Decimal("1.9"),
    "category": "Toner & ink",
}


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def admin(api):
    return api.token("mgarcia", "administrator")


def run(app, *commands_, actor=SETUP):
    return [app.bus.execute(command, actor) for command in commands_]


def catalogue(app) -> None:
    """Four products from three makers, with suppliers; one archived."""
    run(
        app,
        commands.AddProduct("00412-BK", "Toner cartridge, black, high yield", TONER),
        commands.AddProduct(
            "CBL-USBC-2M",
            "USB-C cable, braided, 2 m",
            {"manufacturer_name": "Anker", "manufacturer_part_id": "A8482", "list_price": "14.99"},
        ),
        commands.AddProduct(
            "MON-27-4K",
            "27-inch 4K monitor, black",
            {
                "manufacturer_name": "Dell",
                "manufacturer_part_id": "U2723QE",
                "list_price": "519.99",
            },
        ),
        commands.AddProduct("OLD-FAX-1", "Fax toner, black", {"list_price": "20"}),
        commands.SetProductSupplier("00412-BK", "ingram", "ING-7781234", cost=Decimal("58.20")),
        commands.SetProductSupplier("MON-27-4K", "synnex", "SYX 4410 27", cost=Decimal("455")),
        commands.ChangeProduct("OLD-FAX-1", {"archived": True}),
    )


def skus(app, text=None, **options) -> list[str]:
    return [p["sku"] for p in search_products(app.engine, text, **options)]


# ---------------------------------------------------------------- products


def test_a_product_is_added_changed_and_its_history_says_who_changed_what(app):
    catalogue(app)
    run(
        app,
        commands.ChangeProduct(
            "00412-BK", {"list_price": Decimal("104.50"), "cost": Decimal("61.10")}
        ),
        commands.SetProductSupplier(
            "00412-BK", "ingram", "ING-7781234", cost=Decimal("59.00"), lead_time_days=2
        ),
        commands.AddPriceLevel("CONTRACT", "State contract", "fixed"),
        commands.SetLevelPrice("00412-BK", "CONTRACT", Decimal("88.00")),
        commands.SetLevelPrice("00412-BK", "CONTRACT", Decimal("86.50")),
        commands.SetPriceBreak("00412-BK", None, Decimal(10), Decimal("95.00")),
        commands.SetPriceBreak("00412-BK", None, Decimal(10), None),
        actor=BUYER,
    )
    detail = product_detail(app.engine, "00412-BK")
    assert (detail["list_price"], detail["cost"], detail["weight"]) == ("104.50", "61.10", "1.9")
    assert [p["unit_price"] for p in detail["level_prices"]] == ["86.50"]
    assert [(b["min_quantity"], b["archived"]) for b in detail["breaks"]] == [("10", True)]
    assert detail["suppliers"][0]["lead_time_days"] == 2
    changes = [
        (h["entity"], h["action"], h["actor"], h["changes"])
        for h in detail["history"]
        if h["action"] == "update"
    ]
    assert changes == [
        (
            "product",
            "update",
            "mgarcia",
            {
                "list_price": {"old": "100.00", "new": "104.50"},
                "cost": {"old": "60.00", "new": "61.10"},
            },
        ),
        (
            "product_supplier",
            "update",
            "mgarcia",
            {"cost": {"old": "58.20", "new": "59.00"}, "lead_time_days": {"old": None, "new": 2}},
        ),
        ("product_price", "update", "mgarcia", {"unit_price": {"old": "88.00", "new": "86.50"}}),
        ("price_break", "update", "mgarcia", {"archived": {"old": False, "new": True}}),
    ]
    created = [h["entity"] for h in detail["history"] if h["action"] == "create"]
    assert created == ["product", "product_supplier", "product_price", "price_break"]
    assert "search_vector" not in detail and "search_vector" not in str(detail["history"])


def test_products_are_archived_never_deleted(app):
    catalogue(app)
    with app.engine.connect() as connection:
        product_id = connection.scalar(
            select(tables.products.c.id).where(tables.products.c.sku == "00412-BK")
        )
    with pytest.raises(Exception, match=r"never deleted|archived"), app.engine.begin() as c:
        c.execute(
            delete(tables.product_suppliers).where(
                tables.product_suppliers.c.product_id == product_id
            )
        )
    with app.uow_factory(SETUP) as uow:
        product = uow.catalog.get("00412-BK")
        with pytest.raises(DeletionRefused):
            uow.session.delete(product.suppliers[0])
            uow.session.flush()


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (commands.AddProduct("00412-BK", "again"), CatalogError, "exists already"),
        (commands.AddProduct("NEW 1", "spaces"), CatalogError, "spaces"),
        (commands.AddProduct("NEW-1", "x", {"list_price": "-1"}), CatalogError, "0 or more"),
        (commands.AddProduct("NEW-1", "x", {"sku": "Y"}), CatalogError, "cannot change sku"),
        (commands.ChangeProduct("NOPE", {"cost": Decimal(1)}), NotFound, "no product NOPE"),
        (commands.SetLevelPrice("00412-BK", "NOPE", Decimal(1)), NotFound, "no price level"),
    ],
)
def test_bad_product_changes_are_refused_and_change_nothing(app, command, error, message):
    catalogue(app)
    before = product_detail(app.engine, "00412-BK")
    with pytest.raises(error, match=message):
        app.bus.execute(command, SETUP)
    assert product_detail(app.engine, "00412-BK") == before
    assert skus(app, "new") == []


def test_a_computed_level_takes_no_fixed_prices(app):
    catalogue(app)
    run(app, commands.AddPriceLevel("GSA", "GSA schedule", "list_discount", Decimal("8")))
    with pytest.raises(CatalogError, match="computed, not set"):
        run(app, commands.SetLevelPrice("00412-BK", "GSA", Decimal(90)))


# ---------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("00412", ["00412-BK"]),  # our part number
        ("00412 bk", ["00412-BK"]),  # spaces and dashes ignored
        ("tn436", ["00412-BK"]),  # the maker's
        ("TN-436b", ["00412-BK"]),
        ("ing-778", ["00412-BK"]),  # a supplier's
        ("syx441027", ["MON-27-4K"]),
        ("toner", ["00412-BK"]),  # words in the description
        ("black", ["00412-BK", "MON-27-4K"]),
        ("black 4k", ["MON-27-4K"]),
        ("brother", ["00412-BK"]),  # the maker's name
        ("usb-c", ["CBL-USBC-2M"]),
        ("usb", ["CBL-USBC-2M"]),
        ("cartridge dell", []),
        ("4436", []),  # prefixes, not any substring
        ("%", []),
        ("", ["00412-BK", "CBL-USBC-2M", "MON-27-4K"]),
    ],
)
def test_search_finds_part_numbers_by_prefix_and_words(app, text, found):
    catalogue(app)
    assert skus(app, text) == found


def test_search_pages_by_part_number_and_leaves_archived_products_out(app):
    catalogue(app)
    assert skus(app, "black") == ["00412-BK", "MON-27-4K"]
    assert skus(app, "black", include_archived=True) == ["00412-BK", "MON-27-4K", "OLD-FAX-1"]
    assert skus(app, limit=2) == ["00412-BK", "CBL-USBC-2M"]
    assert skus(app, limit=2, after="CBL-USBC-2M") == ["MON-27-4K"]
    assert skus(app, category="Toner & ink") == ["00412-BK"]


def test_search_follows_changes_to_part_numbers_and_suppliers(app):
    catalogue(app)
    run(
        app,
        commands.ChangeProduct(
            "CBL-USBC-2M", {"manufacturer_part_id": "A8483", "description": "Lead"}
        ),
        commands.SetProductSupplier("00412-BK", "ingram", "ING-9990000", archived=True),
        commands.SetProductSupplier("CBL-USBC-2M", "dandh", "DH-55102"),
    )
    assert skus(app, "a8482") == [] and skus(app, "a8483") == ["CBL-USBC-2M"]
    assert skus(app, "usb") == [] and skus(app, "lead") == ["CBL-USBC-2M"]
    assert skus(app, "ing") == [] and skus(app, "dh55") == ["CBL-USBC-2M"]
    with app.engine.connect() as connection:
        assert sku_for_part(connection, "tn 436 bk") == "00412-BK"
        assert sku_for_part(connection, "dh-55102") == "CBL-USBC-2M"
        assert sku_for_part(connection, "toner") is None


def test_the_api_searches_pages_and_shows_a_product(app, api, admin):
    catalogue(app)
    status, page = api.get("/api/v1/products?q=black&limit=1", admin)
    assert status == 200 and [p["sku"] for p in page["products"]] == ["00412-BK"]
    assert page["products"][0]["list_price"] == "100.00"
    status, page = api.get(f"/api/v1/products?q=black&limit=1&after={page['next']}", admin)
    assert [p["sku"] for p in page["products"]] == ["MON-27-4K"]
    status, detail = api.get("/api/v1/products/00412-BK", admin)
    assert status == 200 and detail["suppliers"][0]["supplier_part_id"] == "ING-7781234"
    assert api.get("/api/v1/products/NOPE", admin)[0] == 404


# ---------------------------------------------------------------- the API writes


def test_products_prices_and_breaks_through_the_api(app, api, admin):
    status, made = api.post(
        "/api/v1/products",
        admin,
        {
            "sku": "PPR-LTR-CS",
            "description": "Copy paper, letter, 10 reams",
            "manufacturer_name": "Hammermill",
            "unit_of_measure": "cs",
            "list_price": "52.10",
            "cost": "41.68",
            "weight": "50",
        },
    )
    assert status == 201 and (made["unit_of_measure"], made["list_price"]) == ("CS", "52.10")
    status, changed = api.post("/api/v1/products/PPR-LTR-CS", admin, {"list_price": "54.00"})
    assert (status, changed) == (200, {"sku": "PPR-LTR-CS", "changed": ["list_price"]})
    assert (
        api.post(
            "/api/v1/price-levels", admin, {"code": "CONTRACT", "name": "Contract", "kind": "fixed"}
        )[0]
        == 201
    )
    status, prices = api.post(
        "/api/v1/products/PPR-LTR-CS/prices", admin, {"level": "CONTRACT", "unit_price": "47.00"}
    )
    assert status == 200 and prices["level_prices"][0]["unit_price"] == "47.00"
    status, breaks = api.post(
        "/api/v1/products/PPR-LTR-CS/breaks", admin, {"min_quantity": "20", "unit_price": "49.00"}
    )
    assert status == 200 and breaks["breaks"][0]["level_code"] is None
    status, suppliers = api.post(
        "/api/v1/products/PPR-LTR-CS/suppliers",
        admin,
        {
            "supplier_code": "essendant",
            "supplier_part_id": "ESS-HAM105",
            "cost": "40.10",
            "is_preferred": True,
        },
    )
    assert status == 200 and suppliers["suppliers"][0]["is_preferred"] is True
    _, detail = api.get("/api/v1/products/PPR-LTR-CS", admin)
    assert [h["actor"] for h in detail["history"]] == ["mgarcia"] * 5
    status, price = api.get("/api/v1/price?sku=PPR-LTR-CS&quantity=20", admin)
    assert (price["unit_price"], price["source"], price["amount"]) == ("49.00", "break", "980.00")


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("/api/v1/products", {"description": "no sku"}, 400, "sku is needed"),
        (
            "/api/v1/products",
            {"sku": "X-1", "description": "d", "cost": 1.5},
            400,
            "decimal number",
        ),
        ("/api/v1/products", {"sku": "00412-BK", "description": "again"}, 409, "exists already"),
        ("/api/v1/products/00412-BK", {}, 400, "name a field"),
        ("/api/v1/products/00412-BK", {"archived": "maybe"}, 400, "true or false"),
        ("/api/v1/products/NOPE", {"cost": "1"}, 404, "no product NOPE"),
        ("/api/v1/products/00412-BK/breaks", {"min_quantity": "5"}, 400, "unit_price is needed"),
        (
            "/api/v1/price-levels",
            {"code": "M", "name": "M", "kind": "margin", "percent": "100"},
            409,
            "under 100",
        ),
    ],
)
def test_bad_writes_are_answered_with_the_reason(app, api, admin, path, body, status, detail):
    catalogue(app)
    answer_status, problem = api.post(path, admin, body)
    assert answer_status == status and detail in problem["detail"]


def test_each_route_needs_its_permission(app, api):
    catalogue(app)
    picker = api.token("jpicker", "warehouse")  # products.view, not products.edit
    assert api.get("/api/v1/products?q=toner", picker)[0] == 200
    assert api.get("/api/v1/price?sku=00412-BK", picker)[0] == 200
    status, problem = api.post("/api/v1/products/00412-BK", picker, {"cost": "1"})
    assert status == 403 and "products.edit" in problem["detail"]
    assert api.post("/api/v1/price-levels", picker, {})[0] == 403
    assert api.get("/api/v1/products", None)[0] == 401


# ---------------------------------------------------------------- prices


def customers(app) -> None:
    """GOV buys at the GSA level (list less 8 %) with a 2 % group discount; ACME is in
    GOV with 5 % of its own; SOLO has no group."""
    run(
        app,
        commands.AddPriceLevel("GSA", "GSA schedule", "list_discount", Decimal("8")),
        commands.AddPriceLevel("CONTRACT", "Contract", "fixed"),
        commands.SetPriceBreak("00412-BK", "GSA", Decimal(10), Decimal("85.00")),
        commands.SetPriceBreak("00412-BK", None, Decimal(50), Decimal("80.00")),
        commands.AddCustomerGroup(
            "GOV", "Government", {"price_level": "GSA", "discount_percent": "2"}
        ),
        commands.AddCustomerGroup("STATE", "State contract", {"price_level": "CONTRACT"}),
        commands.AddCustomer("ACME", "Acme County", {"discount_percent": "5"}, "GOV"),
        commands.AddCustomer("RACINE", "Racine Unified", None, "GOV"),
        commands.AddCustomer("MADISON", "Madison Transit", None, "STATE"),
        commands.AddCustomer("SOLO", "Solo Buyer"),
    )


@pytest.mark.parametrize(
    ("customer", "quantity", "unit_price", "source", "rules"),
    [
        (None, 1, "100.00", "list", ["list"]),
        (None, 50, "80.00", "break", ["list", "break"]),
        ("SOLO", 1, "100.00", "list", ["list"]),
        # GSA 92.00, group 2 % off
        ("RACINE", 1, "90.16", "level:GSA", ["list", "level", "discount"]),
        # the GSA break 85.00, then the customer's own 5 % (not the group's 2 %)
        ("ACME", 10, "80.75", "break", ["list", "level", "break", "discount"]),
        # any-level break 80.00, 5 % off 76.00, within cost 60
        ("ACME", 50, "76.00", "break", ["list", "level", "break", "discount"]),
        # a fixed level without a price for the product keeps the list price
        ("MADISON", 1, "100.00", "list", ["list", "level"]),
    ],
)
def test_the_price_for_a_customer_follows_the_rules(
    app, customer, quantity, unit_price, source, rules
):
    catalogue(app)
    customers(app)
    with app.engine.connect() as connection:
        made = price_for(connection, "00412-BK", customer, Decimal(quantity))
    assert (made.unit_price, made.source) == (Decimal(unit_price), source)
    assert [s.rule for s in made.steps] == rules


def test_an_override_is_recorded_and_unknown_or_hidden_things_are_not_found(app):
    catalogue(app)
    customers(app)
    with app.engine.connect() as connection:
        made = price_for(
            connection,
            "00412-BK",
            "ACME",
            Decimal(1),
            Override(Decimal("58"), "mgarcia", "price match"),
        )
        assert (made.unit_price, made.source, made.margin_percent) == (
            Decimal("58.00"),
            "override",
            Decimal("-3.45"),
        )
        with pytest.raises(NotFound, match="no product NOPE"):
            price_for(connection, "NOPE", None, Decimal(1))
        with pytest.raises(NotFound, match="no customer NOBODY"):
            price_for(connection, "00412-BK", "NOBODY", Decimal(1))
        with pytest.raises(NotFound, match="no customer ACME"):
            price_for(connection, "00412-BK", "ACME", Decimal(1), groups=frozenset())
        with pytest.raises(PricingError, match="archived"):
            price_for(connection, "OLD-FAX-1", None, Decimal(1))


def test_the_price_route_shows_each_step_and_takes_an_override(app, api, admin):
    catalogue(app)
    customers(app)
    status, made = api.get("/api/v1/price?sku=00412-BK&customer=ACME&quantity=10", admin)
    assert status == 200
    assert [(s["rule"], s["unit_price"]) for s in made["steps"]] == [
        ("list", "100.00"),
        ("level", "92.00"),
        ("break", "85.00"),
        ("discount", "80.75"),
    ]
    assert (made["discount_source"], made["margin_percent"]) == ("customer", "25.70")
    status, made = api.get(
        "/api/v1/price?sku=00412-BK&quantity=2&override_price=70&override_reason=damaged+box", admin
    )
    assert made["override"] == {"unit_price": "70.00", "by": "mgarcia", "reason": "damaged box"}
    assert api.get("/api/v1/price?sku=00412-BK&override_price=70", admin)[0] == 400
    assert api.get("/api/v1/price?sku=00412-BK&quantity=two", admin)[0] == 400
    assert api.get("/api/v1/price?sku=00412-BK&quantity=0", admin)[0] == 409


def test_handlers_price_through_the_unit_of_work(app):
    catalogue(app)
    customers(app)
    with app.uow_factory(SETUP) as uow:
        assert uow.prices.price_for("00412-BK", "RACINE", Decimal(1)).unit_price == Decimal("90.16")
