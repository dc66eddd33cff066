"""What the API, the CLI and the mail code show of projects and discussions: plain
dicts. A discussion is seen by an administrator, its active participants and the
active members of its project; for anyone else it is not found."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.engine import Connection, Engine

from core.errors import NotFound
from core.model.discussions import ATTACHMENT_OWNER
from core.storage import tables
from core.storage.engine import one_statement
from core.storage.queries import _history, _row, plain_rows

_projects = tables.projects.c
_members = tables.project_members.c
_discussions = tables.discussions.c
_participants = tables.discussion_participants.c
_messages = tables.discussion_messages.c
_attachments = tables.attachments.c
_tasks = tables.tasks.c
_OWNED = and_(_attachments.owner_kind == ATTACHMENT_OWNER, _attachments.owner_id == _messages.id)
ATTACHMENT_ABOUT = (
    _attachments.id,
    _attachments.filename,
    _attachments.content_type,
    _attachments.size,
)


def _takes_part(viewer: str):
    return exists().where(
        _participants.discussion_id == _discussions.id,
        _participants.username == viewer,
        _participants.active.is_(True),
    )


def visible(viewer: str, is_admin: bool):
    """The condition on discussions that `viewer` sees."""
    if is_admin:
        return true()
    projects = select(_members.project_id).where(
        _members.username == viewer, _members.active.is_(True)
    )
    return or_(_takes_part(viewer), _discussions.project_id.in_(projects))


def list_discussions(
    engine: Engine,
    viewer: str,
    *,
    is_admin: bool,
    status: str | None = None,
    project: str | None = None,
    mine: bool = False,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Newest first, those `viewer` sees (with `mine`, only those they take part in),
    each with its message count and the time of its last message."""
    summary = (
        select(
            _messages.discussion_id,
            func.count().label("messages"),
            func.max(_messages.created_at).label("last_message_at"),
        )
        .group_by(_messages.discussion_id)
        .subquery()
    )
    query = (
        select(
            _discussions.number,
            _discussions.subject,
            _discussions.status,
            _projects.code.label("project"),
            _discussions.created_by,
            _discussions.created_at,
            func.coalesce(summary.c.messages, 0).label("messages"),
            summary.c.last_message_at,
        )
        .outerjoin(tables.projects, _projects.id == _discussions.project_id)
        .outerjoin(summary, summary.c.discussion_id == _discussions.id)
        .where(visible(viewer, is_admin))
        .order_by(_discussions.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(_discussions.status == status)
    if project:
        query = query.where(_projects.code == project.strip().upper())
    if mine:
        query = query.where(_takes_part(viewer))
    if after:
        earlier = select(_discussions.id).where(_discussions.number == after).scalar_subquery()
        query = query.where(_discussions.id < earlier)
    with one_statement(engine) as connection:
        return plain_rows(connection.execute(query))


def discussion_detail(engine: Engine, number: str, viewer: str, *, is_admin: bool) -> dict:
    """One discussion: its project, participants, messages oldest first with their
    attachments (what they are, not their bytes), tasks and history."""
    with engine.connect() as connection:
        row = _discussion(connection, number, viewer, is_admin)
        detail = _row(row, drop=("id", "project_id", "project_code", "project_name"))
        detail["project"] = (
            {"code": row.project_code, "name": row.project_name} if row.project_code else None
        )
        detail["participants"] = _participants_of(connection, row.id)
        detail["messages"] = _messages_of(connection, row.id)
        detail["tasks"] = _tasks_of(connection, row.id)
        detail["history"] = _history(connection, "discussion", row.id)
    return detail


def check_discussion_visible(engine: Engine, number: str, viewer: str, is_admin: bool) -> str:
    """The discussion's status; NotFound unless it exists and `viewer` sees it."""
    with engine.connect() as connection:
        return _discussion(connection, number, viewer, is_admin).status


def attachment_of(
    engine: Engine, number: str, attachment_id: int, viewer: str, is_admin: bool
) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of a file of one of the discussion's messages."""
    query = (
        select(_attachments.filename, _attachments.content_type, _attachments.content)
        .join(tables.discussion_messages, _OWNED)
        .join(tables.discussions, _discussions.id == _messages.discussion_id)
        .where(
            _attachments.id == attachment_id,
            _discussions.number == number,
            visible(viewer, is_admin),
        )
    )
    with engine.connect() as connection:
        row = connection.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"discussion {number} has no attachment {attachment_id}")
    return row.filename, row.content_type, bytes(row.content)


def notify_list(engine: Engine, number: str, *, exclude: str | None = None) -> list[str]:
    """The usernames of the discussion's active participants who want mail about new
    messages (less `exclude`, usually the author), by username."""
    query = (
        select(_participants.username)
        .join(tables.discussions, _discussions.id == _participants.discussion_id)
        .where(
            _discussions.number == number,
            _participants.active.is_(True),
            _participants.notify.is_(True),
        )
        .order_by(_participants.username)
    )
    if exclude is not None:
        query = query.where(_participants.username != exclude)
    with one_statement(engine) as connection:
        return list(connection.execute(query).scalars())


def message_of(engine: Engine, message_id: int) -> dict[str, Any]:
    """One message with its discussion's number and subject and its attachments."""
    query = (
        select(
            _messages.id,
            _discussions.number.label("discussion_number"),
            _discussions.subject,
            _messages.author,
            _messages.author_kind,
            _messages.body,
            _messages.created_at,
        )
        .join(tables.discussions, _discussions.id == _messages.discussion_id)
        .where(_messages.id == message_id)
    )
    with engine.connect() as connection:
        row = connection.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"no discussion message {message_id}")
        message = _row(row)
        files = _attachments_of(connection, _messages.id == message_id)
        message["attachments"] = files.get(message_id, [])
    return message


