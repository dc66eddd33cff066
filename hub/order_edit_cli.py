"""`orderb2b orders add-line|change-line|remove-line|set-address|set-shipping|comment|
comments|confirm-email|print`, `orderb2b shipments packing-slip` and
`orderb2b invoices print`: editing orders and printing their documents from the shell.

The verbs join the existing `orders`, `shipments` and `invoices` groups.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from core import commands
from core.model.comments import VISIBILITIES
from core.model.order_edits import PURCHASE_ORDERS_MAY_NEED_CHANGING, EditResult
from core.ports import Actor
from core.storage.settings import with_standard_text
from hub.cli_errors import CliUsageError

FORMATS = ("pdf", "html")
ORDER_KINDS = ("order", "pick-list")


def add_parsers(commands_parser, app_factory) -> None:
    orders = _verbs(commands_parser, "orders")
    _line_parsers(orders, app_factory)
    _order_parsers(orders, app_factory)
    _comment_parsers(orders, app_factory)
    _print_parsers(commands_parser, orders, app_factory)


def _verbs(commands_parser, group: str) -> argparse._SubParsersAction:
    """The verbs of a command group made elsewhere (`orders`), to add to them."""
    parser = commands_parser.choices[group]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _line_parsers(orders, app_factory) -> None:
    add = orders.add_parser("add-line", help="add a line to an order that has not shipped")
    add.add_argument("number")
    add.add_argument("--quantity", required=True)
    add.add_argument("--price", help="unit price, e.g. 12.50 (default: by the pricing rules)")
    add.add_argument("--uom", default="EA", help="unit of measure (default EA)")
    add.add_argument("--part", help="our part number")
    add.add_argument("--description")
    add.add_argument("--buyer-part", help="the buyer's part number")
    add.add_argument("--manufacturer")
    add.add_argument("--manufacturer-part")
    add.add_argument("--requested-date", metavar="YYYY-MM-DD")
    add.add_argument("--reason", help="why this price, when it was set by hand")
    add.add_argument("--json", action="store_true")
    add.set_defaults(action=lambda args: _add_line(args, app_factory))

    change = orders.add_parser(
        "change-line", help="change a line's quantity, unit price (with --reason) or description"
    )
    change.add_argument("number")
    change.add_argument("line", type=int)
    change.add_argument("--quantity")
    change.add_argument("--price", help="the new unit price; needs --reason")
    change.add_argument("--reason", help="why the price is set by hand")
    change.add_argument("--description")
    change.add_argument("--json", action="store_true")
    change.set_defaults(action=lambda args: _change_line(args, app_factory))

    remove = orders.add_parser("remove-line", help="remove a line (kept, marked removed)")
    remove.add_argument("number")
    remove.add_argument("line", type=int)
    remove.add_argument("--reason")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(action=lambda args: _remove_line(args, app_factory))


def _order_parsers(orders, app_factory) -> None:
    address = orders.add_parser("set-address", help="replace the ship-to or bill-to address")
    address.add_argument("number")
    address.add_argument("kind", choices=("ship-to", "bill-to"))
    address.add_argument("--name")
    address.add_argument("--deliver-to", action="append", default=[], help="repeatable")
    address.add_argument("--street", action="append", default=[], help="repeatable")
    address.add_argument("--city")
    address.add_argument("--state")
    address.add_argument("--postal-code")
    address.add_argument("--country", help="ISO 3166 two letters, e.g. US")
    address.add_argument("--email")
    address.add_argument("--phone")
    address.add_argument("--json", action="store_true")
    address.set_defaults(action=lambda args: _set_address(args, app_factory))

    shipping = orders.add_parser("set-shipping", help="change the shipping method and/or amount")
    shipping.add_argument("number")
    shipping.add_argument("--method", help="e.g. UPS Ground")
    shipping.add_argument("--amount", help="what shipping costs the buyer, e.g. 25.00")
    shipping.add_argument("--json", action="store_true")
    shipping.set_defaults(action=lambda args: _set_shipping(args, app_factory))

    confirm = orders.add_parser(
        "confirm-email", help="ask for the order confirmation email to the buyer"
    )
    confirm.add_argument("number")
    confirm.set_defaults(action=lambda args: _confirm_email(args, app_factory))


def _comment_parsers(orders, app_factory) -> None:
    comment = orders.add_parser("comment", help="comment on an order (private unless --public)")
    comment.add_argument("number")
    comment.add_argument("text", nargs="?", default="")
    comment.add_argument("--standard-text", metavar="NAME", help="add the standard text NAME")
    comment.add_argument(
        "--public", action="store_true", help="all staff may see it (default: private, only you)"
    )
    comment.set_defaults(action=lambda args: _comment(args, app_factory))

    listing = orders.add_parser("comments", help="an order's comments, oldest first")
    listing.add_argument("number")
    listing.add_argument("--visibility", choices=VISIBILITIES)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _comments(args, app_factory))


def _print_parsers(commands_parser, orders, app_factory) -> None:
    printing = orders.add_parser("print", help="print the order or its pick list (PDF or HTML)")
    printing.add_argument("number")
    printing.add_argument("--kind", choices=ORDER_KINDS, default="order")
    _output_options(printing)
    printing.set_defaults(action=lambda args: _print_order(args, app_factory))

    slip = _verbs(commands_parser, "shipments").add_parser(
        "packing-slip", help="print a shipment's packing slip (PDF or HTML)"
    )
    slip.add_argument("number")
    _output_options(slip)
    slip.set_defaults(action=lambda args: _print_packing_slip(args, app_factory))

    invoice = _verbs(commands_parser, "invoices").add_parser(
        "print", help="print an invoice or credit note (PDF or HTML)"
    )
    invoice.add_argument("number")
    _output_options(invoice)
    invoice.set_defaults(action=lambda args: _print_invoice(args, app_factory))


def _output_options(parser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="pdf")
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write; - for stdout")


def _add_line(args, app_factory) -> int:
    command = commands.AddOrderLine(
        args.number,
        quantity=_decimal("--quantity", args.quantity),
        unit_of_measure=args.uom,
        unit_price=None if args.price is None else _decimal("--price", args.price),
        supplier_part_id=args.part,
        description=args.description,
        buyer_part_id=args.buyer_part,
        manufacturer_part_id=args.manufacturer_part,
        manufacturer_name=args.manufacturer,
        requested_delivery_date=_day("--requested-date", args.requested_date),
        price_reason=args.reason,
    )
    result = app_factory().bus.execute(command, _actor())
    return _report(args, result, f"line {result.line_number} added")


def _change_line(args, app_factory) -> int:
    command = commands.ChangeOrderLine(
        args.number,
        args.line,
        quantity=_decimal("--quantity", args.quantity),
        unit_price=_decimal("--price", args.price),
        price_reason=args.reason,
        description=args.description,
    )
    result = app_factory().bus.execute(command, _actor())
    what = f"changed ({', '.join(result.changed)})" if result.changed else "unchanged"
    return _report(args, result, f"line {args.line} {what}")


def _remove_line(args, app_factory) -> int:
    command = commands.RemoveOrderLine(args.number, args.line, args.reason)
    result = app_factory().bus.execute(command, _actor())
    return _report(args, result, f"line {args.line} removed")


def _set_address(args, app_factory) -> int:
    address = {
        "name": args.name,
        "deliver_to": args.deliver_to,
        "street": args.street,
        "city": args.city,
        "state": args.state,
        "postal_code": args.postal_code,
        "country": args.country,
        "email": args.email,
        "phone": args.phone,
    }
    ship_to, bill_to = (address, None) if args.kind == "ship-to" else (None, address)
    command = commands.ChangeOrderAddresses(args.number, ship_to, bill_to)
    result = app_factory().bus.execute(command, _actor())
    what = "changed" if result.changed else "unchanged"
    return _report(args, result, f"{args.kind} address {what}")


def _set_shipping(args, app_factory) -> int:
    if args.method is None and args.amount is None:
        raise CliUsageError("give --method, --amount or both")
    command = commands.ChangeOrderShipping(
        args.number, args.method, _decimal("--amount", args.amount)
    )
    result = app_factory().bus.execute(command, _actor())
    what = f"changed ({', '.join(result.changed)})" if result.changed else "unchanged"
    return _report(args, result, f"shipping {what}")


def _confirm_email(args, app_factory) -> int:
    email = app_factory().bus.execute(commands.RequestOrderConfirmation(args.number), _actor())
    print(f"order {args.number}: confirmation email requested for {email}")
    return 0


def _comment(args, app_factory) -> int:
    visibility = "public" if args.public else "private"
    app = app_factory()
    text = with_standard_text(app.engine, args.text, args.standard_text)
    command = commands.AddOrderComment(args.number, text, visibility)
    comment_id = app.bus.execute(command, _actor())
    print(f"order {args.number}: {visibility} comment {comment_id} added")
    return 0


def _comments(args, app_factory) -> int:
    from core.storage.comments import order_comments

    found = order_comments(app_factory().engine, args.number, args.visibility, viewer=_actor().name)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    for comment in found:
        print(f"{comment['created_at'][:19]} {comment['author']} ({comment['visibility']}):")
        for line in comment["body"].splitlines():
            print(f"    {line}")
    return 0


def _print_order(args, app_factory) -> int:
    from hub.printing import print_order

    printed = print_order(app_factory(), args.number, args.kind, args.format)
    return _write(args.out, printed)


def _print_packing_slip(args, app_factory) -> int:
    from hub.printing import print_packing_slip

    return _write(args.out, print_packing_slip(app_factory(), args.number, args.format))


def _print_invoice(args, app_factory) -> int:
    from hub.printing import print_invoice

    return _write(args.out, print_invoice(app_factory(), args.number, args.format))


def _write(out: str, printed) -> int:
    if out == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(printed.content)
        sys.stdout.buffer.flush()
        return 0
    Path(out).write_bytes(printed.content)
    print(f"{printed.filename} written to {out} ({len(printed.content)} bytes)")
    return 0


def _report(args, result: EditResult, what: str) -> int:
    if args.json:
        from hub.api.order_edit_routes import edit_answer

        print(json.dumps(edit_answer(result), indent=2))
        return 0
    total = format(result.totals.total, "f")
    print(f"order {result.order_number}: {what}; total {total} {result.currency}")
    if result.totals.unpriced_lines:
        unpriced = ", ".join(map(str, result.totals.unpriced_lines))
        print(f"note: line(s) {unpriced} have no price and count for nothing in the total")
    if result.purchase_orders_may_need_changing:
        print(f"attention: {PURCHASE_ORDERS_MAY_NEED_CHANGING}")
    return 0


def _decimal(option: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CliUsageError(f"{option} {text!r} is not a number") from None
    if not value.is_finite():
        raise CliUsageError(f"{option} {text!r} is not a number")
    return value


def _day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliUsageError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
