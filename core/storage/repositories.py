"""SQL implementations of the repository ports."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core import ports
from core.canonical import CanonicalOrder
from core.model.documents import InboundDocument, ReceivedDocument
from core.model.orders import Order, new_order_values
from core.model.outbound import PENDING, OutboundDocument
from core.model.partners import Partner
from core.storage import tables
from core.storage.bulk import insert_rows
from core.storage.history import created_row, updated_row
from core.storage.keys import draw_keys
from core.storage.matching import one_of


class SqlOrderRepository(ports.OrderRepository):
    """Orders through the ORM, except new ones: those are written in bulk at commit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._new: list[tuple[dict, list[dict]]] = []

    def add(self, order: Order) -> None:
        self.session.add(order)

    def link_to_customer(self, partner: str, customer_id: int) -> int:
        """Give the orders this partner sent before it was linked to a customer their
        customer, each change in the order's history; how many were linked."""
        orders = tables.orders.c
        linked = (
            self.session.execute(
                update(tables.orders)
                .where(orders.partner == partner, orders.customer_id.is_(None))
                .values(customer_id=customer_id)
                .returning(orders.id)
            )
            .scalars()
            .all()
        )
        if linked:
            actor, now = self.session.info["actor"], datetime.now(UTC)
            change = {"customer_id": {"old": None, "new": customer_id}}
            rows = [updated_row("order", order_id, change, actor, now) for order_id in linked]
            insert_rows(self.session.connection(), tables.history, rows)
        return len(linked)

    def create(
        self,
        number: str,
        order: CanonicalOrder,
        document_id: int | None,
        *,
        customer_id: int | None = None,
    ) -> None:
        header, lines = new_order_values(number, order, document_id, datetime.now(UTC))
        header["customer_id"] = customer_id
        self._new.append((header, lines))

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
        dialect = self.session.bind.dialect.name
        by_owner: dict[tuple[str, str], list[str]] = defaultdict(list)
        for channel, partner, external_id in keys:
            by_owner[(channel, partner)].append(external_id)
        found = [
            order_id
            for (channel, partner), ids in by_owner.items()
            for order_id in self.session.execute(
                _order_ids_of_owner(dialect), {"channel": channel, "partner": partner, "ids": ids}
            ).scalars()
        ]
        if not found:
            return {}
        orders = self.session.scalars(_orders_by_id(dialect), {"ids": found})
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
        dialect = self.session.bind.dialect.name
        rows = self.session.execute(_documents_by_id(dialect), {"ids": list(document_ids)})
        documents = {row.id: ReceivedDocument(*row) for row in rows}
        self._handed_out.extend(documents.values())
        return documents

    def write_settled(self) -> None:
        """One UPDATE for every document handed out and settled since the last write."""
        settled = [d for d in self._handed_out if d.processed_at is not None]
        self._handed_out = []
        if not settled:
            return
        dialect = self.session.bind.dialect.name
        if dialect == "postgresql":
            columns = {"ids": "id", "states": "state", "errors": "error", "times": "processed_at"}
            params = {key: [getattr(d, name) for d in settled] for key, name in columns.items()}
            self.session.execute(_settle_documents_pg(), params)
            return
        rows = [
            {"document_id": d.id, "new_state": d.state, "new_error": d.error, "at": d.processed_at}
            for d in settled
        ]
        self.session.execute(_settle_document(), rows)


class SqlInbox(ports.Inbox):
    def __init__(self, session: Session) -> None:
        self.session = session

    def unseen(self, processor: str, message_ids: Iterable[str]) -> set[str]:
        wanted = set(message_ids)
        dialect = self.session.bind.dialect.name
        params = {"processor": processor, "ids": list(wanted)}
        seen = self.session.execute(_seen_messages(dialect), params).scalars()
        return wanted - set(seen)

    def record(self, processor: str, message_ids: Iterable[str]) -> None:
        now = datetime.now(UTC)
        rows = [{"processor": processor, "message_id": m, "processed_at": now} for m in message_ids]
        insert_rows(self.session.connection(), tables.inbox, rows)


# Statements built once per dialect (see matching.py).


@functools.cache
def _order_ids_of_owner(dialect: str):
    """Orders of one channel and partner by their external ids: the unique index's
    own order of columns."""
    c = tables.orders.c
    return select(c.id).where(
        c.channel == bindparam("channel"),
        c.partner == bindparam("partner"),
        one_of(dialect, c.external_order_id, "ids"),
    )


