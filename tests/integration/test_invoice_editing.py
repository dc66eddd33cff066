"""Invoices after they are made (M-71, M-72): editing an unsent invoice with the
order's invoiced quantities following, history of every change, sent invoices
refusing edits, credit notes in their own series, series chosen per command or by
setting, uploaded invoices kept with their PDF, and the /api/v1 routes, on both
databases."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import func, select

from adapters.cxml.dtd import validate
from adapters.cxml.outbound import render_invoice
from core import commands
from core.errors import NotFound
from core.model.attachments import MAX_BYTES, AttachmentRefused, AttachmentTooLarge
from core.model.invoices import InvoiceEditRefused, InvoiceRefused
from core.ports import Actor
from core.storage import tables
from core.storage.invoice_queries import invoice_detail, list_invoices
from core.storage.queries import order_detail
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.delivery import InProcessDelivery
from tests.api_client import ApiClient
from tests.conftest import FIXTURES
from tests.integration.test_shipments_invoices import CREDENTIALS, ORDER

STAFF = Actor("staff", "mkowalski")
SYSTEM = Actor("system", "tests")
EASTERN = timezone(timedelta(hours=-4))
INVOICED_AT = datetime(2026, 3, 18, 9, 0, tzinfo=EASTERN)
PDF_FILE = FIXTURES / "invoices" / "AR-2026-00417.pdf"


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def order_number(app):
    app.bus.execute(
        commands.AddCustomer("MERCY", "Mercy Health", {"partner_code": "mercy-health"}), SYSTEM
    )
    outcome, number = app.bus.execute(commands.IngestOrder(ORDER))
    assert outcome == "created"
    return number


def run(app, command):
    return app.bus.execute(command, STAFF)


def invoice_all(app, order_number, **options) -> str:
    options.setdefault("invoice_date", INVOICED_AT)
    return run(app, commands.InvoiceOrder(order_number, **options))


def ship_all(app, order_number) -> None:
    run(app, commands.RecordShipment(order_number, "FedEx", "794658012374"))


def invoiced(app, order_number) -> list[Decimal]:
    return [
        Decimal(x["invoiced_quantity"]) for x in order_detail(app.engine, order_number)["lines"]
    ]


def status(app, order_number) -> str:
    return order_detail(app.engine, order_number)["status"]


def lines_of(detail) -> list[tuple]:
    return [
        (x["line_number"], x["quantity"], x["unit_price"], x["status"]) for x in detail["lines"]
    ]


def outbox(app, routing_key: str) -> list[dict]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(tables.outbox.c.payload)
            .where(tables.outbox.c.routing_key == routing_key)
            .order_by(tables.outbox.c.id)
        ).scalars()
        return [json.loads(row) for row in rows]


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table))


def test_an_unsent_invoice_is_edited_and_the_order_follows(app, order_number):
    number = invoice_all(app, order_number)
    assert (number, status(app, order_number)) == ("INV0000001", "invoiced")
    assert invoice_detail(app.engine, number)["total"] == "1362.525"

    assert run(app, commands.ChangeInvoiceLine(number, 1, quantity=Decimal("6"))) == ["quantity"]
    assert invoiced(app, order_number) == [6, 4, Decimal("1.5")]
    assert status(app, order_number) == "in_progress"  # nothing shipped, no longer all billed
    changed = run(
        app,
        commands.ChangeInvoiceLine(
            number, 2, unit_price=Decimal("50.00"), description="Copy paper (contract price)"
        ),
    )
    assert changed == ["unit_price", "description"]
    run(app, commands.ChangeInvoiceLine(number, 3, remove=True))
    assert invoiced(app, order_number) == [6, 4, 0]
    assert run(app, commands.AddInvoiceLine(number, Decimal("1"), order_line=3)) == 3
    fee = commands.AddInvoiceLine(
        number, Decimal("1"), unit_price=Decimal("25"), description="Expedited handling"
    )
    assert run(app, fee) == 4
    assert invoiced(app, order_number) == [6, 4, 1]

    detail = invoice_detail(app.engine, number)
    assert lines_of(detail) == [
        (1, "6", "24.95", "active"),
        (2, "4", "50.00", "active"),
        (3, "1", "519.99", "active"),
        (4, "1", "25", "active"),
    ]
    assert detail["lines"][1]["description"] == "Copy paper (contract price)"
    assert (detail["subtotal"], detail["total"]) == ("894.69", "1019.33")

    run(app, commands.ChangeInvoiceLine(number, 1, quantity=Decimal("10")))
    run(app, commands.ChangeInvoiceLine(number, 3, quantity=Decimal("1.5")))
    assert (invoiced(app, order_number), status(app, order_number)) == (
        [10, 4, Decimal("1.5")],
        "invoiced",
    )
    new_address = {
        "name": "Mercy Health AP",
        "street": ["PO Box 4100"],
        "city": "Chesterfield",
        "state": "MO",
        "postal_code": "63006",
        "country": "US",
    }
    changed = run(
        app, commands.ChangeInvoice(number, bill_to=new_address, due_date=date(2026, 5, 1))
    )
    assert changed == ["bill_to", "due_date"]
    detail = invoice_detail(app.engine, number)
    assert detail["bill_to"] == new_address and detail["due_date"] == "2026-05-01"
    assert run(app, commands.ChangeInvoice(number, bill_to=new_address)) == []
    events = outbox(app, "invoice.changed")
    assert [e["changed"] for e in events] == [
        ["quantity"],
        ["unit_price", "description"],
        ["lines"],
        ["lines"],
        ["lines"],
        ["quantity"],
        ["quantity"],
        ["bill_to", "due_date"],
    ]
    assert events[-1] == {
        "invoice_number": number,
        "order_number": order_number,
        "changed": ["bill_to", "due_date"],
        "total": "1379.125",
    }


def test_every_edit_is_in_the_history_with_who_and_before_and_after(app, order_number):
    number = invoice_all(app, order_number)
    run(app, commands.ChangeInvoiceLine(number, 1, quantity=Decimal("6"), unit_price=Decimal("23")))
    run(app, commands.ChangeInvoiceLine(number, 2, remove=True))
    run(app, commands.ChangeInvoice(number, comments="Gloves short-shipped"))
    history = invoice_detail(app.engine, number)["history"]
    updates = [(h["entity"], h["changes"]) for h in history if h["action"] == "update"]
    assert updates == [
        (
            "invoice_line",
            {"quantity": {"old": "10", "new": "6"}, "unit_price": {"old": "24.95", "new": "23"}},
        ),
        (
            "invoice_line",
            {"quantity": {"old": "4", "new": "0"}, "status": {"old": "active", "new": "removed"}},
        ),
        ("invoice", {"comments": {"old": None, "new": "Gloves short-shipped"}}),
    ]
    assert {(h["actor_kind"], h["actor"]) for h in history} == {("staff", "mkowalski")}
    order_history = order_detail(app.engine, order_number)["history"]
    line_changes = [
        h["changes"]["invoiced_quantity"]
        for h in order_history
        if h["entity"] == "order_line" and "invoiced_quantity" in h["changes"]
    ]
    assert line_changes[-2:] == [{"old": "10", "new": "6"}, {"old": "4", "new": "0"}]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            commands.ChangeInvoiceLine("{n}", 1, quantity=Decimal("11")),
            "line 1: 11 BX would be invoiced but only 10 BX were ordered",
        ),
        (commands.ChangeInvoiceLine("{n}", 1, quantity=Decimal("0")), "must be a positive number"),
        (commands.ChangeInvoiceLine("{n}", 1, quantity=Decimal("NaN")), "must be a positive"),
        (commands.ChangeInvoiceLine("{n}", 1, unit_price=Decimal("-1")), "0 or more"),
        (commands.ChangeInvoiceLine("{n}", 9, quantity=Decimal("1")), "has no line 9"),
        (commands.AddInvoiceLine("{n}", Decimal("1"), order_line=2), "bills order line 2 already"),
        (commands.AddInvoiceLine("{n}", Decimal("1"), order_line=7), "has no line 7"),
        (commands.AddInvoiceLine("{n}", Decimal("1"), description="Fee"), "needs a unit price"),
        (commands.AddInvoiceLine("{n}", Decimal("1"), unit_price=Decimal(5)), "a description"),
        (commands.ChangeInvoice("{n}", bill_to={"name": "AP", "planet": "Mars"}), "planet"),
        (commands.ChangeInvoice("{n}", bill_to={"city": "Chesterfield"}), "needs a name"),
        (commands.ChangeInvoice("{n}", due_date=date(2026, 3, 1)), "before the invoice date"),
    ],
)
def test_an_edit_that_cannot_be_made_changes_nothing(app, order_number, command, message):
    number = invoice_all(app, order_number)
    before = (invoice_detail(app.engine, number), invoiced(app, order_number))
    with pytest.raises(InvoiceEditRefused, match=message):
        run(app, replace(command, number=number))
    assert (invoice_detail(app.engine, number), invoiced(app, order_number)) == before
    assert outbox(app, "invoice.changed") == []


def test_the_last_line_cannot_be_removed_and_unknown_invoices_are_not_found(app, order_number):
    ship = commands.RecordShipment(order_number, "FedEx", "7946", {2: Decimal("4")})
    run(app, ship)
    number = invoice_all(app, order_number, shipped_only=True)
    with pytest.raises(InvoiceEditRefused, match="last line of invoice INV0000001; credit"):
        run(app, commands.ChangeInvoiceLine(number, 2, remove=True))
    with pytest.raises(NotFound, match="no invoice INV0000099"):
        run(app, commands.ChangeInvoiceLine("INV0000099", 2, quantity=Decimal(1)))


def test_a_sent_invoice_refuses_edits_and_points_to_credit_notes(app, order_number):
    number = invoice_all(app, order_number)
    sent_at = datetime(2026, 3, 20, 16, 30, tzinfo=UTC)
    mark = commands.MarkInvoiceSent(number, "email", "ap@mercyhealth.example.org", sent_at)
    assert run(app, mark) is True
    assert run(app, mark) is False
    before = invoice_detail(app.engine, number)
    assert (before["state"], before["sent_via"], before["sent_to"]) == (
        "sent",
        "email",
        "ap@mercyhealth.example.org",
    )
    for edit in (
        commands.ChangeInvoiceLine(number, 1, quantity=Decimal("6")),
        commands.ChangeInvoiceLine(number, 2, remove=True),
        commands.AddInvoiceLine(number, Decimal("1"), unit_price=Decimal(5), description="Fee"),
        commands.ChangeInvoice(number, comments="changed"),
    ):
        with pytest.raises(InvoiceEditRefused) as refused:
            run(app, edit)
        assert str(refused.value) == (
            f"invoice {number} was sent to the customer on 2026-03-20 and cannot be changed;"
            f" correct it with a credit note (orderb2b invoices credit {number}) and a new invoice"
        )
    assert invoice_detail(app.engine, number) == before
    assert [e["via"] for e in outbox(app, "invoice.sent")] == ["email"]


def test_credit_notes_credit_lines_then_the_rest_in_their_own_series(app, order_number):
    ship_all(app, order_number)
    number = invoice_all(app, order_number)
    assert status(app, order_number) == "invoiced"
    run(app, commands.MarkInvoiceSent(number, "email"))

    partial = commands.CreditInvoice(number, {1: Decimal("2"), 3: Decimal("0.5")}, "Damaged")
    first = run(app, partial)
    note = invoice_detail(app.engine, first)
    assert (first, note["purpose"], note["credits"], note["series"]) == (
        "CN0000001",
        "credit",
        number,
        "CN",
    )
    assert lines_of(note) == [(1, "2", "24.95", "active"), (3, "0.5", "519.99", "active")]
    assert (note["total"], note["shipping_amount"], note["comments"]) == ("309.895", "0", "Damaged")
    assert invoiced(app, order_number) == [8, 4, 1]
    assert status(app, order_number) == "shipped"

    with pytest.raises(InvoiceEditRefused, match="line 1: 9 BX to credit but only 8 BX left"):
        run(app, commands.CreditInvoice(number, {1: Decimal("9")}))
    with pytest.raises(InvoiceEditRefused, match="has no line 7"):
        run(app, commands.CreditInvoice(number, {7: Decimal("1")}))
    with pytest.raises(InvoiceEditRefused, match="CN0000001 is a credit note"):
        run(app, commands.CreditInvoice(first))
    with pytest.raises(InvoiceEditRefused, match="credit note CN0000001 cannot be edited"):
        run(app, commands.ChangeInvoiceLine(first, 1, quantity=Decimal("1")))

    second = run(app, commands.CreditInvoice(number, reason="Order cancelled by buyer"))
    note = invoice_detail(app.engine, second)
    assert second == "CN0000002"
    assert [(x["line_number"], x["quantity"]) for x in note["lines"]] == [
        (1, "8"),
        (2, "4"),
        (3, "1.0"),
    ]
    assert (note["shipping_amount"], note["tax_amount"], note["total"]) == (
        "38.50",
        "96.14",
        "1052.630",
    )
    assert invoiced(app, order_number) == [0, 0, 0]
    with pytest.raises(InvoiceEditRefused, match="has nothing left to credit"):
        run(app, commands.CreditInvoice(number))

    detail = invoice_detail(app.engine, number)
    assert [(n["number"], n["total"]) for n in detail["credit_notes"]] == [
        ("CN0000001", "309.895"),
        ("CN0000002", "1052.630"),
    ]
    assert [x["left_to_credit"] for x in detail["lines"]] == ["0", "0", "0.0"]
    assert [e["credit_note_number"] for e in outbox(app, "invoice.credited")] == [first, second]

    again = invoice_all(app, order_number)  # billed afresh, charges too: they were credited
    assert (again, invoice_detail(app.engine, again)["total"]) == ("INV0000002", "1362.525")

    with app.uow_factory(STAFF) as uow:
        order = uow.orders.get(order_number)
        credit = uow.invoices.get(first).to_canonical(order.to_canonical(), order.number)
    raw = render_invoice(
        credit, CREDENTIALS, payload_id="cn-1@orderb2b.test", timestamp=INVOICED_AT
    )
    validate(raw)
    root = etree.fromstring(raw)
    assert root.find(".//InvoiceDetailRequestHeader").get("purpose") == "creditMemo"
    assert root.findtext(".//DueAmount/Money") == "-309.895"


def test_series_come_from_the_command_or_the_setting_and_have_no_gaps(app, order_number):
    run(app, commands.RecordShipment(order_number, "UPS", "1Z1", {1: Decimal("2")}))
    assert invoice_all(app, order_number, shipped_only=True, series="GSA") == "GSA0000001"
    for bad in ("gsa", "TOOLONGSER", "1AB", ""):
        with pytest.raises(InvoiceRefused, match="must be 1 to 8 capital letters"):
            run(app, commands.InvoiceOrder(order_number, series=bad))
    run(app, commands.ChangeSetting("invoices.series", "B2B"))
    run(app, commands.RecordShipment(order_number, "UPS", "1Z2", {1: Decimal("2")}))
    assert invoice_all(app, order_number, shipped_only=True) == "B2B0000001"
    run(app, commands.RecordShipment(order_number, "UPS", "1Z3", {1: Decimal("2")}))
    assert run(app, commands.CreateInvoice(order_number, shipped_only=True)) == "B2B0000002"
    with pytest.raises(InvoiceRefused, match="nothing shipped and not yet invoiced"):
        run(app, commands.InvoiceOrder(order_number, shipped_only=True))
    run(app, commands.RecordShipment(order_number, "UPS", "1Z4", {1: Decimal("1")}))
    assert invoice_all(app, order_number, shipped_only=True) == "B2B0000003"
    run(app, commands.ChangeSetting("invoices.credit_series", "CR"))
    assert run(app, commands.CreditInvoice("B2B0000003")) == "CR0000001"
    assert run(app, commands.CreditInvoice("B2B0000002", series="CN")) == "CN0000001"
    with app.engine.connect() as connection:
        counters = dict(connection.execute(select(tables.counters)).all())
    assert {k: v for k, v in counters.items() if k.startswith("invoice:")} == {
        "invoice:GSA": 1,
        "invoice:B2B": 3,
        "invoice:CR": 1,
        "invoice:CN": 1,
    }


def test_an_uploaded_invoice_keeps_its_pdf_and_bills_the_order(app, order_number):
    pdf = PDF_FILE.read_bytes()
    upload = commands.UploadInvoice(
        order_number,
        pdf,
        filename="C:\\scans\\AR-2026-00417.pdf",
        number="AR-2026-00417",
        invoice_date=INVOICED_AT,
        total=Decimal("1362.53"),
    )
    assert run(app, upload) == "AR-2026-00417"
    detail = invoice_detail(app.engine, "AR-2026-00417")
    assert (detail["origin"], detail["series"], detail["state"]) == ("upload", "external", "issued")
    assert detail["invoice_date"].startswith("2026-03-18T13:00:00")
    assert detail["attachment"]["filename"] == "AR-2026-00417.pdf"
    assert detail["attachment"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert detail["attachment"]["size"] == len(pdf) and detail["attachment"]["created_by"] == (
        "mkowalski"
    )
    assert invoiced(app, order_number) == [10, 4, Decimal("1.5")]
    with app.uow_factory(STAFF) as uow:
        kept = uow.attachments.get(uow.invoices.get("AR-2026-00417").attachment_id)
    assert (kept.content, kept.owner_kind, kept.content_type) == (pdf, "invoice", "application/pdf")
    assert [e["invoice_number"] for e in outbox(app, "invoice.created")] == ["AR-2026-00417"]


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"total": Decimal("99.00")}, InvoiceRefused, "total 99.00 is not what order"),
        ({"number": "INV0000005"}, InvoiceRefused, "looks like one of series INV"),
        ({"number": "AR 17"}, InvoiceRefused, "must be 1 to 32 letters"),
        ({"content": b"<html>not a pdf</html>"}, AttachmentRefused, "is not a PDF"),
        ({"content": b""}, AttachmentRefused, "the file is empty"),
        ({"content": b"%PDF-1.7\n" + b"0" * MAX_BYTES}, AttachmentTooLarge, "at most 10485760"),
        ({"invoice_date": datetime(2026, 3, 18)}, InvoiceRefused, "needs a UTC offset"),
    ],
)
def test_an_upload_that_cannot_be_kept_changes_nothing(app, order_number, values, error, message):
    invoice_all(app, order_number, shipped_only=False, series="INV")
    run(app, commands.CreditInvoice("INV0000001"))  # the order is open to billing again
    before = (count(app, tables.invoices), count(app, tables.attachments))
    upload = commands.UploadInvoice(order_number, PDF_FILE.read_bytes(), "a.pdf", "AR-1")
    with pytest.raises(error, match=message):
        run(app, replace(upload, **values))
    assert (count(app, tables.invoices), count(app, tables.attachments)) == before
    assert invoiced(app, order_number) == [0, 0, 0]
    assert run(app, replace(upload, number=None)) == "INV0000002"  # the series had no gap


def test_an_invoice_number_is_taken_once(app, order_number):
    run(app, commands.RecordShipment(order_number, "UPS", "1Z1", {1: Decimal("2")}))
    upload = commands.UploadInvoice(
        order_number, PDF_FILE.read_bytes(), "a.pdf", "AR-1", shipped_only=True
    )
    run(app, upload)
    run(app, commands.RecordShipment(order_number, "UPS", "1Z2", {1: Decimal("2")}))
    with pytest.raises(InvoiceRefused, match="invoice number AR-1 is taken"):
        run(app, upload)


def test_an_invoice_queued_for_the_buyer_counts_as_sent(app, order_number):
    number = invoice_all(app, order_number)
    other = run(app, commands.CreditInvoice(number, {1: Decimal("1")}))
    for kind, reference in (("invoice", number), ("ship_notice", other)):
        queued = commands.QueueOutbound(
            "mercy-health", "cxml", kind, reference, f"{reference}-1", "text/xml", b"<cXML/>", None
        )
        app.bus.execute(queued, STAFF)
    InProcessDelivery(app.bus, app.engine, app.config).drain(timeout=20)
    assert invoice_detail(app.engine, number)["state"] == "sent"
    assert invoice_detail(app.engine, number)["sent_via"] == "outbound:mercy-health"
    assert invoice_detail(app.engine, other)["state"] == "issued"
    assert [e["invoice_number"] for e in outbox(app, "invoice.sent")] == [number]


# /api/v1


@pytest.fixture
def api(app):
    return ApiClient(app)


def test_the_api_makes_lists_shows_edits_credits_and_downloads_invoices(app, api, order_number):
    clerk = api.token("jokafor", "accounting")
    made = {"order": order_number, "invoice_date": "2026-03-18T09:00:00-04:00", "series": "GSA"}
    status_code, created = api.post("/api/v1/invoices", clerk, made)
    assert (status_code, created["number"], created["total"]) == (201, "GSA0000001", "1362.525")
    assert created["customer"] == {"code": "MERCY", "name": "Mercy Health"}
    base = "/api/v1/invoices/GSA0000001"
    status_code, changed = api.post(f"{base}/lines/1", clerk, {"quantity": "6"})
    assert (status_code, changed["changed"], changed["total"]) == (200, ["quantity"], "1262.725")
    status_code, added = api.post(
        f"{base}/lines", clerk, {"quantity": "1", "unit_price": "25", "description": "Handling"}
    )
    assert (status_code, added["line"]) == (201, 4)
    status_code, removed = api.post(f"{base}/lines/4", clerk, {"remove": True})
    assert removed["lines"][-1]["status"] == "removed"
    status_code, changed = api.post(base, clerk, {"comments": "Short-shipped gloves"})
    assert (status_code, changed["changed"]) == (200, ["comments"])
    status_code, sent = api.post(f"{base}/sent", clerk, {"via": "email", "sent_to": "ap@m.org"})
    assert (status_code, sent["marked"], sent["state"]) == (200, True, "sent")
    status_code, problem = api.post(f"{base}/lines/1", clerk, {"quantity": "5"})
    assert status_code == 409 and "credit note" in problem["detail"]
    status_code, note = api.post(
        f"{base}/credit-notes", clerk, {"lines": [{"line": 2, "quantity": "1"}], "reason": "Torn"}
    )
    assert (status_code, note["number"], note["credits"], note["total"]) == (
        201,
        "CN0000001",
        "GSA0000001",
        "52.10",
    )

    pdf = PDF_FILE.read_bytes()
    upload = {
        "order": order_number,
        "content_base64": base64.b64encode(pdf).decode(),
        "filename": "AR-2026-00417.pdf",
        "number": "AR-2026-00417",
        "invoice_date": "2026-03-19T10:00:00Z",
    }
    status_code, uploaded = api.post("/api/v1/invoices/upload", clerk, upload)
    assert (status_code, uploaded["origin"], uploaded["attachment"]["size"]) == (
        201,
        "upload",
        len(pdf),
    )
    status_code, raw = api.get("/api/v1/invoices/AR-2026-00417/attachment", clerk)
    assert (status_code, raw.media_type, raw.content, raw.filename) == (
        200,
        "application/pdf",
        pdf,
        "AR-2026-00417.pdf",
    )
    status_code, problem = api.get(f"{base}/attachment", clerk)
    assert status_code == 404 and "has no attachment" in problem["detail"]

    def numbers(query: str) -> list[str]:
        status_code, listing = api.get(f"/api/v1/invoices?{query}", clerk)
        assert status_code == 200, listing
        return [i["number"] for i in listing["invoices"]]

    assert numbers("") == ["AR-2026-00417", "CN0000001", "GSA0000001"]
    assert numbers("state=sent") == ["GSA0000001"]
    assert numbers("purpose=credit") == ["CN0000001"]
    assert numbers("series=GSA") == ["GSA0000001"]
    assert numbers("customer=MERCY&limit=2") == ["AR-2026-00417", "CN0000001"]
    assert numbers("customer=NOBODY") == []
    assert numbers("since=2026-03-19&until=2026-03-19") == ["AR-2026-00417"]
    assert numbers("until=2026-03-18") == ["GSA0000001"]
    assert numbers("text=ar-2026") == ["AR-2026-00417"]
    assert numbers("text=mercy health&after=CN0000001") == ["GSA0000001"]
    status_code, listing = api.get("/api/v1/invoices?limit=1", clerk)
    assert listing["next"] == "AR-2026-00417" and listing["invoices"][0]["has_attachment"]
    status_code, detail = api.get(base, clerk)
    assert [n["number"] for n in detail["credit_notes"]] == ["CN0000001"]
    assert detail["attachment"] is None and detail["sent_to"] == "ap@m.org"
    assert list_invoices(app.engine, purpose="credit")[0]["credits"] == "GSA0000001"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("", {"order": 7}, "order must be text"),
        ("", {"order": "{order}", "shipped_only": "yes"}, "shipped_only must be true or false"),
        ("", {"order": "{order}", "invoice_date": "2026-03-18"}, "needs a UTC offset"),
        ("/upload", {"order": "{order}"}, "content_base64"),
        ("/upload", {"order": "{order}", "content_base64": "%%%"}, "is not base64"),
        ("/INV0000001/lines/x", {"quantity": "1"}, "is not a line number"),
        ("/INV0000001/lines/1", {"quantity": 1.5}, "decimal number given as text"),
        ("/INV0000001/lines", {"quantity": "1", "order_line": "2"}, "order_line must be"),
        ("/INV0000001/credit-notes", {"lines": [{"line": 1}]}, "needs a quantity"),
        ("/INV0000001/credit-notes", {"lines": []}, "lines must be a list"),
        ("/INV0000001", {"bill_to": {"name": "AP", "zip": "1"}}, "unknown field(s) zip"),
        ("/INV0000001", {"due_date": "1 May"}, "due_date must be a date"),
        ("/bulk", {"customers": "MERCY"}, "customers must be a list"),
        ("/bulk", {"batch_size": 0}, "batch_size must be a whole number"),
    ],
)
def test_the_api_answers_400_to_a_body_it_cannot_use(app, api, order_number, path, body, message):
    admin = api.token("mgarcia", "administrator")
    invoice_all(app, order_number)
    body = {k: v.format(order=order_number) if isinstance(v, str) else v for k, v in body.items()}
    before = invoice_detail(app.engine, "INV0000001")
    status_code, problem = api.post(f"/api/v1/invoices{path}", admin, body)
    assert (status_code, problem["status"]) == (400, 400)
    assert message in problem["detail"]
    assert invoice_detail(app.engine, "INV0000001") == before


def test_an_upload_over_the_api_takes_a_pdf_up_to_its_route_limit(app, api, order_number):
    """The upload route takes bodies far over the 64 KiB of other routes (a 10 MiB PDF
    in base64); past its own limit the body is refused before anything is kept."""
    admin = api.token("mgarcia", "administrator")
    content = base64.b64encode(b"%PDF-1.7\n" + b"0" * 300_000).decode()
    status_code, made = api.post(
        "/api/v1/invoices/upload", admin, {"order": order_number, "content_base64": content}
    )
    assert status_code == 201, made
    assert count(app, tables.attachments) == 1
    body = (
        b'{"order": "'
        + order_number.encode()
        + b'", "content_base64": "'
        + b"A" * (14 * 1024 * 1024)
        + b'"}'
    )
    status_code, problem = api.resource.answer(
        "POST", "/api/v1/invoices/upload", {}, admin, "127.0.0.1", body
    )
    assert (status_code, problem["title"]) == (413, "Content too large")
    assert count(app, tables.attachments) == 1


def test_people_see_and_change_only_the_invoices_they_may(app, api, order_number):
    number = invoice_all(app, order_number)
    salesperson = api.token("tnguyen", "salesperson")
    warehouse = api.token("bkim", "warehouse")
    app.bus.execute(commands.AddSalesTeam("north", "North"), SYSTEM)
    app.bus.execute(commands.JoinTeam("north", "tnguyen"), SYSTEM)
    status_code, problem = api.get(f"/api/v1/invoices/{number}", salesperson)
    assert (status_code, problem["detail"]) == (404, f"no invoice {number}")
    assert api.get("/api/v1/invoices", salesperson)[1]["invoices"] == []
    status_code, problem = api.post(f"/api/v1/invoices/{number}/sent", salesperson)
    assert (status_code, problem["status"]) == (403, 403)
    for path in ("", "/lines", "/credit-notes"):
        status_code, problem = api.post(f"/api/v1/invoices/{number}{path}", warehouse, {})
        assert status_code == 403 and "invoices.manage" in problem["detail"]
    assert api.post("/api/v1/invoices/bulk", warehouse, {})[0] == 403
    assert invoice_detail(app.engine, number)["state"] == "issued"
