"""The Amazon sources against a local server that speaks MWS Orders 2013-09-01 and
SP-API Orders v0 from canned answers, checks MWS signatures and LWA tokens the way
Amazon does, and throttles when told to. No database is needed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from adapters.mws.parse import parse as parse_mws
from adapters.spapi.parse import parse as parse_spapi
from hub.pollers.amazon import (
    MwsSource,
    SpApiSource,
    canonical_query,
    mws_signature,
    signing_host,
    spapi_retry_after,
    string_to_sign,
)
from hub.pollers.base import Patience, Poller, PollFailed, Throttled

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MWS_FILES = FIXTURES / "amazon_server" / "mws"
SPAPI_FILES = FIXTURES / "amazon_server" / "spapi"
NOW = datetime(2025, 3, 11, 20, 0, 0, tzinfo=UTC)
SINCE = datetime(2025, 3, 11, 0, 0, 0, tzinfo=UTC)
SELLER = "A3QW8NM0SXJ1RT"
ACCESS_KEY = "AKIAJ7QX2M5ZVBEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
AUTH_TOKEN = "amzn.mws.4ea38b7b-f563-7709-4bae-87aea15c0de1"
MARKETPLACES = ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")
CLIENT_ID = "amzn1.application-oa2-client.5c1f0e7a9b2d4c6e8f0a1b3c5d7e9f21"
CLIENT_SECRET = "amzn1.oa2-cs.v1.3f9a7c1e5b2d8f4a6c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d"
REFRESH_TOKEN = json.loads((SPAPI_FILES / "token.json").read_text())["refresh_token"]
ACCESS_TOKEN = json.loads((SPAPI_FILES / "token.json").read_text())["access_token"]


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]

    @property
    def key(self) -> str:
        return self.params.get("_key", "")


@dataclass
class AmazonServer:
    """What the handler serves and what it saw; `throttle` maps route keys to the
    answers to throttle before serving them (status, headers)."""

    mws_routes: dict[str, str] = field(
        default_factory=lambda: json.loads((MWS_FILES / "routes.json").read_text())
    )
    spapi_routes: dict[str, str] = field(
        default_factory=lambda: json.loads((SPAPI_FILES / "routes.json").read_text())
    )
    throttle: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    tokens_issued: int = 0
    url: str = ""


class AmazonHandler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        params = dict(urllib.parse.parse_qsl(body.decode("ascii"), keep_blank_values=True))
        path = urllib.parse.urlsplit(self.path).path
        if path == "/auth/o2/token":
            self._token(params)
        elif path == "/Orders/2013-09-01":
            self._mws(path, params)
        else:
            self._send(
                404, b"<ErrorResponse><Error><Code>InvalidAddress</Code></Error></ErrorResponse>"
            )

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        self._spapi(url.path, params)

    # MWS: verify the Signature Version 2 as Amazon computes it, then route.

    def _mws(self, path: str, params: dict[str, str]) -> None:
        state = self.server.state
        action = params.get("Action", "")
        key = " ".join(
            filter(None, [action, params.get("NextToken") or params.get("AmazonOrderId")])
        )
        state.seen.append(Seen("POST", path, params | {"_key": key}, _lower(self.headers)))
        if not _signature_is_valid(self.headers["Host"], path, params):
            self._send(403, (MWS_FILES / "signature_mismatch.xml").read_bytes())
            return
        if (params.get("AWSAccessKeyId"), params.get("SellerId")) != (ACCESS_KEY, SELLER):
            self._send(
                401, b"<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"
            )
            return
        if state.throttle.get(key):
            state.throttle[key].pop(0)
            self._send(503, (MWS_FILES / "throttled.xml").read_bytes())
            return
        self._served(state.mws_routes.get(key), MWS_FILES, b"<ErrorResponse/>")

    # SP-API: LWA token endpoint and the Orders resources.

    def _token(self, form: dict[str, str]) -> None:
        state = self.server.state
        expected = {
            "grant_type": "refresh_token",
            "refresh_token": REFRESH_TOKEN,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        state.seen.append(Seen("POST", "/auth/o2/token", form | {"_key": "token"}, {}))
        if form != expected:
            refusal = {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter : refresh_token",
            }
            self._send(400, json.dumps(refusal).encode(), "application/json")
            return
        state.tokens_issued += 1
        self._send(200, (SPAPI_FILES / "token.json").read_bytes(), "application/json")

    def _spapi(self, path: str, params: dict[str, str]) -> None:
        state = self.server.state
        parts = path.strip("/").split("/")
        if parts[:3] != ["orders", "v0", "orders"] or len(parts) not in (3, 5):
            self._send(404, b'{"errors": [{"code": "NotFound", "message": "Not found"}]}')
            return
        operation = "getOrders" if len(parts) == 3 else f"getOrderItems {parts[3]}"
        key = " ".join(filter(None, [operation, params.get("NextToken")]))
        state.seen.append(Seen("GET", path, params | {"_key": key}, _lower(self.headers)))
        if self.headers.get("x-amz-access-token") != ACCESS_TOKEN:
            self._send(403, (SPAPI_FILES / "unauthorized.json").read_bytes(), "application/json")
            return
        if state.throttle.get(key):
            headers = state.throttle[key].pop(0)
            body = (SPAPI_FILES / "throttled.json").read_bytes()
            self._send(429, body, "application/json", headers)
            return
        fallback = b'{"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}'
        self._served(state.spapi_routes.get(key), SPAPI_FILES, fallback, "application/json")

    def _served(
        self, name: str | None, folder: Path, missing: bytes, kind: str = "text/xml"
    ) -> None:
        if name is None:
            self._send(400, missing, kind)
        else:
            self._send(200, (folder / name).read_bytes(), kind)

    def _send(
        self, status: int, body: bytes, kind: str = "text/xml", headers: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class _Server(ThreadingHTTPServer):
    state: AmazonServer


def _signature_is_valid(host: str, path: str, params: dict[str, str]) -> bool:
    """Amazon's check, written out independently of the client: the sorted, encoded
    parameters (all but Signature) under method, host and path, HMAC-SHA256, base64."""
    if params.get("SignatureVersion") != "2" or params.get("SignatureMethod") != "HmacSHA256":
        return False
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(
        urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~")
        for k, v in pairs
    )
    text = f"POST\n{host.lower()}\n{path}\n{query}"
    digest = hmac.new(SECRET_KEY.encode(), text.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), params.get("Signature", ""))


@pytest.fixture
def amazon() -> Iterator[AmazonServer]:
    server = _Server(("127.0.0.1", 0), AmazonHandler)
    server.state = AmazonServer(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def mws_source(amazon: AmazonServer, secret_key: str = SECRET_KEY, **extra) -> MwsSource:
    return MwsSource(
        amazon.url,
        SELLER,
        ACCESS_KEY,
        secret_key,
        MARKETPLACES,
        auth_token=AUTH_TOKEN,
        timeout=5.0,
        clock=extra.pop("clock", Clock()),
        patience=extra.pop("patience", Patience(budget=0)),
        **extra,
    )


def spapi_source(amazon: AmazonServer, refresh_token: str = REFRESH_TOKEN, **extra) -> SpApiSource:
    return SpApiSource(
        amazon.url,
        amazon.url + "/auth/o2/token",
        CLIENT_ID,
        CLIENT_SECRET,
        refresh_token,
        MARKETPLACES,
        timeout=5.0,
        clock=extra.pop("clock", Clock()),
        patience=extra.pop("patience", Patience(budget=0)),
        **extra,
    )


def expected(path: Path) -> list[dict]:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))


# MWS


MWS_PAGES = [FIXTURES / "mws" / "list_orders_page1.xml", FIXTURES / "mws" / "list_orders_page2.xml"]


def test_mws_yields_one_bundle_per_orders_page(amazon: AmazonServer) -> None:
    documents = list(mws_source(amazon).fetch(SINCE))
    assert documents == [page.read_bytes() for page in MWS_PAGES]
    for document, page in zip(documents, MWS_PAGES, strict=True):
        assert [order.to_dict() for order in parse_mws(document)] == expected(page)


def test_mws_follows_next_tokens_for_orders_and_items(amazon: AmazonServer) -> None:
    list(mws_source(amazon).fetch(SINCE))
    assert [seen.key for seen in amazon.seen] == [
        "ListOrders",
        "ListOrderItems 113-4829301-5583426",
        "ListOrderItemsByNextToken aXRlbXM6MTEzLTQ4MjkzMDEtNTU4MzQyNjpwYWdlMg==",
        "ListOrderItems 113-0937746-2290611",
        "ListOrdersByNextToken Z2V0T3JkZXJzOnBhZ2UyOkEzUVc4Tk0wU1hKMVJUOjIwMjUwMzEx",
        "ListOrderItems 114-6618203-9074652",
        "ListOrderItems 113-2705519-3381046",
    ]


def test_mws_request_parameters(amazon: AmazonServer) -> None:
    list(mws_source(amazon).fetch(SINCE))
    first = amazon.seen[0].params
    assert first["LastUpdatedAfter"] == "2025-03-11T00:00:00Z"
    assert (first["MarketplaceId.Id.1"], first["MarketplaceId.Id.2"]) == MARKETPLACES
    assert first["Timestamp"] == "2025-03-11T20:00:00Z"
    assert (first["Version"], first["MWSAuthToken"]) == ("2013-09-01", AUTH_TOKEN)
    assert all(
        seen.headers["content-type"].startswith("application/x-www-form") for seen in amazon.seen
    )
    assert all("orderb2b" in seen.headers["user-agent"] for seen in amazon.seen)


def test_mws_first_poll_looks_back(amazon: AmazonServer) -> None:
    list(mws_source(amazon, first_lookback=timedelta(days=2)).fetch(None))
    assert amazon.seen[0].params["LastUpdatedAfter"] == "2025-03-09T20:00:00Z"


def test_mws_wrong_secret_is_refused_by_the_signature_check(amazon: AmazonServer) -> None:
    source = mws_source(amazon, secret_key="not-the-secret")
    with pytest.raises(PollFailed, match="MWS ListOrders answered HTTP 403: SignatureDoesNotMatch"):
        list(source.fetch(SINCE))


def test_mws_throttled_items_raise_throttled_with_the_restore_rate(amazon: AmazonServer) -> None:
    amazon.throttle["ListOrderItems 113-0937746-2290611"] = [{}]
    documents = []
    with pytest.raises(Throttled) as caught:
        documents.extend(mws_source(amazon).fetch(SINCE))
    assert caught.value.retry_after == 2.0
    assert documents == []  # the page is yielded only with all its items
    assert list(mws_source(amazon).fetch(SINCE)) == [page.read_bytes() for page in MWS_PAGES]


def test_mws_throttled_next_page_keeps_the_pages_before(amazon: AmazonServer) -> None:
    amazon.throttle[
        "ListOrdersByNextToken Z2V0T3JkZXJzOnBhZ2UyOkEzUVc4Tk0wU1hKMVJUOjIwMjUwMzEx"
    ] = [{}]
    documents = []
    with pytest.raises(Throttled) as caught:
        documents.extend(mws_source(amazon).fetch(SINCE))
    assert caught.value.retry_after == 60.0
    assert documents == [MWS_PAGES[0].read_bytes()]


def test_mws_poller_keeps_every_page_then_moves_the_cursor(amazon: AmazonServer) -> None:
    kept: list[tuple[str, str, bytes]] = []
    cursors = MemoryCursors({"mws:amazon": SINCE})
    poller = Poller(mws_source(amazon), lambda *doc: kept.append(doc), cursors, clock=Clock())
    result = poller.poll_once()
    assert result.documents == 2
    assert [(channel, partner) for channel, partner, _ in kept] == [("mws", "amazon")] * 2
    assert cursors.saved["mws:amazon"][0] == NOW - timedelta(minutes=5)


def test_mws_poller_waits_as_told_and_keeps_its_cursor(amazon: AmazonServer) -> None:
    amazon.throttle["ListOrders"] = [{}]
    cursors = MemoryCursors({"mws:amazon": SINCE})
    poller = Poller(mws_source(amazon), lambda *doc: None, cursors, clock=Clock())
    result = poller.poll_once()
    assert (result.documents, result.cursor, result.wait) == (0, SINCE, 60.0)
    assert cursors.saved["mws:amazon"] == (SINCE, 0, "MWS ListOrders throttled: RequestThrottled")


def test_signature_version_2_known_answer() -> None:
    params = {
        "AWSAccessKeyId": "AKIAEXAMPLE",
        "Action": "ListOrders",
        "LastUpdatedAfter": "2025-03-11T00:00:00Z",
        "MarketplaceId.Id.1": "ATVPDKIKX0DER",
        "SellerId": "A1EXAMPLE",
        "SignatureMethod": "HmacSHA256",
        "SignatureVersion": "2",
        "Timestamp": "2025-03-11T20:00:00Z",
        "Version": "2013-09-01",
        "Note": "a b*c~d/é",
    }
    text = string_to_sign("POST", "MWS.amazonservices.com", "/Orders/2013-09-01", params)
    assert text == (
        "POST\nmws.amazonservices.com\n/Orders/2013-09-01\n"
        "AWSAccessKeyId=AKIAEXAMPLE&Action=ListOrders&LastUpdatedAfter=2025-03-11T00%3A00%3A00Z"
        "&MarketplaceId.Id.1=ATVPDKIKX0DER&Note=a%20b%2Ac~d%2F%C3%A9&SellerId=A1EXAMPLE"
        "&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2025-03-11T20%3A00%3A00Z"
        "&Version=2013-09-01"
    )
    digest = hmac.new(b"secret", text.encode(), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    assert mws_signature(
        "secret", "POST", "mws.amazonservices.com", "/Orders/2013-09-01", params
    ) == (signature)
    assert canonical_query({"b": "2", "B": "1"}) == "B=1&b=2"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://mws.amazonservices.com/Orders/2013-09-01", "mws.amazonservices.com"),
        ("https://MWS-eu.amazonservices.com:443/Orders/2013-09-01", "mws-eu.amazonservices.com"),
        ("http://127.0.0.1:8081/Orders/2013-09-01", "127.0.0.1:8081"),
    ],
)
def test_signing_host_drops_standard_ports(url: str, host: str) -> None:
    assert signing_host(url) == host


# SP-API


SPAPI_PAGES = [
    FIXTURES / "spapi" / "get_orders_page1.json",
    FIXTURES / "spapi" / "get_orders_page2.json",
]


def test_spapi_yields_one_bundle_per_orders_page(amazon: AmazonServer) -> None:
    documents = list(spapi_source(amazon).fetch(SINCE))
    assert documents == [page.read_bytes() for page in SPAPI_PAGES]
    for document, page in zip(documents, SPAPI_PAGES, strict=True):
        assert [order.to_dict() for order in parse_spapi(document)] == expected(page)


def test_spapi_follows_next_tokens_and_sends_the_token(amazon: AmazonServer) -> None:
    list(spapi_source(amazon).fetch(SINCE))
    calls = [seen for seen in amazon.seen if seen.method == "GET"]
    assert [seen.key for seen in calls] == [
        "getOrders",
        "getOrderItems 113-7730184-2219437",
        "getOrderItems 113-7730184-2219437 MRgZW55IGNhcm5hbCBwbGVhc3VyZS6!MjIxOTQzNw",
        "getOrderItems 114-3391027-5518263",
        "getOrders 2YgYW55IGNhcm5hbCBwbGVhc3VyZS4hNTUxODI2Mw",
        "getOrderItems 113-5067219-8834602",
        "getOrderItems 112-9048816-1174230",
    ]
    assert calls[0].params == {
        "MarketplaceIds": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2",
        "LastUpdatedAfter": "2025-03-11T00:00:00Z",
        "_key": "getOrders",
    }
    assert calls[4].params["MarketplaceIds"] == "ATVPDKIKX0DER,A2EUQ1WTGCTBG2"
    assert all(seen.headers["x-amz-access-token"] == ACCESS_TOKEN for seen in calls)


def test_spapi_access_token_is_cached_until_near_expiry(amazon: AmazonServer) -> None:
    clock = Clock()
    source = spapi_source(amazon, clock=clock)
    list(source.fetch(SINCE))
    list(source.fetch(SINCE))
    assert amazon.tokens_issued == 1
    clock.now = NOW + timedelta(seconds=3600 - 30)
    list(source.fetch(SINCE))
    assert amazon.tokens_issued == 2


def test_spapi_429_raises_throttled_from_the_rate_limit_header(amazon: AmazonServer) -> None:
    amazon.throttle["getOrderItems 114-3391027-5518263"] = [{"x-amzn-RateLimit-Limit": "0.5"}]
    with pytest.raises(Throttled) as caught:
        list(spapi_source(amazon).fetch(SINCE))
    assert caught.value.retry_after == 2.0
    assert len(list(spapi_source(amazon).fetch(SINCE))) == 2


def test_spapi_429_with_retry_after(amazon: AmazonServer) -> None:
    amazon.throttle["getOrders"] = [{"Retry-After": "7", "x-amzn-RateLimit-Limit": "0.0167"}]
    with pytest.raises(Throttled) as caught:
        list(spapi_source(amazon).fetch(SINCE))
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({}, 60.0),
        ({"x-amzn-ratelimit-limit": "0.0167"}, 1 / 0.0167),
        ({"x-amzn-ratelimit-limit": "5"}, 1.0),
        ({"retry-after": "Tue, 11 Mar 2025 20:00:30 GMT"}, 30.0),
        ({"retry-after": "soon", "x-amzn-ratelimit-limit": "junk"}, 60.0),
    ],
)
def test_spapi_retry_after(headers: dict[str, str], wait: float) -> None:
    assert spapi_retry_after("getOrders", headers, NOW) == pytest.approx(wait)


def test_spapi_bad_refresh_token_fails_without_telling_secrets(amazon: AmazonServer) -> None:
    with pytest.raises(
        PollFailed, match="LWA token request answered HTTP 400: invalid_grant"
    ) as caught:
        list(spapi_source(amazon, refresh_token="Atzr|revoked").fetch(SINCE))
    message = str(caught.value)
    assert "Atzr|revoked" not in message and CLIENT_SECRET not in message


def test_spapi_rejected_access_token_fails_and_is_dropped(amazon: AmazonServer) -> None:
    source = spapi_source(amazon)
    source._access_token, source._expires_at = "Atza|expired", NOW + timedelta(hours=1)
    with pytest.raises(PollFailed, match="SP-API getOrders answered HTTP 403: Unauthorized"):
        list(source.fetch(SINCE))
    assert len(list(source.fetch(SINCE))) == 2
    assert amazon.tokens_issued == 1


def test_spapi_poller_keeps_every_page(amazon: AmazonServer) -> None:
    kept: list[tuple[str, str, bytes]] = []
    cursors = MemoryCursors({})
    poller = Poller(spapi_source(amazon), lambda *doc: kept.append(doc), cursors, clock=Clock())
    assert poller.poll_once().documents == 2
    assert [doc[:2] for doc in kept] == [("spapi", "amazon")] * 2
    assert "refresh" not in repr(poller.source) and CLIENT_SECRET not in repr(poller.source)


class MemoryCursors:
    def __init__(self, cursors: dict[str, datetime]) -> None:
        self.cursors = cursors
        self.saved: dict[str, tuple[datetime | None, int, str | None]] = {}

    def load(self, name: str) -> datetime | None:
        return self.cursors.get(name)

    def save(self, name: str, cursor: datetime | None, documents: int, error: str | None) -> None:
        self.saved[name] = (cursor, documents, error)


def test_a_throttled_items_call_waits_in_place_and_the_page_completes(amazon: AmazonServer) -> None:
    amazon.throttle["getOrderItems 114-3391027-5518263"] = [{"x-amzn-RateLimit-Limit": "0.5"}] * 2
    slept: list[float] = []
    patience = Patience(budget=60.0, sleep=slept.append)
    pages = list(spapi_source(amazon, patience=patience).fetch(SINCE))
    assert slept == [2.0, 2.0]
    orders = [order for page in pages for order in parse_spapi(page)]
    assert "114-3391027-5518263" in {order.external_order_id for order in orders}


def test_past_its_patience_a_source_gives_the_throttle_to_the_poller(amazon: AmazonServer) -> None:
    amazon.throttle["getOrderItems 114-3391027-5518263"] = [{"x-amzn-RateLimit-Limit": "0.5"}] * 3
    slept: list[float] = []
    with pytest.raises(Throttled):
        list(spapi_source(amazon, patience=Patience(budget=3.0, sleep=slept.append)).fetch(SINCE))
    assert slept == [2.0]
