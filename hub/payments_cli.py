"""`orderb2b payments list|show|take|capture|void|refund|gateways` and `orderb2b
invoices overdue|owed`.

The shell acts for the operator (recorded as `cli:<login>`) and sees every customer.
Amounts are given as text (125.00). A payment the gateway declines or that gets no
usable answer stays recorded (declined, failed, or as it was for a capture, void or
refund); the command then says so in one line and exits with 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import date
from decimal import Decimal, InvalidOperation

from core.errors import OrderB2BError
from core.model.payments import MANUAL_METHODS, STATES, TAKE_ACTIONS
from core.ports import Actor
from hub.cli_errors import CliUsageError


class PaymentNotTaken(OrderB2BError):
    """The gateway declined, or gave no usable answer; the attempt is recorded."""


def add_parsers(commands_parser, app_factory) -> None:
    _payment_parsers(commands_parser, app_factory)
    _invoice_parsers(commands_parser, app_factory)


def _payment_parsers(commands_parser, app_factory) -> None:
    payments = commands_parser.add_parser("payments", help="payments of invoices")
    verbs = payments.add_subparsers(dest="payments", required=True)

    listing = verbs.add_parser("list", help="payments, newest first")
    listing.add_argument("--state", choices=STATES)
    listing.add_argument("--gateway")
    listing.add_argument("--invoice", metavar="NUMBER")
    listing.add_argument("--since", metavar="DATE", help="recorded at or after (YYYY-MM-DD)")
    listing.add_argument("--until", metavar="DATE", help="recorded up to (YYYY-MM-DD, inclusive)")
    listing.add_argument("--after", metavar="NUMBER", help="continue after this payment")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))

    show = verbs.add_parser("show", help="one payment with its events and history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))

    take = verbs.add_parser("take", help="take a payment of an invoice, or record one received")
    take.add_argument("invoice")
    take.add_argument("--gateway", required=True, help="authorize_net, paypal, a plug-in, manual")
    take.add_argument("--action", dest="take_action", choices=TAKE_ACTIONS, default="sale")
    take.add_argument("--amount", help="default: all that is still open")
    take.add_argument("--token", help="the gateway's card token (never stored)")
    take.add_argument("--token-kind", choices=("opaque", "profile"))
    take.add_argument("--method", help=f"manual: one of {', '.join(MANUAL_METHODS)}")
    take.add_argument("--reference", help="manual: cheque number or wire reference")
    take.add_argument("--received-on", metavar="YYYY-MM-DD", help="manual: default today")
    take.set_defaults(action=lambda args: _take(args, app_factory))

    for verb, text in (
        ("capture", "capture an authorised payment"),
        ("void", "void an authorised payment"),
        ("refund", "refund all or part of a captured payment"),
    ):
        sub = verbs.add_parser(verb, help=text)
        sub.add_argument("number")
        if verb != "void":
            sub.add_argument("--amount", help="default: all that may be")
        sub.add_argument("--reason")
        sub.set_defaults(action=lambda args, verb=verb: _change(args, verb, app_factory))

    gateways = verbs.add_parser("gateways", help="the payment gateways configured")
    gateways.set_defaults(action=lambda args: _gateways())


def _invoice_parsers(commands_parser, app_factory) -> None:
    invoices = _subcommands(commands_parser, "invoices", "invoices")
    overdue = invoices.add_parser("overdue", help="invoices still owed after their due date")
    overdue.add_argument("--as-of", metavar="YYYY-MM-DD", help="default: today (UTC)")
    overdue.add_argument("--limit", type=int, default=500)
    overdue.add_argument("--json", action="store_true")
    overdue.set_defaults(action=lambda args: _overdue(args, app_factory))
    owed = invoices.add_parser("owed", help="what an invoice is owed, with its payments")
    owed.add_argument("number")
    owed.add_argument("--json", action="store_true")
    owed.set_defaults(action=lambda args: _owed(args, app_factory))


def _subcommands(commands_parser, name: str, text: str):
    """The subcommands of the command group `name`, made when no other module did."""
    parser = commands_parser.choices.get(name)
    if parser is None:
        return commands_parser.add_parser(name, help=text).add_subparsers(dest=name, required=True)
    # argparse keeps a group's subcommands as one action of its parser.
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _list(args, app_factory) -> int:
    from core.storage import payment_queries
    from hub.api.payment_routes import _bounds

    bounds = _bounds({"since": args.since, "until": args.until})
    found = payment_queries.list_payments(
        app_factory().engine,
        state=args.state,
        gateway=args.gateway,
        invoice=args.invoice,
        after=args.after,
        limit=args.limit,
        **bounds,
    )
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"{'NUMBER':<11} {'INVOICE':<11} {'STATE':<18} {'GATEWAY':<14} {'AMOUNT':>12}  CARD")
    for p in found:
        card = " ".join(x for x in (p["card_brand"], _masked(p["card_last4"])) if x)
        print(
            f"{p['number']:<11} {p['invoice_number']:<11} {p['state']:<18} {p['gateway']:<14}"
            f" {p['amount']:>12} {p['currency']}  {card}"
        )
    return 0


def _show(args, app_factory) -> int:
    from core.storage import payment_queries

    detail = payment_queries.payment_detail(app_factory().engine, args.number)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    print(f"Payment {detail['number']} of invoice {detail['invoice_number']}  [{detail['state']}]")
    print(f"  order {detail['order_number']}, customer {detail['customer'] or '-'}")
    print(f"  {detail['action']} {detail['amount']} {detail['currency']} via {detail['gateway']}"
          f" ({detail['method']})")  # fmt: skip
    print(f"  captured {detail['captured_amount']}, refunded {detail['refunded_amount']}")
    for name in ("transaction_id", "authorization_code", "reference", "approval_url"):
        if detail[name]:
            print(f"  {name.replace('_', ' ')}: {detail[name]}")
    if detail["card_last4"]:
        print(f"  card: {detail['card_brand'] or ''} {_masked(detail['card_last4'])}".rstrip())
    print("  events:")
    for event in detail["events"]:
        what = f"{event['action']} {event['outcome']}"
        states = f"{event['state_before'] or '-'} -> {event['state_after']}"
        amount = f" {event['amount']}" if event["amount"] else ""
        message = f"  {event['message']}" if event["message"] else ""
        print(f"    {event['at']}  {what:<18}{amount}  {states}  {event['actor']}{message}")
    return 0


def _take(args, app_factory) -> int:
    from hub.api.payment_routes import take

    app = app_factory()
    body = {
        "gateway": args.gateway,
        "action": args.take_action,
        "amount": _amount(args.amount),
        "token": args.token,
        "token_kind": args.token_kind,
        "method": args.method,
        "reference": args.reference,
        "received_on": _day("--received-on", args.received_on),
    }
    number, outcome = take(app, _actor(), args.invoice, body, None)
    _report(app, number, outcome)
    return 0


def _change(args, verb: str, app_factory) -> int:
    from hub.api.payment_routes import act

    app = app_factory()
    amount = _amount(getattr(args, "amount", None))
    outcome = act(app, _actor(), args.number, verb, amount, args.reason, None)
    _report(app, args.number, outcome)
    return 0


def _report(app, number: str, outcome) -> None:
    from core.storage import payment_queries

    detail = payment_queries.payment_detail(app.engine, number)
    money = f"{detail['amount']} {detail['currency']}"
    if outcome.outcome not in ("approved", "pending"):
        why = f": {outcome.message}" if outcome.message else ""
        raise PaymentNotTaken(f"payment {number} {outcome.outcome}{why} (state {outcome.state})")
    print(f"payment {number} {detail['state']}: {money} via {detail['gateway']}")
    if outcome.approval_url and detail["state"] == "pending":
        print(f"  the buyer approves it at {outcome.approval_url}")


def _gateways() -> int:
    from hub import payment_gateways

    configured = sorted(payment_gateways.gateways())
    print("\n".join([*configured, "manual"]))
    return 0


def _overdue(args, app_factory) -> int:
    from core.storage import payment_queries

    as_of = _day("--as-of", args.as_of)
    found = payment_queries.overdue_invoices(
        app_factory().engine, as_of=date.fromisoformat(as_of) if as_of else None, limit=args.limit
    )
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"{'INVOICE':<11} {'CUSTOMER':<12} {'DUE':<10} {'DAYS':>5} {'DUE AMOUNT':>14}")
    for i in found:
        print(
            f"{i['number']:<11} {(i['customer'] or '-')[:12]:<12} {i['due_date']:<10}"
            f" {i['overdue_days']:>5} {i['due']:>14} {i['currency']}"
        )
    return 0


def _owed(args, app_factory) -> int:
    from core.storage import payment_queries

    owed = payment_queries.invoice_payments(app_factory().engine, args.number)
    if args.json:
        print(json.dumps(owed, indent=2))
        return 0
    print(f"Invoice {owed['number']}: total {owed['total']} {owed['currency']}")
    for name in ("credited", "paid", "due", "open"):
        print(f"  {name:<9} {owed[name]:>12}")
    if owed["due_date"]:
        late = f" ({owed['overdue_days']} days overdue)" if owed["overdue_days"] else ""
        print(f"  due on {owed['due_date']}{late}")
    for p in owed["payments"]:
        print(f"  {p['number']}  {p['state']:<18} {p['amount']:>12}  {p['gateway']}")
    return 0


def _amount(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        Decimal(text.strip())
    except InvalidOperation:
        raise CliUsageError(f"--amount {text!r} is not a number") from None
    return text.strip()


def _day(option: str, text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise CliUsageError(f"{option} {text!r}: expected YYYY-MM-DD") from None


def _masked(last4: str | None) -> str:
    return f"XXXX{last4}" if last4 else ""


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
