"""`orderb2b mail inbound|show|file|outgoing|retry|send|invoice|texts`: received mail and
the triage list, mail sent or waiting, and staff email from documents, from the shell.

The shell acts for the operator (recorded as `cli:<login>`). `--as USERNAME` acts as
that staff member instead: they must be active, hold the permission the API asks for,
and see the document's customer. Standard texts are the settings `texts.NAME`.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from core.model.mail import (
    BOUNCED,
    CUSTOMER_DOCUMENT_KINDS,
    FAILED,
    INBOUND_STATES,
    PENDING,
    REFUSED,
    SENT,
)
from core.ports import Actor
from hub.cli_errors import CliUsageError

OUTGOING_STATES = (PENDING, SENT, FAILED, REFUSED, BOUNCED)
MAX_BODY = 100_000  # characters, as the API takes
MAX_SUBJECT = 998
SET_TEXT = 'orderb2b settings set texts.NAME "..."'


def add_parsers(commands_parser, app_factory) -> None:
    mail = commands_parser.add_parser("mail", help="email received and sent; staff email")
    verbs = mail.add_subparsers(dest="mail", required=True)
    _reading_parsers(verbs, app_factory)
    _acting_parsers(verbs, app_factory)
    _sending_parsers(verbs, app_factory)


def _list_options(parser, states: tuple[str, ...]) -> None:
    parser.add_argument("--state", help=f"one of {', '.join(states)}")
    parser.add_argument("--after", type=int, metavar="ID", help="continue after this message")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--json", action="store_true")


def _as_option(parser) -> None:
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="act as this staff member")


def _reading_parsers(verbs, app_factory) -> None:
    inbound = verbs.add_parser(
        "inbound", help="received messages, newest first; --state triage is the triage list"
    )
    _list_options(inbound, INBOUND_STATES)
    inbound.set_defaults(action=lambda args: _inbound(args, app_factory))

    show = verbs.add_parser("show", help="one received message with attachments and history")
    show.add_argument("id", type=int)
    shown = show.add_mutually_exclusive_group()
    shown.add_argument("--raw", action="store_true", help="the message's bytes as received")
    shown.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))

    outgoing = verbs.add_parser("outgoing", help="messages sent or waiting, newest first")
    _list_options(outgoing, OUTGOING_STATES)
    outgoing.set_defaults(action=lambda args: _outgoing(args, app_factory))

    texts = verbs.add_parser(
        "texts", help=f"the standard texts (settings texts.NAME; set one with {SET_TEXT})"
    )
    texts.add_argument("--json", action="store_true")
    texts.set_defaults(action=lambda args: _texts(args, app_factory))


def _acting_parsers(verbs, app_factory) -> None:
    filing = verbs.add_parser("file", help="put a message from the triage list on a document")
    filing.add_argument("id", type=int)
    filing.add_argument("kind", help=f"one of {', '.join(CUSTOMER_DOCUMENT_KINDS)}")
    filing.add_argument("number")
    _as_option(filing)
    filing.set_defaults(action=lambda args: _file(args, app_factory))

    retry = verbs.add_parser("retry", help="send a failed, refused or bounced message again")
    retry.add_argument("id", type=int)
    _as_option(retry)
    retry.set_defaults(action=lambda args: _retry(args, app_factory))


def _sending_parsers(verbs, app_factory) -> None:
    send = verbs.add_parser(
        "send", help="email about a document: queued, sent, and kept in its history"
    )
    send.add_argument("kind", help=f"one of {', '.join(CUSTOMER_DOCUMENT_KINDS)}")
    send.add_argument("number")
    send.add_argument("--to", action="append", default=[], metavar="ADDR", help="(repeat)")
    send.add_argument("--cc", action="append", default=[], metavar="ADDR", help="(repeat)")
    send.add_argument("--subject", help="default: the document's name and number")
    body = send.add_mutually_exclusive_group()
    body.add_argument("--body", metavar="TEXT", help="plain text; blank lines part paragraphs")
    body.add_argument("--body-file", type=Path, metavar="FILE", help="the text from a file")
    send.add_argument(
        "--text", metavar="NAME", help=f"add the standard text texts.NAME (set with {SET_TEXT})"
    )
    send.add_argument("--attach-pdf", action="store_true", help="attach the document's PDF")
    _as_option(send)
    send.set_defaults(action=lambda args: _send(args, app_factory))

    invoice = verbs.add_parser(
        "invoice", help="email an invoice's PDF to the buyer; the invoice counts as sent"
    )
    invoice.add_argument("number")
    invoice.add_argument(
        "--to", action="append", default=[], metavar="ADDR", help="default: the buyer (repeat)"
    )
    _as_option(invoice)
    invoice.set_defaults(action=lambda args: _invoice(args, app_factory))


def _inbound(args, app_factory) -> int:
    from core.storage.mail_queries import list_inbound

    found = list_inbound(app_factory().engine, **_listing(args, INBOUND_STATES))
    if args.json:
        return _print_json(found)
    print(
        f"{'ID':>6} {'RECEIVED':<19} {'STATE':<8} {'OUTCOME':<12} {'FROM':<30}"
        f" {'SUBJECT':<30} DOCUMENT"
    )
    for m in found:
        print(
            f"{m['id']:>6} {m['received_at'][:19]:<19} {m['state']:<8} {m['outcome'] or '-':<12}"
            f" {m['from_address'] or '-':<30} {_cut(m['subject'], 30):<30} {_document(m)}"
        )
    return 0


def _outgoing(args, app_factory) -> int:
    from core.storage.mail_queries import list_outgoing

    found = list_outgoing(app_factory().engine, **_listing(args, OUTGOING_STATES))
    if args.json:
        return _print_json(found)
    print(
        f"{'ID':>6} {'CREATED':<19} {'STATE':<8} {'TRIES':>5} {'TO':<30} {'SUBJECT':<30} DOCUMENT"
    )
    for m in found:
        print(
            f"{m['id']:>6} {m['created_at'][:19]:<19} {m['state']:<8} {m['attempts']:>5}"
            f" {', '.join(m['recipients']):<30} {_cut(m['subject'], 30):<30}"
            f" {_document(m)}"
        )
    return 0


def _listing(args, states: tuple[str, ...]) -> dict:
    if args.state is not None and args.state not in states:
        raise CliUsageError(f"--state {args.state!r}: expected one of {', '.join(states)}")
    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    return {"state": args.state, "after": args.after, "limit": args.limit}


def _show(args, app_factory) -> int:
    from core.storage import mail_queries

    engine = app_factory().engine
    if args.raw:
        raw = mail_queries.inbound_raw(engine, args.id)
        sys.stdout.flush()
        sys.stdout.buffer.write(raw)
        sys.stdout.buffer.flush()
        return 0
    detail = mail_queries.inbound_detail(engine, args.id)
    if args.json:
        return _print_json(detail)
    print(f"Received message {detail['id']}  [{detail['state']}]  {detail['outcome'] or ''}")
    print(f"  {detail['door']} at {detail['received_at']}, {detail['size']} bytes")
    for label, name in (
        ("from", "from_address"),
        ("subject", "subject"),
        ("message-id", "message_id"),
        ("rule", "rule"),
        ("evidence", "evidence"),
        ("note", "note"),
    ):
        if detail[name]:
            print(f"  {label}: {detail[name]}")
    print(f"  document: {_document(detail)}")
    if detail["attachments"]:
        print("  attachments:")
    for about in detail["attachments"]:
        print(f"    {about['filename']} ({about['content_type']}, {about['size']} bytes)")
    print("  history:")
    for entry in detail["history"]:
        who, fields = f"{entry['actor_kind']}:{entry['actor']}", ", ".join(entry["changes"])
        print(f"    {entry['at'][:19]}  {entry['action']:<7} {who}  {fields}")
    return 0


def _texts(args, app_factory) -> int:
    from core.storage.mail_queries import standard_texts

    texts = standard_texts(app_factory().engine)
    if args.json:
        return _print_json(texts)
    if not texts:
        print(f"no standard texts; set one with: {SET_TEXT}")
    for name, text in sorted(texts.items()):
        print(f"{name:<24} {_cut(' '.join(text.split()), 60)}")
    return 0


def _file(args, app_factory) -> int:
    from hub.mailing import desk

    _kind(args.kind)
    app = app_factory()
    actor = _acting(app, args.as_user, _edit_permission(args.kind), args.kind, args.number)
    filed = desk.file_mail(app, actor, args.id, args.kind, args.number)
    print(f"message {filed['id']} filed on {_document(filed)} as a comment ({filed['state']})")
    return 0


def _retry(args, app_factory) -> int:
    from hub.mailing import desk

    app = app_factory()
    actor = _acting(app, args.as_user, "orders.edit")
    return _queued(desk.retry_mail(app, actor, args.id))


def _send(args, app_factory) -> int:
    from hub.mailing import desk

    _kind(args.kind)
    if args.subject is not None and len(args.subject) > MAX_SUBJECT:
        raise CliUsageError(f"--subject is longer than {MAX_SUBJECT} characters")
    body = _body_file(args.body_file) if args.body_file else args.body
    if body is not None and len(body) > MAX_BODY:
        raise CliUsageError(f"the body is longer than {MAX_BODY} characters")
    app = app_factory()
    actor = _acting(app, args.as_user, _edit_permission(args.kind), args.kind, args.number)
    sent = desk.email_document(
        app,
        actor,
        args.kind,
        args.number,
        to=args.to,
        cc=args.cc,
        subject=args.subject,
        body=body,
        standard_text=args.text,
        attach_pdf=args.attach_pdf,
    )
    return _queued(sent)


def _invoice(args, app_factory) -> int:
    from hub.mailing import desk

    app = app_factory()
    actor = _acting(app, args.as_user, "invoices.manage", "invoice", args.number)
    return _queued(desk.email_invoice(app, actor, args.number, args.to))


def _queued(mail: dict) -> int:
    print(f"message {mail['id']} <{mail['message_id']}> {mail['state']}")
    return 0


def _body_file(path: Path) -> str:
    """The text of --body-file ("-" is stdin), read no further than the limit."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_BODY * 4 + 1)
    else:
        with path.open("rb") as file:
            data = file.read(MAX_BODY * 4 + 1)
    if len(data) > MAX_BODY * 4:
        raise CliUsageError(f"{path}: longer than {MAX_BODY} characters")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CliUsageError(f"{path}: not UTF-8 text") from None


