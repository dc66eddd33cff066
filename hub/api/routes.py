"""The /api/v1 routes: each with the permission it needs, what it answers, and how.

A route's handler runs off the reactor with the app, the staff member calling, the
path parameters and the query, and, for a route that names body fields, the parsed
JSON body; it returns (status, JSON body). The OpenAPI document
is generated from this table, so every route is described and every route has a
permission.
"""

from __future__ import annotations

from typing import Any

from core import commands
from core.model.orders import ACTIONS
from core.storage import activity, queries
from hub import availability
from hub.api.catalog_routes import CATALOG_ROUTES
from hub.api.comment_routes import COMMENT_ROUTES
from hub.api.common import (
    LIMIT,
    BadQuery,
    Route,
    actor_of,
    date_field,
    decimal_field,
    limit_of,
)
from hub.api.customer_routes import CUSTOMER_ROUTES
from hub.api.discussion_routes import DISCUSSION_ROUTES
from hub.api.invoice_routes import INVOICE_ROUTES
from hub.api.mail_routes import MAIL_ROUTES
from hub.api.order_edit_routes import ORDER_EDIT_ROUTES
from hub.api.payment_routes import PAYMENT_ROUTES
from hub.api.purchasing_routes import PURCHASING_ROUTES
from hub.api.quote_routes import QUOTE_ROUTES
from hub.api.rma_routes import RMA_ROUTES
from hub.api.shipping_routes import SHIPPING_ROUTES
from hub.api.task_routes import TASK_ROUTES
from hub.outbound import documents


def _order_filters(query: dict[str, str]) -> dict[str, Any]:
    try:
        return queries.order_filters(query)
    except queries.BadFilter as error:
        raise BadQuery(str(error)) from None


def list_orders(app, principal, params, query):
    limit = limit_of(query)
    orders = queries.list_orders(
        app.engine,
        status=query.get("status"),
        limit=limit,
        after=query.get("after"),
        groups=principal.groups,
        **_order_filters(query),
    )
    following = orders[-1]["number"] if len(orders) == limit else None
    return 200, {"orders": orders, "next": following}


def count_orders(app, principal, params, query):
    filters = _order_filters(query)
    key = ("orders", principal.groups, tuple(sorted(filters.items())))
    counts = app.counts.get(
        key, lambda: queries.order_counts(app.engine, groups=principal.groups, **filters)
    )
    return 200, {"counts": counts, "total": sum(counts.values())}


def change_order_status(app, principal, params, query, body):
    action, reason = body.get("action"), body.get("reason")
    if action not in ACTIONS:
        raise BadQuery(f"action must be one of {', '.join(ACTIONS)}")
    if reason is not None and not isinstance(reason, str):
        raise BadQuery("reason must be text")
    if action == "hold" and not (reason and reason.strip()):
        raise BadQuery("a hold needs a reason")
    command = commands.ChangeOrderStatus(params["number"], action, reason)
    old, new = app.bus.execute(command, actor_of(principal))
    return 200, {"number": params["number"], "previous_status": old, "status": new}


def backorder_line(app, principal, params, query, body):
    if not params["line"].isdigit():
        raise BadQuery(f"line {params['line']!r} is not a line number")
    command = commands.BackorderLine(
        params["number"],
        int(params["line"]),
        decimal_field(body, "quantity"),
        date_field(body, "expected_date"),
    )
    old, new = app.bus.execute(command, actor_of(principal))
    return 200, {
        "number": params["number"],
        "line": command.line_number,
        "backordered_quantity": str(command.quantity),
        "expected_date": body.get("expected_date"),
        "previous_status": old,
        "status": new,
    }


def show_order(app, principal, params, query):
    number = params["number"]
    detail = queries.order_detail(app.engine, number, principal.groups, principal.username)
    detail["availability"] = _availability(app, detail["purchasing"])
    return 200, detail


def _availability(app, purchasing: list[dict]) -> dict[str, list[dict]]:
    """The suppliers' live P&A for the parts bought from them, refreshed each time
    the order is shown (M-53); a slow or failing system gives its last answer, stale."""
    wanted: dict[str, list[str]] = {}
    for line in purchasing:
        if line["state"] not in ("cancelled", "shipped") and line["supplier_part_id"]:
            wanted.setdefault(line["supplier_code"], []).append(line["supplier_part_id"])
    return availability.for_suppliers(app, wanted)


def list_partners(app, principal, params, query):
    return 200, {"partners": queries.list_partners(app.engine, channel=query.get("channel"))}


def show_partner(app, principal, params, query):
    return 200, queries.partner_detail(app.engine, params["code"])


def list_shipments(app, principal, params, query):
    found = queries.list_shipments(
        app.engine,
        order_number=query.get("order"),
        limit=limit_of(query),
        groups=principal.groups,
    )
    return 200, {"shipments": found}


def show_shipment(app, principal, params, query):
    return 200, queries.shipment_detail(app.engine, params["number"], principal.groups)


def list_activity(app, principal, params, query):
    bounds = {}
    for name in ("since", "until"):
        if query.get(name):
            try:
                bounds[name] = queries.time_bound(name, query[name], end_of_day=name == "until")
            except queries.BadFilter as error:
                raise BadQuery(str(error)) from None
    entries = activity.list_activity(
        app.engine,
        username=query.get("staff"),
        document_type=query.get("document_type"),
        document_id=query.get("document_id"),
        limit=limit_of(query),
        **bounds,
    )
    return 200, {"activity": entries}


