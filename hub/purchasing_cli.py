"""`orderb2b suppliers|po`: suppliers and their P&A systems, assigning sales-order
lines to suppliers, purchase orders from draft to sent, and suppliers' shipments.

The shell acts for the operator (recorded as `cli:<login>`). Amounts and quantities
are given as text (12.50); a cost set by hand needs `--reason`.
"""

from __future__ import annotations

import getpass
import json
import os
from decimal import Decimal, InvalidOperation

from core import commands
from core.canonical import DROPSHIP_MODES, ReceivedShipmentLine, ReceivedShipNotice
from core.model.purchasing import SERVICE_KINDS, SUPPLIER_CHANNELS
from core.ports import Actor
from core.storage.settings import with_standard_text
from hub.cli_errors import CliUsageError


def add_parsers(commands_parser, app_factory) -> None:
    _supplier_parsers(commands_parser, app_factory)
    _po_parsers(commands_parser, app_factory)


def _supplier_options(parser, *, adding: bool) -> None:
    parser.add_argument("--name", required=adding)
    parser.add_argument("--channel", choices=SUPPLIER_CHANNELS, help="how POs reach it")
    parser.add_argument("--partner", dest="partner_code", help="its cXML or X12 trading partner")
    parser.add_argument("--email", help="where emailed POs go")
    parser.add_argument(
        "--service", dest="service_kind", choices=SERVICE_KINDS, help="its P&A system"
    )
    parser.add_argument("--service-url")
    parser.add_argument("--service-setting", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--service-secret-env", metavar="VARIABLE", help="the P&A password or key, from a variable"
    )
    parser.add_argument("--cache-minutes", type=int)
    parser.add_argument("--timeout", dest="timeout_seconds", metavar="SECONDS")
    parser.add_argument("--discount", dest="discount_percent", metavar="PERCENT")
    parser.add_argument("--freight", dest="freight_percent", metavar="PERCENT")
    parser.add_argument("--currency")


def _supplier_parsers(commands_parser, app_factory) -> None:
    suppliers = commands_parser.add_parser("suppliers", help="suppliers and their P&A systems")
    verbs = suppliers.add_subparsers(dest="suppliers", required=True)
    add = verbs.add_parser("add", help="a new supplier")
    add.add_argument("code")
    _supplier_options(add, adding=True)
    add.set_defaults(action=lambda args: _add_supplier(args, app_factory))
    change = verbs.add_parser("set", help="change a supplier")
    change.add_argument("code")
    _supplier_options(change, adding=False)
    change.add_argument("--archive", action="store_true")
    change.set_defaults(action=lambda args: _change_supplier(args, app_factory))
    listing = verbs.add_parser("list", help="suppliers by code")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list_suppliers(args, app_factory))
    show = verbs.add_parser("show", help="one supplier with its history")
    show.add_argument("code")
    show.set_defaults(action=lambda args: _print(_supplier(args, app_factory)))
    pa = verbs.add_parser("availability", help="live price and availability of parts")
    pa.add_argument("code")
    pa.add_argument("parts", nargs="+", metavar="PART")
    pa.add_argument("--json", action="store_true")
    pa.set_defaults(action=lambda args: _availability(args, app_factory))


