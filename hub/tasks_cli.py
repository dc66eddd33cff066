"""`orderb2b tasks list|show|add|status|assign|edit`: tasks for staff from the shell.

The shell acts for the operator (recorded as `cli:<login>`) with an administrator's
rights: it may put tasks on any discussion and assign them. A task's document is
given as KIND:NUMBER, e.g. order:SO0000001, quote:Q000001, rma:RMA000001.
"""

from __future__ import annotations

import getpass
import json
from datetime import date

from core import commands
from core.model.tasks import DOCUMENT_KINDS, PRIORITIES, STATUSES
from core.ports import Actor
from hub.cli_errors import CliUsageError


def add_parsers(commands_parser, app_factory) -> None:
    """Adds the tasks commands."""
    tasks = commands_parser.add_parser("tasks", help="tasks for staff")
    verbs = tasks.add_subparsers(dest="tasks", required=True)
    _reading_parsers(verbs, app_factory)
    _writing_parsers(verbs, app_factory)


def _reading_parsers(verbs, app_factory) -> None:
    listing = verbs.add_parser("list", help="tasks, newest first")
    who = listing.add_mutually_exclusive_group()
    who.add_argument("--mine-as", metavar="USER", help="the tasks assigned to USER")
    who.add_argument("--assignee", metavar="USER")
    listing.add_argument("--created-by", metavar="USER")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--document", metavar="KIND:NUMBER")
    listing.add_argument("--open", action="store_true", help="open, in progress or waiting")
    listing.add_argument("--overdue", action="store_true", help="not finished and past due")
    listing.add_argument("--archived", action="store_true", help="the archived tasks instead")
    listing.add_argument("--after", metavar="NUMBER", help="continue after this task")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))

    show = verbs.add_parser("show", help="one task with its history")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))


def _writing_parsers(verbs, app_factory) -> None:
    add = verbs.add_parser("add", help="a new task; prints its number")
    add.add_argument("title")
    add.add_argument("--description")
    add.add_argument("--assignee", metavar="USER")
    add.add_argument("--due", metavar="YYYY-MM-DD")
    add.add_argument("--priority", choices=PRIORITIES, default="normal")
    add.add_argument("--on", metavar="KIND:NUMBER", help="the document the task is on")
    add.set_defaults(action=lambda args: _add(args, app_factory))

    status = verbs.add_parser("status", help="move a task to another status")
    status.add_argument("number")
    status.add_argument("status", choices=STATUSES)
    status.set_defaults(action=lambda args: _status(args, app_factory))

    assign = verbs.add_parser("assign", help="give a task to a staff member, or to nobody")
    assign.add_argument("number")
    who = assign.add_mutually_exclusive_group(required=True)
    who.add_argument("user", nargs="?")
    who.add_argument("--nobody", action="store_true")
    assign.set_defaults(action=lambda args: _assign(args, app_factory))

    edit = verbs.add_parser("edit", help="change a task's title, description, priority, due date")
    edit.add_argument("number")
    edit.add_argument("--title")
    edit.add_argument("--description", help='"" clears it')
    edit.add_argument("--priority", choices=PRIORITIES)
    due = edit.add_mutually_exclusive_group()
    due.add_argument("--due", metavar="YYYY-MM-DD")
    due.add_argument("--no-due", action="store_true", help="clear the due date")
    archive = edit.add_mutually_exclusive_group()
    archive.add_argument("--archive", action="store_true")
    archive.add_argument("--unarchive", action="store_true")
    edit.set_defaults(action=lambda args: _edit(args, app_factory))


def _list(args, app_factory) -> int:
    from core.storage.task_queries import list_tasks

    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    kind, number = _document(args.document, "--document") if args.document else (None, None)
    found = list_tasks(
        app_factory().engine,
        status=args.status,
        assignee=args.mine_as or args.assignee,
        created_by=args.created_by,
        document_kind=kind,
        document_number=number,
        open_only=args.open,
        overdue=args.overdue,
        archived=args.archived,
        after=args.after,
        limit=args.limit,
    )
    if args.json:
        return _print_json(found)
    print(
        f"{'NUMBER':<10} {'STATUS':<11} {'PRIO':<6} {'DUE':<10} {'ASSIGNEE':<16} {'ON':<22} TITLE"
    )
    for task in found:
        print(
            f"{task['number']:<10} {task['status']:<11} {task['priority']:<6}"
            f" {task['due_on'] or '-':<10} {task['assignee'] or '-':<16}"
            f" {_on(task['document']):<22} {task['title']}"
        )
    return 0


def _show(args, app_factory) -> int:
    from core.storage.task_queries import task_detail

    task = task_detail(app_factory().engine, args.number)
    if args.json:
        return _print_json(task)
    print(f"{task['number']}  [{task['status']}]  {task['title']}")
    for label, value in (
        ("priority", task["priority"]),
        ("assignee", task["assignee"] or "nobody"),
        ("created by", task["created_by"]),
        ("due on", task["due_on"]),
        ("completed at", task["completed_at"]),
        ("on", _on(task["document"])),
        ("archived", "yes" if task["archived"] else None),
    ):
        if value:
            print(f"  {label}: {value}")
    if task["description"]:
        print("  " + task["description"].replace("\n", "\n  "))
    print("  history:")
    for entry in task["history"]:
        who, fields = f"{entry['actor_kind']}:{entry['actor']}", ", ".join(entry["changes"])
        print(f"    {entry['at'][:19]}  {entry['action']:<7} {who}  {fields}")
    return 0


def _add(args, app_factory) -> int:
    kind, number = _document(args.on, "--on") if args.on else (None, None)
    command = commands.AddTask(
        args.title,
        description=args.description,
        priority=args.priority,
        assignee=args.assignee,
        due_on=_date(args.due, "--due"),
        document_kind=kind,
        document_number=number,
        actor_is_admin=True,
    )
    print(app_factory().bus.execute(command, _actor()))
    return 0


def _status(args, app_factory) -> int:
    command = commands.ChangeTaskStatus(args.number, args.status)
    previous = app_factory().bus.execute(command, _actor())
    print(f"{args.number}: {previous} -> {args.status}")
    return 0


def _assign(args, app_factory) -> int:
    command = commands.AssignTask(args.number, None if args.nobody else args.user, True)
    app_factory().bus.execute(command, _actor())
    print(f"{args.number}: assigned to {args.user or 'nobody'}")
    return 0


def _edit(args, app_factory) -> int:
    values = {n: getattr(args, n) for n in ("title", "priority") if getattr(args, n) is not None}
    if args.description is not None:
        values["description"] = args.description
    if args.due or args.no_due:
        values["due_on"] = _date(args.due, "--due")
    if args.archive or args.unarchive:
        values["archived"] = args.archive
    if not values:
        raise CliUsageError("nothing to change: give --title, --description, --priority, --due")
    changed = app_factory().bus.execute(commands.EditTask(args.number, values), _actor())
    print(", ".join(changed) if changed else "nothing changed")
    return 0


def _document(text: str, option: str) -> tuple[str, str]:
    kind, sep, number = text.partition(":")
    if not sep or not number or kind not in DOCUMENT_KINDS:
        kinds = ", ".join(DOCUMENT_KINDS)
        raise CliUsageError(f"{option} {text!r}: expected KIND:NUMBER, KIND one of {kinds}")
    return kind, number


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliUsageError(f"{option} {text!r}: expected a date, YYYY-MM-DD") from None


def _on(document: dict | None) -> str:
    return f"{document['kind']} {document['number']}" if document else "-"


def _print_json(value) -> int:
    print(json.dumps(value, indent=2, default=str))
    return 0


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
