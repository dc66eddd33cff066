"""Reads of email for the API, the CLI and the pages: messages sent and received on
a document, the triage list, one message with its attachments and history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.errors import NotFound
from core.storage import settings, tables
from core.storage.engine import one_statement
from core.storage.mail import DOCUMENT_TABLES
from core.storage.queries import _history, _row, plain_rows

_out = tables.outgoing_mail.c
_in = tables.inbound_mail.c
_files = tables.attachments.c
OUTGOING_LISTED = [c for c in tables.outgoing_mail.c if c.name != "raw"]
INBOUND_LISTED = [c for c in tables.inbound_mail.c if c.name != "raw"]


def standard_texts(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return settings.standard_texts(connection)


def document_mail(engine: Engine, kind: str, number: str) -> dict[str, list[dict[str, Any]]]:
    """What was sent and received about one document, oldest first."""
    with one_statement(engine) as connection:
        sent = connection.execute(
            select(*OUTGOING_LISTED)
            .where(_out.document_kind == kind, _out.document_number == number)
            .order_by(_out.id)
        )
        sent_rows = plain_rows(sent)
    with one_statement(engine) as connection:
        received = connection.execute(
            select(*INBOUND_LISTED)
            .where(_in.document_kind == kind, _in.document_number == number)
            .order_by(_in.id)
        )
        return {"sent": sent_rows, "received": plain_rows(received)}


def list_inbound(engine: Engine, **filters) -> list[dict[str, Any]]:
    """Received messages newest first; state "triage" is the triage list."""
    return _listing(engine, tables.inbound_mail, INBOUND_LISTED, **filters)


def list_outgoing(engine: Engine, **filters) -> list[dict[str, Any]]:
    """Messages sent or waiting, newest first."""
    return _listing(engine, tables.outgoing_mail, OUTGOING_LISTED, **filters)


def _listing(
    engine: Engine,
    table,
    columns,
    *,
    state: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = select(*columns).order_by(table.c.id.desc()).limit(limit)
    if state:
        query = query.where(table.c.state == state)
    if after:
        query = query.where(table.c.id < after)
    with one_statement(engine) as connection:
        return plain_rows(connection.execute(query))


def inbound_detail(engine: Engine, mail_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(*INBOUND_LISTED).where(_in.id == mail_id)).one_or_none()
        if row is None:
            raise NotFound(f"no received message {mail_id}")
        detail = _row(row)
        detail["attachments"] = plain_rows(
            connection.execute(
                select(_files.id, _files.filename, _files.content_type, _files.size, _files.sha256)
                .where(_files.owner_kind == "inbound_mail", _files.owner_id == mail_id)
                .order_by(_files.id)
            )
        )
        detail["history"] = _history(connection, "inbound_mail", mail_id)
    return detail


def outgoing_detail(engine: Engine, mail_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(*OUTGOING_LISTED).where(_out.id == mail_id)).one_or_none()
        if row is None:
            raise NotFound(f"no sent message {mail_id}")
        return _row(row)


def inbound_raw(engine: Engine, mail_id: int) -> bytes:
    return _raw(engine, tables.inbound_mail, mail_id, "received")


def outgoing_raw(engine: Engine, mail_id: int) -> bytes:
    return _raw(engine, tables.outgoing_mail, mail_id, "sent")


def _raw(engine: Engine, table, mail_id: int, what: str) -> bytes:
    """A message's bytes exactly as received or sent."""
    with engine.connect() as connection:
        raw = connection.execute(select(table.c.raw).where(table.c.id == mail_id)).scalar()
    if raw is None:
        raise NotFound(f"no {what} message {mail_id}")
    return raw


def document_comments(engine: Engine, kind: str, number: str) -> list[dict[str, Any]]:
    """Comments on a quote, invoice, shipment or RFQ, oldest first."""
    table = DOCUMENT_TABLES[kind]
    comments = tables.document_comments.c
    with one_statement(engine) as connection:
        return plain_rows(
            connection.execute(
                select(comments)
                .join(table, table.c.id == comments.document_id)
                .where(comments.document_kind == kind, table.c.number == number)
                .order_by(comments.id)
            )
        )


def waiting(engine: Engine, table: str, states: tuple[str, ...]) -> int:
    """How many messages of `table` (outgoing_mail, inbound_mail) are in those states."""
    column = tables.metadata.tables[table].c.state
    query = select(func.count()).where(column.in_(states))
    with one_statement(engine) as connection:
        return connection.execute(query).scalar_one()
