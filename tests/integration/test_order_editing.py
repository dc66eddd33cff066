"""Staff editing orders through /api/v1 (lines, prices, addresses, shipping), the
history those edits leave, the settings, and the order confirmation email event,
on both databases."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, select, update

from core import commands
from core.canonical import Address, CanonicalOrder, Contact, OrderLine
from core.handlers.orders import ingest_orders
from core.model.order_edits import PURCHASE_ORDERS_MAY_NEED_CHANGING
from core.ports import Actor
from core.storage import tables
from core.storage.queries import order_detail
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient

SYSTEM = Actor("system", "tests")
ORDER = CanonicalOrder(
    channel="cxml",
    partner="county-parks",
    external_order_id="CP-PO-88120",
    order_date=datetime(2026, 4, 2, 14, 5, tzinfo=UTC),
    currency="USD",
    buyer_organisation="Marin County Parks",
    buyer_contact=Contact("Dana Whitfield", "d.whitfield@marincounty.example.gov", None),
    ship_to=Address(
        name="Marin County Parks Maintenance Yard",
        street=("1 Lagoon Rd",),
        city="San Rafael",
        state="CA",
        postal_code="94903",
        country="US",
    ),
    shipping_method="FedEx Ground",
    shipping_amount=Decimal("18.00"),
    tax_amount=Decimal("41.60"),
    discount_amount=Decimal("10.00"),
    total_amount=Decimal("569.60"),
    lines=(
        OrderLine(
            1,
            Decimal("8"),
            "EA",
            unit_price=Decimal("45.00"),
            supplier_part_id="TRL-2207-GRN",
            description="Trail marker post, recycled plastic, green",
        ),
        OrderLine(
            2,
            Decimal("4"),
            "BX",
            unit_price=Decimal("40.00"),
            supplier_part_id="0033-ZIP-100",
            description="Heavy cable ties, box of 100",
        ),
    ),
)


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def clerk(api):
    return api.token("lortega", "salesperson")


def ingest(app, order: CanonicalOrder = ORDER) -> str:
    outcome, number = app.bus.execute(commands.IngestOrder(order))
    assert outcome == "created"
    return number


def outbox(app, routing_key: str) -> list[dict]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(tables.outbox.c.payload)
            .where(tables.outbox.c.routing_key == routing_key)
            .order_by(tables.outbox.c.id)
        ).scalars()
        return [json.loads(row) for row in rows]


def line(detail: dict, number: int) -> dict:
    return next(line for line in detail["lines"] if line["line_number"] == number)


def test_each_edit_through_the_api_changes_the_order_and_its_total(app, api, clerk):
    number = ingest(app)
    base = f"/api/v1/orders/{number}"

    status, answer = api.post(
        f"{base}/lines",
        clerk,
        {
            "quantity": "2",
            "unit_of_measure": "ea",
            "unit_price": "129.99",
            "supplier_part_id": "BNCH-6FT-CED",
            "description": "Park bench, 6 ft, cedar",
            "manufacturer_name": "Greenline Site Furnishings",
        },
    )
    assert status == 201
    assert (answer["line"], answer["changed"]) == (3, ["line_added"])
    # 8 x 45.00 + 4 x 40.00 + 2 x 129.99, plus shipping and tax, less the discount
    assert answer["totals"] == {
        "lines": "779.98",
        "shipping": "18.00",
        "tax": "41.60",
        "discount": "10.00",
        "total": "829.58",
        "unpriced_lines": [],
    }
    assert answer["currency"] == "USD" and answer["warning"] is None

    status, answer = api.post(f"{base}/lines/1", clerk, {"quantity": "10"})
    assert (status, answer["changed"], answer["totals"]["total"]) == (200, ["quantity"], "919.58")

    status, answer = api.post(
        f"{base}/lines/2",
        clerk,
        {"unit_price": "36.50", "price_reason": "matches the county's 2026 contract price"},
    )
    assert (status, answer["changed"], answer["totals"]["total"]) == (
        200,
        ["unit_price"],
        "905.58",
    )

    status, answer = api.post(f"{base}/lines/3/remove", clerk, {"reason": "buyer chose steel"})
    assert (status, answer["changed"], answer["totals"]["lines"]) == (
        200,
        ["line_removed"],
        "596.00",
    )

    new_address = {
        "name": "Marin County Parks, Stafford Lake",
        "street": ["3549 Novato Blvd"],
        "city": "Novato",
        "state": "CA",
        "postal_code": "94947",
        "country": "us",
    }
    status, answer = api.post(f"{base}/addresses", clerk, {"ship_to": new_address})
    assert (status, answer["changed"]) == (200, ["ship_to"])

    status, answer = api.post(
        f"{base}/shipping", clerk, {"shipping_method": "FedEx Freight", "shipping_amount": "95.00"}
    )
    assert (status, answer["changed"]) == (200, ["shipping_method", "shipping_amount"])
    assert answer["totals"]["total"] == "722.60"

    status, detail = api.get(base, clerk)
    assert detail["total_amount"] == "722.60"
    assert (detail["shipping_method"], detail["shipping_amount"]) == ("FedEx Freight", "95.00")
    assert detail["ship_to"]["city"] == "Novato" and detail["ship_to"]["country"] == "US"
    assert detail["ship_to"]["street"] == ["3549 Novato Blvd"]
    assert line(detail, 1)["quantity"] == "10"
    assert (line(detail, 2)["unit_price"], line(detail, 2)["price_override_reason"]) == (
        "36.50",
        "matches the county's 2026 contract price",
    )
    assert line(detail, 2)["price_overridden_by"] == "lortega"
    assert (line(detail, 3)["status"], line(detail, 3)["removal_reason"]) == (
        "removed",
        "buyer chose steel",
    )
    assert [(e["what"], e["line_number"]) for e in outbox(app, "order.edited")] == [
        ("line_added", 3),
        ("line_changed", 1),
        ("line_changed", 2),
        ("line_removed", 3),
        ("addresses_changed", None),
        ("shipping_changed", None),
    ]


def test_the_history_of_an_order_after_a_series_of_edits_lists_every_change_with_actor_and_old_new_values(  # noqa: E501
    app, api
):
    number = ingest(app)
    base = f"/api/v1/orders/{number}"
    alice, bram = api.token("alice", "salesperson"), api.token("bram", "sales_manager")
    api.post(f"{base}/lines/1", alice, {"quantity": "6"})
    api.post(f"{base}/lines/2", bram, {"unit_price": "38.00", "price_reason": "volume deal"})
    api.post(
        f"{base}/lines",
        alice,
        {"quantity": "1", "unit_price": "250.00", "supplier_part_id": "SIGN-KIOSK-3P"},
    )
    api.post(f"{base}/lines/3/remove", bram, {"reason": "out of budget"})
    api.post(f"{base}/shipping", alice, {"shipping_amount": "0"})
    api.post(f"{base}/addresses", bram, {"bill_to": {"name": "Marin County Auditor"}})

    history = order_detail(app.engine, number)["history"]
    assert history[0]["action"] == "create" and history[0]["actor"] == "orderb2b"
    edits = [
        [(entry["actor_kind"], entry["actor"], entry["entity"], entry["action"]) for entry in edit]
        for edit in by_edit(history[1:])
    ]
    changes = [[entry["changes"] for entry in edit] for edit in by_edit(history[1:])]
    alice_updates = [
        ("staff", "alice", "order", "update"),
        ("staff", "alice", "order_line", "update"),
    ]
    bram_updates = [("staff", "bram", "order", "update"), ("staff", "bram", "order_line", "update")]
    assert edits == [
        alice_updates,
        bram_updates,
        [("staff", "alice", "order", "update"), ("staff", "alice", "order_line", "create")],
        bram_updates,
        [("staff", "alice", "order", "update")],
        [("staff", "bram", "order", "update")],
    ]
    assert changes[0] == [
        {"total_amount": {"old": "569.60", "new": "479.60"}},
        {"quantity": {"old": "8", "new": "6"}},
    ]
    assert changes[1] == [
        {"total_amount": {"old": "479.60", "new": "471.60"}},
        {
            "unit_price": {"old": "40.00", "new": "38.00"},
            "price_override_reason": {"old": None, "new": "volume deal"},
            "price_overridden_by": {"old": None, "new": "bram"},
        },
    ]
    total, added = changes[2]
    assert total == {"total_amount": {"old": "471.60", "new": "721.60"}}
    assert {name: added[name] for name in ("line_number", "quantity", "unit_price")} == {
        "line_number": {"old": None, "new": 3},
        "quantity": {"old": None, "new": "1"},
        "unit_price": {"old": None, "new": "250.00"},
    }
    assert changes[3] == [
        {"total_amount": {"old": "721.60", "new": "471.60"}},
        {
            "status": {"old": "open", "new": "removed"},
            "removal_reason": {"old": None, "new": "out of budget"},
        },
    ]
    assert changes[4] == [
        {
            "shipping_amount": {"old": "18.00", "new": "0"},
            "total_amount": {"old": "471.60", "new": "453.60"},
        }
    ]
    (bill_to,) = changes[5]
    assert bill_to["bill_to"]["old"] is None
    assert bill_to["bill_to"]["new"]["name"] == "Marin County Auditor"


def by_edit(history: list[dict]) -> list[list[dict]]:
    """History rows grouped by the edit (the commit) that wrote them, the order's
    own row before its lines'."""
    edits: dict[str, list[dict]] = {}
    for entry in history:
        edits.setdefault(entry["at"], []).append(entry)
    return [sorted(rows, key=lambda e: (e["entity"], e["entity_id"])) for rows in edits.values()]


