"""`orderb2b invoices upload|attachment|change|add-line|change-line|remove-line|credit|
mark-sent|bulk|rule|rules`: uploaded invoices, editing, credit notes, sending and
bulk invoicing from the shell. The verbs join the `invoices` group
(hub/fulfilment_cli.py makes it, with create, list and show).

The shell acts for the operator (recorded as `cli:<login>`). Amounts and
quantities are given as text (12.50).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date, datetime
from pathlib import Path

from core import commands
from core.model.attachments import MAX_BYTES
from core.model.bulk_invoicing import RULES, BulkProgress
from core.ports import Actor
from hub.cli_errors import CliUsageError
from hub.fulfilment_cli import _decimal, _lines

ADDRESS_OPTIONS = ("name", "street", "city", "state", "postal_code", "country", "email")


def add_parsers(commands_parser, app_factory) -> None:
    invoices = _verbs(commands_parser, "invoices")
    _upload_parsers(invoices, app_factory)
    _edit_parsers(invoices, app_factory)
    _credit_parsers(invoices, app_factory)
    _bulk_parsers(invoices, app_factory)


def _verbs(commands_parser, group: str) -> argparse._SubParsersAction:
    parser = commands_parser.choices[group]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _upload_parsers(invoices, app_factory) -> None:
    upload = invoices.add_parser(
        "upload", help="an invoice made elsewhere, kept with its PDF; it bills the order"
    )
    upload.add_argument("order")
    upload.add_argument("file", type=Path, help=f"the invoice as PDF (at most {MAX_BYTES} bytes)")
    upload.add_argument(
        "--number", help="the document's own number (default: the next of the series)"
    )
    upload.add_argument("--series", help="when no --number: the series (default: invoices.series)")
    upload.add_argument("--date", metavar="ISO", help="the document's date, with a UTC offset")
    upload.add_argument("--total", help="the document's total, checked against what is billed")
    upload.add_argument("--shipped-only", action="store_true", help="it bills what has shipped")
    upload.add_argument("--comments")
    upload.set_defaults(action=lambda args: _upload(args, app_factory))

    attachment = invoices.add_parser("attachment", help="write an uploaded invoice's PDF")
    attachment.add_argument("number")
    attachment.add_argument("--out", required=True, metavar="FILE", help="- for stdout")
    attachment.set_defaults(action=lambda args: _attachment(args, app_factory))


def _edit_parsers(invoices, app_factory) -> None:
    change = invoices.add_parser(
        "change", help="the billing address, comments or due date of an unsent invoice"
    )
    change.add_argument("number")
    for name in ADDRESS_OPTIONS:
        change.add_argument(f"--bill-{name.replace('_', '-')}", dest=f"bill_{name}")
    change.add_argument("--comments")
    change.add_argument("--due-date", metavar="YYYY-MM-DD")
    change.set_defaults(action=lambda args: _change(args, app_factory))

    add = invoices.add_parser("add-line", help="bill an order line, or add a line of its own")
    add.add_argument("number")
    add.add_argument("--quantity", required=True)
    add.add_argument("--order-line", type=int, help="the order line to bill")
    add.add_argument("--price", help="unit price (default: the order line's)")
    add.add_argument("--description")
    add.add_argument("--uom", help="unit of measure of a line of its own (default EA)")
    add.add_argument("--part", help="part number of a line of its own")
    add.set_defaults(action=lambda args: _add_line(args, app_factory))

    line = invoices.add_parser("change-line", help="a line's quantity, unit price or description")
    line.add_argument("number")
    line.add_argument("line", type=int)
    line.add_argument("--quantity")
    line.add_argument("--price")
    line.add_argument("--description")
    line.set_defaults(action=lambda args: _change_line(args, app_factory))

    remove = invoices.add_parser("remove-line", help="take a line off an unsent invoice")
    remove.add_argument("number")
    remove.add_argument("line", type=int)
    remove.set_defaults(action=lambda args: _remove_line(args, app_factory))


def _credit_parsers(invoices, app_factory) -> None:
    credit = invoices.add_parser(
        "credit", help="a credit note for the whole invoice, or for some of its lines"
    )
    credit.add_argument("number")
    credit.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="N:QTY",
        help="credit QTY of invoice line N (repeat); default: all that is left",
    )
    credit.add_argument("--reason")
    credit.add_argument("--series", help="default: invoices.credit_series")
    credit.set_defaults(action=lambda args: _credit(args, app_factory))

    sent = invoices.add_parser(
        "mark-sent", help="the buyer has the invoice (emailed, posted): no more edits"
    )
    sent.add_argument("number")
    sent.add_argument("--via", default="email", help="how it went, e.g. email, post, portal")
    sent.add_argument("--to", help="to whom, e.g. an email address")
    sent.add_argument("--at", metavar="ISO", help="when (default: now)")
    sent.set_defaults(action=lambda args: _mark_sent(args, app_factory))


def _bulk_parsers(invoices, app_factory) -> None:
    bulk = invoices.add_parser("bulk", help="invoice every order ready for it")
    bulk.add_argument("--dry-run", action="store_true", help="report what would be invoiced")
    bulk.add_argument(
        "--customer", action="append", default=[], metavar="CODE", help="only these (repeat)"
    )
    bulk.add_argument("--series", help="number in this series (default: rules, invoices.series)")
    bulk.add_argument("--batch-size", type=int, default=500, help="orders per transaction")
    bulk.add_argument("--json", action="store_true", help="the whole report as JSON")
    bulk.set_defaults(action=lambda args: _bulk(args, app_factory))

    rule = invoices.add_parser("rule", help="how bulk invoicing bills a customer or a group")
    owner = rule.add_mutually_exclusive_group(required=True)
    owner.add_argument("--customer", metavar="CODE")
    owner.add_argument("--group", metavar="CODE")
    rule.add_argument("--bill", required=True, choices=tuple(RULES), help="the rule")
    rule.add_argument("--series", help="the series its invoices are numbered in")
    rule.set_defaults(action=lambda args: _rule(args, app_factory))

    rules = invoices.add_parser("rules", help="the invoicing rules")
    rules.add_argument("--json", action="store_true")
    rules.set_defaults(action=lambda args: _rules(args, app_factory))


def _upload(args, app_factory) -> int:
    size = args.file.stat().st_size
    if size > MAX_BYTES:
        raise CliUsageError(f"{args.file}: {size} bytes; at most {MAX_BYTES} bytes are taken")
    command = commands.UploadInvoice(
        args.order,
        args.file.read_bytes(),
        filename=args.file.name,
        number=args.number,
        series=args.series,
        invoice_date=_moment(args.date, "--date") if args.date else None,
        shipped_only=args.shipped_only,
        total=_decimal("--total", args.total) if args.total else None,
        comments=args.comments,
    )
    number = app_factory().bus.execute(command, _actor())
    print(f"invoice {number} uploaded for order {args.order} ({args.file.name}, {size} bytes)")
    return 0


def _attachment(args, app_factory) -> int:
    from core.storage.attachments import invoice_attachment

    about, content = invoice_attachment(app_factory().engine, args.number)
    if args.out == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    else:
        Path(args.out).write_bytes(content)
        print(f"{about['filename']} ({about['size']} bytes) written to {args.out}")
    return 0


def _change(args, app_factory) -> int:
    given = {name: getattr(args, f"bill_{name}") for name in ADDRESS_OPTIONS}
    bill_to = None
    if any(value is not None for value in given.values()):
        bill_to = _current_bill_to(app_factory, args.number)
        for name, value in given.items():
            if value is not None:
                bill_to[name] = [value] if name == "street" else value
    command = commands.ChangeInvoice(
        args.number,
        bill_to=bill_to,
        comments=args.comments,
        due_date=_day(args.due_date) if args.due_date else None,
    )
    changed = app_factory().bus.execute(command, _actor())
    print(f"invoice {args.number}: {', '.join(changed) or 'nothing'} changed")
    return 0


def _current_bill_to(app_factory, number: str) -> dict:
    from core.storage.queries import invoice_detail

    return dict(invoice_detail(app_factory().engine, number)["bill_to"] or {})


def _add_line(args, app_factory) -> int:
    command = commands.AddInvoiceLine(
        args.number,
        _decimal("--quantity", args.quantity),
        order_line=args.order_line,
        unit_price=_decimal("--price", args.price) if args.price else None,
        description=args.description,
        unit_of_measure=args.uom,
        supplier_part_id=args.part,
    )
    line = app_factory().bus.execute(command, _actor())
    return _edited(app_factory, args.number, f"line {line} added")


def _change_line(args, app_factory) -> int:
    command = commands.ChangeInvoiceLine(
        args.number,
        args.line,
        quantity=_decimal("--quantity", args.quantity) if args.quantity else None,
        unit_price=_decimal("--price", args.price) if args.price else None,
        description=args.description,
    )
    changed = app_factory().bus.execute(command, _actor())
    return _edited(
        app_factory, args.number, f"line {args.line}: {', '.join(changed) or 'nothing'} changed"
    )


def _remove_line(args, app_factory) -> int:
    command = commands.ChangeInvoiceLine(args.number, args.line, remove=True)
    app_factory().bus.execute(command, _actor())
    return _edited(app_factory, args.number, f"line {args.line} removed")


def _edited(app_factory, number: str, what: str) -> int:
    from core.storage.queries import invoice_detail

    detail = invoice_detail(app_factory().engine, number)
    print(f"invoice {number}: {what}; total {detail['total']} {detail['currency']}")
    return 0


def _credit(args, app_factory) -> int:
    from core.storage.queries import invoice_detail

    app = app_factory()
    command = commands.CreditInvoice(
        args.number, _lines(args.line) if args.line else None, args.reason, args.series
    )
    number = app.bus.execute(command, _actor())
    detail = invoice_detail(app.engine, number)
    print(
        f"credit note {number} issued for invoice {args.number}:"
        f" {detail['total']} {detail['currency']}"
    )
    return 0


def _mark_sent(args, app_factory) -> int:
    command = commands.MarkInvoiceSent(
        args.number, args.via, args.to, _moment(args.at, "--at") if args.at else None
    )
    if app_factory().bus.execute(command, _actor()):
        print(f"invoice {args.number} marked sent ({args.via})")
    else:
        print(f"invoice {args.number} was marked sent already")
    return 0


def _bulk(args, app_factory) -> int:
    if args.batch_size < 1:
        raise CliUsageError("--batch-size must be at least 1")
    command = commands.InvoiceReadyOrders(
        tuple(args.customer),
        series=args.series,
        dry_run=args.dry_run,
        batch_size=args.batch_size,
        progress=_show_progress,
    )
    report = app_factory().bus.execute(command, _actor()).as_dict()
    if args.json:
        print(json.dumps(report, indent=2))
        return 1 if report["stopped"] else 0
    verb = "would invoice" if args.dry_run else "invoiced"
    print(
        f"{verb} {report['invoices']} order(s) of {len(report['customers'])} customer(s);"
        f" {report['skipped']} skipped; {report['orders_considered']} looked at"
        f" in {report['seconds']:.1f} s"
    )
    for series, numbers in report["series"].items():
        print(f"  {series}: {numbers['first']} to {numbers['last']} ({numbers['count']})")
    for currency, total in report["totals"].items():
        print(f"  total {total} {currency}")
    for skipped in report["skipped_orders"]:
        print(f"  skipped {skipped['order']} ({skipped['customer'] or '-'}): {skipped['reason']}")
    if report["stopped"]:
        print(f"orderb2b: stopped: {report['stopped']}", file=sys.stderr)
        return 1
    return 0


def _show_progress(progress: BulkProgress) -> None:
    print(
        f"{progress.done}/{progress.total} orders, {progress.invoices} invoiced,"
        f" {progress.skipped} skipped, {progress.rate:.0f} orders/s",
        file=sys.stderr,
        flush=True,
    )


def _rule(args, app_factory) -> int:
    command = commands.SetInvoicingRule(args.bill, args.customer, args.group, args.series)
    changed = app_factory().bus.execute(command, _actor())
    who = f"customer {args.customer}" if args.customer else f"group {args.group}"
    print(f"{who} is billed by rule {args.bill}" + ("" if changed else " (unchanged)"))
    return 0


def _rules(args, app_factory) -> int:
    from core.storage.invoice_queries import list_rules
    from core.storage.settings import current

    app = app_factory()
    rules = list_rules(app.engine)
    default = current(app.engine, ("invoices.bulk_rule",))["invoices.bulk_rule"]
    if args.json:
        print(json.dumps({"default": default, "rules": rules}, indent=2))
        return 0
    print(f"default (invoices.bulk_rule): {default}")
    for rule in rules:
        who = f"customer {rule['customer']}" if rule["customer"] else f"group {rule['group']}"
        print(f"  {who:<30} {rule['rule']:<9} {rule['series'] or ''}")
    return 0


def _moment(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliUsageError(f"{option} {text!r}: expected an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise CliUsageError(f"{option} {text!r}: give a UTC offset, e.g. {text}Z")
    return moment


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliUsageError(f"--due-date {text!r}: expected YYYY-MM-DD") from None


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
