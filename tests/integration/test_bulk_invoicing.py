"""Bulk invoicing (M-73): every order ready for it invoiced at once, customer by
customer by each one's rule; safe to run twice; a failed batch leaves no half
invoice and no number used; concurrent runs never invoice an order twice; the
report and the API, on both databases (concurrency on PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import func, select

from core import commands
from core.canonical import Address, CanonicalOrder, OrderLine, Payment
from core.errors import NotFound
from core.handlers.bulk_invoicing import HELD
from core.ports import Actor
from core.storage import billing, tables
from core.storage.invoice_queries import counter_values, invoice_detail, list_invoices
from core.storage.queries import order_detail
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient

STAFF = Actor("staff", "accounts")
SYSTEM = Actor("system", "tests")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def canonical(partner: str, external_id: str) -> CanonicalOrder:
    """Two lines: 2 EA at 10.00 and 3 EA at 5.00; shipping 4.00 and tax 2.00."""
    return CanonicalOrder(
        channel="cxml",
        partner=partner,
        external_order_id=external_id,
        order_date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        currency="USD",
        source_document_id=f"{external_id}@{partner}.example.gov",
        bill_to=Address(name=f"{partner} accounts payable", city="Raleigh", country="US"),
        shipping_amount=Decimal("4.00"),
        tax_amount=Decimal("2.00"),
        payment=Payment("net_terms", net_days=30),
        lines=(
            OrderLine(1, Decimal("2"), "EA", unit_price=Decimal("10.00"), supplier_part_id="A-1"),
            OrderLine(2, Decimal("3"), "EA", unit_price=Decimal("5.00"), supplier_part_id="B-2"),
        ),
    )


def run(app, command):
    return app.bus.execute(command, STAFF)


def new_order(app, partner: str, external_id: str, shipped: str = "all") -> str:
    """An order shipped in full ("all"), in part ("part": line 1) or not ("none")."""
    _, number = app.bus.execute(commands.IngestOrder(canonical(partner, external_id)))
    if shipped != "none":
        lines = {1: Decimal("2")} if shipped == "part" else None
        run(app, commands.RecordShipment(number, "UPS", f"1Z{external_id}", lines))
    return number


@pytest.fixture
def orders(app) -> dict[str, str]:
    """Customers with each kind of rule, and their orders in each state."""
    run(app, commands.AddCustomerGroup("gov", "Government"))
    for code, partner, group in (
        ("ACME", "p-acme", None),
        ("BETA", "p-beta", "gov"),
        ("DELTA", "p-delta", None),
        ("GAMMA", "p-gamma", None),
    ):
        run(app, commands.AddCustomer(code, code.title(), {"partner_code": partner}, group))
    run(app, commands.SetInvoicingRule("shipped", customer="ACME", series="ACM"))
    run(app, commands.SetInvoicingRule("complete", group="gov"))
    run(app, commands.SetInvoicingRule("manual", customer="GAMMA"))
    made = {
        "A1": new_order(app, "p-acme", "A1"),
        "A2": new_order(app, "p-acme", "A2", "part"),
        "A3": new_order(app, "p-acme", "A3", "none"),
        "B1": new_order(app, "p-beta", "B1"),
        "B2": new_order(app, "p-beta", "B2", "part"),
        "D1": new_order(app, "p-delta", "D1"),
        "D2": new_order(app, "p-delta", "D2", "part"),
        "G1": new_order(app, "p-gamma", "G1"),
        "N1": new_order(app, "p-none", "N1"),
    }
    run(app, commands.ChangeOrderStatus(made["D2"], "hold", "Awaiting credit approval"))
    return made


def bulk(app, **options):
    return run(app, commands.InvoiceReadyOrders(**options))


def invoices_of(app, order_number: str) -> list[str]:
    return [i["number"] for i in list_invoices(app.engine, order=order_number)]


def invoiced(app, order_number: str) -> list[str]:
    return [x["invoiced_quantity"] for x in order_detail(app.engine, order_number)["lines"]]


def outbox(app, routing_key: str) -> list[dict]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(tables.outbox.c.payload)
            .where(tables.outbox.c.routing_key == routing_key)
            .order_by(tables.outbox.c.id)
        ).scalars()
        return [json.loads(row) for row in rows]


def count(app, table, *conditions) -> int:
    with app.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table).where(*conditions))


SKIPPED = [
    ("B2", "BETA", "not all of it has shipped (rule complete)"),
    ("D2", "DELTA", "on hold: Awaiting credit approval"),
    ("G1", "GAMMA", "the customer is invoiced by hand (rule manual)"),
]


def skipped(report, orders) -> list[tuple]:
    names = {number: name for name, number in orders.items()}
    return [(names[s.order_number], s.customer, s.reason) for s in report.skipped]


def test_bulk_invoices_every_ready_order_by_its_customers_rule(app, orders):
    seen = []
    report = bulk(app, batch_size=3, progress=seen.append)
    assert report.as_dict()["stopped"] is None
    assert (report.considered, report.invoices, len(report.skipped)) == (8, 5, 3)
    assert skipped(report, orders) == SKIPPED
    assert [(p.done, p.total, p.invoices) for p in seen] == [(3, 8, 3), (6, 8, 4), (8, 8, 5)]
    summary = report.as_dict()
    assert summary["series"] == {
        "ACM": {"count": 2, "first": "ACM0000001", "last": "ACM0000002"},
        "INV": {"count": 3, "first": "INV0000001", "last": "INV0000003"},
    }
    assert summary["totals"] == {"USD": "190.00"}
    assert [
        (c["customer"], c["orders"], c["skipped"], c["totals"]) for c in summary["customers"]
    ] == [
        ("(no customer)", 1, 0, {"USD": "41.00"}),
        ("ACME", 2, 0, {"USD": "67.00"}),
        ("BETA", 1, 1, {"USD": "41.00"}),
        ("DELTA", 1, 1, {"USD": "41.00"}),
        ("GAMMA", 0, 1, {}),
    ]
    assert {name: invoices_of(app, number) for name, number in orders.items()} == {
        "A1": ["ACM0000001"],
        "A2": ["ACM0000002"],
        "A3": [],
        "B1": ["INV0000001"],
        "B2": [],
        "D1": ["INV0000002"],
        "D2": [],
        "G1": [],
        "N1": ["INV0000003"],
    }
    statuses = {name: order_detail(app.engine, n)["status"] for name, n in orders.items()}
    assert statuses == {
        "A1": "invoiced",
        "A2": "partially_shipped",
        "A3": "new",
        "B1": "invoiced",
        "B2": "partially_shipped",
        "D1": "invoiced",
        "D2": "on_hold",
        "G1": "shipped",
        "N1": "invoiced",
    }
    assert invoiced(app, orders["A2"]) == ["2", "0"]
    part = invoice_detail(app.engine, "ACM0000002")
    assert (part["origin"], part["state"], part["total"], part["shipping_amount"]) == (
        "bulk",
        "issued",
        "26.00",
        "4.00",
    )
    assert [(x["line_number"], x["quantity"], x["amount"]) for x in part["lines"]] == [
        (1, "2", "20.00")
    ]
    assert part["bill_to"]["name"] == "p-acme accounts payable" and part["net_days"] == 30
    created = datetime.fromisoformat(part["invoice_date"]).date()
    assert (datetime.fromisoformat(part["due_date"]).date() - created).days == 30
    assert [(e["invoice_number"], e["total"]) for e in outbox(app, "invoice.created")] == [
        ("ACM0000001", "41.00"),
        ("ACM0000002", "26.00"),
        ("INV0000001", "41.00"),
        ("INV0000002", "41.00"),
        ("INV0000003", "41.00"),
    ]


def test_bulk_invoicing_leaves_the_same_history_as_invoicing_one_by_one(app, orders):
    bulk(app)
    history = invoice_detail(app.engine, "ACM0000002")["history"]
    assert [(h["entity"], h["action"], h["actor"]) for h in history] == [
        ("invoice", "create", "accounts")
    ]
    changes = history[0]["changes"]
    assert changes["number"] == {"old": None, "new": "ACM0000002"}
    assert changes["origin"] == {"old": None, "new": "bulk"}
    assert [line["quantity"] for line in changes["lines"]["new"]] == ["2"]
    order_history = order_detail(app.engine, orders["A1"])["history"]
    updates = [(h["entity"], h["changes"]) for h in order_history if h["actor"] == "accounts"]
    line_updates = [
        c for entity, c in updates if entity == "order_line" and "invoiced_quantity" in c
    ]
    assert line_updates == [
        {"invoiced_quantity": {"old": "0", "new": "2"}},
        {"invoiced_quantity": {"old": "0", "new": "3"}},
    ]
    assert ("order", {"status": {"old": "shipped", "new": "invoiced"}}) in updates


def test_a_second_run_finds_nothing_ready_and_a_later_shipment_is_billed_alone(app, orders):
    bulk(app)
    before = count(app, tables.invoices)
    again = bulk(app)
    assert (again.invoices, skipped(again, orders)) == (0, SKIPPED)
    assert count(app, tables.invoices) == before
    run(app, commands.RecordShipment(orders["A2"], "UPS", "1Z-A2-2"))
    third = bulk(app, customers=("ACME",))
    assert (third.considered, third.invoices, third.skipped) == (1, 1, [])
    rest = invoice_detail(app.engine, "ACM0000003")
    assert [(x["line_number"], x["quantity"]) for x in rest["lines"]] == [(2, "3")]
    assert (rest["shipping_amount"], rest["total"]) == ("0", "15.00")  # billed on the first
    assert order_detail(app.engine, orders["A2"])["status"] == "invoiced"


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(app, orders):
    report = bulk(app, dry_run=True, batch_size=2)
    assert (report.dry_run, report.invoices, skipped(report, orders)) == (True, 5, SKIPPED)
    assert report.as_dict()["series"] == {} and report.as_dict()["totals"] == {"USD": "190.00"}
    assert count(app, tables.invoices) == 0 and counter_values(app.engine) == {}
    assert outbox(app, "invoice.created") == []
    assert bulk(app).invoices == 5


def test_customers_named_limit_the_run_and_an_unknown_one_is_refused(app, orders):
    report = bulk(app, customers=("BETA", "GAMMA"))
    assert (report.considered, report.invoices) == (3, 1)
    assert invoices_of(app, orders["B1"]) == ["INV0000001"]
    with pytest.raises(NotFound, match="no customer NOPE"):
        bulk(app, customers=("NOPE",))
    run(app, commands.ChangeSetting("invoices.bulk_rule", "shipped"))
    report = bulk(app, customers=("DELTA",), series="DLT")
    assert [p.order_number for p in report.skipped] == [orders["D2"]]  # held still
    assert invoices_of(app, orders["D1"]) == ["DLT0000001"]
    bulk(app, customers=("ACME",), series="XYZ")  # the command's series before the rule's
    assert invoices_of(app, orders["A2"]) == ["XYZ0000002"]


def failing_insert(fail_when):
    """insert_rows as storage has it, failing (like a full disk) for the invoice
    lines `fail_when` picks: after the batch's invoices were written."""
    original = billing.insert_rows

    def insert_rows(connection, table, rows):
        if table is tables.invoice_lines and fail_when(rows):
            raise RuntimeError("could not extend file: No space left on device")
        return original(connection, table, rows)

    return insert_rows


