"""Matching a column, or several, against a list bound at execution.

Statements built with these are built once and reused (building and hashing a
statement costs more than running a small one). On PostgreSQL the list travels
as one array parameter per column, so the statement text stays the same
whatever the list's length: nothing to render, parse or plan per value. SQLite
gets an expanding IN list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, any_, bindparam, func, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement, Select


def one_of(dialect: str, column, name: str) -> ColumnElement[bool]:
    """`column` equals one of the values bound as `name`."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def join_keys(dialect: str, query: Select, columns: Sequence, name: str) -> Select:
    """`query` narrowed to rows whose `columns` equal one of the tuples bound as
    `name` (see `key_params`)."""
    if dialect != "postgresql":
        return query.where(tuple_(*columns).in_(bindparam(name, expanding=True)))
    arrays = [bindparam(f"{name}_{c.name}", type_=ARRAY(c.type)) for c in columns]
    names = [c.name for c in columns]
    wanted = func.unnest(*arrays).table_valued(*names).render_derived(name=name)
    return query.join(wanted, and_(*(c == wanted.c[c.name] for c in columns)))


def key_params(dialect: str, columns: Sequence, name: str, keys: Iterable[tuple]) -> dict:
    keys = list(keys)
    if dialect != "postgresql":
        return {name: keys}
    return {f"{name}_{c.name}": [key[i] for key in keys] for i, c in enumerate(columns)}
