"""Supplier price and availability clients (SOAP through zeep, REST/JSON) against local
servers that speak both formats, failure modes included."""

from __future__ import annotations

import copy
import json
import socket
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from adapters.suppliers import service_for
from adapters.suppliers.rest import RestSupplierService
from adapters.suppliers.soap import SoapSupplierService
from core.canonical import PriceAvailability
from core.errors import ServiceFailed
from tests.supplier_servers import (
    EXAMPLE_CATALOGUE,
    FIXTURES,
    PA,
    SOAP_ENV,
    Offer,
    RestSupplierServer,
    SoapSupplierServer,
    Warehouse,
)

WSDL = Path(__file__).resolve().parents[2] / "schemas" / "suppliers" / "price_availability.wsdl"
EXAMPLE_PARTS = ["6YE881", "NOSUCH-1", "0071234", "3JA64A", "C4-RESTRICTED"]
EXAMPLE_QUANTITIES = {"6YE881": Decimal("2"), "0071234": Decimal("10")}
SERVERS = {"soap": SoapSupplierServer, "rest": RestSupplierServer}
KINDS = sorted(SERVERS)
ANSWER_FILES = {"soap": "soap_response.xml", "rest": "rest_response.json"}
SHORT = 0.3  # seconds: the client's timeout in the slow-answer tests


@pytest.fixture(params=KINDS)
def kind(request) -> str:
    return request.param


@pytest.fixture
def server(kind: str) -> Iterator[SoapSupplierServer | RestSupplierServer]:
    with SERVERS[kind](EXAMPLE_CATALOGUE) as running:
        yield running


def ask(kind: str, server, parts: list[str], quantity=None, **settings):
    service = service_for(kind, server.settings(**{"timeout": 2, **settings}))
    return service.price_availability(parts, quantity)


def failure(kind: str, server, parts: list[str] | None = None, **settings) -> ServiceFailed:
    with pytest.raises(ServiceFailed) as caught:
        ask(kind, server, parts or ["6YE881"], **settings)
    return caught.value


def as_json(results: list[PriceAvailability]) -> list[dict]:
    """The answers as plain values: Decimals as their exact text, dates as ISO."""
    return [
        {
            "supplier_part_id": result.supplier_part_id,
            "found": result.found,
            "unit_price": None if result.unit_price is None else str(result.unit_price),
            "currency": result.currency,
            "unit_of_measure": result.unit_of_measure,
            "warehouses": [
                {"warehouse": stock.warehouse, "quantity": str(stock.quantity)}
                for stock in result.warehouses
            ],
            "eta": None if result.eta is None else result.eta.isoformat(),
        }
        for result in results
    ]


def expected() -> list[dict]:
    return json.loads((FIXTURES / "price_availability.expected.json").read_text("utf-8"))


def shape(element: etree._Element) -> tuple:
    """An element as (namespaced tag, text, children), blind to prefixes and indentation."""
    text = (element.text or "").strip()
    return element.tag, text, tuple(shape(child) for child in element)


def xml_shape(data: bytes) -> tuple:
    return shape(etree.fromstring(data))


def soap_answer(items: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>'
        f'<pa:PriceAvailabilityResponse xmlns:pa="{PA}"><pa:Items>{items}</pa:Items>'
        "</pa:PriceAvailabilityResponse></soap:Body></soap:Envelope>"
    ).encode()


def soap_item(part: str = "6YE881", line: int = 1, **fields: str) -> str:
    values = {
        "LineNumber": str(line),
        "PartNumber": part,
        "Status": "Active",
        "UnitPrice": "10.00",
        "Currency": "USD",
        **fields,
    }
    inner = "".join(f"<pa:{name}>{value}</pa:{name}>" for name, value in values.items() if value)
    return f"<pa:Item>{inner}</pa:Item>"


def rest_item(part: str = "6YE881", **changes: object) -> dict:
    item = {
        "ingramPartNumber": part,
        "uom": "EA",
        "availability": {
            "availabilityByWarehouse": [
                {"warehouseId": "10", "location": "Mira Loma, CA", "quantityAvailable": 4}
            ]
        },
        "pricing": {"currencyCode": "USD", "customerPrice": "10.00"},
    }
    item.update(changes)
    return item


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the documented formats


def test_the_soap_request_is_the_documented_one():
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        ask("soap", server, EXAMPLE_PARTS, EXAMPLE_QUANTITIES)
        [received] = server.requests
    assert xml_shape(received.body) == xml_shape((FIXTURES / "soap_request.xml").read_bytes())
    assert received.headers["Content-Type"].startswith("text/xml")
    assert received.headers["SOAPAction"] == f'"{PA}#PriceAvailability"'


