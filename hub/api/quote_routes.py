"""/api/v1 quotes (versions, lines, printing, sending, orders and self-service
links), requests for quotation, and the B2B cart.

What a caller sees and changes is limited to the customers of their groups
(`principal.groups`); the core applies the limit, so another team's quote, request
or cart answers 404 as an unknown one does. Amounts and quantities travel as text
("12.50"). Printing and sending are here too, for the CLI and the self-service
pages to share.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from core import commands
from core.handlers.carts import CartView, show_cart
from core.handlers.quotes import QuoteDocument, quote_document
from core.model.quotes import payment_choices
from core.model.rfqs import RfqRefused
from core.storage import quote_queries, settings
from core.storage.history import plain_value
from hub import quote_links
from hub.api.bodies import (
    ADDRESS_FIELDS,
    scope_of,
)
from hub.api.bodies import (
    address_field as _address,
)
from hub.api.bodies import (
    decimal_value as _decimal,
)
from hub.api.bodies import (
    flag_field as _flag,
)
from hub.api.bodies import (
    path_number as _number,
)
from hub.api.bodies import (
    text_field as _text,
)
from hub.api.common import LIMIT, BadQuery, Raw, Route, actor_of, date_field, limit_of
from hub.printing import render

BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
OBJECT = {"type": "object"}
LINES = {"type": "array", "items": {"type": "object"}}
DOCUMENT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
LINK_DAYS = 30
PRINTED_LINE = (
    "line_number",
    "sku",
    "description",
    "quantity",
    "uom",
    "unit_price",
    "list_price",
    "price_source",
    "override_reason",
)
CART_FIELDS = (
    "id",
    "status",
    "owner",
    "currency",
    "shipping_method",
    "shipping_quote",
    "ship_to",
    "payment_method",
    "po_number",
    "discount_code",
    "submitted_as",
    "result_number",
    "submitted_at",
    "created_at",
    "updated_at",
)


# Printing and sending, shared with the CLI


def print_version(
    app, number: str, version: int | None, groups, fmt: str = "pdf"
) -> tuple[QuoteDocument, bytes]:
    """A version as the customer sees it: the kind's own template (quote_<kind>.html)
    when there is one, else quote.html; an administrator's copy in
    <data_dir>/templates wins."""
    if fmt not in DOCUMENT_TYPES:
        raise BadQuery(f"format must be one of {', '.join(DOCUMENT_TYPES)}")
    with app.uow_factory() as uow:
        document = quote_document(uow, number, version, groups)
        context = document_context(document)
        uow.detach()
    company = settings.current(app.engine, render.COMPANY)
    context["company"] = {
        "name": company["company.name"],
        "address": [line for line in company["company.address"].splitlines() if line],
    }
    html = _render(app.config.data_dir, document.version.kind, context)
    return document, render.render_pdf(html) if fmt == "pdf" else html.encode("utf-8")


def send_version(app, actor, number: str, version: int | None, recipient: str | None, groups):
    """Render the version's PDF and freeze the version with it; returns the document."""
    document, pdf = print_version(app, number, version, groups)
    command = commands.SendQuoteVersion(
        number,
        document.version.version_number,
        pdf,
        document.content_key,
        recipient,
        groups,
    )
    sent_to = app.bus.execute(command, actor)
    return document, sent_to, pdf


def link_for(app, number: str, version: int | None, days: int | None, groups) -> dict[str, Any]:
    """A signed self-service link to a sent version (the latest sent unless named),
    valid until the end of the quote's last valid day, or for `days`."""
    detail = quote_queries.quote_detail(app.engine, number, groups=groups)
    sent = [v for v in detail["versions"] if v["status"] == "sent"]
    if version is not None:
        sent = [v for v in sent if v["version_number"] == version]
    if not sent:
        raise quote_links.LinkRefused(f"quote {number} has no sent version to link to")
    chosen = sent[-1]["version_number"]
    now = datetime.now(UTC)
    if days is not None:
        expires = now + timedelta(days=days)
    elif detail["valid_until"]:
        last_day = datetime.fromisoformat(detail["valid_until"]).date()
        expires = datetime.combine(last_day + timedelta(days=1), time(), UTC)
    else:
        expires = now + timedelta(days=LINK_DAYS)
    if expires <= now:
        raise quote_links.LinkRefused(f"quote {number} is no longer valid")
    token = quote_links.sign(quote_links.link_key(app.config), number, chosen, expires)
    return {
        "number": number,
        "version": chosen,
        "url": quote_links.link_url(app.config, token),
        "expires_at": expires.isoformat(),
    }


