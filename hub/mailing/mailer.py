"""Mail that events call for: order confirmations, quotes sent, shipment notices,
purchase orders and PO comments for suppliers. Each message is queued in the same
transaction that marks the event handled, so it is sent exactly once."""

from __future__ import annotations

import logging

from sqlalchemy import select

from core import events, ports
from core.handlers.mail import queue_mail
from core.storage import quote_queries, tables
from core.storage import settings as stored_settings
from core.storage.engine import reader
from hub.mailing import contexts
from hub.mailing.letters import Letter, Post
from mail.compose import Attachment

log = logging.getLogger("orderb2b.mail")
PDF = "application/pdf"
SHIPMENT_NOTICE = "mail.shipment_notice"  # the setting: email the buyer a shipment notice


class Mailer:
    name = "mailer"
    routing_keys = (
        "order.confirmation_requested",
        "quote.sent",
        "shipment.recorded",
        "po.email_requested",
        "po.commented",
    )

    def __init__(self, post: Post) -> None:
        self.post = post
        self.letters = {
            events.OrderConfirmationRequested: self._confirmation,
            events.QuoteSent: self._quote,
            events.ShipmentRecorded: self._shipment,
            events.PurchaseOrderEmailRequested: self._purchase_order,
            events.PurchaseOrderCommented: self._po_comment,
        }

    def handle(self, event: events.Event, uow: ports.UnitOfWork) -> None:
        engine = reader(uow, self.post.engine)
        letter = self.letters[type(event)](event, engine)
        if letter is None:
            return
        mail_id = queue_mail(self.post.command(letter, engine), uow)
        log.info(
            "mail queued",
            extra={"mail": mail_id, "kind": letter.kind, "document": letter.document_number},
        )

    def _confirmation(self, event: events.OrderConfirmationRequested, engine) -> Letter | None:
        if not event.asked_by_staff and not contexts.confirmation_wanted(
            engine, event.order_number
        ):
            return None
        order = contexts.order_context(engine, event.order_number)
        context = {"order": order, "contact_name": event.contact_name}
        return Letter("order_confirmation", "order", event.order_number, (event.email,), context)

    def _quote(self, event: events.QuoteSent, engine) -> Letter | None:
        if not event.recipient:
            return None
        quote = contexts.quote_context(engine, event.quote_number, event.version)
        kept = quote_queries.version_pdf(engine, event.quote_number, event.version)
        attachments = ()
        if kept is not None:
            name = f"{event.quote_number}-v{event.version}.pdf"
            attachments = (Attachment(name, PDF, kept[0]),)
        return Letter(
            "quote_sent",
            "quote",
            event.quote_number,
            (event.recipient,),
            {"quote": quote, "contact_name": quote["customer"].get("name")},
            attachments=attachments,
        )

    def _shipment(self, event: events.ShipmentRecorded, engine) -> Letter | None:
        if not stored_settings.current(engine, (SHIPMENT_NOTICE,))[SHIPMENT_NOTICE]:
            return None
        order = contexts.order_context(engine, event.order_number)
        if not order["buyer_email"]:
            return None
        shipment = contexts.shipment_context(engine, event.shipment_number)
        context = {"order": order, "shipment": shipment, "contact_name": order["buyer_name"]}
        return Letter(
            "shipment_notice", "order", event.order_number, (order["buyer_email"],), context
        )

    def _purchase_order(self, event: events.PurchaseOrderEmailRequested, engine) -> Letter:
        po = contexts.purchase_order_context(engine, event.po_number)
        supplier = contexts.supplier_context(engine, event.supplier_code)
        pdf = _po_pdf(engine, event.po_number)
        attachments = (Attachment(f"{event.po_number}.pdf", PDF, pdf),) if pdf else ()
        return Letter(
            "purchase_order",
            "purchase_order",
            event.po_number,
            (event.recipient,),
            {"po": po, "supplier": supplier},
            attachments=attachments,
        )

    def _po_comment(self, event: events.PurchaseOrderCommented, engine) -> Letter | None:
        if not event.send_to_supplier:
            return None
        po = contexts.purchase_order_context(engine, event.po_number)
        supplier = contexts.supplier_context(engine, po["supplier_code"])
        comment = next((c for c in po["comments"] if c["id"] == event.comment_id), None)
        if comment is None or not supplier.get("email"):
            log.warning("PO comment not mailed", extra={"po": event.po_number})
            return None
        context = {
            "po": po,
            "supplier": supplier,
            "comment": {"author": comment["author"], "body": comment["text"]},
        }
        return Letter(
            "po_comment", "purchase_order", event.po_number, (supplier["email"],), context
        )


def _po_pdf(engine, number: str) -> bytes | None:
    pos = tables.purchase_orders.c
    with engine.connect() as connection:
        return connection.execute(select(pos.pdf).where(pos.number == number)).scalar()