def test_the_soap_request_is_valid_by_the_wsdl_schema():
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        ask("soap", server, EXAMPLE_PARTS, EXAMPLE_QUANTITIES)
        [received] = server.requests
    wsdl = etree.parse(str(WSDL))
    schema = etree.XMLSchema(
        copy.deepcopy(wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema"))
    )
    request = etree.fromstring(received.body).find(
        f"{{{SOAP_ENV}}}Body/{{{PA}}}PriceAvailabilityRequest"
    )
    assert schema.validate(request), schema.error_log


def test_the_rest_request_is_the_documented_one():
    with RestSupplierServer(EXAMPLE_CATALOGUE) as server:
        ask("rest", server, EXAMPLE_PARTS, EXAMPLE_QUANTITIES)
        [received] = server.requests
    assert json.loads(received.body) == json.loads((FIXTURES / "rest_request.json").read_text())
    assert received.path == (
        "/resellers/v6/catalog/priceandavailability?includeAvailability=true&includePricing=true"
    )
    assert received.headers["Authorization"] == f"Bearer {server.token}"
    assert received.headers["IM-CustomerNumber"] == server.account
    assert received.headers["IM-CountryCode"] == "US"
    assert len(received.headers["IM-CorrelationID"]) == 32
    assert received.headers["Content-Type"] == "application/json"


def test_the_servers_answer_the_documented_documents():
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as soap:
        lines = {part: line for line, part in enumerate(EXAMPLE_PARTS, start=1)}
        soap_answer_ = soap.render(lines)
    with RestSupplierServer(EXAMPLE_CATALOGUE) as rest:
        rest_answer = rest.render(sorted(EXAMPLE_PARTS))
    assert xml_shape(soap_answer_) == xml_shape((FIXTURES / "soap_response.xml").read_bytes())
    documented = (FIXTURES / "rest_response.json").read_text()
    assert json.loads(rest_answer, parse_float=Decimal) == json.loads(
        documented, parse_float=Decimal
    )


def test_the_documented_answer_decodes_exactly(kind, server):
    server.body = (FIXTURES / ANSWER_FILES[kind]).read_bytes()
    results = ask(kind, server, EXAMPLE_PARTS, EXAMPLE_QUANTITIES)
    assert as_json(results) == expected()


# --- what the answers say


def test_prices_stock_and_eta_come_back_exactly(kind, server):
    results = ask(kind, server, EXAMPLE_PARTS, EXAMPLE_QUANTITIES)
    assert as_json(results) == expected()
    by_part = {result.supplier_part_id: result for result in results}
    assert by_part["0071234"].unit_price == Decimal("18.375")
    assert str(by_part["3JA64A"].unit_price) == "27.10"
    assert all(
        isinstance(stock.quantity, Decimal) for result in results for stock in result.warehouses
    )
    assert isinstance(by_part["6YE881"].unit_price, Decimal)


def test_stock_in_several_warehouses_adds_up(kind, server):
    server.catalogue["WH-3"] = Offer(
        Decimal("5.5"),
        (
            Warehouse("10", "Mira Loma, CA", Decimal("7")),
            Warehouse("40", "Memphis, TN", Decimal("0")),
            Warehouse("95", "Buffalo, NY", Decimal("1250")),
        ),
    )
    [result] = ask(kind, server, ["WH-3"])
    assert [(stock.warehouse, stock.quantity) for stock in result.warehouses] == [
        ("10", Decimal("7")),
        ("40", Decimal("0")),
        ("95", Decimal("1250")),
    ]
    assert result.available == Decimal("1257")


def test_an_unknown_part_is_not_found(kind, server):
    [unknown] = ask(kind, server, ["NO-SUCH-PART"], currency="EUR")
    assert unknown == PriceAvailability("NO-SUCH-PART", None, "EUR", found=False)


def test_answers_follow_the_order_asked_whatever_order_the_supplier_answers_in(kind, server):
    server.catalogue.update(
        {part: Offer(Decimal(price)) for part, price in [("ZZ-9", "9"), ("AA-1", "1")]}
    )
    parts = ["ZZ-9", "MM-5", "AA-1", "ZZ-9"]
    results = ask(kind, server, parts)
    assert [result.supplier_part_id for result in results] == parts
    assert [result.unit_price for result in results] == [Decimal(9), None, Decimal(1), Decimal(9)]
    [received] = server.requests
    assert received.body.count(b"ZZ-9") == 1  # a repeated part is asked for once


def test_nothing_asked_asks_nothing(kind, server):
    assert ask(kind, server, []) == []
    assert server.requests == []


def test_building_a_service_fetches_nothing(kind, server):
    service_for(kind, server.settings())
    assert server.requests == []


def test_rest_asks_fifty_products_at_a_time():
    parts = [f"P{number:04d}" for number in range(120)]
    catalogue = {part: Offer(Decimal("1.25")) for part in parts[::2]}
    with RestSupplierServer(catalogue) as server:
        results = ask("rest", server, parts)
        sizes = [len(json.loads(seen.body)["products"]) for seen in server.requests]
    assert sizes == [50, 50, 20]
    assert [result.supplier_part_id for result in results] == parts
    assert [result.found for result in results] == [True, False] * 60


def test_rest_takes_an_api_key_instead_of_a_token():
    with RestSupplierServer(EXAMPLE_CATALOGUE) as server:
        settings = server.settings(timeout=2, token=None, api_key=server.token)
        [result] = service_for("rest", settings).price_availability(["6YE881"])
        [received] = server.requests
    assert result.unit_price == Decimal("1049.99")
    assert received.headers["X-API-Key"] == server.token
    assert "Authorization" not in received.headers


# --- failures


def test_a_slow_supplier_times_out(kind, server):
    server.delay = 5
    started = time.monotonic()
    error = failure(kind, server, timeout=SHORT)
    assert error.kind == "timeout"
    assert time.monotonic() - started < 2
    assert str(error) == f"supplier: no answer within {SHORT:g} s"


def test_a_supplier_that_is_not_listening_is_unreachable(kind):
    settings = {"url": f"http://127.0.0.1:{closed_port()}/pa", "timeout": SHORT, "name": "ACME"}
    with pytest.raises(ServiceFailed) as caught:
        service_for(kind, settings).price_availability(["6YE881"])
    assert caught.value.kind == "unreachable"
    assert caught.value.service == "ACME"


def test_http_500_is_a_server_error(kind, server):
    server.status = 500
    error = failure(kind, server)
    assert error.kind == "server_error"
    assert "500" in str(error)
    assert len(server.requests) == 1


def test_a_soap_server_fault_is_a_server_error():
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        server.status = 500
        server.body = (FIXTURES / "soap_fault_server.xml").read_bytes()
        error = failure("soap", server)
    assert error.kind == "server_error"
    assert "Pricing engine unavailable" in str(error)


def test_bad_soap_credentials_are_refused():
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        error = failure("soap", server, password="hunter2", name="ACME")
    assert error.kind == "refused"
    assert str(error).startswith("ACME: request refused: Authentication failed")
    assert "hunter2" not in str(error)


def test_a_bad_rest_token_is_refused():
    with RestSupplierServer(EXAMPLE_CATALOGUE) as server:
        error = failure("rest", server, token="expired")
    assert error.kind == "refused"
    assert str(error) == "supplier: credentials refused with HTTP 401: Invalid Access Token"


def test_a_rest_request_the_supplier_rejects_is_refused():
    with RestSupplierServer(EXAMPLE_CATALOGUE) as server:
        error = failure("rest", server, account="99-999999")
    assert error.kind == "refused"
    assert "HTTP 400: IM-CustomerNumber is missing or unknown" in str(error)


MALFORMED_SOAP = {
    "not xml": b"Service temporarily replaced by a holiday greeting",
    "html": b"<html><body><h1>Maintenance</h1></body></html>",
    "truncated": soap_answer(soap_item())[:-40],
    "empty body": f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body/></soap:Envelope>'.encode(),
    "another answer": (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><pa:Other xmlns:pa="{PA}"/>'
        "</soap:Body></soap:Envelope>"
    ).encode(),
    "price not a number": soap_answer(soap_item(UnitPrice="call us")),
    "price with exponent": soap_answer(soap_item(UnitPrice="1e3")),
    "eta not a date": soap_answer(soap_item(Eta="soon")),
    "unknown status": soap_answer(soap_item(Status="Maybe")),
    "active without price": soap_answer(soap_item(UnitPrice="")),
    "negative stock": soap_answer(
        soap_item(
            Warehouses="<pa:Warehouse><pa:Code>10</pa:Code>"
            "<pa:QuantityAvailable>-3</pa:QuantityAvailable></pa:Warehouse>"
        )
    ),
    "part not asked for": soap_answer(soap_item(part="OTHER")),
    "part answered twice": soap_answer(soap_item() + soap_item(line=2)),
}

MALFORMED_REST = {
    "not json": b"<html><body>Gateway says hello</body></html>",
    "not a list": json.dumps({"products": [rest_item()]}).encode(),
    "no pricing": json.dumps([rest_item(pricing=None)]).encode(),
    "price not a number": json.dumps(
        [rest_item(pricing={"currencyCode": "USD", "customerPrice": "call us"})]
    ).encode(),
    "price NaN": b'[{"ingramPartNumber": "6YE881", "pricing": {"currencyCode": "USD", '
    b'"customerPrice": NaN}, "availability": {}}]',
    "no currency": json.dumps([rest_item(pricing={"customerPrice": "1.00"})]).encode(),
    "no part number": json.dumps([rest_item(ingramPartNumber=None)]).encode(),
    "negative stock": json.dumps(
        [
            rest_item(
                availability={
                    "availabilityByWarehouse": [{"warehouseId": "10", "quantityAvailable": -1}]
                }
            )
        ]
    ).encode(),
    "eta not a date": json.dumps(
        [
            rest_item(
                availability={
                    "availabilityByWarehouse": [
                        {
                            "warehouseId": "10",
                            "quantityAvailable": 0,
                            "quantityBackorderedEta": "soon",
                        }
                    ]
                }
            )
        ]
    ).encode(),
    "part not asked for": json.dumps([rest_item(part="OTHER")]).encode(),
    "not utf-8": b'[{"ingramPartNumber": "\xff"}]',
}


@pytest.mark.parametrize("body", MALFORMED_SOAP.values(), ids=MALFORMED_SOAP)
def test_an_unreadable_soap_answer_is_malformed(body):
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        server.body = body
        error = failure("soap", server)
    assert error.kind == "malformed", str(error)


@pytest.mark.parametrize("body", MALFORMED_REST.values(), ids=MALFORMED_REST)
def test_an_unreadable_rest_answer_is_malformed(body):
    with RestSupplierServer(EXAMPLE_CATALOGUE) as server:
        server.body = body
        error = failure("rest", server)
    assert error.kind == "malformed", str(error)


HOSTILE = {
    "soap_hostile_entity.xml": "answer refused: it declares a DTD",
    "soap_hostile_external.xml": "answer refused: it declares a DTD",
    "soap_hostile_laughs.xml": "unreadable answer: not well-formed XML",
}


@pytest.mark.parametrize(("name", "complaint"), HOSTILE.items(), ids=list(HOSTILE))
def test_a_hostile_soap_answer_is_refused_unexpanded(name, complaint):
    with SoapSupplierServer(EXAMPLE_CATALOGUE) as server:
        server.body = (FIXTURES / name).read_bytes()
        started = time.monotonic()
        error = failure("soap", server, ["6YE881", "EXPANDED-PART"])
    assert error.kind == "malformed"
    assert str(error) == f"supplier: {complaint}"
    assert time.monotonic() - started < 2


def test_the_hostile_answer_would_expand_if_entities_were_resolved():
    hostile = (FIXTURES / "soap_hostile_entity.xml").read_bytes()
    parsed = etree.fromstring(hostile, etree.XMLParser(resolve_entities=True))
    assert parsed.findtext(f".//{{{PA}}}PartNumber") == "EXPANDED-PART"


# --- choosing a service


def test_service_for_builds_each_kind():
    soap = service_for("soap", {"url": "https://supplier.test/pa", "username": "u"})
    rest = service_for("rest", {"url": "https://supplier.test/pa", "token": "t", "timeout": "2.5"})
    assert isinstance(soap, SoapSupplierService)
    assert isinstance(rest, RestSupplierService)
    assert rest.timeout == 2.5
    assert soap.timeout == 5.0


def test_service_for_takes_the_named_bundled_wsdl():
    service = service_for(
        "soap", {"url": "https://supplier.test/pa", "wsdl": "price_availability.wsdl"}
    )
    assert isinstance(service, SoapSupplierService)


@pytest.mark.parametrize(
    ("kind", "settings", "complaint"),
    [
        ("ftp", {"url": "https://supplier.test/pa"}, "unknown supplier service kind"),
        ("soap", {}, "url"),
        ("rest", {"url": "file:///etc/passwd"}, "url"),
        ("soap", {"url": "https://s.test/pa", "wsdl": "../cxml/cXML.dtd"}, "file name"),
        ("soap", {"url": "https://s.test/pa", "wsdl": "missing.wsdl"}, "no WSDL named"),
        ("rest", {"url": "https://s.test/pa", "timeout": "soon"}, "timeout"),
        ("rest", {"url": "https://s.test/pa", "timeout": 0}, "timeout"),
        ("rest", {"url": "https://s.test/pa", "token": 42}, "must be text"),
    ],
)
def test_service_for_refuses_unusable_settings(kind, settings, complaint):
    with pytest.raises(ValueError, match=complaint):
        service_for(kind, settings)