def document_context(document: QuoteDocument) -> dict[str, Any]:
    quote, version, customer, totals = document[:4]
    return {
        "number": quote.number,
        "kind": version.kind,
        "quote": {
            "number": quote.number,
            "status": quote.status,
            "owner": quote.owner,
            "valid_until": plain_value(quote.valid_until),
            "currency": quote.currency,
            "notes": quote.notes,
        },
        "version": {
            "number": version.version_number,
            "kind": version.kind,
            "status": version.status,
            "sent_at": plain_value(version.sent_at),
            "shipping_method": version.shipping_method,
            "ship_to": version.ship_to,
            "notes": version.notes,
        },
        "customer": customer._asdict(),
        "lines": [_line(line) for line in version.open_lines],
        "totals": {name: plain_value(value) for name, value in totals._asdict().items()},
    }


def _render(data_dir: Path, kind: str, context: dict[str, Any]) -> str:
    return render.render_template(data_dir, [f"quote_{kind}.html", "quote.html"], context)


def _line(line) -> dict[str, Any]:
    values = {name: plain_value(getattr(line, name)) for name in PRINTED_LINE}
    values["amount"] = plain_value(line.amount)
    return values


# Reading bodies


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10**9:
        raise BadQuery(f"{name} must be a whole number above 0")
    return value


def _lines(body: dict, *, required: bool = True) -> tuple[commands.PricedLineInput, ...]:
    lines = body.get("lines")
    if lines is None and not required:
        return ()
    if not isinstance(lines, list) or (required and not lines):
        raise BadQuery("lines must be a list of {sku, quantity[, unit_price, reason]}")
    if len(lines) > 1000:
        raise BadQuery("at most 1000 lines at a time")
    parsed = []
    for n, line in enumerate(lines, start=1):
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str):
            raise BadQuery(f"line {n} must be an object with sku and quantity")
        quantity = _decimal(line, "quantity")
        if quantity is None:
            raise BadQuery(f"line {n} needs a quantity")
        parsed.append(
            commands.PricedLineInput(
                line["sku"], quantity, _decimal(line, "unit_price"), _text(line, "reason")
            )
        )
    return tuple(parsed)


def list_quotes(app, principal, params, query):
    limit = limit_of(query)
    found = quote_queries.list_quotes(
        app.engine,
        groups=scope_of(principal),
        status=query.get("status"),
        customer=query.get("customer"),
        text=query.get("text"),
        after=query.get("after"),
        limit=limit,
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"quotes": found, "next": following}


def count_quotes(app, principal, params, query):
    counts = quote_queries.quote_counts(
        app.engine,
        groups=scope_of(principal),
        customer=query.get("customer"),
        text=query.get("text"),
    )
    return 200, {"counts": counts, "total": sum(counts.values())}


def create_quote(app, principal, params, query, body):
    lead = body.get("lead")
    if lead is not None:
        if not isinstance(lead, dict) or not isinstance(lead.get("name"), str):
            raise BadQuery("lead must be an object with name, email, phone, contact_name")
        lead = commands.NewLead(
            lead["name"], _text(lead, "email"), _text(lead, "phone"), _text(lead, "contact_name")
        )
    command = commands.CreateQuote(
        customer_code=_text(body, "customer"),
        lead=lead,
        kind=_text(body, "kind") or "commercial",
        currency=_text(body, "currency") or "USD",
        notes=_text(body, "notes", size=10_000),
        valid_until=date_field(body, "valid_until"),
        margin_percent=_decimal(body, "margin_percent"),
        discount_percent=_decimal(body, "discount_percent"),
        shipping_method=_text(body, "shipping_method"),
        lines=_lines(body, required=False),
        groups=scope_of(principal),
    )
    number = app.bus.execute(command, actor_of(principal))
    return 201, quote_queries.quote_detail(app.engine, number, groups=scope_of(principal))


