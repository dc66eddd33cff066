"""Keeping inbound documents: accepted ones go on to the normaliser."""

from __future__ import annotations

from core import commands, events, ports
from core.model.documents import REJECTED, InboundDocument


def receive_document(command: commands.ReceiveDocument, uow: ports.UnitOfWork) -> int:
    document = InboundDocument(
        command.channel,
        command.partner,
        command.raw,
        content_type=command.content_type,
        remote_addr=command.remote_addr,
    )
    uow.documents.add(document)
    uow.flush()
    uow.emit(events.DocumentReceived(document.id, command.channel, command.partner))
    return document.id


def reject_document(command: commands.RejectDocument, uow: ports.UnitOfWork) -> int:
    document = InboundDocument(
        command.channel,
        command.partner,
        command.raw,
        content_type=command.content_type,
        remote_addr=command.remote_addr,
        state=REJECTED,
        error=command.error,
    )
    uow.documents.add(document)
    uow.flush()
    uow.emit(
        events.DocumentRejected(
            document.id, command.channel, command.partner, command.code, command.error
        )
    )
    return document.id
