"""Payments: money taken for an invoice through a gateway, or received by hand.

A payment is recorded (pending) before its gateway is asked, and the answer is
applied afterwards, so no attempt is ever lost: every request, answer and failure is
a PaymentEvent. Gateways see only their own tokens; of a card we keep its brand and
last four digits. Amounts never exceed what may be taken, captured or refunded.

Net terms: an invoice of an order paid on net terms is due its net days after the
invoice date. What it is still due is its total, less its credit notes and what was
captured, plus what was refunded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from core.canonical import PaymentRequest, PaymentResult
from core.errors import OrderB2BError
from core.model.shipments import utc

PENDING, AUTHORISED, CAPTURED = "pending", "authorised", "captured"
PARTIALLY_REFUNDED, REFUNDED = "partially_refunded", "refunded"
VOIDED, DECLINED, FAILED = "voided", "declined", "failed"
STATES = (
    PENDING,
    AUTHORISED,
    CAPTURED,
    PARTIALLY_REFUNDED,
    REFUNDED,
    VOIDED,
    DECLINED,
    FAILED,
)
TAKE_ACTIONS = ("authorise", "sale")
# The states each change may start from. A pending payment only when its gateway
# knows it (a PayPal order awaiting the buyer, an authorisation held for review).
CHANGES_FROM = {
    "capture": frozenset({AUTHORISED, PENDING}),
    "void": frozenset({AUTHORISED, PENDING}),
    "refund": frozenset({CAPTURED, PARTIALLY_REFUNDED}),
}
MANUAL = "manual"  # the gateway of money received by hand
MANUAL_METHODS = ("cheque", "wire", "cash", "other")
RECEIVE = "receive"  # the action of a manual receipt
REQUESTED, FAILED_OUTCOME = "requested", "failed"  # event outcomes besides the gateway's
# A request with no answer recorded after this long is taken as abandoned (the
# process died while asking); a new one may then be made.
IN_FLIGHT_LIMIT = timedelta(minutes=5)
RAW_LIMIT = 64 * 1024
CENT = Decimal("0.01")
ZERO = Decimal(0)
MAX_AMOUNT = Decimal("1000000000")


class PaymentRefused(OrderB2BError):
    """A payment or change that cannot be made as asked; nothing was changed."""


COUNTER = "payment"


def format_number(value: int) -> str:
    return f"PAY{value:07d}"


def amount_of(value: Any, what: str = "amount") -> Decimal:
    """An amount above 0 in whole cents."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or not ZERO < amount <= MAX_AMOUNT:
        raise PaymentRefused(f"the {what} must be a number above 0")
    if amount != amount.quantize(CENT):
        raise PaymentRefused(f"the {what} must be in whole cents, e.g. 12.50")
    return amount.quantize(CENT)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def due_date(
    invoice_date: datetime, payment_terms: dict | None, net_days: int | None
) -> date | None:
    """When an invoice of an order paid on net terms is due; None for other orders."""
    terms = payment_terms or {}
    if terms.get("method") != "net_terms":
        return None
    days = net_days if net_days is not None else terms.get("net_days")
    if days is None:
        return None
    return utc(invoice_date).date() + timedelta(days=int(days))


class PaymentEvent:
    """One request, answer or failure of a payment, with the states around it."""

    id: int | None
    payment_id: int | None

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


