"""Storage of returns (RMAs): mapping, repository and audit roots."""

from __future__ import annotations

from sqlalchemy.orm import Session, registry

from core import ports

AUDIT_ROOTS: dict = {}
ENTITY_NAMES: dict = {}


def map_rmas(mapper_registry: registry) -> None:
    """Maps the returns (RMAs) classes onto their tables."""


class SqlRmaRepository(ports.RmaRepository):
    def __init__(self, session: Session) -> None:
        self.session = session