def snapshot(app, number: str) -> tuple:
    """Everything an edit could change: the order, its history and the outbox."""
    detail = order_detail(app.engine, number)
    with app.engine.connect() as connection:
        messages = connection.execute(select(tables.outbox.c.id)).scalars().all()
    return detail, messages


EDITS = (
    ("lines", {"quantity": "1", "unit_price": "5.00", "description": "Trail map holder"}),
    ("lines/1", {"quantity": "9"}),
    ("lines/2", {"unit_price": "1.00", "price_reason": "goodwill"}),
    ("lines/2/remove", {}),
    ("addresses", {"ship_to": {"name": "Elsewhere"}}),
    ("shipping", {"shipping_amount": "1.00"}),
)


@pytest.mark.parametrize("state", ["shipped", "cancelled", "partially_shipped", "closed"])
def test_edits_are_refused_once_the_order_is_past_editing_and_change_nothing(
    app, api, clerk, state
):
    number = ingest(app)
    if state == "cancelled":
        app.bus.execute(commands.ChangeOrderStatus(number, "cancel", "duplicate"), SYSTEM)
    else:
        lines = {1: Decimal(3)} if state == "partially_shipped" else None
        app.bus.execute(commands.RecordShipment(number, "FedEx", "7946580123", lines))
    if state == "closed":
        app.bus.execute(commands.ChangeOrderStatus(number, "close"), SYSTEM)
    before = snapshot(app, number)
    assert before[0]["status"] == state
    for path, body in EDITS:
        status, problem = api.post(f"/api/v1/orders/{number}/{path}", clerk, body)
        assert status == 409, path
        assert f"is {state}" in problem["detail"] and "can be edited" in problem["detail"]
    assert snapshot(app, number) == before


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("lines/2", {"unit_price": "30.00"}, "a price set by hand needs a reason"),
        ("lines/2", {"unit_price": "30.00", "price_reason": "  "}, "needs a reason"),
        ("lines/1", {"quantity": "0"}, "the quantity must be a positive number"),
        ("lines/1", {}, "nothing to change"),
        ("lines/7", {"quantity": "1"}, "has no line 7"),
        ("lines", {"quantity": "1", "unit_price": "-2"}, "the unit price must be 0 or more"),
        ("lines", {"quantity": "1", "unit_price": "2"}, "a part number or a description"),
        ("addresses", {}, "no address given"),
        ("addresses", {"ship_to": {"name": "Yard", "planet": "Mars"}}, "unknown field(s) planet"),
        ("addresses", {"ship_to": {"name": "Yard", "country": "USA"}}, "two-letter ISO code"),
        ("addresses", {"bill_to": {"city": "Novato"}}, "at least a name or a street"),
        ("shipping", {}, "give a method, an amount or both"),
        ("shipping", {"shipping_amount": "-5"}, "the amount must be 0 or more"),
    ],
)
def test_an_edit_that_cannot_be_made_is_refused_and_changes_nothing(
    app, api, clerk, path, body, message
):
    number = ingest(app)
    before = snapshot(app, number)
    status, problem = api.post(f"/api/v1/orders/{number}/{path}", clerk, body)
    assert status == 409 and message in problem["detail"]
    assert snapshot(app, number) == before


