"""PunchOut sessions on the punchout_sessions table, and the catalog they shop from."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import ports
from core.model.products import Product
from core.model.punchout import AUX_ID_PREFIX, PunchOutSession
from core.storage import tables
from core.storage.matching import one_of
from core.storage.orm import mapper_registry

_mapping = threading.Lock()
_mapped = False


def map_punchout() -> None:
    """Map the session class once per process, whichever thread comes first."""
    global _mapped
    if _mapped:
        return
    with _mapping:
        if not _mapped:
            mapper_registry.map_imperatively(PunchOutSession, tables.punchout_sessions)
            _mapped = True


class SqlPunchOutRepository(ports.PunchOutRepository):
    def __init__(self, session: Session) -> None:
        map_punchout()
        self.session = session

    def add(self, session: PunchOutSession) -> None:
        self.session.add(session)
        self.session.flush()

    def with_start_token(self, token_hash: str) -> PunchOutSession | None:
        query = select(PunchOutSession).filter_by(start_token=token_hash).with_for_update()
        return self.session.scalars(query).one_or_none()

    def with_browser_key(self, key_hash: str, *, lock: bool = False) -> PunchOutSession | None:
        query = select(PunchOutSession).filter_by(browser_key=key_hash)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def get_many(self, session_ids: Iterable[int]) -> dict[int, PunchOutSession]:
        ids = list(set(session_ids))
        if not ids:
            return {}
        query = _sessions_by_id(self.session.bind.dialect.name)
        return {s.id: s for s in self.session.scalars(query, {"ids": ids})}

    def aux_ids_of_orders(self, numbers: Iterable[str]) -> dict[str, list[str]]:
        numbers = list(numbers)
        if not numbers:
            return {}
        query = _aux_ids_of_orders(self.session.bind.dialect.name)
        found: dict[str, list[str]] = {}
        for number, aux_id in self.session.execute(query, {"numbers": numbers}):
            found.setdefault(number, []).append(aux_id)
        return found

    def find_products(self, text: str, limit: int) -> list[Product]:
        query = _priced_products().order_by(Product.sku).limit(limit)
        text = text.strip()
        if text:
            query = query.where(
                or_(
                    *(
                        column.icontains(text, autoescape=True)
                        for column in (
                            Product.sku,
                            Product.description,
                            Product.manufacturer_part_id,
                            Product.manufacturer_name,
                        )
                    )
                )
            )
        return list(self.session.scalars(query))

    def products(self, skus: Iterable[str]) -> dict[str, Product]:
        skus = list(set(skus))
        if not skus:
            return {}
        query = _priced_products().where(Product.sku.in_(skus))
        return {p.sku: p for p in self.session.scalars(query)}


def _priced_products():
    return select(Product).where(Product.archived.is_(False), Product.list_price.is_not(None))


@functools.cache
def _sessions_by_id(dialect: str):
    return (
        select(PunchOutSession)
        .where(one_of(dialect, tables.punchout_sessions.c.id, "ids"))
        .with_for_update()
    )


@functools.cache
def _aux_ids_of_orders(dialect: str):
    orders, lines = tables.orders.c, tables.order_lines.c
    return (
        select(orders.number, lines.supplier_part_aux_id)
        .join_from(tables.orders, tables.order_lines, lines.order_id == orders.id)
        .where(
            one_of(dialect, orders.number, "numbers"),
            lines.supplier_part_aux_id.like(f"{AUX_ID_PREFIX}%"),
        )
    )
