"""The discussion board (M-101): projects, with the staff assigned to them, and
discussions among staff, each with its participants and messages.

Who sees a discussion: an administrator, its active participants and the active
members of its project; to anyone else it does not exist. Nothing is deleted: a
member removed or a participant who left is kept inactive, a project is archived,
and messages are never changed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from core.errors import NotFound, OrderB2BError
from core.model.attachments import (
    MAX_BYTES,
    Attachment,
    AttachmentRefused,
    AttachmentTooLarge,
    safe_filename,
)

COUNTER = "discussion"
OPEN, ON_HOLD, RESOLVED, CLOSED = "open", "on_hold", "resolved", "closed"
STATUSES = (OPEN, ON_HOLD, RESOLVED, CLOSED)
CREATOR, INVITED, MEMBER = "creator", "invited", "member"
MAX_CODE = 32
MAX_NAME = 200
MAX_DESCRIPTION = 10_000
MAX_SUBJECT = 300
MAX_BODY = 20_000
MAX_ATTACHMENTS = 20
ATTACHMENT_OWNER = "discussion_message"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_CODE = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_CODE}}}")
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
# Control characters; line breaks and tabs are allowed in long texts only.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_LINE_BREAK = re.compile(r"[\r\n\t]")


class DiscussionRefused(OrderB2BError):
    """A project or discussion change that cannot be made as asked; nothing changed."""


class NotAllowed(OrderB2BError):
    """The actor sees the project or discussion but may not do this to it (403)."""


def format_number(value: int) -> str:
    return f"DISC{value:06d}"


def check_code(code: Any) -> str:
    """A project's code as kept: letters, digits, - and _, at most 32, upper-case."""
    if not isinstance(code, str) or not _CODE.fullmatch(code.strip()):
        raise DiscussionRefused(f"project code {code!r}: 1 to {MAX_CODE} letters, digits, - or _")
    return code.strip().upper()