def confirm_order(app, principal, params, query):
    channel = _partner_channel(app, params["number"], principal.groups)
    number = documents.confirm_order(app, params["number"], actor_of(principal), channel=channel)
    return 202, {"outbound_document": number}


def send_ship_notice(app, principal, params, query):
    shipment = queries.shipment_detail(app.engine, params["number"], principal.groups)
    channel = _partner_channel(app, shipment["order_number"])
    sent = documents.send_ship_notice(app, params["number"], actor_of(principal), channel)
    return 202, {"outbound_document": sent}


def send_invoice(app, principal, params, query):
    invoice = queries.invoice_detail(app.engine, params["number"], principal.groups)
    channel = _partner_channel(app, invoice["order_number"])
    sent = documents.send_invoice(app, params["number"], actor_of(principal), channel)
    return 202, {"outbound_document": sent}


def _partner_channel(app, order_number: str, groups=None) -> str:
    order = queries.order_detail(app.engine, order_number, groups)
    return queries.partner_detail(app.engine, order["partner"])["channel"]


ORDER_FILTERS = (
    ("channel", "only orders from this channel (cxml, mws, spapi, newegg, x12)"),
    ("partner", "only orders from this trading partner code"),
    ("since", "received at or after: YYYY-MM-DD or an ISO 8601 time (UTC unless offset)"),
    ("until", "received before this time; a bare YYYY-MM-DD includes that whole day"),
    ("min_total", "order total at least this amount"),
    ("max_total", "order total at most this amount"),
    ("text", "in the number, external order id, buyer organisation or buyer name"),
)
CORE_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/orders",
        "orders.view",
        "Orders, newest first; `next` continues the listing",
        list_orders,
        (
            ("status", "only orders in this status"),
            *ORDER_FILTERS,
            ("after", "continue after this order"),
            LIMIT,
        ),
    ),
    Route(
        "GET",
        "/api/v1/orders/counts",
        "orders.view",
        "How many orders the filters find in each status",
        count_orders,
        ORDER_FILTERS,
    ),
    Route(
        "GET", "/api/v1/orders/{number}", "orders.view", "One order, lines and history", show_order
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/status",
        "orders.edit",
        "Move the order through its workflow; 409 when the step is not allowed",
        change_order_status,
        body=(
            ("action", f"one of {', '.join(ACTIONS)}"),
            ("reason", "why; needed to hold an order"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/lines/{line}/backorder",
        "orders.edit",
        "Backorder part of a line (quantity 0 clears it); the order status follows",
        backorder_line,
        body=(
            ("quantity", 'how much of the line is backordered, as text, e.g. "4"'),
            ("expected_date", "when it is expected, YYYY-MM-DD"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/confirmation",
        "orders.edit",
        "Queue the order's confirmation (cXML ConfirmationRequest or X12 855) for the buyer",
        confirm_order,
        status=202,
    ),
    Route(
        "GET",
        "/api/v1/partners",
        "partners.view",
        "Trading partners (secrets shown only as set or not)",
        list_partners,
        (("channel", "only partners of this channel"),),
    ),
    Route(
        "GET", "/api/v1/partners/{code}", "partners.view", "One partner with history", show_partner
    ),
    Route(
        "GET",
        "/api/v1/shipments",
        "shipments.view",
        "Shipments, newest first",
        list_shipments,
        (("order", "only this order's shipments"), LIMIT),
    ),
    Route("GET", "/api/v1/shipments/{number}", "shipments.view", "One shipment", show_shipment),
    Route(
        "POST",
        "/api/v1/shipments/{number}/notice",
        "shipments.manage",
        "Queue the shipment's notice (cXML ShipNoticeRequest or X12 856) for the buyer",
        send_ship_notice,
        status=202,
    ),
    Route(
        "POST",
        "/api/v1/invoices/{number}/send",
        "invoices.manage",
        "Queue the invoice (cXML InvoiceDetailRequest or X12 810) for the buyer",
        send_invoice,
        status=202,
    ),
    Route(
        "GET",
        "/api/v1/activity",
        "activity.view",
        "What staff did, newest first",
        list_activity,
        (
            ("staff", "only this username"),
            ("document_type", "only this kind of document"),
            ("document_id", "only this document"),
            ("since", "at or after: YYYY-MM-DD or an ISO 8601 time (UTC unless offset)"),
            ("until", "before this time; a bare YYYY-MM-DD includes that whole day"),
            LIMIT,
        ),
    ),
)


# Each area of the API keeps its routes in its own module; all are served and described.
ROUTES: tuple[Route, ...] = (
    *CORE_ROUTES,
    # customers and teams
    *CUSTOMER_ROUTES,
    # products and pricing
    *CATALOG_ROUTES,
    # order editing
    *ORDER_EDIT_ROUTES,
    # quotes and RFQs
    *QUOTE_ROUTES,
    # >>> invoices (issue 5)
    *INVOICE_ROUTES,
    # <<< invoices
    # >>> purchasing and shipments from suppliers (issue 5)
    *PURCHASING_ROUTES,
    *SHIPPING_ROUTES,
    *COMMENT_ROUTES,
    # <<< purchasing
    # >>> payments (issue 5)
    *PAYMENT_ROUTES,
    # <<< payments
    # >>> mail (issue 6)
    *MAIL_ROUTES,
    *RMA_ROUTES,
    *TASK_ROUTES,
    *DISCUSSION_ROUTES,
    # <<< mail
)


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The route for a request, its path parameters, and whether the path is known
    at all (for 405 rather than 404)."""
    known = False
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            known = True
            if route.method == method:
                return route, found.groupdict(), True
    return None, {}, known