def test_malformed_edit_requests_are_answered_400(app, api, clerk):
    number = ingest(app)
    base = f"/api/v1/orders/{number}"
    for path, body in (
        ("lines", {"quantity": "two", "unit_price": "1"}),
        ("lines/x", {"quantity": "1"}),
        ("lines/1", {"quantity": 1.5}),
        ("lines/1", {"description": 7}),
        ("addresses", {"ship_to": "1 Lagoon Rd"}),
    ):
        status, _ = api.post(f"{base}/{path}", clerk, body)
        assert status == 400, (path, body)
    assert api.post("/api/v1/orders/SO9999999/lines/1", clerk, {"quantity": "1"})[0] == 404
    warehouse = api.token("pkowalski", "warehouse")
    assert api.post(f"{base}/lines/1", warehouse, {"quantity": "1"})[0] == 403


def test_a_quantity_cannot_go_below_what_has_shipped_or_been_invoiced(app, api, clerk):
    number = ingest(app)
    app.bus.execute(commands.RecordShipment(number, "UPS", "1Z999AA10123456784", {1: Decimal(5)}))
    app.bus.execute(commands.CreateInvoice(number, shipped_only=True))
    app.bus.execute(commands.ChangeOrderStatus(number, "hold", "buyer wants fewer"), SYSTEM)
    base = f"/api/v1/orders/{number}"
    before = snapshot(app, number)
    status, problem = api.post(f"{base}/lines/1", clerk, {"quantity": "4"})
    assert status == 409 and "5 EA already shipped or invoiced" in problem["detail"]
    status, problem = api.post(f"{base}/lines/1/remove", clerk, {})
    assert status == 409 and "has shipped or been invoiced" in problem["detail"]
    assert snapshot(app, number) == before
    status, answer = api.post(f"{base}/lines/1", clerk, {"quantity": "5"})
    assert status == 200 and answer["changed"] == ["quantity"]
    status, answer = api.post(f"{base}/lines/2/remove", clerk, {})
    assert status == 200
    # Nothing is left to ship: released, the order is shipped, and can be closed.
    status, answer = api.post(f"/api/v1/orders/{number}/status", clerk, {"action": "release"})
    assert (answer["previous_status"], answer["status"]) == ("on_hold", "shipped")
    status, answer = api.post(f"/api/v1/orders/{number}/status", clerk, {"action": "close"})
    assert answer["status"] == "closed"


