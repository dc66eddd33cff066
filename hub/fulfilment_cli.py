"""`orderb2b shipments add|list|show` and `orderb2b invoices create|list|show`
(the other invoice verbs are in hub/invoices_cli.py)."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from core import commands
from core.model.shipments import WEIGHT_UNITS
from core.ports import Actor


class FulfilmentUsageError(Exception):
    """A bad option value; the CLI reports it in one line."""


def add_parsers(commands_parser, app_factory) -> None:
    _shipment_parsers(commands_parser, app_factory)
    _invoice_parsers(commands_parser, app_factory)


def _shipment_parsers(commands_parser, app_factory) -> None:
    shipments = commands_parser.add_parser("shipments", help="shipments").add_subparsers(
        dest="shipments", required=True
    )
    add = shipments.add_parser("add", help="record a shipment of an order")
    add.add_argument("order")
    add.add_argument("--carrier", required=True, help="carrier name, e.g. FedEx")
    add.add_argument("--tracking", required=True, help="the carrier's tracking number")
    add.add_argument("--carrier-code", metavar="SCAC", help="the carrier's SCAC, e.g. FDEG")
    add.add_argument("--service", help="service level, e.g. FedEx Ground")
    add.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="N:QTY",
        help="ship QTY of order line N (repeatable); default: every open quantity",
    )
    add.add_argument("--shipped-at", metavar="ISO", help="e.g. 2026-03-17T15:40:00-07:00")
    add.add_argument("--delivery-date", metavar="YYYY-MM-DD")
    add.add_argument("--packages", type=int, default=1)
    add.add_argument("--weight", metavar="W")
    add.add_argument("--weight-unit", choices=WEIGHT_UNITS, default="LB")
    add.add_argument("--comments")
    add.set_defaults(action=lambda args: _add_shipment(args, app_factory))
    _list_and_show(shipments, "shipment", _list_shipments, _show_shipment, app_factory)


def _invoice_parsers(commands_parser, app_factory) -> None:
    invoices = commands_parser.add_parser("invoices", help="invoices").add_subparsers(
        dest="invoices", required=True
    )
    create = invoices.add_parser("create", help="invoice an order")
    create.add_argument("order")
    create.add_argument(
        "--shipped-only",
        action="store_true",
        help="invoice only what has shipped and is not invoiced yet",
    )
    create.add_argument("--series", help="number in this series (default: invoices.series)")
    create.add_argument("--date", metavar="ISO", help="invoice date, e.g. 2026-03-18T09:00:00Z")
    create.add_argument("--comments")
    create.set_defaults(action=lambda args: _create_invoice(args, app_factory))

    listing = invoices.add_parser("list", help="invoices and credit notes, newest first")
    listing.add_argument("--order", help="only those of this order")
    listing.add_argument("--state", help="issued or sent")
    listing.add_argument("--purpose", help="standard (invoices) or credit (credit notes)")
    listing.add_argument("--customer", metavar="CODE")
    listing.add_argument("--series")
    listing.add_argument("--since", metavar="DATE", help="dated on or after (YYYY-MM-DD or ISO)")
    listing.add_argument("--until", metavar="DATE", help="dated before; a bare date includes it")
    listing.add_argument("--text", help="in the numbers, buyer or customer")
    listing.add_argument("--after", metavar="NUMBER", help="continue after this invoice")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list_invoices(args, app_factory))
    show = invoices.add_parser(
        "show", help="one invoice with its lines, credit notes, attachment and history"
    )
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show_invoice(args, app_factory))


def _list_and_show(subparsers, kind: str, lister, shower, app_factory) -> None:
    listing = subparsers.add_parser("list", help=f"list {kind}s, newest first")
    listing.add_argument("--order", help="only those of this order")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: lister(args, app_factory))
    show = subparsers.add_parser("show", help=f"one {kind} with its lines and history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: shower(args, app_factory))


def _add_shipment(args, app_factory) -> int:
    command = commands.RecordShipment(
        args.order,
        carrier=args.carrier,
        tracking_number=args.tracking,
        lines=_lines(args.line) if args.line else None,
        carrier_code=args.carrier_code,
        service=args.service,
        shipped_at=_moment(args.shipped_at) if args.shipped_at else None,
        delivery_date=_day(args.delivery_date) if args.delivery_date else None,
        packages=args.packages,
        weight=_decimal("--weight", args.weight) if args.weight else None,
        weight_unit=args.weight_unit,
        comments=args.comments,
    )
    number = app_factory().bus.execute(command, _actor())
    print(f"shipment {number} recorded for order {args.order}")
    return 0


def _create_invoice(args, app_factory) -> int:
    from core.storage.queries import invoice_detail

    app = app_factory()
    command = commands.InvoiceOrder(
        args.order,
        args.shipped_only,
        series=args.series,
        invoice_date=_moment(args.date, "--date") if args.date else None,
        comments=args.comments,
    )
    number = app.bus.execute(command, _actor())
    detail = invoice_detail(app.engine, number)
    total = f"{detail['total']} {detail['currency']}"
    print(f"invoice {number} created for order {args.order}: {total}")
    return 0


def _list_shipments(args, app_factory) -> int:
    from core.storage.queries import list_shipments

    shipments = list_shipments(app_factory().engine, order_number=args.order, limit=args.limit)
    if args.json:
        print(json.dumps(shipments, indent=2))
        return 0
    print(f"{'NUMBER':<10} {'ORDER':<10} {'SHIPPED AT':<26} {'CARRIER':<16} TRACKING")
    for s in shipments:
        print(
            f"{s['number']:<10} {s['order_number']:<10} {s['shipped_at']:<26}"
            f" {s['carrier'][:16]:<16} {s['tracking_number']}"
        )
    return 0


def _show_shipment(args, app_factory) -> int:
    from core.storage.queries import shipment_detail

    detail = shipment_detail(app_factory().engine, args.number)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    print(f"Shipment {detail['number']} of order {detail['order_number']}")
    carrier = " ".join(
        part for part in (detail["carrier"], detail["carrier_code"], detail["service"]) if part
    )
    print(f"  {carrier}, tracking {detail['tracking_number']}, shipped {detail['shipped_at']}")
    if detail["delivery_date"]:
        print(f"  delivery expected {detail['delivery_date']}")
    weight = f", {detail['weight']} {detail['weight_unit']}" if detail["weight"] else ""
    print(f"  {detail['packages']} package(s){weight}")
    print("  lines:")
    for line in detail["lines"]:
        print(
            f"    {line['line_number']:>3} {line['supplier_part_id'] or '':<20}"
            f" {line['quantity']:>8} {line['unit_of_measure']:<3}"
            f" {(line['description'] or '')[:40]}"
        )
    _print_history(detail["history"])
    return 0


def _list_invoices(args, app_factory) -> int:
    from core.storage.invoice_queries import invoice_filters, list_invoices
    from core.storage.queries import BadFilter

    try:
        filters = invoice_filters(vars(args))
    except BadFilter as error:
        raise FulfilmentUsageError(str(error)) from None
    found = list_invoices(app_factory().engine, after=args.after, limit=args.limit, **filters)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"{'NUMBER':<12} {'ORDER':<10} {'CUSTOMER':<12} {'STATE':<7} {'DATE':<11} TOTAL")
    for i in found:
        total = f"-{i['total']}" if i["purpose"] == "credit" else i["total"]
        print(
            f"{i['number']:<12} {i['order_number']:<10} {(i['customer'] or '-')[:12]:<12}"
            f" {i['state']:<7} {i['invoice_date'][:10]:<11} {total} {i['currency']}"
        )
    return 0


def _show_invoice(args, app_factory) -> int:
    from core.storage.invoice_queries import invoice_detail

    detail = invoice_detail(app_factory().engine, args.number)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    kind = "Credit note" if detail["purpose"] == "credit" else "Invoice"
    print(f"{kind} {detail['number']} of order {detail['order_number']}  [{detail['state']}]")
    print(f"  dated {detail['invoice_date']}, series {detail['series']}, from {detail['origin']}")
    if detail["customer"]:
        print(f"  customer {detail['customer']['code']} {detail['customer']['name']}")
    if detail["due_date"]:
        print(f"  due {detail['due_date']}")
    if detail["sent_at"]:
        print(f"  sent {detail['sent_at']} via {detail['sent_via']}")
    if detail["credits"]:
        print(f"  credits invoice {detail['credits']}")
    if detail["comments"]:
        print(f"  comments: {detail['comments']}")
    print("  lines:")
    for line in detail["lines"]:
        removed = "  (removed)" if line["status"] == "removed" else ""
        print(
            f"    {line['line_number']:>3} {line['supplier_part_id'] or '':<20}"
            f" {line['quantity']:>8} {line['unit_of_measure']:<3} @ {line['unit_price']}"
            f" = {line['amount']}{removed}"
        )
    for name in ("subtotal", "shipping_amount", "tax_amount", "discount_amount", "total"):
        print(f"  {name.replace('_amount', ''):<9} {detail[name]:>12} {detail['currency']}")
    for note in detail["credit_notes"]:
        print(f"  credit note {note['number']} [{note['state']}]: {note['total']}")
    if detail["attachment"]:
        about = detail["attachment"]
        print(f"  attachment {about['filename']} ({about['size']} bytes, sha256 {about['sha256']})")
    _print_history(detail["history"])
    return 0


def _print_history(history: list[dict]) -> None:
    print("  history:")
    for entry in history:
        who = f"{entry['actor_kind']}:{entry['actor']}"
        print(f"    {entry['at']}  {entry['action']:<7} {who}  {entry['entity']}")


def _lines(values: list[str]) -> dict[int, Decimal]:
    lines: dict[int, Decimal] = {}
    for value in values:
        number, colon, quantity = value.partition(":")
        if not colon or not number.strip().isdigit():
            raise FulfilmentUsageError(f"--line {value!r}: expected N:QTY, e.g. 2:5")
        if int(number) in lines:
            raise FulfilmentUsageError(f"--line: line {int(number)} is given twice")
        lines[int(number)] = _decimal(f"--line {value}", quantity)
    return lines


def _decimal(option: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise FulfilmentUsageError(f"{option}: {text!r} is not a number") from None
    if not value.is_finite():
        raise FulfilmentUsageError(f"{option}: {text!r} is not a number")
    return value


def _moment(text: str, option: str = "--shipped-at") -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FulfilmentUsageError(f"{option} {text!r}: expected an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise FulfilmentUsageError(
            f"{option} {text!r}: give a UTC offset, e.g. {text}-07:00 or {text}Z"
        )
    return moment


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FulfilmentUsageError(f"--delivery-date {text!r}: expected YYYY-MM-DD") from None


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
