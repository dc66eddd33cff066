"""Payments: taken for an invoice through a gateway, captured, voided and refunded,
or received by hand.

Never lost, never half-recorded: the attempt is recorded and committed first (the
payment pending, an event "requested"); the gateway is asked outside any
transaction; its answer, or why none came, is recorded in a second transaction.
`pay` and `change` run those three steps; the handlers below are the two
transactions. A caller limited to some customer groups meets other customers'
invoices and payments as unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from core import commands, events, ports
from core.canonical import PaymentRequest, PaymentResult
from core.errors import NotFound, ServiceFailed
from core.model.invoices import STANDARD, Invoice
from core.model.payments import (
    COUNTER,
    MANUAL,
    MANUAL_METHODS,
    RECEIVE,
    TAKE_ACTIONS,
    Balance,
    Payment,
    PaymentRefused,
    amount_of,
    balance_of,
    cents,
    check_take,
    format_number,
)

log = logging.getLogger("orderb2b.payments")
Scope = frozenset[int] | None
Execute = Callable[[commands.Command, ports.Actor], Any]
MAX_REFERENCE = 100


class PaymentAttempt(NamedTuple):
    """A request recorded and committed, to be sent to the gateway; `request` is None
    when nothing is to be asked (a manual payment, refunded by hand)."""

    number: str
    gateway: str
    action: str
    request: PaymentRequest | None
    state: str


class PaymentOutcome(NamedTuple):
    number: str
    action: str
    state: str
    outcome: str  # approved, declined, error, pending, or failed (no usable answer)
    message: str | None
    approval_url: str | None = None


# The three steps


def pay(
    execute: Execute,
    gateways: Mapping[str, ports.PaymentGateway],
    command: commands.TakePayment,
    actor: ports.Actor,
) -> PaymentOutcome:
    """Take a payment: record it, ask its gateway, record the answer."""
    gateway = gateways.get(command.gateway)
    if gateway is not None and getattr(gateway, "needs_token", False) and not command.token:
        raise PaymentRefused(f"{command.gateway} needs the buyer's card token")
    attempt = execute(replace(command, available=frozenset(gateways)), actor)
    return _ask(execute, gateways[attempt.gateway], attempt, actor)


def change(
    execute: Execute,
    gateways: Mapping[str, ports.PaymentGateway],
    command: commands.ChangePayment,
    actor: ports.Actor,
) -> PaymentOutcome:
    """Capture, void or refund a payment: record the request, ask, record the answer."""
    attempt = execute(replace(command, available=frozenset(gateways)), actor)
    if attempt.request is None:
        return PaymentOutcome(attempt.number, attempt.action, attempt.state, "approved", None)
    return _ask(execute, gateways[attempt.gateway], attempt, actor)


def _ask(execute: Execute, gateway, attempt: PaymentAttempt, actor) -> PaymentOutcome:
    number, action = attempt.number, attempt.action
    try:
        result = gateway.execute(attempt.request)
        if not isinstance(result, PaymentResult):
            raise ServiceFailed(
                attempt.gateway, "answered without a payment result", kind="malformed"
            )
        answer = commands.RecordPaymentAnswer(number, action, result=result)
    except ServiceFailed as error:
        answer = commands.RecordPaymentAnswer(
            number, action, error=str(error), error_kind=error.kind
        )
    except Exception as error:  # a plug-in's own bug must not leave the attempt unanswered
        log.exception(
            "payment gateway failed", extra={"payment": number, "gateway": attempt.gateway}
        )
        failure = f"{attempt.gateway}: {type(error).__name__}: {error}"
        answer = commands.RecordPaymentAnswer(number, action, error=failure, error_kind="failed")
    try:
        return execute(answer, actor)
    except Exception:
        # The attempt stays recorded (pending, "requested"); this is what to reconcile.
        log.error(
            "payment answer not recorded",
            extra={
                "payment": number,
                "action": action,
                "answer": repr(answer.result or answer.error),
            },
        )
        raise


# First transaction: the attempt


def take_payment(command: commands.TakePayment, uow: ports.UnitOfWork) -> PaymentAttempt:
    if command.gateway == MANUAL:
        raise PaymentRefused("money received by hand is recorded as received, not taken")
    _check_gateway(command.gateway, command.available)
    if command.action not in TAKE_ACTIONS:
        raise PaymentRefused(f"action must be one of {', '.join(TAKE_ACTIONS)}")
    invoice = _invoice(uow, command.invoice_number, command.groups)
    balance = _balance(uow, invoice)
    amount = cents(balance.open) if command.amount is None else amount_of(command.amount)
    check_take(amount, balance, invoice.number, invoice.currency)
    now = datetime.now(UTC)
    method = command.method or ("card" if command.token else command.gateway)
    payment = Payment(
        _next_number(uow),
        invoice,
        gateway=command.gateway,
        method=method[:32],
        action=command.action,
        amount=amount,
        now=now,
    )
    request = payment.ask(
        command.action,
        amount,
        uow.actor,
        now,
        token=command.token,
        token_kind=command.token_kind,
        description=f"Invoice {invoice.number}",
    )
    uow.payments.add(payment)
    _recorded(uow, payment, invoice)
    return PaymentAttempt(payment.number, payment.gateway, command.action, request, payment.state)


def change_payment(command: commands.ChangePayment, uow: ports.UnitOfWork) -> PaymentAttempt:
    payment = _payment(uow, command.number, command.groups)
    if payment.gateway == MANUAL and command.action != "refund":
        raise PaymentRefused(f"payment {payment.number} was received by hand: it is only refunded")
    if payment.gateway != MANUAL:
        _check_gateway(payment.gateway, command.available)
    amount = _change_amount(payment, command)
    now = datetime.now(UTC)
    reason = (command.reason or "").strip() or None
    request = payment.ask(command.action, amount, uow.actor, now, description=reason)
    if payment.gateway != MANUAL:
        return PaymentAttempt(
            payment.number, payment.gateway, command.action, request, payment.state
        )
    message = "refunded by hand" + (f": {reason}" if reason else "")
    result = PaymentResult("approved", None, amount, payment.currency, message=message)
    states = payment.answer(command.action, result, uow.actor, now)
    _answered(uow, payment, command.action, states, amount)
    return PaymentAttempt(payment.number, MANUAL, command.action, None, payment.state)


def _change_amount(payment: Payment, command: commands.ChangePayment) -> Any:
    if command.amount is not None:
        return amount_of(command.amount)
    return payment.refundable if command.action == "refund" else payment.amount


# Second transaction: the answer


def record_payment_answer(
    command: commands.RecordPaymentAnswer, uow: ports.UnitOfWork
) -> PaymentOutcome:
    payment = uow.payments.get(command.number, lock=True)
    if payment is None:
        raise NotFound(f"no payment {command.number}")
    now = datetime.now(UTC)
    result = command.result
    if result is not None:
        states = payment.answer(command.action, result, uow.actor, now)
        outcome, message = result.outcome, result.message or None
    else:
        kind = command.error_kind or "failed"
        message = command.error or "no answer"
        states = payment.fail(command.action, kind, message, uow.actor, now)
        outcome = "failed"
    _answered(uow, payment, command.action, states, result.amount if result else payment.amount)
    return PaymentOutcome(
        payment.number, command.action, payment.state, outcome, message, payment.approval_url
    )


# Money received by hand: one transaction


def receive_payment(command: commands.ReceivePayment, uow: ports.UnitOfWork) -> str:
    if command.method not in MANUAL_METHODS:
        raise PaymentRefused(f"method must be one of {', '.join(MANUAL_METHODS)}")
    reference = (command.reference or "").strip() or None
    if reference and (len(reference) > MAX_REFERENCE or not reference.isprintable()):
        raise PaymentRefused(f"the reference must be up to {MAX_REFERENCE} printable characters")
    invoice = _invoice(uow, command.invoice_number, command.groups)
    balance = _balance(uow, invoice)
    amount = cents(balance.open) if command.amount is None else amount_of(command.amount)
    check_take(amount, balance, invoice.number, invoice.currency)
    now = datetime.now(UTC)
    payment = Payment(
        _next_number(uow),
        invoice,
        gateway=MANUAL,
        method=command.method,
        action=RECEIVE,
        amount=amount,
        now=now,
    )
    payment.receive(command.method, reference, command.received_on or now.date(), uow.actor, now)
    uow.payments.add(payment)
    _recorded(uow, payment, invoice)
    _answered(uow, payment, RECEIVE, ("pending", payment.state), amount)
    return payment.number


# Shared steps


def _check_gateway(name: str, available: frozenset[str]) -> None:
    if name not in available:
        known = ", ".join(sorted(available)) or "none"
        raise PaymentRefused(f"no payment gateway {name!r} is configured (configured: {known})")


def _invoice(uow: ports.UnitOfWork, number: str, groups: Scope) -> Invoice:
    """The invoice, held against concurrent payments of it."""
    invoice = uow.payments.invoice(number, lock=True)
    if invoice is None or not _in_scope(uow, invoice, groups):
        raise NotFound(f"no invoice {number}")
    if invoice.purpose != STANDARD:
        raise PaymentRefused(f"{number} is a credit note: payments are taken for invoices")
    if invoice.archived:
        raise PaymentRefused(f"invoice {number} is archived")
    return invoice


def _payment(uow: ports.UnitOfWork, number: str, groups: Scope) -> Payment:
    payment = uow.payments.get(number, lock=True)
    if payment is None or not _in_scope(uow, payment.invoice, groups):
        raise NotFound(f"no payment {number}")
    return payment


def _in_scope(uow: ports.UnitOfWork, invoice: Invoice, groups: Scope) -> bool:
    if groups is None:
        return True
    customer_id = invoice.order.customer_id
    customer = uow.customers.get_by_id(customer_id) if customer_id is not None else None
    return customer is not None and customer.group_id in groups


def _balance(uow: ports.UnitOfWork, invoice: Invoice) -> Balance:
    credited = sum((note.total for note in uow.payments.credit_notes(invoice.id)), 0)
    return balance_of(invoice.total - credited, uow.payments.for_invoice(invoice.id))


def _next_number(uow: ports.UnitOfWork) -> str:
    return format_number(uow.next_counter(COUNTER)[0])


def _recorded(uow: ports.UnitOfWork, payment: Payment, invoice: Invoice) -> None:
    uow.emit(
        events.PaymentRecorded(
            payment.number,
            invoice.number,
            invoice.order.number,
            payment.gateway,
            payment.method,
            format(payment.amount, "f"),
            payment.currency,
            payment.state,
        )
    )


def _answered(
    uow: ports.UnitOfWork, payment: Payment, action: str, states: tuple[str, str], amount
) -> None:
    before, after = states
    if before == after:
        return
    uow.emit(
        events.PaymentStatusChanged(
            payment.number,
            payment.invoice.number,
            action,
            before,
            after,
            format(amount, "f"),
            payment.currency,
        )
    )