def test_edits_keep_backorders_within_the_line(app, api, clerk):
    number = ingest(app)
    app.bus.execute(commands.BackorderLine(number, 1, Decimal(6)), SYSTEM)
    app.bus.execute(commands.BackorderLine(number, 2, Decimal(4)), SYSTEM)
    assert order_detail(app.engine, number)["status"] == "backordered"
    base = f"/api/v1/orders/{number}"
    assert api.post(f"{base}/lines/1", clerk, {"quantity": "3"})[0] == 200
    assert line(order_detail(app.engine, number), 1)["backordered_quantity"] == "3"
    assert api.post(f"{base}/lines/2/remove", clerk, {})[0] == 200
    assert api.post(f"{base}/lines/1/remove", clerk, {})[0] == 200
    detail = order_detail(app.engine, number)
    assert [line["backordered_quantity"] for line in detail["lines"]] == ["0", "0"]
    assert detail["status"] == "in_progress"


def test_an_edit_after_purchase_orders_were_sent_flags_the_order(app, api, clerk):
    number = ingest(app)
    with app.engine.begin() as connection:
        connection.execute(
            update(tables.orders)
            .where(tables.orders.c.number == number)
            .values(purchase_orders_sent=True)
        )
    status, answer = api.post(f"/api/v1/orders/{number}/lines/1", clerk, {"quantity": "12"})
    assert status == 200
    assert answer["purchase_orders_may_need_changing"] is True
    assert answer["warning"] == PURCHASE_ORDERS_MAY_NEED_CHANGING
    detail = order_detail(app.engine, number)
    assert detail["needs_attention"] is True
    assert detail["attention_reason"] == PURCHASE_ORDERS_MAY_NEED_CHANGING
    assert outbox(app, "order.flagged") == [
        {"order_number": number, "reason": PURCHASE_ORDERS_MAY_NEED_CHANGING}
    ]
    api.post(f"/api/v1/orders/{number}/shipping", clerk, {"shipping_amount": "25"})
    assert order_detail(app.engine, number)["attention_reason"] == (
        PURCHASE_ORDERS_MAY_NEED_CHANGING
    )


