"""Primary keys drawn in bulk, before the rows are written.

With keys known before the INSERT, the ORM sends a table's rows as one pipelined
executemany, and bulk writers can link lines to their orders without RETURNING.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker


class _KeyStock:
    """Keys drawn ahead from PostgreSQL sequences, handed out without a round trip.

    A sequence never gives a key twice, so keys held here are this process's alone;
    those never used are gaps, as a rolled-back transaction leaves.
    """

    def __init__(self, ahead: int = 200) -> None:
        self.ahead = ahead
        self._lock = threading.Lock()
        self._stock: dict[tuple[object, str], deque[int]] = defaultdict(deque)

    def take(self, connection: Connection, counts: dict[str, int]) -> dict[str, list[int]]:
        database = connection.engine.url
        with self._lock:
            stocks = {table: self._stock[(database, table)] for table in counts}
            short = {
                table: count - len(stocks[table]) + self.ahead
                for table, count in counts.items()
                if len(stocks[table]) < count
            }
            if short:
                for table, keys in _draw_from_sequences(connection, short).items():
                    stocks[table].extend(keys)
            return {
                table: [stocks[table].popleft() for _ in range(count)]
                for table, count in counts.items()
            }


_stock = _KeyStock()


def draw_keys(connection: Connection, counts: dict[str, int]) -> dict[str, list[int]]:
    """New primary keys for each table named; a round trip only when the stock is low."""
    if connection.dialect.name == "postgresql":
        return _stock.take(connection, counts)
    # SQLite: every write transaction holds the database lock (BEGIN IMMEDIATE), and
    # a rowid key is max + 1, so the next keys are known and nobody else takes them.
    drawn = {}
    for table, count in counts.items():
        last = connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
        drawn[table] = list(range(last + 1, last + count + 1))
    return drawn


def _draw_from_sequences(connection: Connection, counts: dict[str, int]) -> dict[str, list[int]]:
    parts = [
        f"(SELECT array_agg(nextval('{table}_id_seq')) FROM generate_series(1, {int(count)}))"
        for table, count in counts.items()
    ]
    row = connection.execute(text(f"SELECT {', '.join(parts)}")).one()
    return {table: sorted(keys or []) for table, keys in zip(counts, row, strict=True)}


def install(sessions: sessionmaker) -> None:
    event.listen(sessions, "before_flush", _assign_keys)


def _assign_keys(session: Session, _context, _instances) -> None:
    if session.bind.dialect.name != "postgresql":
        return
    waiting = defaultdict(list)
    for obj in session.new:
        if getattr(obj, "id", None) is None:
            waiting[inspect(obj).mapper.local_table.name].append(obj)
    counts = {table: len(objects) for table, objects in waiting.items() if len(objects) > 1}
    if not counts:
        return
    drawn = draw_keys(session.connection(), counts)
    for table, keys in drawn.items():
        for obj, key in zip(waiting[table], keys, strict=True):
            obj.id = key
