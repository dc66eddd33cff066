"""The `orderb2b` command. Errors are one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.errors import OrderB2BError
from hub.cli_errors import CliUsageError
from hub.fulfilment_cli import FulfilmentUsageError
from hub.fulfilment_cli import add_parsers as add_fulfilment_parsers
from hub.order_edit_cli import add_parsers as add_order_edit_parsers
from hub.outbound_cli import OutboundUsageError
from hub.outbound_cli import add_parsers as add_outbound_parsers
from hub.partners_cli import PartnerUsageError
from hub.partners_cli import add_parsers as add_partner_parsers
from hub.quotes_cli import add_parsers as add_quote_parsers
from hub.settings_cli import add_parsers as add_settings_parsers
from hub.staff_cli import StaffUsageError
from hub.staff_cli import add_parsers as add_staff_parsers

CHANNELS = ("cxml", "mws", "spapi", "newegg", "x12")


class UsageError(Exception):
    """A bad argument or input: reported in one line, exit code 2."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.action(args) or 0
    except (
        UsageError,
        CliUsageError,
        PartnerUsageError,
        OutboundUsageError,
        FulfilmentUsageError,
        StaffUsageError,
        OrderB2BError,
        OSError,
    ) as error:
        print(f"orderb2b: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _one_line(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orderb2b", description="Order B2B integration hub")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the hub")
    run.add_argument(
        "--roles", default="http,worker,relay", help="comma list of http, worker, relay"
    )
    run.add_argument(
        "--worker-processes",
        type=int,
        help="run consumers in this many child processes (RabbitMQ only)",
    )
    run.set_defaults(action=_run)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(action=_db_upgrade)

    demo = commands.add_parser("demo", help="load demo data")
    demo.add_argument("--orders", type=int, default=0, help="also generate this many orders")
    demo.add_argument(
        "--customers", type=int, help="also generate this many customers (default: orders / 5)"
    )
    demo.add_argument(
        "--products", type=int, default=0, help="also generate this many catalogue products"
    )
    demo.set_defaults(action=_demo)

    for name, action, text in (
        ("parse", _parse, "print the canonical orders in a file as JSON"),
        ("ingest", _ingest, "feed a file through the whole pipeline"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--channel", required=True, choices=CHANNELS)
        sub.add_argument("--partner", help="trading partner code (default: from the document)")
        sub.add_argument("file", type=Path)
        sub.set_defaults(action=action)
        if name == "ingest":
            sub.add_argument("--ack-out", type=Path, help="X12: write the 997 to this file")

    _orders_parsers(commands)

    add_partner_parsers(commands, _app)
    add_outbound_parsers(commands, _app)
    add_fulfilment_parsers(commands, _app)
    add_staff_parsers(commands, _app)
    # customers and teams
    from hub.customers_cli import add_parsers as add_customer_parsers

    add_customer_parsers(commands, _app)
    # products and pricing
    from hub.catalog_cli import add_parsers as add_catalog_parsers

    add_catalog_parsers(commands, _app)
    # order editing
    add_order_edit_parsers(commands, _app)
    add_settings_parsers(commands, _app)
    # quotes and RFQs
    add_quote_parsers(commands, _app)
    # >>> invoices (issue 5)
    from hub.invoices_cli import add_parsers as add_invoice_parsers

    add_invoice_parsers(commands, _app)
    # <<< invoices
    # >>> purchasing and shipments from suppliers (issue 5)
    from hub.purchasing_cli import add_parsers as add_purchasing_parsers

    add_purchasing_parsers(commands, _app)
    # <<< purchasing
    # >>> payments (issue 5)
    from hub.payments_cli import add_parsers as add_payment_parsers

    add_payment_parsers(commands, _app)
    # <<< payments
    # >>> mail (issue 6)
    from hub.mail_cli import add_parsers as add_mail_parsers

    add_mail_parsers(commands, _app)
    # <<< mail
    # >>> returns, tasks and discussions (issue 6)
    from hub.discussions_cli import add_parsers as add_discussion_parsers
    from hub.rmas_cli import add_parsers as add_rma_parsers
    from hub.tasks_cli import add_parsers as add_task_parsers

    add_rma_parsers(commands, _app)
    add_task_parsers(commands, _app)
    add_discussion_parsers(commands, _app)
    # <<< returns, tasks and discussions

    queues = commands.add_parser("queues", help="queue depths and dead letters")
    queues.add_argument("--json", action="store_true")
    queues.set_defaults(action=_queues, replay=None)
    replay = queues.add_subparsers(dest="queues").add_parser("replay", help="replay a dead letter")
    replay.add_argument("id", type=int)
    replay.set_defaults(action=_queues_replay)
    return parser


def _app(migrate: bool = True, **overrides):
    from hub.bootstrap import bootstrap
    from hub.config import Config

    return bootstrap(Config.from_env(**overrides), migrate=migrate)


def _run(args) -> int:
    from hub.config import ROLES
    from hub.runner import run_hub

    roles = tuple(r.strip() for r in args.roles.split(",") if r.strip())
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise UsageError(f"unknown role(s): {', '.join(sorted(unknown)) or 'none given'}")
    if args.worker_processes is not None and args.worker_processes < 0:
        raise UsageError("--worker-processes must be 0 or more")
    return run_hub(roles, args.worker_processes)


def _db_upgrade(_args) -> int:
    from core.storage.migrate import current

    app = _app(migrate=True)
    print(f"database at revision {current(app.engine)}")
    return 0


def _demo(args) -> int:
    from hub.demo import load_demo, order_request
    from hub.ingest import ingest_bytes

    if args.orders < 0 or (args.customers or 0) < 0 or args.products < 0:
        raise UsageError("--orders, --customers and --products must be 0 or more")
    app = _app()
    password = load_demo(app.uow_factory)
    if password is None:
        print("demo data already loaded")
    else:
        login = app.config.data_dir / "demo-login.txt"
        login.parent.mkdir(parents=True, exist_ok=True)
        login.write_text(f"admin {password}\n")
        login.chmod(0o600)
        for n in range(1, 4):
            order = order_request(f"DEMO-{n:04d}", lines=n + 2)
            ingest_bytes(app, "cxml", "gsa-advantage", order)
        print(f"demo data loaded; staff login: admin / {password}")
    customers = args.orders // 5 if args.customers is None else args.customers
    if args.orders or customers:
        _demo_bulk(app, args.orders, customers, again=password is None)
    if args.products:
        from hub.demo_data import load_products

        print(f"{load_products(app, args.products)} products generated")
    return 0


def _demo_bulk(app, orders: int, customers: int, *, again: bool) -> None:
    from hub.demo_data import load_bulk

    result = load_bulk(app, orders, customers)
    more = "more " if again else ""
    print(
        f"{result.customers} {more}customers and {result.orders} {more}orders generated;"
        f" {result.total_orders} orders in all"
    )


def _read(path: Path) -> bytes:
    """A document file, refused beyond the same size limit every other door keeps."""
    from hub.config import Config

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    limit = Config.from_env().max_document_bytes
    with path.open("rb") as file:
        raw = file.read(limit + 1)
    if len(raw) > limit:
        raise UsageError(f"{path}: larger than the document size limit of {limit} bytes")
    return raw


def _parse(args) -> int:
    from hub.bootstrap import channel_parsers

    parser = channel_parsers().get(args.channel)
    if parser is None:
        raise UsageError(f"channel {args.channel} is not available yet")
    orders = parser(_read(args.file), args.partner)
    json.dump([order.to_dict() for order in orders], sys.stdout, indent=2)
    print()
    return 0


def _ingest(args) -> int:
    from hub.bootstrap import channel_parsers
    from hub.ingest import ingest_bytes, registered_partner

    raw = _read(args.file)
    if args.channel == "x12":
        return _ingest_interchange(args, raw)
    parser = channel_parsers().get(args.channel)
    if parser is None:
        raise UsageError(f"channel {args.channel} is not available yet")
    orders = parser(raw, args.partner)
    app = _app()
    partner = args.partner or registered_partner(app, args.channel, raw)
    partner = partner or (orders[0].partner if orders else None)
    if partner is None:
        raise UsageError(f"{args.file}: holds no orders; give --partner to keep it anyway")
    result = ingest_bytes(app, args.channel, partner, raw)
    print(json.dumps(result, indent=2))
    return 0


def _ingest_interchange(args, raw: bytes) -> int:
    from hub.ingest import ingest_interchange

    result, acknowledgement = ingest_interchange(_app(), raw)
    if args.ack_out:
        args.ack_out.write_bytes(acknowledgement)
        result["acknowledgement_file"] = str(args.ack_out)
    else:
        result["acknowledgement_997"] = acknowledgement.decode("ascii", "replace")
    print(json.dumps(result, indent=2))
    return 0


def _orders_parsers(commands) -> None:
    orders = commands.add_parser("orders", help="sales orders").add_subparsers(
        dest="orders", required=True
    )
    listing = orders.add_parser("list", help="list orders, newest first")
    listing.add_argument("--status")
    _order_filter_options(listing)
    listing.add_argument("--after", metavar="NUMBER", help="continue after this order")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=_orders_list)
    counts = orders.add_parser("counts", help="how many orders in each status")
    _order_filter_options(counts)
    counts.add_argument("--json", action="store_true")
    counts.set_defaults(action=_orders_counts)
    show = orders.add_parser("show", help="one order with its lines and history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=_orders_show)
    for action, text in ORDER_ACTIONS.items():
        step = orders.add_parser(action, help=text)
        step.add_argument("number")
        step.add_argument("--reason", help="why (needed to hold an order)")
        step.set_defaults(action=_orders_act, step=action)
    backorder = orders.add_parser("backorder", help="backorder part of an order line")
    backorder.add_argument("number")
    backorder.add_argument("line", type=int)
    backorder.add_argument("--quantity", required=True, help="how much; 0 clears the backorder")
    backorder.add_argument("--expected", metavar="YYYY-MM-DD", help="when it is expected")
    backorder.set_defaults(action=_orders_backorder)


ORDER_ACTIONS = {
    "start": "take a new order in hand (in progress)",
    "hold": "put an open order on hold",
    "release": "take a held order back to where it was",
    "close": "close a shipped or invoiced order",
    "cancel": "cancel an order nothing of which has shipped",
}


def _order_filter_options(parser) -> None:
    parser.add_argument("--channel", choices=CHANNELS)
    parser.add_argument("--partner", help="trading partner code")
    parser.add_argument("--since", metavar="DATE", help="received on or after (YYYY-MM-DD or ISO)")
    parser.add_argument("--until", metavar="DATE", help="received before; a date includes its day")
    parser.add_argument("--min-total", metavar="AMOUNT")
    parser.add_argument("--max-total", metavar="AMOUNT")
    parser.add_argument("--text", help="in number, external id, buyer organisation or name")


def _order_filters(args) -> dict:
    from core.storage.queries import ORDER_FILTERS, order_filters

    return order_filters({name: getattr(args, name) for name in ORDER_FILTERS})


def _staff_actor():
    import getpass

    from core.ports import Actor

    return Actor("staff", f"cli:{getpass.getuser()}")


def _orders_list(args) -> int:
    from core.storage.queries import list_orders

    filters = _order_filters(args)
    engine = _app().engine
    orders = list_orders(engine, status=args.status, limit=args.limit, after=args.after, **filters)
    if args.json:
        print(json.dumps(orders, indent=2))
        return 0
    print(f"{'NUMBER':<10} {'STATUS':<18} {'CHANNEL':<7} {'PARTNER':<16} {'EXTERNAL ID':<20} TOTAL")
    for o in orders:
        total = f"{o['total_amount'] or ''} {o['currency']}"
        print(
            f"{o['number']:<10} {o['status']:<18} {o['channel']:<7} {o['partner'][:16]:<16} "
            f"{o['external_order_id'][:20]:<20} {total}"
        )
    return 0


def _orders_counts(args) -> int:
    from core.storage.queries import order_counts

    counts = order_counts(_app().engine, **_order_filters(args))
    if args.json:
        print(json.dumps(counts, indent=2))
        return 0
    for status, count in counts.items():
        print(f"{status:<18} {count:>8}")
    print(f"{'total':<18} {sum(counts.values()):>8}")
    return 0


def _orders_act(args) -> int:
    from core.commands import ChangeOrderStatus

    command = ChangeOrderStatus(args.number, args.step, args.reason)
    old, new = _app().bus.execute(command, _staff_actor())
    print(f"order {args.number}: {old} -> {new}")
    return 0


def _orders_backorder(args) -> int:
    from datetime import date
    from decimal import Decimal, InvalidOperation

    from core.commands import BackorderLine

    try:
        quantity = Decimal(args.quantity)
    except InvalidOperation:
        raise UsageError(f"--quantity {args.quantity!r} is not a number") from None
    try:
        expected = date.fromisoformat(args.expected) if args.expected else None
    except ValueError:
        raise UsageError(f"--expected {args.expected!r} is not a date (YYYY-MM-DD)") from None
    command = BackorderLine(args.number, args.line, quantity, expected)
    old, new = _app().bus.execute(command, _staff_actor())
    print(f"order {args.number} line {args.line}: {quantity} backordered; {old} -> {new}")
    return 0


def _orders_show(args) -> int:
    from core.storage.queries import order_detail

    detail = order_detail(_app().engine, args.number, viewer=_staff_actor().name)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    from hub.text import order_text

    print(order_text(detail))
    return 0


def _queues(args) -> int:
    from hub.queues import queue_report, report_text

    report = queue_report(_app())
    print(json.dumps(report, indent=2) if args.json else report_text(report))
    return 0


def _queues_replay(args) -> int:
    from hub.queues import replay

    letter = replay(_app(), args.id)
    print(f"dead letter {letter.id} ({letter.routing_key} for {letter.processor}) replayed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
