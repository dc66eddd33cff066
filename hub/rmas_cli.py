"""`orderb2b rmas list|show|open|edit|authorize|receive|close|reject|cancel|archive|
comment`: returns (RMAs) from the shell.

The shell acts for the operator (recorded as `cli:<login>`). `--line` names the
order's line number: LINE:QTY to open or edit, LINE:QTY[:CONDITION] to receive (a
line not named came back with nothing). Quantities are given as text (2.5).
"""

from __future__ import annotations

import getpass
import json
from decimal import Decimal, InvalidOperation

from core import commands
from core.model.rmas import CONDITIONS, REASON_CODES, RESOLUTIONS, STATUSES
from core.ports import Actor
from hub.cli_errors import CliUsageError

SIMPLE_ACTIONS = {
    "authorize": "authorise a requested RMA",
    "close": "close a received RMA",
    "reject": "reject a requested or authorised RMA",
    "cancel": "cancel a requested or authorised RMA",
}


def add_parsers(commands_parser, app_factory) -> None:
    """Adds the rmas commands."""
    rmas = commands_parser.add_parser("rmas", help="returns (RMAs)")
    verbs = rmas.add_subparsers(dest="rmas", required=True)
    _reading_parsers(verbs, app_factory)
    _writing_parsers(verbs, app_factory)
    _status_parsers(verbs, app_factory)


