"""Rate estimates from the carriers this hub is configured with, and labels.

FedEx answers when its credentials are set; the table of shipping ranges always
answers, so an estimate is never empty because a carrier is slow or down (the
failure is reported beside the table's quotes).

| variable | meaning |
| --- | --- |
| `ORDERB2B_FEDEX_CLIENT_ID`, `ORDERB2B_FEDEX_CLIENT_SECRET`, `ORDERB2B_FEDEX_ACCOUNT` | FedEx API project credentials and shipping account (all set: FedEx rates) |
| `ORDERB2B_FEDEX_URL` | the FedEx API base; default the sandbox |
| `ORDERB2B_FEDEX_TIMEOUT` | seconds to wait for FedEx; default 5 |
| `ORDERB2B_SHIP_FROM_POSTAL_CODE`, `ORDERB2B_SHIP_FROM_COUNTRY`, `ORDERB2B_SHIP_FROM_STATE` | where our own shipments leave from |
"""  # noqa: E501

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from adapters.carriers import FedExRates, TableRates, ranges_from_stored
from core.canonical import Address, Label, RateRequest, address_of
from core.errors import ServiceFailed
from core.storage import queries, tables
from hub.bootstrap import App

FEDEX_SANDBOX = "https://apis-sandbox.fedex.com"


def ship_from(environ: Mapping[str, str] | None = None) -> Address:
    env = os.environ if environ is None else environ
    return Address(
        postal_code=env.get("ORDERB2B_SHIP_FROM_POSTAL_CODE"),
        country=env.get("ORDERB2B_SHIP_FROM_COUNTRY", "US"),
        state=env.get("ORDERB2B_SHIP_FROM_STATE"),
    )


def carriers(app: App, currency: str, environ: Mapping[str, str] | None = None) -> list:
    env = os.environ if environ is None else environ
    found: list = []
    fedex = _fedex(
        env.get("ORDERB2B_FEDEX_URL", FEDEX_SANDBOX),
        env.get("ORDERB2B_FEDEX_CLIENT_ID"),
        env.get("ORDERB2B_FEDEX_CLIENT_SECRET"),
        env.get("ORDERB2B_FEDEX_ACCOUNT"),
        float(env.get("ORDERB2B_FEDEX_TIMEOUT", "5")),
    )
    if fedex is not None:
        found.append(fedex)
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(tables.shipping_ranges).where(tables.shipping_ranges.c.archived.is_(False))
        ).all()
    found.append(TableRates(ranges_from_stored(rows, currency)))
    return found


@functools.lru_cache(maxsize=4)
def _fedex(url, client_id, secret, account, timeout) -> FedExRates | None:
    """One client per configuration, so its OAuth token is reused between calls."""
    if not (client_id and secret and account):
        return None
    return FedExRates(url, client_id, secret, account, timeout=timeout)


def estimate(app: App, request: RateRequest, environ=None) -> dict[str, Any]:
    """Every configured carrier's quotes, cheapest first, and which carriers failed."""
    quotes, failures = [], []
    for carrier in carriers(app, request.currency, environ):
        try:
            quotes.extend(carrier.rates(request))
        except ServiceFailed as failed:
            failures.append({"carrier": carrier.name, "kind": failed.kind, "error": str(failed)})
    quotes.sort(key=lambda quote: quote.amount)
    return {"quotes": [_quote(quote) for quote in quotes], "failures": failures}


def _quote(quote) -> dict[str, Any]:
    return {
        "carrier": quote.carrier,
        "service": quote.service,
        "service_name": quote.service_name,
        "amount": format(quote.amount, "f"),
        "currency": quote.currency,
        "transit_days": quote.transit_days,
        "delivery_date": quote.delivery_date.isoformat() if quote.delivery_date else None,
    }


def shipment_label(app: App, number: str, groups=None, environ=None) -> bytes:
    """A 4x6 label for each package of one of our shipments, as one PDF per package
    joined (the first package's label when there is one package)."""
    from adapters.carriers import render_label

    shipment = queries.shipment_detail(app.engine, number, groups)
    order = queries.order_detail(app.engine, shipment["order_number"], groups)
    weight = shipment["weight"]
    label = Label(
        tracking_number=shipment["tracking_number"],
        carrier=shipment["carrier"],
        service=shipment["service"] or "",
        ship_from=_company_address(app, environ),
        ship_to=address_of(order["ship_to"]) or Address(),
        reference=f"{order['number']} / {number}",
        weight=Decimal(weight) if weight is not None else None,
        weight_unit=shipment["weight_unit"],
        package=1,
        packages=shipment["packages"],
    )
    return render_label(label)


def _company_address(app: App, environ) -> Address:
    from core.storage import settings
    from hub.printing.render import COMPANY

    company = settings.current(app.engine, COMPANY)
    lines = [line for line in company["company.address"].splitlines() if line]
    origin = ship_from(environ)
    return Address(
        name=company["company.name"],
        street=tuple(lines),
        postal_code=origin.postal_code,
        country=origin.country,
        state=origin.state,
    )
