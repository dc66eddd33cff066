"""Matching a column, or several, against a list of values.

On PostgreSQL the list travels as one array parameter per column, so the
statement text stays the same whatever the list's length: nothing to render,
parse or plan per value. SQLite gets the plain IN list.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, any_, bindparam, func, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement, Select


def one_of(dialect: str, column, values: Sequence) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def join_keys(dialect: str, query: Select, columns: Sequence, keys: Sequence[tuple]) -> Select:
    """`query` narrowed to rows whose `columns` equal one of `keys` (tuples)."""
    if dialect != "postgresql":
        return query.where(tuple_(*columns).in_(list(keys)))
    arrays = [
        bindparam(None, [key[i] for key in keys], type_=ARRAY(column.type))
        for i, column in enumerate(columns)
    ]
    names = [c.name for c in columns]
    wanted = func.unnest(*arrays).table_valued(*names).render_derived(name="wanted")
    return query.join(wanted, and_(*(c == wanted.c[c.name] for c in columns)))
