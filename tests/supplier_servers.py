"""Local supplier price and availability servers: SOAP (the service of
schemas/suppliers/price_availability.wsdl) and REST/JSON (shaped on Ingram Micro's
reseller API v6), each a threaded http.server on 127.0.0.1 at a free port.

    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        service = service_for("soap", server.settings(timeout=0.3))

A server answers from `catalogue` (part number -> Offer; change it at any time),
items sorted by part number whatever the order asked, and refuses wrong credentials
as the real services do (SOAP Fault soap:Client; HTTP 401). The REST server also
answers the order API (order search and order details) from `orders`: our PO number
-> the supplier's order details in the API's shape (EXAMPLE_ORDERS). Switches, also
settable at any time:
    delay     seconds to wait before answering (a slow supplier)
    status    the HTTP status to answer with instead of 200 (e.g. 500)
    body      bytes to answer instead of the catalogue's answer (malformed, hostile)
    requests  every request received, in order: len(server.requests) counts them
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from adapters.xml import parse_xml

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "suppliers"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
PA = "urn:orderb2b:supplier:price-availability:1"
REST_PATH = "/resellers/v6/catalog/priceandavailability"
ORDER_SEARCH_PATH = "/resellers/v6/orders/search"
ORDER_DETAILS_PATH = "/resellers/v6.1/orders/"
ACCOUNT = "20-222222"
USERNAME = "reseller-api"
PASSWORD = "correct horse battery"
TOKEN = "d2a1f0c3-example-token"
MAX_PRODUCTS = 50


@dataclass(frozen=True)
class Warehouse:
    code: str
    name: str
    quantity: Decimal


@dataclass(frozen=True)
class Offer:
    """What the supplier answers for one part. `status` is Active, Discontinued or
    NotAuthorized; a part missing from the catalogue is answered as not found."""

    unit_price: Decimal
    warehouses: tuple[Warehouse, ...] = ()
    currency: str = "USD"
    unit_of_measure: str = "EA"
    eta: date | None = None
    status: str = "Active"


EXAMPLE_CATALOGUE = {
    "6YE881": Offer(
        Decimal("1049.99"),
        (
            Warehouse("10", "Mira Loma, CA", Decimal("12")),
            Warehouse("40", "Memphis, TN", Decimal("3")),
        ),
    ),
    "0071234": Offer(
        Decimal("18.375"),
        (Warehouse("20", "Carrollton, TX", Decimal("0")),),
        unit_of_measure="BX",
        eta=date(2025, 7, 14),
    ),
    "3JA64A": Offer(
        Decimal("27.10"),
        (
            Warehouse("10", "Mira Loma, CA", Decimal("250")),
            Warehouse("30", "Jonestown, PA", Decimal("1200")),
            Warehouse("80", "Carol Stream, IL", Decimal("0")),
        ),
        status="Discontinued",
    ),
    "C4-RESTRICTED": Offer(Decimal("1.00"), status="NotAuthorized"),
}
"""The catalogue the example documents in tests/fixtures/suppliers were answered from."""


@dataclass(frozen=True)
class Received:
    path: str
    headers: Message
    body: bytes
    method: str = "POST"


def example_orders() -> dict[str, dict]:
    """The orders the example documents in tests/fixtures/suppliers were answered
    from: our PO number -> the supplier's order details."""
    details = json.loads(
        (FIXTURES / "rest_order_details.json").read_text("utf-8"), parse_float=Decimal
    )
    return {details["customerOrderNumber"]: details}


EXAMPLE_ORDERS = example_orders()