def test_a_person_limited_to_their_teams_customers_cannot_touch_other_orders(app, api):
    number = ingest(app)  # no customer: outside every limited scope
    shipment = app.bus.execute(commands.RecordShipment(number, "UPS", "1Z9", {1: Decimal(1)}))
    invoice = app.bus.execute(commands.CreateInvoice(number, shipped_only=True))
    admin, limited = api.token("mgarcia", "administrator"), api.token("tnguyen", "salesperson")
    app.bus.execute(commands.AddSalesTeam("north", "North"), SYSTEM)
    app.bus.execute(commands.JoinTeam("north", "tnguyen"), SYSTEM)
    base = f"/api/v1/orders/{number}"
    before = snapshot(app, number)
    for path, body in (*EDITS, ("comments", {"body": "Called them"})):
        status, problem = api.post(f"{base}/{path}", limited, body)
        assert (status, problem["detail"]) == (404, f"no order {number}"), path
    assert api.post(f"{base}/confirmation-email", limited)[0] == 404
    for path, unknown in (
        (f"{base}/comments", f"order {number}"),
        (f"{base}/print/order?format=html", f"order {number}"),
        (f"{base}/print/pick-list", f"order {number}"),
        (f"/api/v1/shipments/{shipment}/packing-slip", f"shipment {shipment}"),
        (f"/api/v1/invoices/{invoice}/print", f"invoice {invoice}"),
    ):
        status, problem = api.get(path, limited)
        assert (status, problem["detail"]) == (404, f"no {unknown}"), path
    assert snapshot(app, number) == before
    assert api.get(f"{base}/print/pick-list?format=html", admin)[0] == 200
    assert api.post(f"{base}/comments", admin, {"body": "Called them"})[0] == 201


def test_settings_are_listed_changed_checked_and_kept_with_history(app, api):
    admin = api.token("mgarcia", "administrator")
    status, listing = api.get("/api/v1/settings", admin)
    assert status == 200
    values = {s["key"]: (s["value"], s["default"], s["kind"]) for s in listing["settings"]}
    assert values["orders.confirmation_email"] == (False, False, "true or false")
    assert values["cart.auto_invoice"] == (False, False, "true or false")
    assert values["quotes.valid_days"] == (30, 30, "a whole number")
    assert values["company.name"][2] == "text"

    status, detail = api.post("/api/v1/settings/quotes.valid_days", admin, {"value": 45})
    assert (status, detail["value"], detail["updated_by"]) == (200, 45, "mgarcia")
    status, detail = api.post("/api/v1/settings/quotes.valid_days", admin, {"value": 60})
    for value in ("60", True, 0, None):
        status, _ = api.post("/api/v1/settings/quotes.valid_days", admin, {"value": value})
        assert status == 400, value
    assert api.post("/api/v1/settings/quotes.valid_days", admin, {})[0] == 400
    assert api.post("/api/v1/settings/no.such.thing", admin, {"value": 1})[0] == 404
    status, detail = api.get("/api/v1/settings/quotes.valid_days", admin)
    assert detail["value"] == 60
    changes = [(e["action"], e["actor"], e["changes"]["value"]) for e in detail["history"]]
    assert changes == [
        ("create", "mgarcia", {"old": None, "new": 45}),
        ("update", "mgarcia", {"old": 45, "new": 60}),
    ]
    salesperson = api.token("tnguyen", "salesperson")
    assert api.get("/api/v1/settings", salesperson)[0] == 403
    assert api.post("/api/v1/settings/quotes.valid_days", salesperson, {"value": 7})[0] == 403


