"""Draws primary keys for a flush's new rows in one query per table (PostgreSQL).

With keys known before the INSERT, the ORM sends each table's rows as one
pipelined executemany instead of an INSERT … RETURNING per page of rows, which
psycopg would have to re-parse as one very long statement.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session


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
        if len(objects) < 2:
            continue
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        keys = session.execute(
            text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": len(objects)}
        ).scalars()
        for obj, key in zip(objects, keys, strict=True):
            obj.id = key
