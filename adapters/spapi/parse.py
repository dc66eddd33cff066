"""Amazon SP-API Orders v0 documents to canonical orders.

The marketplace poller keeps one bundle per orders page (see `bundle`): the
getOrders answer with the getOrderItems answers of its orders. A bare getOrders
or getOrder answer lacks the items and is refused; an errors answer too.
"""

from __future__ import annotations

from adapters.mws.orders import order_from_api
from adapters.spapi import answers
from adapters.spapi.bundle import bundle, is_bundle, split
from core.canonical import CanonicalOrder
from core.errors import ParseError

CHANNEL = "spapi"
DEFAULT_PARTNER = "amazon"

__all__ = ["CHANNEL", "DEFAULT_PARTNER", "bundle", "parse"]


def parse(
    data: bytes, partner: str | None = None, *, max_bytes: int = answers.DEFAULT_MAX_BYTES
) -> list[CanonicalOrder]:
    """Channel entry point: one canonical order per Amazon order in the document."""
    document = answers.load(data, max_bytes=max_bytes)
    partner = partner or DEFAULT_PARTNER
    if is_bundle(document):
        return [order_from_api(order, items, CHANNEL, partner) for order, items in split(document)]
    if "payload" in document or "errors" in document:
        orders = answers.orders(document, "SP-API answer")
        if orders:
            raise ParseError(
                f"{orders[0].where} has no items: its getOrderItems answers must come "
                "with it in a bundle"
            )
        return []
    raise ParseError(
        "not an SP-API order document: expected a bundle (orders, orderItems) or a payload"
    )