def _kind(kind: str) -> None:
    if kind not in CUSTOMER_DOCUMENT_KINDS:
        raise CliUsageError(f"kind {kind!r}: expected one of {', '.join(CUSTOMER_DOCUMENT_KINDS)}")


def _edit_permission(kind: str) -> str:
    from hub.api.mail_routes import EDIT_PERMISSION

    return EDIT_PERMISSION[kind]


def _acting(
    app, username: str | None, permission: str, kind: str | None = None, number: str = ""
) -> Actor:
    """The operator, or the staff member named by --as when they may do this."""
    if username is None:
        return Actor("staff", f"cli:{getpass.getuser()}")
    from core.storage.scope import groups_of_username
    from core.storage.staff_queries import staff_detail
    from hub.mailing import desk

    staff = staff_detail(app.engine, username)
    if not staff["active"]:
        raise CliUsageError(f"staff member {username} is disabled")
    if not (staff["is_admin"] or permission in staff["permissions"]):
        raise CliUsageError(f"staff member {username} may not do this: it needs {permission}")
    if kind is not None:
        with app.engine.connect() as connection:
            groups = groups_of_username(connection, username)
        desk.check_scope(app, kind, number, groups)
    return Actor("staff", username)


def _document(row: dict) -> str:
    if not row.get("document_kind"):
        return "-"
    return f"{row['document_kind']} {row['document_number']}"


def _cut(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_json(value) -> int:
    print(json.dumps(value, indent=2, default=str))
    return 0
