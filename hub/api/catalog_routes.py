"""/api/v1 routes of the catalogue and pricing: products and their search, suppliers,
level prices and breaks, the price of a product for a customer with the steps that
made it, price levels, tax rates and tax, shipping ranges and shipping prices,
discount codes and branches. Amounts are JSON text ("12.50")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from core import commands
from core.model.pricing import Override
from core.model.products import CHANGEABLE
from core.storage import catalog_queries as catalog
from core.storage import pricing
from hub.api.common import (
    LIMIT,
    BadQuery,
    Route,
    actor_of,
    date_field,
    decimal_field,
    limit_of,
)

NUMBER = {"type": ["string", "null"]}
FLAG = {"type": "boolean"}
WHOLE = {"type": ["integer", "null"]}
TEXT = {"type": ["string", "null"]}


# ---------------------------------------------------------------- reading values


def _decimal(values: dict, name: str, *, required: bool = False) -> Decimal | None:
    if values.get(name) is None or values.get(name) == "":
        if required:
            raise BadQuery(f"{name} is needed")
        return None
    value = decimal_field(values, name)
    if not value.is_finite():
        raise BadQuery(f"{name} must be a number")
    return value


def _flag(values: dict, name: str, default: bool = False) -> bool:
    value = values.get(name, default)
    if isinstance(value, bool):
        return value
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no", ""):
        return False
    raise BadQuery(f"{name} must be true or false")


def _whole(values: dict, name: str) -> int | None:
    value = values.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadQuery(f"{name} must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number") from None


def _text(values: dict, name: str, *, required: bool = False) -> str | None:
    value = values.get(name)
    if value is not None and not isinstance(value, str):
        raise BadQuery(f"{name} must be text")
    if required and not (value and value.strip()):
        raise BadQuery(f"{name} is needed")
    return value


def _product_fields(body: dict) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in CHANGEABLE:
        if name not in body:
            continue
        if name in ("list_price", "cost", "weight"):
            fields[name] = _decimal(body, name)
        elif name == "archived":
            fields[name] = _flag(body, name)
        else:
            fields[name] = _text(body, name)
    return fields


def _param(params: dict, name: str) -> str:
    return unquote(params[name])


# ---------------------------------------------------------------- products


def search_products(app, principal, params, query):
    limit = limit_of(query)
    found = catalog.search_products(
        app.engine,
        query.get("q"),
        limit=limit,
        after=query.get("after"),
        category=query.get("category"),
        include_archived=_flag(query, "archived"),
    )
    following = found[-1]["sku"] if len(found) == limit else None
    return 200, {"products": found, "next": following}


def show_product(app, principal, params, query):
    return 200, catalog.product_detail(app.engine, _param(params, "sku"))


def add_product(app, principal, params, query, body):
    sku = _text(body, "sku", required=True)
    description = _text(body, "description", required=True)
    fields = _product_fields(body)
    fields.pop("description", None)
    command = commands.AddProduct(sku, description, fields)
    app.bus.execute(command, actor_of(principal))
    return 201, catalog.product_detail(app.engine, sku.strip())


def change_product(app, principal, params, query, body):
    sku = _param(params, "sku")
    fields = _product_fields(body)
    if not fields:
        raise BadQuery(f"name a field to change: {', '.join(CHANGEABLE)}")
    changed = app.bus.execute(commands.ChangeProduct(sku, fields), actor_of(principal))
    return 200, {"sku": sku, "changed": changed}


def set_supplier(app, principal, params, query, body):
    sku = _param(params, "sku")
    command = commands.SetProductSupplier(
        sku,
        _text(body, "supplier_code", required=True),
        _text(body, "supplier_part_id", required=True),
        cost=_decimal(body, "cost"),
        lead_time_days=_whole(body, "lead_time_days"),
        is_preferred=_flag(body, "is_preferred"),
        archived=_flag(body, "archived"),
    )
    app.bus.execute(command, actor_of(principal))
    return 200, {"sku": sku, "suppliers": catalog.product_detail(app.engine, sku)["suppliers"]}


def set_level_price(app, principal, params, query, body):
    sku = _param(params, "sku")
    if "unit_price" not in body:
        raise BadQuery("unit_price is needed (null removes the level's price)")
    command = commands.SetLevelPrice(
        sku, _text(body, "level", required=True), _decimal(body, "unit_price")
    )
    app.bus.execute(command, actor_of(principal))
    prices = catalog.product_detail(app.engine, sku)["level_prices"]
    return 200, {"sku": sku, "level_prices": prices}


def set_break(app, principal, params, query, body):
    sku = _param(params, "sku")
    if "unit_price" not in body:
        raise BadQuery("unit_price is needed (null removes the break)")
    command = commands.SetPriceBreak(
        sku,
        _text(body, "level") or None,
        _decimal(body, "min_quantity", required=True),
        _decimal(body, "unit_price"),
    )
    app.bus.execute(command, actor_of(principal))
    return 200, {"sku": sku, "breaks": catalog.product_detail(app.engine, sku)["breaks"]}


def price(app, principal, params, query):
    sku = _text(query, "sku", required=True)
    quantity = _decimal(query, "quantity")
    quantity = Decimal(1) if quantity is None else quantity
    override = None
    if query.get("override_price"):
        override = Override(
            _decimal(query, "override_price"),
            principal.username,
            _text(query, "override_reason", required=True),
        )
    with app.engine.connect() as connection:
        made = pricing.price_for(
            connection,
            sku,
            query.get("customer") or None,
            quantity,
            override,
            groups=None if principal.sees_all_customers else principal.groups,
        )
    return 200, made.to_dict()


# ---------------------------------------------------------------- price levels


def list_levels(app, principal, params, query):
    return 200, {"price_levels": catalog.list_price_levels(app.engine)}


def add_level(app, principal, params, query, body):
    command = commands.AddPriceLevel(
        _text(body, "code", required=True),
        _text(body, "name", required=True),
        _text(body, "kind", required=True),
        _decimal(body, "percent"),
    )
    app.bus.execute(command, actor_of(principal))
    return 201, catalog.price_level_detail(app.engine, command.code.strip())


def change_level(app, principal, params, query, body):
    code = _param(params, "code")
    fields: dict[str, Any] = {}
    for name in ("name", "kind"):
        if name in body:
            fields[name] = _text(body, name)
    if "percent" in body:
        fields["percent"] = _decimal(body, "percent")
    if "archived" in body:
        fields["archived"] = _flag(body, "archived")
    if not fields:
        raise BadQuery("name a field to change: name, kind, percent, archived")
    app.bus.execute(commands.ChangePriceLevel(code, fields), actor_of(principal))
    return 200, catalog.price_level_detail(app.engine, code)


# ---------------------------------------------------------------- tax


def list_tax_rates(app, principal, params, query):
    return 200, {"tax_rates": catalog.list_tax_rates(app.engine, country=query.get("country"))}


def set_tax_rate(app, principal, params, query, body):
    command = commands.SetTaxRate(
        _text(body, "country", required=True),
        _decimal(body, "rate", required=True),
        _text(body, "name", required=True),
        state=_text(body, "state"),
        postal_prefix=_text(body, "postal_prefix"),
        active=_flag(body, "active", True),
    )
    rate_id = app.bus.execute(command, actor_of(principal))
    return 200, catalog.tax_rate_detail(app.engine, rate_id)


def tax(app, principal, params, query):
    with app.engine.connect() as connection:
        quote = pricing.tax_for(
            connection,
            _text(query, "country", required=True),
            query.get("state"),
            query.get("postal_code"),
            _decimal(query, "amount", required=True),
            query.get("customer") or None,
            groups=None if principal.sees_all_customers else principal.groups,
        )
    return 200, quote.to_dict()


# ---------------------------------------------------------------- shipping


def list_shipping_ranges(app, principal, params, query):
    found = catalog.list_shipping_ranges(app.engine, method=query.get("method"))
    return 200, {"shipping_ranges": found}


def add_shipping_range(app, principal, params, query, body):
    command = commands.AddShippingRange(
        _text(body, "method", required=True),
        _text(body, "basis", required=True),
        _decimal(body, "min", required=True),
        _decimal(body, "max"),
        _decimal(body, "price", required=True),
        country=_text(body, "country"),
    )
    range_id = app.bus.execute(command, actor_of(principal))
    return 201, catalog.shipping_range_detail(app.engine, range_id)


def change_shipping_range(app, principal, params, query, body):
    if not params["id"].isdigit():
        raise BadQuery(f"{params['id']!r} is not a shipping range id")
    active = _flag(body, "active") if "active" in body else None
    command = commands.ChangeShippingRange(int(params["id"]), _decimal(body, "price"), active)
    if command.price is None and active is None:
        raise BadQuery("name a field to change: price, active")
    app.bus.execute(command, actor_of(principal))
    return 200, catalog.shipping_range_detail(app.engine, command.range_id)


def shipping_price(app, principal, params, query):
    order_value, weight = _decimal(query, "order_value"), _decimal(query, "weight")
    if order_value is None and weight is None:
        raise BadQuery("give order_value, weight or both")
    with app.engine.connect() as connection:
        quote = pricing.shipping_price(
            connection,
            _text(query, "method", required=True),
            order_value,
            weight,
            query.get("country") or None,
        )
    return 200, quote.to_dict()


# ---------------------------------------------------------------- discount codes


def _terms(body: dict) -> commands.DiscountTerms:
    return commands.DiscountTerms(
        kind=_text(body, "kind", required=True),
        value=_decimal(body, "value", required=True),
        valid_from=date_field(body, "valid_from"),
        valid_until=date_field(body, "valid_until"),
        max_uses=_whole(body, "max_uses"),
        customer_group=_text(body, "customer_group") or None,
        min_order_value=_decimal(body, "min_order_value"),
    )


def list_discount_codes(app, principal, params, query):
    limit = limit_of(query)
    found = catalog.list_discount_codes(
        app.engine, batch=query.get("batch"), limit=limit, after=query.get("after")
    )
    following = found[-1]["code"] if len(found) == limit else None
    return 200, {"discount_codes": found, "next": following}


def add_discount_code(app, principal, params, query, body):
    command = commands.AddDiscountCode(_text(body, "code", required=True), _terms(body))
    code = app.bus.execute(command, actor_of(principal))
    return 201, catalog.discount_code_detail(app.engine, code)


def generate_discount_codes(app, principal, params, query, body):
    count = _whole(body, "count")
    if count is None:
        raise BadQuery("count is needed")
    command = commands.GenerateDiscountCodes(_text(body, "prefix") or "", count, _terms(body))
    codes = app.bus.execute(command, actor_of(principal))
    return 201, {"codes": codes, "count": len(codes)}


def check_discount_code(app, principal, params, query):
    try:
        on = date.fromisoformat(query["date"]) if query.get("date") else datetime.now(UTC).date()
    except ValueError:
        raise BadQuery("date must be YYYY-MM-DD") from None
    with app.engine.connect() as connection:
        verdict = pricing.discount_verdict(
            connection,
            _param(params, "code"),
            query.get("customer") or None,
            _decimal(query, "order_value", required=True),
            on,
            groups=None if principal.sees_all_customers else principal.groups,
        )
    return 200, verdict.to_dict()


# ---------------------------------------------------------------- branches

BRANCH_FIELDS = ("street2", "state", "postal_code", "phone", "email")


def list_branches(app, principal, params, query):
    found = catalog.list_branches(app.engine, pickup_only=_flag(query, "pickup"))
    return 200, {"branches": found}


def add_branch(app, principal, params, query, body):
    fields: dict[str, Any] = {name: _text(body, name) for name in BRANCH_FIELDS if name in body}
    for name in ("pickup", "active"):
        if name in body:
            fields[name] = _flag(body, name)
    command = commands.AddBranch(
        _text(body, "code", required=True),
        _text(body, "name", required=True),
        _text(body, "street1", required=True),
        _text(body, "city", required=True),
        _text(body, "country", required=True),
        fields,
    )
    app.bus.execute(command, actor_of(principal))
    return 201, catalog.branch_detail(app.engine, command.code.strip())


def change_branch(app, principal, params, query, body):
    code = _param(params, "code")
    names = ("name", "street1", "city", "country", *BRANCH_FIELDS)
    fields: dict[str, Any] = {name: _text(body, name) for name in names if name in body}
    for name in ("pickup", "active"):
        if name in body:
            fields[name] = _flag(body, name)
    if not fields:
        raise BadQuery("name a field to change")
    app.bus.execute(commands.ChangeBranch(code, fields), actor_of(principal))
    return 200, catalog.branch_detail(app.engine, code)


# ---------------------------------------------------------------- the routes

PRODUCT_BODY = (
    ("description", "what it is"),
    ("manufacturer_name", "the maker"),
    ("manufacturer_part_id", "the maker's part number"),
    ("unit_of_measure", "EA, BX, CS…"),
    ("list_price", 'list price as text, e.g. "89.50"', NUMBER),
    ("cost", "our cost as text", NUMBER),
    ("currency", "ISO 4217, default USD"),
    ("weight", "weight in lb as text", NUMBER),
    ("category", "catalogue category", TEXT),
)
TERMS_BODY = (
    ("kind", "percent or amount"),
    ("value", 'the percentage or amount, as text, e.g. "10"'),
    ("valid_from", "first day it may be used, YYYY-MM-DD", TEXT),
    ("valid_until", "last day it may be used, YYYY-MM-DD", TEXT),
    ("max_uses", "how many times it may be used (none: no limit)", WHOLE),
    ("customer_group", "only for customers of this group code", TEXT),
    ("min_order_value", "only for orders of at least this value, as text", NUMBER),
)
BRANCH_BODY = (
    ("name", "the branch's name"),
    ("street1", "street address"),
    ("street2", "second address line", TEXT),
    ("city", "city"),
    ("state", "state or region", TEXT),
    ("postal_code", "postal code", TEXT),
    ("country", "ISO 3166 two-letter code"),
    ("phone", "phone", TEXT),
    ("email", "email", TEXT),
    ("pickup", "customers may collect orders here", FLAG),
    ("active", "in use", FLAG),
)
CUSTOMER = ("customer", "customer code: their group's level and discounts apply")

CATALOG_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/products",
        "products.view",
        "Product search by part number prefix (ours, maker's, supplier's) or words",
        search_products,
        (
            ("q", "part number prefix (case, dashes and spaces ignored) or words"),
            ("category", "only this category"),
            ("archived", "1 to include archived products"),
            ("after", "continue after this part number"),
            LIMIT,
        ),
    ),
    Route(
        "POST",
        "/api/v1/products",
        "products.edit",
        "Add a product",
        add_product,
        body=(("sku", "our part number"), *PRODUCT_BODY),
        status=201,
    ),
    Route(
        "GET",
        "/api/v1/products/{sku}",
        "products.view",
        "One product: suppliers, level prices, quantity breaks and history",
        show_product,
    ),
    Route(
        "POST",
        "/api/v1/products/{sku}",
        "products.edit",
        "Change a product's fields; archived true archives it",
        change_product,
        body=(*PRODUCT_BODY, ("archived", "archive (true) or restore (false)", FLAG)),
    ),
    Route(
        "POST",
        "/api/v1/products/{sku}/suppliers",
        "products.edit",
        "Add or change a supplier of the product",
        set_supplier,
        body=(
            ("supplier_code", "the supplier"),
            ("supplier_part_id", "the supplier's part number"),
            ("cost", "the supplier's cost, as text", NUMBER),
            ("lead_time_days", "days to deliver", WHOLE),
            ("is_preferred", "the supplier to buy from first", FLAG),
            ("archived", "no longer supplied by them", FLAG),
        ),
    ),
    Route(
        "POST",
        "/api/v1/products/{sku}/prices",
        "products.edit",
        "Set the product's price at a fixed price level (null removes it)",
        set_level_price,
        body=(("level", "price level code"), ("unit_price", "as text; null removes", NUMBER)),
    ),
    Route(
        "POST",
        "/api/v1/products/{sku}/breaks",
        "products.edit",
        "Set a quantity break (null unit_price removes it)",
        set_break,
        body=(
            ("level", "price level code; none for any level", TEXT),
            ("min_quantity", "from this quantity up, as text"),
            ("unit_price", "as text; null removes", NUMBER),
        ),
    ),
    Route(
        "GET",
        "/api/v1/price",
        "products.view",
        "The price of a product for a customer and quantity, with each step",
        price,
        (
            ("sku", "our part number"),
            CUSTOMER,
            ("quantity", "how many (default 1)"),
            ("override_price", "a price set by hand; wins over the rules"),
            ("override_reason", "why, needed with override_price"),
        ),
    ),
    Route("GET", "/api/v1/price-levels", "products.view", "Price levels", list_levels),
    Route(
        "POST",
        "/api/v1/price-levels",
        "products.edit",
        "Add a price level",
        add_level,
        body=(
            ("code", "short code customer groups name"),
            ("name", "what it is called"),
            ("kind", "fixed, list_discount, cost_markup or margin"),
            ("percent", "the percentage (not for fixed)", NUMBER),
        ),
        status=201,
    ),
    Route(
        "POST",
        "/api/v1/price-levels/{code}",
        "products.edit",
        "Change a price level",
        change_level,
        body=(
            ("name", "what it is called"),
            ("kind", "fixed, list_discount, cost_markup or margin"),
            ("percent", "the percentage (not for fixed)", NUMBER),
            ("archived", "no longer used", FLAG),
        ),
    ),
    Route(
        "GET",
        "/api/v1/tax-rates",
        "products.view",
        "Tax rates by jurisdiction",
        list_tax_rates,
        (("country", "only this country"),),
    ),
    Route(
        "POST",
        "/api/v1/tax-rates",
        "settings.manage",
        "Set the rate of a jurisdiction (added, or changed when it has one)",
        set_tax_rate,
        body=(
            ("country", "ISO 3166 two-letter code"),
            ("state", "state or region; none for the whole country", TEXT),
            ("postal_prefix", "postal code prefix; none for the whole state", TEXT),
            ("rate", 'percentage as text, e.g. "7.25"'),
            ("name", "what invoices call it"),
            ("active", "false stops it applying", FLAG),
        ),
    ),
    Route(
        "GET",
        "/api/v1/tax",
        "products.view",
        "The tax on an amount shipped to a place (most specific active rate)",
        tax,
        (
            ("country", "ISO 3166 two-letter code"),
            ("state", "state or region"),
            ("postal_code", "postal code"),
            ("amount", "the taxable amount"),
            ("customer", "customer code: tax-exempt customers pay none"),
        ),
    ),
    Route(
        "GET",
        "/api/v1/shipping-ranges",
        "products.view",
        "Shipping ranges",
        list_shipping_ranges,
        (("method", "only this method"),),
    ),
    Route(
        "POST",
        "/api/v1/shipping-ranges",
        "settings.manage",
        "Add a shipping range; 409 when it overlaps an active one",
        add_shipping_range,
        body=(
            ("method", "shipping method, e.g. Ground"),
            ("basis", "order_value or weight"),
            ("min", "from this value (inclusive), as text"),
            ("max", "up to this value (exclusive); none for no upper bound", NUMBER),
            ("price", "the shipping price, as text"),
            ("country", "only to this country; none for every country", TEXT),
        ),
        status=201,
    ),
    Route(
        "POST",
        "/api/v1/shipping-ranges/{id}",
        "settings.manage",
        "Change a shipping range's price or switch it off and on",
        change_shipping_range,
        body=(("price", "the shipping price, as text", NUMBER), ("active", "in use", FLAG)),
    ),
    Route(
        "GET",
        "/api/v1/shipping-price",
        "products.view",
        "The price of shipping by a method from the shipping ranges",
        shipping_price,
        (
            ("method", "shipping method"),
            ("order_value", "the order's value"),
            ("weight", "the shipment's weight in lb"),
            ("country", "destination country"),
        ),
    ),
    Route(
        "GET",
        "/api/v1/discount-codes",
        "settings.manage",
        "Discount codes in code order",
        list_discount_codes,
        (("batch", "only codes generated together"), ("after", "continue after this code"), LIMIT),
    ),
    Route(
        "POST",
        "/api/v1/discount-codes",
        "settings.manage",
        "Add a discount code",
        add_discount_code,
        body=(("code", "the code customers type"), *TERMS_BODY),
        status=201,
    ),
    Route(
        "POST",
        "/api/v1/discount-codes/generate",
        "settings.manage",
        "Generate random codes PREFIX-XXXXXXXX (no 0/O/1/I) with the same terms",
        generate_discount_codes,
        body=(
            ("prefix", "what each code starts with"),
            ("count", "how many, 1 to 10000", {"type": "integer"}),
            *TERMS_BODY,
        ),
        status=201,
    ),
    Route(
        "GET",
        "/api/v1/discount-codes/{code}/check",
        "settings.manage",
        "Whether a code takes something off an order now, and if not why",
        check_discount_code,
        (CUSTOMER, ("order_value", "the order's value"), ("date", "on this day (default today)")),
    ),
    Route(
        "GET",
        "/api/v1/branches",
        "orders.view",
        "Our branches",
        list_branches,
        (("pickup", "1 for active branches customers may collect from"),),
    ),
    Route(
        "POST",
        "/api/v1/branches",
        "settings.manage",
        "Add a branch",
        add_branch,
        body=(("code", "short code"), *BRANCH_BODY),
        status=201,
    ),
    Route(
        "POST",
        "/api/v1/branches/{code}",
        "settings.manage",
        "Change a branch",
        change_branch,
        body=BRANCH_BODY,
    ),
)
