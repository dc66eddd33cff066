"""The interfaces the core needs; storage and adapters implement them."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol

from core.canonical import CanonicalOrder

if TYPE_CHECKING:
    from core.events import Event
    from core.model.documents import InboundDocument, ReceivedDocument
    from core.model.orders import Order
    from core.model.outbound import OutboundDocument
    from core.model.partners import Partner


class Actor(NamedTuple):
    """Who made a change: a staff member, a trading partner or the system."""

    kind: str
    name: str


SYSTEM = Actor("system", "orderb2b")


class DocumentParser(Protocol):
    def __call__(self, raw: bytes, partner: str | None = None) -> list[CanonicalOrder]: ...


class OrderRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, order: Order) -> None: ...

    @abc.abstractmethod
    def create(self, number: str, order: CanonicalOrder, document_id: int | None) -> None:
        """A new order from a canonical one; kept with its history by the commit."""

    @abc.abstractmethod
    def get(self, number: str) -> Order | None: ...

    @abc.abstractmethod
    def find_external(self, channel: str, partner: str, external_id: str) -> Order | None: ...

    @abc.abstractmethod
    def find_external_many(
        self, keys: Iterable[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], Order]:
        """Orders by (channel, partner, external id), in one lookup."""

    @abc.abstractmethod
    def find_by_source_document(
        self, channel: str, partner: str, source_document_id: str
    ) -> Order | None: ...


class DocumentRepository(abc.ABC):
    @abc.abstractmethod
    def add_many(self, documents: list[InboundDocument]) -> None:
        """Keep new documents at once; each gets its id."""

    @abc.abstractmethod
    def get(self, document_id: int) -> InboundDocument | None: ...

    @abc.abstractmethod
    def get_many(self, document_ids: Iterable[int]) -> dict[int, ReceivedDocument]:
        """Documents to process; how they are settled is written by the commit."""


class Inbox(abc.ABC):
    """Processed message ids per processor: what makes consumers idempotent."""

    @abc.abstractmethod
    def unseen(self, processor: str, message_ids: Iterable[str]) -> set[str]: ...

    @abc.abstractmethod
    def record(self, processor: str, message_ids: Iterable[str]) -> None: ...


class UnitOfWork(abc.ABC):
    orders: OrderRepository
    documents: DocumentRepository
    partners: PartnerRepository
    outbound: OutboundRepository
    interchanges: InterchangeRepository
    punchout: PunchOutRepository
    shipments: ShipmentRepository
    invoices: InvoiceRepository
    staff: StaffRepository
    activity: ActivityLog
    # customers and teams
    # products and pricing
    # order editing
    # quotes and RFQs
    inbox: Inbox
    actor: Actor

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info) -> None:
        self.rollback()

    @abc.abstractmethod
    def emit(self, event: Event, target: str | None = None) -> None:
        """Queue an event in the outbox; it is written with the commit."""

    @abc.abstractmethod
    def next_numbers(self, series: str, count: int) -> list[int]: ...

    @abc.abstractmethod
    def next_counter(self, name: str, count: int = 1) -> list[int]: ...

    @abc.abstractmethod
    def no_autoflush(self) -> AbstractContextManager: ...

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def detach(self) -> None:
        """Keep what this unit of work loaded readable after it ends (it is rolled
        back on exit, which would otherwise expire it)."""

    @abc.abstractmethod
    def rollback(self) -> None: ...


class PartnerRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, partner: Partner) -> None: ...

    @abc.abstractmethod
    def get(self, code: str) -> Partner | None: ...

    @abc.abstractmethod
    def list_all(self, channel: str | None = None) -> list[Partner]: ...


class OutboundRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, document: OutboundDocument) -> None: ...

    @abc.abstractmethod
    def get(self, document_id: int) -> OutboundDocument | None: ...

    @abc.abstractmethod
    def claim(self, document_id: int) -> OutboundDocument | None:
        """The document if it is still pending and no other sender holds it."""

    @abc.abstractmethod
    def due(self, now: datetime, limit: int) -> list[OutboundDocument]:
        """Pending documents whose next attempt is due, locked for this transaction."""

    @abc.abstractmethod
    def for_reference(self, kind: str, reference: str) -> list[OutboundDocument]: ...


if TYPE_CHECKING:
    from core.model.products import Product
    from core.model.punchout import PunchOutSession


class PunchOutRepository(abc.ABC):
    """PunchOut sessions, and the priced products they shop from."""

    @abc.abstractmethod
    def add(self, session: PunchOutSession) -> None: ...

    @abc.abstractmethod
    def with_start_token(self, token_hash: str) -> PunchOutSession | None:
        """The session of a start token, locked for this transaction."""

    @abc.abstractmethod
    def with_browser_key(self, key_hash: str, *, lock: bool = False) -> PunchOutSession | None:
        """The session of a browser key; `lock` for a change."""

    @abc.abstractmethod
    def get_many(self, session_ids: Iterable[int]) -> dict[int, PunchOutSession]:
        """Sessions by id, locked for this transaction."""

    @abc.abstractmethod
    def aux_ids_of_orders(self, numbers: Iterable[str]) -> dict[str, list[str]]:
        """Our PunchOut auxiliary ids on the lines of these orders, by order number."""

    @abc.abstractmethod
    def find_products(self, text: str, limit: int) -> list[Product]:
        """Priced products whose part number, description or maker matches `text`."""

    @abc.abstractmethod
    def products(self, skus: Iterable[str]) -> dict[str, Product]:
        """Priced products by part number."""


class EarlierInterchange(NamedTuple):
    document_id: int
    acknowledgement: bytes


class InterchangeRepository(abc.ABC):
    """X12 interchange control numbers per sender: how a re-sent one is recognised."""

    @abc.abstractmethod
    def find(
        self, sender_qualifier: str, sender_id: str, control_number: str
    ) -> EarlierInterchange | None: ...

    @abc.abstractmethod
    def add(
        self,
        sender_qualifier: str,
        sender_id: str,
        control_number: str,
        partner: str,
        document_id: int,
        acknowledgement_id: int | None,
    ) -> None: ...


if TYPE_CHECKING:
    from core.model.invoices import Invoice
    from core.model.shipments import Shipment


class ShipmentRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, shipment: Shipment) -> None: ...

    @abc.abstractmethod
    def get(self, number: str) -> Shipment | None: ...

    @abc.abstractmethod
    def for_order(self, order_number: str) -> list[Shipment]:
        """An order's shipments, oldest first."""


class InvoiceRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, invoice: Invoice) -> None: ...

    @abc.abstractmethod
    def get(self, number: str) -> Invoice | None: ...

    @abc.abstractmethod
    def for_order(self, order_number: str) -> list[Invoice]:
        """An order's invoices and credit notes, oldest first."""


if TYPE_CHECKING:
    from core.model.profiles import Profile
    from core.model.staff import ApiToken, StaffMember


class StaffRepository(abc.ABC):
    """Staff accounts, their API tokens and the profiles that give them permissions."""

    @abc.abstractmethod
    def add(self, staff: StaffMember) -> None:
        """Keep a new staff member; it has its id on return."""

    @abc.abstractmethod
    def get(self, username: str) -> StaffMember | None: ...

    @abc.abstractmethod
    def get_by_id(self, staff_id: int) -> StaffMember | None: ...

    @abc.abstractmethod
    def add_token(self, token: ApiToken) -> None:
        """Keep a new token; it has its id on return."""

    @abc.abstractmethod
    def token(self, staff_id: int, token_id: int) -> ApiToken | None: ...

    @abc.abstractmethod
    def tokens_with_lookup(self, lookup: str) -> list[ApiToken]: ...

    @abc.abstractmethod
    def profile(self, name: str) -> Profile | None: ...


class ActivityLog(abc.ABC):
    """What staff did, recorded in the same transaction as the change itself."""

    @abc.abstractmethod
    def record(
        self,
        action: str,
        *,
        document_type: str | None = None,
        document_id: str | None = None,
        detail: dict | None = None,
    ) -> None: ...


# --- customers and teams ---


# --- products and pricing ---


# --- order editing ---


# --- quotes and RFQs ---
