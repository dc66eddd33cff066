"""Tax rates, shipping ranges, discount codes and branches (M-110, M-44), on both
databases: through the commands, the lookups and /api/v1."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core import commands
from core.errors import NotFound, OrderB2BError
from core.model.discount_codes import DiscountCodeError
from core.model.shipping_rates import NoShippingRange, OverlappingRange
from core.ports import Actor
from core.storage import tables
from core.storage.catalog_queries import list_discount_codes, list_shipping_ranges
from core.storage.pricing import discount_verdict, shipping_price, tax_for
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient

SETUP = Actor("system", "setup")
ADMIN = Actor("staff", "mgarcia")
MARCH = date(2026, 3, 15)


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def admin(api):
    return api.token("mgarcia", "administrator")


def run(app, *commands_, actor=SETUP):
    return [app.bus.execute(command, actor) for command in commands_]


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


# ---------------------------------------------------------------- tax


def rates(app) -> None:
    run(
        app,
        commands.SetTaxRate("US", Decimal("4.75"), "North Carolina", state="NC"),
        commands.SetTaxRate("US", Decimal("7.00"), "Cumberland County", "NC", "283"),
        commands.SetTaxRate("US", Decimal("7.25"), "Fort Liberty", "nc", "2831"),
        commands.SetTaxRate("US", Decimal("1.00"), "Federal test", active=False),
        commands.AddCustomerGroup("GOV", "Government"),
        commands.AddCustomer("ARMY", "US Army", {"tax_exempt": True, "tax_exempt_id": "EX-1"}),
        commands.AddCustomer("ACME", "Acme Corp", None, "GOV"),
    )


@pytest.mark.parametrize(
    ("state", "postal_code", "customer", "tax", "name"),
    [
        ("NC", "28310-1234", None, "7.25", "Fort Liberty"),
        ("NC", "28301", "ACME", "7.00", "Cumberland County"),
        ("nc", "27601", None, "4.75", "North Carolina"),
        ("VA", "23511", None, "0.00", None),  # the only US-wide rate is inactive
        ("NC", "28310", "ARMY", "0.00", None),  # tax exempt
    ],
)
def test_the_most_specific_active_rate_applies(app, state, postal_code, customer, tax, name):
    rates(app)
    with app.engine.connect() as connection:
        quote = tax_for(connection, "us", state, postal_code, Decimal("100.00"), customer)
    assert (quote.tax, quote.rate_name) == (Decimal(tax), name)
    assert quote.exempt is (customer == "ARMY")


def test_setting_a_jurisdictions_rate_again_changes_it_with_history(app, api, admin):
    rates(app)
    status, rate = api.post(
        "/api/v1/tax-rates",
        admin,
        {"country": "US", "state": "NC", "rate": "4.80", "name": "North Carolina"},
    )
    assert status == 200 and rate["rate"] == "4.80"
    assert [h["changes"] for h in rate["history"] if h["action"] == "update"] == [
        {"rate": {"old": "4.75", "new": "4.80"}}
    ]
    assert rate["history"][-1]["actor"] == "mgarcia"
    _, listed = api.get("/api/v1/tax-rates?country=us", admin)
    assert [(r["state"], r["postal_prefix"]) for r in listed["tax_rates"]] == [
        (None, None),
        ("NC", None),
        ("NC", "283"),
        ("NC", "2831"),
    ]
    status, quote = api.get(
        "/api/v1/tax?country=US&state=NC&postal_code=27601&amount=250&customer=ACME", admin
    )
    assert (status, quote["tax"], quote["rate"]) == (200, "12.00", "4.80")
    assert api.get("/api/v1/tax?country=US&amount=1&customer=NOBODY", admin)[0] == 404
    assert api.get("/api/v1/tax?country=USA&amount=1", admin)[0] == 409
    assert (
        api.post("/api/v1/tax-rates", admin, {"country": "US", "rate": "150", "name": "x"})[0]
        == 409
    )


def test_a_limited_salesperson_cannot_ask_about_a_customer_outside_their_groups(app):
    rates(app)
    with app.engine.connect() as connection, pytest.raises(NotFound, match="no customer ACME"):
        tax_for(connection, "US", "NC", "28301", Decimal(1), "ACME", groups=frozenset())


# ---------------------------------------------------------------- shipping


def ranges(app) -> None:
    run(
        app,
        commands.AddShippingRange(
            "Ground", "order_value", Decimal(0), Decimal(100), Decimal("12.50")
        ),
        commands.AddShippingRange("Ground", "order_value", Decimal(100), None, Decimal("0")),
        commands.AddShippingRange(
            "Ground", "order_value", Decimal(0), None, Decimal("35.00"), country="CA"
        ),
        commands.AddShippingRange("Next Day Air", "weight", Decimal(0), Decimal(10), Decimal(58)),
    )


def test_overlapping_ranges_are_refused_and_nothing_is_kept(app, api, admin):
    ranges(app)
    before = count(app, tables.shipping_ranges)
    with pytest.raises(OverlappingRange, match="overlaps range 1"):
        run(
            app,
            commands.AddShippingRange(
                "ground", "order_value", Decimal(50), Decimal(60), Decimal(1)
            ),
        )
    status, problem = api.post(
        "/api/v1/shipping-ranges",
        admin,
        {"method": "Ground", "basis": "order_value", "min": "500", "price": "1"},
    )
    assert status == 409 and "overlaps range 2" in problem["detail"]
    assert count(app, tables.shipping_ranges) == before
    status, made = api.post(
        "/api/v1/shipping-ranges",
        admin,
        {"method": "Ground", "basis": "weight", "min": "150", "price": "189.00"},
    )
    assert status == 201 and (made["basis"], made["max_value"]) == ("weight", None)


@pytest.mark.parametrize(
    ("method", "order_value", "weight", "country", "price"),
    [
        ("Ground", "99.99", None, "US", "12.50"),
        ("ground", "100", None, None, "0"),
        ("Ground", "20", None, "ca", "35.00"),
        ("Next Day Air", None, "9.5", "US", "58"),
    ],
)
def test_the_shipping_price_comes_from_the_covering_range(
    app, method, order_value, weight, country, price
):
    ranges(app)
    with app.engine.connect() as connection:
        quote = shipping_price(
            connection,
            method,
            order_value and Decimal(order_value),
            weight and Decimal(weight),
            country,
        )
    assert quote.price == Decimal(price)


def test_a_range_switched_off_stops_pricing_and_comes_back_only_without_overlap(app, api, admin):
    ranges(app)
    status, changed = api.post("/api/v1/shipping-ranges/1", admin, {"active": False})
    assert status == 200 and changed["active"] is False
    assert changed["history"][-1]["changes"] == {"active": {"old": True, "new": False}}
    with app.engine.connect() as connection, pytest.raises(NoShippingRange):
        shipping_price(connection, "Ground", Decimal(10), None, "US")
    status, problem = api.get("/api/v1/shipping-price?method=Ground&order_value=10", admin)
    assert status == 404 and "no Ground shipping range" in problem["detail"]
    run(
        app, commands.AddShippingRange("Ground", "order_value", Decimal(0), Decimal(50), Decimal(9))
    )
    status, problem = api.post("/api/v1/shipping-ranges/1", admin, {"active": True})
    assert status == 409 and "overlaps" in problem["detail"]
    _, quote = api.get("/api/v1/shipping-price?method=Ground&order_value=10&country=US", admin)
    assert quote["price"] == "9"
    assert [r["min_value"] for r in list_shipping_ranges(app.engine, method="ground")][:3] == [
        "0",
        "0",
        "100",
    ]


# ---------------------------------------------------------------- discount codes


def test_generated_codes_are_kept_with_their_terms(app, api, admin):
    status, made = api.post(
        "/api/v1/discount-codes/generate",
        admin,
        {
            "prefix": "spring",
            "count": 25,
            "kind": "percent",
            "value": "10",
            "valid_from": "2026-03-01",
            "valid_until": "2026-03-31",
            "max_uses": 1,
        },
    )
    assert status == 201 and made["count"] == 25 and len(set(made["codes"])) == 25
    assert all(
        code.startswith("SPRING-") and not set(code[7:]) & set("01OI") for code in made["codes"]
    )
    batch = list_discount_codes(app.engine, limit=500)[0]["batch"]
    assert batch.startswith("SPRING@")
    status, page = api.get(f"/api/v1/discount-codes?batch={batch}&limit=20", admin)
    assert len(page["discount_codes"]) == 20 and page["next"] == page["discount_codes"][-1]["code"]
    assert {c["max_uses"] for c in page["discount_codes"]} == {1}


def codes(app) -> None:
    run(
        app,
        commands.AddCustomerGroup("GOV", "Government"),
        commands.AddCustomer("ACME", "Acme County", None, "GOV"),
        commands.AddCustomer("SOLO", "Solo Buyer"),
        commands.AddDiscountCode(
            "gov-ten",
            commands.DiscountTerms(
                "percent",
                Decimal(10),
                valid_from=date(2026, 3, 1),
                valid_until=date(2026, 3, 31),
                max_uses=5,
                customer_group="GOV",
                min_order_value=Decimal(100),
            ),
        ),
        commands.AddDiscountCode("FLAT25", commands.DiscountTerms("amount", Decimal(25))),
    )


@pytest.mark.parametrize(
    ("code", "customer", "value", "on", "accepted", "reason", "discount"),
    [
        ("GOV-TEN", "ACME", "250", MARCH, True, "10% off", "25.00"),
        ("gov-ten", "ACME", "250", date(2026, 4, 1), False, "expired on 2026-03-31", "0.00"),
        ("GOV-TEN", "SOLO", "250", MARCH, False, "only for customer group GOV", "0.00"),
        ("GOV-TEN", None, "250", MARCH, False, "only for customer group GOV", "0.00"),
        ("GOV-TEN", "ACME", "99", MARCH, False, "minimum of 100", "0.00"),
        ("FLAT25", None, "19.99", MARCH, True, "25 off", "19.99"),
    ],
)
def test_a_code_is_checked_for_a_customer_and_order(
    app, code, customer, value, on, accepted, reason, discount
):
    codes(app)
    with app.engine.connect() as connection:
        verdict = discount_verdict(connection, code, customer, Decimal(value), on)
    assert (verdict.accepted, verdict.discount) == (accepted, Decimal(discount))
    assert reason in verdict.reason


def test_the_check_route_answers_why_and_unknown_codes_are_not_found(app, api, admin):
    codes(app)
    status, verdict = api.get(
        "/api/v1/discount-codes/GOV-TEN/check?customer=ACME&order_value=150&date=2026-03-20", admin
    )
    assert (status, verdict["accepted"], verdict["discount"]) == (200, True, "15.00")
    status, verdict = api.get(
        "/api/v1/discount-codes/GOV-TEN/check?order_value=150&date=2026-05-01", admin
    )
    assert not verdict["accepted"] and "expired" in verdict["reason"]
    assert api.get("/api/v1/discount-codes/NOPE/check?order_value=1", admin)[0] == 404
    assert api.get("/api/v1/discount-codes/GOV-TEN/check", admin)[0] == 400
    seller = api.token("tnguyen", "salesperson")
    assert api.get("/api/v1/discount-codes/GOV-TEN/check?order_value=1", seller)[0] == 403
    status, problem = api.post(
        "/api/v1/discount-codes", admin, {"code": "FLAT25", "kind": "amount", "value": "5"}
    )
    assert status == 409 and "exists already" in problem["detail"]


def test_a_code_is_never_redeemed_beyond_its_limit_even_at_once(app):
    """Twelve redemptions race for five uses: five win, the others are refused."""
    codes(app)
    outcomes: list[object] = []
    start = threading.Barrier(12)

    def redeem() -> None:
        start.wait()
        try:
            command = commands.RedeemDiscountCode("GOV-TEN", "ACME", Decimal(200), MARCH)
            outcomes.append(app.bus.execute(command, ADMIN))
        except OrderB2BError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=redeem) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = [o for o in outcomes if not isinstance(o, Exception) and o.accepted]
    refused = [o for o in outcomes if o not in accepted]
    assert len(accepted) == 5 and len(refused) == 7
    assert all(isinstance(o, DiscountCodeError) or "used 5 of 5" in o.reason for o in refused)
    with app.engine.connect() as connection:
        uses = connection.scalar(
            select(tables.discount_codes.c.uses).where(tables.discount_codes.c.code == "GOV-TEN")
        )
        redeemed = connection.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.routing_key == "discount_code.redeemed")
        )
    assert (uses, redeemed) == (5, 5)


# ---------------------------------------------------------------- branches


def test_branches_are_added_listed_and_changed_with_history(app, api, admin):
    status, made = api.post(
        "/api/v1/branches",
        admin,
        {
            "code": "RAL",
            "name": "Raleigh warehouse",
            "street1": "4300 Wake Forest Rd",
            "city": "Raleigh",
            "state": "NC",
            "postal_code": "27609",
            "country": "us",
            "pickup": True,
        },
    )
    assert status == 201 and (made["country"], made["pickup"]) == ("US", True)
    run(
        app, commands.AddBranch("SAT", "San Antonio office", "2250 Stanley Rd", "San Antonio", "US")
    )
    clerk = api.token("jclerk", "warehouse")  # orders.view reads branches
    _, pickup = api.get("/api/v1/branches?pickup=1", clerk)
    assert [b["code"] for b in pickup["branches"]] == ["RAL"]
    assert api.post("/api/v1/branches", clerk, {})[0] == 403
    status, changed = api.post(
        "/api/v1/branches/RAL", admin, {"active": False, "phone": "+1 919 555 0140"}
    )
    assert status == 200 and changed["history"][-1]["changes"] == {
        "phone": {"old": None, "new": "+1 919 555 0140"},
        "active": {"old": True, "new": False},
    }
    _, pickup = api.get("/api/v1/branches?pickup=1", clerk)
    assert pickup["branches"] == []
    _, everything = api.get("/api/v1/branches", clerk)
    assert [b["code"] for b in everything["branches"]] == ["RAL", "SAT"]
    status, problem = api.post(
        "/api/v1/branches",
        admin,
        {"code": "BAD", "name": "x", "street1": "x", "city": "x", "country": "USA"},
    )
    assert status == 409 and "two-letter" in problem["detail"]
