"""Dead letters: messages a processor kept failing on, with the error, until replayed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from core.errors import NotFound
from core.messagebus import Message
from core.storage import tables
from core.storage.uow import new_message_id

_c = tables.dead_letters.c


@dataclass(frozen=True)
class DeadLetter:
    id: int
    processor: str
    message_id: str
    routing_key: str
    payload: str
    error: str
    attempts: int
    failed_at: datetime
    replayed_at: datetime | None


def record(engine: Engine, processor: str, message: Message, error: str, attempts: int) -> int:
    with engine.begin() as connection:
        return connection.execute(
            insert(tables.dead_letters)
            .values(
                processor=processor,
                message_id=message.message_id,
                routing_key=message.routing_key,
                payload=message.body,
                error=error[:4000],
                attempts=attempts,
                failed_at=datetime.now(UTC),
            )
            .returning(_c.id)
        ).scalar_one()


def listing(engine: Engine, *, include_replayed: bool = False) -> list[DeadLetter]:
    query = select(tables.dead_letters).order_by(_c.id)
    if not include_replayed:
        query = query.where(_c.replayed_at.is_(None))
    with engine.connect() as connection:
        return [DeadLetter(**row._mapping) for row in connection.execute(query)]


def waiting(engine: Engine) -> int:
    """How many dead letters wait to be replayed."""
    query = select(func.count()).select_from(tables.dead_letters).where(_c.replayed_at.is_(None))
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


def replay(engine: Engine, dead_letter_id: int) -> DeadLetter:
    """Put the message back in the outbox, addressed to its processor only."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        row = connection.execute(
            select(tables.dead_letters).where(_c.id == dead_letter_id)
        ).one_or_none()
        if row is None or row.replayed_at is not None:
            raise NotFound(f"no dead letter {dead_letter_id} waiting to be replayed")
        connection.execute(
            insert(tables.outbox).values(
                message_id=new_message_id(),
                routing_key=row.routing_key,
                target=row.processor,
                payload=row.payload,
                created_at=now,
            )
        )
        connection.execute(
            update(tables.dead_letters).where(_c.id == dead_letter_id).values(replayed_at=now)
        )
    return DeadLetter(**row._mapping)
