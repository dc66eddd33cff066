"""Tracking numbers from a supplier's REST order API (shaped on Ingram Micro's reseller
API v6 order search and order details) against a local server, failure modes
included, and the order details read into ship notices."""

from __future__ import annotations

import copy
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from adapters.suppliers import tracking_for
from adapters.suppliers.rest_orders import RestOrderTracking, api_root, parse_order_shipments
from core.canonical import ReceivedShipNotice
from core.errors import ParseError, ServiceFailed
from tests.supplier_servers import (
    ACCOUNT,
    EXAMPLE_ORDERS,
    FIXTURES,
    ORDER_DETAILS_PATH,
    ORDER_SEARCH_PATH,
    TOKEN,
    RestSupplierServer,
    SoapSupplierServer,
    example_orders,
)

PO = "PO-2025-0142"
PARTNER = "supplier:ingram"
SHORT = 0.3  # seconds: the client's timeout in the slow-answer tests
DETAILS = (FIXTURES / "rest_order_details.json").read_bytes()


@pytest.fixture
def server() -> Iterator[RestSupplierServer]:
    with RestSupplierServer(orders=example_orders()) as running:
        yield running


def fetch(server: RestSupplierServer, po_number: str = PO, **settings) -> bytes:
    return tracking_for(server.settings(**{"timeout": 2, **settings})).order_details(po_number)


def failure(server: RestSupplierServer, po_number: str = PO, **settings) -> ServiceFailed:
    with pytest.raises(ServiceFailed) as caught:
        fetch(server, po_number, **settings)
    return caught.value


def as_json(notices: list[ReceivedShipNotice]) -> list[dict]:
    return json.loads(json.dumps([asdict(notice) for notice in notices], default=str))


def plain(notices: list[ReceivedShipNotice]) -> list[dict]:
    """The notices as the expected file writes them: ISO dates, exact Decimal text."""
    found = as_json(notices)
    for notice, original in zip(found, notices, strict=True):
        notice["shipped_at"] = original.shipped_at.isoformat() if original.shipped_at else None
        notice["delivery_date"] = (
            original.delivery_date.isoformat() if original.delivery_date else None
        )
    return found


def details(**changes) -> dict:
    """A copy of the example order details, top-level keys replaced."""
    order = copy.deepcopy(EXAMPLE_ORDERS[PO])
    order.update(changes)
    return order


def encoded(order: object) -> bytes:
    return json.dumps(order, default=str).encode()


def first_carrier(order: dict, line: int = 0) -> dict:
    return order["lines"][line]["shipmentDetails"][0]["carrierDetails"][0]


# Fetching


def test_fetches_the_order_details_by_searching_our_po_number(server) -> None:
    raw = fetch(server)
    assert json.loads(raw, parse_float=Decimal) == {**EXAMPLE_ORDERS[PO]}
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", f"{ORDER_SEARCH_PATH}?customerOrderNumber={PO}"),
        ("GET", f"{ORDER_DETAILS_PATH}20-RD128"),
    ]
    headers = server.requests[0].headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["IM-CustomerNumber"] == ACCOUNT and headers["IM-CountryCode"] == "US"
    ids = {r.headers["IM-CorrelationID"] for r in server.requests}
    assert len(ids) == 2 and all(ids)


def test_the_fetched_answer_reads_into_the_example_notices(server) -> None:
    expected = json.loads((FIXTURES / "rest_order_details.expected.json").read_text("utf-8"))
    assert plain(parse_order_shipments(fetch(server), PARTNER)) == expected


def test_the_search_answer_has_the_documented_shape(server) -> None:
    found = json.loads(server.render_search(PO), parse_float=Decimal)
    expected = json.loads((FIXTURES / "rest_order_search.json").read_text(), parse_float=Decimal)
    assert found == expected


def test_an_api_key_in_a_named_header_is_accepted(server) -> None:
    settings = server.settings(timeout=2, api_key=TOKEN, api_key_header="X-API-Key")
    del settings["token"]
    assert tracking_for(settings).order_details(PO)
    assert server.requests[-1].headers["X-API-Key"] == TOKEN
    assert "Authorization" not in server.requests[-1].headers


def test_a_po_number_the_supplier_does_not_know_is_refused(server) -> None:
    error = failure(server, "PO-NOSUCH-1")
    assert error.kind == "refused"
    assert str(error) == "supplier: no order for our PO PO-NOSUCH-1"
    assert len(server.requests) == 1  # no details asked for


