"""The activity log: what each staff member did, when, to which document.

A record is one row, written with the change it describes or, for API calls (reads
of customer data included), in batches by the hub. Rows are never changed or deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from core.access import Principal
from core.ports import Actor
from core.storage import tables
from core.storage.history import plain_value

_log = tables.activity_log.c


def record(
    connection_or_engine: Connection | Engine,
    principal: Principal | Actor,
    action: str,
    *,
    document_type: str | None = None,
    document_id: str | None = None,
    detail: dict | None = None,
    remote_addr: str | None = None,
) -> None:
    """Record one action. A principal is a signed-in staff member; an actor is recorded
    by its name (a staff actor such as the CLI's `cli:jdoe`) or kind and name."""
    row = entry(
        principal,
        action,
        at=datetime.now(UTC),
        document_type=document_type,
        document_id=document_id,
        detail=detail,
        remote_addr=remote_addr,
    )
    if isinstance(connection_or_engine, Engine):
        record_many(connection_or_engine, [row])
    else:
        connection_or_engine.execute(insert(tables.activity_log), [row])


def record_many(engine: Engine, rows: list[dict]) -> None:
    """Write records made by `entry`, in one statement."""
    with engine.begin() as connection:
        connection.execute(insert(tables.activity_log), rows)


def entry(
    principal: Principal | Actor,
    action: str,
    *,
    at: datetime,
    document_type: str | None = None,
    document_id: str | None = None,
    detail: dict | None = None,
    remote_addr: str | None = None,
) -> dict[str, Any]:
    """One activity row, to be written by `record_many`."""
    if isinstance(principal, Principal):
        staff_id, username = principal.staff_id, principal.username
    elif principal.kind == "staff":
        staff_id, username = None, principal.name
    else:
        staff_id, username = None, f"{principal.kind}:{principal.name}"
    return {
        "at": at,
        "staff_id": staff_id,
        "username": username,
        "action": action,
        "document_type": document_type,
        "document_id": None if document_id is None else str(document_id),
        "detail": detail,
        "remote_addr": remote_addr,
    }


def list_activity(
    engine: Engine,
    *,
    username: str | None = None,
    document_type: str | None = None,
    document_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The newest actions first, filtered by person, document and time (since
    inclusive, until exclusive)."""
    query = select(tables.activity_log).order_by(_log.at.desc(), _log.id.desc()).limit(limit)
    for column, value in (
        (_log.username, username),
        (_log.document_type, document_type),
        (_log.document_id, document_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(_log.at >= _utc(since))
    if until is not None:
        query = query.where(_log.at < _utc(until))
    with engine.connect() as connection:
        return [
            {key: plain_value(value) for key, value in row._mapping.items()}
            for row in connection.execute(query)
        ]


def _utc(moment: datetime) -> datetime:
    """Times are stored in UTC (SQLite keeps no zone); a time without one is UTC."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
