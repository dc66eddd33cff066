"""The running hub's sender delivers what staff queue: a confirmation, a ship notice
(queued by itself when the shipment is recorded, the buyer having a ship_notice
endpoint) and an invoice reach a local buyer endpoint, which validates each against the cXML
DTDs and answers with a cXML Response that the hub keeps."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from core.storage import tables
from core.storage.engine import make_engine
from hub.config import Config
from hub.demo import order_request
from tests.e2e.hub_process import cli
from tests.e2e.test_hub import wait_for_order

KINDS = ["order_confirmation", "ship_notice", "invoice"]


def outbound(env: dict) -> list:
    engine = make_engine(Config.from_env(env).database_url)
    try:
        with engine.connect() as connection:
            table = tables.outbound_documents
            return connection.execute(select(table).order_by(table.c.id)).all()
    finally:
        engine.dispose()


def test_the_hub_delivers_queued_documents_to_the_buyer(hub, hub_env, buyer):
    url, handler = buyer
    env = {**hub_env, "TO_BUYER": "to-the-buyer"}
    ids = ["--our-identity-domain", "DUNS", "--our-identity", "123456789"]
    endpoints = [arg for kind in KINDS for arg in ("--endpoint", f"{kind}={url}")]
    change = cli(env, "partners", "change", "gsa-advantage", *ids, *endpoints,
                 "--outbound-secret-env", "TO_BUYER")  # fmt: skip
    assert change.returncode == 0, change.stderr
    assert hub.post_cxml(order_request("OUT-1", lines=2))[0] == 200
    number = wait_for_order(hub_env, "OUT-1")["number"]
    assert cli(env, "cxml", "confirm", number, "--no-send").returncode == 0
    shipped = cli(
        env, "shipments", "add", number, "--carrier", "UPS", "--tracking", "1Z9999W99999999999"
    )
    assert shipped.returncode == 0, shipped.stderr  # its ship notice is queued by itself
    invoice = cli(env, "invoices", "create", number).stdout.split()[1]
    assert cli(env, "cxml", "invoice", invoice, "--no-send").returncode == 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(handler.received) < 3:
        time.sleep(0.2)
    assert len(handler.received) == 3
    rows = outbound(env)
    assert [(row.kind, row.state, row.response_code) for row in rows] == [
        (kind, "sent", 200) for kind in KINDS
    ]
    assert [row.raw for row in rows] == handler.received
    shown = json.loads(cli(env, "orders", "show", number, "--json").stdout)
    assert shown["status"] == "invoiced"
