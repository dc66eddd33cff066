"""Feeding a document through the pipeline from the CLI or the demo."""

from __future__ import annotations

import getpass

from sqlalchemy import select

from core import commands
from core.model.orders import Order
from core.ports import Actor
from hub.bootstrap import App, channel_redactors
from hub.delivery import InProcessDelivery


def ingest_bytes(app: App, channel: str, partner: str | None, raw: bytes) -> dict:
    actor = Actor("staff", getpass.getuser())
    raw = channel_redactors().get(channel, bytes)(raw)
    document_id = app.bus.execute(commands.ReceiveDocument(channel, partner, raw), actor)
    if not app.config.embedded:
        return {"document_id": document_id, "state": "received", "queued": True}
    InProcessDelivery(app.bus, app.engine, app.config).drain()
    with app.uow_factory() as uow:
        document = uow.documents.get(document_id)
        numbers = uow.scalars(
            select(Order.number).where(Order.inbound_document_id == document_id)
        ).all()
        return {
            "document_id": document_id,
            "state": document.state,
            "error": document.error,
            "orders": list(numbers),
        }