def test_new_orders_ask_for_a_confirmation_email_only_when_the_setting_is_on(app, api):
    admin = api.token("mgarcia", "administrator")
    ingest(app, replace(ORDER, external_order_id="CP-PO-1"))
    assert outbox(app, "order.confirmation_requested") == []

    assert api.post("/api/v1/settings/orders.confirmation_email", admin, {"value": True})[0] == 200
    no_email = replace(ORDER, external_order_id="CP-PO-3", buyer_contact=Contact("Sam Lee"))
    batch = [
        commands.IngestOrder(replace(ORDER, external_order_id="CP-PO-2")),
        commands.IngestOrder(no_email),
        commands.IngestOrder(replace(ORDER, external_order_id="CP-PO-1")),  # a duplicate
    ]
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(app.engine, "before_cursor_execute", listen)
    try:
        with app.uow_factory() as uow:
            results = ingest_orders(batch, uow)
            uow.commit()
    finally:
        event.remove(app.engine, "before_cursor_execute", listen)
    assert [outcome for outcome, _ in results] == ["created", "created", "duplicate"]
    assert sum("FROM settings" in statement for statement in statements) == 1
    assert outbox(app, "order.confirmation_requested") == [
        {
            "order_number": results[0][1],
            "email": "d.whitfield@marincounty.example.gov",
            "customer_name": "Marin County Parks",
            "contact_name": "Dana Whitfield",
            "asked_by_staff": False,
        }
    ]

    statements.clear()
    event.listen(app.engine, "before_cursor_execute", listen)
    try:
        with app.uow_factory() as uow:
            assert ingest_orders(batch[:1], uow)[0][0] == "duplicate"
            uow.commit()
    finally:
        event.remove(app.engine, "before_cursor_execute", listen)
    assert not any("FROM settings" in statement for statement in statements)


def test_staff_ask_for_the_confirmation_email_by_hand(app, api, clerk):
    number = ingest(app)
    status, answer = api.post(f"/api/v1/orders/{number}/confirmation-email", clerk)
    assert (status, answer) == (
        202,
        {"number": number, "email": "d.whitfield@marincounty.example.gov"},
    )
    [asked] = outbox(app, "order.confirmation_requested")
    assert (asked["order_number"], asked["asked_by_staff"]) == (number, True)
    silent = ingest(
        app, replace(ORDER, external_order_id="CP-PO-9", buyer_contact=Contact("Sam Lee"))
    )
    status, problem = api.post(f"/api/v1/orders/{silent}/confirmation-email", clerk)
    assert status == 409 and "has no buyer email" in problem["detail"]
    assert api.post("/api/v1/orders/SO9999999/confirmation-email", clerk)[0] == 404


def test_a_line_added_without_a_price_is_priced_by_the_rules_for_the_customer(app, api, clerk):
    setup = Actor("staff", "mgarcia")
    values = {"partner_code": ORDER.partner, "discount_percent": "10"}
    app.bus.execute(commands.AddCustomer("PARKS", "County Parks", values), setup)
    fields = {"list_price": "80.00", "cost": "50.00", "manufacturer_name": "Brother"}
    app.bus.execute(commands.AddProduct("TN436BK", "Toner, black, high yield", fields), setup)
    number = ingest(app)
    path = f"/api/v1/orders/{number}/lines"
    status, answer = api.post(path, clerk, {"quantity": "2", "supplier_part_id": "TN436BK"})
    assert status == 201, answer
    status, detail = api.get(f"/api/v1/orders/{number}", clerk)
    added = line(detail, answer["line"])
    assert (added["supplier_part_id"], added["unit_price"]) == ("TN436BK", "72.00"), "list - 10%"
    status, problem = api.post(path, clerk, {"quantity": "1"})
    assert status == 409 and "our part number" in problem["detail"]
    status, problem = api.post(path, clerk, {"quantity": "1", "supplier_part_id": "NOPE"})
    assert status == 404 and "NOPE" in problem["detail"]
