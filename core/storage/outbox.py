"""Reading and settling the outbox: what the relays and in-process delivery use."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Select, Update, bindparam, func, select, update
from sqlalchemy.engine import Connection, Engine, Row

from core.messagebus import Message
from core.storage import tables
from core.storage.matching import one_of

_c = tables.outbox.c
_MESSAGE_COLUMNS = (_c.id, _c.message_id, _c.routing_key, _c.payload, _c.target)


@functools.cache
def claim_query(*, lock: bool) -> Select:
    """The oldest unsent rows above id `floor`, at most `limit`; `lock` claims them
    for one relay (SKIP LOCKED, so relays in several processes claim different rows).

    Sent rows leave dead entries in the unsent index until vacuum comes; a relay
    that starts its scan just below the rows it claimed last skips them (see
    `ClaimFloor`), so a claim costs the same however long the outbox has grown.
    """
    query = (
        select(*_MESSAGE_COLUMNS)
        .where(_c.sent_at.is_(None), _c.id > bindparam("floor"))
        .order_by(_c.id)
        .limit(bindparam("limit"))
    )
    return query.with_for_update(skip_locked=True) if lock else query


@functools.cache
def mark_sent_statement(dialect: str) -> Update:
    """Marks the rows whose ids are bound as `ids` sent at `now`."""
    sent = one_of(dialect, _c.id, "ids")
    return update(tables.outbox).where(sent).values(sent_at=bindparam("now"))


def as_message(row: Row) -> Message:
    return Message(row.message_id, row.routing_key, row.payload, row.target)


def fetch_unsent(engine: Engine, limit: int) -> list[tuple[int, Message]]:
    with engine.connect() as connection:
        query = claim_query(lock=False)
        rows = connection.execute(query, {"floor": 0, "limit": limit})
        return [(row.id, as_message(row)) for row in rows]


def mark_sent(engine: Engine, ids: Sequence[int]) -> None:
    if ids:
        with engine.begin() as connection:
            mark_sent_on(connection, ids)


def mark_sent_on(connection: Connection, ids: Sequence[int]) -> None:
    statement = mark_sent_statement(connection.dialect.name)
    connection.execute(statement, {"ids": list(ids), "now": datetime.now(UTC)})


def backlog(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(tables.outbox).where(_c.sent_at.is_(None))
        ).scalar_one()
