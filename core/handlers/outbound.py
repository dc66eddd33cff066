"""Queueing documents for partners: kept first, delivered by the sender."""

from __future__ import annotations

from datetime import UTC, datetime

from core import commands, events, ports
from core.model.outbound import OutboundDocument


def queue_outbound(command: commands.QueueOutbound, uow: ports.UnitOfWork) -> int:
    document = OutboundDocument(
        command.partner,
        command.channel,
        command.kind,
        command.reference,
        command.document_key,
        command.content_type,
        command.raw,
        command.endpoint,
        datetime.now(UTC),
    )
    uow.outbound.add(document)
    uow.emit(events.OutboundQueued(document.id, command.partner, command.kind, command.reference))
    return document.id
