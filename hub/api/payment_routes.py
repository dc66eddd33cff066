"""/api/v1 payments: take a payment of an invoice through a gateway (or record money
received by hand), capture, void and refund it, list payments, and see what invoices
are owed and which are overdue.

Taking or changing a payment is recorded before the gateway is asked and its answer
after (core/handlers/payments.py). A payment the gateway declined is still a
payment (201, state "declined"); a capture, void or refund it declines, or a gateway
that gives no usable answer, is a 409 naming what the payment was left as. Amounts
travel as text ("12.50"). What a caller sees is limited to their groups' customers.
"""

from __future__ import annotations

from typing import Any

from core import commands
from core.handlers.payments import PaymentOutcome, change, pay
from core.model.payments import MANUAL, MANUAL_METHODS, STATES, TAKE_ACTIONS, PaymentRefused
from core.storage import payment_queries, queries
from hub import payment_gateways
from hub.api.common import LIMIT, BadQuery, Route, actor_of, date_field, decimal_field, limit_of

SUCCEEDED = ("approved", "pending")


def scope_of(principal) -> frozenset[int] | None:
    return None if principal.sees_all_customers else principal.groups


# Shared with the CLI


def take(app, actor, invoice: str, body: dict[str, Any], groups) -> tuple[str, PaymentOutcome]:
    """Take (or, for the gateway "manual", record as received) a payment of an
    invoice as the body asks; (its number, the outcome)."""
    gateway = _text(body, "gateway")
    if not gateway:
        raise BadQuery("gateway is needed: a configured gateway, or manual")
    amount = decimal_field(body, "amount") if body.get("amount") is not None else None
    if gateway == MANUAL:
        command = commands.ReceivePayment(
            invoice,
            _text(body, "method") or "",
            amount,
            _text(body, "reference"),
            date_field(body, "received_on"),
            groups,
        )
        number = app.bus.execute(command, actor)
        return number, PaymentOutcome(number, "receive", "captured", "approved", None)
    action = _text(body, "action") or "sale"
    if action not in TAKE_ACTIONS:
        raise BadQuery(f"action must be one of {', '.join(TAKE_ACTIONS)}")
    command = commands.TakePayment(
        invoice,
        gateway,
        action,
        amount,
        _text(body, "method"),
        _text(body, "token"),
        _text(body, "token_kind"),
        groups=groups,
    )
    outcome = pay(app.bus.execute, payment_gateways.gateways(), command, actor)
    return outcome.number, outcome


def act(app, actor, number: str, action: str, amount, reason, groups) -> PaymentOutcome:
    """Capture, void or refund; refused (nothing changed but the attempt's record)
    unless the gateway approved it or it is pending there."""
    command = commands.ChangePayment(number, action, amount, reason, groups=groups)
    outcome = change(app.bus.execute, payment_gateways.gateways(), command, actor)
    if outcome.outcome not in SUCCEEDED:
        state = outcome.state.replace("_", " ")
        why = f": {outcome.message}" if outcome.message else ""
        raise PaymentRefused(
            f"payment {number}: the {action} {outcome.outcome}{why}; it is {state}"
        )
    return outcome


# Handlers


def take_payment(app, principal, params, query, body):
    groups = scope_of(principal)
    number, outcome = take(app, actor_of(principal), params["number"], body, groups)
    return 201, _answer(app, number, outcome, groups)


def change_payment(action: str):
    def handler(app, principal, params, query, body):
        amount = decimal_field(body, "amount") if body.get("amount") is not None else None
        groups = scope_of(principal)
        outcome = act(
            app,
            actor_of(principal),
            params["number"],
            action,
            amount,
            _text(body, "reason"),
            groups,
        )
        return 200, _answer(app, params["number"], outcome, groups)

    handler.__name__ = f"{action}_payment"
    return handler


def list_payments(app, principal, params, query):
    limit = limit_of(query)
    state = query.get("state")
    if state and state not in STATES:
        raise BadQuery(f"state must be one of {', '.join(STATES)}")
    found = payment_queries.list_payments(
        app.engine,
        groups=scope_of(principal),
        state=state,
        gateway=query.get("gateway"),
        invoice=query.get("invoice"),
        after=query.get("after"),
        limit=limit,
        **_bounds(query),
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"payments": found, "next": following}


def show_payment(app, principal, params, query):
    return 200, payment_queries.payment_detail(
        app.engine, params["number"], groups=scope_of(principal)
    )


