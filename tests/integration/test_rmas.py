"""Returns (RMAs) through /api/v1 on both databases: opened on a shipped order,
authorised, received and closed; over-returns refused with nothing kept; edits and
comments in the history; the customer-group scope; never deleted."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from core import commands
from core.ports import Actor
from core.storage import tables
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.integration.test_shipments_invoices import ORDER, ship

BUYER = "t.nguyen@mercyhealth.example.org"
SETUP = Actor("system", "setup")


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
    """Six of the ten boxes of gloves (line 1) and the monitor (line 3, 1.5) shipped;
    no paper (line 2)."""
    number = app.bus.execute(commands.IngestOrder(ORDER))[1]
    ship(app, number, {1: Decimal("6"), 3: Decimal("1.5")})
    return number


def opening(order_number, *lines, **values):
    return {
        "order_number": order_number,
        "lines": [{"line_number": n, "quantity": q} for n, q in lines],
        "reason_code": "damaged",
        "resolution": "replacement",
        **values,
    }


def events(app, routing_key):
    with app.engine.connect() as connection:
        payloads = connection.execute(
            select(tables.outbox.c.payload)
            .where(tables.outbox.c.routing_key == routing_key)
            .order_by(tables.outbox.c.id)
        ).scalars()
        return [json.loads(p) if isinstance(p, str) else p for p in payloads]


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_open_authorize_receive_and_close_a_return(app, api, order_number):
    picker = api.token("pk", "warehouse")
    status, rma = api.post(
        "/api/v1/rmas",
        picker,
        opening(order_number, (1, "2"), (3, "1.5"), notes="Two boxes arrived crushed"),
    )
    assert status == 201, rma
    assert (rma["number"], rma["status"], rma["order_number"]) == (
        "RMA000001",
        "requested",
        order_number,
    )
    assert (rma["contact_email"], rma["created_by"], rma["customer"]) == (BUYER, "pk", None)
    assert [
        (x["line_number"], x["order_line_number"], x["part_number"], x["quantity"])
        for x in rma["lines"]
    ] == [(1, 1, "00731-NTR-M", "2"), (2, 3, "0027-U2723QE", "1.5")]
    assert rma["lines"][0]["unit_of_measure"] == "BX"
    assert rma["lines"][0]["description"].startswith("Nitrile exam gloves")
    assert [x["received_quantity"] for x in rma["lines"]] == ["0", "0"]

    base = "/api/v1/rmas/RMA000001"
    status, answer = api.post(f"{base}/status", picker, {"action": "authorize"})
    assert (status, answer["previous_status"], answer["status"]) == (200, "requested", "authorized")
    assert answer["authorized_at"] and answer["received_at"] is None
    received = {
        "action": "receive",
        "lines": [{"line_number": 1, "received_quantity": "2", "condition": "damaged"}],
    }
    status, answer = api.post(f"{base}/status", picker, received)
    assert (status, answer["status"]) == (200, "received"), answer
    assert [(x["received_quantity"], x["condition"]) for x in answer["lines"]] == [
        ("2", "damaged"),
        ("0", "missing"),
    ]
    status, answer = api.post(f"{base}/status", picker, {"action": "close", "reason": "Replaced"})
    assert (status, answer["status"], answer["notes"]) == (
        200,
        "closed",
        "Two boxes arrived crushed\nclosed: Replaced",
    )
    assert answer["closed_at"] and answer["received_at"]

    assert events(app, "rma.opened") == [
        {"rma_number": "RMA000001", "order_number": order_number, "opened_by": "pk"}
    ]
    assert [
        (e["previous"], e["status"], e["changed_by"]) for e in events(app, "rma.status_changed")
    ] == [
        ("requested", "authorized", "pk"),
        ("authorized", "received", "pk"),
        ("received", "closed", "pk"),
    ]
    status, listing = api.get(f"/api/v1/orders/{order_number}/rmas", picker)
    assert (status, [(r["number"], r["status"]) for r in listing["rmas"]]) == (
        200,
        [("RMA000001", "closed")],
    )
    assert (listing["rmas"][0]["lines"], listing["rmas"][0]["quantity"]) == (2, "3.5")
    status, listing = api.get("/api/v1/rmas?status=closed", picker)
    assert [r["number"] for r in listing["rmas"]] == ["RMA000001"]
    assert api.get("/api/v1/rmas?status=requested", picker)[1]["rmas"] == []


def test_wrong_transitions_are_refused(app, api, order_number):
    picker = api.token("pk", "warehouse")
    api.post("/api/v1/rmas", picker, opening(order_number, (1, "1")))
    base = "/api/v1/rmas/RMA000001/status"
    status, problem = api.post(base, picker, {"action": "close"})
    assert status == 409 and "RMA000001 is requested; it cannot be closed" in problem["detail"]
    assert api.post(base, picker, {"action": "explode"})[0] == 400
    assert api.post(base, picker, {"action": "authorize", "lines": []})[0] == 400
    assert api.post(base, picker, {"action": "reject", "reason": "No proof"})[0] == 200
    status, problem = api.post(base, picker, {"action": "authorize"})
    assert status == 409 and "is rejected" in problem["detail"]
    assert [e["status"] for e in events(app, "rma.status_changed")] == ["rejected"]


def test_an_over_return_is_refused_and_nothing_is_kept(app, api, order_number):
    clerk = api.token("lortega", "salesperson")
    assert api.post("/api/v1/rmas", clerk, opening(order_number, (1, "5")))[0] == 201
    status, problem = api.post("/api/v1/rmas", clerk, opening(order_number, (1, "2")))
    assert status == 409
    assert (
        "order line 1: 2 BX asked but only 1 BX shipped and not yet returned" in (problem["detail"])
    )
    status, problem = api.post("/api/v1/rmas", clerk, opening(order_number, (3, "1"), (2, "1")))
    assert status == 409 and "only 0 CS shipped" in problem["detail"]
    assert (count(app, tables.rmas), count(app, tables.rma_lines)) == (1, 1)
    assert len(events(app, "rma.opened")) == 1

    status, answer = api.post("/api/v1/rmas/RMA000001/status", clerk, {"action": "cancel"})
    assert status == 200
    status, answer = api.post("/api/v1/rmas", clerk, opening(order_number, (1, "6")))
    assert (status, answer["number"]) == (201, "RMA000002")


@pytest.mark.parametrize(
    "change",
    [
        {"lines": []},
        {"lines": [{"line_number": 1}]},
        {"lines": [{"line_number": "1", "quantity": "1"}]},
        {"lines": [{"line_number": 1, "quantity": 1.5}]},
        {"lines": [{"line_number": 1, "quantity": "1"}, {"line_number": 1, "quantity": "1"}]},
        {"reason_code": None},
        {"resolution": 7},
        {"order_number": None},
    ],
)
def test_bad_bodies_are_answered_400(app, api, order_number, change):
    clerk = api.token("lortega", "salesperson")
    status, _ = api.post("/api/v1/rmas", clerk, {**opening(order_number, (1, "1")), **change})
    assert status == 400
    assert count(app, tables.rmas) == 0


def test_unknown_documents_and_missing_permissions(app, api, order_number):
    ledger, clerk = api.token("ledger", "accounting"), api.token("lortega", "salesperson")
    assert api.post("/api/v1/rmas", clerk, opening("SO9999999", (1, "1")))[0] == 404
    assert api.get("/api/v1/rmas/RMA999999", clerk)[0] == 404
    assert api.post("/api/v1/rmas/RMA999999/status", clerk, {"action": "authorize"})[0] == 404
    assert api.get("/api/v1/orders/SO9999999/rmas", clerk)[0] == 404
    assert api.post("/api/v1/rmas", ledger, opening(order_number, (1, "1")))[0] == 403
    assert api.post("/api/v1/rmas", clerk, opening(order_number, (1, "1")))[0] == 201
    assert api.get("/api/v1/rmas/RMA000001", ledger)[0] == 200
    assert api.post("/api/v1/rmas/RMA000001", ledger, {"notes": "x"})[0] == 403
    assert api.post("/api/v1/rmas/RMA000001/archive", ledger, {"archived": True})[0] == 403


def test_edits_and_status_changes_are_in_the_history(app, api, order_number):
    clerk = api.token("lortega", "salesperson")
    api.post("/api/v1/rmas", clerk, opening(order_number, (1, "2")))
    base = "/api/v1/rmas/RMA000001"
    status, answer = api.post(
        base,
        clerk,
        {
            "resolution": "refund",
            "contact_email": "ap@mercyhealth.example.org",
            "lines": [{"line_number": 1, "quantity": "3"}, {"line_number": 3, "quantity": "1"}],
        },
    )
    assert status == 200, answer
    assert answer["changed"] == ["resolution", "contact_email", "line 1", "line 2"]
    assert [(x["order_line_number"], x["quantity"]) for x in answer["lines"]] == [
        (1, "3"),
        (3, "1"),
    ]
    assert api.post(base, clerk, {})[0] == 400
    status, problem = api.post(base, clerk, {"lines": [{"line_number": 1, "quantity": "7"}]})
    assert status == 409 and "only 6 BX shipped" in problem["detail"]
    api.post(f"{base}/status", clerk, {"action": "reject", "reason": "Outside the window"})
    status, problem = api.post(base, clerk, {"notes": "late"})
    assert status == 409 and "is rejected; it cannot be edited" in problem["detail"]

    history = api.get(base, clerk)[1]["history"]
    assert all(entry["actor"] == "lortega" for entry in history)
    created = [(e["entity"], e["action"]) for e in history if e["action"] == "create"]
    assert created == [("rma", "create"), ("rma_line", "create"), ("rma_line", "create")]
    updates = [e["changes"] for e in history if e["action"] == "update" and e["entity"] == "rma"]
    assert updates[0]["resolution"] == {"old": "replacement", "new": "refund"}
    assert updates[0]["contact_email"] == {"old": BUYER, "new": "ap@mercyhealth.example.org"}
    assert updates[1]["status"] == {"old": "requested", "new": "rejected"}
    assert updates[1]["notes"] == {"old": None, "new": "rejected: Outside the window"}
    line_updates = [(e["entity_id"], e["changes"]) for e in history if e["entity"] == "rma_line"]
    assert (1, {"quantity": {"old": "2", "new": "3"}}) in line_updates
    assert len(line_updates) == 3, "two lines made, one changed"


def test_archive_hides_an_rma_from_the_list(app, api, order_number):
    clerk = api.token("lortega", "salesperson")
    api.post("/api/v1/rmas", clerk, opening(order_number, (1, "1")))
    status, answer = api.post("/api/v1/rmas/RMA000001/archive", clerk, {"archived": True})
    assert (status, answer["archived"]) == (200, True)
    assert api.get("/api/v1/rmas", clerk)[1]["rmas"] == []
    listed = api.get("/api/v1/rmas?archived=true", clerk)[1]["rmas"]
    assert [(r["number"], r["archived"]) for r in listed] == [("RMA000001", True)]
    assert api.post("/api/v1/rmas/RMA000001/archive", clerk, {"archived": "yes"})[0] == 400
    api.post("/api/v1/rmas/RMA000001/archive", clerk, {"archived": False})
    assert [r["number"] for r in api.get("/api/v1/rmas", clerk)[1]["rmas"]] == ["RMA000001"]


def test_comments_private_and_public(app, api, order_number):
    clerk, manager = api.token("lortega", "salesperson"), api.token("bram", "sales_manager")
    ledger = api.token("ledger", "accounting")
    api.post("/api/v1/rmas", clerk, opening(order_number, (1, "1")))
    base = "/api/v1/rmas/RMA000001/comments"
    status, mine = api.post(base, clerk, {"body": "  Buyer sends photos tomorrow  "})
    assert (status, mine["visibility"]) == (201, "private")
    status, public = api.post(
        base, manager, {"body": "Carrier claim filed", "visibility": "public"}
    )
    assert status == 201
    status, viewed = api.post(base, ledger, {"body": "Credit held", "visibility": "public"})
    assert status == 201, "a viewer may comment"
    for body in ({}, {"body": "  "}, {"body": 42}, {"body": "ok", "visibility": "everyone"}):
        assert api.post(base, clerk, body)[0] == 400, body
    status, problem = api.post(base, clerk, {"body": "x" * 10_001})
    assert status == 409 and "at most 10000 characters" in problem["detail"]

    status, listing = api.get(base, clerk)
    assert [(c["id"], c["author"], c["visibility"], c["body"]) for c in listing["comments"]] == [
        (mine["id"], "lortega", "private", "Buyer sends photos tomorrow"),
        (public["id"], "bram", "public", "Carrier claim filed"),
        (viewed["id"], "ledger", "public", "Credit held"),
    ]
    seen_by_manager = api.get(base, manager)[1]["comments"]
    assert [c["author"] for c in seen_by_manager] == ["bram", "ledger"]
    detail = api.get("/api/v1/rmas/RMA000001", manager)[1]
    assert [c["id"] for c in detail["comments"]] == [public["id"], viewed["id"]]
    comment_entries = [e for e in detail["history"] if e["entity"] == "document_comment"]
    assert [e["entity_id"] for e in comment_entries] == [public["id"], viewed["id"]]
    own = api.get("/api/v1/rmas/RMA000001", clerk)[1]["history"]
    assert mine["id"] in [e["entity_id"] for e in own if e["entity"] == "document_comment"]

    assert [(e["comment_id"], e["visibility"], e["author"]) for e in events(
        app, "rma.comment_added"
    )] == [
        (mine["id"], "private", "lortega"),
        (public["id"], "public", "bram"),
        (viewed["id"], "public", "ledger"),
    ]  # fmt: skip
    everything = api.get("/api/v1/comments?kind=rma", manager)[1]["comments"]
    assert [(c["document_number"], c["author"]) for c in everything] == [
        ("RMA000001", "ledger"),
        ("RMA000001", "bram"),
    ]
    assert len(api.get("/api/v1/comments?kind=rma", clerk)[1]["comments"]) == 3


def test_tasks_on_the_rma_are_in_its_view(app, api, order_number):
    clerk = api.token("lortega", "salesperson")
    api.post("/api/v1/rmas", clerk, opening(order_number, (1, "1")))
    with app.engine.begin() as connection:
        rma_id = connection.execute(select(tables.rmas.c.id)).scalar_one()
        connection.execute(
            tables.tasks.insert().values(
                number="T000001",
                title="Inspect the returned gloves",
                document_kind="rma",
                document_id=rma_id,
                document_number="RMA000001",
                status="open",
                priority="normal",
                assignee="pk",
                created_by="lortega",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
    tasks = api.get("/api/v1/rmas/RMA000001", clerk)[1]["tasks"]
    assert tasks == [
        {
            "number": "T000001",
            "title": "Inspect the returned gloves",
            "status": "open",
            "assignee": "pk",
            "due_on": None,
        }
    ]


def test_a_limited_person_sees_only_the_returns_of_their_customers(app, api, order_number):
    admin, seller = api.token("admin"), api.token("sales_a", "salesperson")
    outsider = api.token("sales_b", "salesperson")
    for command in (
        commands.AddSalesTeam("team-a", "Team A"),
        commands.AddSalesTeam("team-b", "Team B"),
        commands.JoinTeam("team-a", "sales_a"),
        commands.JoinTeam("team-b", "sales_b"),
        commands.AddCustomerGroup("hospitals", "Hospitals", team="team-a"),
        commands.AddCustomer(
            "MERCY", "Mercy Health", {"partner_code": "mercy-health"}, "hospitals"
        ),
    ):
        app.bus.execute(command, SETUP)
    walk_in = replace(ORDER, partner="walk-in", external_order_id="W1", source_document_id="W1")
    other = app.bus.execute(commands.IngestOrder(walk_in))[1]
    ship(app, other)
    assert api.post("/api/v1/rmas", admin, opening(order_number, (1, "1")))[0] == 201
    assert api.post("/api/v1/rmas", admin, opening(other, (2, "1")))[0] == 201

    status, mine = api.get("/api/v1/rmas/RMA000001", seller)
    assert (status, mine["customer"]["code"], mine["customer"]["name"]) == (
        200,
        "MERCY",
        "Mercy Health",
    )
    assert [r["number"] for r in api.get("/api/v1/rmas", seller)[1]["rmas"]] == ["RMA000001"]
    assert [r["number"] for r in api.get("/api/v1/rmas", admin)[1]["rmas"]] == [
        "RMA000002",
        "RMA000001",
    ]
    assert api.get("/api/v1/rmas", outsider)[1]["rmas"] == []
    for path in ("/api/v1/rmas/RMA000001", "/api/v1/rmas/RMA000001/comments"):
        assert api.get(path, outsider)[0] == 404
    assert api.get(f"/api/v1/orders/{order_number}/rmas", outsider)[0] == 404
    refused = (
        ("/api/v1/rmas/RMA000001/status", {"action": "authorize"}),
        ("/api/v1/rmas/RMA000001", {"notes": "mine now"}),
        ("/api/v1/rmas/RMA000001/archive", {"archived": True}),
        ("/api/v1/rmas/RMA000001/comments", {"body": "hello"}),
        ("/api/v1/rmas", opening(order_number, (1, "1"))),
    )
    for path, body in refused:
        assert api.post(path, outsider, body)[0] == 404, path
    assert api.get("/api/v1/rmas/RMA000001", admin)[1]["status"] == "requested"
    assert api.post("/api/v1/rmas/RMA000002/status", seller, {"action": "authorize"})[0] == 404
    status, _ = api.post("/api/v1/rmas/RMA000001/status", seller, {"action": "authorize"})
    assert status == 200


def test_an_rma_is_never_deleted(app, api, order_number):
    clerk = api.token("lortega", "salesperson")
    api.post("/api/v1/rmas", clerk, opening(order_number, (1, "1")))
    for table in (tables.rmas, tables.rma_lines):
        refused = pytest.raises(DBAPIError, match=f"{table.name} records are archived")
        with refused, app.engine.begin() as connection:
            connection.execute(delete(table))
    assert (count(app, tables.rmas), count(app, tables.rma_lines)) == (1, 1)
