"""The SQL unit of work: one transaction holding state, history and outbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import ports
from core.events import Event
from core.storage import history, keys, tables
from core.storage.bulk import insert_rows
from core.storage.catalog import SqlCatalogRepository, SqlSalesSettings
from core.storage.comments import SqlCommentRepository
from core.storage.customers import SqlCustomerRepository, SqlTeamRepository
from core.storage.discussions import SqlDiscussionRepository
from core.storage.fulfilment import SqlInvoiceRepository, SqlShipmentRepository
from core.storage.mail import SqlMailRepository
from core.storage.orm import map_domain
from core.storage.payments import SqlPaymentRepository
from core.storage.pricing import SqlPriceBook
from core.storage.punchout import SqlPunchOutRepository
from core.storage.purchasing import SqlPurchasingRepository
from core.storage.quotes import (
    SqlCartRepository,
    SqlQuoteRepository,
    SqlRfqRepository,
    SqlSalesDesk,
)
from core.storage.repositories import (
    SqlDocumentRepository,
    SqlInbox,
    SqlInterchangeRepository,
    SqlOrderRepository,
    SqlOutboundRepository,
    SqlPartnerRepository,
)
from core.storage.rmas import SqlRmaRepository
from core.storage.settings import SqlSettings
from core.storage.staff import SqlActivityLog, SqlStaffRepository
from core.storage.tasks import SqlTaskRepository


def new_message_id() -> str:
    return uuid.uuid4().hex


def outbox_row(event: Event, target: str | None, now: datetime) -> dict:
    return {
        "message_id": new_message_id(),
        "routing_key": event.routing_key,
        "target": target,
        "payload": json.dumps(event.payload(), separators=(",", ":")),
        "created_at": now,
    }


class SqlUnitOfWork(ports.UnitOfWork):
    def __init__(self, session_factory: sessionmaker, actor: ports.Actor = ports.SYSTEM):
        self.session_factory = session_factory
        self.actor = actor
        self.on_commit = None

    def __enter__(self) -> SqlUnitOfWork:
        self.session: Session = self.session_factory()
        self.session.info["actor"] = self.actor
        self.orders = SqlOrderRepository(self.session)
        self.documents = SqlDocumentRepository(self.session)
        self.inbox = SqlInbox(self.session)
        self.partners = SqlPartnerRepository(self.session)
        self.outbound = SqlOutboundRepository(self.session)
        self.interchanges = SqlInterchangeRepository(self.session)
        self.punchout = SqlPunchOutRepository(self.session)
        self.shipments = SqlShipmentRepository(self.session)
        self.invoices = SqlInvoiceRepository(self.session)
        self.staff = SqlStaffRepository(self.session)
        self.activity = SqlActivityLog(self.session, self.actor)
        # customers and teams
        self.customers = SqlCustomerRepository(self.session)
        self.teams = SqlTeamRepository(self.session)
        # products and pricing
        self.catalog = SqlCatalogRepository(self.session)
        self.sales_settings = SqlSalesSettings(self.session)
        self.prices = SqlPriceBook(self.session)
        # order editing
        self.comments = SqlCommentRepository(self.session)
        self.settings = SqlSettings(self.session)
        # quotes and RFQs
        self.quotes = SqlQuoteRepository(self.session)
        self.rfqs = SqlRfqRepository(self.session)
        self.carts = SqlCartRepository(self.session)
        self.sales_desk = SqlSalesDesk(self.session)
        # >>> invoices (issue 5)
        from core.storage.attachments import SqlAttachmentStore
        from core.storage.billing import SqlBillingDesk

        self.billing = SqlBillingDesk(self.session)
        self.attachments = SqlAttachmentStore(self.session)
        # <<< invoices
        # >>> purchasing and shipments from suppliers (issue 5)
        self.purchasing = SqlPurchasingRepository(self.session)
        # <<< purchasing
        # >>> payments (issue 5)
        self.payments = SqlPaymentRepository(self.session)
        self.mail = SqlMailRepository(self.session)
        # <<< payments
        # >>> returns, tasks and discussions (issue 6)
        self.rmas = SqlRmaRepository(self.session)
        self.tasks = SqlTaskRepository(self.session)
        self.discussions = SqlDiscussionRepository(self.session)
        # <<< returns, tasks and discussions
        self._events: list[tuple[Event, str | None]] = []
        return self

    def __exit__(self, *exc_info) -> None:
        self.rollback()
        self.session.close()

    def emit(self, event: Event, target: str | None = None) -> None:
        self._events.append((event, target))

    def next_numbers(self, series: str, count: int) -> list[int]:
        if self.session.bind.dialect.name == "postgresql":
            query = text(f"SELECT nextval('{series}_number_seq') FROM generate_series(1, :n)")
            return sorted(self.session.execute(query, {"n": count}).scalars())
        return self.next_counter(series, count)

    def next_counter(self, name: str, count: int = 1) -> list[int]:
        """Numbers from a named counter row, on every database; the row lock orders
        concurrent callers, so numbers are unique (a rolled-back draw leaves a gap)."""
        counters = tables.counters
        last = self.session.execute(
            update(counters)
            .where(counters.c.name == name)
            .values(value=counters.c.value + count)
            .returning(counters.c.value)
        ).scalar()
        if last is None:
            self.session.execute(insert(counters).values(name=name, value=count))
            last = count
        return list(range(last - count + 1, last + 1))

    def no_autoflush(self):
        return self.session.no_autoflush

    def commit(self) -> None:
        self.orders.write_new()
        self.documents.write_settled()
        self.session.flush()
        if self._events:
            now = datetime.now(UTC)
            rows = [outbox_row(event, target, now) for event, target in self._events]
            insert_rows(self.session.connection(), tables.outbox, rows)
            self._events.clear()
        self.session.commit()
        if self.on_commit:
            self.on_commit()

    def detach(self) -> None:
        self.session.expunge_all()

    def rollback(self) -> None:
        self._events.clear()
        self.session.rollback()

    def scalars(self, statement):
        return self.session.scalars(statement)


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine; `on_commit` wakes in-process delivery."""

    def __init__(self, engine: Engine) -> None:
        map_domain()
        self.engine = engine
        self.sessions = sessionmaker(bind=engine, expire_on_commit=False)
        keys.install(self.sessions)
        history.install(self.sessions)
        self.on_commit = None
        self.commits = 0  # how many units of work this process has committed

    def __call__(self, actor: ports.Actor = ports.SYSTEM) -> SqlUnitOfWork:
        uow = SqlUnitOfWork(self.sessions, actor)
        uow.on_commit = self._committed
        return uow

    def _committed(self) -> None:
        self.commits += 1
        if self.on_commit:
            self.on_commit()

    def session(self) -> Session:
        return self.sessions()


__all__ = ["SqlUnitOfWork", "SqlUnitOfWorkFactory", "select"]
