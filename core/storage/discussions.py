"""Projects and discussions through the ORM: a project with its members, a discussion
with its participants (both loaded with it) and its project; messages are added on
their own. All are in their project's or discussion's history, written by the commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, registry, relationship

from core import ports
from core.model.discussions import (
    Discussion,
    DiscussionMessage,
    Participant,
    Project,
    ProjectMember,
)
from core.storage import tables

AUDIT_ROOTS: dict = {
    Project: ("project", lambda p: p.id),
    ProjectMember: ("project", lambda m: m.project_id),
    Discussion: ("discussion", lambda d: d.id),
    Participant: ("discussion", lambda p: p.discussion_id),
    DiscussionMessage: ("discussion", lambda m: m.discussion_id),
}
ENTITY_NAMES: dict = {
    Project: "project",
    ProjectMember: "project_member",
    Discussion: "discussion",
    Participant: "discussion_participant",
    DiscussionMessage: "discussion_message",
}


def map_discussions(mapper_registry: registry) -> None:
    """Maps projects, discussions and their parts onto their tables."""
    members = tables.project_members.c
    participants = tables.discussion_participants.c
    mapper_registry.map_imperatively(ProjectMember, tables.project_members)
    mapper_registry.map_imperatively(
        Project,
        tables.projects,
        properties={"members": relationship(ProjectMember, order_by=members.id, lazy="selectin")},
    )
    mapper_registry.map_imperatively(Participant, tables.discussion_participants)
    mapper_registry.map_imperatively(DiscussionMessage, tables.discussion_messages)
    mapper_registry.map_imperatively(
        Discussion,
        tables.discussions,
        properties={
            "project": relationship(Project, lazy="selectin"),
            "participants": relationship(Participant, order_by=participants.id, lazy="selectin"),
        },
    )


class SqlDiscussionRepository(ports.DiscussionRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_project(self, project: Project) -> None:
        self.session.add(project)
        self.session.flush()

    def project(self, code: str) -> Project | None:
        return self.session.scalars(select(Project).filter_by(code=code)).one_or_none()

    def add(self, discussion: Discussion) -> None:
        self.session.add(discussion)
        self.session.flush()

    def get(self, number: str, *, lock: bool = False) -> Discussion | None:
        query = select(Discussion).filter_by(number=number)
        if lock and self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(of=tables.discussions)  # SQLite serialises writers
        return self.session.scalars(query).one_or_none()

    def add_message(self, message: DiscussionMessage) -> None:
        self.session.add(message)
        self.session.flush()