def test_a_failed_batch_leaves_no_half_invoice_and_no_number_used(app, orders, monkeypatch):
    monkeypatch.setattr(billing, "insert_rows", failing_insert(lambda rows: True))
    report = bulk(app, batch_size=4)
    assert report.invoices == 0
    assert report.stopped.startswith("nothing of a batch could be written: not invoiced: Runtime")
    reasons = [s.reason.split(":")[0] for s in report.skipped]  # the first batch: A1, A2, B1, B2
    assert reasons == [
        "not invoiced",
        "not invoiced",
        "not invoiced",
        "not all of it has shipped (rule complete)",
    ]
    assert count(app, tables.invoices) == count(app, tables.invoice_lines) == 0
    assert count(app, tables.history, tables.history.c.doc_type == "invoice") == 0
    assert counter_values(app.engine) == {}
    assert outbox(app, "invoice.created") == []
    assert invoiced(app, orders["A1"]) == ["0", "0"]
    assert order_detail(app.engine, orders["A1"])["status"] == "shipped"
    monkeypatch.undo()
    assert bulk(app).as_dict()["series"]["INV"]["first"] == "INV0000001"
    assert invoices_of(app, orders["A1"]) == ["ACM0000001"]


def test_an_order_that_fails_alone_is_skipped_and_the_others_are_invoiced(app, orders, monkeypatch):
    a2_lines = _line_ids(app, orders["A2"])
    fail = failing_insert(lambda rows: any(r["order_line_id"] in a2_lines for r in rows))
    monkeypatch.setattr(billing, "insert_rows", fail)
    report = bulk(app, batch_size=3)
    assert report.stopped is None
    assert next((s.order_number, s.reason[:27]) for s in report.skipped) == (
        orders["A2"],
        "not invoiced: RuntimeError:",
    )
    assert invoices_of(app, orders["A2"]) == [] and invoiced(app, orders["A2"]) == ["0", "0"]
    assert report.as_dict()["series"] == {
        "ACM": {"count": 1, "first": "ACM0000001", "last": "ACM0000001"},
        "INV": {"count": 3, "first": "INV0000001", "last": "INV0000003"},
    }
    with app.engine.connect() as connection:
        empty = connection.execute(
            select(func.count()).where(
                ~select(tables.invoice_lines.c.id)
                .where(tables.invoice_lines.c.invoice_id == tables.invoices.c.id)
                .exists()
            )
        ).scalar()
    assert empty == 0  # no invoice without its lines


