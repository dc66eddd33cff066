"""The activity log: what each staff member did, when, to which document.

A record is one INSERT, cheap enough for every API call, reads of customer data
included. Rows are never changed or deleted.
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
    if isinstance(principal, Principal):
        staff_id, username = principal.staff_id, principal.username
    elif principal.kind == "staff":
        staff_id, username = None, principal.name
    else:
        staff_id, username = None, f"{principal.kind}:{principal.name}"
    statement = insert(tables.activity_log).values(
        at=datetime.now(UTC),
        staff_id=staff_id,
        username=username,
        action=action,
        document_type=document_type,
        document_id=None if document_id is None else str(document_id),
        detail=detail,
        remote_addr=remote_addr,
    )
    if isinstance(connection_or_engine, Engine):
        with connection_or_engine.begin() as connection:
            connection.execute(statement)
    else:
        connection_or_engine.execute(statement)


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
