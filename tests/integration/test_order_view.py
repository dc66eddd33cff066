"""The order view (M-41): the whole transaction around an order — its customer and
contacts, shipments and invoices — besides lines, history and comments."""

from __future__ import annotations

import pytest

from core import commands
from core.ports import Actor
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.integration.test_team_scope import order

SETUP = Actor("staff", "mgarcia")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def test_the_order_view_shows_customer_contacts_shipments_and_invoices(app):
    api = ApiClient(app)
    token = api.token("chief")
    for command in (
        commands.AddCustomerGroup("gov", "Government"),
        commands.AddCustomer(
            "RACINE", "Racine Unified", {"partner_code": "racine-usd", "net_terms_days": 30}, "gov"
        ),
        commands.AddContact("RACINE", {"name": "Dana Ruiz", "email": "d.ruiz@racine.example"}),
    ):
        app.bus.execute(command, SETUP)
    _, number = app.bus.execute(commands.IngestOrder(order("racine-usd", "PO-4471")))
    shipment = app.bus.execute(commands.RecordShipment(number, "UPS", "1Z999AA10123456784"), SETUP)
    invoice = app.bus.execute(commands.CreateInvoice(number), SETUP)

    status, view = api.get(f"/api/v1/orders/{number}", token)
    assert status == 200
    customer = view["customer"]
    assert (customer["code"], customer["group"], customer["net_terms_days"]) == (
        "RACINE",
        "gov",
        30,
    )
    assert [c["email"] for c in customer["contacts"]] == ["d.ruiz@racine.example"]
    assert [(s["number"], s["tracking_number"]) for s in view["shipments"]] == [
        (shipment, "1Z999AA10123456784")
    ]
    assert [(i["number"], i["purpose"]) for i in view["invoices"]] == [(invoice, "standard")]
    assert view["quote"] is None and view["sent_documents"] == []

    _, walk_in = app.bus.execute(commands.IngestOrder(order("walk-in", "PO-1")))
    status, view = api.get(f"/api/v1/orders/{walk_in}", token)
    assert (view["customer"], view["shipments"], view["invoices"]) == (None, [], [])
