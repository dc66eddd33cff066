"""Mail to our own staff about their work (M-100, M-101): a task given to them, every
change of a task's status (to its assignee and its creator), a new message in a
discussion they follow, an invitation to a discussion. Queued in the same transaction
that marks the event handled; staff without an email address are skipped."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from core import events, ports
from core.handlers.mail import queue_mail
from core.storage import discussion_queries
from core.storage.engine import reader
from hub.mailing import contexts
from hub.mailing.letters import Letter, Post

log = logging.getLogger("orderb2b.mail")


class StaffNotices:
    name = "staff_notices"
    routing_keys = (
        "task.created",
        "task.assigned",
        "task.status_changed",
        "discussion.invited",
        "discussion.message_posted",
    )

    def __init__(self, post: Post) -> None:
        self.post = post
        self.letters = {
            events.TaskCreated: self._task_created,
            events.TaskAssigned: self._task_assigned,
            events.TaskStatusChanged: self._task_status,
            events.DiscussionInvited: self._invited,
            events.DiscussionMessagePosted: self._message,
        }

    def handle(self, event: events.Event, uow: ports.UnitOfWork) -> None:
        engine = reader(uow, self.post.engine)
        for letter in self.letters[type(event)](event, engine):
            mail_id = queue_mail(self.post.command(letter, engine), uow)
            log.info(
                "staff notice queued",
                extra={"mail": mail_id, "kind": letter.kind, "document": letter.document_number},
            )

    def _task_created(self, event: events.TaskCreated, engine) -> list[Letter]:
        if not event.assignee or event.assignee == event.created_by:
            return []
        return self._task_letters(engine, event.task_number, (event.assignee,), event.created_by)

    def _task_assigned(self, event: events.TaskAssigned, engine) -> list[Letter]:
        if not event.assignee or event.assignee == event.assigned_by:
            return []
        return self._task_letters(engine, event.task_number, (event.assignee,), event.assigned_by)

    def _task_status(self, event: events.TaskStatusChanged, engine) -> list[Letter]:
        task = contexts.task_context(engine, event.task_number)
        people = contexts.staff_people(engine, (task["assignee_username"], task["created_by"]))
        if not people:
            return []
        task["status_change"] = {
            "by": contexts.display_name(engine, event.changed_by),
            "previous": contexts.task_status_label(event.previous),
            "status": contexts.task_status_label(event.status),
        }
        to = tuple(person["address"] for person in people)
        name = people[0]["name"] if len(people) == 1 else None
        context = {"task": task, "contact_name": name}
        return [Letter("task_notification", "task", event.task_number, to, context)]

    def _task_letters(self, engine, number: str, usernames, by: str) -> list[Letter]:
        task = contexts.task_context(engine, number)
        task["assigned_by"] = contexts.display_name(engine, by)
        return [
            Letter(
                "task_notification",
                "task",
                number,
                (person["address"],),
                {"task": task, "contact_name": person["name"]},
            )
            for person in contexts.staff_people(engine, usernames)
        ]

    def _invited(self, event: events.DiscussionInvited, engine) -> list[Letter]:
        if event.username == event.invited_by:
            return []
        discussion = contexts.discussion_context(engine, event.discussion_number)
        context = {
            "discussion": discussion,
            "invited_by": contexts.display_name(engine, event.invited_by),
        }
        return _each(
            engine, (event.username,), "discussion_invitation", event.discussion_number, context
        )

    def _message(self, event: events.DiscussionMessagePosted, engine) -> list[Letter]:
        message = discussion_queries.message_of(engine, event.message_id)
        readers = discussion_queries.notify_list(
            engine, event.discussion_number, exclude=event.author
        )
        post = {
            "author": contexts.display_name(engine, message["author"]),
            "body": message["body"],
            "attachments": [a["filename"] for a in message["attachments"]],
        }
        discussion = contexts.discussion_context(engine, event.discussion_number)
        context = {"discussion": discussion, "post": post}
        return _each(engine, readers, "discussion_notification", event.discussion_number, context)


def _each(engine, usernames: Iterable[str], kind: str, number: str, context) -> list[Letter]:
    """One letter to each person, greeted by name."""
    return [
        Letter(
            kind,
            "discussion",
            number,
            (person["address"],),
            {**context, "contact_name": person["name"]},
        )
        for person in contexts.staff_people(engine, usernames)
    ]
