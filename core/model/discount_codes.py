"""Discount codes: a percentage or an amount off an order, with limits.

A code may be valid between two dates (both included), for a number of uses, for
one customer group and above a minimum order value. Generated codes use an
alphabet without look-alikes (no 0/O, 1/I). Uses are counted by the store with a
conditional update, so a code is never redeemed beyond its limit.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.errors import OrderB2BError

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
KINDS = ("percent", "amount")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MAX_GENERATED = 10_000
_CODE = re.compile(r"[A-Z0-9-]{3,40}")


class DiscountCodeError(OrderB2BError):
    """A discount code that cannot be kept, generated or redeemed as asked."""


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


class DiscountCode:
    id: int | None
    uses: int

    def __init__(
        self,
        code: str,
        kind: str,
        value: Decimal,
        *,
        valid_from: date | None = None,
        valid_until: date | None = None,
        max_uses: int | None = None,
        customer_group: str | None = None,
        min_order_value: Decimal | None = None,
        batch: str | None = None,
    ) -> None:
        code = normalise(code)
        if not _CODE.fullmatch(code):
            raise DiscountCodeError(f"discount code {code!r}: 3 to 40 letters, digits or dashes")
        self.code = code
        self.kind, self.value = _kind_and_value(kind, value)
        if valid_from and valid_until and valid_until < valid_from:
            raise DiscountCodeError("valid_until is before valid_from")
        if max_uses is not None and max_uses < 1:
            raise DiscountCodeError("max_uses must be 1 or more")
        if min_order_value is not None and Decimal(min_order_value) < 0:
            raise DiscountCodeError("min_order_value must be 0 or more")
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.max_uses = max_uses
        self.uses = 0
        self.customer_group = customer_group or None
        self.min_order_value = None if min_order_value is None else Decimal(min_order_value)
        self.batch = batch
        self.active = True
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def deactivate(self) -> None:
        if self.active:
            self.active = False
            self.updated_at = datetime.now(UTC)


def _kind_and_value(kind: str, value) -> tuple[str, Decimal]:
    if kind not in KINDS:
        raise DiscountCodeError(f"kind must be one of {', '.join(KINDS)}")
    value = Decimal(value)
    if not value.is_finite() or value <= 0:
        raise DiscountCodeError("a discount must be more than 0")
    if kind == "percent" and value > HUNDRED:
        raise DiscountCodeError("a percentage discount is at most 100")
    return kind, value


def generate_codes(
    prefix: str, count: int, *, length: int = 8, choice: Callable[[str], str] = secrets.choice
) -> list[str]:
    """`count` different random codes PREFIX-XXXXXXXX from the readable alphabet."""
    prefix = normalise(prefix).rstrip("-")
    if prefix and not re.fullmatch(r"[A-Z0-9-]{1,20}", prefix):
        raise DiscountCodeError("a prefix is up to 20 letters, digits or dashes")
    if not 1 <= count <= MAX_GENERATED:
        raise DiscountCodeError(f"generate 1 to {MAX_GENERATED} codes at a time")
    if not 6 <= length <= 16:
        raise DiscountCodeError("the random part is 6 to 16 characters")
    made: dict[str, None] = {}
    while len(made) < count:
        random_part = "".join(choice(ALPHABET) for _ in range(length))
        made[f"{prefix}-{random_part}" if prefix else random_part] = None
    return list(made)


@dataclass(frozen=True)
class Verdict:
    code: str
    accepted: bool
    reason: str
    discount: Decimal  # what it takes off this order value; 0 when refused

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "accepted": self.accepted,
            "reason": self.reason,
            "discount": format(self.discount, "f"),
        }


@dataclass(frozen=True)
class CodeTerms:
    """A stored code as the check sees it."""

    code: str
    kind: str
    value: Decimal
    active: bool
    valid_from: date | None
    valid_until: date | None
    max_uses: int | None
    uses: int
    customer_group: str | None
    min_order_value: Decimal | None


def check(terms: CodeTerms, customer_group: str | None, order_value: Decimal, on: date) -> Verdict:
    """Whether the code takes something off this order, and if not, why not."""
    order_value = Decimal(order_value)
    refusal = _refusal(terms, customer_group, order_value, on)
    if refusal:
        return Verdict(terms.code, False, refusal, Decimal("0.00"))
    if terms.kind == "percent":
        discount = (order_value * terms.value / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        reason = f"{format(terms.value, 'f')}% off"
    else:
        discount = min(terms.value, order_value).quantize(CENT, rounding=ROUND_HALF_UP)
        reason = f"{format(terms.value, 'f')} off"
    return Verdict(terms.code, True, reason, discount)


def _refusal(terms: CodeTerms, group: str | None, order_value: Decimal, on: date) -> str | None:
    if not terms.active:
        return "the code is no longer active"
    if terms.valid_from and on < terms.valid_from:
        return f"the code is valid from {terms.valid_from.isoformat()}"
    if terms.valid_until and on > terms.valid_until:
        return f"the code expired on {terms.valid_until.isoformat()}"
    if terms.max_uses is not None and terms.uses >= terms.max_uses:
        return f"the code has been used {terms.uses} of {terms.max_uses} times"
    if terms.customer_group and terms.customer_group != group:
        return f"the code is only for customer group {terms.customer_group}"
    if terms.min_order_value is not None and order_value < terms.min_order_value:
        return f"the order value is under the minimum of {format(terms.min_order_value, 'f')}"
    if order_value <= 0:
        return "there is nothing to discount"
    return None
