"""Quotes: made for a customer or a new lead, versioned, priced by the engine, by a
version's margin or discount level or by hand, sent (frozen with the PDF the
customer gets) and turned into an order once.

A caller limited to some customer groups meets quotes of other customers as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from core import commands, events, ports
from core.canonical import Address, CanonicalOrder, Contact, Payment
from core.canonical import OrderLine as CanonicalLine
from core.errors import NotFound
from core.handlers.customers import add_customer
from core.handlers.order_edits import confirmation_requested
from core.model.customers import Customer, CustomerContact
from core.model.order_edits import CONFIRMATION_EMAIL
from core.model.orders import Order
from core.model.orders import format_number as order_number
from core.model.quotes import (
    ZERO,
    CustomerFacts,
    Priced,
    PricedLine,
    Quote,
    QuoteRefused,
    QuoteVersion,
    Totals,
    format_number,
    payment_terms,
    quantity_of,
)
from core.model.rfqs import check_email

Scope = frozenset[int] | None
VALID_DAYS = "quotes.valid_days"
LEAD_CODE_ATTEMPTS = 5
ADDRESS_TEXT = ("name", "city", "state", "postal_code", "country", "email", "phone")


class ConvertedQuote(NamedTuple):
    order_number: str
    created: bool  # False: the order had been made already


class QuoteDocument(NamedTuple):
    """A version as it is printed, with the digest of what it shows."""

    quote: Quote
    version: QuoteVersion
    customer: CustomerFacts
    totals: Totals
    content_key: str


def create_quote(command: commands.CreateQuote, uow: ports.UnitOfWork) -> str:
    customer = _customer_of_new_quote(command, uow)
    facts = customer_facts(uow, customer)
    quote = new_quote(
        uow,
        facts,
        kind=command.kind,
        currency=command.currency,
        notes=command.notes,
        valid_until=command.valid_until,
    )
    version = quote.versions[0]
    version.set_level(command.margin_percent, command.discount_percent)
    version.set_terms(shipping_method=command.shipping_method)
    for line in command.lines:
        add_priced_line(uow, version, line, facts)
    recalculate(uow, version, facts)
    uow.quotes.add(quote)
    record(uow, "quote.create", quote.number, customer=facts.code)
    return quote.number


def change_quote(command: commands.ChangeQuote, uow: ports.UnitOfWork) -> str:
    """Returns the quote's status."""
    quote = _quote(uow, command.number, command.groups)
    if command.notes is not None:
        quote.set_notes(command.notes.strip() or None)
    if command.valid_until is not None:
        quote.set_valid_until(_future(command.valid_until))
    if command.action is not None:
        quote.act(command.action, _today())
    return quote.status


def add_quote_version(command: commands.AddQuoteVersion, uow: ports.UnitOfWork) -> int:
    """A draft copy of the latest (or the named) version, or an empty one."""
    quote = _quote(uow, command.number, command.groups)
    if command.empty or not quote.versions:
        version = quote.new_version(command.kind)
        version.set_terms(ship_to=customer_facts(uow, _customer_of(uow, quote)).ship_to)
    else:
        copy_from = command.copy_from or quote.version().version_number
        version = quote.new_version(command.kind, copy_from)
    uow.quotes.add(quote)
    return version.version_number


def change_quote_version(command: commands.ChangeQuoteVersion, uow: ports.UnitOfWork) -> None:
    quote = _quote(uow, command.number, command.groups)
    version = quote.editable_version(command.version)
    facts = customer_facts(uow, _customer_of(uow, quote))
    terms = {
        name: value
        for name in ("kind", "shipping_method", "ship_to", "notes")
        if (value := getattr(command, name)) is not None
    }
    if terms:
        version.set_terms(**{k: (v or None) if isinstance(v, str) else v for k, v in terms.items()})
    if command.pricing is not None:
        margin, discount = _level(command.pricing, command.percent)
        version.set_level(margin, discount)
        for line in version.open_lines:
            priced = price_of(uow, line.sku, facts, line.quantity, known=False)
            line.reprice(priced, margin, discount)
    recalculate(uow, version, facts)


def add_quote_lines(command: commands.AddQuoteLines, uow: ports.UnitOfWork) -> list[int]:
    quote = _quote(uow, command.number, command.groups)
    version = quote.editable_version(command.version)
    facts = customer_facts(uow, _customer_of(uow, quote))
    if not command.lines:
        raise QuoteRefused("no lines to add")
    added = [add_priced_line(uow, version, line, facts).line_number for line in command.lines]
    recalculate(uow, version, facts)
    return added