def _po_parsers(commands_parser, app_factory) -> None:
    po = commands_parser.add_parser("po", help="purchase orders to suppliers")
    verbs = po.add_subparsers(dest="po", required=True)
    assign = verbs.add_parser("assign", help="buy (part of) a sales-order line from a supplier")
    assign.add_argument("order")
    assign.add_argument("line", type=int)
    assign.add_argument("supplier")
    assign.add_argument("--quantity")
    assign.add_argument("--dropship", choices=DROPSHIP_MODES)
    assign.add_argument("--cost", help="a manual unit cost (needs --reason)")
    assign.add_argument("--reason")
    assign.set_defaults(action=lambda args: _assign(args, app_factory))
    listing = verbs.add_parser("list", help="purchase orders with their fulfilment")
    listing.add_argument("--state")
    listing.add_argument("--supplier")
    listing.add_argument("--order")
    listing.add_argument("--dropship", action="store_true", help="drop-shipped ones only")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list_pos(args, app_factory))
    show = verbs.add_parser("show", help="one PO with lines, comments, shipments and history")
    show.add_argument("number")
    show.set_defaults(action=lambda args: _print(_po(args.number, app_factory)))
    line = verbs.add_parser("line", help="change or remove a draft PO's line")
    line.add_argument("number")
    line.add_argument("line", type=int)
    line.add_argument("--quantity")
    line.add_argument("--cost")
    line.add_argument("--reason")
    line.add_argument("--remove", action="store_true")
    line.set_defaults(action=lambda args: _change_line(args, app_factory))
    send = verbs.add_parser("send", help="send a draft PO by the supplier's channel")
    send.add_argument("number")
    send.set_defaults(action=lambda args: _send(args, app_factory))
    cancel = verbs.add_parser("cancel", help="cancel a PO not yet shipped")
    cancel.add_argument("number")
    cancel.add_argument("--reason", required=True)
    cancel.set_defaults(action=lambda args: _cancel(args, app_factory))
    comment = verbs.add_parser("comment", help="an internal comment, or one sent to the supplier")
    comment.add_argument("number")
    comment.add_argument("text", nargs="?", default="")
    comment.add_argument("--standard-text", metavar="NAME", help="add the standard text NAME")
    comment.add_argument("--to-supplier", action="store_true")
    comment.set_defaults(action=lambda args: _comment(args, app_factory))
    track = verbs.add_parser("track", help="ask the supplier's REST order API for shipments now")
    track.add_argument("number")
    track.set_defaults(action=lambda args: _track(args, app_factory))
    ship = verbs.add_parser("ship", help="record a shipment the supplier reported (e.g. by phone)")
    ship.add_argument("number")
    ship.add_argument("--shipment", required=True, help="the supplier's shipment id")
    ship.add_argument("--carrier", required=True)
    ship.add_argument("--tracking", required=True)
    ship.add_argument("--line", action="append", default=[], metavar="PO_LINE:QTY")
    ship.set_defaults(action=lambda args: _ship(args, app_factory))


