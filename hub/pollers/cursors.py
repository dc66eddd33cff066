"""Where each poller got to: kept in `poller_state`, one row per marketplace account."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from core.storage import tables

_state = tables.poller_state


class SqlCursorStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, name: str) -> datetime | None:
        with self.engine.connect() as connection:
            cursor = connection.execute(
                select(_state.c.cursor).where(_state.c.name == name)
            ).scalar()
        if cursor is not None and cursor.tzinfo is None:
            cursor = cursor.replace(tzinfo=UTC)
        return cursor

    def save(self, name: str, cursor: datetime | None, documents: int, error: str | None) -> None:
        now = datetime.now(UTC)
        values = {"cursor": cursor, "last_run_at": now, "last_error": error}
        if error is None:
            values["last_success_at"] = now
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(_state)
                .where(_state.c.name == name)
                .values(documents=_state.c.documents + documents, **values)
            ).rowcount
            if not changed:
                connection.execute(insert(_state).values(name=name, documents=documents, **values))
