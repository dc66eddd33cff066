"""Amazon MWS order documents to canonical orders.

Two documents carry MWS orders: the XML order report (_GET_ORDERS_DATA_, an
AmazonEnvelope of OrderReport messages with items inline) and the order bundle
the marketplace poller builds from Orders API answers (see `bundle`). A bare
orders answer lacks the items and is refused.
"""

from __future__ import annotations

from adapters.mws import answers
from adapters.mws.bundle import ROOT, bundle, split
from adapters.mws.orders import order_from_api
from adapters.mws.records import local_name
from adapters.mws.report import parse_report
from adapters.xml import parse_xml
from core.canonical import CanonicalOrder
from core.errors import ParseError

CHANNEL = "mws"
DEFAULT_PARTNER = "amazon"

__all__ = ["CHANNEL", "DEFAULT_PARTNER", "bundle", "parse"]


def parse(data: bytes, partner: str | None = None) -> list[CanonicalOrder]:
    """Channel entry point: one canonical order per Amazon order in the document."""
    root = parse_xml(data)
    partner = partner or DEFAULT_PARTNER
    name = local_name(root)
    if name == "AmazonEnvelope":
        return parse_report(root, CHANNEL, partner)
    if name == ROOT:
        return [order_from_api(order, items, CHANNEL, partner) for order, items in split(root)]
    if name in answers.ORDER_RESPONSES:
        orders = answers.orders(root)
        if orders:
            raise ParseError(
                f"{name} {orders[0].where} has no items: its ListOrderItems answers "
                f"must come with it in an {ROOT} bundle"
            )
        return []
    failure = answers.error(root)
    if failure is not None:
        raise ParseError(f"MWS answered with an error: {failure[0]}: {failure[1]}")
    raise ParseError(f"not an MWS order document: the root element is {name}")
