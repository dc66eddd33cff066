"""The sales tables administrators keep (M-110, M-44): tax rates, shipping ranges,
discount codes and branches. Each change is in its history; nothing is deleted."""

from __future__ import annotations

from datetime import UTC, datetime

from core import commands, events, ports
from core.errors import NotFound
from core.model import tax
from core.model.branches import Branch, BranchError
from core.model.discount_codes import (
    DiscountCode,
    DiscountCodeError,
    Verdict,
    generate_codes,
    normalise,
)
from core.model.shipping_rates import ShippingRange, check_no_overlap
from core.model.tax import TaxRate

GENERATION_ATTEMPTS = 5


def set_tax_rate(command: commands.SetTaxRate, uow: ports.UnitOfWork) -> int:
    place = (
        tax.country_code(command.country),
        tax.state_code(command.state),
        tax.postal_key(command.postal_prefix),
    )
    rate = uow.sales_settings.tax_rate(*place)
    if rate is None:
        rate = TaxRate(
            place[0],
            command.rate,
            command.name,
            state=place[1],
            postal_prefix=place[2],
            active=command.active,
        )
        uow.sales_settings.add(rate)
    else:
        rate.change(rate=command.rate, name=command.name, active=command.active)
    return rate.id


def add_shipping_range(command: commands.AddShippingRange, uow: ports.UnitOfWork) -> int:
    band = ShippingRange(
        command.method,
        command.basis,
        command.min_value,
        command.max_value,
        command.price,
        country=command.country,
    )
    check_no_overlap(band, uow.sales_settings.shipping_ranges(band.method))
    uow.sales_settings.add(band)
    return band.id


def change_shipping_range(command: commands.ChangeShippingRange, uow: ports.UnitOfWork) -> None:
    band = uow.sales_settings.shipping_range(command.range_id)
    if band is None:
        raise NotFound(f"no shipping range {command.range_id}")
    if command.active and not band.active:
        check_no_overlap(band, uow.sales_settings.shipping_ranges(band.method))
    band.change(price=command.price, active=command.active)


def add_discount_code(command: commands.AddDiscountCode, uow: ports.UnitOfWork) -> str:
    code = normalise(command.code)
    if uow.sales_settings.discount_code(code) is not None:
        raise DiscountCodeError(f"discount code {code} exists already")
    made = _code(code, command.terms, batch=None)
    uow.sales_settings.add(made)
    return made.code


def generate_discount_codes(
    command: commands.GenerateDiscountCodes, uow: ports.UnitOfWork
) -> list[str]:
    """Random codes; any that happen to exist already are drawn again."""
    batch = f"{normalise(command.prefix) or 'CODES'}@{datetime.now(UTC):%Y%m%dT%H%M%S}"
    wanted, kept = command.count, []
    for _attempt in range(GENERATION_ATTEMPTS):
        drawn = generate_codes(command.prefix, wanted - len(kept))
        taken = uow.sales_settings.existing_codes(drawn) | set(kept)
        kept += [code for code in drawn if code not in taken]
        if len(kept) == wanted:
            break
    else:
        raise DiscountCodeError("could not draw enough unused codes; use a longer prefix")
    uow.sales_settings.add_all(_code(code, command.terms, batch=batch[:64]) for code in kept)
    return kept


def _code(code: str, terms: commands.DiscountTerms, batch: str | None) -> DiscountCode:
    return DiscountCode(
        code,
        terms.kind,
        terms.value,
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        max_uses=terms.max_uses,
        customer_group=terms.customer_group,
        min_order_value=terms.min_order_value,
        batch=batch,
    )


def redeem_discount_code(command: commands.RedeemDiscountCode, uow: ports.UnitOfWork) -> Verdict:
    """Checks the code, then counts the use with a conditional update: a code that
    another redemption used up meanwhile is refused, never used over its limit."""
    on = command.on or datetime.now(UTC).date()
    verdict = uow.prices.discount_verdict(
        command.code, command.customer_code, command.order_value, on
    )
    if not verdict.accepted:
        return verdict
    uses = uow.sales_settings.redeem(verdict.code)
    if uses is None:
        raise DiscountCodeError(f"discount code {verdict.code} has just been used up")
    uow.emit(
        events.DiscountCodeRedeemed(
            verdict.code, uses, format(command.order_value, "f"), format(verdict.discount, "f")
        )
    )
    return verdict


def add_branch(command: commands.AddBranch, uow: ports.UnitOfWork) -> int:
    if uow.sales_settings.branch(command.code.strip()) is not None:
        raise BranchError(f"branch {command.code.strip()} exists already")
    branch = Branch(command.code, command.name, command.street1, command.city, command.country)
    branch.change(**(command.fields or {}))
    uow.sales_settings.add(branch)
    return branch.id


def change_branch(command: commands.ChangeBranch, uow: ports.UnitOfWork) -> list[str]:
    branch = uow.sales_settings.branch(command.code)
    if branch is None:
        raise NotFound(f"no branch {command.code}")
    return branch.change(**command.fields)