def show_quote(app, principal, params, query):
    return 200, quote_queries.quote_detail(app.engine, params["number"], groups=scope_of(principal))


def change_quote(app, principal, params, query, body):
    action = _text(body, "action")
    command = commands.ChangeQuote(
        params["number"],
        notes=_text(body, "notes", size=10_000),
        valid_until=date_field(body, "valid_until"),
        action=action,
        groups=scope_of(principal),
    )
    app.bus.execute(command, actor_of(principal))
    return 200, quote_queries.quote_detail(app.engine, params["number"], groups=scope_of(principal))


def add_version(app, principal, params, query, body):
    command = commands.AddQuoteVersion(
        params["number"],
        kind=_text(body, "kind"),
        copy_from=_whole(body.get("copy_from"), "copy_from"),
        empty=_flag(body, "empty"),
        groups=scope_of(principal),
    )
    version = app.bus.execute(command, actor_of(principal))
    return 201, _version_answer(app, principal, params["number"], version)


def change_version(app, principal, params, query, body):
    version = _number(params["version"], "version")
    command = commands.ChangeQuoteVersion(
        params["number"],
        version,
        kind=_text(body, "kind"),
        pricing=_text(body, "pricing"),
        percent=_decimal(body, "percent"),
        shipping_method=_text(body, "shipping_method"),
        ship_to=_address(body, "ship_to"),
        notes=_text(body, "notes", size=10_000),
        groups=scope_of(principal),
    )
    app.bus.execute(command, actor_of(principal))
    return 200, _version_answer(app, principal, params["number"], version)


def add_lines(app, principal, params, query, body):
    version = _number(params["version"], "version")
    command = commands.AddQuoteLines(
        params["number"], version, _lines(body), groups=scope_of(principal)
    )
    added = app.bus.execute(command, actor_of(principal))
    return 201, {"added": added, **_version_answer(app, principal, params["number"], version)}


def change_line(app, principal, params, query, body):
    version = _number(params["version"], "version")
    command = commands.ChangeQuoteLine(
        params["number"],
        version,
        _number(params["line"], "line"),
        quantity=_decimal(body, "quantity"),
        unit_price=_decimal(body, "unit_price"),
        reason=_text(body, "reason"),
        remove=_flag(body, "remove"),
        groups=scope_of(principal),
    )
    app.bus.execute(command, actor_of(principal))
    return 200, _version_answer(app, principal, params["number"], version)


def send_quote(app, principal, params, query, body):
    version = _number(params["version"], "version")
    _, sent_to, pdf = send_version(
        app,
        actor_of(principal),
        params["number"],
        version,
        _text(body, "recipient"),
        scope_of(principal),
    )
    return 200, {
        "number": params["number"],
        "version": version,
        "sent_to": sent_to,
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
    }


def quote_pdf(app, principal, params, query):
    """A sent version answers the PDF it was frozen with; a draft is printed now."""
    version = _number(params["version"], "version")
    fmt = query.get("format", "pdf")
    groups = scope_of(principal)
    kept = None
    if fmt == "pdf":
        kept = quote_queries.version_pdf(app.engine, params["number"], version, groups=groups)
    if kept is not None:
        content = kept[0]
    else:
        _, content = print_version(app, params["number"], version, groups, fmt)
    filename = f"{params['number']}-v{version}.{fmt}"
    return 200, Raw(DOCUMENT_TYPES[fmt], content, filename)


def convert_quote(app, principal, params, query, body):
    command = commands.ConvertQuote(
        params["number"],
        version=_whole(body.get("version"), "version"),
        payment_method=_text(body, "payment_method"),
        po_number=_text(body, "po_number"),
        shipping_method=_text(body, "shipping_method"),
        groups=scope_of(principal),
    )
    converted = app.bus.execute(command, actor_of(principal))
    return 200, {"number": params["number"], **converted._asdict()}


