"""/api/v1 invoices (M-70..M-73): lists with filters, one invoice with its credit
notes and attachment, invoicing an order, uploading an invoice made elsewhere (its
PDF kept and downloadable), editing an unsent invoice, credit notes, marking one
sent, bulk invoicing and the invoicing rules.

A person limited to their teams' customers works on those customers' invoices
only; others answer 404 as unknown ones do. Amounts and quantities travel as text
("12.50"). An uploaded PDF travels base64-encoded in the JSON body.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal
from typing import Any

from core import commands
from core.model.attachments import MAX_BYTES, PDF
from core.storage import invoice_queries, queries
from core.storage.attachments import invoice_attachment
from core.storage.comments import check_order_in_scope
from hub.api.bodies import address_field as _address
from hub.api.bodies import decimal_value as _decimal
from hub.api.bodies import flag_field as _flag
from hub.api.common import LIMIT, BadQuery, Raw, Route, actor_of, date_field, limit_of

BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
OBJECT = {"type": "object"}
ARRAY = {"type": "array"}
ADDRESS_FIELDS = (
    "name",
    "address_id",
    "deliver_to",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "email",
    "phone",
)


def scope_of(principal) -> frozenset[int] | None:
    return None if principal.sees_all_customers else principal.groups


def _invoice_in_scope(app, principal, number: str) -> None:
    if not principal.sees_all_customers:
        invoice_queries.check_invoice_in_scope(app.engine, number, principal.groups)


# Reading bodies


def _text(body: dict, name: str, *, size: int = 2000) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadQuery(f"{name} must be text")
    if len(value) > size:
        raise BadQuery(f"{name} is longer than {size} characters")
    return value


def _moment(body: dict, name: str) -> datetime | None:
    value = _text(body, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name} must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise BadQuery(f"{name} needs a UTC offset, e.g. {value}Z")
    return moment


def _line_number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BadQuery(f"line {text!r} is not a line number")
    return int(text)


def _credit_lines(body: dict) -> dict[int, Decimal] | None:
    lines = body.get("lines")
    if lines is None:
        return None
    if not isinstance(lines, list) or not lines:
        raise BadQuery("lines must be a list of {line, quantity}, or left out for all")
    credited: dict[int, Decimal] = {}
    for n, line in enumerate(lines, start=1):
        number = line.get("line") if isinstance(line, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise BadQuery(f"lines[{n}] must be an object with line (a number) and quantity")
        if number in credited:
            raise BadQuery(f"line {number} is given twice")
        quantity = _decimal(line, "quantity")
        if quantity is None:
            raise BadQuery(f"lines[{n}] needs a quantity")
        credited[number] = quantity
    return credited


def _pdf(body: dict) -> bytes:
    encoded = body.get("content_base64")
    if not isinstance(encoded, str) or not encoded:
        raise BadQuery("content_base64 (the PDF, base64-encoded) is needed")
    if len(encoded) > (MAX_BYTES // 3 + 1) * 4 + 4:
        raise BadQuery(f"the file is larger than {MAX_BYTES} bytes")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadQuery("content_base64 is not base64") from None


# Lists and details


def list_invoices(app, principal, params, query):
    limit = limit_of(query)
    try:
        filters = invoice_queries.invoice_filters(query)
    except queries.BadFilter as error:
        raise BadQuery(str(error)) from None
    found = invoice_queries.list_invoices(
        app.engine, groups=scope_of(principal), after=query.get("after"), limit=limit, **filters
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"invoices": found, "next": following}


def show_invoice(app, principal, params, query):
    return 200, invoice_queries.invoice_detail(app.engine, params["number"], scope_of(principal))


def _detail(app, principal, number: str) -> dict[str, Any]:
    return invoice_queries.invoice_detail(app.engine, number, scope_of(principal))


def attachment(app, principal, params, query):
    about, content = invoice_attachment(app.engine, params["number"], scope_of(principal))
    return 200, Raw(about["content_type"], content, about["filename"])


# Making invoices


def create_invoice(app, principal, params, query, body):
    order = _text(body, "order")
    if not order:
        raise BadQuery("order (an order number) is needed")
    if not principal.sees_all_customers:
        check_order_in_scope(app.engine, order, principal.groups)
    command = commands.InvoiceOrder(
        order,
        shipped_only=_flag(body, "shipped_only"),
        series=_text(body, "series"),
        invoice_date=_moment(body, "invoice_date"),
        comments=_text(body, "comments", size=10_000),
    )
    number = app.bus.execute(command, actor_of(principal))
    return 201, _detail(app, principal, number)


def upload_invoice(app, principal, params, query, body):
    order = _text(body, "order")
    if not order:
        raise BadQuery("order (an order number) is needed")
    if not principal.sees_all_customers:
        check_order_in_scope(app.engine, order, principal.groups)
    content = _pdf(body)
    if len(content) > MAX_BYTES:
        raise BadQuery(f"the file is {len(content)} bytes; at most {MAX_BYTES} bytes are taken")
    command = commands.UploadInvoice(
        order,
        content,
        filename=_text(body, "filename", size=255),
        number=_text(body, "number", size=32),
        series=_text(body, "series"),
        invoice_date=_moment(body, "invoice_date"),
        shipped_only=_flag(body, "shipped_only"),
        total=_decimal(body, "total"),
        comments=_text(body, "comments", size=10_000),
    )
    number = app.bus.execute(command, actor_of(principal))
    return 201, _detail(app, principal, number)


def bulk_invoice(app, principal, params, query, body):
    customers = body.get("customers") or []
    if not isinstance(customers, list) or not all(isinstance(c, str) for c in customers):
        raise BadQuery("customers must be a list of customer codes")
    if not principal.sees_all_customers:
        if not customers:
            raise BadQuery("name the customers to invoice (you work with your teams' customers)")
        invoice_queries.check_customers_in_scope(app.engine, customers, principal.groups)
    batch_size = body.get("batch_size", 500)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise BadQuery("batch_size must be a whole number, at least 1")
    command = commands.InvoiceReadyOrders(
        tuple(customers),
        series=_text(body, "series"),
        dry_run=_flag(body, "dry_run"),
        batch_size=min(batch_size, 5000),
    )
    return 200, app.bus.execute(command, actor_of(principal)).as_dict()


# Editing, credit notes, sending


def change_invoice(app, principal, params, query, body):
    _invoice_in_scope(app, principal, params["number"])
    command = commands.ChangeInvoice(
        params["number"],
        bill_to=_address(body, "bill_to"),
        comments=_text(body, "comments", size=10_000),
        due_date=date_field(body, "due_date"),
    )
    changed = app.bus.execute(command, actor_of(principal))
    return 200, {"changed": changed, **_detail(app, principal, params["number"])}


def add_line(app, principal, params, query, body):
    _invoice_in_scope(app, principal, params["number"])
    quantity = _decimal(body, "quantity")
    if quantity is None:
        raise BadQuery("quantity is needed")
    order_line = body.get("order_line")
    if order_line is not None and (not isinstance(order_line, int) or isinstance(order_line, bool)):
        raise BadQuery("order_line must be an order line number")
    command = commands.AddInvoiceLine(
        params["number"],
        quantity,
        order_line=order_line,
        unit_price=_decimal(body, "unit_price"),
        description=_text(body, "description"),
        unit_of_measure=_text(body, "unit_of_measure", size=8),
        supplier_part_id=_text(body, "supplier_part_id", size=100),
    )
    line = app.bus.execute(command, actor_of(principal))
    return 201, {"line": line, **_detail(app, principal, params["number"])}


def change_line(app, principal, params, query, body):
    _invoice_in_scope(app, principal, params["number"])
    command = commands.ChangeInvoiceLine(
        params["number"],
        _line_number(params["line"]),
        quantity=_decimal(body, "quantity"),
        unit_price=_decimal(body, "unit_price"),
        description=_text(body, "description"),
        remove=_flag(body, "remove"),
    )
    changed = app.bus.execute(command, actor_of(principal))
    return 200, {"changed": changed, **_detail(app, principal, params["number"])}


def credit_invoice(app, principal, params, query, body):
    _invoice_in_scope(app, principal, params["number"])
    command = commands.CreditInvoice(
        params["number"],
        _credit_lines(body),
        _text(body, "reason", size=10_000),
        _text(body, "series"),
    )
    number = app.bus.execute(command, actor_of(principal))
    return 201, _detail(app, principal, number)


def mark_sent(app, principal, params, query, body):
    _invoice_in_scope(app, principal, params["number"])
    command = commands.MarkInvoiceSent(
        params["number"],
        via=_text(body, "via", size=64) or "manual",
        sent_to=_text(body, "sent_to", size=254),
        sent_at=_moment(body, "sent_at"),
    )
    newly = app.bus.execute(command, actor_of(principal))
    return 200, {"marked": newly, **_detail(app, principal, params["number"])}


# Invoicing rules


def list_rules(app, principal, params, query):
    from core.storage.settings import current

    default = current(app.engine, ("invoices.bulk_rule",))["invoices.bulk_rule"]
    return 200, {"default": default, "rules": invoice_queries.list_rules(app.engine)}


def set_rule(app, principal, params, query, body):
    rule = _text(body, "rule")
    if not rule:
        raise BadQuery("rule (shipped, complete or manual) is needed")
    command = commands.SetInvoicingRule(
        rule, _text(body, "customer"), _text(body, "group"), _text(body, "series")
    )
    changed = app.bus.execute(command, actor_of(principal))
    return 200, {"changed": changed, "rules": invoice_queries.list_rules(app.engine)}


INVOICE_FILTERS = (
    ("state", "only invoices in this state: issued or sent"),
    ("purpose", "standard (invoices) or credit (credit notes)"),
    ("customer", "only this customer's (a customer code)"),
    ("series", "only this series, e.g. INV or CN"),
    ("order", "only this order's"),
    ("since", "dated at or after: YYYY-MM-DD or an ISO 8601 time (UTC unless offset)"),
    ("until", "dated before this time; a bare YYYY-MM-DD includes that whole day"),
    ("text", "in the invoice or order number, the buyer, or the customer's code or name"),
)
MAKE_BODY = (
    ("order", "the order number"),
    ("shipped_only", "bill only what has shipped and is not invoiced yet", BOOLEAN),
    ("series", "the series to number it in (default: the invoices.series setting)"),
    ("invoice_date", "ISO 8601 time with an offset (default: now)"),
    ("comments", "printed on the invoice"),
)
INVOICE_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/invoices",
        "invoices.view",
        "Invoices and credit notes, newest first; `next` continues the listing",
        list_invoices,
        (*INVOICE_FILTERS, ("after", "continue after this invoice"), LIMIT),
    ),
    Route(
        "POST",
        "/api/v1/invoices",
        "invoices.manage",
        "Invoice an order (all not yet invoiced, or only what has shipped)",
        create_invoice,
        status=201,
        body=MAKE_BODY,
    ),
    Route(
        "POST",
        "/api/v1/invoices/upload",
        "invoices.manage",
        "An invoice made elsewhere, kept with its PDF; it bills the order (400 over 10 MiB)",
        upload_invoice,
        status=201,
        body=(
            *MAKE_BODY[:3],
            ("content_base64", "the PDF, base64-encoded"),
            ("filename", "the file's name"),
            ("number", "the document's own number (default: the next of the series)"),
            ("invoice_date", "the document's date, ISO 8601 with an offset"),
            ("total", 'the document\'s total, checked against what is billed, e.g. "1661.97"'),
            ("comments", "kept with the invoice"),
        ),
        max_body=14 * 1024 * 1024,  # a 10 MiB PDF in base64
    ),
    Route(
        "POST",
        "/api/v1/invoices/bulk",
        "invoices.bulk",
        "Invoice every order ready for it, by each customer's rule; what it did",
        bulk_invoice,
        body=(
            ("dry_run", "only report what would be invoiced", BOOLEAN),
            ("customers", "only these customers (codes)", {"type": "array", "items": {}}),
            ("series", "number in this series (default: the rules, then invoices.series)"),
            ("batch_size", "orders per transaction (default 500)", INTEGER),
        ),
    ),
    Route(
        "GET",
        "/api/v1/invoices/{number}",
        "invoices.view",
        "One invoice or credit note: lines, credit notes, attachment, history",
        show_invoice,
    ),
    Route(
        "POST",
        "/api/v1/invoices/{number}",
        "invoices.manage",
        "Change an unsent invoice's billing address, comments or due date (409 once sent)",
        change_invoice,
        body=(
            ("bill_to", "address fields: name, street (list), city, state, ...", OBJECT),
            ("comments", "printed on the invoice"),
            ("due_date", "YYYY-MM-DD"),
        ),
    ),
    Route(
        "GET",
        "/api/v1/invoices/{number}/attachment",
        "invoices.view",
        "The PDF an invoice was uploaded with",
        attachment,
        media_types=(PDF,),
    ),
    Route(
        "POST",
        "/api/v1/invoices/{number}/lines",
        "invoices.manage",
        "Bill an order line on an unsent invoice, or add a line of its own",
        add_line,
        status=201,
        body=(
            ("quantity", 'as text, e.g. "2"'),
            ("order_line", "the order line to bill", INTEGER),
            ("unit_price", "as text (default: the order line's)"),
            ("description", "needed for a line of its own"),
            ("unit_of_measure", "of a line of its own (default EA)"),
            ("supplier_part_id", "of a line of its own"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/invoices/{number}/lines/{line}",
        "invoices.manage",
        "Change a line of an unsent invoice (quantity, unit price, description) or remove it",
        change_line,
        body=(
            ("quantity", "as text"),
            ("unit_price", "as text"),
            ("description", "the line's text"),
            ("remove", "take the line off the invoice", BOOLEAN),
        ),
    ),
    Route(
        "POST",
        "/api/v1/invoices/{number}/credit-notes",
        "invoices.manage",
        "A credit note for the whole invoice, or for quantities of its lines",
        credit_invoice,
        status=201,
        body=(
            ("lines", "[{line, quantity}]; left out: all that is left to credit", ARRAY),
            ("reason", "why; printed on the credit note"),
            ("series", "default: the invoices.credit_series setting"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/invoices/{number}/sent",
        "invoices.manage",
        "Record that the buyer has the invoice (emailed, posted); it is no longer editable",
        mark_sent,
        body=(
            ("via", "how: email, post, portal, ..."),
            ("sent_to", "to whom"),
            ("sent_at", "ISO 8601 time with an offset (default: now)"),
        ),
    ),
    Route(
        "GET",
        "/api/v1/invoicing-rules",
        "invoices.view",
        "How bulk invoicing bills customers and groups, and the default rule",
        list_rules,
    ),
    Route(
        "POST",
        "/api/v1/invoicing-rules",
        "invoices.bulk",
        "Set how bulk invoicing bills a customer or a customer group",
        set_rule,
        body=(
            ("rule", "shipped, complete or manual"),
            ("customer", "a customer code"),
            ("group", "a customer group code (instead of customer)"),
            ("series", "the series its invoices are numbered in"),
        ),
    ),
)
