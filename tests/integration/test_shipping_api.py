"""/api/v1 rate estimates: FedEx through its OAuth and rate API (a local server
speaking its format) and the table of shipping ranges as the fallback; 4x6 labels."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from core import commands
from core.ports import Actor
from hub import carriers
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.fedex_server import ACCOUNT_NUMBER, CLIENT_ID, CLIENT_SECRET, FedExServer
from tests.integration.test_shipments_invoices import ORDER
from tests.unit.test_labels import pdf_objects, pdf_text

STAFF = Actor("staff", "ops")
REQUEST = {
    "ship_to": {"postal_code": "63141", "country": "US", "state": "MO", "city": "St. Louis"},
    "ship_from": {"postal_code": "38118", "country": "US", "state": "TN"},
    "parcels": [{"weight": "12.5", "weight_unit": "LB"}],
    "order_value": "450.00",
}


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def fedex(monkeypatch):
    with FedExServer() as server:
        for name, value in {
            "ORDERB2B_FEDEX_URL": server.url,
            "ORDERB2B_FEDEX_CLIENT_ID": CLIENT_ID,
            "ORDERB2B_FEDEX_CLIENT_SECRET": CLIENT_SECRET,
            "ORDERB2B_FEDEX_ACCOUNT": ACCOUNT_NUMBER,
            "ORDERB2B_FEDEX_TIMEOUT": "0.5",
            "ORDERB2B_SHIP_FROM_POSTAL_CODE": "38118",
            "ORDERB2B_SHIP_FROM_STATE": "TN",
        }.items():
            monkeypatch.setenv(name, value)
        carriers._fedex.cache_clear()
        yield server
        carriers._fedex.cache_clear()


def add_range(app, method, price):
    command = commands.AddShippingRange(method, "order_value", Decimal("0"), None, Decimal(price))
    app.bus.execute(command, STAFF)


def test_fedex_and_table_quotes_cheapest_first(app, api, fedex):
    add_range(app, "Ground (table)", "9.95")
    token = api.token("ada")
    status, answer = api.post("/api/v1/shipping/rates", token, REQUEST)
    assert status == 200 and answer["failures"] == []
    carriers_seen = {quote["carrier"] for quote in answer["quotes"]}
    assert carriers_seen == {"FedEx", "table"}
    amounts = [Decimal(quote["amount"]) for quote in answer["quotes"]]
    assert amounts == sorted(amounts)
    assert {"service": "Ground (table)", "amount": "9.95"}.items() <= next(
        q for q in answer["quotes"] if q["carrier"] == "table"
    ).items()
    api.post("/api/v1/shipping/rates", token, REQUEST)
    assert fedex.token_requests == 1 and len(fedex.rate_requests) == 2


@pytest.mark.parametrize(
    ("failure", "kind"),
    [("server_error", "server_error"), ("slow", "timeout"), ("malformed", "malformed")],
)
def test_a_failing_carrier_leaves_the_table(app, api, fedex, failure, kind):
    add_range(app, "Ground (table)", "9.95")
    fedex.failure = failure
    token = api.token("ada")
    status, answer = api.post("/api/v1/shipping/rates", token, REQUEST)
    assert status == 200
    assert [q["carrier"] for q in answer["quotes"]] == ["table"]
    assert answer["failures"][0]["carrier"] == "FedEx"
    assert answer["failures"][0]["kind"] == kind


def test_rates_refuse_what_they_cannot_price(api):
    token = api.token("ada")
    status, problem = api.post("/api/v1/shipping/rates", token, {**REQUEST, "parcels": []})
    assert status == 400 and "parcels" in problem["detail"]


def test_a_shipment_label_is_4_by_6_inches(app, api):
    _, number = app.bus.execute(commands.IngestOrder(ORDER))
    shipped = app.bus.execute(
        commands.RecordShipment(number, "FedEx", "794658012374", service="FEDEX_GROUND"), STAFF
    )
    token = api.token("ada")
    status, label = api.get(f"/api/v1/shipments/{shipped}/label", token)
    assert status == 200 and label.media_type == "application/pdf"
    assert re.findall(rb"/MediaBox\s*\[\s*0 0 288 432\s*\]", pdf_objects(label.content))
    text = pdf_text(label.content)
    assert "794658012374" in text and "Mercy Hospital St. Louis" in text
    status, _ = api.get("/api/v1/shipments/SH9999999/label", token)
    assert status == 404


def test_a_cart_takes_a_carriers_rate_for_its_shipping(database_url, data_dir, fedex):
    from tests.integration import test_cart as cart_tests
    from tests.integration import test_quotes as quotes

    app = quotes.open_app(database_url, data_dir)
    try:
        api = ApiClient(app)
        tokens = quotes.sales_tokens(app, api)
        cart = cart_tests.new_cart(api, tokens["east"])
        cart_tests.add(api, tokens["east"], cart["id"], ("PAPER-A4", "10"))
        path = f"/api/v1/carts/{cart['id']}/carrier-rates"
        status, rates = api.post(path, tokens["east"], {})
        assert status == 200 and rates["failures"] == []
        fedex_quote = next(q for q in rates["quotes"] if q["carrier"] == "FedEx")
        choice = {"carrier": "FedEx", "service": fedex_quote["service"]}
        status, chosen = api.post(path, tokens["east"], {"choose": choice})
        assert status == 200
        assert chosen["cart"]["shipping_method"] == f"FedEx {fedex_quote['service_name']}"
        assert chosen["cart"]["totals"]["shipping"] == fedex_quote["amount"]
        request = fedex.rate_requests[-1]["requestedShipment"]
        assert request["requestedPackageLineItems"][0]["weight"]["value"] in (20, "20", 20.0)
        status, _ = api.post(
            path, tokens["east"], {"choose": {"carrier": "FedEx", "service": "NOPE"}}
        )
        assert status == 400
        status, _ = api.post(path, tokens["west"], {})
        assert status == 404
    finally:
        app.close()
