"""Commands: requests to change state. Each has exactly one handler."""

from __future__ import annotations

from dataclasses import dataclass

from core.canonical import CanonicalOrder


class Command:
    pass


@dataclass(frozen=True)
class ReceiveDocument(Command):
    """Keep an inbound document that passed authentication and well-formedness."""

    channel: str
    partner: str | None
    raw: bytes
    content_type: str | None = None
    remote_addr: str | None = None


@dataclass(frozen=True)
class RejectDocument(Command):
    """Keep a refused inbound document for inspection, with why it was refused."""

    channel: str
    partner: str | None
    raw: bytes
    code: int
    error: str
    content_type: str | None = None
    remote_addr: str | None = None


@dataclass(frozen=True)
class ReceiveDocuments(Command):
    """Keep several inbound documents, accepted or refused, in one transaction."""

    documents: tuple[ReceiveDocument | RejectDocument, ...]


@dataclass(frozen=True)
class IngestOrder(Command):
    """Turn one canonical order into an order, or amend or cancel the one it changes."""

    order: CanonicalOrder
    document_id: int | None = None


@dataclass(frozen=True)
class AddPartner(Command):
    """Register a trading partner. `settings` holds identities, mode and endpoints;
    `outbound_secret` arrives sealed (encrypted) by the edge."""

    code: str
    name: str
    channel: str
    settings: dict
    shared_secret: str | None = None
    outbound_secret: str | None = None


@dataclass(frozen=True)
class ChangePartner(Command):
    """Change a partner's settings; None in `settings` clears an identity or endpoint."""

    code: str
    settings: dict
    shared_secret: str | None = None
    outbound_secret: str | None = None