@functools.cache
def _orders_by_id(dialect: str):
    return select(Order).where(one_of(dialect, tables.orders.c.id, "ids"))


@functools.cache
def _documents_by_id(dialect: str):
    c = tables.inbound_documents.c
    return select(c.id, c.channel, c.partner, c.raw, c.state).where(one_of(dialect, c.id, "ids"))


@functools.cache
def _settle_document():
    c = tables.inbound_documents.c
    return (
        update(tables.inbound_documents)
        .where(c.id == bindparam("document_id"))
        .values(
            state=bindparam("new_state"),
            error=bindparam("new_error"),
            processed_at=bindparam("at"),
        )
    )


@functools.cache
def _settle_documents_pg():
    c = tables.inbound_documents.c
    settled = (
        func.unnest(
            bindparam("ids", type_=ARRAY(c.id.type)),
            bindparam("states", type_=ARRAY(c.state.type)),
            bindparam("errors", type_=ARRAY(c.error.type)),
            bindparam("times", type_=ARRAY(c.processed_at.type)),
        )
        .table_valued("id", "state", "error", "processed_at")
        .render_derived(name="settled")
    )
    return (
        update(tables.inbound_documents)
        .where(c.id == settled.c.id)
        .values(state=settled.c.state, error=settled.c.error, processed_at=settled.c.processed_at)
    )


@functools.cache
def _seen_messages(dialect: str):
    c = tables.inbox.c
    return select(c.message_id).where(
        c.processor == bindparam("processor"), one_of(dialect, c.message_id, "ids")
    )


class SqlPartnerRepository(ports.PartnerRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, partner: Partner) -> None:
        self.session.add(partner)

    def get(self, code: str) -> Partner | None:
        return self.session.scalars(select(Partner).where(Partner.code == code)).first()

    def list_all(self, channel: str | None = None) -> list[Partner]:
        query = select(Partner).order_by(Partner.code)
        if channel:
            query = query.where(Partner.channel == channel)
        return list(self.session.scalars(query))


class SqlOutboundRepository(ports.OutboundRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, document: OutboundDocument) -> None:
        self.session.add(document)
        self.session.flush()

    def get(self, document_id: int) -> OutboundDocument | None:
        return self.session.get(OutboundDocument, document_id)

    def claim(self, document_id: int) -> OutboundDocument | None:
        query = select(OutboundDocument).where(
            OutboundDocument.id == document_id, OutboundDocument.state == PENDING
        )
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return self.session.scalars(query).first()

    def due(self, now: datetime, limit: int) -> list[OutboundDocument]:
        query = (
            select(OutboundDocument)
            .where(
                OutboundDocument.state == PENDING,
                OutboundDocument.next_attempt_at <= now,
            )
            .order_by(OutboundDocument.next_attempt_at)
            .limit(limit)
        )
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def for_reference(self, kind: str, reference: str) -> list[OutboundDocument]:
        query = (
            select(OutboundDocument)
            .where(OutboundDocument.kind == kind, OutboundDocument.reference == reference)
            .order_by(OutboundDocument.id)
        )
        return list(self.session.scalars(query))


class SqlInterchangeRepository(ports.InterchangeRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, sender_qualifier, sender_id, control_number):
        interchanges, outbound = tables.x12_interchanges, tables.outbound_documents
        row = self.session.execute(
            select(interchanges.c.document_id, outbound.c.raw)
            .outerjoin(outbound, outbound.c.id == interchanges.c.acknowledgement_id)
            .where(
                interchanges.c.sender_qualifier == sender_qualifier,
                interchanges.c.sender_id == sender_id,
                interchanges.c.control_number == control_number,
            )
        ).first()
        return ports.EarlierInterchange(row.document_id, row.raw or b"") if row else None

    def add(self, sender_qualifier, sender_id, control_number, partner, document_id, ack_id):
        self.session.execute(
            tables.x12_interchanges.insert().values(
                partner=partner,
                sender_qualifier=sender_qualifier,
                sender_id=sender_id,
                control_number=control_number,
                document_id=document_id,
                acknowledgement_id=ack_id,
                received_at=datetime.now(UTC),
            )
        )
