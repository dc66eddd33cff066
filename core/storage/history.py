"""Writes the change history from the ORM's change set, inside the same flush.

No code path can forget it: every insert and update of an audited object in a
session becomes history rows (who, when, each field with old and new value),
and deleting an audited object raises.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DeletionRefused
from core.storage import tables
from core.storage.bulk import insert_rows
from core.storage.orm import (
    AUDIT_ROOTS,
    ENTITY_NAMES,
    SECRET_FIELDS,
    SECRET_SHOWN_AS,
    UNAUDITED_FIELDS,
)


def install(sessions: sessionmaker) -> None:
    event.listen(sessions, "before_flush", _refuse_deletes)
    event.listen(sessions, "after_flush", _write_history)


def _refuse_deletes(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        if type(obj) in AUDIT_ROOTS:
            raise DeletionRefused(f"{ENTITY_NAMES[type(obj)]} records are archived, never deleted")


def _write_history(session: Session, _context) -> None:
    actor = session.info["actor"]
    now = datetime.now(UTC)
    rows = []
    for obj in session.new:
        if type(obj) in AUDIT_ROOTS:
            rows.append(_row(obj, "create", _changes(obj, created=True), actor, now))
    for obj in session.dirty:
        if type(obj) in AUDIT_ROOTS and session.is_modified(obj, include_collections=False):
            changes = _changes(obj, created=False)
            if changes:
                rows.append(_row(obj, "update", changes, actor, now))
    if rows:
        insert_rows(session.connection(), tables.history, rows)


def _changes(obj: Any, *, created: bool) -> dict[str, dict[str, Any]]:
    state = inspect(obj)
    names = _audited_columns(state.mapper)
    if created:
        return _hide_secrets(creation_changes(state.dict, names))
    changes = {}
    for name in names:
        hist = state.attrs[name].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                changes[name] = {"old": plain_value(old), "new": plain_value(new)}
    return _hide_secrets(changes)


def _hide_secrets(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    for name in SECRET_FIELDS.intersection(changes):
        change = changes[name]
        changes[name] = {k: None if v is None else SECRET_SHOWN_AS for k, v in change.items()}
    return changes


def creation_changes(values: dict[str, Any], names) -> dict[str, dict[str, Any]]:
    """Every value set on a new row. Decimals, dates and times are left to the
    JSON column's serialiser, which writes them as `plain_value` would."""
    return {
        name: {"old": None, "new": value}
        for name in names
        if (value := values.get(name)) is not None
    }


def _snapshot(values: dict[str, Any], names) -> dict[str, Any]:
    return {name: value for name in names if (value := values.get(name)) is not None}


def created_row(
    table: Table,
    doc_type: str,
    values: dict,
    actor,
    now: datetime,
    parts: dict[str, tuple[Table, list[dict]]] | None = None,
) -> dict[str, Any]:
    """The history row of a document written in bulk, outside the ORM: one row for
    the document, its parts (an order's lines) listed in it with their own ids."""
    changes = creation_changes(values, _table_columns(table))
    for name, (part_table, rows) in (parts or {}).items():
        columns = ("id", *_table_columns(part_table))
        changes[name] = {"old": None, "new": [_snapshot(row, columns) for row in rows]}
    return {
        "doc_type": doc_type,
        "doc_id": values["id"],
        "entity": doc_type,
        "entity_id": values["id"],
        "action": "create",
        "actor_kind": actor.kind,
        "actor": actor.name,
        "at": now,
        "changes": changes,
    }


def updated_row(doc_type: str, doc_id: int, changes: dict, actor, now: datetime) -> dict[str, Any]:
    """The history row of a change written outside the ORM (a bulk UPDATE)."""
    return {
        "doc_type": doc_type,
        "doc_id": doc_id,
        "entity": doc_type,
        "entity_id": doc_id,
        "action": "update",
        "actor_kind": actor.kind,
        "actor": actor.name,
        "at": now,
        "changes": changes,
    }


@functools.cache
def _table_columns(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.c if c.name not in UNAUDITED_FIELDS and c.name != "id")


@functools.cache
def _audited_columns(mapper) -> tuple[str, ...]:
    return tuple(
        attr.key
        for attr in mapper.column_attrs
        if attr.key not in UNAUDITED_FIELDS and attr.key != "id"
    )


def _row(obj: Any, action: str, changes: dict, actor, now: datetime) -> dict[str, Any]:
    doc_type, root_id = AUDIT_ROOTS[type(obj)]
    return {
        "doc_type": doc_type(obj) if callable(doc_type) else doc_type,
        "doc_id": root_id(obj),
        "entity": ENTITY_NAMES[type(obj)],
        "entity_id": obj.id,
        "action": action,
        "actor_kind": actor.kind,
        "actor": actor.name,
        "at": now,
        "changes": changes,
    }


def plain_value(value: Any) -> Any:
    """A value as JSON shows it: decimals as exact text, dates and times in ISO 8601."""
    convert = _PLAIN.get(type(value))
    return value if convert is None else convert(value)


# By exact type: one lookup per value, as lists convert thousands of them.
_PLAIN = {
    Decimal: lambda value: format(value, "f"),
    datetime: datetime.isoformat,
    date: date.isoformat,
}
