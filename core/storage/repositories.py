"""SQL implementations of the repository ports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from core import ports
from core.canonical import CanonicalOrder
from core.model.documents import InboundDocument, ReceivedDocument
from core.model.orders import Order, new_order_values
from core.storage import tables
from core.storage.bulk import insert_rows
from core.storage.history import created_row
from core.storage.keys import draw_keys
from core.storage.matching import join_keys, one_of


class SqlOrderRepository(ports.OrderRepository):
    """Orders through the ORM, except new ones: those are written in bulk at commit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._new: list[tuple[dict, list[dict]]] = []

    def add(self, order: Order) -> None:
        self.session.add(order)

    def create(self, number: str, order: CanonicalOrder, document_id: int | None) -> None:
        self._new.append(new_order_values(number, order, document_id, datetime.now(UTC)))

    def write_new(self) -> None:
        """Insert the orders created since the last write, with their history rows."""
        if not self._new:
            return
        new, self._new = self._new, []
        connection = self.session.connection()
        actor = self.session.info["actor"]
        lines = [line for _, order_lines in new for line in order_lines]
        drawn = draw_keys(connection, {"orders": len(new), "order_lines": len(lines)})
        order_keys, line_keys = iter(drawn["orders"]), iter(drawn["order_lines"])
        history_rows = []
        for header, order_lines in new:
            header["id"] = next(order_keys)
            for line in order_lines:
                line["id"] = next(line_keys)
                line["order_id"] = header["id"]
            parts = {"lines": (tables.order_lines, order_lines)}
            history_rows.append(
                created_row(tables.orders, "order", header, actor, header["created_at"], parts)
            )
        insert_rows(connection, tables.orders, [header for header, _ in new])
        insert_rows(connection, tables.order_lines, lines)
        insert_rows(connection, tables.history, history_rows)

    def get(self, number: str) -> Order | None:
        self.write_new()
        return self.session.scalars(select(Order).filter_by(number=number)).one_or_none()

    def find_external(self, channel: str, partner: str, external_id: str) -> Order | None:
        self.write_new()
        query = select(Order).filter_by(
            channel=channel, partner=partner, external_order_id=external_id
        )
        return self.session.scalars(query).one_or_none()

    def find_external_many(self, keys):
        """One light query for the keys; only orders that exist are loaded as objects."""
        self.write_new()
        keys = set(keys)
        if not keys:
            return {}
        c = tables.orders.c
        dialect = self.session.bind.dialect.name
        columns = (c.channel, c.partner, c.external_order_id)
        found = (
            self.session.execute(join_keys(dialect, select(c.id), columns, list(keys)))
            .scalars()
            .all()
        )
        if not found:
            return {}
        orders = self.session.scalars(select(Order).where(one_of(dialect, c.id, found)))
        return {(o.channel, o.partner, o.external_order_id): o for o in orders}

    def find_by_source_document(
        self, channel: str, partner: str, source_document_id: str
    ) -> Order | None:
        self.write_new()
        query = select(Order).filter_by(
            channel=channel, partner=partner, source_document_id=source_document_id
        )
        return self.session.scalars(query.limit(1)).first()


class SqlDocumentRepository(ports.DocumentRepository):
    def __init__(self, session: Session) -> None:
        self.session = session
        self._handed_out: list[ReceivedDocument] = []

    def add_many(self, documents: list[InboundDocument]) -> None:
        """Written at once in bulk: the edge's hot path needs no ORM flush."""
        connection = self.session.connection()
        columns = [c.name for c in tables.inbound_documents.c]
        keys = draw_keys(connection, {"inbound_documents": len(documents)})["inbound_documents"]
        for document, key in zip(documents, keys, strict=True):
            document.id = key
        rows = [{name: getattr(d, name) for name in columns} for d in documents]
        insert_rows(connection, tables.inbound_documents, rows)

    def get(self, document_id: int) -> InboundDocument | None:
        return self.session.get(InboundDocument, document_id)

    def get_many(self, document_ids: Iterable[int]) -> dict[int, ReceivedDocument]:
        c = tables.inbound_documents.c
        rows = self.session.execute(
            select(c.id, c.channel, c.partner, c.raw, c.state).where(
                one_of(self.session.bind.dialect.name, c.id, list(document_ids))
            )
        )
        documents = {row.id: ReceivedDocument(*row) for row in rows}
        self._handed_out.extend(documents.values())
        return documents

    def write_settled(self) -> None:
        """One UPDATE for every document handed out and settled since the last write."""
        settled = [d for d in self._handed_out if d.processed_at is not None]
        self._handed_out = []
        if not settled:
            return
        c = tables.inbound_documents.c
        statement = (
            update(tables.inbound_documents)
            .where(c.id == bindparam("document_id"))
            .values(
                state=bindparam("new_state"),
                error=bindparam("new_error"),
                processed_at=bindparam("settled_at"),
            )
        )
        rows = [
            {
                "document_id": d.id,
                "new_state": d.state,
                "new_error": d.error,
                "settled_at": d.processed_at,
            }
            for d in settled
        ]
        self.session.execute(statement, rows)


class SqlInbox(ports.Inbox):
    def __init__(self, session: Session) -> None:
        self.session = session

    def unseen(self, processor: str, message_ids: Iterable[str]) -> set[str]:
        wanted = set(message_ids)
        inbox = tables.inbox.c
        seen = self.session.execute(
            select(inbox.message_id).where(
                inbox.processor == processor,
                one_of(self.session.bind.dialect.name, inbox.message_id, wanted),
            )
        ).scalars()
        return wanted - set(seen)

    def record(self, processor: str, message_ids: Iterable[str]) -> None:
        now = datetime.now(UTC)
        rows = [{"processor": processor, "message_id": m, "processed_at": now} for m in message_ids]
        insert_rows(self.session.connection(), tables.inbox, rows)
