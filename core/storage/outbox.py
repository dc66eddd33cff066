"""Reading and settling the outbox: what the relays and in-process delivery use."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Select, Update, bindparam, func, select, update
from sqlalchemy.engine import Engine, Row

from core.messagebus import Message
from core.storage import tables

_c = tables.outbox.c


def unsent_query(limit, *, lock: bool = False) -> Select:
    """The oldest unsent rows; `lock` claims them (SKIP LOCKED) for one relay."""
    query = (
        select(_c.id, _c.message_id, _c.routing_key, _c.payload, _c.target)
        .where(_c.sent_at.is_(None))
        .order_by(_c.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True) if lock else query


@functools.cache
def claim_statement() -> Update:
    """Marks the oldest unsent rows (at most `limit`) sent at `now` and returns
    them, in one statement built once.

    The relay holds this transaction open until the broker has confirmed every
    message, then commits; on a nack or a lost connection it rolls back, so a row
    counts as sent exactly when its message was confirmed. SKIP LOCKED lets relays
    in several processes claim different rows.
    """
    oldest = unsent_query(bindparam("limit"), lock=True).with_only_columns(_c.id)
    return (
        update(tables.outbox)
        .where(_c.id.in_(oldest.scalar_subquery()))
        .values(sent_at=bindparam("now"))
        .returning(_c.id, _c.message_id, _c.routing_key, _c.payload, _c.target)
    )


def as_message(row: Row) -> Message:
    return Message(row.message_id, row.routing_key, row.payload, row.target)


def fetch_unsent(engine: Engine, limit: int) -> list[tuple[int, Message]]:
    with engine.connect() as connection:
        return [(row.id, as_message(row)) for row in connection.execute(unsent_query(limit))]


def mark_sent(engine: Engine, ids: Sequence[int]) -> None:
    if ids:
        with engine.begin() as connection:
            connection.execute(
                update(tables.outbox).where(_c.id.in_(ids)).values(sent_at=datetime.now(UTC))
            )


def backlog(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(tables.outbox).where(_c.sent_at.is_(None))
        ).scalar_one()
