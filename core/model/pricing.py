"""The pricing rules: what one unit of a product costs a customer, and why.

Pure functions over plain values (no storage). The rules apply in this order, each
step's price rounded to the cent (half up) before the next starts from it:

1. the product's list price;
2. the customer's group price level replaces it: the product's fixed price at
   that level, list less a percentage, cost plus a percentage, or cost at a
   margin (price = cost / (1 - margin));
3. a quantity break for that level, or for any level, whose minimum quantity is
   at or below the quantity replaces it when lower (the lowest such break);
4. a discount: the customer's own when it is set (0 included), otherwise the
   group's;
5. the floor: steps 2-4 never take the price below cost (rounded up to the
   cent). A list or fixed level price that staff set below cost is a decision,
   not a rule's side effect: then the floor is that price and it is kept;
6. a manual override (price, who, why) wins over all of it, floor included, and
   is recorded in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from core.errors import OrderB2BError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class PricingError(OrderB2BError):
    """A price that cannot be made from what is known (no list price, a bad quantity)."""


@dataclass(frozen=True)
class Level:
    code: str
    kind: str  # fixed, list_discount, cost_markup, margin
    percent: Decimal | None = None


@dataclass(frozen=True)
class Break:
    level_code: str | None  # None: any level
    min_quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class Override:
    """A price set by hand: who set it and why are kept with the price."""

    unit_price: Decimal
    by: str
    reason: str

    def __post_init__(self) -> None:
        price = Decimal(self.unit_price)
        if not price.is_finite() or price < 0:
            raise PricingError("an override price must be 0 or more")
        if not (self.by and self.by.strip()):
            raise PricingError("an override needs who set it")
        if not (self.reason and self.reason.strip()):
            raise PricingError("an override needs a reason")


@dataclass(frozen=True)
class PricingInputs:
    sku: str
    quantity: Decimal
    list_price: Decimal | None
    cost: Decimal | None
    currency: str = "USD"
    level: Level | None = None
    # The product's price at `level` when the level is fixed and it has one.
    level_price: Decimal | None = None
    breaks: Sequence[Break] = ()
    group_discount: Decimal | None = None
    customer_discount: Decimal | None = None
    override: Override | None = None


@dataclass(frozen=True)
class Step:
    rule: str  # list, level, break, discount, floor, override
    unit_price: Decimal
    detail: str


@dataclass(frozen=True)
class Price:
    sku: str
    quantity: Decimal
    unit_price: Decimal
    currency: str
    list_price: Decimal | None
    cost: Decimal | None
    margin_percent: Decimal | None
    source: str  # list, level:<code>, break, override
    discount_percent: Decimal | None
    discount_source: str | None  # customer, group
    floor_applied: bool
    override: Override | None
    steps: tuple[Step, ...] = field(default=())

    @property
    def amount(self) -> Decimal:
        return cents(self.unit_price * self.quantity)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON: amounts as text ("12.50")."""
        return {
            "sku": self.sku,
            "quantity": _text(self.quantity),
            "unit_price": _text(self.unit_price),
            "amount": _text(self.amount),
            "currency": self.currency,
            "list_price": _text(self.list_price),
            "cost": _text(self.cost),
            "margin_percent": _text(self.margin_percent),
            "source": self.source,
            "discount_percent": _text(self.discount_percent),
            "discount_source": self.discount_source,
            "floor_applied": self.floor_applied,
            "override": None
            if self.override is None
            else {
                "unit_price": _text(cents(self.override.unit_price)),
                "by": self.override.by,
                "reason": self.override.reason,
            },
            "steps": [
                {"rule": s.rule, "unit_price": _text(s.unit_price), "detail": s.detail}
                for s in self.steps
            ],
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def margin_percent(unit_price: Decimal, cost: Decimal | None) -> Decimal | None:
    """(price - cost) / price, in percent to two places; None without a cost or price."""
    if cost is None or not unit_price:
        return None
    return cents((unit_price - cost) / unit_price * HUNDRED)


def price(inputs: PricingInputs) -> Price:
    """The unit price for `inputs.quantity` with every step taken (see the module)."""
    quantity = Decimal(inputs.quantity)
    if not quantity.is_finite() or quantity <= 0:
        raise PricingError("the quantity must be more than 0")
    steps: list[Step] = []
    current, source, anchor = _base(inputs, steps)
    current, source = _quantity_break(inputs, quantity, current, source, steps)
    current, discount, discount_source = _discount(inputs, current, steps)
    current, floored = _floor(inputs.cost, anchor, current, steps)
    if inputs.override is not None:
        current, source = cents(inputs.override.unit_price), "override"
        detail = f"set by hand by {inputs.override.by}: {inputs.override.reason}"
        steps.append(Step("override", current, detail))
    return Price(
        sku=inputs.sku,
        quantity=quantity,
        unit_price=current,
        currency=inputs.currency,
        list_price=inputs.list_price,
        cost=inputs.cost,
        margin_percent=margin_percent(current, inputs.cost),
        source=source,
        discount_percent=discount,
        discount_source=discount_source,
        floor_applied=floored,
        override=inputs.override,
        steps=tuple(steps),
    )


def _base(inputs: PricingInputs, steps: list[Step]) -> tuple[Decimal, str, Decimal | None]:
    """Steps 1 and 2: (price, source, the price staff set: list or fixed level)."""
    level = inputs.level
    if inputs.list_price is not None:
        steps.append(Step("list", cents(inputs.list_price), "list price"))
    if level is not None:
        made = _level_price(inputs, level)
        if isinstance(made, Decimal):
            steps.append(Step("level", made, _level_detail(level)))
            anchor = made if level.kind == "fixed" else inputs.list_price
            return made, f"level:{level.code}", anchor
        if inputs.list_price is not None:
            steps.append(Step("level", cents(inputs.list_price), made))
    if inputs.list_price is None:
        raise PricingError(f"{inputs.sku} has no list price and no price at the customer's level")
    return cents(inputs.list_price), "list", inputs.list_price


def _level_price(inputs: PricingInputs, level: Level) -> Decimal | str:
    """The level's price, or why the level could not make one."""
    percent = level.percent or Decimal(0)
    if level.kind == "fixed":
        if inputs.level_price is None:
            return f"level {level.code}: no fixed price for this product; list price kept"
        return cents(inputs.level_price)
    if level.kind == "list_discount":
        if inputs.list_price is None:
            return f"level {level.code}: no list price to discount"
        return cents(cents(inputs.list_price) * (HUNDRED - percent) / HUNDRED)
    if inputs.cost is None:
        return f"level {level.code}: the product has no cost; list price kept"
    if level.kind == "cost_markup":
        return cents(inputs.cost * (HUNDRED + percent) / HUNDRED)
    if level.kind == "margin":
        return cents(inputs.cost / ((HUNDRED - percent) / HUNDRED))
    raise PricingError(f"unknown price level kind {level.kind!r}")


def _level_detail(level: Level) -> str:
    percent = format(level.percent, "f") if level.percent is not None else ""
    return {
        "fixed": f"level {level.code}: the product's fixed price",
        "list_discount": f"level {level.code}: list price less {percent}%",
        "cost_markup": f"level {level.code}: cost plus {percent}%",
        "margin": f"level {level.code}: cost at a {percent}% margin",
    }[level.kind]


def _quantity_break(
    inputs: PricingInputs, quantity: Decimal, current: Decimal, source: str, steps: list[Step]
) -> tuple[Decimal, str]:
    level_code = inputs.level.code if inputs.level else None
    applicable = [
        b
        for b in inputs.breaks
        if b.min_quantity <= quantity and (b.level_code is None or b.level_code == level_code)
    ]
    if not applicable:
        return current, source
    best = min(applicable, key=lambda b: (b.unit_price, -b.min_quantity))
    best_price = cents(best.unit_price)
    if best_price >= current:
        return current, source
    scope = f"level {best.level_code}" if best.level_code else "any level"
    detail = f"quantity break from {format(best.min_quantity, 'f')} ({scope})"
    steps.append(Step("break", best_price, detail))
    return best_price, "break"


def _discount(
    inputs: PricingInputs, current: Decimal, steps: list[Step]
) -> tuple[Decimal, Decimal | None, str | None]:
    if inputs.customer_discount is not None:
        percent, who = Decimal(inputs.customer_discount), "customer"
    elif inputs.group_discount is not None:
        percent, who = Decimal(inputs.group_discount), "group"
    else:
        return current, None, None
    if not percent.is_finite() or not 0 <= percent <= HUNDRED:
        raise PricingError(f"a {who} discount of {percent}% is not between 0 and 100")
    if not percent:
        return current, percent, who
    discounted = cents(current * (HUNDRED - percent) / HUNDRED)
    steps.append(Step("discount", discounted, f"{who} discount {format(percent, 'f')}%"))
    return discounted, percent, who


def _floor(
    cost: Decimal | None, anchor: Decimal | None, current: Decimal, steps: list[Step]
) -> tuple[Decimal, bool]:
    if cost is None:
        return current, False
    floor = cost if anchor is None else min(cost, anchor)
    floor = floor.quantize(CENT, rounding=ROUND_CEILING)
    if current >= floor:
        return current, False
    what = "cost" if floor >= cost else "the price set below cost"
    steps.append(Step("floor", floor, f"never below {what} ({format(floor, 'f')})"))
    return floor, True
