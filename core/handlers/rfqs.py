"""Requests for quotation: kept whole or not at all, matched to a customer by email,
and turned into a quote (for that customer, or a new lead) or declined.

A request with no customer yet belongs to whoever handles new leads: a caller
limited to some customer groups sees it when the group new leads go to is theirs.
"""

from __future__ import annotations

from decimal import Decimal

from core import commands, events, ports
from core.errors import NotFound
from core.handlers.quotes import (
    Scope,
    add_lead,
    add_priced_line,
    check_scope,
    customer_facts,
    new_quote,
    recalculate,
    record,
)
from core.model.customers import Customer
from core.model.rfqs import Rfq, format_number


def receive_rfq(command: commands.ReceiveRfq, uow: ports.UnitOfWork) -> str:
    """Checks the whole request before keeping anything; returns its number."""
    rfq = Rfq(
        "",
        command.source,
        email=command.email,
        company=command.company,
        contact_name=command.contact_name,
        phone=command.phone,
        message=command.message,
        lines=list(command.lines),
        remote_addr=command.remote_addr,
    )
    rfq.number = format_number(uow.next_counter("rfq")[0])
    customer = uow.sales_desk.customer_by_email(rfq.email)
    rfq.customer_id = customer.id if customer else None
    uow.rfqs.add(rfq)
    uow.emit(
        events.RfqReceived(rfq.number, rfq.source, rfq.email, customer.code if customer else None)
    )
    return rfq.number


def quote_rfq(command: commands.QuoteRfq, uow: ports.UnitOfWork) -> str:
    """A quote for the request's customer (or the customer its email now matches, or
    a new lead), its lines priced where we sell the part; returns the quote number."""
    rfq = _rfq(uow, command.number, command.groups, lock=True)
    customer = _customer_for(uow, rfq, command.groups)
    facts = customer_facts(uow, customer)
    notes = f"Request for quotation {rfq.number}" + (f": {rfq.message}" if rfq.message else "")
    quote = new_quote(uow, facts, kind="commercial", currency="USD", notes=notes[:10_000])
    version = quote.versions[0]
    for line in rfq.lines:
        part = line.get("part") or ""
        sku = uow.sales_desk.sku_for_part(part) if part else None
        wanted = commands.PricedLineInput(sku or part or "(unspecified)", Decimal(line["quantity"]))
        added = add_priced_line(uow, version, wanted, facts, known=False)
        if line.get("description") and (added.description is None or sku is None):
            added.description = line["description"]
    recalculate(uow, version, facts)
    uow.quotes.add(quote)
    rfq.quoted(quote.id, customer.id)
    record(uow, "quote.create", quote.number, customer=facts.code, rfq=rfq.number)
    return quote.number


def decline_rfq(command: commands.DeclineRfq, uow: ports.UnitOfWork) -> None:
    _rfq(uow, command.number, command.groups).decline()


def _rfq(uow: ports.UnitOfWork, number: str, groups: Scope, *, lock: bool = False) -> Rfq:
    rfq = uow.rfqs.get(number, lock=lock)
    if rfq is None or not _visible(uow, rfq, groups):
        raise NotFound(f"no request for quotation {number}")
    return rfq


def _visible(uow: ports.UnitOfWork, rfq: Rfq, groups: Scope) -> bool:
    if groups is None:
        return True
    if rfq.customer_id is not None:
        return check_scope(uow.sales_desk.customer_by_id(rfq.customer_id), groups)
    lead_group = uow.customers.lead_group()
    return lead_group is not None and lead_group.id in groups


def _customer_for(uow: ports.UnitOfWork, rfq: Rfq, groups: Scope) -> Customer:
    if rfq.customer_id is not None:
        return uow.sales_desk.customer_by_id(rfq.customer_id)
    customer = uow.sales_desk.customer_by_email(rfq.email)
    if customer is not None:
        if not check_scope(customer, groups):
            raise NotFound(f"no request for quotation {rfq.number}")
        return customer
    name = rfq.company or rfq.contact_name or rfq.email
    lead = commands.NewLead(name, rfq.email, rfq.phone, rfq.contact_name)
    return add_lead(uow, lead, groups)