def change_quote_line(command: commands.ChangeQuoteLine, uow: ports.UnitOfWork) -> None:
    quote = _quote(uow, command.number, command.groups)
    version = quote.editable_version(command.version)
    facts = customer_facts(uow, _customer_of(uow, quote))
    if command.remove:
        version.remove_line(command.line)
    else:
        if command.quantity is None and command.unit_price is None:
            raise QuoteRefused("nothing to change: give a quantity or a price")
        if command.quantity is not None:
            line = version.change_quantity(command.line, command.quantity)
            priced = price_of(uow, line.sku, facts, line.quantity, known=False)
            line.reprice(priced, version.margin_percent, version.discount_percent)
        if command.unit_price is not None:
            version.set_price(command.line, command.unit_price, command.reason, uow.actor.name)
    recalculate(uow, version, facts)


def send_quote_version(command: commands.SendQuoteVersion, uow: ports.UnitOfWork) -> str:
    """Freeze the version with its PDF and queue the email; returns the recipient."""
    quote = _quote(uow, command.number, command.groups)
    version = quote.editable_version(command.version)
    if version.content_key() != command.content_key:
        raise QuoteRefused(
            f"quote {quote.number} version {version.version_number} changed while it was"
            " being printed; send it again"
        )
    if not command.pdf.startswith(b"%PDF-"):
        raise QuoteRefused("the document to send is not a PDF")
    facts = customer_facts(uow, _customer_of(uow, quote))
    if not (command.recipient or facts.email):
        raise QuoteRefused(f"customer {facts.code} has no email address; name a recipient")
    recipient = check_email(command.recipient or facts.email)
    version.freeze(command.pdf, uow.actor.name, recipient, datetime.now(UTC))
    quote.mark_sent(version)
    uow.quotes.keep_pdf(version, command.pdf)
    uow.emit(
        events.QuoteSent(
            quote.number, version.version_number, recipient, facts.code, version.pdf_sha256
        )
    )
    record(uow, "quote.send", quote.number, version=version.version_number, to=recipient)
    return recipient


def convert_quote(command: commands.ConvertQuote, uow: ports.UnitOfWork) -> ConvertedQuote:
    """The order of the quote's sent version: made once; asked again, the same order."""
    quote = _quote(uow, command.number, command.groups, lock=True)
    if quote.status == "ordered":
        made = uow.quotes.order_of(quote.latest_sent())
        if made is not None:
            return ConvertedQuote(made, False)
    version = quote.version_to_order(command.version, _today())
    facts = customer_facts(uow, _customer_of(uow, quote))
    if command.payment_method:
        payment = payment_terms(command.payment_method, command.po_number, facts)
    else:
        payment = _default_payment(facts)
    method = command.shipping_method or version.shipping_method
    totals = version.totals()
    if method != version.shipping_method:
        shipping = shipping_price(uow, method, totals, version.ship_to)
        totals = version.totals(shipping, totals.tax)
    order = make_order(
        uow,
        channel="quote",
        external_id=quote.number,
        source=f"{quote.number}/{version.version_number}",
        customer=facts,
        currency=quote.currency,
        lines=version.open_lines,
        totals=totals,
        shipping_method=method,
        ship_to=version.ship_to or facts.ship_to,
        payment=payment,
        extrinsics={"quote": quote.number, "quote_version": str(version.version_number)},
    )
    order.quote_version_id = version.id
    uow.emit(events.QuoteConverted(quote.number, version.version_number, order.number))
    record(uow, "quote.convert", quote.number, version=version.version_number, order=order.number)
    return ConvertedQuote(order.number, True)


def quote_document(
    uow: ports.UnitOfWork, number: str, version_number: int | None, groups: Scope
) -> QuoteDocument:
    """A version as it is printed (read only: nothing is committed)."""
    quote = _quote(uow, number, groups)
    version = quote.version(version_number)
    facts = customer_facts(uow, _customer_of(uow, quote))
    return QuoteDocument(quote, version, facts, version.totals(), version.content_key())


# Shared with RFQs and carts


def new_quote(
    uow: ports.UnitOfWork,
    customer: CustomerFacts,
    *,
    kind: str,
    currency: str,
    notes: str | None,
    valid_until: date | None = None,
) -> Quote:
    """A numbered quote with an empty first version, valid for the set number of days."""
    if valid_until is None:
        valid_until = _today() + timedelta(days=int(uow.settings.get(VALID_DAYS)))
    number = format_number(uow.next_counter("quote")[0])
    quote = Quote(
        number,
        customer.id,
        uow.actor.name,
        _future(valid_until),
        currency=currency,
        notes=(notes or "").strip() or None,
    )
    quote.new_version(kind).set_terms(ship_to=customer.ship_to)
    return quote


