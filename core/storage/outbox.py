"""Reading and settling the outbox: what the relays and in-process delivery use."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from core.messagebus import Message
from core.storage import tables

_c = tables.outbox.c


def _as_message(row) -> Message:
    return Message(row.message_id, row.routing_key, row.payload, row.target)


def fetch_unsent(engine: Engine, limit: int, after_id: int = 0) -> list[tuple[int, Message]]:
    query = (
        select(_c.id, _c.message_id, _c.routing_key, _c.payload, _c.target)
        .where(_c.sent_at.is_(None), _c.id > after_id)
        .order_by(_c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [(row.id, _as_message(row)) for row in connection.execute(query)]


def mark_sent(engine: Engine, ids: Sequence[int]) -> None:
    if not ids:
        return
    with engine.begin() as connection:
        _mark(connection, ids)


def _mark(connection: Connection, ids: Sequence[int]) -> None:
    connection.execute(
        update(tables.outbox).where(_c.id.in_(ids)).values(sent_at=datetime.now(UTC))
    )


class Claim:
    """Unsent rows locked by this relay until it marks them sent or lets go."""

    def __init__(self, connection: Connection, rows: list[tuple[int, Message]]) -> None:
        self.connection = connection
        self.rows = rows

    def mark_sent(self, ids: Sequence[int]) -> None:
        _mark(self.connection, ids)


@contextmanager
def claim(engine: Engine, limit: int) -> Iterator[Claim]:
    """Lock up to `limit` unsent rows (SKIP LOCKED, so relays can run side by side)."""
    query = (
        select(_c.id, _c.message_id, _c.routing_key, _c.payload, _c.target)
        .where(_c.sent_at.is_(None))
        .order_by(_c.id)
        .limit(limit)
    )
    if engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with engine.begin() as connection:
        rows = [(row.id, _as_message(row)) for row in connection.execute(query)]
        yield Claim(connection, rows)


def backlog(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(tables.outbox).where(_c.sent_at.is_(None))
        ).scalar_one()
