"""Matching a column against a list bound at execution.

Statements built with these are built once and reused (building and hashing a
statement costs more than running a small one). On PostgreSQL the list travels
as one array parameter per column, so the statement text stays the same
whatever the list's length: nothing to render, parse or plan per value. SQLite
gets an expanding IN list.
"""

from __future__ import annotations

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import ColumnElement


def one_of(dialect: str, column, name: str) -> ColumnElement[bool]:
    """`column` equals one of the values bound as `name`."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
