"""The pricing rules and the other pure sales rules (tax, shipping, discount codes,
part numbers), each rule alone and in their documented order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.model.discount_codes import ALPHABET, CodeTerms, DiscountCodeError, check
from core.model.discount_codes import generate_codes as generate
from core.model.pricing import Break, Level, Override, PricingError, PricingInputs, price
from core.model.products import CatalogError, level_percent, part_key, search_tokens
from core.model.shipping_rates import (
    NoShippingRange,
    OverlappingRange,
    ShippingRange,
    ShippingRangeError,
    check_no_overlap,
    quote,
)
from core.model.tax import RateRow, TaxRateError, most_specific, postal_prefixes, tax_quote


def inputs(**values) -> PricingInputs:
    """A toner cartridge: list 100.00, cost 60.00, one unit, no customer."""
    base = {
        "sku": "TN-436BK",
        "quantity": Decimal(1),
        "list_price": Decimal("100.00"),
        "cost": Decimal("60.00"),
    }
    return PricingInputs(**(base | values))


def rules(made) -> list[str]:
    return [step.rule for step in made.steps]


# ---------------------------------------------------------------- 1. list price


def test_without_a_customer_the_list_price_is_the_price():
    made = price(inputs())
    assert (made.unit_price, made.source, made.margin_percent) == (
        Decimal("100.00"),
        "list",
        Decimal("40.00"),
    )
    assert made.amount == Decimal("100.00") and not made.floor_applied
    assert rules(made) == ["list"]


def test_a_product_without_list_price_or_level_price_cannot_be_priced():
    with pytest.raises(PricingError, match="no list price"):
        price(inputs(list_price=None))


def test_the_quantity_must_be_positive():
    with pytest.raises(PricingError, match="more than 0"):
        price(inputs(quantity=Decimal(0)))


# ---------------------------------------------------------------- 2. price levels


@pytest.mark.parametrize(
    ("level", "level_price", "expected"),
    [
        (Level("CONTRACT", "fixed"), Decimal("81.50"), Decimal("81.50")),
        (Level("GSA", "list_discount", Decimal("8")), None, Decimal("92.00")),
        (Level("RESELLER", "cost_markup", Decimal("25")), None, Decimal("75.00")),
        # cost / (1 - 0.30) = 85.714…
        (Level("EDU", "margin", Decimal("30")), None, Decimal("85.71")),
    ],
)
def test_the_group_price_level_replaces_the_list_price(level, level_price, expected):
    made = price(inputs(level=level, level_price=level_price))
    assert made.unit_price == expected
    assert made.source == f"level:{level.code}"
    assert rules(made) == ["list", "level"]


def test_a_fixed_level_without_a_price_for_the_product_keeps_the_list_price():
    made = price(inputs(level=Level("CONTRACT", "fixed")))
    assert (made.unit_price, made.source) == (Decimal("100.00"), "list")
    assert "no fixed price" in made.steps[-1].detail


def test_a_cost_based_level_without_a_cost_keeps_the_list_price():
    made = price(inputs(cost=None, level=Level("RESELLER", "cost_markup", Decimal("25"))))
    assert (made.unit_price, made.source, made.margin_percent) == (Decimal("100.00"), "list", None)


def test_a_fixed_level_price_alone_prices_a_product_without_list_price():
    made = price(inputs(list_price=None, level=Level("C", "fixed"), level_price=Decimal("70")))
    assert (made.unit_price, made.source) == (Decimal("70.00"), "level:C")


# ---------------------------------------------------------------- 3. quantity breaks


def test_a_break_at_or_below_the_quantity_replaces_the_price_when_lower():
    breaks = [
        Break(None, Decimal(10), Decimal("90.00")),
        Break(None, Decimal(50), Decimal("85.00")),
    ]
    assert price(inputs(quantity=Decimal(9), breaks=breaks)).unit_price == Decimal("100.00")
    made = price(inputs(quantity=Decimal(10), breaks=breaks))
    assert (made.unit_price, made.source) == (Decimal("90.00"), "break")
    assert price(inputs(quantity=Decimal(75), breaks=breaks)).unit_price == Decimal("85.00")


def test_only_breaks_of_the_customers_level_or_any_level_count():
    breaks = [
        Break("GSA", Decimal(5), Decimal("80.00")),
        Break("OTHER", Decimal(5), Decimal("70.00")),
    ]
    level = Level("GSA", "list_discount", Decimal("8"))
    made = price(inputs(quantity=Decimal(5), breaks=breaks, level=level))
    assert (made.unit_price, made.source) == (Decimal("80.00"), "break")
    assert price(inputs(quantity=Decimal(5), breaks=breaks)).unit_price == Decimal("100.00")


def test_a_break_above_the_level_price_does_not_raise_it():
    level = Level("CONTRACT", "fixed")
    made = price(
        inputs(
            quantity=Decimal(20),
            level=level,
            level_price=Decimal("75"),
            breaks=[Break(None, Decimal(10), Decimal(90))],
        )
    )
    assert (made.unit_price, made.source) == (Decimal("75.00"), "level:CONTRACT")
    assert rules(made) == ["list", "level"]


# ---------------------------------------------------------------- 4. discounts


def test_the_group_discount_applies_after_level_and_break():
    made = price(
        inputs(
            quantity=Decimal(10),
            level=Level("GSA", "list_discount", Decimal("10")),
            breaks=[Break(None, Decimal(10), Decimal("88.00"))],
            group_discount=Decimal("5"),
        )
    )
    # list 100 -> level 90 -> break 88 -> 5 % off 83.60
    assert [s.unit_price for s in made.steps] == [
        Decimal("100.00"),
        Decimal("90.00"),
        Decimal("88.00"),
        Decimal("83.60"),
    ]
    assert (made.unit_price, made.source) == (Decimal("83.60"), "break")
    assert (made.discount_percent, made.discount_source) == (Decimal("5"), "group")


def test_the_customers_own_discount_wins_over_the_groups_even_when_zero():
    made = price(inputs(group_discount=Decimal("10"), customer_discount=Decimal("3")))
    assert (made.unit_price, made.discount_source) == (Decimal("97.00"), "customer")
    made = price(inputs(group_discount=Decimal("10"), customer_discount=Decimal("0")))
    assert (made.unit_price, made.discount_percent, made.discount_source) == (
        Decimal("100.00"),
        Decimal("0"),
        "customer",
    )


def test_each_step_is_rounded_half_up_to_the_cent():
    made = price(
        inputs(list_price=Decimal("10.05"), cost=None, group_discount=Decimal("50"))
    )  # 5.025
    assert made.unit_price == Decimal("5.03")


# ---------------------------------------------------------------- 5. the floor


def test_discounts_never_take_the_price_below_cost():
    made = price(inputs(group_discount=Decimal("50")))
    assert (made.unit_price, made.floor_applied, made.margin_percent) == (
        Decimal("60.00"),
        True,
        Decimal("0.00"),
    )
    assert rules(made) == ["list", "discount", "floor"]


def test_the_floor_is_the_cost_rounded_up_to_the_cent():
    made = price(inputs(cost=Decimal("60.001"), group_discount=Decimal("90")))
    assert made.unit_price == Decimal("60.01")


def test_a_list_price_set_below_cost_is_kept_and_not_lowered_further():
    assert price(inputs(list_price=Decimal("50.00"))).unit_price == Decimal("50.00")
    made = price(inputs(list_price=Decimal("50.00"), group_discount=Decimal("10")))
    assert (made.unit_price, made.floor_applied) == (Decimal("50.00"), True)


def test_without_a_cost_there_is_no_floor():
    made = price(inputs(cost=None, group_discount=Decimal("90")))
    assert (made.unit_price, made.floor_applied, made.margin_percent) == (
        Decimal("10.00"),
        False,
        None,
    )


# ---------------------------------------------------------------- 6. manual override


def test_a_manual_override_wins_even_below_cost_and_says_who_and_why():
    override = Override(Decimal("55"), "mgarcia", "matching a competitor's quote")
    made = price(inputs(group_discount=Decimal("5"), override=override))
    assert (made.unit_price, made.source, made.margin_percent) == (
        Decimal("55.00"),
        "override",
        Decimal("-9.09"),
    )
    assert rules(made) == ["list", "discount", "override"]
    assert made.to_dict()["override"] == {
        "unit_price": "55.00",
        "by": "mgarcia",
        "reason": "matching a competitor's quote",
    }


@pytest.mark.parametrize(
    ("by", "reason", "amount", "message"),
    [
        ("", "why", Decimal(1), "who"),
        ("me", " ", Decimal(1), "reason"),
        ("me", "why", Decimal(-1), "0 or more"),
    ],
)
def test_an_override_needs_who_why_and_a_price(by, reason, amount, message):
    with pytest.raises(PricingError, match=message):
        Override(amount, by, reason)


def test_the_answer_is_plain_json_with_amounts_as_text():
    made = price(inputs(quantity=Decimal(3), group_discount=Decimal("2.5")))
    answer = made.to_dict()
    assert answer["unit_price"] == "97.50" and answer["amount"] == "292.50"
    assert answer["steps"][1] == {
        "rule": "discount",
        "unit_price": "97.50",
        "detail": "group discount 2.5%",
    }


# ---------------------------------------------------------------- price levels


@pytest.mark.parametrize(
    ("kind", "percent", "message"),
    [
        ("fixed", Decimal(5), "takes no percentage"),
        ("margin", Decimal(100), "under 100"),
        ("list_discount", None, "needs a percentage"),
        ("cost_markup", Decimal(-1), "0 or more"),
        ("bogus", None, "must be one of"),
    ],
)
def test_level_percentages_are_checked(kind, percent, message):
    with pytest.raises(CatalogError, match=message):
        level_percent(kind, percent)


# ---------------------------------------------------------------- part numbers


def test_part_numbers_compare_without_case_dashes_or_spaces():
    assert part_key("TN-436 bk") == part_key("tn436BK") == "tn436bk"
    tokens = search_tokens(["USB-C cable, 2 m", "Anker"], ["CBL-USBC-2M", None, "ING-1234567"])
    assert tokens == ["usbc", "usb", "c", "cable", "2", "m", "anker", "cblusbc2m", "ing1234567"]


# ---------------------------------------------------------------- tax


RATES = [
    RateRow(1, "US", None, None, Decimal("0"), "federal"),
    RateRow(2, "US", "NC", None, Decimal("4.75"), "North Carolina"),
    RateRow(3, "US", "NC", "283", Decimal("7.00"), "Cumberland County"),
    RateRow(4, "US", "NC", "2831", Decimal("7.25"), "Fort Liberty"),
    RateRow(5, "CA", None, None, Decimal("5"), "GST"),
]


@pytest.mark.parametrize(
    ("state", "postal", "expected"),
    [
        ("NC", "28310-1234", 4),
        ("nc", "28301", 3),
        ("NC", "27601", 2),
        ("VA", "23511", 1),
        ("NC", None, 2),
    ],
)
def test_the_most_specific_rate_wins(state, postal, expected):
    assert most_specific(RATES, "us", state, postal).id == expected


def test_tax_is_rounded_half_up_and_exempt_customers_pay_none():
    quote_ = tax_quote(RATES[3], Decimal("10.10"))  # 0.73225
    assert (quote_.tax, quote_.rate_name) == (Decimal("0.73"), "Fort Liberty")
    assert tax_quote(RATES[3], Decimal("100"), exempt=True).tax == Decimal("0.00")
    assert tax_quote(None, Decimal("100"), place="VA US").detail == "no tax rate for VA US"
    assert postal_prefixes("SW1A 1AA")[:4] == ["S", "SW", "SW1", "SW1A"]
    with pytest.raises(TaxRateError):
        most_specific(RATES, "USA", None, None)


# ---------------------------------------------------------------- shipping


def band(low, high, charge, *, method="Ground", basis="order_value", country=None, id_=None):
    made = ShippingRange(
        method,
        basis,
        Decimal(low),
        None if high is None else Decimal(high),
        Decimal(charge),
        country=country,
    )
    made.id = id_
    return made


def test_overlapping_ranges_of_the_same_table_are_refused():
    table = [band("0", "100", "12.50", id_=1), band("100", None, "0", id_=2)]
    check_no_overlap(band("0", "50", "5", country="CA"), table)
    check_no_overlap(band("0", "50", "5", basis="weight"), table)
    check_no_overlap(band("0", "50", "5", method="Next Day Air"), table)
    with pytest.raises(OverlappingRange, match="overlaps range 1"):
        check_no_overlap(band("99.99", "150", "9", method="GROUND"), table)
    with pytest.raises(OverlappingRange, match="overlaps range 2"):
        check_no_overlap(band("1000", None, "9"), table)
    with pytest.raises(ShippingRangeError, match="max must be more than min"):
        band("10", "10", "1")


def test_a_shipping_price_comes_from_the_range_that_covers_the_value():
    table = [
        band("0", "100", "12.50", id_=1),
        band("100", None, "0.00", id_=2),
        band("0", "100", "30.00", country="CA", id_=3),
        band("0", "20", "18.00", basis="weight", id_=4),
    ]
    assert quote(table, "ground", Decimal("99.99"), None, "US").range_id == 1
    assert quote(table, "Ground", Decimal("100"), None, None).price == Decimal("0.00")
    assert quote(table, "Ground", Decimal("50"), None, "ca").range_id == 3
    # Both tables price it: the higher price is charged.
    assert quote(table, "Ground", Decimal("150"), Decimal("5"), "US").range_id == 4
    with pytest.raises(NoShippingRange, match="no Ground shipping range"):
        quote(table, "Ground", Decimal("500"), None, "CA")


# ---------------------------------------------------------------- discount codes


def terms(**values) -> CodeTerms:
    base = {
        "code": "SPRING-ABCDEFGH",
        "kind": "percent",
        "value": Decimal("10"),
        "active": True,
        "valid_from": date(2026, 3, 1),
        "valid_until": date(2026, 3, 31),
        "max_uses": 5,
        "uses": 0,
        "customer_group": None,
        "min_order_value": None,
    }
    return CodeTerms(**(base | values))


@pytest.mark.parametrize(
    ("changes", "group", "value", "on", "reason"),
    [
        ({}, None, "80", date(2026, 3, 15), "10% off"),
        ({"active": False}, None, "80", date(2026, 3, 15), "no longer active"),
        ({}, None, "80", date(2026, 2, 28), "valid from 2026-03-01"),
        ({}, None, "80", date(2026, 4, 1), "expired on 2026-03-31"),
        ({"uses": 5}, None, "80", date(2026, 3, 15), "used 5 of 5 times"),
        ({"customer_group": "GOV"}, "EDU", "80", date(2026, 3, 15), "only for customer group GOV"),
        ({"min_order_value": Decimal("100")}, None, "80", date(2026, 3, 15), "minimum of 100"),
    ],
)
def test_a_code_is_checked_and_a_refusal_says_why(changes, group, value, on, reason):
    verdict = check(terms(**changes), group, Decimal(value), on)
    assert verdict.reason.endswith(reason) or reason in verdict.reason
    assert verdict.accepted is (reason == "10% off")
    assert verdict.discount == (Decimal("8.00") if verdict.accepted else Decimal("0.00"))


def test_an_amount_code_takes_at_most_the_order_value():
    verdict = check(
        terms(kind="amount", value=Decimal("25")), None, Decimal("20"), date(2026, 3, 2)
    )
    assert (verdict.accepted, verdict.discount) == (True, Decimal("20.00"))


def test_generated_codes_use_the_readable_alphabet_and_differ():
    codes = generate("spring", 500)
    assert len(set(codes)) == 500
    assert all(code.startswith("SPRING-") and len(code) == 15 for code in codes)
    assert set("".join(code[7:] for code in codes)) <= set(ALPHABET)
    assert not set("0O1I") & set(ALPHABET)
    with pytest.raises(DiscountCodeError):
        generate("x", 0)
