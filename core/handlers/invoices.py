"""Invoicing orders: priced from the order lines, numbered without gaps per series
in the same transaction; uploaded invoices kept with their PDF; edits of unsent
invoices, credit notes, and sending.

Each handler holds the order (and invoice) it changes before loading them, so two
writers never bill the same quantities.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from core import commands, events, ports
from core.errors import NotFound
from core.model.attachments import pdf_attachment
from core.model.bulk_invoicing import InvoicingRule
from core.model.invoices import (
    CREDIT_SERIES_SETTING,
    EXTERNAL,
    SERIES_SETTING,
    UPLOAD,
    ZERO,
    Invoice,
    InvoiceRefused,
    charges_billed,
    check_given_number,
    check_series,
    check_total,
    counter_name,
    format_number,
)
from core.model.orders import Order

ATTACHMENT_OWNER = "invoice"


def create_invoice(command: commands.CreateInvoice, uow: ports.UnitOfWork) -> str:
    invoice = _bill(uow, command.order_number, None, command.shipped_only, command)
    return invoice.number


def invoice_order(command: commands.InvoiceOrder, uow: ports.UnitOfWork) -> str:
    invoice = _bill(uow, command.order_number, command.series, command.shipped_only, command)
    return invoice.number


def upload_invoice(command: commands.UploadInvoice, uow: ports.UnitOfWork) -> str:
    """The invoice bills the order as InvoiceOrder would; its PDF is kept with it."""
    attachment = pdf_attachment(
        ATTACHMENT_OWNER, 0, command.filename, command.content, uow.actor.name
    )
    number = None
    if command.number:
        number = check_given_number(command.number, uow.billing.known_series())
        if uow.billing.number_taken(number):
            raise InvoiceRefused(f"invoice number {number} is taken")
    invoice = _bill(
        uow,
        command.order_number,
        EXTERNAL if number else command.series,
        command.shipped_only,
        command,
        number=number,
        check=lambda made: check_total(made, command.total),
    )
    invoice.origin = UPLOAD
    invoice.attachment_id = uow.attachments.add(attachment, owner=invoice)
    return invoice.number


def change_invoice(command: commands.ChangeInvoice, uow: ports.UnitOfWork) -> list[str]:
    invoice = _editable(uow, command.number)
    changed = invoice.change_terms(
        bill_to=command.bill_to, comments=command.comments, due=command.due_date
    )
    _changed(uow, invoice, changed)
    return changed


def change_invoice_line(command: commands.ChangeInvoiceLine, uow: ports.UnitOfWork) -> list[str]:
    invoice = _editable(uow, command.number)
    if command.remove:
        invoice.remove_line(invoice.order, command.line_number)
        changed = ["lines"]
    else:
        changed = invoice.change_line(
            invoice.order,
            command.line_number,
            quantity=command.quantity,
            unit_price=command.unit_price,
            description=command.description,
        )
    _changed(uow, invoice, changed)
    return changed


def add_invoice_line(command: commands.AddInvoiceLine, uow: ports.UnitOfWork) -> int:
    invoice = _editable(uow, command.number)
    line = invoice.add_line(
        invoice.order,
        command.quantity,
        order_line_number=command.order_line,
        unit_price=command.unit_price,
        description=command.description,
        unit_of_measure=command.unit_of_measure,
        supplier_part_id=command.supplier_part_id,
    )
    _changed(uow, invoice, ["lines"])
    return line.line_number


def credit_invoice(command: commands.CreditInvoice, uow: ports.UnitOfWork) -> str:
    uow.billing.lock_invoice(command.number)
    invoice = _invoice(uow, command.number)
    notes = uow.billing.credit_notes(invoice.id)
    credited: dict[int, Decimal] = {}
    for note in notes:
        for line in note.active_lines:
            credited[line.line_number] = credited.get(line.line_number, ZERO) + line.quantity
    series = _series(uow, command.series, CREDIT_SERIES_SETTING)
    note = Invoice.credit_note(
        invoice,
        "",
        series,
        quantities=command.lines,
        credited=credited,
        charges_credited=any(n.shipping_amount or n.tax_amount for n in notes),
        comments=command.reason,
    )
    note.number = _next_number(uow, series)
    uow.invoices.add(note)
    uow.emit(
        events.CreditNoteIssued(
            note.number,
            invoice.number,
            invoice.order.number,
            format(note.total, "f"),
            note.currency,
        )
    )
    return note.number


def mark_invoice_sent(command: commands.MarkInvoiceSent, uow: ports.UnitOfWork) -> bool:
    uow.billing.lock_invoice(command.number)
    invoice = _invoice(uow, command.number)
    return _sent(uow, invoice, command.sent_at or datetime.now(UTC), command.via, command.sent_to)


def set_invoicing_rule(command: commands.SetInvoicingRule, uow: ports.UnitOfWork) -> bool:
    """Returns whether anything changed."""
    series = check_series(command.series) if command.series else None
    if (command.customer is None) == (command.group is None):
        raise InvoiceRefused("name a customer or a customer group")
    if command.customer is not None:
        customer = uow.customers.get(command.customer)
        if customer is None:
            raise NotFound(f"no customer {command.customer}")
        owner = {"customer_id": customer.id}
    else:
        group = uow.customers.group(command.group)
        if group is None:
            raise NotFound(f"no customer group {command.group}")
        owner = {"group_id": group.id}
    rule = uow.billing.rule(**owner)
    if rule is None:
        uow.billing.add_rule(InvoicingRule(command.rule, series, **owner))
        return True
    return rule.change(command.rule, series)


class InvoicesSent:
    """An invoice queued for the buyer's system (cXML, X12) counts as sent: from
    then on it is corrected by credit notes only."""

    name = "invoices_sent"
    routing_keys = ("outbound.queued",)

    def handle(self, event: events.OutboundQueued, uow: ports.UnitOfWork) -> None:
        if event.kind != "invoice":
            return
        uow.billing.lock_invoice(event.reference)
        invoice = uow.invoices.get(event.reference)
        if invoice is not None:
            _sent(uow, invoice, datetime.now(UTC), f"outbound:{event.partner}", None)


def _bill(uow, order_number, series, shipped_only, command, number=None, check=None) -> Invoice:
    uow.billing.lock_order(order_number)
    order = _order(uow, order_number)
    if number is None:
        series = _series(uow, series, SERIES_SETTING)
    earlier = [
        (i.purpose, i.shipping_amount, i.tax_amount, i.discount_amount)
        for i in uow.invoices.for_order(order.number)
    ]
    invoice = Invoice.bill(
        number or "",
        series,
        order,
        shipped_only=shipped_only,
        first=not charges_billed(earlier),
        invoice_date=command.invoice_date,
        comments=command.comments,
    )
    if check is not None:
        check(invoice)
    invoice.number = number or _next_number(uow, series)
    uow.invoices.add(invoice)
    uow.emit(
        events.InvoiceCreated(
            invoice.number, order.number, format(invoice.total, "f"), invoice.currency
        )
    )
    return invoice


def _editable(uow: ports.UnitOfWork, number: str) -> Invoice:
    uow.billing.lock_invoice(number)
    invoice = _invoice(uow, number)
    invoice.check_editable([note.number for note in uow.billing.credit_notes(invoice.id)])
    return invoice


def _changed(uow: ports.UnitOfWork, invoice: Invoice, changed: list[str]) -> None:
    if changed:
        event = events.InvoiceChanged(
            invoice.number, invoice.order.number, list(changed), format(invoice.total, "f")
        )
        uow.emit(event)


def _sent(uow: ports.UnitOfWork, invoice: Invoice, at: datetime, via: str, to) -> bool:
    if not invoice.mark_sent(at, via, to):
        return False
    uow.emit(events.InvoiceSent(invoice.number, invoice.order.number, via))
    return True


def _order(uow: ports.UnitOfWork, number: str) -> Order:
    order = uow.orders.get(number)
    if order is None:
        raise NotFound(f"no order {number}")
    return order


def _invoice(uow: ports.UnitOfWork, number: str) -> Invoice:
    invoice = uow.invoices.get(number)
    if invoice is None:
        raise NotFound(f"no invoice {number}")
    return invoice


def _series(uow: ports.UnitOfWork, series: str | None, setting: str) -> str:
    return check_series(series if series is not None else uow.settings.get(setting))


def _next_number(uow: ports.UnitOfWork, series: str) -> str:
    return format_number(series, uow.next_counter(counter_name(series))[0])
