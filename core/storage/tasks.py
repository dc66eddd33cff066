"""Storage of tasks for staff: mapping, repository and audit roots."""

from __future__ import annotations

from sqlalchemy.orm import Session, registry

from core import ports

AUDIT_ROOTS: dict = {}
ENTITY_NAMES: dict = {}


def map_tasks(mapper_registry: registry) -> None:
    """Maps the tasks for staff classes onto their tables."""


class SqlTaskRepository(ports.TaskRepository):
    def __init__(self, session: Session) -> None:
        self.session = session
