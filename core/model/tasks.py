"""Tasks for staff (M-100), on an order, a quote, an RMA or a discussion, or on
nothing. Any status may follow any other (a done or cancelled task can be reopened);
a task is archived, never deleted. Only a discussion's creator (or an administrator)
puts tasks on it and assigns them (M-101)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from core.errors import OrderB2BError

COUNTER = "task"
OPEN, IN_PROGRESS, WAITING, DONE, CANCELLED = "open", "in_progress", "waiting", "done", "cancelled"
STATUSES = (OPEN, IN_PROGRESS, WAITING, DONE, CANCELLED)
OPEN_STATUSES = (OPEN, IN_PROGRESS, WAITING)
PRIORITIES = ("low", "normal", "high")
DOCUMENT_KINDS = ("order", "quote", "rma", "discussion")
EDITABLE = ("title", "description", "priority", "due_on", "archived")
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
# Control characters; line breaks and tabs are allowed in the description only.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


class TaskRefused(OrderB2BError):
    """A task, or a change of one, that cannot be made as asked; nothing was changed."""


class NotAllowed(OrderB2BError):
    """The actor may not do this to this task (answered 403)."""


class TaskDocument(NamedTuple):
    """The document a task is on; `created_by` matters for discussions only."""

    kind: str
    id: int
    number: str
    created_by: str | None = None


def format_number(value: int) -> str:
    return f"TASK{value:06d}"


def check_kind(kind: str) -> str:
    if kind not in DOCUMENT_KINDS:
        raise TaskRefused(f"a task is on one of {', '.join(DOCUMENT_KINDS)}, not {kind!r}")
    return kind


def check_may_manage(document: TaskDocument | None, actor: str, is_admin: bool) -> None:
    """Tasks on a discussion are added and assigned by its creator or an administrator."""
    if document is None or document.kind != "discussion" or is_admin:
        return
    if document.created_by != actor:
        raise NotAllowed(
            f"only the creator of discussion {document.number} or an administrator"
            " adds and assigns its tasks"
        )


def check_title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TaskRefused("a task needs a title")
    title = value.strip()
    if _CONTROL.search(title) or _LINE_BREAK.search(title):
        raise TaskRefused("a task's title is one line of text")
    if len(title) > MAX_TITLE:
        raise TaskRefused(f"a task's title is at most {MAX_TITLE} characters")
    return title


def check_description(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TaskRefused("a task's description must be text")
    if _CONTROL.search(value):
        raise TaskRefused("a task's description holds characters that are not allowed")
    if len(value.strip()) > MAX_DESCRIPTION:
        raise TaskRefused(f"a task's description is at most {MAX_DESCRIPTION} characters")
    return value.strip() or None


def check_priority(value: Any) -> str:
    if value not in PRIORITIES:
        raise TaskRefused(f"priority must be one of {', '.join(PRIORITIES)}")
    return value


def check_due_on(value: Any) -> date | None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise TaskRefused("due_on must be a date")
    return value


def _check_archived(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TaskRefused("archived must be true or false")
    return value


_CHECKS = {
    "title": check_title,
    "description": check_description,
    "priority": check_priority,
    "due_on": check_due_on,
    "archived": _check_archived,
}


class Task:
    id: int | None

    def __init__(
        self,
        number: str,
        title: str,
        created_by: str,
        *,
        description: str | None = None,
        priority: str = "normal",
        assignee: str | None = None,
        due_on: date | None = None,
        document: TaskDocument | None = None,
    ) -> None:
        self.number = number
        self.title = check_title(title)
        self.description = check_description(description)
        self.priority = check_priority(priority)
        self.due_on = check_due_on(due_on)
        self.assignee = assignee
        self.created_by = created_by
        self.document_kind = document.kind if document else None
        self.document_id = document.id if document else None
        self.document_number = document.number if document else None
        self.status = OPEN
        self.completed_at = None
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def edit(self, **values: Any) -> list[str]:
        """Changes the fields given (of EDITABLE); returns the names that changed."""
        unknown = sorted(set(values) - set(EDITABLE))
        if unknown:
            raise TaskRefused(f"a task has no editable {', '.join(unknown)}")
        checked = {name: _CHECKS[name](value) for name, value in values.items()}
        changed = [name for name, value in checked.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, checked[name])
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed

    def change_status(self, status: str) -> str:
        """Moves to `status` (any but the present one); returns the previous status."""
        if status not in STATUSES:
            raise TaskRefused(f"status must be one of {', '.join(STATUSES)}")
        self._require_live()
        if status == self.status:
            raise TaskRefused(f"task {self.number} is {status} already")
        previous, now = self.status, datetime.now(UTC)
        self.status = status
        self.completed_at = now if status == DONE else None
        self.updated_at = now
        return previous

    def assign(self, assignee: str | None) -> str | None:
        """Gives the task to `assignee` (None: nobody); returns who had it."""
        self._require_live()
        if assignee == self.assignee:
            who = assignee or "nobody"
            raise TaskRefused(f"task {self.number} is assigned to {who} already")
        previous = self.assignee
        self.assignee = assignee
        self.updated_at = datetime.now(UTC)
        return previous

    def _require_live(self) -> None:
        if self.archived:
            raise TaskRefused(f"task {self.number} is archived; unarchive it first")
