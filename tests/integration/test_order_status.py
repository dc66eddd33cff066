"""The order status workflow, backorders, and order lists with filters and counts,
on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from core import commands
from core.canonical import Address, CanonicalOrder, Contact, OrderLine
from core.errors import NotFound
from core.model.invoices import InvoiceRefused
from core.model.orders import TRANSITIONS, BackorderRefused, StatusChangeRefused, TransitionRefused
from core.model.shipments import ShipmentRefused
from core.ports import Actor
from core.storage import tables
from core.storage.queries import list_orders, order_counts, order_detail, order_filters
from hub.bootstrap import bootstrap
from hub.config import Config

STAFF = Actor("staff", "dfarrell")
ORDER = CanonicalOrder(
    channel="cxml",
    partner="lakeshore-schools",
    external_order_id="PO-2026-00417",
    order_date=datetime(2026, 3, 9, 8, 15, tzinfo=UTC),
    currency="USD",
    source_document_id="PO-2026-00417.3f9a@lakeshoreschools.example.org",
    buyer_organisation="Lakeshore Unified School District",
    buyer_contact=Contact("Renata Okafor", "r.okafor@lakeshoreschools.example.org", None),
    ship_to=Address(
        name="Lakeshore USD Central Warehouse",
        street=("2210 Harbor Point Dr",),
        city="Racine",
        state="WI",
        postal_code="53403",
        country="US",
    ),
    total_amount=Decimal("1184.40"),
    lines=(
        OrderLine(
            1,
            Decimal("12"),
            "CS",
            unit_price=Decimal("38.20"),
            supplier_part_id="00412-CPL-10",
            description="Copy paper, letter, 10 reams per case",
        ),
        OrderLine(
            2,
            Decimal("6"),
            "EA",
            unit_price=Decimal("121.00"),
            supplier_part_id="0098-LAM-A3",
            description="A3 pouch laminator",
        ),
    ),
)


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def ingest(app, order: CanonicalOrder = ORDER) -> str:
    outcome, number = app.bus.execute(commands.IngestOrder(order))
    assert outcome == "created"
    return number


def act(app, number: str, action: str, reason: str | None = None) -> tuple[str, str]:
    return app.bus.execute(commands.ChangeOrderStatus(number, action, reason), STAFF)


def backorder(app, number: str, line: int, quantity: str, expected: date | None = None):
    command = commands.BackorderLine(number, line, Decimal(quantity), expected)
    return app.bus.execute(command, STAFF)


def status(app, number: str) -> str:
    return order_detail(app.engine, number)["status"]


def status_history(app, number: str) -> list[tuple[str, str, str]]:
    return [
        (entry["actor"], entry["changes"]["status"]["old"], entry["changes"]["status"]["new"])
        for entry in order_detail(app.engine, number)["history"]
        if entry["action"] == "update" and "status" in entry["changes"]
    ]


def test_staff_take_an_order_through_the_workflow_with_history(app):
    number = ingest(app)
    assert act(app, number, "start") == ("new", "in_progress")
    assert act(app, number, "hold", "buyer disputes the laminator price") == (
        "in_progress",
        "on_hold",
    )
    detail = order_detail(app.engine, number)
    assert (detail["held_from"], detail["hold_reason"]) == (
        "in_progress",
        "buyer disputes the laminator price",
    )
    assert act(app, number, "release") == ("on_hold", "in_progress")
    detail = order_detail(app.engine, number)
    assert (detail["held_from"], detail["hold_reason"]) == (None, None)
    app.bus.execute(commands.RecordShipment(number, "UPS", "1Z4F83W20346618802", {1: Decimal(12)}))
    assert status(app, number) == "partially_shipped"
    assert act(app, number, "hold", "carrier claim open")[1] == "on_hold"
    assert act(app, number, "release") == ("on_hold", "partially_shipped")
    app.bus.execute(commands.RecordShipment(number, "UPS", "1Z4F83W20346618811"))
    app.bus.execute(commands.CreateInvoice(number))
    assert status(app, number) == "invoiced"
    assert act(app, number, "close") == ("invoiced", "closed")
    assert status_history(app, number) == [
        ("dfarrell", "new", "in_progress"),
        ("dfarrell", "in_progress", "on_hold"),
        ("dfarrell", "on_hold", "in_progress"),
        ("orderb2b", "in_progress", "partially_shipped"),
        ("dfarrell", "partially_shipped", "on_hold"),
        ("dfarrell", "on_hold", "partially_shipped"),
        ("orderb2b", "partially_shipped", "shipped"),
        ("orderb2b", "shipped", "invoiced"),
        ("dfarrell", "invoiced", "closed"),
    ]
    for _, old, new in status_history(app, number):
        assert new in TRANSITIONS[old]


def test_a_shipped_order_can_be_closed_without_an_invoice(app):
    number = ingest(app)
    app.bus.execute(commands.RecordShipment(number, "FedEx", "794658012345"))
    assert act(app, number, "close") == ("shipped", "closed")


@pytest.mark.parametrize("held_from", ["new", "in_progress", "backordered"])
def test_cancel_from_every_status_before_shipping(app, held_from):
    number = ingest(app)
    if held_from == "in_progress":
        act(app, number, "start")
    if held_from == "backordered":
        backorder(app, number, 2, "6")
    assert act(app, number, "cancel", "school board froze the budget") == (held_from, "cancelled")
    number = ingest(app, replace(ORDER, external_order_id=f"PO-2026-0{held_from}"))
    act(app, number, "hold", "credit check")
    assert act(app, number, "cancel") == ("on_hold", "cancelled")
    assert order_detail(app.engine, number)["held_from"] is None


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        ((), "close", "cannot go from new to closed"),
        ((), "release", "cannot go from new to the status it was held from"),
        (("start",), "start", "cannot go from in_progress to in_progress"),
        (("ship",), "cancel", "cannot go from partially_shipped to cancelled"),
        (("ship",), "start", "cannot go from partially_shipped to in_progress"),
        (("ship", "hold"), "cancel", "cannot go from on_hold to cancelled"),
        (("cancel",), "hold", "cannot go from cancelled to on_hold"),
        (("cancel",), "cancel", "cannot go from cancelled to cancelled"),
    ],
)
def test_a_refused_transition_names_from_and_to_and_changes_nothing(app, steps, action, message):
    number = ingest(app)
    for step in steps:
        if step == "ship":
            app.bus.execute(commands.RecordShipment(number, "UPS", "1Z999", {2: Decimal(1)}))
        else:
            act(app, number, step, "waiting on the buyer")
    before = order_detail(app.engine, number)
    with pytest.raises(TransitionRefused, match=message) as refused:
        act(app, number, action, "waiting on the buyer")
    assert number in str(refused.value)
    assert order_detail(app.engine, number) == before


def test_a_hold_needs_a_reason_and_an_unknown_order_or_action_is_refused(app):
    number = ingest(app)
    with pytest.raises(StatusChangeRefused, match="a hold needs a reason"):
        act(app, number, "hold", "  ")
    with pytest.raises(StatusChangeRefused, match="no action 'archive'"):
        act(app, number, "archive")
    with pytest.raises(NotFound, match="SO9999999"):
        act(app, "SO9999999", "start")
    assert status(app, number) == "new"


def test_a_backordered_line_backorders_the_order_until_it_is_cleared(app):
    number = ingest(app)
    act(app, number, "start")
    assert backorder(app, number, 2, "4", date(2026, 4, 20)) == ("in_progress", "backordered")
    line = order_detail(app.engine, number)["lines"][1]
    assert (line["backordered_quantity"], line["backorder_expected"]) == ("4", "2026-04-20")
    act(app, number, "hold", "awaiting laminator stock")
    assert backorder(app, number, 2, "0") == ("on_hold", "on_hold")
    assert act(app, number, "release") == ("on_hold", "in_progress")
    line = order_detail(app.engine, number)["lines"][1]
    assert (line["backordered_quantity"], line["backorder_expected"]) == ("0", None)
    backorder(app, number, 1, "12")
    assert act(app, number, "hold", "stock count")[0] == "backordered"
    assert act(app, number, "release") == ("on_hold", "backordered")
    app.bus.execute(commands.RecordShipment(number, "UPS", "1Z999", {2: Decimal(6)}))
    assert status(app, number) == "partially_shipped"


@pytest.mark.parametrize(
    ("line", "quantity", "message"),
    [
        (3, "1", "has no line 3"),
        (2, "7", "7 EA backordered but only 6 EA left to ship"),
        (2, "-1", "must be 0 or more"),
    ],
)
def test_a_backorder_beyond_the_open_quantity_is_refused(app, line, quantity, message):
    number = ingest(app)
    before = order_detail(app.engine, number)
    with pytest.raises(BackorderRefused, match=message):
        backorder(app, number, line, quantity)
    assert order_detail(app.engine, number) == before


def test_nothing_is_backordered_on_a_shipped_order(app):
    number = ingest(app)
    app.bus.execute(commands.RecordShipment(number, "UPS", "1Z999"))
    with pytest.raises(BackorderRefused, match="is shipped"):
        backorder(app, number, 1, "1")


def _order(n: int, partner: str, channel: str, buyer: str, total: str) -> CanonicalOrder:
    return replace(
        ORDER,
        channel=channel,
        partner=partner,
        external_order_id=f"PO-{n:05d}",
        source_document_id=f"PO-{n:05d}@{partner}.example.org",
        buyer_organisation=buyer,
        total_amount=Decimal(total),
    )


@pytest.fixture
def listed(app):
    """Twelve orders from three partners, received a day apart (oldest first)."""
    partners = (
        ("lakeshore-schools", "cxml", "Lakeshore Unified School District"),
        ("mercy-health", "x12", "Mercy Health Supply Chain"),
        ("ridgeway-county", "cxml", "Ridgeway County Facilities"),
    )
    numbers = []
    for n in range(12):
        partner, channel, buyer = partners[n % 3]
        numbers.append(ingest(app, _order(n, partner, channel, buyer, f"{(n + 1) * 95}.50")))
    start = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    with app.engine.begin() as connection:
        for day, number in enumerate(numbers):
            connection.execute(
                update(tables.orders)
                .where(tables.orders.c.number == number)
                .values(created_at=start + timedelta(days=day))
            )
    act(app, numbers[0], "start")
    act(app, numbers[1], "start")
    act(app, numbers[2], "hold", "credit check")
    act(app, numbers[3], "cancel")
    return numbers


def numbers_of(orders: list[dict]) -> list[str]:
    return [order["number"] for order in orders]


def test_lists_filter_by_status_channel_partner_dates_totals_and_text(app, listed):
    newest_first = listed[::-1]
    engine = app.engine
    assert numbers_of(list_orders(engine)) == newest_first
    assert numbers_of(list_orders(engine, status="in_progress")) == [listed[1], listed[0]]
    assert numbers_of(list_orders(engine, channel="x12")) == newest_first[1::3]
    assert numbers_of(list_orders(engine, partner="ridgeway-county")) == newest_first[0::3]
    window = order_filters({"since": "2026-03-03", "until": "2026-03-05"})
    assert numbers_of(list_orders(engine, **window)) == [listed[4], listed[3], listed[2]]
    totals = order_filters({"min_total": "285.5", "max_total": "1000"})
    # 285.50 (n=2) to 950.50 (n=9), compared as numbers, not as text.
    assert numbers_of(list_orders(engine, **totals)) == listed[9:1:-1]
    assert numbers_of(list_orders(engine, text="MERCY health")) == newest_first[1::3]
    assert numbers_of(list_orders(engine, text="po-00011")) == [listed[11]]
    assert numbers_of(list_orders(engine, text=listed[5].lower())) == [listed[5]]
    assert list_orders(engine, text="100%") == []
    combined = list_orders(
        engine, partner="lakeshore-schools", status="new", min_total=Decimal(400)
    )
    assert numbers_of(combined) == [listed[9], listed[6]]


def test_keyset_pages_neither_skip_nor_repeat(app, listed):
    seen, after = [], None
    while True:
        page = list_orders(app.engine, channel="cxml", limit=3, after=after)
        seen.extend(numbers_of(page))
        if len(page) < 3:
            break
        after = page[-1]["number"]
    expected = [n for i, n in enumerate(listed) if i % 3 != 1][::-1]
    assert seen == expected


def test_counts_per_status_in_one_query_with_the_same_filters(app, listed):
    counts = order_counts(app.engine)
    assert counts["new"] == 8 and counts["in_progress"] == 2
    assert (counts["on_hold"], counts["cancelled"], counts["shipped"]) == (1, 1, 0)
    assert sum(counts.values()) == 12
    lakeshore = order_counts(app.engine, partner="lakeshore-schools")
    assert (lakeshore["in_progress"], lakeshore["cancelled"], lakeshore["new"]) == (1, 1, 2)
    assert sum(order_counts(app.engine, text="ridgeway", max_total=Decimal(600)).values()) == 2


def test_bad_filters_are_named(app):
    from core.storage.queries import BadFilter

    with pytest.raises(BadFilter, match="since: '2026-13-01' is not a date"):
        order_filters({"since": "2026-13-01"})
    with pytest.raises(BadFilter, match="min_total: 'lots' is not an amount"):
        order_filters({"min_total": "lots"})


def test_a_held_order_is_neither_shipped_nor_invoiced(app):
    order_number = ingest(app)
    act(app, order_number, "hold", "credit check")
    with pytest.raises(ShipmentRefused, match="on hold"):
        app.bus.execute(commands.RecordShipment(order_number, "UPS", "1Z999"), STAFF)
    with pytest.raises(InvoiceRefused, match="on hold"):
        app.bus.execute(commands.CreateInvoice(order_number, False), STAFF)