def invoice_payments(app, principal, params, query):
    return 200, payment_queries.invoice_payments(
        app.engine, params["number"], groups=scope_of(principal)
    )


def overdue(app, principal, params, query):
    found = payment_queries.overdue_invoices(
        app.engine,
        groups=scope_of(principal),
        as_of=date_field(query, "as_of"),
        limit=limit_of(query),
    )
    return 200, {"invoices": found}


def list_gateways(app, principal, params, query):
    configured = sorted(payment_gateways.gateways())
    return 200, {"gateways": configured, "manual_methods": list(MANUAL_METHODS)}


def _answer(app, number: str, outcome: PaymentOutcome, groups) -> dict[str, Any]:
    detail = payment_queries.payment_detail(app.engine, number, groups=groups)
    detail["outcome"] = {
        "action": outcome.action,
        "outcome": outcome.outcome,
        "message": outcome.message,
        "approval_url": outcome.approval_url,
    }
    return detail


def _bounds(query: dict[str, str]) -> dict[str, Any]:
    bounds = {}
    for name in ("since", "until"):
        if query.get(name):
            try:
                bounds[name] = queries.time_bound(name, query[name], end_of_day=name == "until")
            except queries.BadFilter as error:
                raise BadQuery(str(error)) from None
    return bounds


def _text(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise BadQuery(f"{name} must be text")
    return value.strip() or None if value else None


REASON = ("reason", "why; shown to the buyer where the gateway passes it on")
PAYMENT_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/payments",
        "invoices.view",
        "Payments, newest first; `next` continues the listing",
        list_payments,
        (
            ("state", f"one of {', '.join(STATES)}"),
            ("gateway", "authorize_net, paypal, manual or a plug-in's name"),
            ("invoice", "only this invoice's payments"),
            ("since", "recorded at or after: YYYY-MM-DD or an ISO 8601 time (UTC unless offset)"),
            ("until", "recorded before this time; a bare YYYY-MM-DD includes that whole day"),
            ("after", "continue after this payment"),
            LIMIT,
        ),
    ),
    Route(
        "GET",
        "/api/v1/payments/overdue",
        "invoices.view",
        "Invoices with money still due after their due date (net terms), longest overdue first",
        overdue,
        (("as_of", "the day to judge by, YYYY-MM-DD (default today, UTC)"), LIMIT),
    ),
    Route(
        "GET",
        "/api/v1/payments/gateways",
        "invoices.view",
        "The payment gateways configured, and the methods of money received by hand",
        list_gateways,
    ),
    Route(
        "GET",
        "/api/v1/payments/{number}",
        "invoices.view",
        "One payment with every request, answer and failure (events) and its history",
        show_payment,
    ),
    Route(
        "POST",
        "/api/v1/payments/{number}/capture",
        "payments.manage",
        "Capture an authorised payment (or a PayPal order the buyer approved)",
        change_payment("capture"),
        body=(("amount", "default all that was authorised; as text"),),
    ),
    Route(
        "POST",
        "/api/v1/payments/{number}/void",
        "payments.manage",
        "Void an authorised payment before it is captured",
        change_payment("void"),
        body=(REASON,),
    ),
    Route(
        "POST",
        "/api/v1/payments/{number}/refund",
        "payments.manage",
        "Refund all or part of a captured payment (by hand for money received by hand)",
        change_payment("refund"),
        body=(("amount", "default all that is left to refund; as text"), REASON),
    ),
    Route(
        "GET",
        "/api/v1/invoices/{number}/payments",
        "invoices.view",
        "What an invoice is owed (total, credited, paid, due, due date) and its payments",
        invoice_payments,
    ),
    Route(
        "POST",
        "/api/v1/invoices/{number}/payments",
        "payments.manage",
        "Take a payment of an invoice through a gateway, or record money received by hand",
        take_payment,
        status=201,
        body=(
            ("gateway", "authorize_net, paypal, a plug-in's name, or manual"),
            ("action", f"{' or '.join(TAKE_ACTIONS)} (default sale)"),
            ("amount", "default all that is still open; as text"),
            ("token", "the gateway's token: Accept.js dataValue, or profileId/paymentProfileId"),
            ("token_kind", "opaque (default) or profile"),
            ("method", f"manual: one of {', '.join(MANUAL_METHODS)}; else a label (card)"),
            ("reference", "manual: the cheque number or wire reference"),
            ("received_on", "manual: the day it was received, YYYY-MM-DD (default today)"),
        ),
    ),
)
