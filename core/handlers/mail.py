"""Email: messages queued on their documents, messages received kept raw, and what
routing made of them (comments, supplier shipments, bounces, the triage list)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from core import commands, events, ports
from core.errors import NotFound, OrderB2BError
from core.handlers.discussions import post_discussion_message
from core.handlers.invoices import mark_invoice_sent
from core.handlers.purchasing import (
    check_supplier_document,
    record_command,
    record_supplier_document,
)
from core.model.attachments import Attachment, safe_filename
from core.model.comments import OrderComment
from core.model.mail import (
    DOCUMENT_KINDS,
    FILED,
    IGNORED,
    RECEIVED,
    REFUSED,
    ROUTED,
    TRIAGE,
    DocumentComment,
    InboundMail,
    MailRefused,
    OutgoingMail,
)

MAX_ATTACHMENTS = 20


def queue_mail(command: commands.QueueMail, uow: ports.UnitOfWork) -> int:
    now = datetime.now(UTC)
    mail = OutgoingMail(
        kind=command.kind,
        document_kind=command.document_kind,
        document_id=_document_id(uow, command.document_kind, command.document_number),
        document_number=command.document_number,
        sender=command.sender,
        recipients=list(command.recipients),
        cc=list(command.cc),
        subject=command.subject,
        message_id=command.message_id,
        raw=command.raw,
        created_by=uow.actor.name,
        now=now,
    )
    uow.mail.add_outgoing(mail)
    if command.kind == "invoice_sent":
        sent_to = ", ".join(command.recipients)[:320]
        mark_invoice_sent(
            commands.MarkInvoiceSent(command.document_number, "email", sent_to, now), uow
        )
    uow.emit(events.MailQueued(mail.id, mail.kind, mail.document_kind, mail.document_number))
    return mail.id


def retry_mail(command: commands.RetryMail, uow: ports.UnitOfWork) -> str:
    mail = uow.mail.outgoing(command.mail_id)
    if mail is None:
        raise NotFound(f"no message {command.mail_id}")
    mail.retry_now(datetime.now(UTC))
    return mail.state


def receive_mail(command: commands.ReceiveMail, uow: ports.UnitOfWork) -> tuple[int, bool]:
    mail = InboundMail(
        door=command.door,
        mailbox=command.mailbox,
        raw=command.raw,
        envelope_from=command.envelope_from,
        envelope_to=list(command.envelope_to),
        peer=command.peer,
        now=datetime.now(UTC),
    )
    earlier = uow.mail.inbound_by_digest(mail.sha256)
    if earlier is not None:
        return earlier.id, False
    uow.mail.add_inbound(mail)
    uow.emit(events.MailReceived(mail.id, mail.door, mail.mailbox))
    return mail.id, True


def route_mail(command: commands.RouteMail, uow: ports.UnitOfWork) -> bool:
    mail = uow.mail.inbound(command.mail_id, lock=True)
    if mail is None:
        raise NotFound(f"no received message {command.mail_id}")
    if command.state == FILED:
        if mail.state not in (TRIAGE, REFUSED, IGNORED):
            raise MailRefused(f"message {mail.id} is {mail.state}; only triage mail is filed")
    elif mail.state != RECEIVED:
        return False
    now = datetime.now(UTC)
    mail.describe(command.message_id, command.from_address, command.subject)
    command = _placed(command, uow)
    note = command.note
    if command.supplier_document is not None:
        note = _record_supplier_document(command, uow) or note
    if command.comment and command.document_kind:
        _comment(command, mail, uow, now)
    _bounced(command, uow, now)
    document = (command.document_kind, command.document_number) if command.document_kind else None
    mail.route(
        command.state,
        command.outcome,
        now,
        document=document,
        rule=command.rule,
        evidence=command.evidence,
        note=note,
    )
    uow.emit(
        events.MailRouted(
            mail.id, mail.state, mail.outcome, mail.document_kind, mail.document_number
        )
    )
    return True


def _placed(command: commands.RouteMail, uow: ports.UnitOfWork) -> commands.RouteMail:
    """The routing as given when its document exists; else without the document (a
    reply naming none of ours waits in triage). Staff must name one that exists."""
    kind, number = command.document_kind, command.document_number
    if not kind or (kind in DOCUMENT_KINDS and uow.mail.document_id(kind, number)):
        return command
    if command.state == FILED:
        raise NotFound(f"no {kind.replace('_', ' ')} {number}")
    missing = {
        "document_kind": None,
        "document_number": None,
        "comment": None,
        "supplier_document": None,
        "note": f"names {kind.replace('_', ' ')} {number}, which is not ours",
    }
    if command.state == ROUTED:
        missing.update(state=TRIAGE, outcome="unmatched")
    return dataclasses.replace(command, **missing)


def _bounced(command: commands.RouteMail, uow: ports.UnitOfWork, now: datetime) -> None:
    """Our messages a bounce returns are marked bounced."""
    for bounced in uow.mail.outgoing_by_message_ids(command.bounced):
        bounced.bounced(command.evidence or "delivery failed", now)
        uow.emit(
            events.MailBounced(
                bounced.id,
                bounced.document_kind,
                bounced.document_number,
                bounced.envelope_recipients,
                bounced.bounce,
            )
        )


def _record_supplier_document(command: commands.RouteMail, uow: ports.UnitOfWork) -> str | None:
    """Record the supplier's shipment or confirmation; what stopped it, if anything."""
    record = record_command(command.supplier_document, None)
    try:
        check_supplier_document(record, uow)
    except OrderB2BError as refused:
        return f"not recorded: {refused}"
    record_supplier_document(record, uow)
    return None


