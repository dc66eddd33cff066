"""Handlers of tasks for staff (M-100): add, edit, move through statuses, assign.
Each change the assignee or creator hears of is an event (the lead turns them into
email); every change is in the task's history."""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.tasks import (
    COUNTER,
    Task,
    TaskDocument,
    TaskRefused,
    check_kind,
    check_may_manage,
    format_number,
)


def add_task(command: commands.AddTask, uow: ports.UnitOfWork) -> str:
    """Returns the new task's number."""
    actor = uow.actor.name
    document = _document(uow, command.document_kind, command.document_number)
    check_may_manage(document, actor, command.actor_is_admin)
    task = Task(
        format_number(uow.next_counter(COUNTER)[0]),
        command.title,
        actor,
        description=command.description,
        priority=command.priority,
        assignee=_active_staff(uow, command.assignee),
        due_on=command.due_on,
        document=document,
    )
    uow.tasks.add(task)
    uow.emit(
        events.TaskCreated(
            task.number,
            task.title,
            task.assignee,
            actor,
            task.document_kind,
            task.document_number,
        )
    )
    return task.number


def edit_task(command: commands.EditTask, uow: ports.UnitOfWork) -> list[str]:
    return _task(uow, command.number).edit(**command.values)


def change_task_status(command: commands.ChangeTaskStatus, uow: ports.UnitOfWork) -> str:
    """Returns the previous status."""
    task = _task(uow, command.number)
    previous = task.change_status(command.status)
    uow.emit(events.TaskStatusChanged(task.number, previous, task.status, uow.actor.name))
    return previous


def assign_task(command: commands.AssignTask, uow: ports.UnitOfWork) -> str | None:
    """Returns who had the task before."""
    task = _task(uow, command.number)
    if task.document_kind == "discussion":
        discussion = uow.tasks.document("discussion", task.document_number)
        check_may_manage(discussion, uow.actor.name, command.actor_is_admin)
    previous = task.assign(_active_staff(uow, command.assignee))
    uow.emit(events.TaskAssigned(task.number, previous, task.assignee, uow.actor.name))
    return previous


def _task(uow: ports.UnitOfWork, number: str) -> Task:
    task = uow.tasks.get(number, lock=True)
    if task is None:
        raise NotFound(f"no task {number}")
    return task


def _document(uow: ports.UnitOfWork, kind: str | None, number: str | None) -> TaskDocument | None:
    if kind is None and number is None:
        return None
    if not kind or not number:
        raise TaskRefused("a task's document needs both its kind and its number")
    document = uow.tasks.document(check_kind(kind), number)
    if document is None:
        raise NotFound(f"no {kind} {number}")
    return document


def _active_staff(uow: ports.UnitOfWork, username: str | None) -> str | None:
    if username is None:
        return None
    staff = uow.staff.get(username)
    if staff is None or not staff.at_work:
        raise TaskRefused(f"{username!r} is not an active staff member; a task needs one")
    return staff.username


HANDLERS = {
    commands.AddTask: add_task,
    commands.EditTask: edit_task,
    commands.ChangeTaskStatus: change_task_status,
    commands.AssignTask: assign_task,
}