def test_an_order_gone_between_search_and_details_is_refused(server) -> None:
    server.details_of = lambda number: None
    error = failure(server)
    assert error.kind == "refused"
    assert "no order for our PO PO-2025-0142" in str(error)
    assert "Order not found" in str(error)


def test_several_orders_for_one_po_are_refused(server) -> None:
    body = {
        "recordsFound": 2,
        "orders": [
            {"ingramOrderNumber": "20-RD128", "customerOrderNumber": PO},
            {"ingramOrderNumber": "20-RD129", "customerOrderNumber": PO},
        ],
    }
    server.body = json.dumps(body).encode()
    error = failure(server)
    assert error.kind == "refused" and "20-RD128, 20-RD129" in str(error)


def test_orders_of_other_po_numbers_in_the_search_answer_are_ignored(server) -> None:
    body = {"orders": [{"ingramOrderNumber": "20-XX001", "customerOrderNumber": PO + "-2"}]}
    server.body = json.dumps(body).encode()
    assert failure(server).kind == "refused"


def test_details_of_another_po_are_malformed(server) -> None:
    server.details_of = lambda number: details(customerOrderNumber="PO-OTHER")
    error = failure(server)
    assert error.kind == "malformed" and "of PO PO-OTHER, not PO-2025-0142" in str(error)


def test_wrong_credentials_are_refused(server) -> None:
    error = failure(server, token="expired")
    assert error.kind == "refused"
    assert str(error) == "supplier: credentials refused with HTTP 401: Invalid Access Token"


def test_a_wrong_account_is_refused(server) -> None:
    error = failure(server, account="20-999999")
    assert error.kind == "refused" and "HTTP 400" in str(error)


def test_a_slow_supplier_times_out(server) -> None:
    server.delay = 5
    started = time.monotonic()
    error = failure(server, timeout=SHORT, name="ingram")
    assert time.monotonic() - started < 2
    assert error.kind == "timeout" and str(error) == "ingram: no answer within 0.3 s"


def test_a_server_error_is_reported(server) -> None:
    server.status = 500
    error = failure(server)
    assert error.kind == "server_error" and "HTTP 500" in str(error)


def test_a_server_error_with_the_apis_error_body_says_it(server) -> None:
    server.status = 503
    server.body = b'{"errors": [{"type": "Unavailable", "message": "order service down"}]}'
    error = failure(server)
    assert error.kind == "server_error"
    assert str(error) == "supplier: server error HTTP 503: order service down"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway</html>",
        b'{"orders": {"a": 1}}',
        b'{"orders": [1]}',
        b'{"orders": [{"customerOrderNumber": "PO-2025-0142"}]}',
    ],
    ids=["not-json", "orders-not-a-list", "order-not-an-object", "no-order-number"],
)
def test_a_malformed_search_answer_is_reported(server, body: bytes) -> None:
    server.body = body
    error = failure(server)
    assert error.kind == "malformed" and "unusable answer" in str(error)


def test_an_empty_search_answer_means_an_unknown_order(server) -> None:
    server.body = b'{"recordsFound": 0, "orders": []}'
    assert failure(server).kind == "refused"


def test_a_search_answered_with_no_content_means_an_unknown_order(server) -> None:
    server.status, server.body = 204, b""
    error = failure(server)
    assert error.kind == "refused" and str(error) == f"supplier: no order for our PO {PO}"


def test_a_malformed_details_answer_is_reported(server) -> None:
    original = server._order_api

    def broken(received, path, query):
        if path.startswith(ORDER_DETAILS_PATH):
            return 200, b'{"customerOrderNumber": "PO-2025-0142", "lines": [1.5'
        return original(received, path, query)

    server._order_api = broken
    error = failure(server)
    assert error.kind == "malformed" and "not JSON" in str(error)


def test_an_unreachable_supplier_is_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service = RestOrderTracking(f"http://127.0.0.1:{port}/resellers/v6/x", timeout=1)
    with pytest.raises(ServiceFailed) as caught:
        service.order_details(PO)
    assert caught.value.kind == "unreachable"


def test_the_api_root_is_taken_from_the_price_availability_url() -> None:
    assert api_root("https://api.example.com/resellers/v6/catalog/priceandavailability") == (
        "https://api.example.com"
    )
    assert api_root("https://api.example.com/sandbox/resellers/v6/x?a=1") == (
        "https://api.example.com/sandbox"
    )
    assert api_root("https://api.example.com/sandbox/") == "https://api.example.com/sandbox"


