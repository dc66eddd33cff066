"""Storage of tasks for staff: mapping, repository and audit roots. A task's
document is found with a plain select on its table (orders, quotes, RMAs and
discussions are aggregates of their own)."""

from __future__ import annotations

from sqlalchemy import null, select
from sqlalchemy.orm import Session, registry

from core import ports
from core.model.tasks import Task, TaskDocument
from core.storage import tables

AUDIT_ROOTS: dict = {Task: ("task", lambda t: t.id)}
ENTITY_NAMES: dict = {Task: "task"}
DOCUMENT_TABLES = {
    "order": tables.orders,
    "quote": tables.quotes,
    "rma": tables.rmas,
    "discussion": tables.discussions,
}


def map_tasks(mapper_registry: registry) -> None:
    """Maps the tasks for staff classes onto their tables."""
    mapper_registry.map_imperatively(Task, tables.tasks)


class SqlTaskRepository(ports.TaskRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, task: Task) -> None:
        self.session.add(task)
        self.session.flush()

    def get(self, number: str, *, lock: bool = False) -> Task | None:
        query = select(Task).filter_by(number=number)
        if lock and self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()  # SQLite serialises its writers
        return self.session.scalars(query).one_or_none()

    def document(self, kind: str, number: str) -> TaskDocument | None:
        table = DOCUMENT_TABLES[kind]
        creator = table.c.created_by if kind == "discussion" else null()
        query = select(table.c.id, table.c.number, creator.label("created_by"))
        row = self.session.execute(query.where(table.c.number == number)).first()
        return None if row is None else TaskDocument(kind, row.id, row.number, row.created_by)
