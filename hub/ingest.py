"""Feeding a document through the pipeline from the CLI or the demo."""

from __future__ import annotations

import getpass

from sqlalchemy import select

from core import commands
from core.errors import DocumentError
from core.model.orders import Order
from core.ports import Actor
from hub.bootstrap import App, channel_redactors
from hub.delivery import InProcessDelivery
from hub.intake import KEPT_WHEN_TOO_LARGE
from hub.partners import PartnerDirectory


def registered_partner(app: App, channel: str, raw: bytes) -> str | None:
    """The registry's code for the partner a document names (as the HTTP edge finds
    it), so a file ingested by hand lands on the same partner as one posted."""
    directory = PartnerDirectory(app.uow_factory)
    if channel == "cxml":
        from adapters.cxml.parse import read_envelope
        from adapters.xml import parse_xml

        envelope = read_envelope(parse_xml(raw))
        partner = directory.find("cxml", envelope.sender_domain, envelope.sender_identity)
        partner = partner or directory.find("cxml", envelope.from_domain, envelope.from_identity)
        return partner.code if partner else None
    return None


def ingest_interchange(app: App, raw: bytes) -> tuple[dict, bytes]:
    """An X12 file through the same door as one posted: kept with its 997."""
    from hub.x12_intake import X12Intake

    intake = X12Intake(
        app.bus, app.uow_factory, PartnerDirectory(app.uow_factory), app.config.max_document_bytes
    )
    answer = intake.receive(raw, actor=Actor("staff", getpass.getuser()))
    if answer.code != 200:
        raise DocumentError(f"interchange refused ({answer.code}): {answer.message}")
    result = _outcome(app, answer.document_id)
    result["acknowledgement"] = answer.message
    return result, answer.acknowledgement


def ingest_bytes(app: App, channel: str, partner: str | None, raw: bytes) -> dict:
    actor = Actor("staff", getpass.getuser())
    raw = channel_redactors().get(channel, bytes)(raw)
    document_id = app.bus.execute(commands.ReceiveDocument(channel, partner, raw), actor)
    return _outcome(app, document_id)


def _outcome(app: App, document_id: int) -> dict:
    """What became of a kept document: processed at once on the embedded default."""
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


def keep_polled(app: App):
    """What a poller does with each page it fetched: keep it as the partner's document."""

    limit = app.config.max_document_bytes

    def keep(channel: str, partner: str, raw: bytes) -> int:
        raw = channel_redactors().get(channel, bytes)(raw)
        command = commands.ReceiveDocument(channel, partner, raw)
        if len(raw) > limit:
            error = f"document is larger than {limit} bytes"
            command = commands.RejectDocument(
                channel, partner, raw[:KEPT_WHEN_TOO_LARGE], 413, error
            )
        return app.bus.execute(command, Actor("partner", partner))

    return keep
