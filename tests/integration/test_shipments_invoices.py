"""Shipments and invoices: quantities checked against the order, statuses that
follow, numbers without gaps, history, never deleted, and the canonical documents
the cXML renderers take."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import delete, select

from adapters.cxml.dtd import validate
from adapters.cxml.outbound import Credentials, render_invoice, render_ship_notice
from core import commands
from core.canonical import Address, CanonicalOrder, Contact, OrderLine, Payment
from core.errors import DeletionRefused, NotFound
from core.model.invoices import InvoiceRefused, NothingToInvoice
from core.model.shipments import ShipmentRefused
from core.ports import Actor
from core.storage import tables
from core.storage.invoice_queries import list_invoices
from core.storage.queries import (
    invoice_detail,
    list_shipments,
    order_detail,
    shipment_detail,
)
from hub.bootstrap import bootstrap
from hub.config import Config

STAFF = Actor("staff", "mkowalski")
PACIFIC = timezone(timedelta(hours=-7))
ORDER = CanonicalOrder(
    channel="cxml",
    partner="mercy-health",
    external_order_id="PO-0048213",
    order_date=datetime(2026, 3, 12, 9, 41, tzinfo=PACIFIC),
    currency="USD",
    source_document_id="PO-0048213.7c1e@mercyhealth.example.org",
    buyer_organisation="Mercy Health Supply Chain",
    buyer_contact=Contact("Teresa Nguyen", "t.nguyen@mercyhealth.example.org", "+1 314 555 0142"),
    ship_to=Address(
        name="Mercy Hospital St. Louis - Receiving Dock 3",
        address_id="MH-STL-03",
        deliver_to=("Teresa Nguyen", "Materials Management"),
        street=("615 S New Ballas Rd",),
        city="St. Louis",
        state="MO",
        postal_code="63141",
        country="US",
    ),
    bill_to=Address(
        name="Mercy Health Accounts Payable",
        address_id="MH-AP",
        street=("14528 South Outer 40 Rd", "Suite 100"),
        city="Chesterfield",
        state="MO",
        postal_code="63017",
        country="US",
    ),
    shipping_method="FedEx Ground",
    shipping_amount=Decimal("38.50"),
    tax_amount=Decimal("96.14"),
    discount_amount=Decimal("10.00"),
    total_amount=Decimal("1493.87"),
    payment=Payment("net_terms", net_days=30, terms="Net 30"),
    lines=(
        OrderLine(
            1,
            Decimal("10"),
            "BX",
            unit_price=Decimal("24.95"),
            buyer_part_id="MH-004417",
            supplier_part_id="00731-NTR-M",
            description="Nitrile exam gloves, medium, powder-free, 100/box",
        ),
        OrderLine(
            2,
            Decimal("4"),
            "CS",
            unit_price=Decimal("52.10"),
            buyer_part_id="MH-000982",
            supplier_part_id="PPR-LTR-CS",
            description="Copy paper, letter, 10 reams",
        ),
        OrderLine(
            3,
            Decimal("1.5"),
            "EA",
            unit_price=Decimal("519.99"),
            supplier_part_id="0027-U2723QE",
            description="27-inch 4K monitor",
        ),
    ),
)
CREDENTIALS = Credentials(
    from_domain="DUNS",
    from_identity="069420113",
    to_domain="NetworkID",
    to_identity="AN01000457712",
    sender_domain="DUNS",
    sender_identity="069420113",
    shared_secret="wq7-Lx2p-Ha91",
)
SHIPPED_AT = datetime(2026, 3, 17, 15, 40, tzinfo=PACIFIC)


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


def ship(app, order_number, lines=None, **details):
    values = {"carrier": "FedEx", "tracking_number": "794658012374", **details}
    return app.bus.execute(commands.RecordShipment(order_number, lines=lines, **values), STAFF)


def invoice(app, order_number, shipped_only=False, **values):
    return app.bus.execute(commands.CreateInvoice(order_number, shipped_only, **values), STAFF)


def ship_partly(app, order_number):
    """Six of line 1 and one and a half of line 3, by FedEx Ground in two packages."""
    return ship(
        app,
        order_number,
        {1: Decimal("6"), 3: Decimal("1.5")},
        carrier_code="FDEG",
        service="FedEx Ground",
        shipped_at=SHIPPED_AT,
        delivery_date=date(2026, 3, 20),
        packages=2,
        weight=Decimal("18.4"),
    )


def quantities(app, order_number, name):
    return [Decimal(line[name]) for line in order_detail(app.engine, order_number)["lines"]]


def test_a_partial_then_a_full_shipment_moves_the_order_to_shipped(app, order_number):
    first = ship_partly(app, order_number)
    assert order_detail(app.engine, order_number)["status"] == "partially_shipped"
    assert quantities(app, order_number, "shipped_quantity") == [6, 0, Decimal("1.5")]
    second = ship(app, order_number, tracking_number="794658012385")
    assert (first, second) == ("SH0000001", "SH0000002")
    assert order_detail(app.engine, order_number)["status"] == "shipped"
    assert quantities(app, order_number, "shipped_quantity") == [10, 4, Decimal("1.5")]
    detail = shipment_detail(app.engine, second)
    assert [(line["line_number"], line["quantity"]) for line in detail["lines"]] == [
        (1, "4"),
        (2, "4"),
    ]
    assert detail["order_number"] == order_number and detail["lines"][0]["unit_of_measure"] == "BX"
    listed = list_shipments(app.engine, order_number=order_number)
    assert [s["number"] for s in listed] == [second, first]
    assert listed[1]["carrier_code"] == "FDEG" and listed[1]["packages"] == 2


@pytest.mark.parametrize(
    ("lines", "details", "message"),
    [
        ({1: Decimal("11")}, {}, "line 1: 11 BX to ship but only 10 BX open"),
        ({9: Decimal("1")}, {}, "has no line 9"),
        ({2: Decimal("0")}, {}, "must be a positive number"),
        ({2: Decimal("NaN")}, {}, "must be a positive number"),
        ({}, {}, "names no lines"),
        (None, {"tracking_number": " "}, "needs a tracking number"),
        (None, {"carrier_code": "fedex"}, "is not a SCAC"),
        (None, {"shipped_at": datetime(2026, 3, 17, 15, 40)}, "needs a UTC offset"),
        (
            None,
            {"shipped_at": SHIPPED_AT, "delivery_date": date(2026, 3, 16)},
            "before the shipping date",
        ),
        (None, {"weight_unit": "STONE"}, "weight unit 'STONE'"),
    ],
)
def test_a_refused_shipment_changes_nothing(app, order_number, lines, details, message):
    with pytest.raises(ShipmentRefused, match=message):
        ship(app, order_number, lines, **details)
    assert order_detail(app.engine, order_number)["status"] == "new"
    assert quantities(app, order_number, "shipped_quantity") == [0, 0, 0]
    assert list_shipments(app.engine) == []
    with app.engine.connect() as connection:
        assert connection.execute(select(tables.history.c.doc_type)).scalars().all() == ["order"]


def test_over_shipping_after_a_partial_shipment_is_refused(app, order_number):
    ship(app, order_number, {2: Decimal("3")})
    with pytest.raises(ShipmentRefused, match="2 CS to ship but only 1 CS open"):
        ship(app, order_number, {2: Decimal("2")})
    assert quantities(app, order_number, "shipped_quantity") == [0, 3, 0]


def test_shipping_a_cancelled_order_or_a_removed_line_is_refused(app, order_number):
    app.bus.execute(commands.IngestOrder(_update(lines=ORDER.lines[:2])))
    with pytest.raises(ShipmentRefused, match="line 3 was removed"):
        ship(app, order_number, {3: Decimal("1")})
    ship(app, order_number)
    assert order_detail(app.engine, order_number)["status"] == "shipped"
    _, other = app.bus.execute(commands.IngestOrder(_other_order("PO-0048214")))
    app.bus.execute(commands.IngestOrder(_cancel("PO-0048214")))
    with pytest.raises(ShipmentRefused, match=f"order {other} is cancelled"):
        ship(app, other)
    with pytest.raises(NotFound, match="no order SO9999999"):
        ship(app, "SO9999999")


def test_invoice_the_shipped_quantities_then_the_rest(app, order_number):
    ship(app, order_number, {1: Decimal("6"), 2: Decimal("4")})
    first = invoice(app, order_number, shipped_only=True, comments="Partial shipment SH0000001")
    detail = invoice_detail(app.engine, first)
    assert first == "INV0000001" and detail["state"] == "issued"
    billed = [(line["line_number"], line["quantity"], line["amount"]) for line in detail["lines"]]
    assert billed == [(1, "6", "149.70"), (2, "4", "208.40")]
    assert (detail["shipping_amount"], detail["tax_amount"], detail["discount_amount"]) == (
        "38.50",
        "96.14",
        "10.00",
    )
    assert (detail["subtotal"], detail["total"]) == ("358.10", "482.74")
    assert detail["bill_to"]["postal_code"] == "63017" and detail["net_days"] == 30
    with pytest.raises(NothingToInvoice, match="nothing shipped and not yet invoiced"):
        invoice(app, order_number, shipped_only=True)
    assert order_detail(app.engine, order_number)["status"] == "partially_shipped"

    second = invoice(app, order_number)
    detail = invoice_detail(app.engine, second)
    assert second == "INV0000002"
    assert [(line["line_number"], line["quantity"]) for line in detail["lines"]] == [
        (1, "4"),
        (3, "1.5"),
    ]
    assert (detail["shipping_amount"], detail["tax_amount"], detail["discount_amount"]) == (
        "0",
        "0",
        "0",
    )
    assert detail["total"] == "879.785"
    assert quantities(app, order_number, "invoiced_quantity") == [10, 4, Decimal("1.5")]
    assert order_detail(app.engine, order_number)["status"] == "invoiced"
    with pytest.raises(NothingToInvoice, match="nothing left to invoice"):
        invoice(app, order_number)
    listed = list_invoices(app.engine, order=order_number)
    assert [(i["number"], i["total"]) for i in listed] == [(second, "879.785"), (first, "482.74")]


def test_an_order_invoiced_before_it_ships_stays_invoiced(app, order_number):
    invoice(app, order_number, comments="Prepaid")
    assert order_detail(app.engine, order_number)["status"] == "invoiced"
    ship(app, order_number, {2: Decimal("1")})
    assert order_detail(app.engine, order_number)["status"] == "invoiced"
    assert quantities(app, order_number, "shipped_quantity") == [0, 1, 0]


def test_an_unpriced_line_cannot_be_invoiced(app):
    unpriced = OrderLine(1, Decimal("2"), "EA", supplier_part_id="00412-BK")
    _, number = app.bus.execute(commands.IngestOrder(_other_order("PO-0048301", (unpriced,))))
    with pytest.raises(InvoiceRefused, match=f"order {number} line 1 has no unit price"):
        invoice(app, number)
    assert list_invoices(app.engine) == []


def test_numbers_run_on_without_a_gap_after_refused_commands(app, order_number):
    assert ship(app, order_number, {1: Decimal("1")}) == "SH0000001"
    with pytest.raises(ShipmentRefused):
        ship(app, order_number, {1: Decimal("100")})
    with pytest.raises(ShipmentRefused):
        ship(app, order_number, carrier_code="123")
    assert ship(app, order_number, {1: Decimal("1")}) == "SH0000002"
    assert invoice(app, order_number, shipped_only=True) == "INV0000001"
    with pytest.raises(NothingToInvoice):
        invoice(app, order_number, shipped_only=True)
    with pytest.raises(InvoiceRefused):
        invoice(app, order_number, invoice_date=datetime(2026, 3, 18))
    assert invoice(app, order_number) == "INV0000002"


def test_history_records_the_documents_and_the_order_status_change(app, order_number):
    number = ship(app, order_number, {1: Decimal("6")})
    shipment_history = shipment_detail(app.engine, number)["history"]
    assert [(h["entity"], h["action"]) for h in shipment_history] == [
        ("shipment", "create"),
        ("shipment_line", "create"),
    ]
    created = shipment_history[0]
    assert (created["actor_kind"], created["actor"]) == ("staff", "mkowalski")
    assert created["changes"]["tracking_number"] == {"old": None, "new": "794658012374"}
    assert shipment_history[1]["changes"]["quantity"] == {"old": None, "new": "6"}

    order_history = order_detail(app.engine, order_number)["history"]
    updates = [h for h in order_history if h["action"] == "update"]
    assert {h["entity"] for h in updates} == {"order", "order_line"}
    status_change = next(h for h in updates if h["entity"] == "order")
    assert status_change["changes"]["status"] == {"old": "new", "new": "partially_shipped"}
    line_change = next(h for h in order_history if h["entity"] == "order_line")
    assert line_change["changes"]["shipped_quantity"] == {"old": "0", "new": "6"}

    invoiced = invoice(app, order_number)
    invoice_history = invoice_detail(app.engine, invoiced)["history"]
    assert [h["entity"] for h in invoice_history] == ["invoice", *["invoice_line"] * 3]
    assert invoice_history[0]["changes"]["number"] == {"old": None, "new": invoiced}
    last = order_detail(app.engine, order_number)["history"]
    statuses = [h["changes"]["status"] for h in last if "status" in h["changes"]]
    assert statuses[-1] == {"old": "partially_shipped", "new": "invoiced"}


@pytest.mark.parametrize("table", ["shipments", "shipment_lines", "invoices", "invoice_lines"])
def test_shipments_and_invoices_are_never_deleted(app, order_number, table):
    ship(app, order_number)
    invoice(app, order_number)
    with pytest.raises(Exception, match="never deleted"), app.engine.begin() as connection:
        connection.execute(delete(tables.metadata.tables[table]))


def test_the_unit_of_work_refuses_to_delete_a_shipment_or_an_invoice(app, order_number):
    shipped, invoiced = ship(app, order_number), invoice(app, order_number)
    with app.uow_factory(STAFF) as uow:
        uow.session.delete(uow.shipments.get(shipped))
        with pytest.raises(DeletionRefused, match="shipment records are archived"):
            uow.commit()
    with app.uow_factory(STAFF) as uow:
        uow.session.delete(uow.invoices.get(invoiced))
        with pytest.raises(DeletionRefused, match="invoice records are archived"):
            uow.commit()


def test_the_documents_render_as_valid_cxml(app, order_number):
    shipped = ship_partly(app, order_number)
    invoiced = invoice(app, order_number, shipped_only=True)
    with app.uow_factory(STAFF) as uow:
        order = uow.orders.get(order_number)
        notice = uow.shipments.get(shipped).to_ship_notice(order.to_canonical(), order.number)
        billed = uow.invoices.get(invoiced).to_canonical(order.to_canonical(), order.number)
        assert [s.number for s in uow.shipments.for_order(order_number)] == [shipped]
        assert [i.number for i in uow.invoices.for_order(order_number)] == [invoiced]
    assert notice.lines[1].unit_of_measure == "EA" and notice.weight == Decimal("18.4")
    assert notice.shipped_at == SHIPPED_AT and notice.shipped_at.tzinfo is not None
    assert billed.total == Decimal("1054.325") and billed.bill_to.street[1] == "Suite 100"

    now = datetime(2026, 3, 17, 23, 0, tzinfo=UTC)
    raw = render_ship_notice(notice, CREDENTIALS, payload_id="sn-1@orderb2b.test", timestamp=now)
    validate(raw)
    root = etree.fromstring(raw)
    assert root.find(".//ShipNoticeHeader").get("shipmentID") == shipped
    assert root.find(".//ShipNoticeHeader").get("fulfillmentType") == "partial"
    assert root.findtext(".//ShipmentIdentifier") == "794658012374"
    assert [i.get("quantity") for i in root.iter("ShipNoticeItem")] == ["6", "1.5"]

    raw = render_invoice(billed, CREDENTIALS, payload_id="inv-1@orderb2b.test", timestamp=now)
    validate(raw)
    root = etree.fromstring(raw)
    assert root.find(".//InvoiceDetailRequestHeader").get("invoiceID") == invoiced
    assert root.find(".//SupplierOrderInfo").get("orderID") == order_number
    assert root.findtext(".//DueAmount/Money") == "1054.325"


def _update(lines):
    return _changed(ORDER, "update", lines=lines, source_document_id="PO-0048213.8d2f@mh")


def _cancel(external_id: str):
    order = _other_order(external_id)
    return _changed(order, "cancel", source_document_id=f"{external_id}.cancel@mh")


def _changed(order: CanonicalOrder, kind: str, **values) -> CanonicalOrder:
    return replace(order, change_kind=kind, changes_order_ref=order.source_document_id, **values)


def _other_order(external_id: str, lines=None) -> CanonicalOrder:
    return replace(
        ORDER,
        external_order_id=external_id,
        source_document_id=f"{external_id}.1a@mercyhealth.example.org",
        lines=lines or ORDER.lines,
    )
