"""What staff and the doors do with mail, for the API, the CLI and the services:
keep a received message, email a customer from a document, email an invoice, file a
message from the triage list, send a failed message again."""

from __future__ import annotations

from typing import Any

from core import commands
from core.errors import OrderB2BError
from core.model.mail import CUSTOMER_DOCUMENT_KINDS
from core.model.rfqs import check_email
from core.ports import SYSTEM, Actor
from core.storage import mail_queries, settings
from hub.bootstrap import App, post_office
from hub.mailing import contexts
from hub.mailing.letters import Letter
from hub.mailing.router import MailRouter
from mail.compose import Attachment


class MailNotSent(OrderB2BError):
    """A message that cannot be composed as asked; nothing was queued."""


def receiver(app: App, door: str):
    """The blocking `receive` a door calls: the message is kept (and committed)
    before the door acknowledges it; returns the kept message's id."""

    def receive(raw: bytes, source: str | None = None, rcpt_tos=(), peer=None) -> int:
        if door == "imap":
            command = commands.ReceiveMail(door, raw, mailbox=source)
        else:
            command = commands.ReceiveMail(
                door, raw, envelope_from=source, envelope_to=tuple(rcpt_tos), peer=peer
            )
        mail_id, _new = app.bus.execute(command, SYSTEM)
        return mail_id

    return receive


def email_document(
    app: App,
    actor: Actor,
    document_kind: str,
    number: str,
    *,
    to: list[str],
    cc: list[str] = (),
    subject: str | None = None,
    body: str | None = None,
    standard_text: str | None = None,
    attach_pdf: bool = False,
) -> dict[str, Any]:
    """A staff message about a document to its customer (or anyone named), with the
    document's PDF attached when asked; queued on the document."""
    if document_kind not in CUSTOMER_DOCUMENT_KINDS:
        raise MailNotSent(f"mail goes with one of {', '.join(CUSTOMER_DOCUMENT_KINDS)}")
    to, cc = _checked(to), _checked(cc)
    if not to:
        raise MailNotSent("name at least one recipient (to)")
    body = settings.with_standard_text(app.engine, body, standard_text)
    if not body or not body.strip():
        raise MailNotSent("a message needs some text (body or standard_text)")
    context = {
        "subject": subject or f"{_title(document_kind)} {number}",
        "body": body,
        "sender_name": _signature(app, actor),
    }
    attachments = (_pdf(app, document_kind, number),) if attach_pdf else ()
    letter = Letter(
        "staff_message", document_kind, number, tuple(to), context, tuple(cc), attachments
    )
    return _queue(app, actor, letter)


def email_invoice(app: App, actor: Actor, number: str, to: list[str] = ()) -> dict[str, Any]:
    """The invoice's PDF to the buyer; the invoice counts as sent."""
    invoice = contexts.invoice_context(app.engine, number)
    recipients = tuple(_checked(to)) or (
        (invoice["buyer_email"],) if invoice["buyer_email"] else ()
    )
    if not recipients:
        raise MailNotSent(f"invoice {number}'s order has no buyer email; name a recipient")
    context = {"invoice": invoice, "contact_name": invoice["buyer_name"]}
    attachments = (_pdf(app, "invoice", number),)
    letter = Letter("invoice_sent", "invoice", number, recipients, context, (), attachments)
    return _queue(app, actor, letter)


def file_mail(app: App, actor: Actor, mail_id: int, kind: str, number: str) -> dict[str, Any]:
    raw = mail_queries.inbound_raw(app.engine, mail_id)
    router = MailRouter(app.engine, app.config.mail, post_office(app.config, app.engine).key)
    app.bus.execute(router.file(mail_id, raw, kind, number), actor)
    return mail_queries.inbound_detail(app.engine, mail_id)


def retry_mail(app: App, actor: Actor, mail_id: int) -> dict[str, Any]:
    app.bus.execute(commands.RetryMail(mail_id), actor)
    return mail_queries.outgoing_detail(app.engine, mail_id)


def check_scope(app: App, kind: str, number: str, groups) -> None:
    """NotFound for a document outside the caller's customer groups (or missing)."""
    from core.storage import queries, quote_queries, rma_queries

    if kind == "order":
        queries.order_detail(app.engine, number, groups)
    elif kind == "quote":
        quote_queries.quote_detail(app.engine, number, groups=groups)
    elif kind == "invoice":
        queries.invoice_detail(app.engine, number, groups)
    elif kind == "shipment":
        queries.shipment_detail(app.engine, number, groups)
    elif kind == "rfq":
        quote_queries.rfq_detail(app.engine, number, groups=groups)
    elif kind == "rma":
        rma_queries.check_rma_in_scope(app.engine, number, groups)


def _checked(addresses) -> list[str]:
    checked = []
    for address in addresses:
        try:
            checked.append(check_email(address))
        except OrderB2BError:
            raise MailNotSent(f"{address!r} is not a valid email address") from None
    return checked


def _queue(app: App, actor: Actor, letter: Letter) -> dict[str, Any]:
    try:
        command = post_office(app.config, app.engine).command(letter)
    except ValueError as error:  # a header that cannot be written as given
        raise MailNotSent(str(error)) from None
    mail_id = app.bus.execute(command, actor)
    return mail_queries.outgoing_detail(app.engine, mail_id)


def _pdf(app: App, kind: str, number: str) -> Attachment:
    from hub.printing import render as printing

    if kind == "invoice":
        printed = printing.print_invoice(app, number)
    elif kind == "order":
        printed = printing.print_order(app, number)
    elif kind == "shipment":
        printed = printing.print_packing_slip(app, number)
    elif kind == "purchase_order":
        from hub.purchasing import print_purchase_order

        printed = print_purchase_order(app, number)
    elif kind == "rma":
        printed = printing.print_rma(app, number)
    elif kind == "quote":
        return _quote_pdf(app, number)
    else:
        raise MailNotSent(f"a {kind} has no PDF to attach")
    return Attachment(printed.filename, printed.media_type, printed.content)


def _quote_pdf(app: App, number: str) -> Attachment:
    from core.storage import quote_queries

    quote = quote_queries.quote_detail(app.engine, number)
    sent = [v for v in quote["versions"] if v.get("pdf_kept")]
    if not sent:
        raise MailNotSent(f"quote {number} has no sent version with a PDF; send the quote")
    version = sent[-1]["version_number"]
    pdf, _digest = quote_queries.version_pdf(app.engine, number, version)
    return Attachment(f"{number}-v{version}.pdf", "application/pdf", pdf)


def _signature(app: App, actor: Actor) -> str | None:
    """The staff member's display name; none for the system or a shell user."""
    if actor.kind != "staff":
        return None
    with app.uow_factory(actor) as uow:
        member = uow.staff.get(actor.name)
        return member.display_name if member else None


def _title(kind: str) -> str:
    titles = {"purchase_order": "Purchase order", "rfq": "RFQ", "rma": "Return authorization"}
    return titles.get(kind, kind.capitalize())
