"""Requests for quotation through /api/v1 on both databases: checked whole and kept,
matched to a customer by email, turned into a quote (for that customer or a new
lead) or declined, and seen only by the sales teams they belong to. The public web
form is exercised over HTTP in test_quote_portal.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.storage import tables
from tests.api_client import ApiClient
from tests.integration import test_quotes as quotes

PATH = "/api/v1/rfqs"


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
    return quotes.sales_tokens(app, api)


def rfq_count(app) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(tables.rfqs)).scalar_one()


def test_a_request_is_kept_and_matched_to_the_customer_by_email(app, api, tokens):
    body = {
        "email": "Buyer@Acme.example",
        "contact_name": "Dana Whitfield",
        "message": "Toner for the second floor, please.",
        "lines": [
            {"part": "MFR-TONER-85A", "quantity": "6"},
            {"part": "FLIPCHART-XL", "description": "Flip chart, large", "quantity": "2"},
            {"part": "", "description": "", "quantity": ""},
        ],
    }
    status, rfq = api.post(PATH, tokens["east"], body)
    assert status == 201, rfq
    assert rfq["number"].startswith("RFQ") and rfq["source"] == "api"
    assert (rfq["status"], rfq["customer"], rfq["quote"]) == ("new", "ACME", None)
    assert rfq["lines"] == [
        {"part": "MFR-TONER-85A", "description": None, "quantity": "6"},
        {"part": "FLIPCHART-XL", "description": "Flip chart, large", "quantity": "2"},
    ]
    assert rfq["history"][0]["actor"] == "tnguyen"
    (event,) = quotes.outbox(app, "rfq.received")
    assert event == {
        "number": rfq["number"],
        "source": "api",
        "email": "Buyer@Acme.example",
        "customer_code": "ACME",
    }
    listed = api.get(PATH, tokens["east"])[1]["rfqs"]
    assert [(r["number"], r["customer"]) for r in listed] == [(rfq["number"], "ACME")]

    status, quote = api.post(f"{PATH}/{rfq['number']}/quote", tokens["east"])
    assert status == 201, quote
    assert quote["customer"]["code"] == "ACME" and quote["rfq"] == rfq["number"]
    assert rfq["number"] in quote["notes"] and "second floor" in quote["notes"]
    toner, chart = quote["versions"][0]["lines"]
    # The maker's part number found our product; the unknown part waits for a price.
    assert (toner["sku"], toner["quantity"], toner["unit_price"]) == ("TONER-85A", "6", "89.50")
    assert (chart["sku"], chart["description"], chart["unit_price"]) == (
        "FLIPCHART-XL",
        "Flip chart, large",
        None,
    )
    status, after = api.get(f"{PATH}/{rfq['number']}", tokens["east"])
    assert (after["status"], after["quote"]) == ("quoted", quote["number"])
    assert after["history"][-1]["changes"]["status"] == {"old": "new", "new": "quoted"}
    status, answer = api.post(f"{PATH}/{rfq['number']}/quote", tokens["east"])
    assert status == 409 and "is quoted" in answer["detail"]


def test_a_request_from_an_unknown_address_becomes_a_quote_for_a_new_lead(app, api, tokens):
    body = {
        "email": "ops@northwind.example",
        "company": "Northwind Clinics",
        "phone": "+1 555 0100",
        "lines": [{"part": "PAPER-A4", "quantity": "40"}],
    }
    status, rfq = api.post(PATH, tokens["admin"], body)
    assert status == 201 and rfq["customer"] is None
    # Unmatched, it waits for whoever handles new leads: team EAST.
    assert [r["number"] for r in api.get(PATH, tokens["east"])[1]["rfqs"]] == [rfq["number"]]
    assert api.get(PATH, tokens["west"])[1]["rfqs"] == []
    assert api.get(f"{PATH}/{rfq['number']}", tokens["west"])[0] == 404

    status, quote = api.post(f"{PATH}/{rfq['number']}/quote", tokens["east"])
    assert status == 201
    code = quote["customer"]["code"]
    assert (
        quote["customer"]["name"] == "Northwind Clinics"
        and quote["customer"]["group"] == "EAST-SMB"
    )
    customer = api.get(f"/api/v1/customers/{code}", tokens["admin"])[1]
    assert (customer["status"], customer["email"], customer["phone"]) == (
        "lead",
        "ops@northwind.example",
        "+1 555 0100",
    )
    assert api.get(f"{PATH}/{rfq['number']}", tokens["east"])[1]["customer"] == code


def test_a_request_that_cannot_be_kept_is_refused_whole(app, api, tokens):
    for body, why in (
        ({"email": "not-an-address", "message": "hello"}, "email address is not valid"),
        ({"email": "a@b.example\nBcc: victim@example.com", "message": "x"}, "not valid"),
        ({"email": "a@b.example"}, "a message or at least one line"),
        ({"email": "a@b.example", "lines": [{"part": "X", "quantity": "-1"}]}, "above 0"),
        ({"email": "a@b.example", "lines": [{"quantity": "1"}]}, "part number or a description"),
        ({"email": "a@b.example", "company": "Acme\x00", "message": "x"}, "not allowed"),
        ({"email": "a@b.example", "message": "x" * 10_001}, "longer than 10000"),
        ({"email": "a@b.example", "lines": [{"part": "X"}] * 51}, "at most 50 lines"),
    ):
        status, answer = api.post(PATH, tokens["east"], body)
        assert status == 400 and why in answer["detail"], (body, answer)
    assert rfq_count(app) == 0
    assert api.get("/api/v1/rfqs", tokens["admin"])[1]["rfqs"] == []


def test_requests_are_declined_once_and_seen_only_by_their_team(app, api, tokens):
    body = {"email": "purchasing@riverton.example", "message": "Quote 200 toners"}
    status, rfq = api.post(PATH, tokens["admin"], body)
    assert rfq["customer"] == "CITY"
    number = rfq["number"]
    assert api.get(PATH, tokens["east"])[1]["rfqs"] == []
    attempts = (
        ("GET", f"{PATH}/{number}"),
        ("POST", f"{PATH}/{number}/quote"),
        ("POST", f"{PATH}/{number}/decline"),
    )
    for method, path in attempts:
        status, answer = api.call(method, path, tokens["east"], {} if method == "POST" else None)
        assert status == 404 and answer["detail"] == f"no request for quotation {number}"
    status, declined = api.post(f"{PATH}/{number}/decline", tokens["west"])
    assert (status, declined["status"]) == (200, "declined")
    status, answer = api.post(f"{PATH}/{number}/quote", tokens["west"])
    assert status == 409 and "is declined" in answer["detail"]
    assert api.get(f"{PATH}?status=declined", tokens["west"])[1]["rfqs"][0]["number"] == number
    assert api.get(f"{PATH}?status=new", tokens["west"])[1]["rfqs"] == []
