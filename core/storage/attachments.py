"""Attachments: files kept for documents, written once with their digest and never
changed or deleted. The bytes stay out of the history, which records the link."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import ports
from core.errors import NotFound
from core.model.attachments import Attachment
from core.storage import scope, tables

_attachments = tables.attachments.c
_invoices = tables.invoices.c
_orders = tables.orders.c
ABOUT = (
    _attachments.id,
    _attachments.filename,
    _attachments.content_type,
    _attachments.size,
    _attachments.sha256,
    _attachments.created_by,
    _attachments.created_at,
)


class SqlAttachmentStore(ports.AttachmentStore):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attachment: Attachment, owner: object | None = None) -> int:
        owner_id = attachment.owner_id
        if owner is not None:
            self.session.flush()
            owner_id = owner.id
        values = {
            "owner_kind": attachment.owner_kind,
            "owner_id": owner_id,
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "content": attachment.content,
            "created_by": attachment.created_by,
            "created_at": attachment.created_at,
        }
        statement = insert(tables.attachments).values(**values).returning(_attachments.id)
        return self.session.execute(statement).scalar_one()

    def get(self, attachment_id: int) -> Attachment | None:
        row = self.session.execute(
            select(tables.attachments).where(_attachments.id == attachment_id)
        ).one_or_none()
        if row is None:
            return None
        return Attachment(
            row.owner_kind,
            row.owner_id,
            row.filename,
            row.content_type,
            row.content,
            row.created_by,
            row.created_at,
            row.id,
        )


def invoice_attachment(
    engine: Engine, number: str, groups: Collection[int] | None = None
) -> tuple[dict[str, Any], bytes]:
    """The file an invoice was uploaded with: what it is, and its bytes; outside
    `groups` the invoice is not found."""
    query = (
        select(*ABOUT, _attachments.content)
        .join(tables.invoices, _invoices.attachment_id == _attachments.id)
        .join(tables.orders, _orders.id == _invoices.order_id)
        .where(_invoices.number == number, scope.order_condition(groups))
    )
    with engine.connect() as connection:
        row = connection.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"invoice {number} has no attachment (or there is no such invoice)")
    about = {name: value for name, value in row._mapping.items() if name != "content"}
    return about, row.content