def _line(what: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DiscussionRefused(f"a {what} is needed")
    text = value.strip()
    if _CONTROL.search(text) or _LINE_BREAK.search(text):
        raise DiscussionRefused(f"a {what} is one line of text")
    if len(text) > limit:
        raise DiscussionRefused(f"a {what} is at most {limit} characters")
    return text


def _text(what: str, value: Any, limit: int) -> str | None:
    """A long text, trimmed; None when blank."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise DiscussionRefused(f"a {what} must be text")
    if _CONTROL.search(value):
        raise DiscussionRefused(f"a {what} holds characters that are not allowed")
    text = value.strip()
    if len(text) > limit:
        raise DiscussionRefused(f"a {what} is at most {limit:,} characters")
    return text or None


def check_subject(value: Any) -> str:
    return _line("subject", value, MAX_SUBJECT)


def check_body(value: Any) -> str:
    body = _text("message", value, MAX_BODY)
    if body is None:
        raise DiscussionRefused("a message needs some text")
    return body


class ProjectMember:
    id: int | None
    project_id: int | None

    def __init__(self, username: str, added_by: str, now: datetime) -> None:
        self.username = username
        self.added_by = added_by
        self.active = True
        self.created_at = self.updated_at = now


class Project:
    """A group of discussions; its active members see all of them."""

    id: int | None
    members: list[ProjectMember]

    def __init__(
        self, code: str, name: str, created_by: str, description: str | None = None
    ) -> None:
        self.code = check_code(code)
        self.name = _line("project name", name, MAX_NAME)
        self.description = _text("description", description, MAX_DESCRIPTION)
        self.created_by = created_by
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
        self.members = []

    def check_may_change(self, username: str, is_admin: bool) -> None:
        if not (is_admin or username == self.created_by):
            raise NotAllowed(
                f"only {self.created_by}, who made project {self.code}, or an administrator"
                " may change it and its members"
            )

    def change(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        archived: bool | None = None,
    ) -> list[str]:
        """Changes what is given ("" clears the description); returns what changed."""
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = _line("project name", name, MAX_NAME)
        if description is not None:
            values["description"] = _text("description", description, MAX_DESCRIPTION)
        if archived is not None:
            values["archived"] = bool(archived)
        changed = [key for key, value in values.items() if getattr(self, key) != value]
        for key in changed:
            setattr(self, key, values[key])
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed

    def member(self, username: str) -> ProjectMember | None:
        return next((m for m in self.members if m.username == username), None)

    def is_member(self, username: str) -> bool:
        found = self.member(username)
        return found is not None and found.active

    def add_member(self, username: str, added_by: str) -> bool:
        """Adds (or makes active again) a member; False when already an active one."""
        now = datetime.now(UTC)
        found = self.member(username)
        if found is None:
            self.members.append(ProjectMember(username, added_by, now))
        elif found.active:
            return False
        else:
            found.active, found.added_by, found.updated_at = True, added_by, now
        self.updated_at = now
        return True

    def remove_member(self, username: str) -> bool:
        """Makes a member inactive (kept, never deleted); False when already inactive."""
        found = self.member(username)
        if found is None:
            raise DiscussionRefused(f"{username} is not a member of project {self.code}")
        if not found.active:
            return False
        found.active = False
        found.updated_at = self.updated_at = datetime.now(UTC)
        return True


class Participant:
    id: int | None
    discussion_id: int | None

    def __init__(self, username: str, role: str, invited_by: str, now: datetime) -> None:
        self.username = username
        self.role = role
        self.invited_by = invited_by
        self.notify = True
        self.active = True
        self.created_at = self.updated_at = now


class DiscussionMessage:
    id: int | None

    def __init__(
        self,
        discussion_id: int | None,
        author: str,
        body: str,
        author_kind: str = "staff",
        inbound_mail_id: int | None = None,
    ) -> None:
        self.discussion_id = discussion_id
        self.author = author
        self.author_kind = author_kind
        self.body = check_body(body)
        self.inbound_mail_id = inbound_mail_id  # the message it came by, when emailed
        self.created_at = datetime.now(UTC)


class Discussion:
    id: int | None
    participants: list[Participant]

    def __init__(
        self, number: str, subject: str, created_by: str, project: Project | None = None
    ) -> None:
        if project is not None and project.archived:
            raise DiscussionRefused(f"project {project.code} is archived")
        now = datetime.now(UTC)
        self.id = None
        self.number = number
        self.subject = check_subject(subject)
        self.status = OPEN
        self.created_by = created_by
        self.project = project
        self.archived = False
        self.created_at = self.updated_at = now
        self.participants = [Participant(created_by, CREATOR, created_by, now)]

    def participant(self, username: str) -> Participant | None:
        return next((p for p in self.participants if p.username == username), None)

    def takes_part(self, username: str) -> bool:
        found = self.participant(username)
        return found is not None and found.active

    def sees(self, username: str, is_admin: bool = False) -> bool:
        project = self.project
        in_project = project is not None and project.is_member(username)
        return is_admin or self.takes_part(username) or in_project

    def check_visible(self, username: str, is_admin: bool = False) -> None:
        """NotFound, never a hint that it exists, for whoever may not see it."""
        if not self.sees(username, is_admin):
            raise NotFound(f"no discussion {self.number}")

    def may_manage(self, username: str, is_admin: bool = False) -> bool:
        """The creator or an administrator: changes the status, adds and assigns tasks."""
        return is_admin or username == self.created_by

    def check_may_invite(self, username: str, is_admin: bool = False) -> None:
        self.check_visible(username, is_admin)
        if not (is_admin or self.takes_part(username)):
            raise NotAllowed(f"only the participants of {self.number} may invite to it")

    def invite(self, username: str, by: str, is_admin: bool = False) -> bool:
        """Any participant (or an administrator) invites; someone who left takes part
        again. False when `username` takes part already."""
        self.check_may_invite(by, is_admin)
        now = datetime.now(UTC)
        found = self.participant(username)
        if found is None:
            self.participants.append(Participant(username, INVITED, by, now))
        elif found.active:
            return False
        else:
            found.active, found.invited_by, found.updated_at = True, by, now
        return True

    def leave(self, username: str, is_admin: bool = False) -> None:
        found = self._own(username, is_admin)
        if found.role == CREATOR:
            raise DiscussionRefused(f"the creator of {self.number} cannot leave it")
        found.active = False
        found.updated_at = datetime.now(UTC)

    def set_notify(self, username: str, notify: bool, is_admin: bool = False) -> bool:
        """One's own mail about new messages on or off; True when it changed."""
        found = self._own(username, is_admin)
        if found.notify == bool(notify):
            return False
        found.notify = bool(notify)
        found.updated_at = datetime.now(UTC)
        return True

    def change_status(self, status: str, by: str, is_admin: bool = False) -> str | None:
        """The previous status, or None when it was `status` already."""
        self.check_visible(by, is_admin)
        if status not in STATUSES:
            raise DiscussionRefused(f"status must be one of {', '.join(STATUSES)}")
        if not self.may_manage(by, is_admin):
            raise NotAllowed(
                f"only {self.created_by}, who started {self.number}, or an administrator"
                " may change its status"
            )
        if status == self.status:
            return None
        previous, self.status = self.status, status
        self.updated_at = datetime.now(UTC)
        return previous

    def post(
        self,
        author: str,
        body: str,
        *,
        is_admin: bool = False,
        author_kind: str = "staff",
        inbound_mail_id: int | None = None,
    ) -> DiscussionMessage:
        """A new message by whoever sees the discussion, while it is not closed. A
        project member (or a participant who left) takes part from then on; an
        administrator who does not take part stays out."""
        self.check_visible(author, is_admin)
        if self.status == CLOSED:
            raise DiscussionRefused(f"{self.number} is closed: it takes no more messages")
        message = DiscussionMessage(self.id, author, body, author_kind, inbound_mail_id)
        self._join(author)
        self.updated_at = message.created_at
        return message

    def _join(self, username: str) -> None:
        found, now = self.participant(username), datetime.now(UTC)
        if found is None and self.project is not None and self.project.is_member(username):
            self.participants.append(Participant(username, MEMBER, username, now))
        elif found is not None and not found.active:
            found.active, found.updated_at = True, now

    def _own(self, username: str, is_admin: bool) -> Participant:
        self.check_visible(username, is_admin)
        found = self.participant(username)
        if found is None or not found.active:
            raise DiscussionRefused(f"{username} does not take part in {self.number}")
        return found


def message_attachments(
    message: DiscussionMessage, files: Iterable[tuple[str | None, str | None, bytes]]
) -> list[Attachment]:
    """The files of a kept message, each (filename, content type, bytes): at most
    MAX_ATTACHMENTS, none empty, together at most MAX_BYTES."""
    files = list(files)
    if len(files) > MAX_ATTACHMENTS:
        raise AttachmentRefused(f"a message takes at most {MAX_ATTACHMENTS} attachments")
    total = sum(len(content) for _, _, content in files)
    if total > MAX_BYTES:
        raise AttachmentTooLarge(
            f"the attachments come to {total} bytes; at most {MAX_BYTES} bytes"
            f" ({MAX_BYTES // (1024 * 1024)} MiB) are taken"
        )
    return [_attachment(message, *file) for file in files]


def _attachment(
    message: DiscussionMessage, filename: str | None, content_type: str | None, content: bytes
) -> Attachment:
    name = safe_filename(filename or "attachment")
    if not content:
        raise AttachmentRefused(f"{name}: the file is empty")
    kind = (content_type or DEFAULT_CONTENT_TYPE).split(";")[0].strip().lower()
    if len(kind) > 100 or not _CONTENT_TYPE.fullmatch(kind):
        raise AttachmentRefused(f"{name}: {content_type!r} is not a content type")
    return Attachment(
        ATTACHMENT_OWNER,
        message.id,
        name,
        kind,
        bytes(content),
        message.author,
        message.created_at,
    )
