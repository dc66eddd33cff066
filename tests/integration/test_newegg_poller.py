"""The Newegg source against a local server that speaks Newegg's order-information API."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from adapters.newegg.dates import format_pacific
from adapters.newegg.parse import parse
from hub.pollers.base import OVERLAP, Poller, PollFailed, Throttled
from hub.pollers.newegg import DEFAULT_RETRY_AFTER, NeweggSource, order_info_request, retry_after

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "canonical" / "order.schema.json"
SERVER_FILES = FIXTURES / "newegg_server"
SELLER = "AK7Q"
API_KEY = "5d7b2f0c9a4e4b1f8c3d6e2a7b9f0c41"
SECRET_KEY = "0F3A9C5E-7B21-4D8E-9A6F-2C4B8E1D7F30"
NOW = datetime(2025, 7, 21, 23, 20, 0, tzinfo=UTC)
SINCE = datetime(2025, 7, 21, 22, 0, 0, tzinfo=UTC)
PATH = "/marketplace/ordermgmt/order/orderinfo"


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def criterion(self, tag: str) -> str | None:
        return etree.fromstring(self.body).findtext(f".//{tag}")


def served(name: str, status: int = 200, **headers: str) -> Answer:
    return Answer(status, (SERVER_FILES / name).read_bytes(), headers)


class NeweggHandler(BaseHTTPRequestHandler):
    """Checks what Newegg checks (path, seller, keys), then gives the next scripted answer."""

    server: NeweggServer

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        url = urllib.parse.urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        seen = Seen("PUT", url.path, urllib.parse.parse_qs(url.query), headers, body)
        self.server.seen.append(seen)
        if url.path != PATH or seen.query != {"sellerid": [SELLER], "version": ["304"]}:
            self._answer(Answer(404, b"<Errors><Error><Code>NotFound</Code></Error></Errors>"))
        elif (headers.get("authorization"), headers.get("secretkey")) != (API_KEY, SECRET_KEY):
            self._answer(served("access_denied.xml", 401))
        else:
            self._answer(self.server.answers.popleft())

    def _answer(self, answer: Answer) -> None:
        time.sleep(answer.delay)
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class NeweggServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), NeweggHandler)
        self.answers: deque[Answer] = deque()
        self.seen: list[Seen] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/marketplace"

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)


@pytest.fixture
def server():
    server = NeweggServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def source(server: NeweggServer, **options) -> NeweggSource:
    values = {"page_size": 2, "timeout": 5.0, "clock": lambda: NOW} | options
    secret = values.pop("secret_key", SECRET_KEY)
    return NeweggSource(server.base_url, SELLER, API_KEY, secret, **values)


def expected(page: int) -> list[dict]:
    return json.loads((SERVER_FILES / f"orders_page_{page}.expected.json").read_text("utf-8"))


class Cursors:
    def __init__(self) -> None:
        self.saved: dict[str, tuple] = {}

    def load(self, name: str) -> datetime | None:
        return self.saved.get(name, (None,))[0]

    def save(self, name: str, cursor, documents: int, error: str | None) -> None:
        self.saved[name] = (cursor, documents, error)


# Fetching


def test_fetch_reads_every_page_with_the_documented_request(server: NeweggServer) -> None:
    server.script(served("orders_page_1.xml"), served("orders_page_2.xml"))
    pages = list(source(server).fetch(SINCE))
    assert pages == [(SERVER_FILES / f"orders_page_{n}.xml").read_bytes() for n in (1, 2)]
    assert len(server.seen) == 2
    for page, seen in enumerate(server.seen, start=1):
        assert (seen.method, seen.path) == ("PUT", PATH)
        assert seen.headers["content-type"] == "application/xml"
        assert seen.headers["accept"] == "application/xml"
        assert (seen.headers["authorization"], seen.headers["secretkey"]) == (API_KEY, SECRET_KEY)
        assert seen.criterion("OperationType") == "GetOrderInfoRequest"
        assert (seen.criterion("PageIndex"), seen.criterion("PageSize")) == (str(page), "2")
        assert seen.criterion("OrderDateFrom") == "2025-07-18 15:00:00"
        assert seen.criterion("OrderDateTo") == "2025-07-21 16:20:00"
        assert seen.criterion("OrderDownloaded") == "0"
        assert seen.criterion("Type") == "0"


def test_pages_parse_into_the_expected_orders(server: NeweggServer) -> None:
    server.script(served("orders_page_1.xml"), served("orders_page_2.xml"))
    pages = list(source(server).fetch(SINCE))
    assert [[order.to_dict() for order in parse(page)] for page in pages] == [
        expected(1),
        expected(2),
    ]
    orders = [order for page in pages for order in parse(page)]
    assert [order.external_order_id for order in orders] == ["382110457", "382110913", "382114026"]
    validator = Draft202012Validator(json.loads(SCHEMA.read_text("utf-8")))
    assert not [error for order in orders for error in validator.iter_errors(order.to_dict())]


def test_first_poll_reaches_back_the_lookback_from_now(server: NeweggServer) -> None:
    server.script(served("orders_page_1.xml"), served("orders_page_2.xml"))
    list(source(server, lookback=timedelta(days=1)).fetch(None))
    assert server.seen[0].criterion("OrderDateFrom") == "2025-07-20 16:20:00"


def test_no_orders_yields_nothing(server: NeweggServer) -> None:
    server.script(Answer(200, (FIXTURES / "newegg" / "empty_page.xml").read_bytes()))
    assert list(source(server).fetch(SINCE)) == []
    assert len(server.seen) == 1


# Throttling and failures


def test_throttling_answer_stops_the_poll_and_the_next_poll_resumes(
    server: NeweggServer,
) -> None:
    kept: list[tuple[str, str, bytes]] = []
    cursors = Cursors()
    poller = Poller(
        source(server),
        lambda channel, partner, raw: kept.append((channel, partner, raw)),
        cursors,
        clock=lambda: NOW,
    )
    server.script(served("orders_page_1.xml"), served("throttled.xml", 429, **{"Retry-After": "7"}))
    throttled = poller.poll_once()
    assert (throttled.documents, throttled.cursor, throttled.wait) == (1, None, 7.0)
    assert cursors.saved["newegg:newegg"][2] == (
        "Newegg answered HTTP 429: TooManyRequests: You have exceeded the request limit "
        "for this API. Please try again later."
    )

    server.script(served("orders_page_1.xml"), served("orders_page_2.xml"))
    resumed = poller.poll_once()
    assert (resumed.documents, resumed.cursor) == (2, NOW - OVERLAP)
    assert [(channel, partner) for channel, partner, _ in kept] == [("newegg", "newegg")] * 3
    orders = [order.to_dict() for _, _, raw in kept[1:] for order in parse(raw)]
    assert orders == expected(1) + expected(2)

    server.script(served("orders_page_1.xml"), served("orders_page_2.xml"))
    poller.poll_once()
    cursor_from = format_pacific(NOW - OVERLAP - timedelta(days=3))
    assert server.seen[-1].criterion("OrderDateFrom") == cursor_from


def test_throttled_carries_the_wait(server: NeweggServer) -> None:
    server.script(served("throttled.xml", 429, **{"X-RateLimit-ResetTime": "7/21/2025 16:21:30"}))
    with pytest.raises(Throttled) as caught:
        list(source(server).fetch(SINCE))
    assert caught.value.retry_after == 90.0


def test_wrong_secret_key_fails_with_neweggs_error(server: NeweggServer) -> None:
    with pytest.raises(PollFailed, match=r"^Newegg answered HTTP 401: InvalidToken: Invalid"):
        list(source(server, secret_key="0F3A9C5E-0000").fetch(SINCE))


def test_error_answer_is_not_kept(server: NeweggServer) -> None:
    failed = (FIXTURES / "newegg" / "bad" / "is_success_false.xml").read_bytes()
    server.script(Answer(200, failed))
    with pytest.raises(PollFailed, match=r"page 1: Newegg answered IsSuccess=false: SO011"):
        list(source(server).fetch(SINCE))


def test_server_error_without_xml(server: NeweggServer) -> None:
    server.script(Answer(503, b"Service Unavailable"))
    with pytest.raises(PollFailed, match=r"^Newegg answered HTTP 503: Service Unavailable$"):
        list(source(server).fetch(SINCE))


def test_oversized_answer_fails(server: NeweggServer) -> None:
    server.script(Answer(200, b" " * (10 * 1024 * 1024 + 1)))
    with pytest.raises(PollFailed, match="larger than 10485760 bytes"):
        list(source(server).fetch(SINCE))


def test_slow_answer_times_out(server: NeweggServer) -> None:
    server.script(Answer(200, b"", delay=1.0))
    started = time.monotonic()
    with pytest.raises(PollFailed):
        list(source(server, timeout=0.2).fetch(SINCE))
    assert time.monotonic() - started < 1.0


# Request and waits, without a server


def test_request_body_is_a_documented_get_order_info_request() -> None:
    body = order_info_request(3, 100, SINCE, NOW)
    root = etree.fromstring(body)
    assert root.tag == "NeweggAPIRequest"
    assert root.findtext("OperationType") == "GetOrderInfoRequest"
    assert [child.tag for child in root.find("RequestBody")] == [
        "PageIndex",
        "PageSize",
        "RequestCriteria",
    ]
    assert root.findtext("RequestBody/PageIndex") == "3"
    assert root.findtext("RequestBody/RequestCriteria/OrderDateFrom") == "2025-07-21 15:00:00"


def test_winter_filters_are_in_pacific_standard_time() -> None:
    winter = datetime(2025, 1, 9, 22, 22, 8, tzinfo=UTC)
    body = order_info_request(1, 100, winter, winter)
    assert etree.fromstring(body).findtext(".//OrderDateTo") == "2025-01-09 14:22:08"


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0"}, 1.0),
        ({"retry-after": "Mon, 21 Jul 2025 23:20:45 GMT"}, 45.0),
        ({"x-ratelimit-resettime": "7/21/2025 16:21:00"}, 60.0),
        ({"x-ratelimit-resettime": "2025-07-21 16:20:30"}, 30.0),
        ({"x-ratelimit-resettime": "Mon, 21 Jul 2025 23:22:00 GMT"}, 120.0),
        ({"x-ratelimit-resettime": "7/21/2025 15:00:00"}, 1.0),
        ({"x-ratelimit-resettime": "soon"}, DEFAULT_RETRY_AFTER),
        ({}, DEFAULT_RETRY_AFTER),
    ],
)
def test_retry_after(headers: dict[str, str], seconds: float) -> None:
    assert retry_after(headers, NOW) == seconds


@pytest.mark.parametrize("size", [0, 101])
def test_page_size_is_neweggs_one_to_a_hundred(size: int) -> None:
    with pytest.raises(ValueError, match="page_size must be 1 to 100"):
        NeweggSource("https://api.newegg.com/marketplace", SELLER, API_KEY, SECRET_KEY, "p", size)


def test_keys_stay_out_of_the_repr() -> None:
    text = repr(NeweggSource("https://api.newegg.com/marketplace/", SELLER, API_KEY, SECRET_KEY))
    assert API_KEY not in text and SECRET_KEY not in text
    assert "https://api.newegg.com/marketplace/ordermgmt/order/orderinfo?sellerid=AK7Q" in text