class _SupplierServer:
    content_type = "application/octet-stream"
    serves_get = False  # GETs are counted and refused with 404, switches or not

    def __init__(self, catalogue: dict[str, Offer] | None = None) -> None:
        self.catalogue: dict[str, Offer] = dict(catalogue or {})
        self.delay = 0.0
        self.status = 200
        self.body: bytes | None = None
        self.requests: list[Received] = []
        self._stopping = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.daemon_threads = True
        self._http.supplier = self
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        raise NotImplementedError

    def settings(self, **overrides: object) -> dict[str, object]:
        """The supplier settings `service_for` takes to reach this server."""
        raise NotImplementedError

    def answer(self, received: Received) -> tuple[int, bytes]:
        """The status and body of the catalogue's answer to a request."""
        raise NotImplementedError

    def respond(self, received: Received) -> tuple[int, bytes] | None:
        """What to send back, after the delay; None when the server is stopping."""
        self.requests.append(received)
        if self.delay and self._stopping.wait(self.delay):
            return None
        if self.body is not None:
            return self.status, self.body
        if self.status != 200:
            return self.status, HTTPStatus(self.status).phrase.encode()
        return self.answer(received)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._http.server_port}"

    def __enter__(self) -> _SupplierServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(Received(self.path, self.headers, self.rfile.read(length)))

    def _serve(self, received: Received) -> None:
        supplier = self.server.supplier
        answer = supplier.respond(received)
        if answer is None:
            return
        status, body = answer
        try:
            self.send_response(status)
            self.send_header("Content-Type", supplier.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting

    def do_GET(self) -> None:
        """The REST server's order API; elsewhere counted and refused (the SOAP client's
        WSDL is local)."""
        if self.server.supplier.serves_get:
            self._serve(Received(self.path, self.headers, b"", "GET"))
            return
        self.server.supplier.requests.append(Received(self.path, self.headers, b"", "GET"))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class SoapSupplierServer(_SupplierServer):
    """The SOAP P&A service: one PriceAvailability operation at `url`."""

    content_type = "text/xml; charset=utf-8"

    def __init__(
        self,
        catalogue: dict[str, Offer] | None = None,
        *,
        account: str = ACCOUNT,
        username: str = USERNAME,
        password: str = PASSWORD,
    ) -> None:
        super().__init__(catalogue)
        self.credentials = (account, username, password)

    @property
    def url(self) -> str:
        return f"{self.origin}/soap/price-availability"

    def settings(self, **overrides: object) -> dict[str, object]:
        account, username, password = self.credentials
        return {
            "url": self.url,
            "account": account,
            "username": username,
            "password": password,
            **overrides,
        }

    def answer(self, received: Received) -> tuple[int, bytes]:
        request = parse_xml(received.body).find(
            f"{{{SOAP_ENV}}}Body/{{{PA}}}PriceAvailabilityRequest"
        )
        if request is None:
            return 500, (FIXTURES / "soap_fault_server.xml").read_bytes()
        if _credentials(request) != self.credentials:
            return 500, (FIXTURES / "soap_fault_credentials.xml").read_bytes()
        asked = {
            _text(item, "PartNumber"): int(_text(item, "LineNumber"))
            for item in request.iterfind(f"{{{PA}}}Items/{{{PA}}}Item")
        }
        return 200, self.render(asked)

    def render(self, asked: dict[str, int]) -> bytes:
        """The answer to the parts asked (part -> line number), sorted by part."""
        envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "pa": PA})
        body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
        response = etree.SubElement(body, f"{{{PA}}}PriceAvailabilityResponse")
        items = etree.SubElement(response, f"{{{PA}}}Items")
        for part in sorted(asked):
            _soap_item(items, asked[part], part, self.catalogue.get(part))
        return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _credentials(request: etree._Element) -> tuple[str | None, ...]:
    found = request.find(f"{{{PA}}}Credentials")
    return tuple(_text(found, name) for name in ("CustomerNumber", "UserName", "Password"))


def _text(element: etree._Element | None, name: str) -> str | None:
    found = None if element is None else element.find(f"{{{PA}}}{name}")
    return None if found is None else found.text


def _soap_item(items: etree._Element, line: int, part: str, offer: Offer | None) -> None:
    item = etree.SubElement(items, f"{{{PA}}}Item")
    _add(item, "LineNumber", str(line))
    _add(item, "PartNumber", part)
    if offer is None or offer.status == "NotAuthorized":
        _add(item, "Status", "NotFound" if offer is None else "NotAuthorized")
        _add(item, "StatusMessage", _refusal(offer))
        return
    _add(item, "Status", offer.status)
    _add(item, "UnitPrice", format(offer.unit_price, "f"))
    _add(item, "Currency", offer.currency)
    _add(item, "UnitOfMeasure", offer.unit_of_measure)
    places = _add(item, "Warehouses")
    for warehouse in offer.warehouses:
        place = _add(places, "Warehouse")
        _add(place, "Code", warehouse.code)
        _add(place, "Name", warehouse.name)
        _add(place, "QuantityAvailable", format(warehouse.quantity, "f"))
    if offer.eta is not None:
        _add(item, "Eta", offer.eta.isoformat())


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{PA}}}{name}")
    child.text = text
    return child


def _refusal(offer: Offer | None) -> str:
    return "PRODUCT NOT FOUND" if offer is None else "CUSTOMER NOT AUTHORIZED FOR THIS PRODUCT"


