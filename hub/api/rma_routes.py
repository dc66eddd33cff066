"""/api/v1 returns (RMAs): open one on a shipped order, edit it, authorise, receive
and close it (or reject or cancel it), archive it, and comment on it.

In every body `line_number` is the order's line number (an order line is returned
at most once per RMA). Quantities are decimals given as text. A person limited to
some customer groups works only on the RMAs of orders in them; any other is not
found, as if it did not exist.
"""

from __future__ import annotations

from decimal import Decimal

from core import commands
from core.model.rmas import (
    ACTIONS,
    CONDITIONS,
    EDITABLE,
    REASON_CODES,
    RESOLUTIONS,
    STATUSES,
    VISIBILITIES,
)
from core.storage import rma_queries
from core.storage.comments import check_order_in_scope
from hub.api.bodies import decimal_value, flag_field, scope_of, text_field
from hub.api.common import LIMIT, BadQuery, Route, actor_of, limit_of

VIEW, MANAGE = "returns.view", "returns.manage"
MAX_TEXT = 10_000
MAX_LINES = 200
BOOLEAN = {"type": "boolean"}
LINES = {"type": "array", "items": {"type": "object"}}
FIELDS = (
    ("reason_code", f"one of {', '.join(REASON_CODES)}"),
    ("reason", 'the reason in words (needed for "other")'),
    ("resolution", f"one of {', '.join(RESOLUTIONS)}"),
    ("contact_email", "who to tell about the return (default: the order's buyer)"),
    ("notes", "anything else"),
)
QUANTITY_LINES = (
    "lines",
    '[{line_number (the order\'s), quantity: "2"}]: at most what shipped and is not yet returned',
    LINES,
)


def list_rmas(app, principal, params, query):
    limit = limit_of(query)
    status = query.get("status")
    if status is not None and status not in STATUSES:
        raise BadQuery(f"status must be one of {', '.join(STATUSES)}")
    found = rma_queries.list_rmas(
        app.engine,
        status=status,
        order=query.get("order"),
        customer=query.get("customer"),
        archived=query.get("archived") == "true",
        after=query.get("after"),
        limit=limit,
        groups=scope_of(principal),
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"rmas": found, "next": following}


def order_rmas(app, principal, params, query):
    found = rma_queries.order_rmas(app.engine, params["number"], groups=scope_of(principal))
    return 200, {"number": params["number"], "rmas": found}


def open_rma(app, principal, params, query, body):
    order_number = text_field(body, "order_number", size=64)
    if not order_number:
        raise BadQuery("order_number is needed")
    if not principal.sees_all_customers:
        check_order_in_scope(app.engine, order_number, principal.groups)
    values = _values(body)
    for name, known in (("reason_code", REASON_CODES), ("resolution", RESOLUTIONS)):
        if not values.get(name):
            raise BadQuery(f"{name} is needed: one of {', '.join(known)}")
    command = commands.OpenRma(
        order_number,
        _quantities(body),
        reason_code=values["reason_code"],
        resolution=values["resolution"],
        reason=values.get("reason"),
        contact_email=values.get("contact_email"),
        notes=values.get("notes"),
    )
    number = app.bus.execute(command, actor_of(principal))
    return 201, _detail(app, principal, number)


def show_rma(app, principal, params, query):
    return 200, _detail(app, principal, params["number"])


