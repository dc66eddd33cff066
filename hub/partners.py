"""Looks up trading partners by the identities they present; cached briefly."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from core.model.partners import Partner


class PartnerDirectory:
    def __init__(self, uow_factory, ttl: float = 30.0) -> None:
        self.uow_factory = uow_factory
        self.ttl = ttl
        self._by_identity: dict[tuple[str, str, str], Partner] = {}
        self._by_x12: dict[tuple[str, str], Partner] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def find(self, channel: str, domain: str | None, identity: str | None) -> Partner | None:
        if identity is None:
            return None
        self._refresh()
        key = (channel, (domain or "").lower(), identity.strip().lower())
        return self._by_identity.get(key)

    def find_x12(self, qualifier: str, sender_id: str) -> Partner | None:
        """An X12 partner by its interchange id (ISA05/ISA06); ids are kept exactly."""
        self._refresh()
        return self._by_x12.get((qualifier.strip(), sender_id.strip()))

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded_at < self.ttl:
            return
        with self._lock:
            if time.monotonic() - self._loaded_at < self.ttl:
                return
            with self.uow_factory() as uow:
                partners = uow.scalars(select(Partner).where(Partner.archived.is_(False))).all()
                uow.detach()
            self._by_identity = {
                (p.channel, (p.identity_domain or "").lower(), p.identity.lower()): p
                for p in partners
                if p.identity
            }
            self._by_x12 = {(p.x12_qualifier, p.x12_id): p for p in partners if p.x12_id}
            self._loaded_at = time.monotonic()