class Payment:
    id: int | None
    events: list[PaymentEvent]

    def __init__(
        self,
        number: str,
        invoice,
        *,
        gateway: str,
        method: str,
        action: str,
        amount: Decimal,
        now: datetime,
    ) -> None:
        self.number = number
        self.invoice = invoice
        self.invoice_id = invoice.id
        self.order_id = invoice.order_id
        self.gateway = gateway
        self.method = method
        self.action = action
        self.amount = amount
        self.currency = invoice.currency
        self.state = PENDING
        self.transaction_id = self.authorization_code = None
        self.card_brand = self.card_last4 = self.token_kind = None
        self.approval_url = self.reference = self.received_on = None
        self.captured_amount = self.refunded_amount = ZERO
        self.in_flight = self.in_flight_at = None
        self.created_at = self.updated_at = now
        self.archived = False
        self.events = []

    @property
    def committed(self) -> Decimal:
        """What this payment holds of its invoice's total: asked or authorised, or
        captured less refunded."""
        if self.state in (PENDING, AUTHORISED):
            return self.amount
        return self.paid

    @property
    def paid(self) -> Decimal:
        if self.state in (CAPTURED, PARTIALLY_REFUNDED, REFUNDED):
            return self.captured_amount - self.refunded_amount
        return ZERO

    @property
    def refundable(self) -> Decimal:
        return self.captured_amount - self.refunded_amount

    def ask(
        self,
        action: str,
        amount: Decimal,
        actor,
        now: datetime,
        *,
        token: str | None = None,
        token_kind: str | None = None,
        description: str | None = None,
    ) -> PaymentRequest:
        """Record that the gateway is asked to do `action`; the request to send it.
        Refused when the payment's state or an unanswered request forbids it, or the
        amount is more than may be captured or refunded."""
        if action in TAKE_ACTIONS:
            if self.events:
                raise PaymentRefused(f"payment {self.number} was already taken")
            self.token_kind = token_kind
        else:
            self._check_change(action, amount, now)
        self.in_flight, self.in_flight_at = action, now
        self._event(action, REQUESTED, actor, now, amount=amount, before=self.state)
        return PaymentRequest(
            action=action,
            amount=amount,
            currency=self.currency,
            reference=self.number,
            token=token,
            token_kind=token_kind,
            transaction_id=None if action in TAKE_ACTIONS else self.transaction_id,
            description=description,
            card_last4=self.card_last4,
        )

    def _check_change(self, action: str, amount: Decimal, now: datetime) -> None:
        if action not in CHANGES_FROM:
            raise PaymentRefused(f"action must be one of capture, void, refund; not {action!r}")
        state = self.state.replace("_", " ")
        if self.state not in CHANGES_FROM[action]:
            raise PaymentRefused(f"payment {self.number} is {state}: it cannot {action}")
        if self.in_flight and now - utc(self.in_flight_at) < IN_FLIGHT_LIMIT:
            raise PaymentRefused(
                f"payment {self.number} is waiting for the answer to a {self.in_flight}"
            )
        if self.transaction_id is None and self.gateway != MANUAL:
            raise PaymentRefused(f"payment {self.number} is {state} and unknown to its gateway")
        limit = self.refundable if action == "refund" else self.amount
        if amount > limit:
            what = "refunded" if action == "refund" else "captured"
            raise PaymentRefused(
                f"payment {self.number}: {amount} is more than the {limit} {self.currency}"
                f" that may be {what}"
            )

    def answer(self, action: str, result: PaymentResult, actor, now: datetime) -> tuple[str, str]:
        """Apply the gateway's answer to a request; (state before, state after)."""
        before = self.state
        self.in_flight = self.in_flight_at = None
        if action in TAKE_ACTIONS:
            self._taken(action, result)
        elif result.outcome == "approved":
            self._changed(action, result)
        self.updated_at = now
        self._event(
            action,
            result.outcome,
            actor,
            now,
            amount=result.amount,
            before=before,
            transaction_id=result.transaction_id,
            gateway_code=result.code,
            message=result.message or None,
            raw=result.raw[:RAW_LIMIT] or None,
        )
        return before, self.state

    def _taken(self, action: str, result: PaymentResult) -> None:
        if result.outcome in ("approved", "pending"):
            self.transaction_id = result.transaction_id or self.transaction_id
        if result.outcome == "approved":
            self.state = AUTHORISED if action == "authorise" else CAPTURED
            if action == "sale":
                self.captured_amount = result.amount
        elif result.outcome == "declined":
            self.state = DECLINED
        elif result.outcome == "error":
            self.state = FAILED
        self.authorization_code = result.authorization_code or self.authorization_code
        self.card_brand = result.card_brand or self.card_brand
        self.card_last4 = result.card_last4 or self.card_last4
        self.approval_url = result.approval_url or self.approval_url

    def _changed(self, action: str, result: PaymentResult) -> None:
        if action == "capture":
            self.state, self.captured_amount = CAPTURED, result.amount
            # A PayPal capture has its own id, which a refund names.
            self.transaction_id = result.transaction_id or self.transaction_id
        elif action == "void":
            self.state = VOIDED
        else:
            self.refunded_amount += result.amount
            full = self.refunded_amount >= self.captured_amount
            self.state = REFUNDED if full else PARTIALLY_REFUNDED

    def fail(self, action: str, kind: str, message: str, actor, now: datetime) -> tuple[str, str]:
        """The gateway gave no usable answer (timeout, server error, unreadable): a new
        payment failed; a change leaves the payment as it was."""
        before = self.state
        self.in_flight = self.in_flight_at = None
        if action in TAKE_ACTIONS:
            self.state = FAILED
        self.updated_at = now
        self._event(
            action, FAILED_OUTCOME, actor, now, before=before, error_kind=kind, message=message
        )
        return before, self.state

    def receive(self, method: str, reference: str | None, on: date, actor, now: datetime) -> None:
        """Money received by hand (a cheque, a wire): captured at once."""
        self.reference, self.received_on = reference, on
        self.state, self.captured_amount = CAPTURED, self.amount
        what = f"received by {method}" + (f", {reference}" if reference else "")
        self._event(
            RECEIVE, "approved", actor, now, amount=self.amount, before=PENDING, message=what
        )

    def _event(self, action: str, outcome: str, actor, now: datetime, **values: Any) -> None:
        self.events.append(
            PaymentEvent(
                action=action,
                outcome=outcome,
                amount=values.pop("amount", None),
                currency=self.currency,
                state_before=values.pop("before"),
                state_after=self.state,
                actor_kind=actor.kind,
                actor=actor.name,
                at=now,
                **values,
            )
        )


class Balance(NamedTuple):
    """An invoice's money: its total, what its payments hold, what was paid."""

    total: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def open(self) -> Decimal:
        """What may still be asked for."""
        return self.total - self.committed

    @property
    def due(self) -> Decimal:
        """What is still to be paid."""
        return self.total - self.paid


def balance_of(total: Decimal, payments: Iterable[Payment]) -> Balance:
    payments = list(payments)
    return Balance(
        total,
        sum((p.committed for p in payments), ZERO),
        sum((p.paid for p in payments), ZERO),
    )


def check_take(amount: Decimal, balance: Balance, invoice_number: str, currency: str) -> None:
    if balance.open <= 0:
        raise PaymentRefused(f"invoice {invoice_number} has nothing left to pay")
    if amount > balance.open:
        raise PaymentRefused(
            f"invoice {invoice_number}: {amount} is more than the {balance.open} {currency}"
            " still open"
        )
