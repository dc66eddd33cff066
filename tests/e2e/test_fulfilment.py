"""Order to cash through suppliers, on the running hub: a cXML order's three lines
are bought from two suppliers (one drop-shipped) whose SOAP and REST systems quote
live prices; the POs go out as a cXML OrderRequest and an X12 850; the suppliers'
ShipNoticeRequest and 856 come back through the hub's doors and ship the order; the
buyer gets its ShipNoticeRequests and InvoiceDetailRequest; the invoice is paid by
card through a local server speaking Authorize.net's API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from adapters.cxml.outbound import Credentials, render_ship_notice
from adapters.cxml.parse import parse as parse_cxml
from adapters.x12.parse import parse as parse_x12
from adapters.x12.render import render_856
from adapters.x12.writer import Envelope
from core.canonical import ShipmentLine, ShipNotice
from hub.demo import order_request
from tests.cxml_buyer import SHARED_SECRET, buyer_endpoint
from tests.e2e.hub_process import cli
from tests.e2e.test_hub import wait_for_order
from tests.payment_servers import AuthorizeNetServer
from tests.supplier_servers import (
    Offer,
    RestSupplierServer,
    SoapSupplierServer,
    Warehouse,
)

INGRAM_SECRET = "ingram-to-us"
CATALOGUE = {
    "00412-BK": Offer(Decimal("61.40"), (Warehouse("10", "Mira Loma, CA", Decimal("40")),)),
    "7510-01-454-1234": Offer(Decimal("3.95"), (Warehouse("40", "Memphis, TN", Decimal("900")),)),
    "MON-27-4K": Offer(Decimal("402.00"), (Warehouse("30", "Jonestown, PA", Decimal("7")),)),
}


class X12Receiver(BaseHTTPRequestHandler):
    """A supplier's EDI gateway over HTTP: keeps what it gets, answers 200."""

    received: list[bytes]

    def do_POST(self):
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"accepted")

    def log_message(self, *args):
        pass


