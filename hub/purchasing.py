"""Purchase orders leave the hub: the PO as a canonical order for the supplier's
channel (cXML OrderRequest, X12 850) or as a PDF for email, then frozen and queued."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from core import commands
from core.canonical import Address, CanonicalOrder, OrderLine, address_of
from core.errors import NotFound, OrderB2BError
from core.ports import Actor
from core.storage import purchasing_queries, settings
from hub import availability
from hub.bootstrap import App
from hub.outbound.renderers import render
from hub.printing import render as printing


def po_document(app: App, number: str) -> tuple[dict[str, Any], CanonicalOrder]:
    """The PO as shown and as the canonical order the channel renderers take."""
    po = purchasing_queries.purchase_order_detail(app.engine, number)
    supplier = purchasing_queries.supplier_detail(app.engine, po["supplier_code"])
    company = _company(app)
    us = Address(name=company["name"], street=tuple(company["address"]))
    ship_to = address_of(po["ship_to"]) if po["dropship"] and po["ship_to"] else us
    notes = [po["notes"], *(c["text"] for c in po["comments"] if c["sent_to_supplier"])]
    canonical = CanonicalOrder(
        channel=po["channel"],
        partner=supplier["partner_code"] or supplier["code"],
        external_order_id=number,
        order_date=_moment(po["sent_at"]) or datetime.now(UTC),
        currency=po["currency"],
        lines=tuple(
            _line(line, po["currency"]) for line in po["lines"] if line["status"] == "open"
        ),
        buyer_organisation=company["name"],
        ship_to=ship_to,
        bill_to=us,
        total_amount=Decimal(po["total"]),
        extrinsics={"dropship": po["dropship"]} if po["dropship"] else {},
        comments="\n".join(note for note in notes if note) or None,
    )
    return {"po": po, "supplier": supplier, "company": company}, canonical


def assign_supplier_line(
    app: App, actor: Actor, order_number: str, line_number: int, supplier: str, **values
) -> tuple[str, list[dict[str, Any]]]:
    """Buy a sales-order line (or part of it) from a supplier, asking the supplier's
    system for the part's price and availability first (M-51): its live price, when
    it answers, is the cost. Returns the PO number and the P&A answer shown."""
    with app.uow_factory(actor) as uow:
        order = uow.orders.get(order_number)
        line = (
            next((li for li in order.lines if li.line_number == line_number), None)
            if order
            else None
        )
        sku = line.supplier_part_id if line else None
        known = uow.purchasing.catalogue_cost(sku, supplier) if sku else None
    part = known.supplier_part_id if known else sku
    live = availability.availability(app, supplier, [part]) if part else []
    command = commands.AssignSupplier(
        order_number, line_number, supplier, live_price=_live_price(live), **values
    )
    return app.bus.execute(command, actor), live


def _live_price(answers: list[dict[str, Any]]) -> Decimal | None:
    for answer in answers:
        if answer.get("found") and answer.get("unit_price") is not None and not answer["stale"]:
            return Decimal(answer["unit_price"])
    return None


def print_purchase_order(app: App, number: str, fmt: str = "pdf") -> printing.Printed:
    shown, canonical = po_document(app, number)
    context = {
        "po": shown["po"],
        "supplier": shown["supplier"],
        "lines": [line for line in shown["po"]["lines"] if line["status"] == "open"],
        "comments": [c for c in shown["po"]["comments"] if c["sent_to_supplier"]],
        "ship_to": _plain_address(canonical.ship_to),
    }
    return printing.printed(app, "purchase-order", number, fmt, context)


def send_purchase_order(app: App, number: str, actor: Actor) -> dict[str, Any]:
    """Render the PO for its supplier's channel, then freeze and queue it."""
    shown, canonical = po_document(app, number)
    po, supplier = shown["po"], shown["supplier"]
    if po["state"] != "draft":
        raise OrderB2BError(f"{number} is {po['state']}: only a draft PO can be sent")
    if supplier["channel"] == "email":
        pdf = print_purchase_order(app, number).content
        command = commands.SendPurchaseOrder(number, "application/pdf", pdf, number)
    else:
        with app.uow_factory(actor) as uow:
            partner = uow.partners.get(supplier["partner_code"])
            uow.detach()
        if partner is None:
            raise NotFound(
                f"supplier {supplier['code']}'s partner {supplier['partner_code']} is unknown"
            )
        rendered = render(app, partner, canonical)
        command = commands.SendPurchaseOrder(
            number,
            rendered.content_type,
            rendered.raw,
            rendered.key,
            partner.endpoint("purchase_order"),
        )
    document_id = app.bus.execute(command, actor)
    return {"number": number, "channel": supplier["channel"], "outbound_document_id": document_id}


def _company(app: App) -> dict[str, Any]:
    company = settings.current(app.engine, printing.COMPANY)
    lines = [line for line in company["company.address"].splitlines() if line]
    return {"name": company["company.name"], "address": lines}


def _line(line: dict[str, Any], currency: str) -> OrderLine:
    return OrderLine(
        line_number=line["line_number"],
        quantity=Decimal(line["quantity"]),
        unit_of_measure=line["unit_of_measure"],
        unit_price=Decimal(line["unit_cost"]),
        currency=currency,
        buyer_part_id=line["sku"],
        supplier_part_id=line["supplier_part_id"] or line["sku"],
        manufacturer_part_id=line["manufacturer_part_id"],
        manufacturer_name=line["manufacturer_name"],
        description=line["description"],
    )


def _plain_address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {name: getattr(address, name) for name in Address.__dataclass_fields__}


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
