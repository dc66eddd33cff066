"""Handlers of the discussion board (M-101): projects and their members, discussions,
their participants, status and messages (also those that came by email)."""

from __future__ import annotations

from collections.abc import Iterable

from core import commands, events, ports
from core.errors import NotFound
from core.model.discussions import (
    COUNTER,
    Discussion,
    DiscussionRefused,
    Project,
    check_code,
    format_number,
    message_attachments,
)


def add_project(command: commands.AddProject, uow: ports.UnitOfWork) -> str:
    code = check_code(command.code)
    if uow.discussions.project(code) is not None:
        raise DiscussionRefused(f"there is a project {code} already")
    project = Project(code, command.name, uow.actor.name, command.description)
    uow.discussions.add_project(project)
    return project.code


def change_project(command: commands.ChangeProject, uow: ports.UnitOfWork) -> list[str]:
    project = _project(uow, command.code)
    project.check_may_change(uow.actor.name, command.actor_is_admin)
    return project.change(
        name=command.name, description=command.description, archived=command.archived
    )


def change_project_members(command: commands.ChangeProjectMembers, uow: ports.UnitOfWork) -> None:
    both = sorted(set(command.add) & set(command.remove))
    if both:
        raise DiscussionRefused(f"cannot both add and remove {', '.join(both)}")
    project = _project(uow, command.code)
    project.check_may_change(uow.actor.name, command.actor_is_admin)
    for username in _active_staff(uow, command.add):
        project.add_member(username, uow.actor.name)
    for username in command.remove:
        project.remove_member(username)


def start_discussion(command: commands.StartDiscussion, uow: ports.UnitOfWork) -> str:
    actor = uow.actor.name
    project = _project(uow, command.project) if command.project else None
    invitees = _active_staff(uow, command.invite)
    number = format_number(uow.next_counter(COUNTER)[0])
    discussion = Discussion(number, command.subject, actor, project)
    invited = [name for name in invitees if discussion.invite(name, actor)]
    uow.discussions.add(discussion)
    uow.emit(events.DiscussionStarted(number, project.code if project else None, actor))
    for username in invited:
        uow.emit(events.DiscussionInvited(number, username, actor))
    if command.body is not None and command.body.strip():
        _post(uow, discussion, actor, command.body)
    return number


def post_discussion_message(command: commands.PostDiscussionMessage, uow: ports.UnitOfWork) -> int:
    author, is_admin = _author(command, uow)
    discussion = _discussion(uow, command.number)
    return _post(
        uow,
        discussion,
        author,
        command.body,
        command.attachments,
        is_admin=is_admin,
        author_kind=command.author_kind,
        inbound_mail_id=command.inbound_mail_id,
    )


def change_discussion_status(
    command: commands.ChangeDiscussionStatus, uow: ports.UnitOfWork
) -> None:
    actor = uow.actor.name
    discussion = _discussion(uow, command.number)
    previous = discussion.change_status(command.status, actor, command.actor_is_admin)
    if previous is not None:
        uow.emit(events.DiscussionStatusChanged(discussion.number, previous, command.status, actor))


def invite_to_discussion(command: commands.InviteToDiscussion, uow: ports.UnitOfWork) -> list[str]:
    actor = uow.actor.name
    discussion = _discussion(uow, command.number)
    discussion.check_may_invite(actor, command.actor_is_admin)
    invited = [
        username
        for username in _active_staff(uow, command.usernames)
        if discussion.invite(username, actor, command.actor_is_admin)
    ]
    for username in invited:
        uow.emit(events.DiscussionInvited(discussion.number, username, actor))
    return invited


def leave_discussion(command: commands.LeaveDiscussion, uow: ports.UnitOfWork) -> None:
    _discussion(uow, command.number).leave(uow.actor.name, command.actor_is_admin)


def set_discussion_notify(command: commands.SetDiscussionNotify, uow: ports.UnitOfWork) -> bool:
    discussion = _discussion(uow, command.number)
    return discussion.set_notify(uow.actor.name, command.notify, command.actor_is_admin)


def _post(
    uow: ports.UnitOfWork,
    discussion: Discussion,
    author: str,
    body: str,
    attachments: Iterable[tuple[str, str, bytes]] = (),
    **options,
) -> int:
    message = discussion.post(author, body, **options)
    uow.discussions.add_message(message)
    for attachment in message_attachments(message, attachments):
        uow.attachments.add(attachment)
    uow.emit(events.DiscussionMessagePosted(discussion.number, message.id, author))
    return message.id


def _author(command: commands.PostDiscussionMessage, uow: ports.UnitOfWork) -> tuple[str, bool]:
    """Who writes, and whether they are an administrator: the actor, or the staff
    member named as author (who must be active)."""
    if command.author is None:
        return uow.actor.name, command.actor_is_admin
    staff = uow.staff.get(command.author)
    if staff is None or not staff.at_work:
        raise NotFound(f"no discussion {command.number}")
    return staff.username, staff.is_admin


def _active_staff(uow: ports.UnitOfWork, usernames: Iterable[str]) -> list[str]:
    """The usernames (each once, in order) when every one is an active staff member."""
    names = list(dict.fromkeys(usernames))
    for username in names:
        staff = uow.staff.get(username)
        if staff is None or not staff.at_work:
            raise DiscussionRefused(f"{username} is not an active staff member")
    return names


def _project(uow: ports.UnitOfWork, code: str) -> Project:
    project = uow.discussions.project(code.strip().upper())
    if project is None:
        raise NotFound(f"no project {code}")
    return project


def _discussion(uow: ports.UnitOfWork, number: str) -> Discussion:
    discussion = uow.discussions.get(number, lock=True)
    if discussion is None:
        raise NotFound(f"no discussion {number}")
    return discussion


HANDLERS = {
    commands.AddProject: add_project,
    commands.ChangeProject: change_project,
    commands.ChangeProjectMembers: change_project_members,
    commands.StartDiscussion: start_discussion,
    commands.PostDiscussionMessage: post_discussion_message,
    commands.ChangeDiscussionStatus: change_discussion_status,
    commands.InviteToDiscussion: invite_to_discussion,
    commands.LeaveDiscussion: leave_discussion,
    commands.SetDiscussionNotify: set_discussion_notify,
}
