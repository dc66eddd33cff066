"""/api/v1 routes for editing orders, their comments, the buyer's confirmation
email, printed documents (PDF or HTML), and settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core import commands
from core.model.comments import VISIBILITIES
from core.model.order_edits import PURCHASE_ORDERS_MAY_NEED_CHANGING, EditResult
from core.storage import settings
from core.storage.comments import check_order_in_scope, order_comments
from hub import printing
from hub.api.common import BadQuery, Raw, Route, actor_of, date_field, decimal_field

OBJECT = {"type": "object"}
ANY_JSON: dict = {}


def add_line(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    command = commands.AddOrderLine(
        params["number"],
        quantity=decimal_field(body, "quantity"),
        unit_of_measure=_text(body, "unit_of_measure") or "EA",
        unit_price=_optional_decimal(body, "unit_price"),
        supplier_part_id=_text(body, "supplier_part_id"),
        description=_text(body, "description"),
        buyer_part_id=_text(body, "buyer_part_id"),
        manufacturer_part_id=_text(body, "manufacturer_part_id"),
        manufacturer_name=_text(body, "manufacturer_name"),
        requested_delivery_date=date_field(body, "requested_delivery_date"),
        price_reason=_text(body, "price_reason"),
    )
    return 201, edit_answer(app.bus.execute(command, actor_of(principal)))


def change_line(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    command = commands.ChangeOrderLine(
        params["number"],
        _line_number(params),
        quantity=_optional_decimal(body, "quantity"),
        unit_price=_optional_decimal(body, "unit_price"),
        price_reason=_text(body, "price_reason"),
        description=_text(body, "description"),
    )
    return 200, edit_answer(app.bus.execute(command, actor_of(principal)))


def remove_line(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    command = commands.RemoveOrderLine(
        params["number"], _line_number(params), _text(body, "reason")
    )
    return 200, edit_answer(app.bus.execute(command, actor_of(principal)))


def change_addresses(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    for name in ("ship_to", "bill_to"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            raise BadQuery(f"{name} must be an object of address fields")
    command = commands.ChangeOrderAddresses(
        params["number"], body.get("ship_to"), body.get("bill_to")
    )
    return 200, edit_answer(app.bus.execute(command, actor_of(principal)))


def change_shipping(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    command = commands.ChangeOrderShipping(
        params["number"],
        _text(body, "shipping_method"),
        _optional_decimal(body, "shipping_amount"),
    )
    return 200, edit_answer(app.bus.execute(command, actor_of(principal)))


def edit_answer(result: EditResult) -> dict[str, Any]:
    """What an edit did, the totals after it, and a warning when the suppliers'
    purchase orders may need changing too."""
    totals = result.totals
    return {
        "number": result.order_number,
        "line": result.line_number,
        "changed": list(result.changed),
        "totals": {
            "lines": _amount(totals.lines),
            "shipping": _amount(totals.shipping),
            "tax": _amount(totals.tax),
            "discount": _amount(totals.discount),
            "total": _amount(totals.total),
            "unpriced_lines": list(totals.unpriced_lines),
        },
        "currency": result.currency,
        "purchase_orders_may_need_changing": result.purchase_orders_may_need_changing,
        "warning": (
            PURCHASE_ORDERS_MAY_NEED_CHANGING if result.purchase_orders_may_need_changing else None
        ),
    }


def list_comments(app, principal, params, query):
    visibility = query.get("visibility")
    if visibility is not None and visibility not in VISIBILITIES:
        raise BadQuery(f"visibility must be one of {', '.join(VISIBILITIES)}")
    found = order_comments(
        app.engine, params["number"], visibility, _scope(principal), principal.username
    )
    return 200, {"number": params["number"], "comments": found}


def add_comment(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    visibility = _text(body, "visibility") or "private"
    if visibility not in VISIBILITIES:
        raise BadQuery(f"visibility must be one of {', '.join(VISIBILITIES)}")
    text = body.get("body")
    if text is not None and not isinstance(text, str):
        raise BadQuery("body must be the comment's text")
    text = settings.with_standard_text(app.engine, text, _text(body, "standard_text"))
    if not text.strip():
        raise BadQuery("body must be the comment's text (or name a standard_text)")
    command = commands.AddOrderComment(params["number"], text, visibility)
    comment_id = app.bus.execute(command, actor_of(principal))
    return 201, {"number": params["number"], "id": comment_id, "visibility": visibility}


def request_confirmation_email(app, principal, params, query):
    _in_scope(app, principal, params["number"])
    command = commands.RequestOrderConfirmation(params["number"])
    email = app.bus.execute(command, actor_of(principal))
    return 202, {"number": params["number"], "email": email}


def print_order(app, principal, params, query):
    kind = params["kind"]
    if kind not in printing.ORDER_KINDS:
        raise BadQuery(f"an order prints as one of {', '.join(printing.ORDER_KINDS)}")
    printed = printing.print_order(app, params["number"], kind, _format(query), _scope(principal))
    return 200, _raw(printed)


def print_packing_slip(app, principal, params, query):
    slip = printing.print_packing_slip(app, params["number"], _format(query), _scope(principal))
    return 200, _raw(slip)


def print_invoice(app, principal, params, query):
    invoice = printing.print_invoice(app, params["number"], _format(query), _scope(principal))
    return 200, _raw(invoice)


def print_rma(app, principal, params, query):
    rma = printing.print_rma(app, params["number"], _format(query), _scope(principal))
    return 200, _raw(rma)


def list_settings(app, principal, params, query):
    return 200, {"settings": settings.list_settings(app.engine)}


def show_setting(app, principal, params, query):
    return 200, settings.setting_detail(app.engine, params["key"])


def change_setting(app, principal, params, query, body):
    key = params["key"]
    if "value" not in body:
        raise BadQuery("value is needed")
    try:
        value = settings.checked(key, body["value"])
    except settings.SettingRefused as error:
        raise BadQuery(str(error)) from None
    app.bus.execute(commands.ChangeSetting(key, value), actor_of(principal))
    return 200, settings.setting_detail(app.engine, key)


def _in_scope(app, principal, number: str) -> None:
    """A person limited to their teams' customers works on those orders only; any
    other is not found, as if it did not exist."""
    if not principal.sees_all_customers:
        check_order_in_scope(app.engine, number, principal.groups)


def _scope(principal) -> frozenset[int] | None:
    return None if principal.sees_all_customers else principal.groups


def _format(query: dict[str, str]) -> str:
    fmt = query.get("format", "pdf")
    if fmt not in printing.MEDIA_TYPES:
        raise BadQuery(f"format must be one of {', '.join(printing.MEDIA_TYPES)}")
    return fmt


def _raw(printed: printing.Printed) -> Raw:
    return Raw(printed.media_type, printed.content, printed.filename)


def _line_number(params: dict[str, str]) -> int:
    if not params["line"].isdigit():
        raise BadQuery(f"line {params['line']!r} is not a line number")
    return int(params["line"])


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise BadQuery(f"{name} must be text")
    return value


def _optional_decimal(body: dict, name: str) -> Decimal | None:
    return None if body.get(name) is None else decimal_field(body, name)


def _amount(value: Decimal) -> str:
    return format(value, "f")


ADDRESS = (
    "fields of an address: name, deliver_to (lines), street (lines), city, state,"
    " postal_code, country (ISO 3166 two letters), email, phone"
)
FORMAT = ("format", "pdf (default) or html")
PRINTED = ("application/pdf", "text/html")
ORDER_EDIT_ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/api/v1/orders/{number}/lines",
        "orders.edit",
        "Add a line to an order that has not shipped; the total follows",
        add_line,
        status=201,
        body=(
            ("quantity", 'how many, as text, e.g. "4"'),
            ("unit_of_measure", "unit of measure (default EA)"),
            (
                "unit_price",
                'the price of one unit, as text, e.g. "12.50"; without it, our part'
                " number (supplier_part_id) is priced by the pricing rules",
            ),
            ("supplier_part_id", "our part number"),
            ("description", "what it is"),
            ("buyer_part_id", "the buyer's part number"),
            ("manufacturer_part_id", "the manufacturer's part number"),
            ("manufacturer_name", "the manufacturer"),
            ("requested_delivery_date", "when the buyer wants it, YYYY-MM-DD"),
            ("price_reason", "why this price, when it was set by hand"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/lines/{line}",
        "orders.edit",
        "Change a line's quantity, unit price (with a reason) or description",
        change_line,
        body=(
            ("quantity", "the new quantity; not below what has shipped or been invoiced"),
            ("unit_price", "the new unit price, as text"),
            ("price_reason", "why the price is set by hand; needed with unit_price"),
            ("description", "the new description"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/lines/{line}/remove",
        "orders.edit",
        "Remove a line (kept, marked removed, no longer in the total)",
        remove_line,
        body=(("reason", "why it is removed"),),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/addresses",
        "orders.edit",
        "Replace the ship-to and/or bill-to address",
        change_addresses,
        body=(("ship_to", ADDRESS, OBJECT), ("bill_to", ADDRESS, OBJECT)),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/shipping",
        "orders.edit",
        "Change the shipping method and/or amount; the total follows",
        change_shipping,
        body=(
            ("shipping_method", "e.g. UPS Ground"),
            ("shipping_amount", 'what shipping costs the buyer, as text, e.g. "25.00"'),
        ),
    ),
    Route(
        "GET",
        "/api/v1/orders/{number}/comments",
        "orders.view",
        "The order's comments, oldest first",
        list_comments,
        (("visibility", "only private (yours) or public (all staff) comments"),),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/comments",
        "orders.edit",
        "Comment on an order: private (seen only by you) or public (seen by all staff)",
        add_comment,
        status=201,
        body=(
            ("body", "the comment"),
            ("visibility", "private (default) or public"),
            ("standard_text", "the name of a standard text (setting texts.<name>) to add"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/orders/{number}/confirmation-email",
        "orders.edit",
        "Ask for the order confirmation email to the buyer (order.confirmation_requested)",
        request_confirmation_email,
        status=202,
    ),
    Route(
        "GET",
        "/api/v1/orders/{number}/print/{kind}",
        "orders.view",
        "The order (kind order) or its pick list (kind pick-list) as PDF or HTML",
        print_order,
        (FORMAT,),
        media_types=PRINTED,
    ),
    Route(
        "GET",
        "/api/v1/shipments/{number}/packing-slip",
        "shipments.view",
        "The shipment's packing slip as PDF or HTML",
        print_packing_slip,
        (FORMAT,),
        media_types=PRINTED,
    ),
    Route(
        "GET",
        "/api/v1/invoices/{number}/print",
        "invoices.view",
        "The invoice or credit note as PDF or HTML",
        print_invoice,
        (FORMAT,),
        media_types=PRINTED,
    ),
    Route(
        "GET",
        "/api/v1/rmas/{number}/print",
        "returns.view",
        "The return authorization (RMA) the customer puts in the box, as PDF or HTML",
        print_rma,
        (FORMAT,),
        media_types=PRINTED,
    ),
    Route(
        "GET",
        "/api/v1/settings",
        "settings.manage",
        "Every setting with its value, default and who last changed it",
        list_settings,
    ),
    Route(
        "GET",
        "/api/v1/settings/{key}",
        "settings.manage",
        "One setting with its history",
        show_setting,
    ),
    Route(
        "POST",
        "/api/v1/settings/{key}",
        "settings.manage",
        "Change a setting; the value's kind (true/false, number, text) must match",
        change_setting,
        body=(("value", "the new value: true or false, a whole number, or text", ANY_JSON),),
    ),
)