def add_priced_line(
    uow: ports.UnitOfWork,
    version: QuoteVersion,
    line: commands.PricedLineInput,
    customer: CustomerFacts,
    *,
    known: bool = True,
) -> PricedLine:
    quantity = quantity_of(line.quantity, f"{line.sku}")
    added = version.add_line(price_of(uow, line.sku, customer, quantity, known=known), quantity)
    if line.unit_price is not None:
        version.set_price(added.line_number, line.unit_price, line.reason, uow.actor.name)
    return added


def price_of(
    uow: ports.UnitOfWork, sku: str, customer: CustomerFacts, quantity: Decimal, *, known: bool
) -> Priced:
    """The engine's price; for a part we do not sell (`known` False) an unpriced line."""
    sku = (sku or "").strip()
    if not sku or len(sku) > 100:
        raise QuoteRefused("a line needs a part number of up to 100 characters")
    priced = uow.sales_desk.price(sku, customer.code, quantity)
    if priced is not None:
        return priced
    if known:
        raise QuoteRefused(f"no product {sku}")
    return Priced(sku, None, "EA", None, None, None, "unpriced")


def recalculate(uow: ports.UnitOfWork, version: QuoteVersion, customer: CustomerFacts) -> None:
    """The version's shipping (by the shipping ranges), tax and totals."""
    before = version.totals(ZERO, ZERO)
    shipping = shipping_price(uow, version.shipping_method, before, version.ship_to)
    tax = uow.sales_desk.tax(version.ship_to, before.subtotal, customer.code)
    version.recalculate(shipping, tax)


def shipping_price(
    uow: ports.UnitOfWork, method: str | None, totals: Totals, ship_to: dict | None
) -> Decimal:
    if not method:
        return ZERO
    value = totals.subtotal - totals.discount
    country = (ship_to or {}).get("country")
    price = uow.sales_desk.shipping(method, value, totals.weight, country)
    if price is None:
        raise QuoteRefused(
            f"no shipping range prices {method} for {value} and {totals.weight} lb"
            f" to {country or 'any country'}"
        )
    return price


def customer_facts(uow: ports.UnitOfWork, customer: Customer) -> CustomerFacts:
    """The customer with its primary contact and default addresses."""
    contacts = [c for c in uow.customers.contacts(customer.id) if not c.archived]
    contact = next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)
    addresses = [a for a in uow.customers.addresses(customer.id) if not a.archived]
    email = customer.email or (contact.email if contact else None)
    phone = customer.phone or (contact.phone if contact else None)
    return CustomerFacts(
        id=customer.id,
        code=customer.code,
        name=customer.name,
        email=email,
        phone=phone,
        status=customer.status,
        group_id=customer.group_id,
        net_terms_days=customer.net_terms_days,
        tax_exempt=bool(customer.tax_exempt),
        contact_name=contact.name if contact else None,
        ship_to=_address(addresses, "shipping", customer, contact),
        bill_to=_address(addresses, "billing", customer, contact),
    )


def add_lead(uow: ports.UnitOfWork, lead: commands.NewLead, groups: Scope) -> Customer:
    """A new customer with status lead, in the group new leads go to (or the caller's
    own group), with its contact as the primary one."""
    for _ in range(LEAD_CODE_ATTEMPTS):
        code = f"L{uow.next_counter('lead')[0]:06d}"
        if uow.customers.get(code) is None:
            break
    else:
        raise QuoteRefused("no free customer code for a new lead; try again")
    values = {"email": lead.email, "phone": lead.phone}
    add_customer(
        commands.AddCustomer(code, lead.name, values=values, status="lead", scope=groups), uow
    )
    customer = uow.customers.get(code)
    if lead.contact_name:
        contact = {"name": lead.contact_name, "email": lead.email, "phone": lead.phone}
        uow.customers.add_part(CustomerContact(customer.id, {**contact, "is_primary": True}))
    return customer