def quote_link(app, principal, params, query, body):
    days = _whole(body.get("days"), "days")
    if days is not None and days > 366:
        raise BadQuery("days must be at most 366")
    version = _whole(body.get("version"), "version")
    return 200, link_for(app, params["number"], version, days, scope_of(principal))


def _version_answer(app, principal, number: str, version: int) -> dict[str, Any]:
    detail = quote_queries.quote_detail(app.engine, number, groups=scope_of(principal))
    chosen = next(v for v in detail["versions"] if v["version_number"] == version)
    return {"number": number, "status": detail["status"], "version": chosen}


# Requests for quotation


def list_rfqs(app, principal, params, query):
    limit = limit_of(query)
    found = quote_queries.list_rfqs(
        app.engine,
        groups=scope_of(principal),
        status=query.get("status"),
        after=query.get("after"),
        limit=limit,
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"rfqs": found, "next": following}


def create_rfq(app, principal, params, query, body):
    lines = body.get("lines") or []
    if not isinstance(lines, list):
        raise BadQuery("lines must be a list of {part, description, quantity}")
    command = commands.ReceiveRfq(
        "api",
        _text(body, "email") or "",
        company=_text(body, "company"),
        contact_name=_text(body, "contact_name"),
        phone=_text(body, "phone"),
        message=_text(body, "message"),
        lines=tuple(lines),
    )
    try:
        number = app.bus.execute(command, actor_of(principal))
    except RfqRefused as refusal:
        raise BadQuery(str(refusal)) from None
    return 201, quote_queries.rfq_detail(app.engine, number, groups=scope_of(principal))


def show_rfq(app, principal, params, query):
    return 200, quote_queries.rfq_detail(app.engine, params["number"], groups=scope_of(principal))


def quote_rfq(app, principal, params, query):
    command = commands.QuoteRfq(params["number"], groups=scope_of(principal))
    number = app.bus.execute(command, actor_of(principal))
    return 201, quote_queries.quote_detail(app.engine, number, groups=scope_of(principal))


def decline_rfq(app, principal, params, query):
    command = commands.DeclineRfq(params["number"], groups=scope_of(principal))
    app.bus.execute(command, actor_of(principal))
    return 200, quote_queries.rfq_detail(app.engine, params["number"], groups=scope_of(principal))


# The B2B cart


def list_carts(app, principal, params, query):
    owner = query.get("owner", principal.username)
    found = quote_queries.list_carts(
        app.engine,
        groups=scope_of(principal),
        owner=None if owner == "*" else owner,
        status=query.get("status"),
        limit=limit_of(query),
    )
    return 200, {"carts": found}


def create_cart(app, principal, params, query, body):
    customer = _text(body, "customer")
    if not customer:
        raise BadQuery("customer (a customer code) is needed")
    command = commands.CreateCart(
        customer, _text(body, "currency") or "USD", groups=scope_of(principal)
    )
    cart_id = app.bus.execute(command, actor_of(principal))
    if set(body) - {"customer", "currency"}:
        _change_cart(app, principal, cart_id, body)
    return 201, cart_answer(app, cart_id, scope_of(principal))


def show_cart_route(app, principal, params, query):
    return 200, cart_answer(app, _number(params["id"], "cart"), scope_of(principal))


def change_cart(app, principal, params, query, body):
    cart_id = _number(params["id"], "cart")
    _change_cart(app, principal, cart_id, body)
    return 200, cart_answer(app, cart_id, scope_of(principal))


def add_cart_lines(app, principal, params, query, body):
    cart_id = _number(params["id"], "cart")
    command = commands.AddCartLines(cart_id, _lines(body), groups=scope_of(principal))
    added = app.bus.execute(command, actor_of(principal))
    return 201, {"added": added, **cart_answer(app, cart_id, scope_of(principal))}


