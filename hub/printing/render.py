"""Printing an order, its pick list, a shipment's packing slip, an invoice and a return
authorization, as
HTML or as PDF (WeasyPrint).

Templates are Jinja2, autoescaped and sandboxed. The loader looks in
`<data_dir>/templates/` first, so an administrator replaces any template by
putting a file of the same name there (they may extend `base.html`, theirs or
ours); the templates shipped in this package are the fallback. Overrides are read
on every print, so a new one is used without a restart. A template can reach
nothing outside the document: the PDF renderer fetches only `data:` URLs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from core.errors import NotFound, OrderB2BError
from core.storage import queries, rma_queries, settings
from core.storage.scope import Groups
from mail.formatting import day, decimal_or_none, money, nonzero, quantity

TEMPLATES = {
    "order": "order.html",
    "pick-list": "pick_list.html",
    "packing-slip": "packing_slip.html",
    "invoice": "invoice.html",
    "purchase-order": "purchase_order.html",
    "rma": "rma.html",
}
ORDER_KINDS = ("order", "pick-list")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
COMPANY = ("company.name", "company.address")
ZERO = Decimal(0)


class PrintRefused(OrderB2BError):
    """A document that cannot be printed as asked (kind, format or template)."""


@dataclass(frozen=True)
class Printed:
    media_type: str
    content: bytes
    filename: str


def print_order(
    app, number: str, kind: str = "order", fmt: str = "pdf", groups: Groups = None
) -> Printed:
    """The order itself, or the warehouse's pick list of what is left to ship.
    `groups` limits what may be printed to those customer groups' orders."""
    if kind not in ORDER_KINDS:
        raise PrintRefused(f"an order prints as one of {', '.join(ORDER_KINDS)}, not {kind!r}")
    order = queries.order_detail(app.engine, number, groups)
    context = {"order": order, **_order_lines(order)}
    return printed(app, kind, number, fmt, context)


def print_packing_slip(
    app, shipment_number: str, fmt: str = "pdf", groups: Groups = None
) -> Printed:
    shipment = queries.shipment_detail(app.engine, shipment_number)
    order = _order_of(app, shipment["order_number"], groups, f"no shipment {shipment_number}")
    ordered = {line["line_number"]: line for line in order["lines"]}
    lines = [
        {**line, "ordered": ordered.get(line["line_number"], {}).get("quantity")}
        for line in shipment["lines"]
    ]
    context = {"shipment": shipment, "order": order, "lines": lines}
    return printed(app, "packing-slip", shipment_number, fmt, context)


def print_invoice(app, invoice_number: str, fmt: str = "pdf", groups: Groups = None) -> Printed:
    invoice = queries.invoice_detail(app.engine, invoice_number)
    order = _order_of(app, invoice["order_number"], groups, f"no invoice {invoice_number}")
    lines = [line for line in invoice["lines"] if line.get("status") != "removed"]
    context = {"invoice": invoice, "order": order, "lines": lines}
    return printed(app, "invoice", invoice_number, fmt, context)


def print_rma(app, rma_number: str, fmt: str = "pdf", groups: Groups = None) -> Printed:
    """The return authorization the customer puts in the box."""
    rma = rma_queries.rma_detail(app.engine, rma_number, groups=groups)
    order = _order_of(app, rma["order_number"], groups, f"no RMA {rma_number}")
    return printed(app, "rma", rma_number, fmt, {"rma": rma, "order": order})


def _order_of(app, number: str, groups: Groups, unknown: str) -> dict[str, Any]:
    """The order a shipment or invoice belongs to; outside `groups` the document
    itself is not found."""
    try:
        return queries.order_detail(app.engine, number, groups)
    except NotFound:
        raise NotFound(unknown) from None


def render_html(data_dir: Path, kind: str, context: dict[str, Any]) -> str:
    return render_template(data_dir, [TEMPLATES[kind]], context)


def render_template(data_dir: Path, names: list[str], context: dict[str, Any]) -> str:
    """The first of the named templates there is (an override in the data dir before
    ours), rendered with the context."""
    try:
        template = _environment(str(Path(data_dir) / "templates")).select_template(names)
        return template.render(**context)
    except jinja2.TemplateError as error:
        raise PrintRefused(f"the {names[0]} template failed: {error}") from None


def render_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint is slow to load and only printing needs it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def printed(app, kind: str, number: str, fmt: str, context: dict[str, Any]) -> Printed:
    if fmt not in MEDIA_TYPES:
        raise PrintRefused(f"format must be one of {', '.join(MEDIA_TYPES)}, not {fmt!r}")
    company = settings.current(app.engine, COMPANY)
    context = {
        "kind": kind,
        "number": number,
        "company": {
            "name": company["company.name"],
            "address": [line for line in company["company.address"].splitlines() if line],
        },
        **context,
    }
    html = render_html(app.config.data_dir, kind, context)
    content = render_pdf(html) if fmt == "pdf" else html.encode("utf-8")
    return Printed(MEDIA_TYPES[fmt], content, f"{number}-{kind}.{fmt}")


def _order_lines(order: dict[str, Any]) -> dict[str, Any]:
    """The lines that count (removed ones left out) with their amounts, what is
    left to pick of each, and the order's totals."""
    lines = []
    for line in order["lines"]:
        if line["status"] == "removed":
            continue
        quantity, price = decimal_or_none(line["quantity"]), decimal_or_none(line["unit_price"])
        to_pick = max(quantity - decimal_or_none(line["shipped_quantity"]), ZERO)
        amount = None if price is None else quantity * price
        lines.append({**line, "amount": amount, "to_pick": to_pick})
    subtotal = sum((line["amount"] for line in lines if line["amount"] is not None), ZERO)
    return {
        "lines": lines,
        "to_pick": [line for line in lines if line["to_pick"] > 0],
        "subtotal": subtotal,
    }


@functools.cache
def _environment(overrides: str) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(overrides), jinja2.PackageLoader("hub.printing", "templates")]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        # Parsed on every print: an override put in place later is used at once.
        cache_size=0,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        money=money, quantity=quantity, day=day, address=address_lines, nonzero=nonzero
    )
    return environment


def address_lines(address: dict[str, Any] | None) -> list[str]:
    """A stored address as the lines printed on an envelope."""
    if not address:
        return []
    region = " ".join(part for part in (address.get("state"), address.get("postal_code")) if part)
    place = ", ".join(part for part in (address.get("city"), region) if part)
    lines = [
        address.get("name"),
        *(address.get("deliver_to") or ()),
        *(address.get("street") or ()),
        place,
        address.get("country"),
    ]
    return [line for line in lines if line]