def test_tracking_for_checks_its_settings() -> None:
    with pytest.raises(ValueError, match="url"):
        tracking_for({"url": "ftp://example.com"})
    with pytest.raises(ValueError, match="timeout"):
        tracking_for({"url": "https://example.com", "timeout": 0})
    built = tracking_for({"url": "https://example.com/resellers/v6/a", "name": "ingram"})
    assert (built.root, built.name, built.timeout) == ("https://example.com", "ingram", 5.0)


def test_a_wrong_api_root_is_refused_as_not_found(server) -> None:
    service = RestOrderTracking(server.origin + "/v9", token=TOKEN, account=ACCOUNT, timeout=2)
    with pytest.raises(ServiceFailed) as caught:
        service.order_details(PO)
    assert caught.value.kind == "refused"
    assert str(caught.value) == "supplier: request refused with HTTP 404: resource not found"
    assert server.requests[-1].path.startswith("/v9/resellers/v6/orders/search")


def test_the_soap_server_still_refuses_gets() -> None:
    with SoapSupplierServer() as soap:
        service = RestOrderTracking(soap.origin, timeout=2)
        with pytest.raises(ServiceFailed, match="HTTP 404") as caught:
            service.order_details(PO)
        assert caught.value.kind == "refused"
        assert [(r.method, r.path) for r in soap.requests] == [
            ("GET", f"{ORDER_SEARCH_PATH}?customerOrderNumber={PO}")
        ]


# Parsing


def test_decodes_exactly() -> None:
    notices = parse_order_shipments(DETAILS, PARTNER)
    assert [n.shipment_id for n in notices] == ["781234567890", "1Z999AA10123456784"]
    fedex, ups = notices
    assert fedex.lines[0].quantity == Decimal("2") and isinstance(fedex.lines[0].quantity, Decimal)
    assert (fedex.lines[0].line_number, fedex.lines[0].supplier_part_id) == (1, "6YE881")
    assert fedex.shipped_at == datetime(2025, 6, 3, tzinfo=UTC)
    assert ups.shipped_at == datetime(2025, 6, 4, 16, 45, tzinfo=timezone(timedelta(hours=-5)))
    assert ups.shipped_at.utcoffset() == timedelta(hours=-5)
    assert (fedex.carrier, fedex.carrier_code) == ("FEDEX 2DAY", None)  # F2 is not a SCAC
    assert (ups.carrier, ups.carrier_code) == ("UPS GROUND", "UPSN")
    assert ups.delivery_date == date(2025, 6, 9)
    assert all(n.channel == "rest" and n.po_number == PO for n in notices)
    # line 3 is backordered: nothing shipped, no notice names it
    assert {line.line_number for n in notices for line in n.lines} == {1, 2}


def test_shipment_ids_are_stable() -> None:
    first = parse_order_shipments(DETAILS, PARTNER)
    order = details()
    order["lines"].reverse()
    again = parse_order_shipments(encoded(order), PARTNER)
    assert {n.shipment_id: n for n in first} == {n.shipment_id: n for n in again}


def test_the_partner_defaults_to_the_channel() -> None:
    assert {n.partner for n in parse_order_shipments(DETAILS, None)} == {"rest"}


def test_a_zone_less_time_is_utc() -> None:
    order = details()
    first_carrier(order)["shippedDate"] = "2025-06-03T08:30:00"
    notice = parse_order_shipments(encoded(order), PARTNER)[0]
    assert notice.shipped_at == datetime(2025, 6, 3, 8, 30, tzinfo=UTC)


def test_a_z_time_is_utc() -> None:
    order = details()
    first_carrier(order)["shippedDate"] = "2025-06-03T08:30:00Z"
    notice = parse_order_shipments(encoded(order), PARTNER)[0]
    assert notice.shipped_at == datetime(2025, 6, 3, 8, 30, tzinfo=UTC)


def test_one_parcel_holding_two_lines_is_one_notice() -> None:
    order = details()
    carrier = first_carrier(order, 1)
    carrier["trackingDetails"][0]["trackingNumber"] = "781234567890"
    notices = parse_order_shipments(encoded(order), PARTNER)
    assert len(notices) == 1
    assert [(line.line_number, line.quantity) for line in notices[0].lines] == [
        (1, Decimal("2")),
        (2, Decimal("6")),
    ]


