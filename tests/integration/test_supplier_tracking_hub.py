"""Tracking numbers from a supplier's REST order API: asked about a sent PO (now, or
by the poller's source), the answer is kept as an inbound document and its shipments
ship the sales order; asking again records nothing twice; a failing API records
nothing and says why."""

from __future__ import annotations

import copy
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import commands
from core.canonical import OrderLine
from core.errors import ServiceFailed
from core.ports import Actor
from core.storage import tables
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.secrets import SecretBox
from hub.supplier_tracking import TrackingSource, track, tracking_sources
from tests.integration.test_shipments_invoices import ORDER
from tests.supplier_servers import EXAMPLE_ORDERS, RestSupplierServer

BUYER = Actor("staff", "pbuyer")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def sent_po(app, server) -> str:
    """A PO for our order's first two lines, sent to a supplier with a REST API; the
    supplier's example order is re-keyed to our PO number."""
    lines = (
        OrderLine(1, Decimal("2"), "EA", unit_price=Decimal("1299"), supplier_part_id="SW-48"),
        OrderLine(2, Decimal("6"), "EA", unit_price=Decimal("39"), supplier_part_id="CAB-6"),
    )
    _, order = app.bus.execute(commands.IngestOrder(replace(ORDER, lines=lines)))
    settings = server.settings()
    values = {
        "email": "orders@ingram.example.com",
        "service_kind": "rest",
        "service_url": settings["url"],
        "service_settings": {
            "account": settings["account"],
            "secret_setting": "token",
            "tracking": True,
        },
    }
    sealed = SecretBox.for_config(app.config).seal(settings["token"])
    app.bus.execute(commands.AddSupplier("ingram", "Ingram Micro", "email", values, sealed), BUYER)
    for line in (1, 2):
        number = app.bus.execute(
            commands.AssignSupplier(
                order, line, "ingram", unit_cost=Decimal("10"), reason="contract"
            ),
            BUYER,
        )
    app.bus.execute(
        commands.SendPurchaseOrder(number, "application/pdf", b"%PDF-1.7", number), BUYER
    )
    [details] = copy.deepcopy(list(EXAMPLE_ORDERS.values()))
    details["customerOrderNumber"] = number
    server.orders[number] = details
    return number


def shipments_of(app, number):
    shipments, pos = tables.shipments.c, tables.purchase_orders.c
    query = (
        select(shipments.supplier_shipment_id, shipments.tracking_number)
        .join(tables.purchase_orders, pos.id == shipments.purchase_order_id)
        .where(pos.number == number)
        .order_by(shipments.id)
    )
    with app.engine.connect() as connection:
        return connection.execute(query).all()


def test_the_suppliers_shipments_ship_the_order_once(app):
    with RestSupplierServer() as server:
        number = sent_po(app, server)
        outcome = track(app, number)
        assert (outcome["state"], outcome["error"]) == ("processed", None)
        first = shipments_of(app, number)
        assert [row.tracking_number for row in first] == [
            "781234567890",
            *[r.tracking_number for r in first[1:]],
        ]
        assert len(first) >= 2
        again = track(app, number)
        assert again["state"] == "processed" and again["document_id"] != outcome["document_id"]
        assert shipments_of(app, number) == first


def test_a_failing_api_records_nothing(app):
    with RestSupplierServer() as server:
        number = sent_po(app, server)
        server.status = 500
        with pytest.raises(ServiceFailed) as failed:
            track(app, number)
        assert failed.value.kind == "server_error"
    assert shipments_of(app, number) == []


def test_the_poller_asks_about_open_pos_of_tracking_suppliers(app):
    with RestSupplierServer() as server:
        number = sent_po(app, server)
        [source] = tracking_sources(app)
        assert isinstance(source, TrackingSource) and source.partner == "supplier:ingram"
        [raw] = list(source.fetch(None))
        assert number.encode() in raw
