"""`orderb2b products|price-levels|tax-rates|shipping-ranges|discount-codes|branches`:
the catalogue, the pricing rules and the sales tables from the shell. Changes are
made as the shell user (`cli:<user>`), so the history says who."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from core import commands
from core.model.discount_codes import KINDS as CODE_KINDS
from core.model.pricing import Override
from core.model.products import LEVEL_KINDS
from core.model.shipping_rates import BASES
from core.ports import Actor
from hub.cli_errors import CliUsageError

NONE_WORDS = ("none", "-")


def add_parsers(commands_parser, app_factory) -> None:
    _product_parsers(commands_parser, app_factory)
    _level_parsers(commands_parser, app_factory)
    _tax_parsers(commands_parser, app_factory)
    _shipping_parsers(commands_parser, app_factory)
    _discount_parsers(commands_parser, app_factory)
    _branch_parsers(commands_parser, app_factory)


def _run(handler, app_factory):
    return lambda args: handler(args, app_factory)


# ---------------------------------------------------------------- parsers


def _product_fields(parser, *, adding: bool) -> None:
    parser.add_argument("--description", required=adding)
    parser.add_argument("--maker", dest="manufacturer_name", help="the manufacturer")
    parser.add_argument("--maker-part", dest="manufacturer_part_id", help="its part number")
    parser.add_argument("--uom", dest="unit_of_measure", help="unit of measure (EA, BX, CS…)")
    parser.add_argument("--list-price", metavar="AMOUNT")
    parser.add_argument("--cost", metavar="AMOUNT")
    parser.add_argument("--currency", metavar="ISO4217")
    parser.add_argument("--weight", metavar="LB")
    parser.add_argument("--category")


def _product_parsers(commands_parser, app_factory) -> None:
    products = commands_parser.add_parser("products", help="the product catalogue and prices")
    verbs = products.add_subparsers(dest="products", required=True)

    add = verbs.add_parser("add", help="add a product")
    add.add_argument("sku", help="our part number")
    _product_fields(add, adding=True)
    add.set_defaults(action=_run(_products_add, app_factory))

    change = verbs.add_parser("change", help="change a product's fields")
    change.add_argument("sku")
    _product_fields(change, adding=False)
    state = change.add_mutually_exclusive_group()
    state.add_argument("--archive", action="store_true", help="stop selling it")
    state.add_argument("--restore", action="store_true", help="sell it again")
    change.set_defaults(action=_run(_products_change, app_factory))

    for name, text in (("list", "list products by part number"), ("search", "find products")):
        listing = verbs.add_parser(name, help=text)
        if name == "search":
            listing.add_argument("text", help="part number prefix or words")
        listing.add_argument("--category")
        listing.add_argument("--archived", action="store_true", help="include archived ones")
        listing.add_argument("--after", metavar="SKU", help="continue after this part number")
        listing.add_argument("--limit", type=int, default=50)
        listing.add_argument("--json", action="store_true")
        listing.set_defaults(action=_run(_products_list, app_factory), text=None)

    show = verbs.add_parser("show", help="one product: suppliers, prices, breaks, history")
    show.add_argument("sku")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=_run(_products_show, app_factory))

    price = verbs.add_parser("price", help="the price for a customer, with each step")
    price.add_argument("sku")
    price.add_argument("--customer", help="customer code")
    price.add_argument("--quantity", default="1")
    price.add_argument("--override", metavar="PRICE", help="a price set by hand")
    price.add_argument("--reason", help="why the price is set by hand")
    price.add_argument("--json", action="store_true")
    price.set_defaults(action=_run(_products_price, app_factory))

    supplier = verbs.add_parser("supplier", help="add or change a supplier of a product")
    supplier.add_argument("sku")
    supplier.add_argument("supplier", help="supplier code")
    supplier.add_argument("part", help="the supplier's part number")
    supplier.add_argument("--cost", metavar="AMOUNT")
    supplier.add_argument("--lead-time", type=int, metavar="DAYS")
    supplier.add_argument("--preferred", action="store_true")
    supplier.add_argument("--archive", action="store_true", help="no longer supplied by them")
    supplier.set_defaults(action=_run(_products_supplier, app_factory))

    level_price = verbs.add_parser("level-price", help="price at a fixed price level")
    level_price.add_argument("sku")
    level_price.add_argument("level", help="price level code")
    level_price.add_argument("price", help="the unit price, or none to remove it")
    level_price.set_defaults(action=_run(_products_level_price, app_factory))

    breaks = verbs.add_parser("break", help="a quantity break")
    breaks.add_argument("sku")
    breaks.add_argument("min_quantity", metavar="MIN_QUANTITY")
    breaks.add_argument("price", help="the unit price from that quantity, or none to remove")
    breaks.add_argument("--level", help="only at this price level (default: any level)")
    breaks.set_defaults(action=_run(_products_break, app_factory))


def _level_parsers(commands_parser, app_factory) -> None:
    levels = commands_parser.add_parser("price-levels", help="price levels of customer groups")
    verbs = levels.add_subparsers(dest="price_levels", required=True)
    add = verbs.add_parser("add", help="add a price level")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, choices=LEVEL_KINDS)
    add.add_argument("--percent", help="list discount, markup or margin percentage")
    add.set_defaults(action=_run(_levels_add, app_factory))
    listing = verbs.add_parser("list", help="list price levels")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=_run(_levels_list, app_factory))


def _tax_parsers(commands_parser, app_factory) -> None:
    rates = commands_parser.add_parser("tax-rates", help="sales tax rates by jurisdiction")
    verbs = rates.add_subparsers(dest="tax_rates", required=True)
    add = verbs.add_parser("add", help="set a jurisdiction's rate (changed if it has one)")
    add.add_argument("country", help="ISO 3166 two-letter code")
    add.add_argument("rate", help="percentage, e.g. 7.25")
    add.add_argument("--name", required=True, help="what invoices call it")
    add.add_argument("--state")
    add.add_argument("--postal-prefix")
    add.add_argument("--inactive", action="store_true", help="keep it but stop applying it")
    add.set_defaults(action=_run(_tax_add, app_factory))
    listing = verbs.add_parser("list", help="list tax rates")
    listing.add_argument("--country")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=_run(_tax_list, app_factory))
    lookup = verbs.add_parser("lookup", help="the tax on an amount shipped to a place")
    lookup.add_argument("--country", required=True)
    lookup.add_argument("--state")
    lookup.add_argument("--postal-code")
    lookup.add_argument("--amount", required=True)
    lookup.add_argument("--customer", help="customer code (tax-exempt customers pay none)")
    lookup.add_argument("--json", action="store_true")
    lookup.set_defaults(action=_run(_tax_lookup, app_factory))


def _shipping_parsers(commands_parser, app_factory) -> None:
    ranges = commands_parser.add_parser("shipping-ranges", help="shipping prices by range")
    verbs = ranges.add_subparsers(dest="shipping_ranges", required=True)
    add = verbs.add_parser("add", help="add a range (refused if it overlaps one)")
    add.add_argument("method", help="e.g. Ground")
    add.add_argument("--basis", required=True, choices=BASES)
    add.add_argument("--min", required=True, dest="min_value", help="inclusive")
    add.add_argument("--max", dest="max_value", help="exclusive; leave out for no upper bound")
    add.add_argument("--price", required=True)
    add.add_argument("--country", help="only to this country (default: every country)")
    add.set_defaults(action=_run(_shipping_add, app_factory))
    listing = verbs.add_parser("list", help="list shipping ranges")
    listing.add_argument("--method")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=_run(_shipping_list, app_factory))
    quote = verbs.add_parser("quote", help="the price of shipping by a method")
    quote.add_argument("method")
    quote.add_argument("--order-value")
    quote.add_argument("--weight", metavar="LB")
    quote.add_argument("--country")
    quote.add_argument("--json", action="store_true")
    quote.set_defaults(action=_run(_shipping_quote, app_factory))


def _terms_options(parser) -> None:
    parser.add_argument("--kind", required=True, choices=CODE_KINDS)
    parser.add_argument("--value", required=True, help="percentage or amount off")
    parser.add_argument("--valid-from", metavar="YYYY-MM-DD")
    parser.add_argument("--valid-until", metavar="YYYY-MM-DD", help="last day it may be used")
    parser.add_argument("--max-uses", type=int)
    parser.add_argument("--group", help="only for customers of this group code")
    parser.add_argument("--min-order", metavar="AMOUNT", help="minimum order value")


def _discount_parsers(commands_parser, app_factory) -> None:
    codes = commands_parser.add_parser("discount-codes", help="discount codes")
    verbs = codes.add_subparsers(dest="discount_codes", required=True)
    generate = verbs.add_parser("generate", help="generate random codes PREFIX-XXXXXXXX")
    generate.add_argument("--prefix", default="")
    generate.add_argument("--count", type=int, required=True)
    _terms_options(generate)
    generate.set_defaults(action=_run(_codes_generate, app_factory))
    add = verbs.add_parser("add", help="add a code of your choosing")
    add.add_argument("code")
    _terms_options(add)
    add.set_defaults(action=_run(_codes_add, app_factory))
    listing = verbs.add_parser("list", help="list codes in code order")
    listing.add_argument("--batch", help="only codes generated together")
    listing.add_argument("--after", metavar="CODE")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=_run(_codes_list, app_factory))
    check = verbs.add_parser("check", help="whether a code applies to an order, or why not")
    check.add_argument("code")
    check.add_argument("--order-value", required=True)
    check.add_argument("--customer", help="customer code")
    check.add_argument("--date", metavar="YYYY-MM-DD", help="on this day (default today)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(action=_run(_codes_check, app_factory))


def _branch_parsers(commands_parser, app_factory) -> None:
    branches = commands_parser.add_parser("branches", help="our branches (pickup places)")
    verbs = branches.add_subparsers(dest="branches", required=True)
    add = verbs.add_parser("add", help="add a branch")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--street1", required=True)
    add.add_argument("--street2")
    add.add_argument("--city", required=True)
    add.add_argument("--state")
    add.add_argument("--postal-code")
    add.add_argument("--country", required=True)
    add.add_argument("--phone")
    add.add_argument("--email")
    add.add_argument("--pickup", action="store_true", help="customers may collect orders here")
    add.set_defaults(action=_run(_branches_add, app_factory))
    listing = verbs.add_parser("list", help="list branches")
    listing.add_argument("--pickup", action="store_true", help="only active pickup branches")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=_run(_branches_list, app_factory))


# ---------------------------------------------------------------- values


def _decimal(option: str, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CliUsageError(f"{option} {value!r} is not a number")
    return number


def _price_or_none(option: str, value: str) -> Decimal | None:
    return None if value.lower() in NONE_WORDS else _decimal(option, value)


def _date(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliUsageError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _limit(value: int) -> int:
    if value < 1:
        raise CliUsageError("--limit must be 1 or more")
    return value


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")


def _print_json(value) -> None:
    print(json.dumps(value, indent=2))


def _cell(value) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------- products


TEXT_FIELDS = (
    "description",
    "manufacturer_name",
    "manufacturer_part_id",
    "unit_of_measure",
    "currency",
    "category",
)


def _fields_of(args) -> dict:
    fields = {name: getattr(args, name) for name in TEXT_FIELDS if getattr(args, name) is not None}
    for name in ("list_price", "cost", "weight"):
        value = getattr(args, name)
        if value is not None:
            fields[name] = _price_or_none(f"--{name.replace('_', '-')}", value)
    return fields


def _products_add(args, app_factory) -> int:
    fields = _fields_of(args)
    description = fields.pop("description")
    product_id = app_factory().bus.execute(
        commands.AddProduct(args.sku, description, fields), _actor()
    )
    print(f"product {args.sku} added (id {product_id})")
    return 0


def _products_change(args, app_factory) -> int:
    fields = _fields_of(args)
    if args.archive or args.restore:
        fields["archived"] = bool(args.archive)
    if not fields:
        raise CliUsageError("nothing to change: give a field option, --archive or --restore")
    changed = app_factory().bus.execute(commands.ChangeProduct(args.sku, fields), _actor())
    print(f"product {args.sku}: {', '.join(changed) if changed else 'nothing'} changed")
    return 0


def _products_list(args, app_factory) -> int:
    from core.storage.catalog_queries import search_products

    found = search_products(
        app_factory().engine,
        args.text,
        limit=_limit(args.limit),
        after=args.after,
        category=args.category,
        include_archived=args.archived,
    )
    if args.json:
        _print_json(found)
        return 0
    print(f"{'SKU':<20} {'LIST PRICE':>12} {'UOM':<4} {'MAKER':<16} {'MAKER PART':<16} DESCRIPTION")
    for p in found:
        price = f"{_cell(p['list_price'])}"
        print(
            f"{p['sku']:<20} {price:>12} {p['unit_of_measure']:<4} "
            f"{_cell(p['manufacturer_name'])[:16]:<16} "
            f"{_cell(p['manufacturer_part_id'])[:16]:<16} {p['description'][:60]}"
        )
    return 0


def _products_show(args, app_factory) -> int:
    from core.storage.catalog_queries import product_detail

    detail = product_detail(app_factory().engine, args.sku)
    if args.json:
        _print_json(detail)
        return 0
    for key in (
        "sku",
        "description",
        "manufacturer_name",
        "manufacturer_part_id",
        "unit_of_measure",
        "list_price",
        "cost",
        "currency",
        "weight",
        "category",
        "archived",
    ):
        print(f"{key:<22} {_cell(detail[key])}")
    print("suppliers:")
    for s in detail["suppliers"]:
        mark = " (preferred)" if s["is_preferred"] else " (archived)" if s["archived"] else ""
        print(
            f"  {s['supplier_code']:<16} {s['supplier_part_id']:<20} cost {_cell(s['cost'])}"
            f"  lead {_cell(s['lead_time_days'])} d{mark}"
        )
    print("level prices:")
    for p in detail["level_prices"]:
        print(f"  {p['level_code']:<16} {p['unit_price']}{' (removed)' if p['archived'] else ''}")
    print("quantity breaks:")
    for b in detail["breaks"]:
        scope = b["level_code"] or "any level"
        removed = " (removed)" if b["archived"] else ""
        print(f"  from {b['min_quantity']:<10} {b['unit_price']:<12} {scope}{removed}")
    _print_history(detail["history"])
    return 0


def _products_price(args, app_factory) -> int:
    from core.storage.pricing import price_for

    quantity = _decimal("--quantity", args.quantity)
    override = None
    if args.override is not None:
        if not args.reason:
            raise CliUsageError("--override needs --reason")
        override = Override(_decimal("--override", args.override), _actor().name, args.reason)
    with app_factory().engine.connect() as connection:
        made = price_for(connection, args.sku, args.customer, quantity, override)
    if args.json:
        _print_json(made.to_dict())
        return 0
    for step in made.steps:
        print(f"  {step.rule:<9} {step.unit_price:>12}  {step.detail}")
    margin = f", margin {made.margin_percent}%" if made.margin_percent is not None else ""
    print(
        f"{made.sku} x {made.quantity}: {made.unit_price} {made.currency} each "
        f"({made.source}{margin}), {made.amount} in all"
    )
    return 0


def _products_supplier(args, app_factory) -> int:
    command = commands.SetProductSupplier(
        args.sku,
        args.supplier,
        args.part,
        cost=_decimal("--cost", args.cost),
        lead_time_days=args.lead_time,
        is_preferred=args.preferred,
        archived=args.archive,
    )
    app_factory().bus.execute(command, _actor())
    print(f"product {args.sku}: supplier {args.supplier} ({args.part}) kept")
    return 0


def _products_level_price(args, app_factory) -> int:
    price = _price_or_none("PRICE", args.price)
    app_factory().bus.execute(commands.SetLevelPrice(args.sku, args.level, price), _actor())
    what = "removed" if price is None else f"set to {price}"
    print(f"product {args.sku}: {args.level} price {what}")
    return 0


def _products_break(args, app_factory) -> int:
    quantity = _decimal("MIN_QUANTITY", args.min_quantity)
    price = _price_or_none("PRICE", args.price)
    command = commands.SetPriceBreak(args.sku, args.level, quantity, price)
    app_factory().bus.execute(command, _actor())
    scope = args.level or "any level"
    what = "removed" if price is None else f"{price} each"
    print(f"product {args.sku}: break from {quantity} ({scope}) {what}")
    return 0


# ---------------------------------------------------------------- price levels


def _levels_add(args, app_factory) -> int:
    command = commands.AddPriceLevel(
        args.code, args.name, args.kind, _decimal("--percent", args.percent)
    )
    app_factory().bus.execute(command, _actor())
    print(f"price level {args.code} added")
    return 0


def _levels_list(args, app_factory) -> int:
    from core.storage.catalog_queries import list_price_levels

    levels = list_price_levels(app_factory().engine)
    if args.json:
        _print_json(levels)
        return 0
    print(f"{'CODE':<16} {'KIND':<14} {'PERCENT':>8}  NAME")
    for level in levels:
        archived = " (archived)" if level["archived"] else ""
        print(
            f"{level['code']:<16} {level['kind']:<14} {_cell(level['percent']):>8}  "
            f"{level['name']}{archived}"
        )
    return 0


# ---------------------------------------------------------------- tax


def _tax_add(args, app_factory) -> int:
    command = commands.SetTaxRate(
        args.country,
        _decimal("RATE", args.rate),
        args.name,
        state=args.state,
        postal_prefix=args.postal_prefix,
        active=not args.inactive,
    )
    rate_id = app_factory().bus.execute(command, _actor())
    print(f"tax rate {rate_id} set: {args.rate}% {args.name}")
    return 0


def _tax_list(args, app_factory) -> int:
    from core.storage.catalog_queries import list_tax_rates

    rates = list_tax_rates(app_factory().engine, country=args.country)
    if args.json:
        _print_json(rates)
        return 0
    print(f"{'ID':>5} {'COUNTRY':<7} {'STATE':<6} {'POSTAL':<8} {'RATE':>8} {'ACTIVE':<6} NAME")
    for r in rates:
        print(
            f"{r['id']:>5} {r['country']:<7} {_cell(r['state']):<6} "
            f"{_cell(r['postal_prefix']):<8} {r['rate']:>8} {_yes(r['active']):<6} {r['name']}"
        )
    return 0


def _tax_lookup(args, app_factory) -> int:
    from core.storage.pricing import tax_for

    amount = _decimal("--amount", args.amount)
    with app_factory().engine.connect() as connection:
        quote = tax_for(
            connection, args.country, args.state, args.postal_code, amount, args.customer
        )
    if args.json:
        _print_json(quote.to_dict())
        return 0
    print(f"tax {quote.tax} on {quote.amount} at {quote.rate}% ({quote.detail})")
    return 0


# ---------------------------------------------------------------- shipping


def _shipping_add(args, app_factory) -> int:
    command = commands.AddShippingRange(
        args.method,
        args.basis,
        _decimal("--min", args.min_value),
        _decimal("--max", args.max_value),
        _decimal("--price", args.price),
        country=args.country,
    )
    range_id = app_factory().bus.execute(command, _actor())
    print(f"shipping range {range_id} added")
    return 0


def _shipping_list(args, app_factory) -> int:
    from core.storage.catalog_queries import list_shipping_ranges

    ranges = list_shipping_ranges(app_factory().engine, method=args.method)
    if args.json:
        _print_json(ranges)
        return 0
    print(f"{'ID':>5} {'METHOD':<16} {'BASIS':<12} {'MIN':>10} {'MAX':>10} {'PRICE':>10} COUNTRY")
    for r in ranges:
        state = "" if r["active"] else " (inactive)"
        print(
            f"{r['id']:>5} {r['method'][:16]:<16} {r['basis']:<12} {r['min_value']:>10} "
            f"{_cell(r['max_value']):>10} {r['price']:>10} {r['country'] or 'any'}{state}"
        )
    return 0


def _shipping_quote(args, app_factory) -> int:
    from core.storage.pricing import shipping_price

    order_value = _decimal("--order-value", args.order_value)
    weight = _decimal("--weight", args.weight)
    if order_value is None and weight is None:
        raise CliUsageError("give --order-value, --weight or both")
    with app_factory().engine.connect() as connection:
        quote = shipping_price(connection, args.method, order_value, weight, args.country)
    if args.json:
        _print_json(quote.to_dict())
        return 0
    print(f"{quote.method}: {quote.price} ({quote.detail})")
    return 0


# ---------------------------------------------------------------- discount codes


def _terms(args) -> commands.DiscountTerms:
    return commands.DiscountTerms(
        kind=args.kind,
        value=_decimal("--value", args.value),
        valid_from=_date("--valid-from", args.valid_from),
        valid_until=_date("--valid-until", args.valid_until),
        max_uses=args.max_uses,
        customer_group=args.group,
        min_order_value=_decimal("--min-order", args.min_order),
    )


def _codes_generate(args, app_factory) -> int:
    command = commands.GenerateDiscountCodes(args.prefix, args.count, _terms(args))
    for code in app_factory().bus.execute(command, _actor()):
        print(code)
    return 0


def _codes_add(args, app_factory) -> int:
    code = app_factory().bus.execute(commands.AddDiscountCode(args.code, _terms(args)), _actor())
    print(f"discount code {code} added")
    return 0


def _codes_list(args, app_factory) -> int:
    from core.storage.catalog_queries import list_discount_codes

    codes = list_discount_codes(
        app_factory().engine, batch=args.batch, limit=_limit(args.limit), after=args.after
    )
    if args.json:
        _print_json(codes)
        return 0
    print(f"{'CODE':<24} {'KIND':<8} {'VALUE':>8} {'USES':>9} {'VALID':<23} {'GROUP':<10} ACTIVE")
    for c in codes:
        uses = f"{c['uses']}/{c['max_uses'] or '-'}"
        valid = f"{c['valid_from'] or '…'}..{c['valid_until'] or '…'}"
        print(
            f"{c['code']:<24} {c['kind']:<8} {c['value']:>8} {uses:>9} {valid:<23} "
            f"{_cell(c['customer_group']):<10} {_yes(c['active'])}"
        )
    return 0


def _codes_check(args, app_factory) -> int:
    from core.storage.pricing import discount_verdict

    on = _date("--date", args.date) or datetime.now(UTC).date()
    value = _decimal("--order-value", args.order_value)
    with app_factory().engine.connect() as connection:
        verdict = discount_verdict(connection, args.code, args.customer, value, on)
    if args.json:
        _print_json(verdict.to_dict())
        return 0
    if verdict.accepted:
        print(f"{verdict.code}: accepted, {verdict.discount} off ({verdict.reason})")
    else:
        print(f"{verdict.code}: refused: {verdict.reason}")
    return 0


# ---------------------------------------------------------------- branches


def _branches_add(args, app_factory) -> int:
    fields = {
        name: getattr(args, name)
        for name in ("street2", "state", "postal_code", "phone", "email")
        if getattr(args, name) is not None
    }
    fields["pickup"] = args.pickup
    command = commands.AddBranch(
        args.code, args.name, args.street1, args.city, args.country, fields
    )
    app_factory().bus.execute(command, _actor())
    print(f"branch {args.code} added")
    return 0


def _branches_list(args, app_factory) -> int:
    from core.storage.catalog_queries import list_branches

    branches = list_branches(app_factory().engine, pickup_only=args.pickup)
    if args.json:
        _print_json(branches)
        return 0
    print(f"{'CODE':<10} {'PICKUP':<6} {'ACTIVE':<6} {'NAME':<28} ADDRESS")
    for b in branches:
        place = ", ".join(
            part for part in (b["street1"], b["city"], b["state"], b["country"]) if part
        )
        print(
            f"{b['code']:<10} {_yes(b['pickup']):<6} {_yes(b['active']):<6} "
            f"{b['name'][:28]:<28} {place}"
        )
    return 0


def _print_history(history: list[dict]) -> None:
    print("history:")
    for entry in history:
        who = f"{entry['actor_kind']}:{entry['actor']}"
        changes = ", ".join(
            f"{name} {_cell(change.get('old'))} -> {_cell(change.get('new'))}"
            if not isinstance(change.get("new"), list)
            else name
            for name, change in sorted(entry["changes"].items())
        )
        print(f"  {entry['at']}  {entry['action']:<7} {entry['entity']:<16} {who}  {changes}")


def _yes(value: bool) -> str:
    return "yes" if value else "no"