def test_several_boxes_with_their_quantities_are_one_notice_each() -> None:
    order = details()
    carrier = first_carrier(order, 1)
    carrier["trackingDetails"] = [
        {"trackingNumber": "1Z999AA10000000001", "quantityInBox": "2.5"},
        {"trackingNumber": "1Z999AA10000000002", "quantityInBox": "3.5"},
    ]
    notices = parse_order_shipments(encoded(order), PARTNER)
    boxes = {n.tracking_number: n.lines[0].quantity for n in notices[1:]}
    assert boxes == {"1Z999AA10000000001": Decimal("2.5"), "1Z999AA10000000002": Decimal("3.5")}


def test_a_box_named_twice_for_a_line_adds_its_quantities() -> None:
    order = details()
    first_carrier(order, 1)["trackingDetails"] = [
        {"trackingNumber": "1Z999AA10000000001", "quantityInBox": "4"},
        {"trackingNumber": "1Z999AA10000000001", "quantityInBox": "2"},
    ]
    notice = parse_order_shipments(encoded(order), PARTNER)[1]
    assert [(line.line_number, line.quantity) for line in notice.lines] == [(2, Decimal("6"))]


def test_several_boxes_without_quantities_are_one_notice_with_packages() -> None:
    order = details()
    carrier = first_carrier(order, 1)
    carrier["trackingDetails"] = [
        {"trackingNumber": "1Z999AA10000000001"},
        {"trackingNumber": "1Z999AA10000000002"},
    ]
    notice = parse_order_shipments(encoded(order), PARTNER)[1]
    assert (notice.shipment_id, notice.packages) == ("1Z999AA10000000001", 2)
    assert notice.lines[0].quantity == Decimal("6")
    assert notice.comments == "also tracking numbers 1Z999AA10000000002"


def test_a_shipment_without_tracking_numbers_gives_no_notice() -> None:
    order = details()
    first_carrier(order)["trackingDetails"] = []
    first_carrier(order, 1)["trackingDetails"] = [{"trackingNumber": " "}]
    assert parse_order_shipments(encoded(order), PARTNER) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.pop("customerOrderNumber"), "the order has no customerOrderNumber"),
        (lambda o: o.pop("lines"), "lines is missing or not a list"),
        (lambda o: o["lines"][0].pop("customerLineNumber"), "line 1 has no customerLineNumber"),
        (
            lambda o: o["lines"][0].update(customerLineNumber="A1"),
            "customerLineNumber 'A1' is not a PO line number",
        ),
        (lambda o: o["lines"][1].pop("ingramPartNumber"), "line 2 has no ingramPartNumber"),
        (
            lambda o: first_carrier(o).update(shippedDate="June 3rd"),
            "shippedDate 'June 3rd' is not a date",
        ),
        (
            lambda o: first_carrier(o)["trackingDetails"][0].update(quantityInBox="two"),
            "quantityInBox 'two' is not a number",
        ),
        (
            lambda o: first_carrier(o)["trackingDetails"][0].update(quantityInBox="0"),
            "quantity shipped 0 is not positive",
        ),
        (
            lambda o: o["lines"][0]["shipmentDetails"][0].update(carrierDetails={"a": 1}),
            "carrierDetails is not a list",
        ),
        (lambda o: o["lines"].append("x"), "line 4 is not a JSON object"),
    ],
    ids=[
        "no-po",
        "no-lines",
        "no-line-number",
        "bad-line-number",
        "no-part",
        "bad-date",
        "bad-quantity",
        "zero-quantity",
        "carriers-not-a-list",
        "line-not-an-object",
    ],
)
def test_unusable_details_raise_parse_errors(change, message: str) -> None:
    order = details()
    change(order)
    with pytest.raises(ParseError, match=message):
        parse_order_shipments(encoded(order), PARTNER)


def test_no_quantity_anywhere_is_a_parse_error() -> None:
    order = details()
    carrier = first_carrier(order)
    carrier.pop("quantity")
    carrier["trackingDetails"][0].pop("quantityInBox")
    order["lines"][0]["shipmentDetails"][0].pop("quantity")
    with pytest.raises(ParseError, match="no quantity shipped"):
        parse_order_shipments(encoded(order), PARTNER)


def test_the_shipment_quantity_serves_when_the_carrier_has_none() -> None:
    order = details()
    carrier = first_carrier(order)
    carrier.pop("quantity")
    carrier["trackingDetails"][0].pop("quantityInBox")
    assert parse_order_shipments(encoded(order), PARTNER)[0].lines[0].quantity == 2


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[]", b'{"a": NaN}', b"\xff\xfe"],
    ids=["empty", "text", "list", "nan", "not-utf8"],
)
def test_malformed_json_is_a_parse_error(raw: bytes) -> None:
    with pytest.raises(ParseError):
        parse_order_shipments(raw, PARTNER)
