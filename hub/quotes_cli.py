"""`orderb2b quotes|rfqs`: quotes with their versions and lines, printing, sending,
orders and self-service links; requests for quotation.

The shell acts for the operator (recorded as `cli:<login>`) and sees every customer.
Amounts and quantities are given as text (12.50); a price set by hand needs
`--reason`.
"""

from __future__ import annotations

import getpass
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from core import commands
from core.model.quotes import ACTIONS, PAYMENT_METHODS
from core.model.rfqs import STATUSES as RFQ_STATUSES
from core.ports import Actor
from hub.cli_errors import CliUsageError

RFQ_FIELDS = (
    "number",
    "status",
    "source",
    "received_at",
    "company",
    "contact_name",
    "email",
    "phone",
    "customer",
    "quote",
)


def add_parsers(commands_parser, app_factory) -> None:
    _quote_parsers(commands_parser, app_factory)
    _rfq_parsers(commands_parser, app_factory)


def _quote_parsers(commands_parser, app_factory) -> None:
    quotes = commands_parser.add_parser("quotes", help="quotes, versions, sending, orders")
    verbs = quotes.add_subparsers(dest="quotes", required=True)

    add = verbs.add_parser("add", help="a quote for a customer or a new lead")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", metavar="CODE")
    who.add_argument("--lead", metavar="NAME", help="a new customer, made a lead")
    add.add_argument("--email", help="the lead's email")
    add.add_argument("--phone", help="the lead's phone")
    add.add_argument("--contact", help="the lead's contact person")
    add.add_argument("--kind", default="commercial", help="print kind, e.g. commercial or gsa")
    add.add_argument("--currency", default="USD")
    add.add_argument("--notes")
    add.add_argument("--valid-until", metavar="YYYY-MM-DD")
    level = add.add_mutually_exclusive_group()
    level.add_argument("--margin", metavar="PERCENT", help="price lines at this margin over cost")
    level.add_argument(
        "--discount", metavar="PERCENT", help="price lines at this discount off list"
    )
    add.add_argument("--shipping", metavar="METHOD", help="a method of the shipping ranges")
    add.add_argument(
        "--line",
        action="append",
        default=[],
        metavar="SKU:QTY[:PRICE]",
        help="a line (repeat); a PRICE by hand needs --reason",
    )
    add.add_argument("--reason", help="why the --line prices are set by hand")
    add.set_defaults(action=lambda args: _add(args, app_factory))

    listing = verbs.add_parser("list", help="quotes, newest first")
    listing.add_argument("--status")
    listing.add_argument("--customer", metavar="CODE")
    listing.add_argument("--text")
    listing.add_argument("--after", metavar="NUMBER")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))

    show = verbs.add_parser("show", help="one quote: versions, lines, orders, history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))

    change = verbs.add_parser("change", help="notes, validity, or a status action")
    change.add_argument("number")
    change.add_argument("--notes")
    change.add_argument("--valid-until", metavar="YYYY-MM-DD")
    change.add_argument("--action", dest="step", choices=tuple(ACTIONS))
    change.set_defaults(action=lambda args: _change(args, app_factory))

    version = verbs.add_parser("version", help="a new version, or change a draft one")
    version.add_argument("number")
    version.add_argument("version", nargs="?", type=int, help="the draft version to change")
    version.add_argument("--kind", help="print kind, e.g. gsa")
    version.add_argument("--copy-from", type=int, metavar="VERSION", help="(new) copy this one")
    version.add_argument("--empty", action="store_true", help="(new) start with no lines")
    version.add_argument("--pricing", choices=("engine", "margin", "discount"))
    version.add_argument("--percent", help="the margin or discount in percent")
    version.add_argument("--shipping", metavar="METHOD", help='shipping method ("" for none)')
    version.add_argument("--notes")
    version.set_defaults(action=lambda args: _version(args, app_factory))

    add_line = verbs.add_parser("add-line", help="add a line to a draft version")
    add_line.add_argument("number")
    add_line.add_argument("version", type=int)
    add_line.add_argument("sku")
    add_line.add_argument("quantity")
    add_line.add_argument("--price", help="a price by hand (needs --reason)")
    add_line.add_argument("--reason")
    add_line.set_defaults(action=lambda args: _add_line(args, app_factory))

    change_line = verbs.add_parser("change-line", help="change or remove a draft line")
    change_line.add_argument("number")
    change_line.add_argument("version", type=int)
    change_line.add_argument("line", type=int)
    change_line.add_argument("--quantity")
    change_line.add_argument("--price", help="a price by hand (needs --reason)")
    change_line.add_argument("--reason")
    change_line.add_argument("--remove", action="store_true")
    change_line.set_defaults(action=lambda args: _change_line(args, app_factory))

    send = verbs.add_parser("send", help="freeze a version with its PDF and email it")
    send.add_argument("number")
    send.add_argument("version", nargs="?", type=int, help="default: the latest")
    send.add_argument("--to", metavar="EMAIL", help="default: the customer's address")
    send.set_defaults(action=lambda args: _send(args, app_factory))

    pdf = verbs.add_parser("pdf", help="write a version's PDF (as sent) or HTML to a file")
    pdf.add_argument("number")
    pdf.add_argument("version", nargs="?", type=int, help="default: the latest")
    pdf.add_argument("--format", choices=("pdf", "html"), default="pdf")
    pdf.add_argument("--out", type=Path, required=True)
    pdf.set_defaults(action=lambda args: _pdf(args, app_factory))

    convert = verbs.add_parser("convert", help="make the order of the sent version (once)")
    convert.add_argument("number")
    convert.add_argument("--version", type=int, help="default: the latest sent")
    convert.add_argument("--payment", choices=PAYMENT_METHODS)
    convert.add_argument("--po", metavar="NUMBER", help="purchase order number")
    convert.add_argument("--shipping", metavar="METHOD")
    convert.set_defaults(action=lambda args: _convert(args, app_factory))

    link = verbs.add_parser("link", help="a signed self-service link for the customer")
    link.add_argument("number")
    link.add_argument("--version", type=int, help="default: the latest sent")
    link.add_argument("--days", type=int, help="default: until the quote expires")
    link.set_defaults(action=lambda args: _link(args, app_factory))


def _rfq_parsers(commands_parser, app_factory) -> None:
    rfqs = commands_parser.add_parser("rfqs", help="requests for quotation")
    verbs = rfqs.add_subparsers(dest="rfqs", required=True)
    listing = verbs.add_parser("list", help="requests, newest first")
    listing.add_argument("--status", choices=RFQ_STATUSES)
    listing.add_argument("--after", metavar="NUMBER")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _rfq_list(args, app_factory))
    show = verbs.add_parser("show", help="one request with its history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _rfq_show(args, app_factory))
    quote = verbs.add_parser("quote", help="turn a request into a quote")
    quote.add_argument("number")
    quote.set_defaults(action=lambda args: _rfq_quote(args, app_factory))
    decline = verbs.add_parser("decline", help="decline a request")
    decline.add_argument("number")
    decline.set_defaults(action=lambda args: _rfq_decline(args, app_factory))


# Quotes


def _add(args, app_factory) -> int:
    lead = None
    if args.lead:
        lead = commands.NewLead(args.lead, args.email, args.phone, args.contact)
    elif args.email or args.phone or args.contact:
        raise CliUsageError("--email, --phone and --contact describe a new --lead")
    command = commands.CreateQuote(
        customer_code=args.customer,
        lead=lead,
        kind=args.kind,
        currency=args.currency,
        notes=args.notes,
        valid_until=_day("--valid-until", args.valid_until),
        margin_percent=_amount("--margin", args.margin),
        discount_percent=_amount("--discount", args.discount),
        shipping_method=args.shipping,
        lines=tuple(_line_option(text, args.reason) for text in args.line),
    )
    app = app_factory()
    number = app.bus.execute(command, _actor())
    print(f"quote {number} added")
    return 0


def _list(args, app_factory) -> int:
    from core.storage.quote_queries import list_quotes

    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    quotes = list_quotes(
        app_factory().engine,
        status=args.status,
        customer=args.customer,
        text=args.text,
        after=args.after,
        limit=args.limit,
    )
    if args.json:
        print(json.dumps(quotes, indent=2))
        return 0
    print(f"{'NUMBER':<9} {'STATUS':<10} {'CUSTOMER':<16} {'VER':>3} {'VALID UNTIL':<11} TOTAL")
    for q in quotes:
        total = f"{q['total'] or ''} {q['currency']}"
        print(
            f"{q['number']:<9} {q['status']:<10} {q['customer'][:16]:<16} {q['version'] or '':>3}"
            f" {q['valid_until'] or '':<11} {total}"
        )
    return 0


def _show(args, app_factory) -> int:
    from core.storage.quote_queries import quote_detail

    detail = quote_detail(app_factory().engine, args.number)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    customer = detail["customer"]
    print(f"quote {detail['number']}  {detail['status']}  valid until {detail['valid_until']}")
    print(f"customer {customer['code']}  {customer['name']}  {customer['email'] or ''}")
    for version in detail["versions"]:
        sent = f"sent {version['sent_at']} to {version['sent_to']}" if version["sent_at"] else ""
        print(
            f"version {version['version_number']} ({version['kind']}, {version['status']})"
            f"  total {version['total']} {detail['currency']}  {sent}"
        )
        for line in version["lines"]:
            if line["status"] != "open":
                continue
            override = f"  (by hand: {line['override_reason']})" if line["override_reason"] else ""
            price = line["unit_price"] or "no price"
            print(
                f"  {line['line_number']:>3} {line['sku']:<20} {line['quantity']:>8}"
                f" {line['uom']:<4} {price:>10}{override}"
            )
    for order in detail["orders"]:
        print(f"order {order['number']} from version {order['version']} ({order['status']})")
    print("history:")
    for entry in detail["history"]:
        who = f"{entry['actor_kind']}:{entry['actor']}"
        fields = ", ".join(sorted(entry["changes"]))
        print(f"  {entry['at']}  {entry['action']:<7} {entry['entity']:<14} {who}  {fields}")
    return 0


def _change(args, app_factory) -> int:
    if args.notes is None and args.valid_until is None and args.step is None:
        raise CliUsageError("nothing to change: give --notes, --valid-until or --action")
    command = commands.ChangeQuote(
        args.number,
        notes=args.notes,
        valid_until=_day("--valid-until", args.valid_until),
        action=args.step,
    )
    status = app_factory().bus.execute(command, _actor())
    print(f"quote {args.number} changed; it is {status}")
    return 0


def _version(args, app_factory) -> int:
    if args.version is None:
        if args.pricing or args.percent or args.shipping is not None or args.notes:
            raise CliUsageError("--pricing, --percent, --shipping and --notes change a VERSION")
        command = commands.AddQuoteVersion(
            args.number, kind=args.kind, copy_from=args.copy_from, empty=args.empty
        )
        version = app_factory().bus.execute(command, _actor())
        print(f"quote {args.number} version {version} added")
        return 0
    if args.copy_from or args.empty:
        raise CliUsageError("--copy-from and --empty make a new version: leave out VERSION")
    command = commands.ChangeQuoteVersion(
        args.number,
        args.version,
        kind=args.kind,
        pricing=args.pricing,
        percent=_amount("--percent", args.percent),
        shipping_method=args.shipping,
        notes=args.notes,
    )
    app_factory().bus.execute(command, _actor())
    print(f"quote {args.number} version {args.version} changed")
    return 0


def _add_line(args, app_factory) -> int:
    line = commands.PricedLineInput(
        args.sku, _amount("quantity", args.quantity), _amount("--price", args.price), args.reason
    )
    command = commands.AddQuoteLines(args.number, args.version, (line,))
    (number,) = app_factory().bus.execute(command, _actor())
    print(f"line {number} added to quote {args.number} version {args.version}")
    return 0


def _change_line(args, app_factory) -> int:
    command = commands.ChangeQuoteLine(
        args.number,
        args.version,
        args.line,
        quantity=_amount("--quantity", args.quantity),
        unit_price=_amount("--price", args.price),
        reason=args.reason,
        remove=args.remove,
    )
    app_factory().bus.execute(command, _actor())
    done = "removed" if args.remove else "changed"
    print(f"line {args.line} of quote {args.number} version {args.version} {done}")
    return 0


def _send(args, app_factory) -> int:
    from hub.api.quote_routes import send_version

    document, sent_to, _ = send_version(
        app_factory(), _actor(), args.number, args.version, args.to, None
    )
    version = document.version.version_number
    print(f"quote {args.number} version {version} sent to {sent_to}")
    return 0


def _pdf(args, app_factory) -> int:
    from core.storage.quote_queries import quote_detail, version_pdf
    from hub.api.quote_routes import print_version

    app = app_factory()
    version = args.version
    if version is None:
        version = quote_detail(app.engine, args.number)["versions"][-1]["version_number"]
    kept = version_pdf(app.engine, args.number, version) if args.format == "pdf" else None
    content = kept[0] if kept else print_version(app, args.number, version, None, args.format)[1]
    args.out.write_bytes(content)
    state = "as sent" if kept else "printed now"
    print(f"quote {args.number} version {version} ({state}) written to {args.out}")
    return 0


def _convert(args, app_factory) -> int:
    command = commands.ConvertQuote(
        args.number,
        version=args.version,
        payment_method=args.payment,
        po_number=args.po,
        shipping_method=args.shipping,
    )
    converted = app_factory().bus.execute(command, _actor())
    made = "made" if converted.created else "was made already"
    print(f"order {converted.order_number} {made} from quote {args.number}")
    return 0


def _link(args, app_factory) -> int:
    from hub.api.quote_routes import link_for

    if args.days is not None and not 1 <= args.days <= 366:
        raise CliUsageError("--days must be from 1 to 366")
    link = link_for(app_factory(), args.number, args.version, args.days, None)
    print(link["url"])
    print(f"version {link['version']}, valid until {link['expires_at']}")
    return 0


# Requests for quotation


def _rfq_list(args, app_factory) -> int:
    from core.storage.quote_queries import list_rfqs

    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    found = list_rfqs(app_factory().engine, status=args.status, after=args.after, limit=args.limit)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"{'NUMBER':<10} {'STATUS':<9} {'SOURCE':<6} {'EMAIL':<32} {'QUOTE':<9} COMPANY")
    for r in found:
        print(
            f"{r['number']:<10} {r['status']:<9} {r['source']:<6} {r['email'][:32]:<32}"
            f" {r['quote'] or '':<9} {r['company'] or ''}"
        )
    return 0