def change_cart_line(app, principal, params, query, body):
    cart_id = _number(params["id"], "cart")
    command = commands.ChangeCartLine(
        cart_id,
        _number(params["line"], "line"),
        quantity=_decimal(body, "quantity"),
        unit_price=_decimal(body, "unit_price"),
        margin_percent=_decimal(body, "margin_percent"),
        discount_percent=_decimal(body, "discount_percent"),
        reason=_text(body, "reason"),
        remove=_flag(body, "remove"),
        groups=scope_of(principal),
    )
    app.bus.execute(command, actor_of(principal))
    return 200, cart_answer(app, cart_id, scope_of(principal))


def submit_cart(app, principal, params, query, body):
    cart_id = _number(params["id"], "cart")
    submit_as = _text(body, "as")
    if submit_as not in ("quote", "order"):
        raise BadQuery('as must be "quote" or "order"')
    command = commands.SubmitCart(cart_id, submit_as, groups=scope_of(principal))
    submitted = app.bus.execute(command, actor_of(principal))
    return 200, {"cart": cart_id, **submitted._asdict()}


def _change_cart(app, principal, cart_id: int, body: dict) -> None:
    command = commands.ChangeCart(
        cart_id,
        shipping_method=_text(body, "shipping_method"),
        ship_to=_address(body, "ship_to"),
        payment_method=_text(body, "payment_method"),
        po_number=_text(body, "po_number"),
        discount_code=_text(body, "discount_code"),
        groups=scope_of(principal),
    )
    app.bus.execute(command, actor_of(principal))


def cart_answer(app, cart_id: int, groups) -> dict[str, Any]:
    """The cart with its lines, totals, the shipping methods that price it now and
    the payment methods its customer may use."""
    with app.uow_factory() as uow:
        view = show_cart(uow, cart_id, groups)
        totals = view.totals
        options = uow.sales_desk.shipping_options(
            totals.subtotal - totals.discount,
            totals.weight,
            (view.cart.ship_to or {}).get("country"),
        )
        answer = _cart_values(view)
    answer["shipping_options"] = {method: plain_value(price) for method, price in options.items()}
    answer["history"] = quote_queries.cart_history(app.engine, cart_id)
    return answer


def _cart_values(view: CartView) -> dict[str, Any]:
    cart, customer = view.cart, view.customer
    values = {name: plain_value(getattr(cart, name)) for name in CART_FIELDS}
    values["customer"] = {"code": customer.code, "name": customer.name}
    values["lines"] = [
        {
            **_line(line),
            "cost": plain_value(line.cost),
            "margin_percent": plain_value(line.margin_percent),
            "discount_percent": plain_value(line.discount_percent),
            "override_by": line.override_by,
        }
        for line in cart.open_lines
    ]
    values["totals"] = {k: plain_value(v) for k, v in view.totals._asdict().items()}
    values["discount_refused"] = view.discount_refused
    values["shipping_refused"] = view.shipping_refused
    values["payment_choices"] = list(payment_choices(customer))
    return values


