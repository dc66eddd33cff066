"""/api/v1 purchasing: suppliers with their P&A systems, assigning lines (the live
price becomes the cost), drafts edited and sent, PO lists with fulfilment, the order
view's live P&A and dropship marks, and a slow supplier that never blocks a page."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import commands
from core.canonical import OrderLine
from core.ports import Actor
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.integration.test_shipments_invoices import ORDER
from tests.supplier_servers import EXAMPLE_CATALOGUE, SoapSupplierServer

SETUP = Actor("system", "tests")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def order_number(app):
    lines = (
        OrderLine(1, Decimal("4"), "EA", unit_price=Decimal("1299"), supplier_part_id="MON-27"),
        *ORDER.lines[1:],
    )
    from dataclasses import replace

    _, number = app.bus.execute(commands.IngestOrder(replace(ORDER, lines=lines)))
    return number


@pytest.fixture
def soap():
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        yield server


def add_soap_supplier(api, token, server, **extra):
    settings = server.settings()
    body = {
        "code": "ingram",
        "name": "Ingram Micro",
        "channel": "email",
        "email": "orders@ingram.example.com",
        "service_kind": "soap",
        "service_url": settings["url"],
        "service_settings": {"account": settings["account"], "username": settings["username"]},
        "service_secret": settings["password"],
        "timeout_seconds": "0.5",
        "discount_percent": "2",
        **extra,
    }
    return api.post("/api/v1/suppliers", token, body)


def catalogue_part(app, sku, supplier, part, cost):
    with app.uow_factory(SETUP) as uow:
        from core.model.products import Product

        product = Product(sku, f"{sku} product", list_price=Decimal("1500"))
        product.set_supplier(supplier, part, cost=Decimal(cost))
        uow.catalog.add(product)
        uow.commit()


def test_suppliers_keep_their_secret_hidden(api):
    token = api.token("ada")
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        status, supplier = add_soap_supplier(api, token, server)
    assert status == 201
    assert supplier["has_service_secret"] is True and "service_secret" not in supplier
    status, listed = api.get("/api/v1/suppliers", token)
    assert [s["code"] for s in listed["suppliers"]] == ["ingram"]
    status, problem = api.post("/api/v1/suppliers", token, {"code": "x y", "name": "Bad"})
    assert status == 409 and "letters, digits" in problem["detail"]


def test_live_price_becomes_the_cost_and_the_order_shows_it(app, api, order_number, soap):
    token = api.token("ada")
    add_soap_supplier(api, token, soap)
    catalogue_part(app, "MON-27", "ingram", "6YE881", "1100")
    status, po = api.post(
        f"/api/v1/orders/{order_number}/lines/1/supplier", token, {"supplier": "ingram"}
    )
    assert status == 201
    assert po["availability"][0]["source"] == "live"
    line = po["lines"][0]
    # the live 1049.99 less 2 %, not the catalogue's 1100
    assert (line["supplier_part_id"], line["unit_cost"], line["cost_source"]) == (
        "6YE881",
        "1028.9902",
        "live price",
    )
    status, order = api.get(f"/api/v1/orders/{order_number}", token)
    [answer] = order["availability"]["ingram"]
    assert answer["source"] == "cache" and answer["unit_price"] == "1049.99"
    assert [w["quantity"] for w in answer["warehouses"]] == ["12", "3"]
    assert order["purchasing"][0]["po_number"] == po["number"]


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        ({"delay": 3}, "ingram: no answer within 0.5 s"),
        ({"status": 500}, "ingram"),
        ({"body": b"<html>maintenance</html>"}, "ingram"),
    ],
    ids=["timeout", "server-error", "malformed"],
)
def test_a_failing_supplier_shows_its_last_answer_marked_stale(app, api, soap, failure, error):
    token = api.token("ada")
    add_soap_supplier(api, token, soap, cache_minutes=0)
    _, first = api.get("/api/v1/suppliers/ingram/availability?parts=6YE881,NOPE", token)
    assert [a["source"] for a in first["availability"]] == ["live", "live"]
    assert first["availability"][1]["found"] is False
    for name, value in failure.items():
        setattr(soap, name, value)
    started = time.monotonic()
    _, second = api.get("/api/v1/suppliers/ingram/availability?parts=6YE881", token)
    assert time.monotonic() - started < 2
    [stale] = second["availability"]
    assert (stale["source"], stale["stale"], stale["unit_price"]) == ("stale", True, "1049.99")
    assert stale["error"].startswith(error)


def test_a_po_the_supplier_refuses_for_now_stays_queued(app, api, order_number):
    """The supplier's endpoint answers 500: the sent PO and its document are kept and
    retried later; nothing is lost."""
    from sqlalchemy import select

    from core.model.outbound import PENDING
    from core.storage import tables
    from hub.outbound.sender import OutboundSender

    with failing_endpoint() as url:
        token = api.token("ada")
        app.bus.execute(
            commands.AddPartner(
                "ingram-cxml",
                "Ingram",
                "x12",
                {
                    "x12_qualifier": "ZZ",
                    "x12_id": "INGRAM",
                    "our_x12_qualifier": "ZZ",
                    "our_x12_id": "ORDERB2BHUB",
                    "endpoints": {"purchase_order": url},
                },
            ),
            SETUP,
        )
        body = {"code": "ingram", "name": "Ingram", "channel": "x12", "partner_code": "ingram-cxml"}
        assert api.post("/api/v1/suppliers", token, body)[0] == 201
        _, po = api.post(
            f"/api/v1/orders/{order_number}/lines/1/supplier",
            token,
            {"supplier": "ingram", "unit_cost": "900", "reason": "contract"},
        )
        status, sent = api.call("POST", f"/api/v1/purchase-orders/{po['number']}/send", token)
        assert status == 200 and sent["state"] == "sent"
        assert OutboundSender(app.uow_factory, {}).send_due() == 1
    _, shown = api.get(f"/api/v1/purchase-orders/{po['number']}", token)
    assert shown["state"] == "sent"
    assert (shown["sent_document"]["state"], shown["sent_document"]["attempts"]) == (PENDING, 1)
    assert shown["sent_document"]["error"].startswith("500")
    with app.engine.connect() as connection:
        raw = connection.execute(
            select(tables.outbound_documents.c.raw).where(
                tables.outbound_documents.c.reference == po["number"]
            )
        ).scalar_one()
    assert b"BEG*00*SA*" + po["number"].encode() in raw


@contextmanager
def failing_endpoint():
    class Failing(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"gateway down")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/edi"
    finally:
        server.shutdown()
        server.server_close()


def test_po_list_shows_fulfilment_and_dropship(app, api, order_number):
    token = api.token("ada")
    api.post(
        "/api/v1/suppliers",
        token,
        {"code": "dh", "name": "D&H", "channel": "email", "email": "po@dh.example.com"},
    )
    status, po = api.post(
        f"/api/v1/orders/{order_number}/lines/2/supplier",
        token,
        {"supplier": "dh", "dropship": "manufacturer", "unit_cost": "40", "reason": "deal"},
    )
    assert status == 201 and po["dropship"] == "manufacturer"
    status, sent = api.call("POST", f"/api/v1/purchase-orders/{po['number']}/send", token)
    assert status == 200 and sent["state"] == "sent" and sent["has_pdf"]
    status, pdf = api.get(f"/api/v1/purchase-orders/{po['number']}/document?format=sent", token)
    assert pdf.content.startswith(b"%PDF")
    status, listed = api.get("/api/v1/purchase-orders?dropship=true", token)
    assert [(p["number"], p["shipped_percent"], p["total"]) for p in listed["purchase_orders"]] == [
        (po["number"], 0, "160")
    ]
    status, order = api.get(f"/api/v1/orders/{order_number}", token)
    assert [line["dropship"] for line in order["lines"]] == [None, "manufacturer", None]
    status, problem = api.post(
        f"/api/v1/purchase-orders/{po['number']}/lines/1", token, {"quantity": "1"}
    )
    assert status == 409 and "only a draft" in problem["detail"]


def test_purchasing_needs_its_permission(api, order_number):
    token = api.token("sam", profile="salesperson")
    status, problem = api.get("/api/v1/purchase-orders", token)
    assert status == 403 and "purchasing.manage" in problem["detail"]
