"""Handlers of returns (RMAs): open one on a shipped order, edit it, move it through
its statuses, archive it, and comment on it."""

from __future__ import annotations

from datetime import UTC, datetime

from core import commands, events, ports
from core.errors import NotFound
from core.model.mail import DocumentComment
from core.model.rmas import COUNTER, Rma, check_comment, format_number


def open_rma(command: commands.OpenRma, uow: ports.UnitOfWork) -> str:
    uow.rmas.lock_order(command.order_number)
    order = uow.orders.get(command.order_number)
    if order is None:
        raise NotFound(f"no order {command.order_number}")
    others = uow.rmas.for_order(order.id)
    number = format_number(uow.next_counter(COUNTER)[0])
    rma = Rma(
        number,
        order,
        command.lines,
        reason_code=command.reason_code,
        resolution=command.resolution,
        created_by=uow.actor.name,
        reason=command.reason,
        contact_email=command.contact_email,
        notes=command.notes,
        others=others,
    )
    uow.rmas.add(rma)
    uow.emit(events.RmaOpened(rma.number, order.number, uow.actor.name))
    return rma.number


def change_rma(command: commands.ChangeRma, uow: ports.UnitOfWork) -> list[str]:
    rma = _rma(uow, command.number, lock=bool(command.lines))
    others = uow.rmas.for_order(rma.order_id) if command.lines else ()
    return rma.change(command.values, command.lines, others)


def change_rma_status(command: commands.ChangeRmaStatus, uow: ports.UnitOfWork) -> tuple[str, str]:
    rma = _rma(uow, command.number, lock=True)
    previous, status = rma.change_status(
        command.action, reason=command.reason, received=command.received
    )
    uow.emit(events.RmaStatusChanged(rma.number, previous, status, uow.actor.name))
    return previous, status


def archive_rma(command: commands.ArchiveRma, uow: ports.UnitOfWork) -> bool:
    return _rma(uow, command.number).set_archived(command.archived)


def add_rma_comment(command: commands.AddRmaComment, uow: ports.UnitOfWork) -> int:
    body = check_comment(command.visibility, command.body)
    rma = _rma(uow, command.number)
    actor = uow.actor
    comment = DocumentComment("rma", rma.id, actor.kind, actor.name, body, None, datetime.now(UTC))
    comment.visibility = command.visibility
    uow.mail.add_comment(comment)
    uow.emit(events.RmaCommentAdded(rma.number, comment.id, comment.visibility, actor.name))
    return comment.id


def _rma(uow: ports.UnitOfWork, number: str, *, lock: bool = False) -> Rma:
    rma = uow.rmas.get(number, lock=lock)
    if rma is None:
        raise NotFound(f"no RMA {number}")
    return rma


HANDLERS = {
    commands.OpenRma: open_rma,
    commands.ChangeRma: change_rma,
    commands.ChangeRmaStatus: change_rma_status,
    commands.ArchiveRma: archive_rma,
    commands.AddRmaComment: add_rma_comment,
}
