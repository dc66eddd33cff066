"""Reads each received message (kept raw before this runs) and decides what it is:
unreadable, a loop, a bounce of ours, an auto-reply or list mail (none of which
become comments or get answers), a supplier's shipment or confirmation, a reply on a
document (a comment, with its attachments; a staff member's reply on a task or a
discussion notice becomes their comment or message), or mail nobody can place (triage)."""

from __future__ import annotations

import functools
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from core import commands, events, ports
from core.errors import NotFound
from core.handlers.mail import route_mail
from core.model.mail import FILED, IGNORED, RECEIVED, REFUSED, ROUTED, TRIAGE
from core.storage import purchasing_queries, tables
from core.storage.engine import reader
from hub.mailing import staff_mail, supplier_mail
from hub.mailing.settings import MailSettings
from mail.inbound import (
    InboundMessage,
    Match,
    MessageRefused,
    bounce_details,
    classify,
    match_document,
    read_message,
    read_reply_address,
    sender_trust,
)

log = logging.getLogger("orderb2b.mail")
_out = tables.outgoing_mail.c
IGNORED_KINDS = ("loop", "list", "auto_reply")
STAFF_KINDS = ("task", "discussion")  # mailed to our own staff only


class MailRouter:
    name = "mail_router"
    routing_keys = ("mail.received",)

    def __init__(self, engine: Engine, settings: MailSettings, key: bytes) -> None:
        self.engine = engine
        self.settings = settings
        self.key = key

    def handle(self, event: events.MailReceived, uow: ports.UnitOfWork) -> None:
        mail = uow.mail.inbound(event.mail_id)
        if mail is None or mail.state != RECEIVED:
            return
        command = self.decide(mail.id, mail.raw, reader(uow, self.engine), mail.envelope_to)
        route_mail(command, uow)
        log.info(
            "mail routed",
            extra={
                "mail": mail.id,
                "outcome": command.outcome,
                "document": command.document_number,
                "rule": command.rule,
            },
        )

    def decide(self, mail_id: int, raw: bytes, engine, envelope_to=()) -> commands.RouteMail:
        try:
            message = read_message(raw)
        except MessageRefused as refused:
            return commands.RouteMail(mail_id, REFUSED, "unreadable", note=str(refused))
        seen = _described(message)
        kind = classify(
            message,
            our_domains=self.settings.our_domains,
            loop_marker=self.settings.loop_marker,
            is_person=functools.partial(staff_mail.is_staff_address, engine),
        )
        known = functools.partial(_known, engine)
        if kind == "bounce":
            return self._bounce(mail_id, message, seen, known)
        found = _by_envelope(envelope_to, self.key) or match_document(
            message, known_message_ids=known, key=self.key
        )
        document = {"document_kind": found.kind, "document_number": found.number} if found else {}
        if found:
            document.update(rule=found.rule, evidence=found.evidence)
        if kind in IGNORED_KINDS:
            return commands.RouteMail(mail_id, IGNORED, kind, **seen, **document)
        if found is None:
            return commands.RouteMail(mail_id, TRIAGE, "unmatched", **seen)
        return self._reply(mail_id, message, seen, document, engine)

    def file(self, mail_id: int, raw: bytes, kind: str, number: str) -> commands.RouteMail:
        """Staff put a message from the triage list on a document, as a comment."""
        message = read_message(raw)
        document = {"document_kind": kind, "document_number": number}
        return commands.RouteMail(
            mail_id,
            FILED,
            "comment",
            **_described(message),
            **document,
            rule="staff",
            comment=_comment_text(message),
            attachments=_attachments(message),
        )

    def _bounce(self, mail_id, message: InboundMessage, seen: dict, known) -> commands.RouteMail:
        report = bounce_details(message)
        ids = [report.original_message_id] if report and report.original_message_id else []
        ids += [i for i in (message.in_reply_to, *message.references) if i and i not in ids]
        ours = known(ids)
        reason = _bounce_reason(report)
        document = {"document_kind": ours[0], "document_number": ours[1]} if ours else {}
        return commands.RouteMail(
            mail_id, IGNORED, "bounce", **seen, **document, evidence=reason, bounced=tuple(ids)
        )

    def _reply(
        self, mail_id, message: InboundMessage, seen, document, engine
    ) -> commands.RouteMail:
        comment = {"comment": _comment_text(message), "attachments": _attachments(message)}
        if document["document_kind"] == "purchase_order":
            return self._from_supplier(mail_id, message, seen, document, comment, engine)
        if document["document_kind"] in STAFF_KINDS:
            return _from_staff(mail_id, message, seen, document, comment, engine)
        if sender_trust(message) == "spoofed":
            note = "the sender's domain failed authentication (spoofed?)"
            return commands.RouteMail(mail_id, TRIAGE, "unmatched", **seen, note=note)
        return commands.RouteMail(mail_id, ROUTED, "comment", **seen, **document, **comment)

    def _from_supplier(self, mail_id, message, seen, document, comment, engine):
        po, supplier = _po_and_supplier(engine, document["document_number"])
        if po is None:
            note = f"names purchase order {document['document_number']}, which is not ours"
            return commands.RouteMail(mail_id, TRIAGE, "unmatched", **seen, note=note)
        try:
            patterns = supplier_mail.SupplierPatterns.of(supplier)
        except ValueError as bad:
            return commands.RouteMail(mail_id, TRIAGE, "unmatched", **seen, note=str(bad))
        genuine = patterns.sent_by(message.from_domain) and (
            sender_trust(message, patterns.domains) != "spoofed"
        )
        if not genuine:
            note = "not from the PO's supplier: kept for staff to look at"
            return commands.RouteMail(mail_id, TRIAGE, "unmatched", **seen, note=note)
        routed = {**seen, **document, **comment, "author_kind": "supplier"}
        text = f"{message.subject}\n{message.text}"
        partner = f"supplier:{supplier['code']}"
        trackings = patterns.tracking_numbers(text)
        notice = supplier_mail.ship_notice(po, partner, trackings, patterns, message.new_text)
        if notice is not None:
            return commands.RouteMail(
                mail_id, ROUTED, "tracking", **routed, supplier_document=notice
            )
        confirmed = supplier_mail.confirmation(
            po, partner, text, patterns, message.message_id or str(mail_id)
        )
        if confirmed is not None:
            return commands.RouteMail(
                mail_id, ROUTED, "confirmation", **routed, supplier_document=confirmed
            )
        return commands.RouteMail(mail_id, ROUTED, "comment", **routed)


