"""The B2B cart through /api/v1 on both databases: any number of lines priced by the
engine (quantity breaks included) or adjusted by hand with a reason, totals with a
discount code, shipping from the ranges and tax from the ship-to, then submitted as
a quote or as an order, invoiced at once when `cart.auto_invoice` is on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core import commands
from core.storage import queries, tables
from tests.api_client import ApiClient
from tests.integration import test_quotes as quotes

PATH = "/api/v1/carts"


@pytest.fixture
def app(database_url, data_dir):
    app = quotes.open_app(database_url, data_dir)
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def tokens(app, api):
    made = quotes.sales_tokens(app, api)
    setup = quotes.SETUP
    app.bus.execute(commands.SetPriceBreak("PAPER-A4", None, Decimal(50), Decimal("5.40")), setup)
    terms = commands.DiscountTerms("percent", Decimal(10), max_uses=1)
    app.bus.execute(commands.AddDiscountCode("SPRING10", terms), setup)
    terms = commands.DiscountTerms("amount", Decimal(25), min_order_value=Decimal(1000))
    app.bus.execute(commands.AddDiscountCode("BIG25", terms), setup)
    return made


def new_cart(api, token, customer="ACME", **body) -> dict:
    status, cart = api.post(PATH, token, {"customer": customer, **body})
    assert status == 201, cart
    return cart


def add(api, token, cart_id, *lines) -> dict:
    body = {"lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines]}
    status, cart = api.post(f"{PATH}/{cart_id}/lines", token, body)
    assert status == 201, cart
    return cart


def test_a_cart_prices_lines_by_the_engine_and_by_hand_with_its_totals(api, tokens):
    cart = new_cart(api, tokens["east"], shipping_method="Ground")
    assert (cart["owner"], cart["status"], cart["customer"]["code"]) == ("tnguyen", "open", "ACME")
    assert cart["ship_to"]["state"] == "IL"
    assert cart["payment_choices"] == ["net_terms", "purchase_order", "card_on_file"]
    cart_id = cart["id"]
    cart = add(api, tokens["east"], cart_id, ("TONER-85A", "2"), ("PAPER-A4", "10"))
    assert cart["added"] == [1, 2]
    assert [(li["unit_price"], li["price_source"]) for li in cart["lines"]] == [
        ("89.50", "list"),
        ("6.25", "list"),
    ]
    assert cart["totals"] == {
        "subtotal": "241.50",
        "discount": "0.00",
        "shipping": "12.00",
        "tax": "15.09",
        "total": "268.59",
        "cost": "160.00",
        "margin_percent": "33.75",
        "weight": "24",
    }
    assert cart["shipping_options"] == {"Express": "30.00", "Ground": "12.00"}

    # 50 reams reach the quantity break.
    status, cart = api.post(f"{PATH}/{cart_id}/lines/2", tokens["east"], {"quantity": "50"})
    assert (cart["lines"][1]["unit_price"], cart["lines"][1]["price_source"]) == ("5.40", "break")
    status, answer = api.post(f"{PATH}/{cart_id}/lines/1", tokens["east"], {"unit_price": "80"})
    assert status == 409 and "needs a reason" in answer["detail"]
    body = {"margin_percent": "40", "reason": "strategic account"}
    status, cart = api.post(f"{PATH}/{cart_id}/lines/1", tokens["east"], body)
    toner = cart["lines"][0]
    assert (toner["unit_price"], toner["price_source"], toner["margin_percent"]) == (
        "100.00",
        "margin:40",
        "40",
    )
    assert (toner["override_reason"], toner["override_by"]) == ("strategic account", "tnguyen")
    body = {"discount_percent": "5", "reason": "loyalty"}
    status, cart = api.post(f"{PATH}/{cart_id}/lines/2", tokens["east"], body)
    assert cart["lines"][1]["unit_price"] == "5.94"
    body = {"unit_price": "85.00", "reason": "match competitor"}
    status, cart = api.post(f"{PATH}/{cart_id}/lines/1", tokens["east"], body)
    assert (cart["lines"][0]["unit_price"], cart["lines"][0]["price_source"]) == (
        "85.00",
        "override",
    )
    assert cart["totals"]["subtotal"] == "467.00" and cart["totals"]["margin_percent"] == "31.48"
    status, cart = api.post(f"{PATH}/{cart_id}/lines/2", tokens["east"], {"remove": True})
    assert [li["sku"] for li in cart["lines"]] == ["TONER-85A"]
    updates = [e["changes"] for e in cart["history"] if e["entity"] == "cart_line"]
    assert {"old": "list", "new": "break"} in [c.get("price_source") for c in updates]
    assert {"old": "open", "new": "removed"} in [c.get("status") for c in updates]


def test_a_cart_takes_any_number_of_lines(api, tokens):
    cart_id = new_cart(api, tokens["east"])["id"]
    cart = add(api, tokens["east"], cart_id, *[("PAPER-A4", "1")] * 150)
    assert len(cart["lines"]) == 150 and cart["added"][-1] == 150
    assert cart["totals"]["subtotal"] == "937.50"


def test_a_discount_code_is_checked_and_used_once_when_the_cart_is_ordered(app, api, tokens):
    cart_id = new_cart(api, tokens["east"])["id"]
    add(api, tokens["east"], cart_id, ("TONER-85A", "2"))
    status, answer = api.post(f"{PATH}/{cart_id}", tokens["east"], {"discount_code": "BIG25"})
    assert status == 409 and "under the minimum" in answer["detail"]
    status, answer = api.post(f"{PATH}/{cart_id}", tokens["east"], {"discount_code": "NOPE"})
    assert status == 409 and "no discount code NOPE" in answer["detail"]
    status, answer = api.post(f"{PATH}/{cart_id}/submit", tokens["east"], {"as": "order"})
    assert status == 409 and "needs a payment method" in answer["detail"]
    body = {"discount_code": "spring10", "payment_method": "net_terms"}
    status, cart = api.post(f"{PATH}/{cart_id}", tokens["east"], body)
    assert (cart["discount_code"], cart["totals"]["discount"]) == ("spring10", "17.90")
    assert cart["totals"]["tax"] == "10.07" and cart["totals"]["total"] == "171.17"

    status, submitted = api.post(f"{PATH}/{cart_id}/submit", tokens["east"], {"as": "order"})
    assert status == 200 and submitted["submitted_as"] == "order" and submitted["invoice"] is None
    order = queries.order_detail(app.engine, submitted["number"])
    assert (order["channel"], order["partner"], order["status"]) == ("manual", "direct", "new")
    assert (order["discount_amount"], order["total_amount"]) == ("17.90", "171.17")
    assert (
        order["payment"]["terms"] == "Net 30" and order["extrinsics"]["discount_code"] == "spring10"
    )
    with app.engine.connect() as connection:
        uses = connection.execute(
            select(tables.discount_codes.c.uses).where(tables.discount_codes.c.code == "SPRING10")
        ).scalar_one()
    assert uses == 1

    other = new_cart(api, tokens["east"])["id"]
    add(api, tokens["east"], other, ("TONER-85A", "1"))
    status, answer = api.post(f"{PATH}/{other}", tokens["east"], {"discount_code": "SPRING10"})
    assert status == 409 and "used 1 of 1" in answer["detail"]


def test_a_cart_submitted_as_an_order_is_invoiced_when_the_setting_says_so(app, api, tokens):
    app.bus.execute(commands.ChangeSetting("cart.auto_invoice", True), quotes.SETUP)
    body = {"shipping_method": "Express", "payment_method": "purchase_order", "po_number": "77-B"}
    cart_id = new_cart(api, tokens["east"], **body)["id"]
    add(api, tokens["east"], cart_id, ("PAPER-A4", "4"))
    status, submitted = api.post(f"{PATH}/{cart_id}/submit", tokens["east"], {"as": "order"})
    assert status == 200 and submitted["invoice"].startswith("INV")
    invoice = queries.invoice_detail(app.engine, submitted["invoice"])
    assert invoice["order_number"] == submitted["number"]
    # 25.00 of paper, Express 30.00, Illinois tax on the goods 1.56
    assert (invoice["subtotal"], invoice["shipping_amount"], invoice["tax_amount"]) == (
        "25.00",
        "30.00",
        "1.56",
    )
    assert invoice["total"] == "56.56"
    order = queries.order_detail(app.engine, submitted["number"])
    assert order["status"] == "invoiced" and order["payment"]["terms"] == "PO 77-B"
    cart = api.get(f"{PATH}/{cart_id}", tokens["east"])[1]
    assert (cart["status"], cart["result_number"]) == ("ordered", submitted["number"])
    status, answer = api.post(
        f"{PATH}/{cart_id}/lines", tokens["east"], {"lines": [{"sku": "PAPER-A4", "quantity": "1"}]}
    )
    assert status == 409 and f"submitted as order {submitted['number']}" in answer["detail"]


def test_a_cart_submitted_as_a_quote_keeps_its_prices(app, api, tokens):
    cart_id = new_cart(api, tokens["east"], shipping_method="Ground")["id"]
    add(api, tokens["east"], cart_id, ("TONER-85A", "3"), ("PAPER-A4", "2"))
    body = {"unit_price": "79.00", "reason": "volume"}
    api.post(f"{PATH}/{cart_id}/lines/1", tokens["east"], body)
    status, submitted = api.post(f"{PATH}/{cart_id}/submit", tokens["east"], {"as": "quote"})
    assert status == 200 and submitted["submitted_as"] == "quote"
    quote = api.get(f"/api/v1/quotes/{submitted['number']}", tokens["east"])[1]
    (version,) = quote["versions"]
    assert [(li["sku"], li["unit_price"], li["price_source"]) for li in version["lines"]] == [
        ("TONER-85A", "79.00", "override"),
        ("PAPER-A4", "6.25", "list"),
    ]
    assert version["lines"][0]["override_reason"] == "volume"
    assert (version["shipping_method"], version["total"]) == ("Ground", "277.09")
    assert f"cart {cart_id}" in quote["notes"] and quote["owner"] == "tnguyen"
    assert api.get(f"{PATH}?status=quoted", tokens["east"])[1]["carts"][0]["id"] == cart_id


def test_carts_are_kept_to_the_customers_teams(app, api, tokens):
    status, answer = api.post(PATH, tokens["east"], {"customer": "CITY"})
    assert status == 404 and answer["detail"] == "no customer CITY"
    west = new_cart(api, tokens["west"], customer="CITY")["id"]
    for method, path, body in (
        ("GET", f"{PATH}/{west}", None),
        ("POST", f"{PATH}/{west}", {"shipping_method": "Ground"}),
        ("POST", f"{PATH}/{west}/lines", {"lines": [{"sku": "PAPER-A4", "quantity": "1"}]}),
        ("POST", f"{PATH}/{west}/submit", {"as": "order"}),
    ):
        status, answer = api.call(method, path, tokens["east"], body)
        assert status == 404 and answer["detail"] == f"no cart {west}", path
    assert api.get(f"{PATH}?owner=*", tokens["east"])[1]["carts"] == []
    assert [c["id"] for c in api.get(PATH, tokens["west"])[1]["carts"]] == [west]
    assert [c["id"] for c in api.get(f"{PATH}?owner=*", tokens["admin"])[1]["carts"]] == [west]
    # Without net terms, CITY may not pay on account.
    status, answer = api.post(f"{PATH}/{west}", tokens["west"], {"payment_method": "net_terms"})
    assert status == 409 and "no net terms" in answer["detail"]
    assert api.get(f"{PATH}/{west}", tokens["west"])[1]["payment_choices"] == [
        "purchase_order",
        "card_on_file",
    ]
