"""Keeping inbound documents: accepted ones go on to the normaliser."""

from __future__ import annotations

from core import commands, events, ports
from core.model.documents import REJECTED, InboundDocument


def receive_document(command: commands.ReceiveDocument, uow: ports.UnitOfWork) -> int:
    return receive_documents(commands.ReceiveDocuments((command,)), uow)[0]


def reject_document(command: commands.RejectDocument, uow: ports.UnitOfWork) -> int:
    return receive_documents(commands.ReceiveDocuments((command,)), uow)[0]


def receive_documents(command: commands.ReceiveDocuments, uow: ports.UnitOfWork) -> list[int]:
    documents = [_document(c) for c in command.documents]
    uow.documents.add_many(documents)
    for document, received in zip(documents, command.documents, strict=True):
        uow.emit(_event(document, received))
    return [document.id for document in documents]


def _document(command) -> InboundDocument:
    rejected = isinstance(command, commands.RejectDocument)
    return InboundDocument(
        command.channel,
        command.partner,
        command.raw,
        content_type=command.content_type,
        remote_addr=command.remote_addr,
        state=REJECTED if rejected else "received",
        error=command.error if rejected else None,
    )


def _event(document: InboundDocument, command) -> events.Event:
    if isinstance(command, commands.RejectDocument):
        return events.DocumentRejected(
            document.id, document.channel, document.partner, command.code, command.error
        )
    return events.DocumentReceived(document.id, document.channel, document.partner)
