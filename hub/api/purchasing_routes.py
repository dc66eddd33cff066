"""/api/v1 suppliers, purchase orders and suppliers' live price and availability.

Buyers (purchasing.manage) assign sales-order lines to suppliers, edit the draft POs
that collect them, send them by the supplier's channel and follow what comes back.
Costs are purchasing information: every route here needs purchasing.manage.
"""

from __future__ import annotations

from core import commands
from core.canonical import DROPSHIP_MODES
from core.storage import purchasing_queries, settings
from hub import availability
from hub.api.bodies import address_field as _address
from hub.api.bodies import decimal_value as _decimal
from hub.api.bodies import flag_field as _flag
from hub.api.bodies import path_number as _number
from hub.api.bodies import text_field as _text
from hub.api.common import LIMIT, BadQuery, Raw, Route, actor_of, limit_of
from hub.purchasing import assign_supplier_line, print_purchase_order, send_purchase_order
from hub.secrets import SecretBox

PERMISSION = "purchasing.manage"
OBJECT = {"type": "object"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
SUPPLIER_FIELDS = (
    ("name", "the supplier's name"),
    ("channel", "how POs reach it: email, cxml or x12"),
    ("partner_code", "its trading partner (cxml, x12): identities, endpoint purchase_order"),
    ("email", "where emailed POs go"),
    ("service_kind", "its P&A system: soap or rest"),
    ("service_url", "the P&A system's address"),
    ("service_settings", "e.g. username, account, wsdl", OBJECT),
    ("service_secret", "the P&A password or API key (kept encrypted, never shown)"),
    ("cache_minutes", "how long an answer is used before asking again", INTEGER),
    ("timeout_seconds", 'how long to wait for its system, e.g. "2"'),
    ("discount_percent", 'its discount off its cost, e.g. "2.5"'),
    ("freight_percent", 'freight added to its cost, e.g. "1"'),
    ("currency", "ISO 4217"),
    ("archived", "no more POs to it", BOOLEAN),
)
DECIMALS = ("timeout_seconds", "discount_percent", "freight_percent")


def _supplier_values(app, body: dict) -> tuple[dict, str | None]:
    values = {}
    for name, *_ in SUPPLIER_FIELDS:
        if name not in body or name in ("service_secret",):
            continue
        if name in DECIMALS:
            values[name] = _decimal(body, name)
        elif name == "cache_minutes":
            values[name] = body[name]
        elif name == "archived":
            values[name] = _flag(body, name)
        elif name == "service_settings":
            if not isinstance(body[name], dict):
                raise BadQuery("service_settings must be an object")
            values[name] = body[name]
        else:
            values[name] = _text(body, name, size=500)
    secret = _text(body, "service_secret", size=1000)
    sealed = SecretBox.for_config(app.config).seal(secret) if secret else None
    return values, sealed


def list_suppliers(app, principal, params, query):
    archived = query.get("archived") == "true"
    return 200, {
        "suppliers": purchasing_queries.list_suppliers(app.engine, include_archived=archived)
    }


def add_supplier(app, principal, params, query, body):
    values, sealed = _supplier_values(app, body)
    code, name = _text(body, "code"), values.pop("name", None)
    if not code or not name:
        raise BadQuery("a supplier needs a code and a name")
    channel = values.pop("channel", None) or "email"
    app.bus.execute(commands.AddSupplier(code, name, channel, values, sealed), actor_of(principal))
    return 201, purchasing_queries.supplier_detail(app.engine, code)


def show_supplier(app, principal, params, query):
    return 200, purchasing_queries.supplier_detail(app.engine, params["code"])


def change_supplier(app, principal, params, query, body):
    values, sealed = _supplier_values(app, body)
    app.bus.execute(commands.ChangeSupplier(params["code"], values, sealed), actor_of(principal))
    return 200, purchasing_queries.supplier_detail(app.engine, params["code"])


def supplier_availability(app, principal, params, query):
    parts = [part for part in (query.get("parts") or "").split(",") if part.strip()]
    if not parts or len(parts) > 50:
        raise BadQuery("parts: 1 to 50 of the supplier's part numbers, separated by commas")
    return 200, {"availability": availability.availability(app, params["code"], parts)}


def assign_supplier(app, principal, params, query, body):
    supplier = _text(body, "supplier")
    if not supplier:
        raise BadQuery("supplier is needed")
    dropship = _text(body, "dropship")
    if dropship is not None and dropship not in DROPSHIP_MODES:
        raise BadQuery(f"dropship must be one of {', '.join(DROPSHIP_MODES)}")
    number, live = assign_supplier_line(
        app,
        actor_of(principal),
        params["number"],
        _number(params["line"], "line"),
        supplier,
        quantity=_decimal(body, "quantity"),
        dropship=dropship,
        unit_cost=_decimal(body, "unit_cost"),
        reason=_text(body, "reason", size=1000),
    )
    detail = purchasing_queries.purchase_order_detail(app.engine, number)
    return 201, {**detail, "availability": live}


def list_purchase_orders(app, principal, params, query):
    limit = limit_of(query)
    dropship = {"true": True, "false": False}.get(query.get("dropship", ""))
    found = purchasing_queries.list_purchase_orders(
        app.engine,
        state=query.get("state"),
        supplier=query.get("supplier"),
        order=query.get("order"),
        dropship=dropship,
        after=query.get("after"),
        limit=limit,
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"purchase_orders": found, "next": following}


def show_purchase_order(app, principal, params, query):
    detail = purchasing_queries.purchase_order_detail(app.engine, params["number"])
    wanted = [line["supplier_part_id"] for line in detail["lines"] if line["status"] == "open"]
    detail["availability"] = availability.availability(app, detail["supplier_code"], wanted)
    return 200, detail


def change_purchase_order(app, principal, params, query, body):
    command = commands.ChangePurchaseOrder(
        params["number"], _address(body, "ship_to"), _text(body, "notes", size=10_000)
    )
    app.bus.execute(command, actor_of(principal))
    return 200, purchasing_queries.purchase_order_detail(app.engine, params["number"])


def change_purchase_order_line(app, principal, params, query, body):
    command = commands.ChangePurchaseOrderLine(
        params["number"],
        _number(params["line"], "line"),
        quantity=_decimal(body, "quantity"),
        unit_cost=_decimal(body, "unit_cost"),
        reason=_text(body, "reason", size=1000),
        remove=_flag(body, "remove"),
    )
    app.bus.execute(command, actor_of(principal))
    return 200, purchasing_queries.purchase_order_detail(app.engine, params["number"])


def send(app, principal, params, query):
    sent = send_purchase_order(app, params["number"], actor_of(principal))
    return 200, {**purchasing_queries.purchase_order_detail(app.engine, params["number"]), **sent}


def cancel(app, principal, params, query, body):
    reason = _text(body, "reason", size=1000) or ""
    app.bus.execute(commands.CancelPurchaseOrder(params["number"], reason), actor_of(principal))
    return 200, purchasing_queries.purchase_order_detail(app.engine, params["number"])


def comment(app, principal, params, query, body):
    text = _text(body, "text", size=10_000)
    text = settings.with_standard_text(app.engine, text, _text(body, "standard_text", size=100))
    command = commands.CommentPurchaseOrder(params["number"], text, _flag(body, "send_to_supplier"))
    app.bus.execute(command, actor_of(principal))
    return 201, purchasing_queries.purchase_order_detail(app.engine, params["number"])


def po_document(app, principal, params, query):
    fmt = query.get("format", "pdf")
    if fmt == "sent":
        pdf = purchasing_queries.purchase_order_pdf(app.engine, params["number"])
        return 200, Raw("application/pdf", pdf, f"{params['number']}.pdf")
    printed = print_purchase_order(app, params["number"], fmt)
    return 200, Raw(printed.media_type, printed.content, printed.filename)


PO = "/api/v1/purchase-orders/{number}"
PURCHASING_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/suppliers",
        PERMISSION,
        "Suppliers by code",
        list_suppliers,
        (("archived", "true: archived ones too"),),
    ),
    Route(
        "POST",
        "/api/v1/suppliers",
        PERMISSION,
        "A new supplier",
        add_supplier,
        status=201,
        body=(("code", "letters, digits, . _ -"), *SUPPLIER_FIELDS),
    ),
    Route(
        "GET", "/api/v1/suppliers/{code}", PERMISSION, "One supplier and its history", show_supplier
    ),
    Route(
        "POST",
        "/api/v1/suppliers/{code}",
        PERMISSION,
        "Change a supplier",
        change_supplier,
        body=SUPPLIER_FIELDS,
    ),
    Route(
        "GET",
        "/api/v1/suppliers/{code}/availability",
        PERMISSION,
        "Live price and availability of the supplier's parts (cached; stale when its system fails)",
        supplier_availability,
        (("parts", "the supplier's part numbers, comma separated"),),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/lines/{line}/supplier",
        PERMISSION,
        "Buy (part of) a sales-order line from a supplier: the line joins the supplier's draft PO",
        assign_supplier,
        status=201,
        body=(
            ("supplier", "the supplier's code"),
            ("quantity", "how much (default: all not yet bought)"),
            ("dropship", f"drop-shipped by: {', '.join(DROPSHIP_MODES)}"),
            ("unit_cost", "a manual cost (needs reason); else the live price or catalogue cost"),
            ("reason", "why the manual cost"),
        ),
    ),
    Route(
        "GET",
        "/api/v1/purchase-orders",
        PERMISSION,
        "Purchase orders, newest first, with their fulfilment; `next` continues",
        list_purchase_orders,
        (
            ("state", f"one of {', '.join(purchasing_queries.PO_STATES)}"),
            ("supplier", "the supplier's code"),
            ("order", "the sales order's number"),
            ("dropship", "true or false"),
            ("after", "continue after this PO"),
            LIMIT,
        ),
    ),
    Route(
        "GET",
        PO,
        PERMISSION,
        "One PO: lines, comments, shipments, the document sent, history, live P&A",
        show_purchase_order,
    ),
    Route(
        "POST",
        PO,
        PERMISSION,
        "Change a draft PO's ship-to address or notes",
        change_purchase_order,
        body=(("ship_to", "address object", OBJECT), ("notes", "printed on the PO")),
    ),
    Route(
        "POST",
        PO + "/lines/{line}",
        PERMISSION,
        "Change or remove a draft PO's line",
        change_purchase_order_line,
        body=(
            ("quantity", "new quantity"),
            ("unit_cost", "manual cost"),
            ("reason", "why the manual cost"),
            ("remove", "true removes the line", BOOLEAN),
        ),
    ),
    Route(
        "POST",
        PO + "/send",
        PERMISSION,
        "Send a draft PO by the supplier's channel (cXML, X12 or email) and freeze it",
        send,
        body=(),
    ),
    Route(
        "POST",
        PO + "/cancel",
        PERMISSION,
        "Cancel a PO not yet shipped",
        cancel,
        body=(("reason", "why"),),
    ),
    Route(
        "POST",
        PO + "/comments",
        PERMISSION,
        "A comment on a PO: internal, or also sent to the supplier",
        comment,
        status=201,
        body=(
            ("text", "the comment"),
            ("send_to_supplier", "true: the supplier gets it", BOOLEAN),
            ("standard_text", "the name of a standard text (setting texts.<name>) to add"),
        ),
    ),
    Route(
        "GET",
        PO + "/document",
        PERMISSION,
        "The PO printed (pdf or html), or the PDF the supplier was emailed (sent)",
        po_document,
        (("format", "pdf (default), html or sent"),),
        media_types=("application/pdf", "text/html"),
    ),
)
