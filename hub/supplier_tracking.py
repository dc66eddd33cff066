"""Tracking numbers from suppliers that only offer a REST order API: the hub asks it
about each open PO (on demand, or by a poller per supplier) and keeps every answer as
an inbound document of channel "rest"; the normaliser reads its shipments like a ship
notice (a shipment recorded before is recognised and not recorded again)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select

from adapters.suppliers import tracking_for
from core.errors import OrderB2BError, ServiceFailed
from core.storage import purchasing_queries, tables
from hub.availability import client_settings
from hub.bootstrap import App
from hub.pollers.base import PollFailed

CHANNEL = "rest"
OPEN_STATES = ("sent", "confirmed", "partially_shipped")


def partner_of(supplier_code: str) -> str:
    """How documents fetched from a supplier's own API name their sender."""
    return f"supplier:{supplier_code}"


def track(app: App, po_number: str) -> dict[str, Any]:
    """Ask the PO's supplier now; what became of its answer (see hub.ingest)."""
    from hub.ingest import ingest_bytes

    po = purchasing_queries.purchase_order_detail(app.engine, po_number)
    raw = _client(app, po["supplier_code"]).order_details(po_number)
    return ingest_bytes(app, CHANNEL, partner_of(po["supplier_code"]), raw)


def _client(app: App, supplier_code: str):
    service = purchasing_queries.supplier_service(app.engine, supplier_code)
    if service is None or service["service_kind"] != "rest":
        raise OrderB2BError(f"supplier {supplier_code} has no REST order API to ask")
    return tracking_for(client_settings(app, service))


class TrackingSource:
    """A poller's source: the supplier's answer about each of its open POs."""

    channel = CHANNEL

    def __init__(self, app: App, supplier_code: str) -> None:
        self.app = app
        self.supplier_code = supplier_code
        self.partner = partner_of(supplier_code)

    def fetch(self, since: datetime | None) -> Iterator[bytes]:
        client = _client(self.app, self.supplier_code)
        for number in open_purchase_orders(self.app, self.supplier_code):
            try:
                yield client.order_details(number)
            except ServiceFailed as failed:
                raise PollFailed(str(failed)) from failed


def open_purchase_orders(app: App, supplier_code: str) -> list[str]:
    pos = tables.purchase_orders.c
    query = (
        select(pos.number)
        .where(pos.supplier_code == supplier_code, pos.state.in_(OPEN_STATES))
        .order_by(pos.id)
    )
    with app.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def tracking_sources(app: App) -> list[TrackingSource]:
    """One source per supplier whose REST system is asked for tracking numbers
    (service setting `tracking` true)."""
    suppliers = tables.suppliers.c
    query = select(suppliers.code, suppliers.service_settings).where(
        suppliers.service_kind == "rest", suppliers.archived.is_(False)
    )
    with app.engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        TrackingSource(app, row.code)
        for row in rows
        if (row.service_settings or {}).get("tracking")
    ]
