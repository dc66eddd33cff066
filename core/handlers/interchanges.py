"""Keeping X12 interchanges: the document, its control number and its 997 together."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from core import commands, events, ports
from core.model.documents import DUPLICATE, RECEIVED, REJECTED, InboundDocument
from core.model.outbound import OutboundDocument

ACK_CONTENT_TYPE = "application/edi-x12"


class InterchangeReceipt(NamedTuple):
    document_id: int
    acknowledgement: bytes
    duplicate: bool


def receive_interchange(
    command: commands.ReceiveInterchange, uow: ports.UnitOfWork
) -> InterchangeReceipt:
    key = (command.sender_qualifier, command.sender_id, command.control_number)
    earlier = uow.interchanges.find(*key)
    if earlier is not None:
        document = _document(command, DUPLICATE, "interchange received before")
        uow.documents.add_many([document])
        return InterchangeReceipt(document.id, earlier.acknowledgement, True)
    state = RECEIVED if command.accepted else REJECTED
    document = _document(command, state, None if command.accepted else command.error)
    uow.documents.add_many([document])
    acknowledgement_id = _queue_acknowledgement(command, uow) if command.acknowledgement else None
    uow.interchanges.add(*key, command.partner, document.id, acknowledgement_id)
    if command.accepted:
        uow.emit(events.DocumentReceived(document.id, "x12", command.partner))
    else:
        uow.emit(events.DocumentRejected(document.id, "x12", command.partner, 400, command.error))
    return InterchangeReceipt(document.id, command.acknowledgement, False)


def _document(command: commands.ReceiveInterchange, state: str, error: str | None):
    return InboundDocument(
        "x12",
        command.partner,
        command.raw,
        content_type=ACK_CONTENT_TYPE,
        remote_addr=command.remote_addr,
        state=state,
        error=error,
    )


def _queue_acknowledgement(command: commands.ReceiveInterchange, uow: ports.UnitOfWork) -> int:
    now = datetime.now(UTC)
    ack = OutboundDocument(
        command.partner,
        "x12",
        "functional_ack",
        command.control_number,
        command.acknowledgement_key,
        ACK_CONTENT_TYPE,
        command.acknowledgement,
        command.acknowledgement_endpoint,
        now,
    )
    if not command.acknowledgement_endpoint:
        ack.answered_in_exchange(now)
    uow.outbound.add(ack)
    uow.emit(
        events.OutboundQueued(ack.id, command.partner, "functional_ack", command.control_number)
    )
    return ack.id
