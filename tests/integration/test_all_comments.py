"""/api/v1/comments: one list of every comment (M-74) — orders' public comments and
the viewer's own private ones, and purchase orders' for purchasing staff only —
newest first, filtered by kind, author and text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import commands
from core.ports import Actor
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.integration.test_shipments_invoices import ORDER


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def test_every_comment_in_one_list(app):
    api = ApiClient(app)
    boss, clerk = api.token("boss"), api.token("clerk", profile="salesperson")
    _, number = app.bus.execute(commands.IngestOrder(ORDER))
    app.bus.execute(
        commands.AddOrderComment(number, "Customer asks for a Friday delivery", "public"),
        Actor("staff", "clerk"),
    )
    app.bus.execute(
        commands.AddOrderComment(number, "Margin is thin", "private"), Actor("staff", "boss")
    )
    app.bus.execute(
        commands.AddSupplier("dh", "D&H", "email", {"email": "po@dh.example.com"}),
        Actor("staff", "boss"),
    )
    po = app.bus.execute(
        commands.AssignSupplier(number, 1, "dh", unit_cost=Decimal("20"), reason="deal"),
        Actor("staff", "boss"),
    )
    app.bus.execute(
        commands.CommentPurchaseOrder(po, "Ship complete only", True), Actor("staff", "boss")
    )

    status, seen = api.get("/api/v1/comments", boss)
    assert status == 200
    assert [(c["document_kind"], c["body"], c["visibility"]) for c in seen["comments"]] == [
        ("purchase_order", "Ship complete only", "supplier"),
        ("order", "Margin is thin", "private"),
        ("order", "Customer asks for a Friday delivery", "public"),
    ]
    _, theirs = api.get("/api/v1/comments", clerk)
    assert [c["body"] for c in theirs["comments"]] == ["Customer asks for a Friday delivery"]
    _, found = api.get("/api/v1/comments?kind=order&text=friday", boss)
    assert [c["document_number"] for c in found["comments"]] == [number]
    _, by_author = api.get("/api/v1/comments?author=clerk", boss)
    assert len(by_author["comments"]) == 1
    status, _ = api.get("/api/v1/comments?kind=email", boss)
    assert status == 400
