"""The rules of a task for staff (M-100): what it keeps, its statuses, assigning,
editing, and who may put tasks on a discussion (M-101)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.model.tasks import (
    STATUSES,
    NotAllowed,
    Task,
    TaskDocument,
    TaskRefused,
    check_kind,
    check_may_manage,
    format_number,
)

DISCUSSION = TaskDocument("discussion", 7, "DISC000007", "mgarcia")


def new_task(**options) -> Task:
    return Task(format_number(1), "Call the buyer back", "lortega", **options)


def test_a_new_task_is_open_normal_and_keeps_what_it_was_given():
    task = new_task(
        description="  About the trail posts.\nAsk for the dock hours.  ",
        priority="high",
        assignee="bram",
        due_on=date(2026, 5, 1),
        document=TaskDocument("order", 3, "SO0000003"),
    )
    assert task.number == "TASK000001"
    assert (task.status, task.priority, task.completed_at, task.archived) == (
        "open",
        "high",
        None,
        False,
    )
    assert task.description == "About the trail posts.\nAsk for the dock hours."
    assert (task.document_kind, task.document_id, task.document_number) == ("order", 3, "SO0000003")
    assert (task.assignee, task.created_by, task.due_on) == ("bram", "lortega", date(2026, 5, 1))
    plain = new_task()
    assert (plain.priority, plain.document_kind, plain.assignee, plain.description) == (
        "normal",
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "title, message",
    [
        ("", "needs a title"),
        ("   ", "needs a title"),
        (None, "needs a title"),
        ("two\nlines", "one line"),
        ("a\ttab", "one line"),
        ("bell\x07", "one line"),
        ("x" * 201, "at most 200"),
    ],
)
def test_a_title_is_one_line_of_1_to_200_characters(title, message):
    with pytest.raises(TaskRefused, match=message):
        Task("TASK000001", title, "lortega")
    assert Task("TASK000001", "  " + "x" * 200 + "  ", "lortega").title == "x" * 200


@pytest.mark.parametrize(
    "options, message",
    [
        ({"description": "x" * 10_001}, "at most 10000"),
        ({"description": 12}, "must be text"),
        ({"description": "nul\x00"}, "not allowed"),
        ({"priority": "urgent"}, "priority must be one of low, normal, high"),
        ({"due_on": "2026-05-01"}, "due_on must be a date"),
        ({"due_on": datetime(2026, 5, 1)}, "due_on must be a date"),
    ],
)
def test_bad_values_are_refused(options, message):
    with pytest.raises(TaskRefused, match=message):
        new_task(**options)


def test_any_status_may_follow_any_other_and_done_keeps_when():
    task = new_task()
    assert task.change_status("in_progress") == "open"
    assert task.change_status("done") == "in_progress"
    completed = task.completed_at
    assert completed is not None
    assert task.change_status("open") == "done"  # reopened
    assert task.completed_at is None
    for status in ("waiting", "cancelled", "in_progress", "open", "done"):
        task.change_status(status)
    assert task.status == "done" and task.completed_at >= completed
    task.change_status("cancelled")
    assert task.completed_at is None


@pytest.mark.parametrize("status", STATUSES)
def test_a_task_cannot_move_to_the_status_it_has(status):
    task = new_task()
    if status != "open":
        task.change_status(status)
    with pytest.raises(TaskRefused, match=f"is {status} already"):
        task.change_status(status)


def test_an_unknown_status_is_refused():
    with pytest.raises(TaskRefused, match="status must be one of"):
        new_task().change_status("finished")


def test_assigning_says_who_had_it_and_refuses_no_change():
    task = new_task()
    assert task.assign("bram") is None
    assert task.assign("lortega") == "bram"
    assert task.assign(None) == "lortega"
    with pytest.raises(TaskRefused, match="assigned to nobody already"):
        task.assign(None)


def test_edit_changes_only_what_differs_and_archives():
    task = new_task(priority="low")
    changed = task.edit(title="Call the buyer back", priority="high", due_on=date(2026, 6, 1))
    assert changed == ["priority", "due_on"]
    assert task.edit(description="Dock closes at 3") == ["description"]
    assert task.edit(description=None, due_on=None) == ["description", "due_on"]
    assert task.edit(archived=True) == ["archived"]
    with pytest.raises(TaskRefused, match="archived"):
        task.change_status("done")
    with pytest.raises(TaskRefused, match="archived"):
        task.assign("bram")
    task.edit(archived=False)
    task.change_status("done")


@pytest.mark.parametrize(
    "values, message",
    [
        ({"status": "done"}, "no editable status"),
        ({"assignee": "bram"}, "no editable assignee"),
        ({"title": ""}, "needs a title"),
        ({"archived": "yes"}, "true or false"),
    ],
)
def test_edit_refuses_what_it_cannot_change(values, message):
    task = new_task()
    with pytest.raises(TaskRefused, match=message):
        task.edit(**values)
    assert task.title == "Call the buyer back" and not task.archived


def test_only_the_creator_of_a_discussion_or_an_administrator_manages_its_tasks():
    check_may_manage(DISCUSSION, "mgarcia", False)
    check_may_manage(DISCUSSION, "someone", True)
    with pytest.raises(NotAllowed, match="only the creator of discussion DISC000007"):
        check_may_manage(DISCUSSION, "lortega", False)
    check_may_manage(TaskDocument("order", 3, "SO0000003"), "lortega", False)
    check_may_manage(None, "lortega", False)


def test_a_task_is_on_an_order_a_quote_an_rma_or_a_discussion():
    for kind in ("order", "quote", "rma", "discussion"):
        assert check_kind(kind) == kind
    with pytest.raises(TaskRefused, match="not 'invoice'"):
        check_kind("invoice")