QUOTE_FILTERS = (
    ("customer", "only this customer's quotes (code)"),
    ("text", "in the number, customer code or name, or notes"),
)
LINES_FIELD = (
    "lines",
    "[{sku, quantity, unit_price?, reason?}]; a hand price needs a reason",
    LINES,
)
PRICING_FIELDS = (
    ("margin_percent", 'price every line at this margin over cost, as text, e.g. "25"'),
    ("discount_percent", 'or at this discount off list, as text, e.g. "10"'),
)
SHIP_TO = ("ship_to", f"the address shipped to: {', '.join(ADDRESS_FIELDS)}", OBJECT)
VERSION = "/api/v1/quotes/{number}/versions/{version}"
QUOTE_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/quotes",
        "quotes.view",
        "Quotes, newest first, with their latest version's total; `next` continues",
        list_quotes,
        (
            ("status", "only quotes in this status"),
            *QUOTE_FILTERS,
            ("after", "continue after this quote"),
            LIMIT,
        ),
    ),
    Route(
        "GET",
        "/api/v1/quotes/counts",
        "quotes.view",
        "How many quotes the filters find in each status",
        count_quotes,
        QUOTE_FILTERS,
    ),
    Route(
        "POST",
        "/api/v1/quotes",
        "quotes.send",
        "A quote for a customer or a new lead (made a lead in the group new leads go to)",
        create_quote,
        status=201,
        body=(
            ("customer", "the customer's code"),
            ("lead", "or a new customer: {name, email, phone, contact_name}", OBJECT),
            ("kind", "the first version's print kind, e.g. commercial or gsa"),
            ("currency", "ISO 4217, default USD"),
            ("notes", "printed on the quote"),
            ("valid_until", "YYYY-MM-DD; default today plus the quotes.valid_days setting"),
            *PRICING_FIELDS,
            ("shipping_method", "a method of the shipping ranges, e.g. Ground"),
            LINES_FIELD,
        ),
    ),
    Route(
        "GET",
        "/api/v1/quotes/{number}",
        "quotes.view",
        "One quote: customer, versions with lines and totals, orders made, history",
        show_quote,
    ),
    Route(
        "POST",
        "/api/v1/quotes/{number}",
        "quotes.send",
        "Change a quote's notes or validity, or accept, decline, expire or cancel it",
        change_quote,
        body=(
            ("notes", "printed on the quote"),
            ("valid_until", "YYYY-MM-DD"),
            ("action", "accept, decline, expire or cancel"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/quotes/{number}/versions",
        "quotes.send",
        "A new draft version: a copy of the latest (or copy_from), or empty",
        add_version,
        status=201,
        body=(
            ("kind", "the version's print kind, e.g. gsa (template quote_gsa.html)"),
            ("copy_from", "the version to copy", INTEGER),
            ("empty", "start with no lines", BOOLEAN),
        ),
    ),
    Route(
        "POST",
        VERSION,
        "quotes.send",
        "Change a draft version's kind, pricing level, shipping, ship-to or notes; 409 once sent",
        change_version,
        body=(
            ("kind", "print kind"),
            (
                "pricing",
                "engine, margin or discount: how every line without a hand price is priced",
            ),
            ("percent", 'the margin or discount, as text, e.g. "12.5"'),
            ("shipping_method", "a method of the shipping ranges (blank: none)"),
            SHIP_TO,
            ("notes", "printed with this version"),
        ),
    ),
    Route(
        "POST",
        f"{VERSION}/lines",
        "quotes.send",
        "Add lines to a draft version, priced by the engine unless priced by hand",
        add_lines,
        status=201,
        body=(LINES_FIELD,),
    ),
    Route(
        "POST",
        f"{VERSION}/lines/{{line}}",
        "quotes.send",
        "Change a draft line's quantity or price (with a reason), or remove it",
        change_line,
        body=(
            ("quantity", 'as text, e.g. "4"'),
            ("unit_price", 'a price by hand, as text, e.g. "12.50"'),
            ("reason", "why the price is set by hand"),
            ("remove", "remove the line (it stays in the history)", BOOLEAN),
        ),
    ),
    Route(
        "POST",
        f"{VERSION}/send",
        "quotes.send",
        "Freeze the version with its PDF and email it (queued) to the customer",
        send_quote,
        body=(("recipient", "email address; default the customer's"),),
    ),
    Route(
        "GET",
        f"{VERSION}/pdf",
        "quotes.view",
        "The version printed: the PDF it was sent as, or a draft printed now",
        quote_pdf,
        (("format", "pdf (default) or html"),),
        media_types=("application/pdf", "text/html"),
    ),
    Route(
        "POST",
        "/api/v1/quotes/{number}/convert",
        "quotes.send",
        "Make the order of the sent version, once; again, the same order (created false)",
        convert_quote,
        body=(
            ("version", "the sent version (default the latest sent)", INTEGER),
            (
                "payment_method",
                "net_terms (if the customer has them), purchase_order or card_on_file",
            ),
            ("po_number", "the purchase order number, for purchase_order"),
            ("shipping_method", "another method of the shipping ranges"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/quotes/{number}/link",
        "quotes.send",
        "A signed self-service link where the customer views the sent version and orders",
        quote_link,
        body=(
            ("version", "the sent version (default the latest sent)", INTEGER),
            ("days", "valid for this many days (default: until the quote expires)", INTEGER),
        ),
    ),
    Route(
        "GET",
        "/api/v1/rfqs",
        "quotes.view",
        "Requests for quotation, newest first",
        list_rfqs,
        (("status", "new, quoted or declined"), ("after", "continue after this request"), LIMIT),
    ),
    Route(
        "POST",
        "/api/v1/rfqs",
        "quotes.send",
        "Keep a request for quotation (matched to a customer by email)",
        create_rfq,
        status=201,
        body=(
            ("email", "the buyer's email address"),
            ("company", "their organisation"),
            ("contact_name", "who asks"),
            ("phone", "phone number"),
            ("message", "what they need"),
            ("lines", "[{part, description, quantity}]", LINES),
        ),
    ),
    Route(
        "GET",
        "/api/v1/rfqs/{number}",
        "quotes.view",
        "One request for quotation with its history",
        show_rfq,
    ),
    Route(
        "POST",
        "/api/v1/rfqs/{number}/quote",
        "quotes.send",
        "Turn a request into a quote for its customer, or a new lead",
        quote_rfq,
        status=201,
    ),
    Route(
        "POST",
        "/api/v1/rfqs/{number}/decline",
        "quotes.send",
        "Decline a request",
        decline_rfq,
    ),
    Route(
        "GET",
        "/api/v1/carts",
        "orders.edit",
        "B2B carts, newest first: your own unless owner is named (* for everyone's)",
        list_carts,
        (("owner", "whose carts (username, or *)"), ("status", "open, quoted or ordered"), LIMIT),
    ),
    Route(
        "POST",
        "/api/v1/carts",
        "orders.edit",
        "A B2B cart for a customer",
        create_cart,
        status=201,
        body=(
            ("customer", "the customer's code"),
            ("currency", "ISO 4217, default USD"),
            ("shipping_method", "a method of the shipping ranges"),
            SHIP_TO,
            ("payment_method", "net_terms, purchase_order or card_on_file"),
            ("po_number", "for purchase_order"),
            ("discount_code", "a discount code"),
        ),
    ),
    Route(
        "GET",
        "/api/v1/carts/{id}",
        "orders.edit",
        "One cart: lines, totals (subtotal, discount, shipping, tax, total, margin), choices",
        show_cart_route,
    ),
    Route(
        "POST",
        "/api/v1/carts/{id}",
        "orders.edit",
        "Change a cart's shipping, ship-to, payment or discount code (blank clears one)",
        change_cart,
        body=(
            ("shipping_method", "a method of the shipping ranges"),
            SHIP_TO,
            ("payment_method", "net_terms, purchase_order or card_on_file"),
            ("po_number", "for purchase_order"),
            ("discount_code", "a discount code"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/carts/{id}/lines",
        "orders.edit",
        "Add lines, priced by the engine unless priced by hand",
        add_cart_lines,
        status=201,
        body=(LINES_FIELD,),
    ),
    Route(
        "POST",
        "/api/v1/carts/{id}/lines/{line}",
        "orders.edit",
        "Change a line's quantity, or its price, margin or discount by hand (with a reason)",
        change_cart_line,
        body=(
            ("quantity", 'as text, e.g. "4"'),
            ("unit_price", "a price by hand, as text"),
            ("margin_percent", 'a margin over cost, as text, e.g. "30"'),
            ("discount_percent", 'a discount off list, as text, e.g. "5"'),
            ("reason", "why the price is set by hand"),
            ("remove", "remove the line (it stays in the history)", BOOLEAN),
        ),
    ),
    Route(
        "POST",
        "/api/v1/carts/{id}/submit",
        "orders.edit",
        "Submit the cart as a quote or as an order (invoiced too when cart.auto_invoice is on)",
        submit_cart,
        body=(("as", "quote or order"),),
    ),
)
