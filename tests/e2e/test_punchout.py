"""PunchOut against a running hub: a buyer's procurement system sends a setup
request, its user shops in the catalog and returns the cart through the browser,
and the buyer's order for that cart closes the session.

The test plays the browser (keeping the session cookie itself) and runs a small
"procurement system" on 127.0.0.1 that receives the returned cart."""

from __future__ import annotations

import http.client
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

import lxml.html
import pytest
from lxml import etree
from sqlalchemy import select

from core.storage import tables
from core.storage.engine import make_engine
from hub.config import Config
from hub.demo import DEMO_SECRET
from tests.e2e.test_hub import wait_for_order

SETUP = Path(__file__).resolve().parents[1] / "fixtures" / "cxml" / "punchout" / "create.xml"
COOKIE = "orderb2b_punchout"


class ProcurementSystem:
    """The buyer's side: takes the cart the browser posts to the BrowserFormPost URL."""

    def __init__(self) -> None:
        self.carts: list[bytes] = []
        received = self.carts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                form = parse_qs(self.rfile.read(length).decode("utf-8"))
                received.append(form["cxml-urlencoded"][0].encode("utf-8"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"cart received")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/punchout/return?requisition=PR-4471"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def buyer():
    system = ProcurementSystem()
    yield system
    system.close()


class Browser:
    """Keeps the hub's session cookie as a browser would; follows no redirects."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie: str | None = None
        self.set_cookie: str | None = None

    def get(self, path: str):
        return self._send("GET", path, None, {})

    def post(self, path: str, fields: dict[str, str]):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", path, urlencode(fields).encode(), headers)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict):
        if self.cookie:
            headers = {**headers, "Cookie": f"{COOKIE}={self.cookie}"}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie and set_cookie.startswith(f"{COOKIE}="):
            self.set_cookie = set_cookie
            self.cookie = set_cookie.split(";", 1)[0].split("=", 1)[1] or None
        return response, content


def setup_request(return_url: str, secret: str = DEMO_SECRET) -> bytes:
    """The Coupa setup request fixture, as the demo partner GSA Advantage sends it."""
    tree = etree.fromstring(SETUP.read_bytes()).getroottree()
    for credential in tree.xpath("/cXML/Header/From/Credential | /cXML/Header/Sender/Credential"):
        credential.set("domain", "NetworkID")
        credential.find("Identity").text = "GSA-ADVANTAGE"
    tree.find("Header/Sender/Credential/SharedSecret").text = secret
    tree.find("Request/PunchOutSetupRequest/BrowserFormPost/URL").text = return_url
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def order_request_for(cart: etree._Element, order_id: str) -> bytes:
    """What the buyer sends once the requisition is approved: an OrderRequest whose
    lines carry the returned items with their auxiliary ids."""
    items = "".join(
        f'<ItemOut quantity="{item.get("quantity")}" lineNumber="{n}"><ItemID>'
        f"<SupplierPartID>{escape(item.findtext('ItemID/SupplierPartID'))}</SupplierPartID>"
        "<SupplierPartAuxiliaryID>"
        f"{escape(item.findtext('ItemID/SupplierPartAuxiliaryID'))}</SupplierPartAuxiliaryID>"
        f'</ItemID><ItemDetail><UnitPrice><Money currency="USD">'
        f"{item.findtext('ItemDetail/UnitPrice/Money')}</Money></UnitPrice>"
        f'<Description xml:lang="en">{escape(item.findtext("ItemDetail/Description"))}'
        f"</Description><UnitOfMeasure>{item.findtext('ItemDetail/UnitOfMeasure')}"
        "</UnitOfMeasure></ItemDetail></ItemOut>"
        for n, item in enumerate(cart.iter("ItemIn"), start=1)
    )
    total = cart.findtext(".//PunchOutOrderMessageHeader/Total/Money")
    credential = '<Credential domain="NetworkID"><Identity>GSA-ADVANTAGE</Identity>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID="{order_id}.1@csu.coupahost.com" timestamp="2025-06-23T08:15:00-04:00">
<Header><From>{credential}</Credential></From>
<To><Credential domain="DUNS"><Identity>123456789</Identity></Credential></To>
<Sender>{credential}<SharedSecret>{DEMO_SECRET}</SharedSecret></Credential>
<UserAgent>Coupa Procurement 1.0</UserAgent></Sender></Header>
<Request deploymentMode="production"><OrderRequest>
<OrderRequestHeader orderID="{order_id}" orderDate="2025-06-23T08:15:00-04:00" type="new">
<Total><Money currency="USD">{total}</Money></Total></OrderRequestHeader>
{items}</OrderRequest></Request></cXML>""".encode()


def cxml_status(body: bytes) -> str:
    return etree.fromstring(body).find("Response/Status").get("code")


def add_form(page: bytes, sku: str) -> dict[str, str]:
    document = lxml.html.document_fromstring(page)
    for form in document.forms:
        values = dict(form.form_values())
        if values.get("action") == "add" and values.get("sku") == sku:
            return values
    raise AssertionError(f"no form adds {sku}")


def csrf_of(page: bytes) -> str:
    return lxml.html.document_fromstring(page).xpath("//input[@name='csrf']/@value")[0]


def session_row(env: dict, session_id: int):
    engine = make_engine(Config.from_env(env).database_url)
    try:
        with engine.connect() as connection:
            query = select(tables.punchout_sessions).where(
                tables.punchout_sessions.c.id == session_id
            )
            return connection.execute(query).one()
    finally:
        engine.dispose()


def wait_for_state(env: dict, session_id: int, state: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = session_row(env, session_id)
        if row.state == state:
            return row
        time.sleep(0.2)
    raise AssertionError(f"session {session_id} is {row.state}, never {state}")


def shop(hub, buyer) -> tuple[Browser, str]:
    """Set up a session and start it in a browser; returns the browser and start path."""
    status, body = hub.post_cxml(setup_request(buyer.url))
    assert (status, cxml_status(body)) == (200, "200")
    start = etree.fromstring(body).findtext("Response/PunchOutSetupResponse/StartPage/URL")
    assert start.startswith(f"http://127.0.0.1:{hub.port}/punchout/start/")
    browser = Browser(hub.port)
    response, _ = browser.get(urlsplit(start).path)
    assert (response.status, response.getheader("Location")) == (303, "/punchout/catalog")
    return browser, urlsplit(start).path


def test_setup_shop_return_and_order(hub, hub_env, buyer):
    browser, start_path = shop(hub, buyer)
    cookie = {attribute.lower() for attribute in browser.set_cookie.split("; ")}
    assert {"httponly", "path=/punchout", "samesite=lax"} <= cookie

    second, page = Browser(hub.port).get(start_path)
    assert second.status == 403 and b"used already" in page
    assert Browser(hub.port).get("/punchout/catalog")[0].status == 403

    response, page = browser.get("/punchout/catalog?q=toner")
    assert response.status == 200
    assert response.getheader("Cache-Control") == "no-store"
    toner = add_form(page, "00412-BK") | {"quantity": "2"}
    forged = browser.post("/punchout/cart", toner | {"csrf": "guess"})
    assert forged[0].status == 403
    response, _ = browser.post("/punchout/cart", toner)
    assert (response.status, response.getheader("Location")) == (303, "/punchout/cart")
    _, page = browser.get("/punchout/catalog?q=ballpoint")
    pens = add_form(page, "7510-01-454-1234") | {"quantity": "12"}
    assert browser.post("/punchout/cart", pens)[0].status == 303
    refused, page = browser.post("/punchout/cart", pens | {"quantity": "-1"})
    assert refused.status == 400 and b"more than 0" in page

    response, page = browser.get("/punchout/cart")
    rows = lxml.html.document_fromstring(page).xpath("//tbody/tr")
    assert [row.xpath("string(td[2])") for row in rows] == ["00412-BK", "7510-01-454-1234"]
    assert b"254.00 USD" in page

    key = browser.cookie
    response, page = browser.post("/punchout/return", {"csrf": csrf_of(page)})
    assert response.status == 200
    assert (browser.cookie, "max-age=0" in browser.set_cookie.lower()) == (None, True)
    assert "script-src 'sha256-" in response.getheader("Content-Security-Policy")
    (form,) = lxml.html.document_fromstring(page).forms
    assert form.action == buyer.url
    submitted = urlencode(form.form_values()).encode()
    target = urlsplit(form.action)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", f"{target.path}?{target.query}", submitted, headers)
    assert connection.getresponse().status == 200
    connection.close()

    (returned,) = buyer.carts
    cart = etree.fromstring(returned)
    assert cart.findtext(".//BuyerCookie") == "7f3a9c0e51d24b8e9a6f0c2d4e8b1a37"
    assert cart.findtext(".//PunchOutOrderMessageHeader/Total/Money") == "254.00"
    items = cart.findall(".//ItemIn")
    assert [(i.findtext("ItemID/SupplierPartID"), i.get("quantity")) for i in items] == [
        ("00412-BK", "2"),
        ("7510-01-454-1234", "12"),
    ]
    aux_ids = [i.findtext("ItemID/SupplierPartAuxiliaryID") for i in items]
    session_id = int(aux_ids[0].split("-")[1])
    assert aux_ids == [f"POS-{session_id}-1", f"POS-{session_id}-2"]
    total = sum(Decimal(i.get("quantity")) * Decimal(i.findtext(".//Money")) for i in items)
    assert total == Decimal("254.00")
    browser.cookie = key
    response, page = browser.get("/punchout/cart")
    assert response.status == 403 and b"returned to procurement" in page

    status, body = hub.post_cxml(order_request_for(cart, "CSU-PO-0047716"))
    assert (status, cxml_status(body)) == (200, "200")
    order = wait_for_order(hub_env, "CSU-PO-0047716")
    row = wait_for_state(hub_env, session_id, "ordered")
    assert row.order_number == order["number"]
    assert row.partner == "gsa-advantage"


def test_a_wrong_shared_secret_gets_a_401_cxml_response(hub, buyer):
    status, body = hub.post_cxml(setup_request(buyer.url, secret="not-the-secret"))
    assert (status, cxml_status(body)) == (401, "401")
    assert etree.fromstring(body).find("Response/PunchOutSetupResponse") is None