def _from_staff(mail_id, message, seen, document, comment, engine) -> commands.RouteMail:
    """A reply to a task or discussion notice counts only from one of our active staff
    (by their address, not spoofed) who may see the discussion; else it waits in triage."""
    member = staff_mail.member_by_address(engine, message.from_address)
    note = None
    if member is None or sender_trust(message) == "spoofed":
        note = "a reply on a staff notice that is not from one of our staff"
    elif document["document_kind"] == "discussion":
        note = staff_mail.discussion_refusal(engine, document["document_number"], member)
    if note:
        return commands.RouteMail(mail_id, TRIAGE, "unmatched", **seen, note=note)
    staff = {"author_kind": "staff", "author": member["username"]}
    return commands.RouteMail(mail_id, ROUTED, "comment", **seen, **document, **comment, **staff)


def _po_and_supplier(engine, number: str) -> tuple[dict | None, dict | None]:
    try:
        po = purchasing_queries.purchase_order_detail(engine, number)
        return po, purchasing_queries.supplier_detail(engine, po["supplier_code"])
    except NotFound:
        return None, None


def _known(engine, message_ids: list[str]) -> tuple[str, str] | None:
    if not message_ids:
        return None
    query = select(_out.message_id, _out.document_kind, _out.document_number).where(
        _out.message_id.in_(message_ids[:50])
    )
    with engine.connect() as connection:
        rows = {row.message_id: row for row in connection.execute(query)}
    for message_id in message_ids:
        if message_id in rows:
            return rows[message_id].document_kind, rows[message_id].document_number
    return None


def _by_envelope(recipients, key: bytes) -> Match | None:
    """Our reply address as the SMTP envelope's recipient: it names the document even
    when the headers were rewritten or the reply was a Bcc."""
    for address in recipients:
        found = read_reply_address(address, key)
        if found:
            return Match(found[0], found[1], "reply_token", address)
    return None


def _described(message: InboundMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "from_address": message.from_address,
        "subject": message.subject,
    }


def _comment_text(message: InboundMessage) -> str:
    text = (message.new_text or message.text or "").strip()
    if text:
        return text
    names = ", ".join(a.name for a in message.attachments) or "nothing"
    return f"(no text; subject: {message.subject or '-'}; attached: {names})"


def _attachments(message: InboundMessage) -> tuple[tuple[str, str, bytes], ...]:
    return tuple((a.name, a.content_type, a.content) for a in message.attachments if not a.inline)


def _bounce_reason(report) -> str:
    if report is None:
        return "delivery failed"
    parts = [report.status, report.diagnostic, ", ".join(report.failed_recipients)]
    return "; ".join(p for p in parts if p) or "delivery failed"
