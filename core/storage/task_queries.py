"""What the API and CLI show of tasks for staff: plain dicts. Lists are newest first
(by number) and continue past a task with `after`; a task's document is shown as
{kind, number}."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.engine import Connection, Engine

from core.errors import NotFound
from core.model.tasks import DOCUMENT_KINDS, OPEN_STATUSES
from core.storage import discussion_queries, mail_queries, scope, tables
from core.storage.engine import one_statement
from core.storage.queries import _history, _row, plain_rows
from core.storage.scope import Groups
from core.storage.tasks import DOCUMENT_TABLES

_tasks = tables.tasks.c
LISTED = (
    _tasks.number,
    _tasks.title,
    _tasks.status,
    _tasks.priority,
    _tasks.assignee,
    _tasks.created_by,
    _tasks.due_on,
    _tasks.completed_at,
    _tasks.document_kind,
    _tasks.document_number,
    _tasks.archived,
    _tasks.created_at,
    _tasks.updated_at,
)


def list_tasks(
    engine: Engine,
    *,
    status: str | None = None,
    assignee: str | None = None,
    created_by: str | None = None,
    document_kind: str | None = None,
    document_number: str | None = None,
    open_only: bool = False,
    overdue: bool = False,
    archived: bool = False,
    after: str | None = None,
    limit: int = 100,
    today: date | None = None,
    groups: Groups = None,
    viewer: str | None = None,
) -> list[dict[str, Any]]:
    """Tasks newest first. `open_only`: open, in progress or waiting; `overdue`: one of
    those with a due date before `today` (UTC by default); `archived`: the archived
    tasks instead of the others; `after` (a task number) continues past that task.
    Only tasks on nothing or on a document the caller sees (see `check_document`)."""
    query = select(*LISTED).where(_tasks.archived.is_(archived), seen_condition(groups, viewer))
    for column, value in (
        (_tasks.status, status),
        (_tasks.assignee, assignee),
        (_tasks.created_by, created_by),
        (_tasks.document_kind, document_kind),
        (_tasks.document_number, document_number),
    ):
        if value is not None:
            query = query.where(column == value)
    if open_only or overdue:
        query = query.where(_tasks.status.in_(OPEN_STATUSES))
    if overdue:
        query = query.where(_tasks.due_on < (today or datetime.now(UTC).date()))
    if after:
        query = query.where(_tasks.id < _id_of(after))
    query = query.order_by(_tasks.id.desc()).limit(limit)
    with one_statement(engine) as connection:
        return [_shown(row) for row in plain_rows(connection.execute(query))]


def task_detail(
    engine: Engine, number: str, *, groups: Groups = None, viewer: str | None = None
) -> dict[str, Any]:
    """One task with its description, document, comments (staff answering its notices
    by email) and history; NotFound when unknown or on a document the caller does not
    see."""
    with engine.connect() as connection:
        row = connection.execute(
            select(*LISTED, _tasks.id, _tasks.description).where(
                _tasks.number == number, seen_condition(groups, viewer)
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"no task {number}")
        detail = _shown(_row(row))
        detail["history"] = _history(connection, "task", detail.pop("id"))
    detail["comments"] = mail_queries.document_comments(engine, "task", number)
    return detail


def tasks_of(
    engine: Engine, kind: str, number: str, *, archived: bool = False
) -> list[dict[str, Any]]:
    """The tasks on one document (order, quote, rma, discussion), newest first;
    NotFound when there is no such document."""
    with engine.connect() as connection:
        document_id = _document_id(connection, kind, number)
        query = (
            select(*LISTED)
            .where(
                _tasks.document_kind == kind,
                _tasks.document_id == document_id,
                _tasks.archived.is_(archived),
            )
            .order_by(_tasks.id.desc())
        )
        return [_shown(row) for row in plain_rows(connection.execute(query))]


def check_document(
    engine: Engine,
    kind: str,
    number: str,
    *,
    groups: Groups = None,
    viewer: str | None = None,
) -> None:
    """NotFound unless the document exists and the caller may see it: an order, quote
    or RMA of a customer within `groups` (see core/storage/scope.py); a discussion
    that `viewer` started or takes part in (None: anyone, e.g. an administrator)."""
    with engine.connect() as connection:
        _document_id(connection, kind, number, _seen_by(kind, groups, viewer))


def seen_condition(groups: Groups, viewer: str | None):
    """Tasks on nothing, tasks `viewer` made or was given, and tasks on a document seen
    within `groups` and by `viewer` (None: every customer, every discussion)."""
    if groups is None and viewer is None:
        return true()
    seen = [_tasks.document_kind.is_(None)]
    if viewer is not None:
        seen += [_tasks.assignee == viewer, _tasks.created_by == viewer]
    for kind in DOCUMENT_KINDS:
        if groups is None and kind != "discussion":
            seen.append(_tasks.document_kind == kind)
            continue
        ids = select(DOCUMENT_TABLES[kind].c.id).where(_seen_by(kind, groups, viewer))
        seen.append(and_(_tasks.document_kind == kind, _tasks.document_id.in_(ids)))
    return or_(*seen)


def _seen_by(kind: str, groups: Groups, viewer: str | None):
    if kind == "order":
        return scope.order_condition(groups)
    if kind == "quote":
        customers = tables.customers.c
        in_groups = select(customers.id).where(scope.customer_condition(groups))
        return tables.quotes.c.customer_id.in_(in_groups)
    if kind == "rma":
        orders = select(tables.orders.c.id).where(scope.order_condition(groups))
        return tables.rmas.c.order_id.in_(orders)
    return discussion_queries.visible(viewer, is_admin=viewer is None)


def _document_id(connection: Connection, kind: str, number: str, condition=None) -> int:
    if kind not in DOCUMENT_KINDS:
        raise NotFound(f"tasks are on {', '.join(DOCUMENT_KINDS)}, not on a {kind}")
    table = DOCUMENT_TABLES[kind]
    query = select(table.c.id).where(table.c.number == number)
    if condition is not None:
        query = query.where(condition)
    found = connection.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no {kind} {number}")
    return found


def _id_of(number: str):
    return select(_tasks.id).where(_tasks.number == number).scalar_subquery()


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    kind, number = values.pop("document_kind"), values.pop("document_number")
    values["document"] = {"kind": kind, "number": number} if kind else None
    return values
