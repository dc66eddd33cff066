"""Invoicing orders: priced from the order lines, numbered without gaps per series
in the same transaction."""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.invoices import DEFAULT_SERIES, STANDARD, Invoice, counter_name, format_number


def create_invoice(command: commands.CreateInvoice, uow: ports.UnitOfWork) -> str:
    order = uow.orders.get(command.order_number)
    if order is None:
        raise NotFound(f"no order {command.order_number}")
    earlier = uow.invoices.for_order(order.number)
    first = not any(invoice.purpose == STANDARD for invoice in earlier)
    number = format_number(DEFAULT_SERIES, uow.next_counter(counter_name(DEFAULT_SERIES))[0])
    invoice = Invoice.bill(
        number,
        DEFAULT_SERIES,
        order,
        shipped_only=command.shipped_only,
        first=first,
        invoice_date=command.invoice_date,
        comments=command.comments,
    )
    uow.invoices.add(invoice)
    uow.emit(
        events.InvoiceCreated(number, order.number, format(invoice.total, "f"), invoice.currency)
    )
    return number
