"""Quotes on both databases, through /api/v1 and the core: priced by the engine, a
level or by hand, versioned, sent (frozen with their PDF), printed with the kind's
template, turned into one order, audited, and invisible outside the sales teams
whose customers they are for."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from core import commands
from core.ports import Actor
from core.storage import queries, tables
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient

SETUP = Actor("system", "setup")


def open_app(database_url, data_dir):
    return bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))


def sales_tokens(app, api) -> dict[str, str]:
    """API tokens of an administrator, a salesperson in team EAST and one in team
    WEST, with the sales data of both teams (see `seed`)."""
    made = {
        "admin": api.token("mgarcia", "administrator"),
        "east": api.token("tnguyen", "salesperson"),
        "west": api.token("kbrandt", "salesperson"),
    }
    seed(app)
    return made


@pytest.fixture
def app(database_url, data_dir):
    app = open_app(database_url, data_dir)
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def tokens(app, api):
    return sales_tokens(app, api)


def seed(app) -> None:
    """Teams EAST (customer ACME, group EAST-SMB, which takes new leads) and WEST
    (customer CITY, group WEST-GOV); three products; a tax rate and two shipping
    methods."""

    def run(command):
        return app.bus.execute(command, SETUP)

    for team, member in (("EAST", "tnguyen"), ("WEST", "kbrandt")):
        run(commands.AddSalesTeam(team, f"Team {team.title()}"))
        run(commands.JoinTeam(team, member))
    run(
        commands.AddCustomerGroup(
            "EAST-SMB", "East small business", team="EAST", values={"takes_new_leads": True}
        )
    )
    run(commands.AddCustomerGroup("WEST-GOV", "West government", team="WEST"))
    run(
        commands.AddCustomer(
            "ACME",
            "Acme Office Supply",
            values={"email": "buyer@acme.example", "net_terms_days": 30},
            group="EAST-SMB",
        )
    )
    run(commands.AddContact("ACME", {"name": "Dana Whitfield", "is_primary": True}))
    for kind in ("shipping", "billing"):
        address = {"kind": kind, "street1": "200 Main St", "city": "Springfield"}
        address |= {"state": "IL", "postal_code": "62701", "country": "US", "is_default": True}
        run(commands.AddAddress("ACME", address))
    run(
        commands.AddCustomer(
            "CITY",
            "City of Riverton",
            values={"email": "purchasing@riverton.example"},
            group="WEST-GOV",
        )
    )
    for sku, description, fields in (
        ("TONER-85A", "HP 85A black toner", {"list_price": "89.50", "cost": "60.00"}),
        ("PAPER-A4", "A4 copy paper, 5 reams", {"list_price": "6.25", "cost": "4.00"}),
        ("DESK-LAMP", "LED desk lamp", {"cost": "18.00"}),
    ):
        fields |= {"weight": "2", "manufacturer_part_id": f"MFR-{sku}"}
        run(commands.AddProduct(sku, description, fields))
    run(commands.SetTaxRate("US", Decimal("6.25"), "Illinois", state="IL"))
    for method, price in (("Ground", "12.00"), ("Express", "30.00")):
        run(commands.AddShippingRange(method, "order_value", Decimal(0), None, Decimal(price)))


def quote_for(api, token, customer="ACME", **body) -> dict:
    body = {"customer": customer, **body}
    body.setdefault("lines", [{"sku": "TONER-85A", "quantity": "2"}])
    status, quote = api.post("/api/v1/quotes", token, body)
    assert status == 201, quote
    return quote


def sent_quote(api, token, **body) -> dict:
    quote = quote_for(api, token, **body)
    status, sent = api.post(f"/api/v1/quotes/{quote['number']}/versions/1/send", token)
    assert status == 200, sent
    return quote


def outbox(app, routing_key: str) -> list[dict]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(tables.outbox.c.payload).where(tables.outbox.c.routing_key == routing_key)
        ).scalars()
        return [json.loads(row) for row in rows]


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_quote_is_priced_by_the_engine_a_level_or_by_hand(api, tokens):
    quote = quote_for(
        api,
        tokens["east"],
        shipping_method="Ground",
        lines=[
            {"sku": "TONER-85A", "quantity": "2"},
            {"sku": "PAPER-A4", "quantity": "10", "unit_price": "5.50", "reason": "case price"},
        ],
    )
    assert quote["number"].startswith("Q") and quote["status"] == "draft"
    assert quote["owner"] == "tnguyen" and quote["customer"]["code"] == "ACME"
    (version,) = quote["versions"]
    toner, paper = version["lines"]
    assert (toner["unit_price"], toner["price_source"], toner["amount"]) == (
        "89.50",
        "list",
        "179.00",
    )
    assert (paper["unit_price"], paper["price_source"]) == ("5.50", "override")
    assert (paper["override_reason"], paper["override_by"]) == ("case price", "tnguyen")
    # 179.00 + 55.00; Ground 12.00; Illinois tax 6.25% of the goods; shipped to ACME's address
    assert (version["subtotal"], version["shipping_amount"], version["tax_amount"]) == (
        "234.00",
        "12.00",
        "14.63",
    )
    assert version["total"] == "260.63" and version["ship_to"]["postal_code"] == "62701"

    number = quote["number"]
    status, answer = api.post(
        f"/api/v1/quotes/{number}/versions/1/lines",
        tokens["east"],
        {"lines": [{"sku": "PAPER-A4", "quantity": "1", "unit_price": "1"}]},
    )
    assert status == 409 and "needs a reason" in answer["detail"]
    status, answer = api.post(
        f"/api/v1/quotes/{number}/versions/1/lines",
        tokens["east"],
        {"lines": [{"sku": "NO-SUCH", "quantity": "1"}]},
    )
    assert status == 409 and "no product NO-SUCH" in answer["detail"]

    # A margin over cost prices every line not priced by hand; a discount off list too.
    body = {"pricing": "margin", "percent": "25"}
    status, answer = api.post(f"/api/v1/quotes/{number}/versions/1", tokens["east"], body)
    lines = answer["version"]["lines"]
    assert status == 200 and answer["version"]["margin_percent"] == "25"
    assert [(li["unit_price"], li["price_source"]) for li in lines] == [
        ("80.00", "margin:25"),
        ("5.50", "override"),
    ]
    body = {"pricing": "discount", "percent": "10"}
    status, answer = api.post(f"/api/v1/quotes/{number}/versions/1", tokens["east"], body)
    assert answer["version"]["lines"][0]["unit_price"] == "80.55"
    assert answer["version"]["margin_percent"] is None
    status, answer = api.post(
        f"/api/v1/quotes/{number}/versions/1", tokens["east"], {"pricing": "engine"}
    )
    assert answer["version"]["lines"][0]["unit_price"] == "89.50"


def test_a_product_without_a_list_price_is_quoted_by_hand(api, tokens):
    quote = quote_for(api, tokens["east"], lines=[{"sku": "DESK-LAMP", "quantity": "3"}])
    number = quote["number"]
    line = quote["versions"][0]["lines"][0]
    assert (line["unit_price"], line["price_source"]) == (None, "unpriced")
    status, answer = api.post(f"/api/v1/quotes/{number}/versions/1/send", tokens["east"])
    assert status == 409 and "line 1 has no price" in answer["detail"]
    body = {"unit_price": "29.90", "reason": "matching the catalogue"}
    status, answer = api.post(f"/api/v1/quotes/{number}/versions/1/lines/1", tokens["east"], body)
    assert status == 200 and answer["version"]["subtotal"] == "89.70"


def test_a_quote_for_a_new_customer_makes_a_lead_in_the_group_for_new_leads(app, api, tokens):
    lead = {
        "name": "Harbor Dental",
        "email": "office@harbor-dental.example",
        "contact_name": "Priya Raman",
    }
    status, quote = api.post("/api/v1/quotes", tokens["admin"], {"lead": lead})
    assert status == 201, quote
    code = quote["customer"]["code"]
    assert quote["customer"]["group"] == "EAST-SMB" and quote["versions"][0]["lines"] == []
    status, customer = api.get(f"/api/v1/customers/{code}", tokens["admin"])
    assert (customer["status"], customer["email"]) == ("lead", "office@harbor-dental.example")
    assert [c["name"] for c in customer["contacts"]] == ["Priya Raman"]
    # The EAST salesperson handles new leads, so sees the quote; WEST does not.
    assert api.get(f"/api/v1/quotes/{quote['number']}", tokens["east"])[0] == 200
    assert api.get(f"/api/v1/quotes/{quote['number']}", tokens["west"])[0] == 404
    both = {"customer": "ACME", "lead": lead}
    assert api.post("/api/v1/quotes", tokens["admin"], both)[0] == 409


def test_a_sent_version_is_frozen_with_its_pdf_and_a_change_is_a_new_version(app, api, tokens):
    quote = quote_for(api, tokens["east"], shipping_method="Ground")
    number = quote["number"]
    status, sent = api.post(f"/api/v1/quotes/{number}/versions/1/send", tokens["east"])
    assert status == 200 and sent["sent_to"] == "buyer@acme.example"
    status, pdf = api.get(f"/api/v1/quotes/{number}/versions/1/pdf", tokens["east"])
    assert status == 200 and pdf.media_type == "application/pdf"
    assert (
        pdf.content.startswith(b"%PDF")
        and hashlib.sha256(pdf.content).hexdigest() == (sent["pdf_sha256"])
    )
    detail = api.get(f"/api/v1/quotes/{number}", tokens["east"])[1]
    version = detail["versions"][0]
    assert detail["status"] == "sent" and version["status"] == "sent"
    assert version["pdf_kept"] and version["pdf_sha256"] == sent["pdf_sha256"]
    assert (version["sent_by"], version["sent_to"]) == ("tnguyen", "buyer@acme.example")
    (event,) = outbox(app, "quote.sent")
    assert event == {
        "quote_number": number,
        "version": 1,
        "recipient": "buyer@acme.example",
        "customer_code": "ACME",
        "pdf_sha256": sent["pdf_sha256"],
    }

    history_before = len(detail["history"])
    base = f"/api/v1/quotes/{number}/versions/1"
    for path, body in (
        (f"{base}/lines", {"lines": [{"sku": "PAPER-A4", "quantity": "1"}]}),
        (f"{base}/lines/1", {"quantity": "5"}),
        (f"{base}/lines/1", {"remove": True}),
        (base, {"pricing": "margin", "percent": "20"}),
        (f"{base}/send", {}),
    ):
        status, answer = api.post(path, tokens["east"], body)
        assert status == 409 and "can no longer change" in answer["detail"], path
    with pytest.raises(Exception, match="can no longer change"):
        app.bus.execute(
            commands.SendQuoteVersion(number, 1, b"%PDF-1.7 other", "x"), Actor("staff", "x")
        )
    after = api.get(f"/api/v1/quotes/{number}", tokens["east"])[1]
    assert after["versions"] == detail["versions"] and len(after["history"]) == history_before
    assert api.get(f"{base}/pdf", tokens["east"])[1].content == pdf.content

    status, answer = api.post(f"/api/v1/quotes/{number}/versions", tokens["east"], {"kind": "gsa"})
    assert status == 201 and answer["version"]["version_number"] == 2
    assert answer["version"]["status"] == "draft" and answer["version"]["kind"] == "gsa"
    assert [line["sku"] for line in answer["version"]["lines"]] == ["TONER-85A"]
    body = {"lines": [{"sku": "PAPER-A4", "quantity": "4"}]}
    status, answer = api.post(f"/api/v1/quotes/{number}/versions/2/lines", tokens["east"], body)
    assert status == 201 and answer["added"] == [2]
    status, draft = api.get(f"/api/v1/quotes/{number}/versions/2/pdf", tokens["east"])
    assert draft.content.startswith(b"%PDF") and draft.content != pdf.content


def test_each_kind_of_version_prints_with_its_own_template(app, api, tokens, data_dir):
    quote = quote_for(api, tokens["east"], kind="gsa")
    path = f"/api/v1/quotes/{quote['number']}/versions/1/pdf?format=html"
    status, html = api.get(path, tokens["east"])
    page = html.content.decode()
    assert status == 200 and html.media_type.startswith("text/html")
    assert f"Quote {quote['number']}" in page and "(GSA)" in page and "HP 85A black toner" in page
    templates = data_dir / "templates"
    templates.mkdir()
    (templates / "quote_gsa.html").write_text(
        '{% extends "quote.html" %}{% block heading %}GSA Schedule quote {{ quote.number }}'
        "{% endblock %}"
    )
    page = api.get(path, tokens["east"])[1].content.decode()
    assert f"GSA Schedule quote {quote['number']}" in page
    commercial = quote_for(api, tokens["east"])
    other = f"/api/v1/quotes/{commercial['number']}/versions/1/pdf?format=html"
    assert "GSA Schedule" not in api.get(other, tokens["east"])[1].content.decode()
    assert api.get(f"{other[:-12]}?format=docx", tokens["east"])[0] == 400


def test_the_sent_version_becomes_one_order_that_references_it(app, api, tokens):
    quote = sent_quote(api, tokens["east"], shipping_method="Ground")
    number = quote["number"]
    body = {
        "payment_method": "purchase_order",
        "po_number": "PO-4471",
        "shipping_method": "Express",
    }
    status, made = api.post(f"/api/v1/quotes/{number}/convert", tokens["east"], body)
    assert status == 200 and made["created"] is True
    order = queries.order_detail(app.engine, made["order_number"])
    assert (order["channel"], order["partner"], order["external_order_id"]) == (
        "quote",
        "direct",
        number,
    )
    with app.engine.connect() as connection:
        version_id = connection.execute(
            select(tables.quote_versions.c.id).where(tables.quote_versions.c.version_number == 1)
        ).scalar_one()
        customer_id = connection.execute(
            select(tables.customers.c.id).where(tables.customers.c.code == "ACME")
        ).scalar_one()
    assert order["quote_version_id"] == version_id and order["customer_id"] == customer_id
    assert [
        (li["supplier_part_id"], li["quantity"], li["unit_price"]) for li in order["lines"]
    ] == [("TONER-85A", "2", "89.50")]
    assert (order["shipping_method"], order["shipping_amount"]) == ("Express", "30.00")
    assert (order["tax_amount"], order["total_amount"]) == ("11.19", "220.19")
    assert order["payment"]["method"] == "purchase_order" and "PO-4471" in order["payment"]["terms"]
    assert order["buyer_organisation"] == "Acme Office Supply"
    assert order["buyer_name"] == "Dana Whitfield" and order["ship_to"]["city"] == "Springfield"
    assert order["history"][0]["actor"] == "tnguyen"

    status, again = api.post(f"/api/v1/quotes/{number}/convert", tokens["east"], body)
    assert status == 200 and (again["order_number"], again["created"]) == (
        made["order_number"],
        False,
    )
    assert count(app, tables.orders) == 1
    detail = api.get(f"/api/v1/quotes/{number}", tokens["east"])[1]
    assert detail["status"] == "ordered"
    assert detail["orders"] == [{"number": made["order_number"], "version": 1, "status": "new"}]
    assert [e["order_number"] for e in outbox(app, "quote.converted")] == [made["order_number"]]
    assert [e["channel"] for e in outbox(app, "order.received")] == ["quote"]
    assert outbox(app, "order.confirmation_requested") == [], "the setting is off"
    # Ordered, the quote no longer changes.
    status, answer = api.post(f"/api/v1/quotes/{number}/versions", tokens["east"])
    assert status == 409 and "ordered" in answer["detail"]


def test_only_a_valid_open_quote_latest_sent_version_becomes_an_order(app, api, tokens):
    draft = quote_for(api, tokens["east"])
    status, answer = api.post(f"/api/v1/quotes/{draft['number']}/convert", tokens["east"])
    assert status == 409 and "draft" in answer["detail"]

    quote = sent_quote(api, tokens["east"])
    number = quote["number"]
    api.post(f"/api/v1/quotes/{number}/versions", tokens["east"])
    api.post(f"/api/v1/quotes/{number}/versions/2/send", tokens["east"])
    body = {"version": 1}
    status, answer = api.post(f"/api/v1/quotes/{number}/convert", tokens["east"], body)
    assert status == 409 and "replaced by version 2" in answer["detail"]
    # Without a choice, a customer with net terms pays on them.
    status, answer = api.post(f"/api/v1/quotes/{number}/convert", tokens["admin"], {})
    assert (
        answer["created"]
        and queries.order_detail(app.engine, answer["order_number"])["payment"]["terms"] == "Net 30"
    )

    expired = sent_quote(api, tokens["east"])
    with app.engine.begin() as connection:
        connection.execute(
            update(tables.quotes)
            .where(tables.quotes.c.number == expired["number"])
            .values(valid_until=date.today() - timedelta(days=2))
        )
    status, answer = api.post(f"/api/v1/quotes/{expired['number']}/convert", tokens["east"])
    assert status == 409 and "expired on" in answer["detail"]

    city = sent_quote(api, tokens["west"], customer="CITY")
    body = {"payment_method": "net_terms"}
    status, answer = api.post(f"/api/v1/quotes/{city['number']}/convert", tokens["west"], body)
    assert status == 409 and "no net terms" in answer["detail"]
    assert count(app, tables.orders) == 1


def test_staff_accept_decline_and_cancel_quotes(api, tokens):
    quote = sent_quote(api, tokens["east"])
    path = f"/api/v1/quotes/{quote['number']}"
    status, answer = api.post(path, tokens["east"], {"action": "accept"})
    assert (status, answer["status"]) == (200, "accepted")
    status, answer = api.post(path, tokens["east"], {"action": "decline"})
    assert (status, answer["status"]) == (200, "declined")
    status, answer = api.post(path, tokens["east"], {"notes": "try again"})
    assert status == 409 and "declined" in answer["detail"]
    draft = quote_for(api, tokens["east"])
    status, answer = api.post(
        f"/api/v1/quotes/{draft['number']}", tokens["east"], {"action": "accept"}
    )
    assert status == 409 and "draft" in answer["detail"]
    past = {"valid_until": (date.today() - timedelta(days=1)).isoformat()}
    status, answer = api.post(f"/api/v1/quotes/{draft['number']}", tokens["east"], past)
    assert status == 409 and "in the past" in answer["detail"]


def test_the_history_of_a_quote_lists_every_change_with_actor_and_old_and_new_values(
    app, api, tokens
):
    quote = quote_for(api, tokens["east"], notes="First offer")
    number = quote["number"]
    base = f"/api/v1/quotes/{number}/versions/1"
    api.post(f"{base}/lines", tokens["east"], {"lines": [{"sku": "PAPER-A4", "quantity": "10"}]})
    api.post(f"{base}/lines/2", tokens["east"], {"quantity": "20"})
    api.post(f"{base}/lines/1", tokens["admin"], {"unit_price": "84.00", "reason": "price match"})
    api.post(base, tokens["admin"], {"shipping_method": "Ground"})
    api.post(f"/api/v1/quotes/{number}", tokens["east"], {"notes": "Second offer"})
    api.post(f"{base}/send", tokens["east"])

    history = api.get(f"/api/v1/quotes/{number}", tokens["admin"])[1]["history"]

    def changes(entity, actor):
        return [
            e["changes"]
            for e in history
            if e["entity"] == entity and e["actor"] == actor and e["action"] == "update"
        ]

    created = [(e["entity"], e["action"], e["actor"]) for e in history if e["action"] == "create"]
    assert created == [
        ("quote", "create", "tnguyen"),
        ("quote_version", "create", "tnguyen"),
        ("quote_line", "create", "tnguyen"),
        ("quote_line", "create", "tnguyen"),
    ]
    assert history[0]["changes"]["notes"] == {"old": None, "new": "First offer"}
    assert {"old": "10", "new": "20"} in [
        c.get("quantity") for c in changes("quote_line", "tnguyen")
    ]
    (override,) = changes("quote_line", "mgarcia")
    assert override["unit_price"] == {"old": "89.50", "new": "84.00"}
    assert override["override_reason"] == {"old": None, "new": "price match"}
    assert override["override_by"] == {"old": None, "new": "mgarcia"}
    assert {"old": None, "new": "Ground"} in [
        c.get("shipping_method") for c in changes("quote_version", "mgarcia")
    ]
    quote_updates = changes("quote", "tnguyen")
    assert {"old": "First offer", "new": "Second offer"} in [c.get("notes") for c in quote_updates]
    assert {"old": "draft", "new": "sent"} in [c.get("status") for c in quote_updates]
    sending = [c for c in changes("quote_version", "tnguyen") if "sent_at" in c]
    assert sending[0]["status"] == {"old": "draft", "new": "sent"}
    assert sending[0]["pdf_sha256"]["old"] is None and len(sending[0]["pdf_sha256"]["new"]) == 64
    assert all("pdf" not in entry["changes"] for entry in history)
    assert all(entry["at"] and entry["actor_kind"] == "staff" for entry in history)


def test_a_salesperson_outside_the_customers_teams_cannot_see_the_quote(app, api, tokens):
    west = sent_quote(api, tokens["west"], customer="CITY")
    east = quote_for(api, tokens["east"])
    number = west["number"]

    listed = api.get("/api/v1/quotes", tokens["east"])[1]["quotes"]
    assert [q["number"] for q in listed] == [east["number"]]
    assert api.get("/api/v1/quotes/counts", tokens["east"])[1]["total"] == 1
    assert api.get(f"/api/v1/quotes?text={number}", tokens["east"])[1]["quotes"] == []
    for method, path, body in (
        ("GET", f"/api/v1/quotes/{number}", None),
        ("GET", f"/api/v1/quotes/{number}/versions/1/pdf", None),
        ("POST", f"/api/v1/quotes/{number}", {"notes": "mine now"}),
        ("POST", f"/api/v1/quotes/{number}/versions", {}),
        ("POST", f"/api/v1/quotes/{number}/versions/1/send", {}),
        ("POST", f"/api/v1/quotes/{number}/convert", {}),
        ("POST", f"/api/v1/quotes/{number}/link", {}),
    ):
        status, answer = api.call(method, path, tokens["east"], body)
        assert status == 404 and answer["detail"] == f"no quote {number}", (method, path)
    status, answer = api.post("/api/v1/quotes", tokens["east"], {"customer": "CITY"})
    assert status == 404 and answer["detail"] == "no customer CITY"

    assert [q["number"] for q in api.get("/api/v1/quotes", tokens["west"])[1]["quotes"]] == [number]
    assert api.get(f"/api/v1/quotes/{number}", tokens["west"])[0] == 200
    assert {q["number"] for q in api.get("/api/v1/quotes", tokens["admin"])[1]["quotes"]} == {
        number,
        east["number"],
    }
    assert count(app, tables.orders) == 0


def test_quote_lists_page_by_key_and_filter(api, tokens):
    numbers = [quote_for(api, tokens["admin"])["number"] for _ in range(3)]
    city = quote_for(api, tokens["admin"], customer="CITY")["number"]
    first = api.get("/api/v1/quotes?limit=2", tokens["admin"])[1]
    assert [q["number"] for q in first["quotes"]] == [city, numbers[2]]
    rest = api.get(f"/api/v1/quotes?limit=2&after={first['next']}", tokens["admin"])[1]
    assert [q["number"] for q in rest["quotes"]] == [numbers[1], numbers[0]]
    acme = api.get("/api/v1/quotes?customer=ACME&status=draft", tokens["admin"])[1]["quotes"]
    assert len(acme) == 3 and acme[0]["total"] == "190.19" and acme[0]["version"] == 1
    assert (
        api.get("/api/v1/quotes?text=riverton", tokens["admin"])[1]["quotes"][0]["number"] == city
    )


def test_a_self_service_link_is_signed_for_the_sent_version(app, api, tokens):
    from hub import quote_links

    draft = quote_for(api, tokens["east"])
    status, answer = api.post(f"/api/v1/quotes/{draft['number']}/link", tokens["east"])
    assert status == 409 and "no sent version" in answer["detail"]
    quote = sent_quote(api, tokens["east"])
    status, link = api.post(f"/api/v1/quotes/{quote['number']}/link", tokens["east"], {"days": 3})
    assert status == 200 and link["version"] == 1
    assert link["url"].startswith("http://127.0.0.1:8080/quote/")
    token = link["url"].rsplit("/", 1)[1]
    key = quote_links.link_key(app.config)
    assert quote_links.verify(key, token) == (quote["number"], 1)
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(days=2, hours=23) < expires - datetime.now(UTC) <= timedelta(days=3)


def test_an_order_from_a_quote_asks_for_its_confirmation_email_when_that_is_on(app, api, tokens):
    assert api.post("/api/v1/settings/orders.confirmation_email", tokens["admin"],
                    {"value": True})[0] == 200  # fmt: skip
    quote = sent_quote(api, tokens["east"], shipping_method="Ground")
    status, made = api.post(f"/api/v1/quotes/{quote['number']}/convert", tokens["east"], {})
    assert status == 200
    asked = outbox(app, "order.confirmation_requested")
    assert [(e["order_number"], e["email"]) for e in asked] == [
        (made["order_number"], "buyer@acme.example")
    ]