class RestSupplierServer(_SupplierServer):
    """The REST P&A service: POST `url`?includeAvailability=true&includePricing=true
    with a bearer token or the token in X-API-Key, and IM-CustomerNumber,
    IM-CountryCode and IM-CorrelationID headers. With the same headers, the order API:
    GET ORDER_SEARCH_PATH?customerOrderNumber=PO and GET ORDER_DETAILS_PATH<number>."""

    content_type = "application/json"
    serves_get = True

    def __init__(
        self,
        catalogue: dict[str, Offer] | None = None,
        *,
        token: str = TOKEN,
        account: str = ACCOUNT,
        orders: dict[str, dict] | None = None,
    ) -> None:
        super().__init__(catalogue)
        self.token = token
        self.account = account
        self.orders: dict[str, dict] = dict(orders or {})

    @property
    def url(self) -> str:
        return self.origin + REST_PATH

    def settings(self, **overrides: object) -> dict[str, object]:
        return {"url": self.url, "token": self.token, "account": self.account, **overrides}

    def answer(self, received: Received) -> tuple[int, bytes]:
        address = urlsplit(received.path)
        if received.method == "GET":
            return self._order_api(received, address.path, parse_qs(address.query))
        if address.path != REST_PATH:
            return 404, _errors("resource not found")
        if not self._authorised(received.headers):
            return 401, (FIXTURES / "rest_unauthorized.json").read_bytes()
        problem = self._header_problem(received.headers)
        if problem:
            return 400, _errors(problem)
        products = json.loads(received.body).get("products") or []
        if len(products) > MAX_PRODUCTS:
            return 400, _errors(f"at most {MAX_PRODUCTS} products per request")
        query = parse_qs(address.query)
        pricing = query.get("includePricing") == ["true"]
        availability = query.get("includeAvailability") == ["true"]
        parts = sorted({product["ingramPartNumber"] for product in products})
        return 200, self.render(parts, pricing=pricing, availability=availability)

    def render(self, parts: list[str], *, pricing: bool = True, availability: bool = True) -> bytes:
        """The answer to the parts asked, in the order given."""
        items = [
            _rest_item(part, self.catalogue.get(part), pricing, availability) for part in parts
        ]
        return _json(items).encode()

    def _order_api(
        self, received: Received, path: str, query: dict[str, list[str]]
    ) -> tuple[int, bytes]:
        searching = path == ORDER_SEARCH_PATH
        if not searching and not path.startswith(ORDER_DETAILS_PATH):
            return 404, _errors("resource not found")
        if not self._authorised(received.headers):
            return 401, (FIXTURES / "rest_unauthorized.json").read_bytes()
        problem = self._header_problem(received.headers)
        if problem:
            return 400, _errors(problem)
        if searching:
            return 200, self.render_search(query.get("customerOrderNumber", [""])[0])
        details = self.details_of(unquote(path.removeprefix(ORDER_DETAILS_PATH)))
        if details is None:
            return 404, (FIXTURES / "rest_order_details_not_found.json").read_bytes()
        return 200, _json(details).encode()

    def details_of(self, order_number: str) -> dict | None:
        """The order details the supplier answers for its order number, if it has it."""
        for po_number, order in self.orders.items():
            if order.get("ingramOrderNumber") == order_number:
                return {**order, "customerOrderNumber": po_number}
        return None

    def render_search(self, po_number: str) -> bytes:
        """The order search's answer: the orders that carry our PO number."""
        found = [
            {
                "ingramOrderNumber": order["ingramOrderNumber"],
                "ingramOrderDate": order.get("ingramOrderDate"),
                "customerOrderNumber": po,
                "orderStatus": order.get("orderStatus"),
                "orderTotal": order.get("orderTotal"),
            }
            for po, order in self.orders.items()
            if po == po_number
        ]
        answer = {"recordsFound": len(found), "pageSize": 25, "pageNumber": 1, "orders": found}
        return _json(answer).encode()

    def _authorised(self, headers: Message) -> bool:
        return headers.get("Authorization") == f"Bearer {self.token}" or (
            headers.get("X-API-Key") == self.token
        )

    def _header_problem(self, headers: Message) -> str | None:
        if headers.get("IM-CustomerNumber") != self.account:
            return "IM-CustomerNumber is missing or unknown"
        if not headers.get("IM-CountryCode"):
            return "IM-CountryCode is required"
        if not headers.get("IM-CorrelationID"):
            return "IM-CorrelationID is required"
        return None


def _rest_item(part: str, offer: Offer | None, pricing: bool, availability: bool) -> dict:
    if offer is None or offer.status == "NotAuthorized":
        return {
            "productStatusCode": "E",
            "productStatusMessage": _refusal(offer),
            "ingramPartNumber": part,
        }
    item: dict = {}
    if offer.status == "Discontinued":
        item.update(productStatusCode="W", productStatusMessage="DISCONTINUED")
    item.update(ingramPartNumber=part, uom=offer.unit_of_measure)
    if availability:
        item["availability"] = {
            "available": any(place.quantity > 0 for place in offer.warehouses),
            "totalAvailability": sum((place.quantity for place in offer.warehouses), Decimal(0)),
            "availabilityByWarehouse": [
                {
                    "location": place.name,
                    "warehouseId": place.code,
                    "quantityAvailable": place.quantity,
                    "quantityBackordered": Decimal(0),
                    "quantityBackorderedEta": offer.eta.isoformat() if offer.eta else "",
                }
                for place in offer.warehouses
            ],
        }
    if pricing:
        item["pricing"] = {"currencyCode": offer.currency, "customerPrice": offer.unit_price}
    return item


def _errors(message: str) -> bytes:
    return json.dumps({"errors": [{"type": "Bad Request", "message": message}]}).encode()


def _json(value: object) -> str:
    """JSON with Decimals written as exact numbers, as the real API writes them."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return json.dumps(value)
