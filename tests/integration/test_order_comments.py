"""Comments on orders (M-102) through /api/v1: a private one seen only by its author,
a public one by all staff; shown in the order view newest last and never deleted, on
both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError

from core import commands
from core.storage import tables
from core.storage.queries import order_detail
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.integration.test_order_editing import ORDER


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def number(app):
    return app.bus.execute(commands.IngestOrder(ORDER))[1]


def test_staff_comment_privately_and_publicly_and_see_them_in_the_order(app, api, number):
    clerk, manager = api.token("lortega", "salesperson"), api.token("bram", "sales_manager")
    base = f"/api/v1/orders/{number}/comments"
    status, answer = api.post(
        base, clerk, {"body": "  Buyer asked to hold delivery until the 14th.  "}
    )
    assert (status, answer["visibility"]) == (201, "private")
    first = answer["id"]
    status, answer = api.post(
        base,
        manager,
        {"body": "Your benches ship from our Reno warehouse.", "visibility": "public"},
    )
    assert (status, answer["number"]) == (201, number)

    status, listing = api.get(base, clerk)
    assert status == 200
    assert [(c["id"], c["author"], c["visibility"], c["body"]) for c in listing["comments"]] == [
        (first, "lortega", "private", "Buyer asked to hold delivery until the 14th."),
        (answer["id"], "bram", "public", "Your benches ship from our Reno warehouse."),
    ]
    assert all(c["author_kind"] == "staff" and c["created_at"] for c in listing["comments"])
    status, seen_by_manager = api.get(base, manager)
    assert [c["author"] for c in seen_by_manager["comments"]] == ["bram"], "lortega's is private"
    status, manager_view = api.get(f"/api/v1/orders/{number}", manager)
    assert [c["id"] for c in manager_view["comments"]] == [answer["id"]]
    status, public = api.get(f"{base}?visibility=public", clerk)
    assert [c["body"] for c in public["comments"]] == ["Your benches ship from our Reno warehouse."]

    status, detail = api.get(f"/api/v1/orders/{number}", clerk)
    assert [c["id"] for c in detail["comments"]] == [first, answer["id"]]  # newest last
    created = [
        (entry["actor"], entry["changes"]["visibility"]["new"], entry["changes"]["body"]["new"])
        for entry in detail["history"]
        if entry["entity"] == "order_comment"
    ]
    assert created == [
        ("lortega", "private", "Buyer asked to hold delivery until the 14th."),
        ("bram", "public", "Your benches ship from our Reno warehouse."),
    ]
    with app.engine.connect() as connection:
        events = connection.execute(
            select(tables.outbox.c.payload).where(
                tables.outbox.c.routing_key == "order.comment_added"
            )
        ).scalars()
        assert [json.loads(e)["visibility"] for e in events] == ["private", "public"]


def test_comments_are_checked_and_need_their_permissions(app, api, number):
    clerk, warehouse = api.token("lortega", "salesperson"), api.token("pk", "warehouse")
    base = f"/api/v1/orders/{number}/comments"
    for body in ({}, {"body": "   "}, {"body": 42}, {"body": "ok", "visibility": "everyone"}):
        assert api.post(base, clerk, body)[0] == 400, body
    status, problem = api.post(base, clerk, {"body": "x" * 10_001})
    assert status == 409 and "at most 10000 characters" in problem["detail"]
    assert api.get(f"{base}?visibility=secret", clerk)[0] == 400
    assert api.post("/api/v1/orders/SO9999999/comments", clerk, {"body": "hello"})[0] == 404
    assert api.get("/api/v1/orders/SO9999999/comments", clerk)[0] == 404
    assert api.post(base, warehouse, {"body": "picked"})[0] == 403
    status, listing = api.get(base, warehouse)
    assert (status, listing["comments"]) == (200, [])
    assert order_detail(app.engine, number)["comments"] == []


def test_a_comment_is_never_deleted(app, number):
    app.bus.execute(commands.AddOrderComment(number, "Called the buyer", "public"))
    refused = pytest.raises(DBAPIError, match="order_comments records are archived")
    with refused, app.engine.begin() as connection:
        connection.execute(delete(tables.order_comments))
    assert len(order_detail(app.engine, number)["comments"]) == 1