def _decimal(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CliUsageError(f"{option} {value!r} is not a number") from None
    if not number.is_finite():
        raise CliUsageError(f"{option} {value!r} is not a number")
    return number


def _supplier_values(args) -> tuple[dict, str | None]:
    values = {}
    for name in (
        "name",
        "channel",
        "partner_code",
        "email",
        "service_kind",
        "service_url",
        "currency",
    ):
        if getattr(args, name, None) is not None:
            values[name] = getattr(args, name)
    for name in ("timeout_seconds", "discount_percent", "freight_percent"):
        if getattr(args, name) is not None:
            values[name] = _decimal(getattr(args, name), "--" + name.split("_")[0])
    if args.cache_minutes is not None:
        values["cache_minutes"] = args.cache_minutes
    if args.service_setting:
        pairs = [item.partition("=") for item in args.service_setting]
        if any(not sep or not name for name, sep, _ in pairs):
            raise CliUsageError("--service-setting: expected NAME=VALUE")
        values["service_settings"] = {name: value for name, _, value in pairs}
    return values, args.service_secret_env


def _sealed(variable: str | None, app) -> str | None:
    if not variable:
        return None
    if variable not in os.environ:
        raise CliUsageError(f"environment variable {variable} is not set")
    from hub.secrets import SecretBox

    return SecretBox.for_config(app.config).seal(os.environ[variable])


def _add_supplier(args, app_factory) -> int:
    app = app_factory()
    values, variable = _supplier_values(args)
    name = values.pop("name")
    channel = values.pop("channel", "email")
    command = commands.AddSupplier(args.code, name, channel, values, _sealed(variable, app))
    print(app.bus.execute(command, _actor()))
    return 0


def _change_supplier(args, app_factory) -> int:
    app = app_factory()
    values, variable = _supplier_values(args)
    if args.archive:
        values["archived"] = True
    changed = app.bus.execute(
        commands.ChangeSupplier(args.code, values, _sealed(variable, app)), _actor()
    )
    print(", ".join(changed) if changed else "nothing changed")
    return 0


def _list_suppliers(args, app_factory) -> int:
    from core.storage.purchasing_queries import list_suppliers

    suppliers = list_suppliers(app_factory().engine)
    if args.json:
        return _print(suppliers)
    print(f"{'CODE':<16} {'CHANNEL':<7} {'P&A':<5} NAME")
    for s in suppliers:
        print(f"{s['code']:<16} {s['channel']:<7} {s['service_kind'] or '-':<5} {s['name']}")
    return 0


def _supplier(args, app_factory) -> dict:
    from core.storage.purchasing_queries import supplier_detail

    return supplier_detail(app_factory().engine, args.code)


def _availability(args, app_factory) -> int:
    from hub.availability import availability

    answers = availability(app_factory(), args.code, args.parts)
    if args.json:
        return _print(answers)
    print(f"{'PART':<20} {'SOURCE':<6} {'PRICE':>12} {'AVAILABLE':>10} ETA")
    for a in answers:
        stock = sum(Decimal(w["quantity"]) for w in a.get("warehouses") or [])
        price, eta = a.get("unit_price") or "-", a.get("eta") or ""
        print(f"{a['supplier_part_id']:<20} {a['source']:<6} {price:>12} {stock:>10} {eta}")
        if a["error"]:
            print(f"  {a['error']}")
    return 0


def _assign(args, app_factory) -> int:
    from hub.purchasing import assign_supplier_line

    number, live = assign_supplier_line(
        app_factory(),
        _actor(),
        args.order,
        args.line,
        args.supplier,
        quantity=_decimal(args.quantity, "--quantity"),
        dropship=args.dropship,
        unit_cost=_decimal(args.cost, "--cost"),
        reason=args.reason,
    )
    print(number)
    for answer in live:
        price = answer.get("unit_price") or "-"
        print(f"  {answer['supplier_part_id']}: {answer['source']} price {price}", end="")
        print(f" ({answer['error']})" if answer["error"] else "")
    return 0


def _list_pos(args, app_factory) -> int:
    from core.storage.purchasing_queries import list_purchase_orders

    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    found = list_purchase_orders(
        app_factory().engine,
        state=args.state,
        supplier=args.supplier,
        order=args.order,
        dropship=True if args.dropship else None,
        limit=args.limit,
    )
    if args.json:
        return _print(found)
    print(f"{'NUMBER':<10} {'STATE':<17} {'SUPPLIER':<12} {'ORDER':<12} {'SHIPPED':>7} TOTAL")
    for po in found:
        mark = " DROPSHIP" if po["dropship"] else ""
        print(
            f"{po['number']:<10} {po['state']:<17} {po['supplier_code'][:12]:<12}"
            f" {po['order_number']:<12} {po['shipped_percent']:>6}%"
            f" {po['total']} {po['currency']}{mark}"
        )
    return 0


def _po(number: str, app_factory) -> dict:
    from core.storage.purchasing_queries import purchase_order_detail

    return purchase_order_detail(app_factory().engine, number)


def _change_line(args, app_factory) -> int:
    command = commands.ChangePurchaseOrderLine(
        args.number,
        args.line,
        quantity=_decimal(args.quantity, "--quantity"),
        unit_cost=_decimal(args.cost, "--cost"),
        reason=args.reason,
        remove=args.remove,
    )
    app_factory().bus.execute(command, _actor())
    return 0


def _send(args, app_factory) -> int:
    from hub.purchasing import send_purchase_order

    sent = send_purchase_order(app_factory(), args.number, _actor())
    print(f"{sent['number']} sent by {sent['channel']}")
    return 0


def _cancel(args, app_factory) -> int:
    app_factory().bus.execute(commands.CancelPurchaseOrder(args.number, args.reason), _actor())
    return 0


def _comment(args, app_factory) -> int:
    app = app_factory()
    text = with_standard_text(app.engine, args.text, args.standard_text)
    command = commands.CommentPurchaseOrder(args.number, text, args.to_supplier)
    print(app.bus.execute(command, _actor()))
    return 0


def _ship(args, app_factory) -> int:
    app = app_factory()
    po = _po(args.number, lambda: app)
    with app.uow_factory() as uow:
        partner = uow.purchasing.supplier(po["supplier_code"]).partner_code
    lines = []
    for item in args.line or [f"{line['line_number']}:{line['quantity']}" for line in po["lines"]]:
        number, sep, quantity = item.partition(":")
        if not sep or not number.isdigit():
            raise CliUsageError(f"--line {item!r}: expected PO_LINE:QTY")
        uom = next(
            (li["unit_of_measure"] for li in po["lines"] if li["line_number"] == int(number)), "EA"
        )
        lines.append(ReceivedShipmentLine(int(number), _decimal(quantity, "--line"), uom))
    notice = ReceivedShipNotice(
        channel="manual",
        partner=partner,
        po_number=args.number,
        shipment_id=args.shipment,
        carrier=args.carrier,
        tracking_number=args.tracking,
        lines=tuple(lines),
    )
    print(app.bus.execute(commands.RecordSupplierShipment(notice), _actor()))
    return 0


def _track(args, app_factory) -> int:
    from hub.supplier_tracking import track

    outcome = track(app_factory(), args.number)
    if outcome.get("error"):
        raise CliUsageError(
            f"{args.number}: the supplier's answer was kept but not recorded: {outcome['error']}"
        )
    kept = f"document {outcome['document_id']} ({outcome['state']})"
    print(f"{args.number}: the supplier's answer is kept as {kept}")
    return 0


def _print(value) -> int:
    print(json.dumps(value, indent=2, default=str))
    return 0


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
