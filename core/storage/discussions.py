"""Storage of projects and discussions: mapping, repository and audit roots."""

from __future__ import annotations

from sqlalchemy.orm import Session, registry

from core import ports

AUDIT_ROOTS: dict = {}
ENTITY_NAMES: dict = {}


def map_discussions(mapper_registry: registry) -> None:
    """Maps the the discussion board: projects and discussions classes onto their tables."""


class SqlDiscussionRepository(ports.DiscussionRepository):
    def __init__(self, session: Session) -> None:
        self.session = session