@contextmanager
def x12_gateway():
    handler = type("Gateway", (X12Receiver,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/edi", handler
    finally:
        server.shutdown()
        server.server_close()


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def wait(condition: Callable[[], object], what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout} s")


def order_status(env, number) -> str:
    return json.loads(ok(cli(env, "orders", "show", number, "--json")))["status"]


def setup_partners(env, buyer_url, ingram_url, dh_url):
    ok(cli(env, "partners", "change", "gsa-advantage",
           "--our-identity-domain", "DUNS", "--our-identity", "123456789",
           "--endpoint", f"ship_notice={buyer_url}", "--endpoint", f"invoice={buyer_url}",
           "--outbound-secret-env", "TO_BUYER"))  # fmt: skip
    ok(cli(env, "partners", "add", "ingram-cxml", "--name", "Ingram Micro", "--channel", "cxml",
           "--identity-domain", "DUNS", "--identity", "987654321",
           "--our-identity-domain", "DUNS", "--our-identity", "123456789",
           "--endpoint", f"purchase_order={ingram_url}",
           "--shared-secret-env", "FROM_INGRAM", "--outbound-secret-env", "TO_INGRAM"))  # fmt: skip
    ok(cli(env, "partners", "add", "dh-x12", "--name", "D&H", "--channel", "x12",
           "--x12-qualifier", "ZZ", "--x12-id", "DHDISTRIBUTING",
           "--our-x12-qualifier", "ZZ", "--our-x12-id", "ORDERB2BHUB",
           "--endpoint", f"purchase_order={dh_url}"))  # fmt: skip


def setup_suppliers(env, soap, rest):
    soap_settings, rest_settings = soap.settings(), rest.settings()
    ok(cli(env, "suppliers", "add", "ingram", "--name", "Ingram Micro", "--channel", "cxml",
           "--partner", "ingram-cxml", "--service", "soap", "--service-url", soap.url,
           "--service-setting", f"account={soap_settings['account']}",
           "--service-setting", f"username={soap_settings['username']}",
           "--service-secret-env", "INGRAM_PA", "--discount", "2"))  # fmt: skip
    ok(cli(env, "suppliers", "add", "dh", "--name", "D&H Distributing", "--channel", "x12",
           "--partner", "dh-x12", "--service", "rest", "--service-url", rest.url,
           "--service-setting", f"account={rest_settings['account']}",
           "--service-setting", "secret_setting=token",
           "--service-secret-env", "DH_PA"))  # fmt: skip


def everything_shipped(po, shipment_id: str, carrier: str, scac: str, tracking: str):
    """A supplier's notice that every line of the PO it received has shipped."""
    return ShipNotice(
        order=po,
        shipment_id=shipment_id,
        supplier_order_number=f"SO-{shipment_id}",
        shipped_at=datetime.now(UTC),
        carrier=carrier,
        tracking_number=tracking,
        carrier_code=scac,
        lines=tuple(
            ShipmentLine(
                line.line_number, line.quantity, line.unit_of_measure, line.supplier_part_id
            )
            for line in po.lines
        ),
    )


def ingram_ship_notice(order_request_bytes: bytes) -> bytes:
    """Ingram's ShipNoticeRequest for the PO it received."""
    [po] = parse_cxml(order_request_bytes, "ingram-cxml")
    notice = everything_shipped(po, "IM-ASN-55120", "FedEx", "FDEG", "794658012374")
    credentials = Credentials("DUNS", "987654321", "DUNS", "123456789", "DUNS", "987654321",
                              INGRAM_SECRET)  # fmt: skip
    return render_ship_notice(
        notice, credentials, payload_id="asn-55120@ingram.example.com", timestamp=datetime.now(UTC)
    )


def dh_856(edi_850: bytes) -> bytes:
    """D&H's 856 for the drop-shipped PO it received as an 850."""
    [po] = parse_x12(edi_850, "dh-x12")
    notice = everything_shipped(po, "DH-SHP-3301", "UPS", "UPSN", "1Z999AA10123456784")
    envelope = Envelope("ZZ", "DHDISTRIBUTING", "ZZ", "ORDERB2BHUB", "DHDISTRIBUTING",
                        "ORDERB2BHUB", "000004411", "4411")  # fmt: skip
    return render_856(notice, envelope, datetime.now(UTC))


def test_order_to_cash_through_two_suppliers(hub, hub_env, buyer):
    buyer_url, buyer_received = buyer
    with (
        buyer_endpoint() as (ingram_url, ingram),
        x12_gateway() as (dh_url, dh),
        SoapSupplierServer(CATALOGUE) as soap,
        RestSupplierServer(CATALOGUE) as rest,
    ):
        env = {
            **hub_env,
            "TO_BUYER": SHARED_SECRET,
            "TO_INGRAM": SHARED_SECRET,
            "FROM_INGRAM": INGRAM_SECRET,
            "INGRAM_PA": soap.settings()["password"],
            "DH_PA": rest.settings()["token"],
        }
        setup_partners(env, buyer_url, ingram_url, dh_url)
        setup_suppliers(env, soap, rest)
        assert hub.post_cxml(order_request("E2E-FULFIL", lines=3))[0] == 200
        number = wait_for_order(hub_env, "E2E-FULFIL")["number"]

        first = ok(cli(env, "po", "assign", number, "1", "ingram"))
        assert "live price 61.40" in first
        ingram_po = first.split()[0]
        assert ok(cli(env, "po", "assign", number, "2", "ingram")).split()[0] == ingram_po
        third = ok(cli(env, "po", "assign", number, "3", "dh", "--dropship", "supplier"))
        assert "live price 402.00" in third
        dh_po = third.split()[0]
        assert len(soap.requests) == 2 and len(rest.requests) == 1

        ok(cli(env, "po", "send", ingram_po))
        ok(cli(env, "po", "send", dh_po))
        wait(lambda: ingram.received and dh.received, "the POs reaching the suppliers")
        assert b"<OrderRequest>" in ingram.received[0] and ingram_po.encode() in ingram.received[0]
        assert b"BEG*00*DS*" + dh_po.encode() in dh.received[0]
        shown = json.loads(ok(cli(env, "po", "show", ingram_po)))
        assert shown["state"] == "sent" and shown["sent_document"]["response_code"] in (200, None)

        status, answer = hub.post_cxml(ingram_ship_notice(ingram.received[0]))
        assert status == 200, answer
        wait(lambda: order_status(env, number) == "partially_shipped", "partial shipment")
        status, ack = hub.request(
            "POST", "/x12", dh_856(dh.received[0]), {"Content-Type": "application/edi-x12"}
        )
        assert status == 200 and b"AK9*A" in ack, ack
        wait(lambda: order_status(env, number) == "shipped", "the order shipping")

        notices = lambda: [b for b in buyer_received.received if b"<ShipNoticeRequest>" in b]  # noqa: E731
        wait(lambda: len(notices()) == 2, "two ship notices reaching the buyer")
        pos = json.loads(ok(cli(env, "po", "list", "--json")))
        assert {(p["number"], p["state"]) for p in pos} == {
            (ingram_po, "shipped"),
            (dh_po, "shipped"),
        }
        assert [p["dropship"] for p in pos if p["number"] == dh_po] == ["supplier"]

        invoice = ok(cli(env, "invoices", "create", number)).split()[1]
        ok(cli(env, "cxml", "invoice", invoice, "--no-send"))
        wait(
            lambda: any(b"<InvoiceDetailRequest>" in b for b in buyer_received.received),
            "the invoice reaching the buyer",
        )
        assert order_status(env, number) == "invoiced"

        with AuthorizeNetServer(login_id="e2e-login", transaction_key="e2e-key") as gateway:
            card = {
                **env,
                "ORDERB2B_AUTHORIZENET_URL": gateway.url,
                "ORDERB2B_AUTHORIZENET_LOGIN_ID": "e2e-login",
                "ORDERB2B_AUTHORIZENET_TRANSACTION_KEY": "e2e-key",
            }
            paid = cli(card, "payments", "take", invoice, "--gateway", "authorize_net",
                       "--token", "eyJjb2RlIjoiNTBfMl8wNjAw", "--token-kind", "opaque")  # fmt: skip
            assert paid.returncode == 0, paid.stderr
            assert gateway.count == 1
        owed = json.loads(ok(cli(env, "invoices", "owed", invoice, "--json")))
        assert Decimal(owed["due"]) == 0 and Decimal(owed["paid"]) == Decimal(owed["total"]), owed
        [payment] = json.loads(ok(cli(env, "payments", "list", "--invoice", invoice, "--json")))
        assert (payment["gateway"], payment["state"]) == ("authorize_net", "captured")