def list_projects(engine: Engine, *, include_archived: bool = False) -> list[dict[str, Any]]:
    """By code, each with how many active members and discussions it has."""
    members = (
        select(func.count())
        .where(_members.project_id == _projects.id, _members.active.is_(True))
        .scalar_subquery()
    )
    discussions = (
        select(func.count()).where(_discussions.project_id == _projects.id).scalar_subquery()
    )
    query = select(
        _projects.code,
        _projects.name,
        _projects.description,
        _projects.created_by,
        _projects.archived,
        _projects.created_at,
        members.label("members"),
        discussions.label("discussions"),
    ).order_by(_projects.code)
    if not include_archived:
        query = query.where(_projects.archived.is_(False))
    with one_statement(engine) as connection:
        return plain_rows(connection.execute(query))


def project_detail(engine: Engine, code: str, viewer: str, *, is_admin: bool) -> dict:
    """One project: its members (removed ones too, inactive), the discussions in it
    that `viewer` sees, and its history."""
    with engine.connect() as connection:
        row = connection.execute(
            select(tables.projects).where(_projects.code == code.strip().upper())
        ).one_or_none()
        if row is None:
            raise NotFound(f"no project {code}")
        detail = _row(row, drop=("id",))
        members = connection.execute(
            select(_members.username, _members.active, _members.added_by, _members.created_at)
            .where(_members.project_id == row.id)
            .order_by(_members.username)
        )
        detail["members"] = plain_rows(members)
        detail["history"] = _history(connection, "project", row.id)
    detail["discussions"] = list_discussions(
        engine, viewer, is_admin=is_admin, project=row.code, limit=500
    )
    return detail


def _discussion(connection: Connection, number: str, viewer: str, is_admin: bool):
    row = connection.execute(
        select(
            tables.discussions,
            _projects.code.label("project_code"),
            _projects.name.label("project_name"),
        )
        .outerjoin(tables.projects, _projects.id == _discussions.project_id)
        .where(_discussions.number == number, visible(viewer, is_admin))
    ).one_or_none()
    if row is None:
        raise NotFound(f"no discussion {number}")
    return row


def _participants_of(connection: Connection, discussion_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            _participants.username,
            _participants.role,
            _participants.notify,
            _participants.active,
            _participants.invited_by,
            _participants.created_at,
        )
        .where(_participants.discussion_id == discussion_id)
        .order_by(_participants.id)
    )
    return plain_rows(connection.execute(query))


def _messages_of(connection: Connection, discussion_id: int) -> list[dict[str, Any]]:
    query = (
        select(
            _messages.id,
            _messages.author,
            _messages.author_kind,
            _messages.body,
            _messages.inbound_mail_id,
            _messages.created_at,
        )
        .where(_messages.discussion_id == discussion_id)
        .order_by(_messages.id)
    )
    messages = plain_rows(connection.execute(query))
    files = _attachments_of(connection, _messages.discussion_id == discussion_id)
    for message in messages:
        message["attachments"] = files.get(message["id"], [])
    return messages


def _attachments_of(connection: Connection, condition) -> dict[int, list[dict]]:
    """What the files of the messages meeting `condition` are, by message id."""
    query = (
        select(_attachments.owner_id, *ATTACHMENT_ABOUT)
        .join(tables.discussion_messages, _OWNED)
        .where(condition)
        .order_by(_attachments.id)
    )
    found: dict[int, list[dict]] = {}
    for row in plain_rows(connection.execute(query)):
        found.setdefault(row.pop("owner_id"), []).append(row)
    return found


def _tasks_of(connection: Connection, discussion_id: int) -> list[dict[str, Any]]:
    query = (
        select(_tasks.number, _tasks.title, _tasks.status, _tasks.assignee, _tasks.due_on)
        .where(_tasks.document_kind == "discussion", _tasks.document_id == discussion_id)
        .order_by(_tasks.id)
    )
    return plain_rows(connection.execute(query))