def change_rma(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    lines = _quantities(body) if "lines" in body else {}
    values = _values(body)
    if not values and not lines:
        raise BadQuery(f"name something to change: {', '.join(EDITABLE)} or lines")
    command = commands.ChangeRma(params["number"], values, lines)
    changed = app.bus.execute(command, actor_of(principal))
    return 200, {**_detail(app, principal, params["number"]), "changed": changed}


def change_status(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    action = body.get("action")
    if action not in ACTIONS:
        raise BadQuery(f"action must be one of {', '.join(ACTIONS)}")
    received = _received(body) if action == "receive" else None
    if action != "receive" and body.get("lines") is not None:
        raise BadQuery("lines are given only to receive")
    reason = text_field(body, "reason", size=MAX_TEXT)
    command = commands.ChangeRmaStatus(params["number"], action, reason, received)
    previous, _status = app.bus.execute(command, actor_of(principal))
    return 200, {**_detail(app, principal, params["number"]), "previous_status": previous}


def archive(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    if "archived" not in body:
        raise BadQuery("archived (true or false) is needed")
    command = commands.ArchiveRma(params["number"], flag_field(body, "archived"))
    app.bus.execute(command, actor_of(principal))
    return 200, _detail(app, principal, params["number"])


def list_comments(app, principal, params, query):
    found = rma_queries.rma_comments(
        app.engine, params["number"], groups=scope_of(principal), viewer=principal.username
    )
    return 200, {"number": params["number"], "comments": found}


def add_comment(app, principal, params, query, body):
    _in_scope(app, principal, params["number"])
    visibility = text_field(body, "visibility") or "private"
    if visibility not in VISIBILITIES:
        raise BadQuery(f"visibility must be one of {', '.join(VISIBILITIES)}")
    text = body.get("body")
    if not isinstance(text, str) or not text.strip():
        raise BadQuery("body must be the comment's text")
    command = commands.AddRmaComment(params["number"], text, visibility)
    comment_id = app.bus.execute(command, actor_of(principal))
    return 201, {"number": params["number"], "id": comment_id, "visibility": visibility}


def _detail(app, principal, number: str) -> dict:
    return rma_queries.rma_detail(
        app.engine, number, groups=scope_of(principal), viewer=principal.username
    )


def _in_scope(app, principal, number: str) -> None:
    if not principal.sees_all_customers:
        rma_queries.check_rma_in_scope(app.engine, number, principal.groups)


def _values(body: dict) -> dict:
    return {name: text_field(body, name, size=MAX_TEXT) for name in EDITABLE if name in body}


def _lines(body: dict) -> list[tuple[int, dict]]:
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
        raise BadQuery(f"lines must be a list of 1 to {MAX_LINES} objects with line_number")
    numbered = []
    for line in lines:
        number = line.get("line_number") if isinstance(line, dict) else None
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise BadQuery("each line needs line_number, the order's line number")
        numbered.append((number, line))
    if len({number for number, _ in numbered}) < len(numbered):
        raise BadQuery("an order line is named twice in lines")
    return numbered


def _quantities(body: dict) -> dict[int, Decimal]:
    quantities = {}
    for number, line in _lines(body):
        quantity = decimal_value(line, "quantity")
        if quantity is None:
            raise BadQuery(f"line {number}: quantity is needed")
        quantities[number] = quantity
    return quantities


def _received(body: dict) -> dict[int, tuple[Decimal, str | None]]:
    received = {}
    for number, line in _lines(body):
        quantity = decimal_value(line, "received_quantity")
        if quantity is None:
            raise BadQuery(f"line {number}: received_quantity is needed")
        condition = text_field(line, "condition")
        if condition is not None and condition not in CONDITIONS:
            raise BadQuery(f"line {number}: condition must be one of {', '.join(CONDITIONS)}")
        received[number] = (quantity, condition)
    return received


RMA = "/api/v1/rmas/{number}"
RMA_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/rmas",
        VIEW,
        "Returns (RMAs), newest first, each with its customer, line count and quantities",
        list_rmas,
        (
            ("status", f"one of {', '.join(STATUSES)}"),
            ("order", "only this order's (its number)"),
            ("customer", "only this customer's (its code)"),
            ("archived", "true: archived ones too"),
            ("after", "the page after this RMA number"),
            LIMIT,
        ),
    ),
    Route(
        "POST",
        "/api/v1/rmas",
        MANAGE,
        "Open a return on a shipped order; it starts requested",
        open_rma,
        status=201,
        body=(("order_number", "the order's number"), QUANTITY_LINES, *FIELDS),
    ),
    Route(
        "GET",
        RMA,
        VIEW,
        "One RMA with its customer, lines, comments you may see, tasks and history",
        show_rma,
    ),
    Route(
        "POST",
        RMA,
        MANAGE,
        "Change a requested or authorised RMA: its fields and line quantities (an order line"
        " not yet returned is added)",
        change_rma,
        body=(*FIELDS, QUANTITY_LINES),
    ),
    Route(
        "POST",
        f"{RMA}/status",
        MANAGE,
        "Authorise, receive, close, reject or cancel an RMA",
        change_status,
        body=(
            ("action", f"one of {', '.join(ACTIONS)}"),
            ("reason", "why (kept in the notes and the history)"),
            (
                "lines",
                'to receive: [{line_number (the order\'s), received_quantity: "2",'
                f" condition: {' | '.join(CONDITIONS)}}}]; a line not named came back"
                " with nothing",
                LINES,
            ),
        ),
    ),
    Route(
        "POST",
        f"{RMA}/archive",
        MANAGE,
        "Archive an RMA, or bring it back",
        archive,
        body=(("archived", "true to archive, false to bring back", BOOLEAN),),
    ),
    Route(
        "GET",
        f"{RMA}/comments",
        VIEW,
        "The RMA's comments, oldest first: public ones and your private ones",
        list_comments,
    ),
    Route(
        "POST",
        f"{RMA}/comments",
        VIEW,
        "Comment on an RMA, privately (only you see it) or publicly (all staff)",
        add_comment,
        status=201,
        body=(("body", "the comment"), ("visibility", "private (default) or public")),
    ),
    Route(
        "GET",
        "/api/v1/orders/{number}/rmas",
        VIEW,
        "An order's returns (RMAs), oldest first, archived ones too",
        order_rmas,
    ),
)