def make_order(
    uow: ports.UnitOfWork,
    *,
    channel: str,
    external_id: str,
    source: str,
    customer: CustomerFacts,
    currency: str,
    lines: Iterable[PricedLine],
    totals: Totals,
    shipping_method: str | None,
    ship_to: dict | None,
    payment: dict | None,
    extrinsics: dict[str, str],
) -> Order:
    """A new order for the customer (partner "direct"), in its history as created by
    whoever made it, announced as received like every other order."""
    number = order_number(uow.next_numbers("order", 1)[0])
    canonical = CanonicalOrder(
        channel=channel,
        partner="direct",
        external_order_id=external_id,
        source_document_id=source,
        order_date=datetime.now(UTC),
        currency=currency,
        lines=tuple(
            CanonicalLine(
                line_number=n,
                quantity=line.quantity,
                unit_of_measure=line.uom,
                unit_price=line.unit_price,
                currency=currency,
                supplier_part_id=line.sku,
                description=line.description,
            )
            for n, line in enumerate(lines, start=1)
        ),
        buyer_organisation=customer.name,
        buyer_contact=Contact(customer.contact_name, customer.email, customer.phone),
        ship_to=_canonical_address(ship_to),
        bill_to=_canonical_address(customer.bill_to),
        shipping_method=shipping_method,
        shipping_amount=totals.shipping,
        tax_amount=totals.tax,
        discount_amount=totals.discount,
        total_amount=totals.total,
        payment=Payment(**payment) if payment else None,
        extrinsics=extrinsics,
    )
    order = Order.from_canonical(number, canonical, None)
    order.customer_id = customer.id
    for line in order.lines:
        line.shipped_quantity = line.invoiced_quantity = line.backordered_quantity = ZERO
    uow.orders.add(order)
    uow.emit(events.OrderReceived(number, channel, "direct", external_id, None))
    wanted = uow.settings.get(CONFIRMATION_EMAIL) or uow.customers.some_group_confirms()
    if customer.email and wanted:
        uow.emit(
            confirmation_requested(number, customer.email, customer.name, customer.contact_name)
        )
    return order


def record(uow: ports.UnitOfWork, action: str, number: str, **detail) -> None:
    """What staff did to a quote, in the activity log."""
    uow.activity.record(action, document_type="quote", document_id=number, detail=detail)


def check_scope(customer: Customer | CustomerFacts | None, groups: Scope) -> bool:
    return customer is not None and (groups is None or customer.group_id in groups)


def _customer_of_new_quote(command: commands.CreateQuote, uow: ports.UnitOfWork) -> Customer:
    if command.customer_code and command.lead:
        raise QuoteRefused("a quote is for a customer or for a new lead, not both")
    if command.lead:
        return add_lead(uow, command.lead, command.groups)
    if not command.customer_code:
        raise QuoteRefused("a quote needs a customer (its code) or a new lead")
    customer = uow.customers.get(command.customer_code)
    if not check_scope(customer, command.groups):
        raise NotFound(f"no customer {command.customer_code}")
    if customer.archived:
        raise QuoteRefused(f"customer {customer.code} is archived")
    return customer


def _quote(uow: ports.UnitOfWork, number: str, groups: Scope, *, lock: bool = False) -> Quote:
    quote = uow.quotes.get(number, lock=lock)
    if quote is None or not check_scope(_customer_of(uow, quote), groups):
        raise NotFound(f"no quote {number}")
    return quote


def _customer_of(uow: ports.UnitOfWork, quote: Quote) -> Customer:
    return uow.sales_desk.customer_by_id(quote.customer_id)


def _level(pricing: str, percent: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    if pricing == "engine":
        return None, None
    if pricing not in ("margin", "discount"):
        raise QuoteRefused("pricing must be engine, margin or discount")
    if percent is None:
        raise QuoteRefused(f"a {pricing} level needs its percentage")
    return (percent, None) if pricing == "margin" else (None, percent)


def _default_payment(customer: CustomerFacts) -> dict | None:
    """A customer with net terms pays on them unless they choose otherwise."""
    return payment_terms("net_terms", None, customer) if customer.net_terms_days else None


def _address(addresses, kind: str, customer: Customer, contact) -> dict | None:
    """The default address of a kind (else the first), in the canonical form."""
    of_kind = [a for a in addresses if a.kind == kind]
    chosen = next((a for a in of_kind if a.is_default), of_kind[0] if of_kind else None)
    if chosen is None:
        return None
    return {
        "name": customer.name,
        "deliver_to": [contact.name] if contact else [],
        "street": [s for s in (chosen.street1, chosen.street2) if s],
        "city": chosen.city,
        "state": chosen.state,
        "postal_code": chosen.postal_code,
        "country": chosen.country,
    }


def _canonical_address(values: dict | None) -> Address | None:
    if not values:
        return None
    known = {name: values.get(name) for name in ADDRESS_TEXT}
    return Address(
        deliver_to=tuple(values.get("deliver_to") or ()),
        street=tuple(values.get("street") or ()),
        **known,
    )


def _future(valid_until: date) -> date:
    if valid_until < _today():
        raise QuoteRefused(f"valid until {valid_until.isoformat()} is in the past")
    return valid_until


def _today() -> date:
    return datetime.now(UTC).date()