def _reading_parsers(verbs, app_factory) -> None:
    listing = verbs.add_parser("list", help="RMAs, newest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--order", metavar="NUMBER")
    listing.add_argument("--customer", metavar="CODE")
    listing.add_argument("--archived", action="store_true", help="archived ones too")
    listing.add_argument("--after", metavar="RMA", help="the page after this RMA")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))
    show = verbs.add_parser("show", help="one RMA with lines, comments, tasks and history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))


def _fields(parser, *, opening: bool) -> None:
    parser.add_argument("--reason-code", choices=REASON_CODES, required=opening)
    parser.add_argument("--reason", help='the reason in words (needed for "other")')
    parser.add_argument("--resolution", choices=RESOLUTIONS, required=opening)
    parser.add_argument("--email", help="the contact (default: the order's buyer)")
    parser.add_argument("--notes")


def _writing_parsers(verbs, app_factory) -> None:
    opening = verbs.add_parser("open", help="open a return on a shipped order")
    opening.add_argument("order")
    opening.add_argument(
        "--line", action="append", default=[], required=True, metavar="LINE:QTY", help="(repeat)"
    )
    _fields(opening, opening=True)
    opening.set_defaults(action=lambda args: _open(args, app_factory))
    edit = verbs.add_parser("edit", help="change a requested or authorised RMA")
    edit.add_argument("number")
    edit.add_argument("--line", action="append", default=[], metavar="LINE:QTY", help="(repeat)")
    _fields(edit, opening=False)
    edit.set_defaults(action=lambda args: _edit(args, app_factory))
    archive = verbs.add_parser("archive", help="archive an RMA (--undo brings it back)")
    archive.add_argument("number")
    archive.add_argument("--undo", action="store_true")
    archive.set_defaults(action=lambda args: _archive(args, app_factory))
    comment = verbs.add_parser("comment", help="a private comment (--public: all staff see it)")
    comment.add_argument("number")
    comment.add_argument("text")
    comment.add_argument("--public", action="store_true")
    comment.set_defaults(action=lambda args: _comment(args, app_factory))


def _status_parsers(verbs, app_factory) -> None:
    for action, text in SIMPLE_ACTIONS.items():
        parser = verbs.add_parser(action, help=text)
        parser.add_argument("number")
        parser.add_argument("--reason", help="why (kept in the notes and the history)")
        parser.set_defaults(action=lambda args, name=action: _status(args, name, app_factory))
    receive = verbs.add_parser("receive", help="record what came back of an authorised RMA")
    receive.add_argument("number")
    receive.add_argument(
        "--line",
        action="append",
        default=[],
        required=True,
        metavar="LINE:QTY[:CONDITION]",
        help=f"condition: {', '.join(CONDITIONS)} (repeat)",
    )
    receive.add_argument("--reason")
    receive.set_defaults(action=lambda args: _status(args, "receive", app_factory))


def _list(args, app_factory) -> int:
    from core.storage.rma_queries import list_rmas

    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    found = list_rmas(
        app_factory().engine,
        status=args.status,
        order=args.order,
        customer=args.customer,
        archived=args.archived,
        after=args.after,
        limit=args.limit,
    )
    if args.json:
        return _print_json(found)
    print(f"{'NUMBER':<10} {'STATUS':<10} {'ORDER':<10} {'REASON':<17} {'RESOLUTION':<11} QTY")
    for rma in found:
        print(
            f"{rma['number']:<10} {rma['status']:<10} {rma['order_number']:<10}"
            f" {rma['reason_code']:<17} {rma['resolution']:<11} {rma['quantity']}"
        )
    return 0


def _show(args, app_factory) -> int:
    from core.storage.rma_queries import rma_detail

    detail = rma_detail(app_factory().engine, args.number, viewer=_actor().name)
    if args.json:
        return _print_json(detail)
    archived = "  (archived)" if detail["archived"] else ""
    print(f"RMA {detail['number']}  [{detail['status']}]{archived}  order {detail['order_number']}")
    customer = detail["customer"]
    print(f"  customer: {customer['name'] if customer else '-'}")
    print(
        f"  reason: {detail['reason_code']}{' - ' + detail['reason'] if detail['reason'] else ''}"
    )
    print(f"  resolution: {detail['resolution']}  contact: {detail['contact_email'] or '-'}")
    if detail["notes"]:
        print(f"  notes: {detail['notes']}")
    print("  lines:")
    for line in detail["lines"]:
        received = f"received {line['received_quantity']} {line['condition'] or ''}".rstrip()
        print(
            f"    {line['line_number']:>3} order line {line['order_line_number']:<3}"
            f" {line['part_number']:<16} {line['quantity']} {line['unit_of_measure']}  {received}"
        )
    for comment in detail["comments"]:
        print(f"  comment {comment['id']} ({comment['visibility']}) {comment['author']}: ", end="")
        print(" ".join(comment["body"].split()))
    for task in detail["tasks"]:
        print(f"  task {task['number']} [{task['status']}] {task['title']}")
    print("  history:")
    for entry in detail["history"]:
        who, fields = f"{entry['actor_kind']}:{entry['actor']}", ", ".join(entry["changes"])
        print(f"    {entry['at'][:19]}  {entry['action']:<7} {entry['entity']:<16} {who}  {fields}")
    return 0


def _open(args, app_factory) -> int:
    command = commands.OpenRma(
        args.order,
        _quantities(args.line),
        reason_code=args.reason_code,
        resolution=args.resolution,
        reason=args.reason,
        contact_email=args.email,
        notes=args.notes,
    )
    print(app_factory().bus.execute(command, _actor()))
    return 0


def _edit(args, app_factory) -> int:
    values = {
        name: getattr(args, option)
        for name, option in (
            ("reason_code", "reason_code"),
            ("reason", "reason"),
            ("resolution", "resolution"),
            ("contact_email", "email"),
            ("notes", "notes"),
        )
        if getattr(args, option) is not None
    }
    lines = _quantities(args.line) if args.line else {}
    if not values and not lines:
        raise CliUsageError(
            "name something to change: --reason-code, --reason, --resolution,"
            " --email, --notes or --line"
        )
    changed = app_factory().bus.execute(commands.ChangeRma(args.number, values, lines), _actor())
    print(", ".join(changed) if changed else "nothing changed")
    return 0


def _status(args, action: str, app_factory) -> int:
    received = _received(args.line) if action == "receive" else None
    command = commands.ChangeRmaStatus(args.number, action, args.reason, received)
    previous, status = app_factory().bus.execute(command, _actor())
    print(f"{args.number} {previous} -> {status}")
    return 0


def _archive(args, app_factory) -> int:
    app_factory().bus.execute(commands.ArchiveRma(args.number, not args.undo), _actor())
    print(f"{args.number} {'brought back' if args.undo else 'archived'}")
    return 0


def _comment(args, app_factory) -> int:
    visibility = "public" if args.public else "private"
    command = commands.AddRmaComment(args.number, args.text, visibility)
    comment_id = app_factory().bus.execute(command, _actor())
    print(f"comment {comment_id} ({visibility}) on {args.number}")
    return 0


def _quantities(items: list[str]) -> dict[int, Decimal]:
    quantities = {}
    for item in items:
        parts = item.split(":")
        if len(parts) != 2:
            raise CliUsageError(f"--line {item!r}: expected LINE:QTY")
        number = _line_number(parts[0], item, quantities)
        quantities[number] = _quantity(parts[1], item)
    return quantities


def _received(items: list[str]) -> dict[int, tuple[Decimal, str | None]]:
    received = {}
    for item in items:
        parts = item.split(":")
        if len(parts) not in (2, 3):
            raise CliUsageError(f"--line {item!r}: expected LINE:QTY[:CONDITION]")
        condition = parts[2] if len(parts) == 3 else None
        if condition is not None and condition not in CONDITIONS:
            raise CliUsageError(f"--line {item!r}: condition is one of {', '.join(CONDITIONS)}")
        number = _line_number(parts[0], item, received)
        received[number] = (_quantity(parts[1], item), condition)
    return received


def _line_number(text: str, item: str, seen) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise CliUsageError(f"--line {item!r}: {text!r} is not an order line number")
    if int(text) in seen:
        raise CliUsageError(f"--line {item!r}: order line {int(text)} is named twice")
    return int(text)


def _quantity(text: str, item: str) -> Decimal:
    try:
        quantity = Decimal(text)
    except InvalidOperation:
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise CliUsageError(f"--line {item!r}: {text!r} is not a quantity")
    return quantity


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")


def _print_json(value) -> int:
    print(json.dumps(value, indent=2, default=str))
    return 0
