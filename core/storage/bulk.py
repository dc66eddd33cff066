"""Bulk inserts: binary COPY on PostgreSQL, executemany on SQLite.

Binary COPY moves a batch's rows in one stream with the values adapted in C and
nothing escaped (raw documents are bytes), several times cheaper than an INSERT
per row, a long multi-row INSERT or text COPY. A handful of rows go as one
multi-row INSERT instead.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    insert,
)
from sqlalchemy.engine import Connection

from core.storage.types import ExactDecimal

FEW_ROWS = 8
"""Fewer rows go as one multi-row INSERT: one round trip, where COPY takes two."""

_BINARY_TYPES = (
    (JSON, "jsonb"),
    (ExactDecimal, "numeric"),
    (Numeric, "numeric"),
    (BigInteger, "int8"),
    (Integer, "int4"),
    (Boolean, "bool"),
    (DateTime, "timestamptz"),
    (Date, "date"),
    (LargeBinary, "bytea"),
    (String, "text"),
)


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys, in the caller's transaction."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    columns = tuple(rows[0])
    types, json_at = _copy_types(table, columns)
    values = [_values(row, columns, json_at) for row in rows]
    driver = connection.connection.driver_connection
    if len(rows) < FEW_ROWS:
        flat = [value for row in values for value in row]
        driver.execute(_values_insert(table, columns, len(rows)), flat)
        return
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in values:
            copy.write_row(row)


def _values(row: dict[str, Any], columns: tuple[str, ...], json_at: tuple[int, ...]):
    values = _getter(columns)(row)
    if not json_at:
        return values
    values = list(values)
    for index in json_at:
        if values[index] is not None:
            values[index] = Jsonb(values[index])
    return values


@functools.cache
def _getter(columns: tuple[str, ...]):
    get = operator.itemgetter(*columns)
    return get if len(columns) > 1 else lambda row: (get(row),)


@functools.cache
def _values_insert(table: Table, columns: tuple[str, ...], count: int) -> str:
    row = f"({', '.join(['%s'] * len(columns))})"
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join([row] * count)}"


@functools.cache
def _copy_types(table: Table, columns: tuple[str, ...]) -> tuple[list[str], tuple[int, ...]]:
    types = [_pg_type(table.c[name].type) for name in columns]
    return types, tuple(i for i, name in enumerate(types) if name == "jsonb")


def _pg_type(column_type) -> str:
    for kind, name in _BINARY_TYPES:
        if isinstance(column_type, kind):
            if name == "timestamptz" and not column_type.timezone:
                return "timestamp"
            return name
    raise TypeError(f"no binary COPY type for {column_type!r}")