def _line_ids(app, order_number: str) -> set[int]:
    with app.engine.connect() as connection:
        return set(
            connection.execute(
                select(tables.order_lines.c.id)
                .join(tables.orders, tables.orders.c.id == tables.order_lines.c.order_id)
                .where(tables.orders.c.number == order_number)
            ).scalars()
        )


@pytest.fixture
def pg_app(pg_url, data_dir):
    app = bootstrap(Config(database_url=pg_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def test_an_order_another_transaction_holds_is_skipped_until_it_is_free(pg_app, pg_url):
    app = pg_app
    run(app, commands.AddCustomer("ACME", "Acme", {"partner_code": "p-acme"}))
    first, second = new_order(app, "p-acme", "H1"), new_order(app, "p-acme", "H2")
    with psycopg.connect(pg_url) as other:
        other.execute("SELECT id FROM orders WHERE number = %s FOR UPDATE", (first,))
        report = bulk(app)
        assert [(s.order_number, s.reason) for s in report.skipped] == [(first, HELD)]
        assert invoices_of(app, second) == ["INV0000001"]
    assert invoices_of(app, first) == []
    assert bulk(app).invoices == 1
    assert invoices_of(app, first) == ["INV0000002"]


def test_concurrent_runs_never_invoice_an_order_twice(pg_app):
    app = pg_app
    run(app, commands.AddCustomer("ACME", "Acme", {"partner_code": "p-acme"}))
    run(app, commands.AddCustomer("BETA", "Beta", {"partner_code": "p-beta"}))
    run(app, commands.SetInvoicingRule("shipped", customer="BETA", series="BET"))
    numbers = [new_order(app, ("p-acme", "p-beta")[n % 2], f"C{n}") for n in range(40)]
    start = threading.Barrier(3)
    reports, errors = [], []

    def invoice_all():
        try:
            start.wait(timeout=30)
            reports.append(bulk(app, batch_size=3))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=invoice_all) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(r.invoices for r in reports) == 40
    assert all(r.stopped is None for r in reports)
    for reason in {s.reason for r in reports for s in r.skipped}:
        assert reason == HELD
    made = list_invoices(app.engine, limit=100)
    assert sorted(i["order_number"] for i in made) == sorted(numbers)  # each once
    assert sorted(i["number"] for i in made) == sorted(
        [f"INV{n:07d}" for n in range(1, 21)] + [f"BET{n:07d}" for n in range(1, 21)]
    )
    assert counter_values(app.engine) == {"INV": 20, "BET": 20}
    assert all(invoiced(app, number) == ["2", "3"] for number in numbers)


def test_bulk_invoicing_and_rules_through_the_api(app, orders):
    api = ApiClient(app)
    clerk = api.token("jokafor", "accounting")
    status, answer = api.post("/api/v1/invoicing-rules", clerk, {"rule": "shipped", "group": "gov"})
    assert status == 200 and answer["changed"] is True
    status, rules = api.get("/api/v1/invoicing-rules", clerk)
    assert rules["default"] == "complete"
    assert [(r["customer"], r["group"], r["rule"], r["series"]) for r in rules["rules"]] == [
        ("ACME", None, "shipped", "ACM"),
        ("GAMMA", None, "manual", None),
        (None, "gov", "shipped", None),
    ]
    status, problem = api.post(
        "/api/v1/invoicing-rules", clerk, {"rule": "weekly", "customer": "ACME"}
    )
    assert status == 409 and "is not one of shipped, complete, manual" in problem["detail"]
    status, dry = api.post("/api/v1/invoices/bulk", clerk, {"dry_run": True})
    assert (status, dry["dry_run"], dry["invoices"], dry["skipped"]) == (200, True, 6, 2)
    status, done = api.post("/api/v1/invoices/bulk", clerk, {"customers": ["BETA"]})
    assert (done["invoices"], done["series"]["INV"]["first"]) == (2, "INV0000001")
    assert done["customers"][0]["totals"] == {"USD": "67.00"}
    status, problem = api.post("/api/v1/invoices/bulk", clerk, {"customers": ["NOPE"]})
    assert (status, problem["detail"]) == (404, "no customer NOPE")
    salesperson = api.token("tnguyen", "salesperson")
    status, problem = api.post("/api/v1/invoices/bulk", salesperson, {})
    assert status == 403 and "invoices.bulk" in problem["detail"]
