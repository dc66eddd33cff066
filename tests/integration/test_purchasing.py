"""Purchasing: sales-order lines assigned to suppliers group into purchase orders per
supplier and way of shipping; costs from the supplier's live price or catalogue
cost with its discount and freight; drafts edited, sent POs frozen; suppliers'
confirmations and ship notices recorded, the latter as the sales order's shipments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import commands
from core.canonical import (
    ConfirmationLine,
    ReceivedConfirmation,
    ReceivedShipmentLine,
    ReceivedShipNotice,
)
from core.errors import DeletionRefused, NotFound
from core.model.purchasing import PurchasingRefused
from core.ports import Actor
from core.storage import tables
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.integration.test_shipments_invoices import ORDER

BUYER = Actor("staff", "pbuyer")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def order_number(app):
    outcome, number = app.bus.execute(commands.IngestOrder(ORDER))
    assert outcome == "created"
    return number


@pytest.fixture
def suppliers(app):
    app.bus.execute(commands.AddPartner("ingram-cxml", "Ingram Micro", "cxml", {}), BUYER)
    app.bus.execute(
        commands.AddSupplier(
            "ingram",
            "Ingram Micro",
            "cxml",
            {
                "partner_code": "ingram-cxml",
                "discount_percent": Decimal("2"),
                "freight_percent": Decimal("1"),
            },
        ),
        BUYER,
    )
    app.bus.execute(
        commands.AddSupplier("dh", "D&H Distributing", "email", {"email": "po@dh.example.com"}),
        BUYER,
    )
    return ("ingram", "dh")


def assign(app, order_number, line, supplier, **values):
    return app.bus.execute(commands.AssignSupplier(order_number, line, supplier, **values), BUYER)


def po_of(app, number):
    with app.uow_factory(BUYER) as uow:
        po = uow.purchasing.get(number)
        lines = [
            (
                li.line_number,
                li.sales_line_number,
                li.quantity,
                li.unit_cost,
                li.cost_source,
                li.status,
            )
            for li in po.lines
        ]
        return po.state, po.supplier_code, po.dropship, lines


def test_lines_group_per_supplier_and_way_of_shipping(app, order_number, suppliers):
    first = assign(app, order_number, 1, "ingram", live_price=Decimal("20.00"))
    second = assign(app, order_number, 2, "ingram", unit_cost=Decimal("40"), reason="deal 7741")
    dropped = assign(
        app,
        order_number,
        3,
        "dh",
        dropship="supplier",
        unit_cost=Decimal("400"),
        reason="quote DH-1",
    )
    assert first == second != dropped
    state, supplier, dropship, lines = po_of(app, first)
    assert (state, supplier, dropship) == ("draft", "ingram", None)
    # 20.00 less 2 % plus 1 % freight
    assert lines[0][:5] == (1, 1, Decimal("10"), Decimal("19.7960"), "live price")
    assert lines[1][3:5] == (Decimal("40"), "override")
    assert po_of(app, dropped)[2] == "supplier"


def test_a_line_is_split_between_suppliers_never_bought_twice(app, order_number, suppliers):
    a = assign(app, order_number, 1, "ingram", quantity=Decimal("6"), live_price=Decimal("20"))
    b = assign(app, order_number, 1, "dh", unit_cost=Decimal("21"), reason="rest of line")
    assert po_of(app, b)[3][0][2] == Decimal("4")
    with pytest.raises(PurchasingRefused, match="0 BX left to buy"):
        assign(app, order_number, 1, "dh", unit_cost=Decimal("21"), reason="again")
    with pytest.raises(PurchasingRefused, match="only 6 BX"):
        app.bus.execute(commands.ChangePurchaseOrderLine(a, 1, quantity=Decimal("7")), BUYER)


def test_a_cost_needs_a_source(app, order_number, suppliers):
    with pytest.raises(PurchasingRefused, match="no cost for this part"):
        assign(app, order_number, 1, "ingram")
    with pytest.raises(PurchasingRefused, match="needs a reason"):
        assign(app, order_number, 1, "ingram", unit_cost=Decimal("5"))
    with pytest.raises(NotFound):
        assign(app, order_number, 9, "ingram", live_price=Decimal("5"))


def send(app, number, channel_raw=b"<cXML/>"):
    return app.bus.execute(
        commands.SendPurchaseOrder(
            number, "text/xml", channel_raw, f"{number}-1", "https://supplier.example/cxml"
        ),
        BUYER,
    )


def test_sending_freezes_the_po_and_flags_later_order_edits(app, order_number, suppliers):
    number = assign(app, order_number, 1, "ingram", live_price=Decimal("20"))
    document_id = send(app, number)
    assert document_id is not None
    assert po_of(app, number)[0] == "sent"
    with pytest.raises(PurchasingRefused, match="only a draft PO can"):
        app.bus.execute(commands.ChangePurchaseOrderLine(number, 1, quantity=Decimal("2")), BUYER)
    with app.uow_factory(BUYER) as uow:
        assert uow.orders.get(order_number).purchase_orders_sent is True
        queued = uow.outbound.get(document_id)
        assert (queued.kind, queued.reference, queued.partner) == (
            "purchase_order",
            number,
            "ingram-cxml",
        )
    # a new assignment after sending starts a new draft
    assert assign(app, order_number, 2, "ingram", live_price=Decimal("40")) != number


def test_email_po_keeps_its_pdf_and_asks_the_mailer(app, order_number, suppliers):
    number = assign(app, order_number, 3, "dh", unit_cost=Decimal("400"), reason="quote")
    app.bus.execute(
        commands.SendPurchaseOrder(number, "application/pdf", b"%PDF-1.7 test", number), BUYER
    )
    with app.engine.connect() as connection:
        pdf = connection.execute(
            select(tables.purchase_orders.c.pdf).where(tables.purchase_orders.c.number == number)
        ).scalar_one()
        keys = connection.execute(select(tables.outbox.c.routing_key)).scalars().all()
    assert pdf == b"%PDF-1.7 test"
    assert "po.email_requested" in keys and "po.sent" in keys


def notice(number, shipment_id, quantities, partner="ingram-cxml"):
    return ReceivedShipNotice(
        channel="cxml",
        partner=partner,
        po_number=number,
        shipment_id=shipment_id,
        carrier="FedEx",
        tracking_number=f"7946{shipment_id}",
        carrier_code="FDEG",
        lines=tuple(ReceivedShipmentLine(n, Decimal(q), "BX") for n, q in quantities.items()),
        shipped_at=datetime(2026, 3, 18, 10, tzinfo=UTC),
    )


def test_supplier_ship_notices_ship_the_sales_order(app, order_number, suppliers):
    number = assign(app, order_number, 1, "ingram", live_price=Decimal("20"))
    assign(app, order_number, 2, "ingram", live_price=Decimal("40"))
    assign(app, order_number, 3, "dh", unit_cost=Decimal("400"), reason="quote")
    send(app, number)
    first = app.bus.execute(commands.RecordSupplierShipment(notice(number, "S1", {1: "10"})), BUYER)
    again = app.bus.execute(commands.RecordSupplierShipment(notice(number, "S1", {1: "10"})), BUYER)
    assert first == again
    with app.uow_factory(BUYER) as uow:
        order = uow.orders.get(order_number)
        assert order.status == "partially_shipped"
        assert [line.shipped_quantity for line in order.lines] == [Decimal("10"), 0, 0]
        assert uow.purchasing.get(number).state == "partially_shipped"
    with pytest.raises(PurchasingRefused, match="only 4 open"):
        app.bus.execute(commands.RecordSupplierShipment(notice(number, "S2", {2: "5"})), BUYER)
    with pytest.raises(NotFound, match="for partner"):
        app.bus.execute(
            commands.RecordSupplierShipment(notice(number, "S3", {2: "4"}, "other")), BUYER
        )
    app.bus.execute(commands.RecordSupplierShipment(notice(number, "S3", {2: "4"})), BUYER)
    assert po_of(app, number)[0] == "shipped"


def test_supplier_confirmation_is_recorded(app, order_number, suppliers):
    number = assign(app, order_number, 1, "ingram", live_price=Decimal("20"))
    confirmation = ReceivedConfirmation(
        channel="cxml",
        partner="ingram-cxml",
        po_number=number,
        confirmation_id="C-77",
        status="detail",
        supplier_order_number="IM-5512",
        lines=(ConfirmationLine(1, "backorder", Decimal("10"), "BX"),),
    )
    with pytest.raises(PurchasingRefused, match="not sent"):
        app.bus.execute(commands.RecordSupplierConfirmation(confirmation), BUYER)
    send(app, number)
    app.bus.execute(commands.RecordSupplierConfirmation(confirmation), BUYER)
    with app.uow_factory(BUYER) as uow:
        po = uow.purchasing.get(number)
        assert (po.state, po.supplier_order_number, po.lines[0].confirmed_status) == (
            "confirmed",
            "IM-5512",
            "backorder",
        )


def test_history_and_never_deleted(app, order_number, suppliers):
    number = assign(app, order_number, 1, "ingram", live_price=Decimal("20"))
    app.bus.execute(
        commands.ChangePurchaseOrderLine(number, 1, unit_cost=Decimal("18"), reason="promo"), BUYER
    )
    app.bus.execute(commands.CommentPurchaseOrder(number, "Call before delivery", True), BUYER)
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(tables.history.c.entity, tables.history.c.actor, tables.history.c.changes).where(
                tables.history.c.doc_type == "purchase_order"
            )
        ).all()
    changed = [row.changes for row in rows if row.entity == "purchase_order_line"]
    assert any("unit_cost" in str(c) and "18" in str(c) for c in changed)
    assert {row.entity for row in rows} >= {
        "purchase_order",
        "purchase_order_line",
        "purchase_order_comment",
    }
    assert all(row.actor == "pbuyer" for row in rows)
    with app.uow_factory(BUYER) as uow:
        uow.session.delete(uow.purchasing.get(number))
        with pytest.raises(DeletionRefused):
            uow.commit()
