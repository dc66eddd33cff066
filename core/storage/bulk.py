"""Bulk inserts: COPY on PostgreSQL, executemany on SQLite.

COPY moves a batch's rows in one stream with the values adapted in C, several
times cheaper than an INSERT per row or one very long multi-row INSERT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Connection


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, in the caller's transaction."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    adapters = [_adapter(table.c[name].type) for name in columns]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [adapt(row[name]) for name, adapt in zip(columns, adapters, strict=True)]
            )


def _adapter(column_type):
    return _json if isinstance(column_type, JSON) else _same


def _json(value):
    return None if value is None else Jsonb(value)


def _same(value):
    return value
