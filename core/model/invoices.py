"""Invoices: an order's lines billed at the ordered prices, numbered without gaps.

An invoice bills every quantity not yet invoiced, or only what has shipped and
not yet been invoiced. The order's shipping, tax and discount go on its first
invoice only. The order is invoiced once every line is invoiced in full.

An issued invoice may be edited (lines, prices, billing address) until it is sent
to the buyer; from then on it is corrected by a credit note, which credits all or
part of it in a series of its own. The order's invoiced quantities follow every
change, up and down.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.canonical import Address, CanonicalOrder
from core.canonical import Invoice as CanonicalInvoice
from core.canonical import InvoiceLine as CanonicalInvoiceLine
from core.errors import OrderB2BError
from core.model.orders import Order, OrderLine
from core.model.shipments import utc

DEFAULT_SERIES = "INV"
DEFAULT_CREDIT_SERIES = "CN"
SERIES_SETTING = "invoices.series"
CREDIT_SERIES_SETTING = "invoices.credit_series"
EXTERNAL = "external"  # the series of an invoice numbered by the document it came with
STANDARD, CREDIT = "standard", "credit"  # purposes: an invoice, or a credit note
DRAFT, ISSUED, SENT = "draft", "issued", "sent"  # states; a numbered invoice is issued
STATES = (DRAFT, ISSUED, SENT)
ORDER, UPLOAD, BULK, INVOICE = "order", "upload", "bulk", "invoice"  # origins
ACTIVE, REMOVED = "active", "removed"  # line statuses
ZERO = Decimal(0)
CENT = Decimal("0.01")
ADDRESS_FIELDS = tuple(field.name for field in fields(Address))
_SERIES = re.compile(r"[A-Z][A-Z0-9]{0,7}")
_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,31}")


class InvoiceRefused(OrderB2BError):
    """An invoice that cannot be made as asked; nothing was changed."""


class NothingToInvoice(InvoiceRefused):
    pass


class InvoiceEditRefused(InvoiceRefused):
    """An edit, credit note or sending that cannot be done as asked; nothing changed."""


def counter_name(series: str) -> str:
    return f"invoice:{series}"


def format_number(series: str, value: int) -> str:
    return f"{series}{value:07d}"


def check_series(series: str) -> str:
    if not isinstance(series, str) or not _SERIES.fullmatch(series):
        raise InvoiceRefused(
            f"series {series!r} must be 1 to 8 capital letters or digits, starting with a letter"
        )
    return series


def check_given_number(number: str, known_series: set[str]) -> str:
    """A number that came with an uploaded invoice; it may not look like a number
    of one of our series, which would take it later."""
    number = number.strip() if isinstance(number, str) else number
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        raise InvoiceRefused(
            f"invoice number {number!r} must be 1 to 32 letters, digits, '.', '/', '_' or '-'"
        )
    for series in known_series:
        rest = number[len(series) :]
        if number.startswith(series) and len(rest) == 7 and rest.isdigit():
            raise InvoiceRefused(
                f"invoice number {number} looks like one of series {series}; leave the number"
                f" out to take the next one of the series, or give the document's own"
            )
    return number


def uninvoiced_quantity(line: OrderLine, *, shipped_only: bool) -> Decimal:
    """What of a line may be billed now: shipped or ordered, less what was invoiced."""
    if line.status == "removed":
        return ZERO
    billable = line.shipped_quantity if shipped_only else line.quantity
    return max(billable - line.invoiced_quantity, ZERO)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class InvoiceLine:
    id: int | None
    invoice_id: int | None

    def __init__(self, **values: Any) -> None:
        self.status = ACTIVE
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def billing(cls, line: OrderLine, quantity: Decimal) -> InvoiceLine:
        return cls(
            line_number=line.line_number,
            order_line_id=line.id,
            quantity=quantity,
            unit_of_measure=line.unit_of_measure,
            unit_price=line.unit_price,
            supplier_part_id=line.supplier_part_id,
            buyer_part_id=line.buyer_part_id,
            description=line.description,
            status=ACTIVE,
        )

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price

    @property
    def active(self) -> bool:
        return self.status != REMOVED

    def to_canonical(self) -> CanonicalInvoiceLine:
        return CanonicalInvoiceLine(
            line_number=self.line_number,
            quantity=self.quantity,
            unit_of_measure=self.unit_of_measure,
            unit_price=self.unit_price,
            supplier_part_id=self.supplier_part_id,
            buyer_part_id=self.buyer_part_id,
            description=self.description,
        )


class Invoice:
    id: int | None
    lines: list[InvoiceLine]

    def __init__(self, number: str, series: str, order: Order, invoice_date: datetime) -> None:
        now = datetime.now(UTC)
        self.number = number
        self.series = series
        self.order = order
        self.purpose = STANDARD
        self.credits_invoice_id = None
        self.state = ISSUED
        self.origin = ORDER
        self.invoice_date = invoice_date
        self.currency = order.currency
        self.bill_to = dict(order.bill_to) if order.bill_to else None
        self.shipping_amount = self.tax_amount = self.discount_amount = ZERO
        self.net_days = (order.payment or {}).get("net_days")
        self.due_date = due_date(invoice_date, self.net_days)
        self.comments = None
        self.sent_at = self.sent_via = self.sent_to = None
        self.attachment_id = None
        self.created_at = self.updated_at = now
        self.archived = False
        self.lines = []

    @classmethod
    def bill(
        cls,
        number: str,
        series: str,
        order: Order,
        *,
        shipped_only: bool,
        first: bool,
        invoice_date: datetime | None = None,
        comments: str | None = None,
    ) -> Invoice:
        """Invoice what `order` has not been invoiced for (of it, only what has
        shipped when `shipped_only`); the first invoice of an order also bills its
        shipping, tax and discount. Refused, with nothing changed, when there is
        nothing to invoice."""
        if invoice_date is not None and invoice_date.tzinfo is None:
            raise InvoiceRefused("the invoice date needs a UTC offset")
        quantities = invoice_quantities(order, shipped_only=shipped_only)
        invoice = cls(number, series, order, (invoice_date or datetime.now(UTC)).astimezone(UTC))
        invoice.comments = comments
        if first:
            invoice.shipping_amount = order.shipping_amount or ZERO
            invoice.tax_amount = order.tax_amount or ZERO
            invoice.discount_amount = order.discount_amount or ZERO
        by_number = {line.line_number: line for line in order.lines}
        for line_number, quantity in sorted(quantities.items()):
            line = by_number[line_number]
            line.invoiced_quantity += quantity
            invoice.lines.append(InvoiceLine.billing(line, quantity))
        follow_invoicing(order)
        return invoice

    @property
    def active_lines(self) -> list[InvoiceLine]:
        return [line for line in self.lines if line.active]

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.active_lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_amount + self.tax_amount - self.discount_amount

    @property
    def kind(self) -> str:
        return "credit note" if self.purpose == CREDIT else "invoice"

    def to_canonical(self, order: CanonicalOrder, supplier_order_number: str) -> CanonicalInvoice:
        """The invoice in the form the outbound renderers read."""
        return CanonicalInvoice(
            order=order,
            invoice_number=self.number,
            supplier_order_number=supplier_order_number,
            invoice_date=utc(self.invoice_date),
            currency=self.currency,
            lines=tuple(line.to_canonical() for line in self.active_lines),
            shipping_amount=self.shipping_amount,
            tax_amount=self.tax_amount,
            discount_amount=self.discount_amount,
            purpose=self.purpose,
            bill_to=_address(self.bill_to),
            net_days=self.net_days,
            comments=self.comments,
        )

    # Editing an unsent invoice

    def check_editable(self, credit_notes: list[str]) -> None:
        """Refused for a credit note, a sent invoice and an invoice already credited."""
        if self.purpose == CREDIT:
            raise InvoiceEditRefused(
                f"credit note {self.number} cannot be edited; issue another credit note"
                " or a new invoice instead"
            )
        if self.state == SENT:
            when = f" on {utc(self.sent_at).date().isoformat()}" if self.sent_at else ""
            raise InvoiceEditRefused(
                f"invoice {self.number} was sent to the customer{when} and cannot be changed;"
                f" correct it with a credit note (orderb2b invoices credit {self.number})"
                " and a new invoice"
            )
        if credit_notes:
            raise InvoiceEditRefused(
                f"invoice {self.number} has credit note(s) {', '.join(credit_notes)} and"
                " cannot be changed; correct it with a further credit note"
            )

    def change_line(
        self,
        order: Order,
        line_number: int,
        *,
        quantity: Decimal | None = None,
        unit_price: Decimal | None = None,
        description: str | None = None,
    ) -> list[str]:
        """Change a line; the order line it bills follows its quantity. Returns the
        names of the fields that changed."""
        line = self._line(line_number)
        changed = []
        if quantity is not None and quantity != line.quantity:
            _positive(quantity, f"line {line_number}: the quantity")
            _follow_line(order, line, quantity - line.quantity)
            line.quantity = quantity
            changed.append("quantity")
        if unit_price is not None and unit_price != line.unit_price:
            line.unit_price = _price(unit_price, f"line {line_number}")
            changed.append("unit_price")
        if description is not None and (description.strip() or None) != line.description:
            line.description = description.strip() or None
            changed.append("description")
        return self._changed(order, changed)

    def add_line(
        self,
        order: Order,
        quantity: Decimal,
        *,
        order_line_number: int | None = None,
        unit_price: Decimal | None = None,
        description: str | None = None,
        unit_of_measure: str | None = None,
        supplier_part_id: str | None = None,
    ) -> InvoiceLine:
        """Bill more of an order line at its price (unless one is given), or add a
        line of its own (a fee, say: description, quantity and price needed)."""
        _positive(quantity, "the quantity")
        if order_line_number is not None:
            line = self._order_line_billed(order, order_line_number, quantity)
        else:
            line = self._free_line(order, quantity, description, unit_of_measure)
            if unit_price is None:
                raise InvoiceEditRefused("a line of its own needs a unit price")
            line.supplier_part_id = supplier_part_id
        if unit_price is not None:
            line.unit_price = _price(unit_price, f"line {line.line_number}")
        if description is not None and order_line_number is not None:
            line.description = description.strip() or line.description
        if line not in self.lines:
            self.lines.append(line)
        self._changed(order, ["lines"])
        return line

    def remove_line(self, order: Order, line_number: int) -> None:
        """Take a line off the invoice (kept, with quantity 0); the order line it
        billed is invoiced that much less."""
        line = self._line(line_number)
        if len(self.active_lines) == 1:
            raise InvoiceEditRefused(
                f"line {line_number} is the last line of invoice {self.number};"
                " credit the invoice instead"
            )
        _follow_line(order, line, -line.quantity)
        line.quantity = ZERO
        line.status = REMOVED
        self._changed(order, ["lines"])

    def change_terms(
        self,
        *,
        bill_to: Mapping[str, Any] | None = None,
        comments: str | None = None,
        due: date | None = None,
    ) -> list[str]:
        changed = []
        if bill_to is not None and dict(bill_to) != (self.bill_to or {}):
            self.bill_to = _checked_address(bill_to)
            changed.append("bill_to")
        if comments is not None and (comments.strip() or None) != self.comments:
            self.comments = comments.strip() or None
            changed.append("comments")
        if due is not None and due != self.due_date:
            if due < utc(self.invoice_date).date():
                raise InvoiceEditRefused(
                    f"due date {due} is before the invoice date {utc(self.invoice_date).date()}"
                )
            self.due_date = due
            changed.append("due_date")
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed

    def mark_sent(self, at: datetime, via: str, to: str | None = None) -> bool:
        """Record that the buyer has it; False when it was recorded already."""
        if self.state == SENT:
            return False
        if at.tzinfo is None:
            raise InvoiceEditRefused("the sending time needs a UTC offset")
        self.state = SENT
        self.sent_at = at.astimezone(UTC)
        self.sent_via = via[:64]
        self.sent_to = to[:254] if to else None
        self.updated_at = datetime.now(UTC)
        return True

    def _line(self, line_number: int) -> InvoiceLine:
        line = next((x for x in self.lines if x.line_number == line_number and x.active), None)
        if line is None:
            raise InvoiceEditRefused(f"{self.kind} {self.number} has no line {line_number}")
        return line

    def _order_line_billed(self, order: Order, number: int, quantity: Decimal) -> InvoiceLine:
        ordered = next((x for x in order.lines if x.line_number == number), None)
        if ordered is None:
            raise InvoiceEditRefused(f"order {order.number} has no line {number}")
        if ordered.unit_price is None:
            raise InvoiceEditRefused(f"order {order.number} line {number} has no unit price")
        kept = next((x for x in self.lines if x.order_line_id == ordered.id), None)
        if kept is not None and kept.active:
            raise InvoiceEditRefused(
                f"invoice {self.number} bills order line {number} already (line"
                f" {kept.line_number}); change that line's quantity instead"
            )
        line = kept or InvoiceLine.billing(ordered, ZERO)
        line.status = ACTIVE
        line.quantity = ZERO
        _follow_line(order, line, quantity)
        line.quantity = quantity
        line.unit_price = ordered.unit_price
        return line

    def _free_line(
        self, order: Order, quantity: Decimal, description: str | None, uom: str | None
    ) -> InvoiceLine:
        if not (description or "").strip():
            raise InvoiceEditRefused("a line of its own needs a description")
        taken = [x.line_number for x in (*order.lines, *self.lines)]
        return InvoiceLine(
            line_number=max(taken, default=0) + 1,
            order_line_id=None,
            quantity=quantity,
            unit_of_measure=(uom or "EA").strip().upper()[:8],
            buyer_part_id=None,
            description=description.strip(),
            status=ACTIVE,
        )

    def _changed(self, order: Order, changed: list[str]) -> list[str]:
        if changed:
            self.updated_at = datetime.now(UTC)
            follow_invoicing(order)
        return changed

    # Credit notes

    @classmethod
    def credit_note(
        cls,
        invoice: Invoice,
        number: str,
        series: str,
        *,
        quantities: Mapping[int, Decimal] | None,
        credited: Mapping[int, Decimal],
        charges_credited: bool,
        comments: str | None = None,
    ) -> Invoice:
        """A credit note for all that is left to credit on `invoice` (its charges
        too, unless credited already), or for `quantities` of its lines (by line
        number). `credited` is what earlier credit notes took per line. The order
        is invoiced that much less."""
        if invoice.purpose == CREDIT:
            raise InvoiceEditRefused(f"{invoice.number} is a credit note; credit an invoice")
        left = {
            line.line_number: line.quantity - credited.get(line.line_number, ZERO)
            for line in invoice.active_lines
        }
        taking = _credited_quantities(invoice, left, quantities)
        whole = quantities is None and not charges_credited
        if not taking and not (whole and (invoice.shipping_amount or invoice.tax_amount)):
            raise InvoiceEditRefused(f"invoice {invoice.number} has nothing left to credit")
        order = invoice.order
        note = cls(number, series, order, datetime.now(UTC))
        note.purpose, note.origin = CREDIT, INVOICE
        note.credits_invoice_id = invoice.id
        note.bill_to = dict(invoice.bill_to) if invoice.bill_to else None
        note.net_days, note.due_date = None, None
        note.comments = comments
        if whole:
            note.shipping_amount = invoice.shipping_amount
            note.tax_amount = invoice.tax_amount
            note.discount_amount = invoice.discount_amount
        by_number = {line.line_number: line for line in invoice.active_lines}
        for line_number, quantity in sorted(taking.items()):
            billed = by_number[line_number]
            _follow_line(order, billed, -quantity)
            note.lines.append(_credit_line(billed, quantity))
        follow_invoicing(order)
        return note


def due_date(invoice_date: datetime, net_days: int | None) -> date | None:
    if net_days is None:
        return None
    return utc(invoice_date).date() + timedelta(days=net_days)


def invoice_quantities(order: Order, *, shipped_only: bool) -> dict[int, Decimal]:
    """The quantity to invoice per line number; refused when there is none, or a
    line to bill has no price."""
    if order.status in ("cancelled", "on_hold"):
        state = "on hold" if order.status == "on_hold" else "cancelled"
        raise InvoiceRefused(f"order {order.number} is {state}")
    quantities = {
        line.line_number: quantity
        for line in order.lines
        if (quantity := uninvoiced_quantity(line, shipped_only=shipped_only)) > 0
    }
    if not quantities:
        what = "shipped and not yet invoiced" if shipped_only else "left to invoice"
        raise NothingToInvoice(f"order {order.number} has nothing {what}")
    unpriced = [
        line.line_number
        for line in order.lines
        if line.line_number in quantities and line.unit_price is None
    ]
    if unpriced:
        raise InvoiceRefused(
            f"order {order.number} line {', '.join(map(str, unpriced))} has no unit price"
        )
    return quantities


def charges_billed(earlier: list[tuple[str, Decimal, Decimal, Decimal]]) -> bool:
    """Whether an order's shipping, tax and discount are on an earlier invoice and
    not credited back; `earlier` holds (purpose, shipping, tax, discount) of its
    invoices and credit notes. If not, the next invoice bills them."""
    net = [ZERO, ZERO, ZERO]
    for purpose, *charges in earlier:
        sign = -1 if purpose == CREDIT else 1
        net = [total + sign * charge for total, charge in zip(net, charges, strict=True)]
    return any(total != 0 for total in net)


def check_total(invoice: Invoice, total: Decimal | None) -> None:
    """An uploaded invoice's stated total must be what its lines and charges come to
    (to the cent)."""
    if total is not None and cents(total) != cents(invoice.total):
        raise InvoiceRefused(
            f"the document's total {total} is not what order {invoice.order.number} bills:"
            f" {cents(invoice.total)} {invoice.currency}"
        )


def status_after_invoicing(status: str, lines: list[tuple[str, Decimal, Decimal, Decimal]]) -> str:
    """An order's status once its invoiced quantities changed: invoiced when every
    active line is billed in full; back to where shipping left it when an invoiced
    order is billed less again. `lines` are (status, ordered, shipped, invoiced)."""
    active = [line for line in lines if line[0] != "removed"]
    billed_in_full = all(invoiced >= ordered for _, ordered, _, invoiced in active)
    if billed_in_full and status not in ("closed", "invoiced", "cancelled", "on_hold"):
        return "invoiced"
    if not billed_in_full and status == "invoiced":
        if all(shipped >= ordered for _, ordered, shipped, _ in active):
            return "shipped"
        return "partially_shipped" if any(line[2] > 0 for line in active) else "in_progress"
    return status


def follow_invoicing(order: Order) -> None:
    lines = [
        (line.status, line.quantity, line.shipped_quantity, line.invoiced_quantity)
        for line in order.lines
    ]
    order.status = status_after_invoicing(order.status, lines)
    order.updated_at = datetime.now(UTC)


def _follow_line(order: Order, line: InvoiceLine, change: Decimal) -> None:
    """The order line an invoice line bills is invoiced `change` more (or less)."""
    if line.order_line_id is None or change == 0:
        return
    ordered = next(x for x in order.lines if x.id == line.order_line_id)
    invoiced = ordered.invoiced_quantity + change
    uom = ordered.unit_of_measure
    if invoiced > ordered.quantity and change > 0:
        raise InvoiceEditRefused(
            f"order {order.number} line {ordered.line_number}: {invoiced} {uom} would be"
            f" invoiced but only {ordered.quantity} {uom} were ordered"
        )
    ordered.invoiced_quantity = max(invoiced, ZERO)


def _credited_quantities(
    invoice: Invoice, left: dict[int, Decimal], quantities: Mapping[int, Decimal] | None
) -> dict[int, Decimal]:
    if quantities is None:
        return {number: quantity for number, quantity in left.items() if quantity > 0}
    if not quantities:
        raise InvoiceEditRefused("name the lines to credit, or credit the whole invoice")
    for number, quantity in quantities.items():
        if number not in left:
            raise InvoiceEditRefused(f"invoice {invoice.number} has no line {number}")
        _positive(quantity, f"line {number}: the quantity to credit")
        if quantity > left[number]:
            uom = next(x.unit_of_measure for x in invoice.active_lines if x.line_number == number)
            raise InvoiceEditRefused(
                f"line {number}: {quantity} {uom} to credit but only {left[number]} {uom}"
                f" left to credit on invoice {invoice.number}"
            )
    return dict(quantities)


def _credit_line(billed: InvoiceLine, quantity: Decimal) -> InvoiceLine:
    return InvoiceLine(
        line_number=billed.line_number,
        order_line_id=billed.order_line_id,
        quantity=quantity,
        unit_of_measure=billed.unit_of_measure,
        unit_price=billed.unit_price,
        supplier_part_id=billed.supplier_part_id,
        buyer_part_id=billed.buyer_part_id,
        description=billed.description,
        status=ACTIVE,
    )


def _positive(quantity: Decimal, what: str) -> None:
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
        raise InvoiceEditRefused(f"{what} must be a positive number")


def _price(price: Decimal, what: str) -> Decimal:
    if not isinstance(price, Decimal) or not price.is_finite() or price < 0:
        raise InvoiceEditRefused(f"{what}: the unit price must be a number, 0 or more")
    return price


def _checked_address(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(ADDRESS_FIELDS))
    if unknown:
        raise InvoiceEditRefused(
            f"unknown address field(s) {', '.join(unknown)}; known: {', '.join(ADDRESS_FIELDS)}"
        )
    if not (values.get("name") or "").strip():
        raise InvoiceEditRefused("the billing address needs a name")
    return {name: values.get(name) for name in ADDRESS_FIELDS if values.get(name) is not None}


def _address(values: dict[str, Any] | None) -> Address | None:
    if not values:
        return None
    stored = dict(values)
    stored["deliver_to"] = tuple(stored.get("deliver_to") or ())
    stored["street"] = tuple(stored.get("street") or ())
    return Address(**stored)
