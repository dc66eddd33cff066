"""Primary keys drawn in bulk, before the rows are written.

With keys known before the INSERT, the ORM sends a table's rows as one pipelined
executemany, and bulk writers can link lines to their orders without RETURNING.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def draw_keys(connection: Connection, table: str, count: int) -> list[int]:
    if connection.dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        query = text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)")
        return sorted(connection.execute(query, {"n": count}).scalars())
    # SQLite: every write transaction holds the database lock (BEGIN IMMEDIATE), and
    # a rowid key is max + 1, so the next keys are known and nobody else takes them.
    last = connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
    return list(range(last + 1, last + count + 1))


def install(session: Session) -> None:
    event.listen(session, "before_flush", _assign_keys)


def _assign_keys(session: Session, _context, _instances) -> None:
    if session.bind.dialect.name != "postgresql":
        return
    waiting = defaultdict(list)
    for obj in session.new:
        if getattr(obj, "id", None) is None:
            waiting[inspect(obj).mapper.local_table.name].append(obj)
    for table, objects in waiting.items():
        if len(objects) > 1:
            for obj, key in zip(
                objects, draw_keys(session.connection(), table, len(objects)), strict=True
            ):
                obj.id = key