def _comment(command: commands.RouteMail, mail: InboundMail, uow: ports.UnitOfWork, now) -> None:
    kind, number = command.document_kind, command.document_number
    author = command.author or command.from_address or mail.envelope_from or "unknown sender"
    if kind == "order":
        order = uow.orders.get(number)
        if order is None:
            raise NotFound(f"no order {number}")
        comment = OrderComment(order.id, command.author_kind, author, "public", command.comment)
        comment.inbound_mail_id = mail.id
        uow.comments.add(comment)
        uow.emit(events.OrderCommentAdded(order.number, comment.id, "public", author))
    elif kind == "discussion":
        _post_in_discussion(command, mail, uow)
        return  # the message keeps the attachments
    elif kind == "purchase_order":
        po = uow.purchasing.get(number)
        if po is None:
            raise NotFound(f"no purchase order {number}")
        added = po.comment(command.comment, author, False)
        added.inbound_mail_id = mail.id
        uow.purchasing.add(po)
    else:
        document_id = _document_id(uow, kind, number)
        body = command.comment
        uow.mail.add_comment(
            DocumentComment(kind, document_id, command.author_kind, author, body, mail.id, now)
        )
    _keep_attachments(command.attachments, mail, author, now, uow)


def _post_in_discussion(command: commands.RouteMail, mail: InboundMail, uow) -> None:
    post = commands.PostDiscussionMessage(
        command.document_number,
        command.comment,
        attachments=tuple(command.attachments[:MAX_ATTACHMENTS]),
        author=command.author,
        author_kind=command.author_kind,
        inbound_mail_id=mail.id,
    )
    post_discussion_message(post, uow)


def _keep_attachments(attachments, mail: InboundMail, author: str, now, uow) -> None:
    for name, content_type, content in attachments[:MAX_ATTACHMENTS]:
        filename = safe_filename(name or "attachment")
        kept = Attachment("inbound_mail", mail.id, filename, content_type, content, author, now)
        uow.attachments.add(kept)


def _document_id(uow: ports.UnitOfWork, kind: str, number: str) -> int:
    if kind not in DOCUMENT_KINDS:
        raise MailRefused(f"{kind!r} is not a document mail goes with")
    document_id = uow.mail.document_id(kind, number)
    if document_id is None:
        raise NotFound(f"no {kind.replace('_', ' ')} {number}")
    return document_id
