"""`orderb2b cxml|x12 confirm ORDER | ship-notice SHIPMENT | invoice INVOICE`: send
a buyer the confirmation of its order, a shipment's notice or an invoice (cXML
ConfirmationRequest, ShipNoticeRequest, InvoiceDetailRequest; X12 855, 856, 810).

The document is kept first, then posted once right away; if the buyer cannot
take it now, the running hub's sender retries with backoff.
"""

from __future__ import annotations

import getpass
from datetime import date
from decimal import Decimal, InvalidOperation

from core.canonical import CONFIRMATION_STATUSES, ConfirmationLine
from core.model.outbound import PENDING, SENT
from core.ports import Actor


class OutboundUsageError(Exception):
    """A bad option value; the CLI reports it in one line."""


def add_parsers(commands_parser, app_factory) -> None:
    for channel, text in (("cxml", "cXML documents to buyers"), ("x12", "X12 documents to buyers")):
        group = commands_parser.add_parser(channel, help=text).add_subparsers(
            dest=channel, required=True
        )
        confirm = group.add_parser("confirm", help="send the order confirmation for an order")
        confirm.add_argument("order")
        confirm.add_argument("--status", choices=CONFIRMATION_STATUSES, default="accept")
        confirm.add_argument(
            "--line",
            action="append",
            default=[],
            metavar="N:STATUS[:QTY[:YYYY-MM-DD]]",
            help="per-line status, e.g. 2:backorder:3:2026-12-15 (delivery date)",
        )
        confirm.add_argument("--comments")
        _no_send(confirm)
        confirm.set_defaults(action=lambda args, c=channel: _confirm(args, app_factory, c))
        notice = group.add_parser("ship-notice", help="send the ship notice of a shipment")
        notice.add_argument("shipment")
        _no_send(notice)
        notice.set_defaults(action=lambda args, c=channel: _ship_notice(args, app_factory, c))
        invoice = group.add_parser("invoice", help="send an invoice")
        invoice.add_argument("invoice")
        _no_send(invoice)
        invoice.set_defaults(action=lambda args, c=channel: _invoice(args, app_factory, c))


def _no_send(parser) -> None:
    parser.add_argument("--no-send", action="store_true", help="queue only; the hub sends it")


def _confirm(args, app_factory, channel: str) -> int:
    from hub.outbound.documents import confirm_order

    app = app_factory()
    actor = _actor()
    with app.uow_factory(actor) as uow:
        order = uow.orders.get(args.order)
        ordered = {line.line_number: line for line in order.lines} if order else {}
        uow.detach()
    overrides = dict(_line(value, ordered) for value in args.line)
    status = "detail" if overrides and args.status == "accept" else args.status
    document_id = confirm_order(
        app,
        args.order,
        actor,
        status=status,
        lines=overrides,
        comments=args.comments,
        channel=channel,
    )
    return _report(app, document_id, args.no_send, f"confirmation of {args.order}")


def _ship_notice(args, app_factory, channel: str) -> int:
    from hub.outbound.documents import send_ship_notice

    app = app_factory()
    document_id = send_ship_notice(app, args.shipment, _actor(), channel)
    return _report(app, document_id, args.no_send, f"ship notice of {args.shipment}")


def _invoice(args, app_factory, channel: str) -> int:
    from hub.outbound.documents import send_invoice

    app = app_factory()
    document_id = send_invoice(app, args.invoice, _actor(), channel)
    return _report(app, document_id, args.no_send, f"invoice {args.invoice}")


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")


def _report(app, document_id: int, queue_only: bool, what: str) -> int:
    from hub.outbound.sender import OutboundSender
    from hub.outbound.verdicts import INTERPRETERS

    if queue_only:
        print(f"{what} queued as outbound document {document_id}")
        return 0
    document = OutboundSender(app.uow_factory, INTERPRETERS).send_one(document_id)
    if document is None:
        with app.uow_factory() as uow:
            document = uow.outbound.get(document_id)
            uow.detach()
    if document.endpoint is None:
        raise OutboundUsageError(
            f"{what} kept as outbound document {document_id}: {document.error}"
        )
    if document.state == SENT:
        print(
            f"{what} sent to {document.endpoint}: {document.response_code} {document.response_text}"
        )
        return 0
    if document.state == PENDING:
        answer = f"the partner answered {document.error}" if document.attempts else "queued"
        print(f"{what} queued ({answer}); the hub sends it")
        return 0
    raise OutboundUsageError(f"{what} was refused: {document.error}")


def _line(value: str, ordered: dict) -> tuple[int, ConfirmationLine]:
    parts = value.split(":")
    try:
        number = int(parts[0])
        status = parts[1]
        line = ordered[number]
        quantity = Decimal(parts[2]) if len(parts) > 2 and parts[2] else line.quantity
        delivery = date.fromisoformat(parts[3]) if len(parts) > 3 else None
    except (ValueError, IndexError, InvalidOperation):
        raise OutboundUsageError(
            f"--line {value!r}: expected N:STATUS[:QTY[:YYYY-MM-DD]]"
        ) from None
    except KeyError:
        raise OutboundUsageError(f"--line {value!r}: the order has no line {parts[0]}") from None
    if status not in CONFIRMATION_STATUSES or quantity <= 0:
        raise OutboundUsageError(f"--line {value!r}: status or quantity is not usable")
    confirmed = ConfirmationLine(
        number,
        status,
        quantity,
        line.unit_of_measure,
        unit_price=line.unit_price,
        supplier_part_id=line.supplier_part_id,
        buyer_part_id=line.buyer_part_id,
        delivery_date=delivery,
    )
    return number, confirmed
