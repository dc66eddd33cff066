"""Where each poller got to: kept in `poller_state`, one row per marketplace account.

Every worker process and host starts the pollers; on PostgreSQL an advisory lock
per account lets one of them poll it at a time (SQLite serves one process anyway).
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import insert, select, text, update
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

    @contextlib.contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        """True while this process is the one polling `name`; False if another is."""
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        key = zlib.crc32(f"orderb2b-poller:{name}".encode())
        with self.engine.connect() as connection:
            held = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
