"""`orderb2b tasks list|show|add|status|assign|edit` in-process, on the embedded
default and on PostgreSQL: the shell acts as `cli:<login>` with an administrator's
rights, and bad input is answered in one line with exit code 2."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from core import commands
from core.ports import SYSTEM
from core.storage import tables
from hub import cli
from tests.integration.test_order_editing import ORDER

OPERATOR = f"cli:{getpass.getuser()}"


@pytest.fixture
def app(monkeypatch, tmp_path, database_url):
    """The hub the CLI opens (same data directory and database), for the setup."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORDERB2B_DATABASE_URL", database_url)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    app = cli._app()
    for username in ("tnguyen", "kbrandt"):
        add = commands.AddStaff(username, username.title(), "a long password 1")
        app.bus.execute(add, SYSTEM)
    yield app
    app.close()


@pytest.fixture
def order(app) -> str:
    return app.bus.execute(commands.IngestOrder(ORDER), SYSTEM)[1]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--json")
    assert (code, err) == (0, ""), err
    return json.loads(out)


def refused(capsys, *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1
    return err


def test_a_task_is_added_on_an_order_moved_assigned_edited_and_shown(app, order, capsys):
    code, out, err = run(
        capsys,
        *("tasks", "add", "Confirm dock hours", "--on", f"order:{order}"),
        *("--assignee", "tnguyen", "--due", "2026-05-04", "--priority", "high"),
        *("--description", "Morning delivery only"),
    )
    assert (code, out, err) == (0, "TASK000001\n", "")
    code, out, err = run(capsys, "tasks", "status", "TASK000001", "done")
    assert (code, out) == (0, "TASK000001: open -> done\n")
    code, out, err = run(capsys, "tasks", "assign", "TASK000001", "kbrandt")
    assert (code, out) == (0, "TASK000001: assigned to kbrandt\n")
    code, out, err = run(capsys, "tasks", "edit", "TASK000001", "--title", "Dock hours", "--no-due")
    assert (code, out) == (0, "title, due_on\n")

    task = as_json(capsys, "tasks", "show", "TASK000001")
    assert (task["title"], task["status"], task["assignee"], task["due_on"]) == (
        "Dock hours",
        "done",
        "kbrandt",
        None,
    )
    assert (task["created_by"], task["priority"]) == (OPERATOR, "high")
    assert task["document"] == {"kind": "order", "number": order}
    assert task["description"] == "Morning delivery only" and task["completed_at"]
    assert [e["actor"] for e in task["history"]] == [OPERATOR] * 4
    code, out, err = run(capsys, "tasks", "show", "TASK000001")
    assert out.startswith("TASK000001  [done]  Dock hours\n")
    assert "  assignee: kbrandt\n" in out and f"  on: order {order}\n" in out
    assert "  Morning delivery only\n" in out and "  history:\n" in out
    with app.engine.connect() as connection:
        keys = connection.execute(
            select(tables.outbox.c.routing_key)
            .where(tables.outbox.c.routing_key.like("task.%"))
            .order_by(tables.outbox.c.id)
        ).scalars()
        assert list(keys) == ["task.created", "task.status_changed", "task.assigned"]


def test_tasks_are_listed_and_filtered(app, order, capsys):
    past = (date.today() - timedelta(days=1)).isoformat()
    for args in (
        ("First", "--assignee", "tnguyen", "--due", past),
        ("Second", "--on", f"order:{order}"),
        ("Third", "--assignee", "kbrandt"),
    ):
        assert run(capsys, "tasks", "add", *args)[0] == 0
    run(capsys, "tasks", "status", "TASK000003", "waiting")

    def numbers(*args):
        return [t["number"] for t in as_json(capsys, "tasks", "list", *args)]

    assert numbers() == ["TASK000003", "TASK000002", "TASK000001"]
    assert numbers("--mine-as", "tnguyen") == ["TASK000001"]
    assert numbers("--assignee", "kbrandt") == ["TASK000003"]
    assert numbers("--status", "waiting") == ["TASK000003"]
    assert numbers("--document", f"order:{order}") == ["TASK000002"]
    assert numbers("--overdue") == ["TASK000001"]
    assert numbers("--created-by", OPERATOR, "--limit", "1") == ["TASK000003"]
    assert numbers("--after", "TASK000002") == ["TASK000001"]
    run(capsys, "tasks", "edit", "TASK000002", "--archive")
    assert numbers() == ["TASK000003", "TASK000001"]
    assert numbers("--archived") == ["TASK000002"]

    code, out, err = run(capsys, "tasks", "list")
    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["NUMBER", "STATUS", "PRIO", "DUE", "ASSIGNEE", "ON", "TITLE"]
    assert rows[0].split() == ["TASK000003", "waiting", "normal", "-", "kbrandt", "-", "Third"]
    assert rows[1].split() == ["TASK000001", "open", "normal", past, "tnguyen", "-", "First"]


def test_the_shell_may_put_tasks_on_any_discussion(app, capsys):
    now = datetime.now(UTC)
    with app.engine.begin() as connection:
        connection.execute(
            insert(tables.discussions).values(
                number="DISC000001",
                subject="Reno warehouse move",
                status="open",
                created_by="tnguyen",
                created_at=now,
                updated_at=now,
            )
        )
    code, out, err = run(capsys, "tasks", "add", "Book movers", "--on", "discussion:DISC000001")
    assert (code, out, err) == (0, "TASK000001\n", "")
    assert run(capsys, "tasks", "assign", "TASK000001", "kbrandt")[0] == 0
    assert run(capsys, "tasks", "assign", "TASK000001", "--nobody")[1] == (
        "TASK000001: assigned to nobody\n"
    )
    listed = as_json(capsys, "tasks", "list", "--document", "discussion:DISC000001")
    assert [(t["number"], t["assignee"]) for t in listed] == [("TASK000001", None)]


def test_bad_input_is_one_line_and_exit_2(app, order, capsys):
    app.bus.execute(commands.DisableStaff("kbrandt"), SYSTEM)
    assert "expected KIND:NUMBER" in refused(capsys, "tasks", "add", "x", "--on", "invoice:1")
    assert "expected KIND:NUMBER" in refused(capsys, "tasks", "list", "--document", "order")
    assert "YYYY-MM-DD" in refused(capsys, "tasks", "add", "x", "--due", "tomorrow")
    assert "no order SO9999999" in refused(capsys, "tasks", "add", "x", "--on", "order:SO9999999")
    assert "not an active staff member" in refused(
        capsys, "tasks", "add", "x", "--assignee", "kbrandt"
    )
    assert "one line" in refused(capsys, "tasks", "add", "two\nlines")
    assert "at most 200" in refused(capsys, "tasks", "add", "x" * 201)
    assert "no task TASK999999" in refused(capsys, "tasks", "show", "TASK999999")
    assert "no task TASK999999" in refused(capsys, "tasks", "status", "TASK999999", "done")
    assert "--limit" in refused(capsys, "tasks", "list", "--limit", "0")
    with app.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(tables.tasks)).scalar() == 0

    assert run(capsys, "tasks", "add", "Real")[0] == 0
    assert "is open already" in refused(capsys, "tasks", "status", "TASK000001", "open")
    assert "nothing to change" in refused(capsys, "tasks", "edit", "TASK000001")
    assert "not an active staff member" in refused(
        capsys, "tasks", "assign", "TASK000001", "kbrandt"
    )
    assert [e["action"] for e in as_json(capsys, "tasks", "show", "TASK000001")["history"]] == [
        "create"
    ]
