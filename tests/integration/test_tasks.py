"""Tasks for staff (M-100, M-101) through /api/v1 on both databases: on an order, a
quote, an RMA and a discussion, assigned, moved through their statuses, edited,
archived, listed and filtered, with their history and the events the lead turns
into email; refused input changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import DBAPIError

from core import commands
from core.storage import tables
from tests.api_client import ApiClient
from tests.integration.test_order_editing import ORDER
from tests.integration.test_quotes import open_app, quote_for, sales_tokens

TASKS = "/api/v1/tasks"


@pytest.fixture
def app(database_url, data_dir):
    app = open_app(database_url, data_dir)
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def tokens(app, api):
    """mgarcia (administrator), tnguyen (salesperson, team EAST: customer ACME) and
    kbrandt (salesperson, team WEST)."""
    return sales_tokens(app, api)


@pytest.fixture
def order(app) -> str:
    return app.bus.execute(commands.IngestOrder(ORDER))[1]


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
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def discussion(app, number: str, creator: str, participants: tuple[str, ...] = ()) -> str:
    """A discussion row, written directly (the discussion code is its own)."""
    now = datetime.now(UTC)
    with app.engine.begin() as connection:
        discussion_id = connection.execute(
            insert(tables.discussions)
            .values(
                number=number,
                subject="Reno warehouse move",
                status="open",
                created_by=creator,
                created_at=now,
                updated_at=now,
            )
            .returning(tables.discussions.c.id)
        ).scalar_one()
        for username in (creator, *participants):
            connection.execute(
                insert(tables.discussion_participants).values(
                    discussion_id=discussion_id,
                    username=username,
                    role="creator" if username == creator else "invited",
                    invited_by=creator,
                    notify=True,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
    return number


def rma(app, number: str, order_number: str) -> str:
    """An RMA row, written directly (the returns code is its own)."""
    now = datetime.now(UTC)
    with app.engine.begin() as connection:
        order_id = connection.execute(
            select(tables.orders.c.id).where(tables.orders.c.number == order_number)
        ).scalar_one()
        connection.execute(
            insert(tables.rmas).values(
                number=number,
                order_id=order_id,
                status="requested",
                reason_code="damaged",
                resolution="refund",
                created_by="mgarcia",
                created_at=now,
                updated_at=now,
            )
        )
    return number


def test_a_task_on_an_order_is_assigned_moved_and_audited(app, api, tokens, order):
    admin = tokens["admin"]
    body = {
        "title": "  Confirm dock hours with the buyer  ",
        "description": "Marin County Parks asked for a morning delivery.",
        "priority": "high",
        "assignee": "tnguyen",
        "due_on": "2026-05-04",
    }
    status, task = api.post(f"/api/v1/orders/{order}/tasks", admin, body)
    assert status == 201, task
    number = task["number"]
    assert number == "TASK000001"
    assert {k: task[k] for k in ("title", "status", "priority", "assignee", "created_by")} == {
        "title": "Confirm dock hours with the buyer",
        "status": "open",
        "priority": "high",
        "assignee": "tnguyen",
        "created_by": "mgarcia",
    }
    assert (task["due_on"], task["completed_at"]) == ("2026-05-04", None)
    assert task["document"] == {"kind": "order", "number": order}
    assert task["description"] == body["description"]

    status, task = api.post(f"{TASKS}/{number}/assign", tokens["east"], {"assignee": "kbrandt"})
    assert (status, task["assignee"]) == (200, "kbrandt")
    for step in ("in_progress", "done"):
        status, task = api.post(f"{TASKS}/{number}/status", tokens["west"], {"status": step})
        assert (status, task["status"]) == (200, step)
    assert task["completed_at"] is not None
    status, task = api.post(f"{TASKS}/{number}/status", admin, {"status": "open"})
    assert (status, task["status"], task["completed_at"]) == (200, "open", None)

    status, detail = api.get(f"{TASKS}/{number}", tokens["west"])
    assert status == 200
    history = [(e["action"], e["actor"], sorted(e["changes"])) for e in detail["history"]]
    assert history[0][:2] == ("create", "mgarcia")
    assert {"title", "assignee", "document_kind", "document_number"} <= set(history[0][2])
    assert history[1:] == [
        ("update", "tnguyen", ["assignee"]),
        ("update", "kbrandt", ["status"]),
        ("update", "kbrandt", ["completed_at", "status"]),
        ("update", "mgarcia", ["completed_at", "status"]),
    ]
    assert detail["history"][1]["changes"]["assignee"] == {"old": "tnguyen", "new": "kbrandt"}

    assert outbox(app, "task.created") == [
        {
            "task_number": number,
            "title": "Confirm dock hours with the buyer",
            "assignee": "tnguyen",
            "created_by": "mgarcia",
            "document_kind": "order",
            "document_number": order,
        }
    ]
    assert outbox(app, "task.assigned") == [
        {
            "task_number": number,
            "previous_assignee": "tnguyen",
            "assignee": "kbrandt",
            "assigned_by": "tnguyen",
        }
    ]
    assert outbox(app, "task.status_changed") == [
        {"task_number": number, "previous": p, "status": s, "changed_by": by}
        for p, s, by in (
            ("open", "in_progress", "kbrandt"),
            ("in_progress", "done", "kbrandt"),
            ("done", "open", "mgarcia"),
        )
    ]
    status, listing = api.get(f"/api/v1/orders/{order}/tasks", admin)
    assert status == 200 and [t["number"] for t in listing["tasks"]] == [number]
    # An order of no customer of theirs is outside a salesperson's customer groups.
    assert api.get(f"/api/v1/orders/{order}/tasks", tokens["east"])[0] == 404
    assert api.post(f"/api/v1/orders/{order}/tasks", tokens["east"], {"title": "x"})[0] == 404


def test_tasks_on_a_quote_follow_the_callers_customer_groups(app, api, tokens):
    quote = quote_for(api, tokens["east"])["number"]
    base = f"/api/v1/quotes/{quote}/tasks"
    status, task = api.post(base, tokens["east"], {"title": "Chase the toner quote"})
    assert status == 201 and task["document"] == {"kind": "quote", "number": quote}
    body = {"title": "Via the list", "document_kind": "quote", "document_number": quote}
    status, second = api.post(TASKS, tokens["admin"], body)
    assert status == 201 and second["document"]["number"] == quote

    # kbrandt (team WEST) does not see ACME's quote: it is not found for him.
    assert api.get(base, tokens["west"])[0] == 404
    assert api.post(base, tokens["west"], {"title": "Sneak in"})[0] == 404
    assert api.post(TASKS, tokens["west"], {**body, "title": "Sneak in"})[0] == 404
    status, listing = api.get(base, tokens["east"])
    assert [t["number"] for t in listing["tasks"]] == [second["number"], task["number"]]
    assert count(app, tables.tasks) == 2


def test_the_task_list_and_a_task_show_only_what_the_caller_may_see(app, api, tokens):
    quote = quote_for(api, tokens["east"])["number"]
    on_quote = {"title": "Chase the toner quote", "document_kind": "quote"}
    status, acme = api.post(TASKS, tokens["admin"], {**on_quote, "document_number": quote})
    assert status == 201
    given = {**on_quote, "title": "Price check for ACME", "assignee": "kbrandt"}
    status, theirs = api.post(TASKS, tokens["admin"], {**given, "document_number": quote})
    assert status == 201
    status, loose = api.post(TASKS, tokens["admin"], {"title": "Order more labels"})
    assert status == 201
    hidden = discussion(app, "DISC000001", "tnguyen")
    status, private = api.post(
        f"/api/v1/discussions/{hidden}/tasks", tokens["east"], {"title": "Plan the move"}
    )
    assert status == 201

    def listed(token) -> list[str]:
        status, listing = api.get(TASKS, token)
        assert status == 200
        return [t["number"] for t in listing["tasks"]]

    everything = [private["number"], loose["number"], theirs["number"], acme["number"]]
    assert listed(tokens["east"]) == everything
    # The administrator profile sees every customer, but not a discussion it is not in.
    assert listed(tokens["admin"]) == everything[1:]
    # kbrandt (team WEST) sees neither ACME's quote nor the discussion: only the task
    # on nothing and the one given to him.
    assert listed(tokens["west"]) == [loose["number"], theirs["number"]]
    assert api.get(f"{TASKS}/{acme['number']}", tokens["west"])[0] == 404
    assert api.get(f"{TASKS}/{private['number']}", tokens["west"])[0] == 404
    moved = api.post(f"{TASKS}/{acme['number']}/status", tokens["west"], {"status": "done"})
    assert moved[0] == 404
    assert api.get(f"{TASKS}/{theirs['number']}", tokens["west"])[0] == 200


def test_a_task_on_an_rma(app, api, tokens, order):
    number = rma(app, "RMA000001", order)
    status, task = api.post(f"/api/v1/rmas/{number}/tasks", tokens["admin"], {"title": "Inspect"})
    assert status == 201 and task["document"] == {"kind": "rma", "number": number}
    status, listing = api.get(f"/api/v1/rmas/{number}/tasks", tokens["admin"])
    assert [t["title"] for t in listing["tasks"]] == ["Inspect"]
    assert api.get("/api/v1/rmas/RMA999999/tasks", tokens["admin"])[0] == 404


def test_only_a_discussions_creator_or_an_administrator_adds_and_assigns_its_tasks(
    app, api, tokens
):
    outsider = api.token("pkowalski", "warehouse")
    root = api.token("root", "administrator", is_admin=True)
    number = discussion(app, "DISC000001", "tnguyen", participants=("kbrandt",))
    base = f"/api/v1/discussions/{number}/tasks"
    status, task = api.post(base, tokens["east"], {"title": "Book the movers"})
    assert status == 201 and task["document"] == {"kind": "discussion", "number": number}
    status, problem = api.post(base, tokens["west"], {"title": "A participant's task"})
    assert status == 403 and "only the creator of discussion DISC000001" in problem["detail"]
    body = {"title": "Also refused", "document_kind": "discussion", "document_number": number}
    assert api.post(TASKS, tokens["west"], body)[0] == 403
    # The administrator profile is not enough: an administrator is.
    assert api.post(base, tokens["admin"], {"title": "Sign the lease"})[0] == 404
    status, by_admin = api.post(base, root, {"title": "Sign the lease"})
    assert status == 201

    # Someone who neither started nor takes part in it is never told it exists.
    assert api.get(base, outsider)[0] == 404
    assert api.post(base, outsider, {"title": "Hello"})[0] == 404
    assert api.get("/api/v1/discussions/DISC999999/tasks", root)[0] == 404

    path = f"{TASKS}/{task['number']}"
    assert api.post(f"{path}/assign", tokens["west"], {"assignee": "kbrandt"})[0] == 403
    status, assigned = api.post(f"{path}/assign", tokens["east"], {"assignee": "kbrandt"})
    assert (status, assigned["assignee"]) == (200, "kbrandt")
    status, moved = api.post(f"{path}/status", tokens["west"], {"status": "in_progress"})
    assert (status, moved["status"]) == (200, "in_progress")
    status, listing = api.get(base, tokens["west"])
    assert [t["number"] for t in listing["tasks"]] == [by_admin["number"], task["number"]]
    assert count(app, tables.tasks) == 2
    assert [e["assigned_by"] for e in outbox(app, "task.assigned")] == ["tnguyen"]


def test_the_task_list_filters_and_continues(app, api, tokens, order):
    admin, east = tokens["admin"], tokens["east"]
    past = (date.today() - timedelta(days=3)).isoformat()
    later = (date.today() + timedelta(days=30)).isoformat()

    def add(title, token=admin, **body):
        status, task = api.post(TASKS, token, {"title": title, **body})
        assert status == 201, task
        return task["number"]

    late = add("Late one", assignee="tnguyen", due_on=past)
    on_order = add("On the order", document_kind="order", document_number=order)
    mine_done = add("Finished", east, assignee="tnguyen", due_on=past)
    future = add("Next month", assignee="kbrandt", due_on=later)
    archived = add("Old news")
    api.post(f"{TASKS}/{mine_done}/status", east, {"status": "done"})
    api.post(f"{TASKS}/{archived}", admin, {"archived": True})

    def listed(query="", token=admin):
        status, answer = api.get(f"{TASKS}{query}", token)
        assert status == 200, answer
        return [t["number"] for t in answer["tasks"]]

    assert listed() == [future, mine_done, on_order, late]
    assert listed("?mine=true", east) == [mine_done, late]
    assert listed("?assignee=kbrandt") == [future]
    assert listed("?created_by=tnguyen") == [mine_done]
    assert listed("?status=done") == [mine_done]
    assert listed("?open=true") == [future, on_order, late]
    assert listed("?overdue=true") == [late]
    assert listed(f"?document_kind=order&document_number={order}") == [on_order]
    assert listed("?archived=true") == [archived]
    status, page = api.get(f"{TASKS}?limit=2", admin)
    assert status == 200
    assert [t["number"] for t in page["tasks"]] == [future, mine_done]
    assert page["next"] == mine_done
    assert listed(f"?after={page['next']}&limit=2") == [on_order, late]
    for bad in ("?status=finished", "?document_kind=invoice", "?open=yes", "?limit=0"):
        assert api.get(f"{TASKS}{bad}", admin)[0] == 400, bad
    assert api.get(f"{TASKS}?mine=true&assignee=kbrandt", east)[0] == 400


def test_a_task_is_edited_and_archived(app, api, tokens):
    admin = tokens["admin"]
    number = api.post(TASKS, admin, {"title": "Draft", "due_on": "2026-05-01"})[1]["number"]
    path = f"{TASKS}/{number}"
    body = {"title": "Final", "description": "Two\nlines", "priority": "low", "due_on": None}
    status, task = api.post(path, tokens["east"], body)
    assert status == 200
    assert (task["title"], task["description"], task["priority"], task["due_on"]) == (
        "Final",
        "Two\nlines",
        "low",
        None,
    )
    status, task = api.post(path, admin, {"archived": True})
    assert (status, task["archived"]) == (200, True)
    assert api.post(f"{path}/status", admin, {"status": "done"})[0] == 409
    assert api.post(path, admin, {"archived": False})[1]["archived"] is False
    changes = [sorted(e["changes"]) for e in api.get(path, admin)[1]["history"][1:]]
    assert changes == [["description", "due_on", "priority", "title"], ["archived"], ["archived"]]
    assert api.post(path, admin, {})[0] == 400


def test_bad_input_is_refused_and_nothing_is_kept(app, api, tokens, order):
    admin = tokens["admin"]
    app.bus.execute(commands.DisableStaff("kbrandt"))
    for body in (
        {},
        {"title": "   "},
        {"title": 7},
        {"title": "ok", "priority": "urgent"},
        {"title": "ok", "due_on": "next week"},
        {"title": "ok", "document_kind": "invoice", "document_number": "INV1"},
        {"title": "ok", "document_kind": "order"},
        {"title": "ok", "document_number": order},
        {"title": "ok", "assignee": 12},
    ):
        assert api.post(TASKS, admin, body)[0] == 400, body
    for body, message in (
        ({"title": "x" * 201}, "at most 200"),
        ({"title": "two\nlines"}, "one line"),
        ({"title": "ok", "description": "x" * 10_001}, "at most 10000"),
        ({"title": "ok", "assignee": "nobody-here"}, "not an active staff member"),
        ({"title": "ok", "assignee": "kbrandt"}, "not an active staff member"),
    ):
        status, problem = api.post(TASKS, admin, body)
        assert (status, message in problem["detail"]) == (409, True), (body, problem)
    missing = {"title": "ok", "document_kind": "order", "document_number": "SO9999999"}
    assert api.post(TASKS, admin, missing)[0] == 404
    assert api.post("/api/v1/orders/SO9999999/tasks", admin, {"title": "ok"})[0] == 404
    assert count(app, tables.tasks) == 0
    assert outbox(app, "task.created") == []

    number = api.post(TASKS, admin, {"title": "Real"})[1]["number"]
    path = f"{TASKS}/{number}"
    assert api.post(f"{path}/status", admin, {"status": "finished"})[0] == 400
    assert api.post(f"{path}/status", admin, {})[0] == 400
    assert api.post(f"{path}/status", admin, {"status": "open"})[0] == 409
    assert api.post(f"{path}/assign", admin, {})[0] == 400
    assert api.post(f"{path}/assign", admin, {"assignee": None})[0] == 409
    assert api.post(f"{path}/assign", admin, {"assignee": "kbrandt"})[0] == 409
    assert api.post(path, admin, {"title": ""})[0] == 409
    assert api.get(f"{TASKS}/TASK999999", admin)[0] == 404
    assert api.post(f"{TASKS}/TASK999999/status", admin, {"status": "done"})[0] == 404
    assert [e["action"] for e in api.get(path, admin)[1]["history"]] == ["create"]
    assert outbox(app, "task.status_changed") == outbox(app, "task.assigned") == []


def test_tasks_need_collaborate_and_are_never_deleted(app, api, tokens):
    nobody = api.token("viewer", "warehouse")
    app.bus.execute(commands.OverridePermissions("viewer", revoke=("collaborate",)))
    assert api.get(TASKS, nobody)[0] == 403
    assert api.post(TASKS, nobody, {"title": "x"})[0] == 403
    api.post(TASKS, tokens["admin"], {"title": "Keep me"})
    refused = pytest.raises(DBAPIError, match="tasks records are archived")
    with refused, app.engine.begin() as connection:
        connection.execute(delete(tables.tasks))
    assert count(app, tables.tasks) == 1
