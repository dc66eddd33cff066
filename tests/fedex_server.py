"""A local FedEx for tests: the OAuth token endpoint and the Rates and Transit Times
API on 127.0.0.1 (a free port), answering in FedEx's documented shapes from the files
in tests/fixtures/fedex/.

It issues a fresh bearer token for the right client credentials, accepts only tokens
it issued and still holds valid, checks the fields a rate request must carry (400 with
a FedEx error body when one is missing), answers only the asked service when the
request names one, and counts what it was asked. Switches: `expire_tokens()` (the
tokens issued so far are refused once with 401), `failure` = "slow" (no answer
before `slow_seconds`), "server_error" (500), "malformed" (half a JSON answer) or
"unauthorized" (every token refused), and `answer_file` for another rate answer.

    with FedExServer() as fedex:
        rates = FedExRates(fedex.url, CLIENT_ID, CLIENT_SECRET, ACCOUNT_NUMBER)
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.parse
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FILES = Path(__file__).resolve().parent / "fixtures" / "fedex"
CLIENT_ID = "l7f3b2a9c1d84e6f9a0b2c4d6e8f1a3b5c"
CLIENT_SECRET = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
ACCOUNT_NUMBER = "740561073"
FAILURES = ("slow", "server_error", "malformed", "unauthorized")


class FedExServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer_file: str = "rate_quotes.json") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.answer_file = answer_file
        self.failure: str | None = None
        self.slow_seconds = 3.0
        self.expires_in = 3599
        self.token_requests = 0
        self.rate_requests: list[dict[str, Any]] = []  # bodies, numbers as Decimal
        self.rate_headers: list[dict[str, str]] = []
        self._tokens: set[str] = set()
        self._issued = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FedExServer:
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._released.set()  # a slow answer stops waiting
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def handle_error(self, request, client_address) -> None:
        """A client that gave up before a slow answer is no error of the server's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (401, token expired)."""
        with self._lock:
            self._tokens.clear()

    def issue_token(self) -> dict[str, Any]:
        with self._lock:
            self.token_requests += 1
            self._issued += 1
            answer = json.loads((FILES / "token.json").read_text())
            answer["access_token"] = f"{answer['access_token']}.{self._issued}"
            answer["expires_in"] = self.expires_in
            self._tokens.add(answer["access_token"])
            return answer

    def token_is_valid(self, token: str) -> bool:
        with self._lock:
            return self.failure != "unauthorized" and token in self._tokens

    def wait_slowly(self) -> None:
        self._released.wait(self.slow_seconds)


class _Handler(BaseHTTPRequestHandler):
    server: FedExServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = urllib.parse.urlsplit(self.path).path
        if path == "/oauth/token":
            self._token(body)
        elif path == "/rate/v1/rates/quotes":
            self._rates(body)
        else:
            self._error(
                404, "NOT.FOUND.ERROR", "The resource you requested is no longer available."
            )

    def _token(self, body: bytes) -> None:
        form = dict(urllib.parse.parse_qsl(body.decode("ascii", "replace")))
        expected = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            self._error(400, "BAD.REQUEST.ERROR", "The given content type is not supported.")
        elif form != expected:
            self._send(401, (FILES / "token_refused.json").read_bytes())
        else:
            self._send(200, json.dumps(self.server.issue_token()).encode())

    def _rates(self, body: bytes) -> None:
        server = self.server
        authorization = self.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ")
        try:
            request = json.loads(body, parse_float=Decimal)
        except ValueError:
            request = None
        with server._lock:
            server.rate_requests.append(request)
            server.rate_headers.append({k.lower(): v for k, v in self.headers.items()})
        if not authorization.startswith("Bearer ") or not server.token_is_valid(token):
            self._send(401, (FILES / "token_expired.json").read_bytes())
            return
        if server.failure == "slow":
            server.wait_slowly()
        if server.failure == "server_error":
            self._send(500, (FILES / "server_error.json").read_bytes())
            return
        missing = _missing_field(request, self.headers.get("Content-Type", ""))
        if missing:
            self._error(
                400, "INVALID.INPUT.EXCEPTION", f"Invalid field value in the input: {missing}"
            )
            return
        answer = (FILES / server.answer_file).read_bytes()
        if server.failure == "malformed":
            self._send(200, answer[: len(answer) // 2])
            return
        self._send(200, _only_service(answer, request["requestedShipment"].get("serviceType")))

    def _error(self, status: int, code: str, message: str) -> None:
        body = json.loads((FILES / "invalid_input.json").read_text())
        body["errors"] = [{"code": code, "message": message}]
        self._send(status, json.dumps(body).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _missing_field(request: Any, content_type: str) -> str | None:
    """The first field FedEx requires that the rate request lacks, by its path."""
    if not content_type.startswith("application/json"):
        return "content-type"
    if not isinstance(request, dict):
        return "body"
    if _at(request, "accountNumber", "value") != ACCOUNT_NUMBER:
        return "accountNumber.value"
    shipment = request.get("requestedShipment")
    if not isinstance(shipment, dict):
        return "requestedShipment"
    for party in ("shipper", "recipient"):
        for field in ("postalCode", "countryCode"):
            if not _at(shipment, party, "address", field):
                return f"requestedShipment.{party}.address.{field}"
    if not shipment.get("pickupType"):
        return "requestedShipment.pickupType"
    if not shipment.get("rateRequestType"):
        return "requestedShipment.rateRequestType"
    packages = shipment.get("requestedPackageLineItems")
    if not isinstance(packages, list) or not packages:
        return "requestedShipment.requestedPackageLineItems"
    for n, package in enumerate(packages):
        weight = _at(package, "weight")
        if not isinstance(weight, dict) or weight.get("units") not in ("LB", "KG"):
            return f"requestedShipment.requestedPackageLineItems[{n}].weight.units"
        value = weight.get("value")
        if not isinstance(value, Decimal | int) or isinstance(value, bool) or value <= 0:
            return f"requestedShipment.requestedPackageLineItems[{n}].weight.value"
    return None


def _only_service(answer: bytes, service: str | None) -> bytes:
    if not service:
        return answer
    document = json.loads(answer)
    details = document["output"]["rateReplyDetails"]
    document["output"]["rateReplyDetails"] = [d for d in details if d["serviceType"] == service]
    return json.dumps(document).encode()


def _at(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
