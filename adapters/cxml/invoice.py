"""cXML InvoiceDetailRequest: an invoice, or a credit note, for a buyer's order.

A standard invoice lists its lines (InvoiceDetailOrder). A credit note is a
cXML creditMemo: a header invoice (InvoiceDetailHeaderOrder) whose amounts are
negative, as InvoiceDetail.dtd requires. In both, NetAmount and DueAmount are
subtotal + tax + shipping - discount.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from lxml import etree

from adapters.cxml.envelope import (
    LANG,
    Credentials,
    add,
    add_contact,
    add_item_id,
    add_money,
    add_order_reference,
    document,
    ordered_line,
    quantity_text,
    timestamp_text,
)
from core.canonical import Invoice, InvoiceLine

PURPOSES = {"standard": "standard", "credit": "creditMemo"}


def render_invoice(
    invoice: Invoice,
    credentials: Credentials,
    *,
    payload_id: str,
    timestamp: datetime,
    deployment_mode: str = "production",
) -> bytes:
    """The InvoiceDetailRequest document for `invoice`."""
    purpose = PURPOSES.get(invoice.purpose)
    if purpose is None:
        raise ValueError(
            f"invoice purpose must be one of {tuple(PURPOSES)}, not {invoice.purpose!r}"
        )
    if not invoice.lines:
        raise ValueError(f"invoice {invoice.invoice_number} has no lines")
    credit = purpose == "creditMemo"
    sign = Decimal(-1) if credit and invoice.total > 0 else Decimal(1)
    request = etree.Element("InvoiceDetailRequest")
    _header(request, invoice, purpose)
    if credit:
        _header_order(request, invoice, sign)
    else:
        _order(request, invoice)
    _summary(request, invoice, sign)
    return document(
        "InvoiceDetail.dtd",
        credentials,
        request,
        payload_id=payload_id,
        timestamp=timestamp,
        deployment_mode=deployment_mode,
    )


def _header(request: etree._Element, invoice: Invoice, purpose: str) -> None:
    header = add(
        request,
        "InvoiceDetailRequestHeader",
        invoiceID=invoice.invoice_number,
        purpose=purpose,
        operation="new",
        invoiceDate=timestamp_text(invoice.invoice_date),
    )
    if purpose == "creditMemo":
        add(header, "InvoiceDetailHeaderIndicator", isHeaderInvoice="yes")
    else:
        add(header, "InvoiceDetailHeaderIndicator")
    add(header, "InvoiceDetailLineIndicator")
    if invoice.remit_to is not None:
        add_contact(add(header, "InvoicePartner"), "remitTo", invoice.remit_to)
    bill_to = invoice.bill_to or invoice.order.bill_to
    if bill_to is not None:
        add_contact(add(header, "InvoicePartner"), "billTo", bill_to)
    if invoice.net_days is not None:
        add(header, "PaymentTerm", payInNumberOfDays=str(invoice.net_days))
    if invoice.comments:
        add(header, "Comments", invoice.comments, lang=LANG)


def _order_info(parent: etree._Element, invoice: Invoice) -> None:
    info = add(parent, "InvoiceDetailOrderInfo")
    add_order_reference(info, invoice.order)
    if invoice.supplier_order_number:
        add(info, "SupplierOrderInfo", orderID=invoice.supplier_order_number)


def _order(request: etree._Element, invoice: Invoice) -> None:
    order = add(request, "InvoiceDetailOrder")
    _order_info(order, invoice)
    for position, line in enumerate(invoice.lines, start=1):
        _item(order, invoice, position, line)


def _item(order: etree._Element, invoice: Invoice, position: int, line: InvoiceLine) -> None:
    ordered = ordered_line(invoice.order, line.line_number)
    item = add(
        order,
        "InvoiceDetailItem",
        invoiceLineNumber=str(position),
        quantity=quantity_text(line.quantity),
    )
    add(item, "UnitOfMeasure", line.unit_of_measure)
    add_money(item, "UnitPrice", line.unit_price, invoice.currency)
    reference = add(item, "InvoiceDetailItemReference", lineNumber=str(line.line_number))
    supplier_part_id = line.supplier_part_id or (ordered.supplier_part_id if ordered else None)
    buyer_part_id = line.buyer_part_id or (ordered.buyer_part_id if ordered else None)
    add_item_id(reference, supplier_part_id, buyer_part_id)
    description = line.description or (ordered.description if ordered else None)
    if description:
        add(reference, "Description", description, lang=LANG)
    add_money(item, "SubtotalAmount", line.amount, invoice.currency)


def _header_order(request: etree._Element, invoice: Invoice, sign: Decimal) -> None:
    """The credit memo's one invoice line: the order and the amount credited."""
    header_order = add(request, "InvoiceDetailHeaderOrder")
    _order_info(header_order, invoice)
    summary = add(header_order, "InvoiceDetailOrderSummary", invoiceLineNumber="1")
    add_money(summary, "SubtotalAmount", sign * invoice.subtotal, invoice.currency)
    add(summary, "Comments", _credited_lines(invoice), lang=LANG)


def _credited_lines(invoice: Invoice) -> str:
    return "\n".join(
        f"Line {line.line_number}: {quantity_text(line.quantity)} {line.unit_of_measure}"
        + "".join(f" {part}" for part in (line.supplier_part_id, line.description) if part)
        for line in invoice.lines
    )


def _summary(request: etree._Element, invoice: Invoice, sign: Decimal) -> None:
    currency = invoice.currency
    summary = add(request, "InvoiceDetailSummary")
    add_money(summary, "SubtotalAmount", sign * invoice.subtotal, currency)
    tax = add_money(summary, "Tax", sign * invoice.tax_amount, currency)
    add(tax, "Description", "Tax", lang=LANG)
    if invoice.shipping_amount:
        add_money(summary, "ShippingAmount", sign * invoice.shipping_amount, currency)
    gross = invoice.subtotal + invoice.tax_amount + invoice.shipping_amount
    add_money(summary, "GrossAmount", sign * gross, currency)
    if invoice.discount_amount:
        add_money(summary, "InvoiceDetailDiscount", sign * invoice.discount_amount, currency)
    add_money(summary, "NetAmount", sign * invoice.total, currency)
    add_money(summary, "DueAmount", sign * invoice.total, currency)