def _rfq_show(args, app_factory) -> int:
    from core.storage.quote_queries import rfq_detail

    detail = rfq_detail(app_factory().engine, args.number)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    for key in RFQ_FIELDS:
        print(f"{key:<13} {detail[key] if detail[key] is not None else ''}")
    if detail["message"]:
        print(f"message:\n  {detail['message']}")
    for line in detail["lines"]:
        print(f"  {line['quantity']:>8} x {line['part'] or ''}  {line['description'] or ''}")
    return 0


def _rfq_quote(args, app_factory) -> int:
    number = app_factory().bus.execute(commands.QuoteRfq(args.number), _actor())
    print(f"quote {number} made from request {args.number}")
    return 0


def _rfq_decline(args, app_factory) -> int:
    app_factory().bus.execute(commands.DeclineRfq(args.number), _actor())
    print(f"request {args.number} declined")
    return 0


# Option values


def _line_option(text: str, reason: str | None) -> commands.PricedLineInput:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0]:
        raise CliUsageError(f"--line {text!r}: expected SKU:QUANTITY or SKU:QUANTITY:PRICE")
    price = _amount("--line price", parts[2]) if len(parts) == 3 else None
    return commands.PricedLineInput(parts[0], _amount("--line quantity", parts[1]), price, reason)


def _amount(option: str, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise CliUsageError(f"{option} {value!r}: expected a number such as 12.50")
    return amount


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliUsageError(f"{option} {value!r}: expected a date, YYYY-MM-DD") from None


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
