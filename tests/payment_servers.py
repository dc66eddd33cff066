"""Local payment gateways for tests: Authorize.net's JSON API and PayPal's REST APIs on
127.0.0.1 (a free port), answering in the documented formats (their answers are
built from the fixture documents in tests/fixtures/payments/).

    with AuthorizeNetServer() as gateway:
        AuthorizeNet(gateway.url, gateway.login_id, gateway.transaction_key, timeout=0.3)

Both servers keep every request (`requests`: parsed JSON or form, or the raw bytes of
one they failed) and can be told to misbehave on their next requests, in order:
`fail_next("slow", "500", "malformed")`. "slow" carries the request out after
`delay` seconds (longer than a test's timeout: the answer is lost, not the work);
"500" (an HTTP 500) and "malformed" (a 200 whose body is an HTML error page) do
nothing; "truncated" carries it out and sends half of the JSON answer.

Authorize.net (POST /xml/v1/request.api), as its sandbox behaves:
- credentials other than `login_id`/`transaction_key` get E00007 and no transaction;
- the elements of transactionRequest must come in the schema's order (else E00003);
- answers begin with a UTF-8 byte order mark;
- the Accept.js token (opaque dataValue) chooses the result: starting with "decline"
  declined (responseCode 2, reason 2), "review" held for review (4, reason 252),
  "invalid" an error (3, reason 6: invalid card number); any other is approved on a
  Visa XXXX1111 ("mastercard..." a MasterCard XXXX4444); a customer profile is
  approved on a Visa XXXX1111;
- capture, void and refund check the referenced transaction: unknown (reason 16),
  capturing more than authorised (47), refunding more than captured (55) or naming
  other last four digits (54), voiding a refunded or voided one (reason 16).
  Captured transactions count as settled, so they can be refunded at once.

PayPal (OAuth 2.0 and Orders v2), as its sandbox behaves:
- POST /v1/oauth2/token takes `client_id`/`secret` (basic auth) and gives a bearer
  token; `expire_tokens()` makes every token given so far answer 401 invalid_token;
- POST /v2/checkout/orders makes an order awaiting the buyer (status CREATED, an
  "approve" link); `approve(order_id)` is the buyer approving it;
- capturing an order not approved is a 422 ORDER_NOT_APPROVED; an order whose amount
  ends in .02 is declined at capture (422 INSTRUMENT_DECLINED); capturing twice is a
  422 ORDER_ALREADY_CAPTURED; refunding more than is left a 422 REFUND_AMOUNT_EXCEEDED;
- a repeated PayPal-Request-Id gets the first answer again and changes nothing.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "payments"
BOM = b"\xef\xbb\xbf"
MODES = ("slow", "500", "malformed", "truncated")
MALFORMED = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def fixture(name: str):
    """A fixture document, parsed (a byte order mark, if any, skipped)."""
    return json.loads((FIXTURES / name).read_bytes().decode("utf-8-sig"), parse_float=Decimal)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        gateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        mode = gateway.next_mode()
        if mode == "slow":
            time.sleep(gateway.delay)
        if mode == "500":
            gateway.requests.append(body)
            status, content_type, answer = 500, "text/plain", b"Internal Server Error"
        elif mode == "malformed":
            gateway.requests.append(body)
            status, content_type, answer = 200, "text/html", MALFORMED
        else:
            status, content_type, answer = gateway.answer(self.path, self.headers, body)
        if mode == "truncated":
            answer = answer[: len(answer) // 2]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a slow answer still sleeping is not waited for

    def handle_error(self, request, client_address):
        pass  # a client that gave up on a slow answer closed its socket: expected


class _LocalGateway:
    """A threaded HTTP server on 127.0.0.1 with a free port, as a context manager."""

    path = "/"

    def __init__(self, delay: float = 1.0) -> None:
        self.delay = delay
        self.requests: list = []
        self._modes: list[str] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.gateway = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    @property
    def count(self) -> int:
        """How many requests arrived (failed ones included)."""
        return len(self.requests)

    def fail_next(self, *modes: str) -> None:
        unknown = set(modes) - set(MODES)
        if unknown:
            raise ValueError(f"unknown modes {sorted(unknown)}; known: {MODES}")
        with self._lock:
            self._modes.extend(modes)

    def next_mode(self) -> str | None:
        with self._lock:
            return self._modes.pop(0) if self._modes else None

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()


# ------------------------------------------------------------------ Authorize.net

REQUEST_ORDER = (
    "transactionType",
    "amount",
    "currencyCode",
    "payment",
    "profile",
    "solution",
    "callId",
    "terminalNumber",
    "authCode",
    "refTransId",
    "splitTenderId",
    "order",
    "lineItems",
    "tax",
    "duty",
    "shipping",
    "taxExempt",
    "poNumber",
    "customer",
    "billTo",
    "shipTo",
    "customerIP",
)
REASONS = {
    "2": "This transaction has been declined.",
    "6": "The credit card number is invalid.",
    "16": "The transaction cannot be found.",
    "47": "The amount requested for settlement cannot be greater than the original amount"
    " authorized.",
    "54": "The referenced transaction does not meet the criteria for issuing a credit.",
    "55": "The sum of credits against the referenced transaction would exceed original debit"
    " amount.",
    "252": "Your order has been received. Thank you for your business!",
}


class AuthorizeNetServer(_LocalGateway):
    path = "/xml/v1/request.api"

    def __init__(self, login_id: str = "test-login", transaction_key: str = "test-key", **kw):
        super().__init__(**kw)
        self.login_id = login_id
        self.transaction_key = transaction_key
        self.transactions: dict[str, dict] = {}
        self._ids = itertools.count(60000000001)

    def answer(self, path: str, headers, body: bytes) -> tuple[int, str, bytes]:
        try:
            document = json.loads(body.decode("utf-8-sig"))
        except ValueError:
            document = None
        self.requests.append(document)
        if path != self.path or not isinstance(document, dict):
            return self._refused("E00003", "Root element is missing.")
        request = document.get("createTransactionRequest") or {}
        auth = request.get("merchantAuthentication") or {}
        if (auth.get("name"), auth.get("transactionKey")) != (self.login_id, self.transaction_key):
            text = "User authentication failed due to invalid authentication values."
            return self._refused("E00007", text)
        transaction = request.get("transactionRequest") or {}
        misplaced = _misplaced(list(transaction))
        if misplaced:
            return self._refused(
                "E00003",
                "The element 'transactionRequest' in namespace 'AnetApi/xml/v1/schema/"
                f"AnetApiSchema.xsd' has invalid child element '{misplaced}'.",
            )
        with self._lock:
            return self._transact(request.get("refId"), transaction)

    def _transact(self, ref_id, transaction: dict) -> tuple[int, str, bytes]:
        kind = transaction.get("transactionType")
        amount = Decimal(str(transaction.get("amount") or "0"))
        if kind in ("authOnlyTransaction", "authCaptureTransaction"):
            return self._authorise(ref_id, kind, amount, transaction)
        known = self.transactions.get(str(transaction.get("refTransId")))
        if known is None:
            return self._result(ref_id, "3", "16", None)
        if kind == "priorAuthCaptureTransaction":
            if known["state"] != "authorised" or amount > known["amount"]:
                return self._result(ref_id, "3", "47" if amount > known["amount"] else "16", known)
            known.update(state="captured", captured=amount)
            return self._result(ref_id, "1", None, known)
        if kind == "voidTransaction":
            if known["state"] not in ("authorised", "captured"):
                return self._result(ref_id, "3", "16", known)
            known["state"] = "voided"
            return self._result(ref_id, "1", None, known)
        if kind == "refundTransaction":
            card = ((transaction.get("payment") or {}).get("creditCard") or {}).get("cardNumber")
            if known["state"] != "captured" or card != known["last4"]:
                return self._result(ref_id, "3", "54", known)
            if known["refunded"] + amount > known["captured"]:
                return self._result(ref_id, "3", "55", known)
            known["refunded"] += amount
            refund = {**known, "id": str(next(self._ids)), "ref": known["id"]}
            return self._result(ref_id, "1", None, refund)
        return self._refused("E00003", f"transactionType {kind!r} is not one we know.")

    def _authorise(self, ref_id, kind, amount, transaction) -> tuple[int, str, bytes]:
        opaque = (transaction.get("payment") or {}).get("opaqueData") or {}
        token = str(opaque.get("dataValue") or ("profile" if transaction.get("profile") else ""))
        brand, last4 = (
            ("MasterCard", "4444") if token.startswith("mastercard") else ("Visa", "1111")
        )
        known = {
            "id": str(next(self._ids)),
            "ref": "",
            "amount": amount,
            "captured": amount if kind == "authCaptureTransaction" else Decimal(0),
            "refunded": Decimal(0),
            "brand": brand,
            "last4": last4,
            "state": "captured" if kind == "authCaptureTransaction" else "authorised",
        }
        for start, code, reason in (("decline", "2", "2"), ("review", "4", "252")):
            if token.startswith(start):
                known["state"] = "declined" if code == "2" else "held"
                self.transactions[known["id"]] = known
                return self._result(ref_id, code, reason, known)
        if token.startswith("invalid") or not token:
            return self._result(ref_id, "3", "6", None)
        self.transactions[known["id"]] = known
        return self._result(ref_id, "1", None, known)

    def _result(self, ref_id, code: str, reason: str | None, known) -> tuple[int, str, bytes]:
        name = {"1": "approved", "2": "declined", "3": "card_error", "4": "held_for_review"}[code]
        answer = fixture(f"authorize_net/{name}.json")
        answer["refId"] = ref_id
        response = answer["transactionResponse"]
        response["transId"] = known["id"] if known else "0"
        response["refTransID"] = known["ref"] if known else ""
        response["authCode"] = uuid.uuid4().hex[:6].upper() if code in ("1", "4") else ""
        response["accountNumber"] = f"XXXX{known['last4']}" if known else ""
        response["accountType"] = known["brand"] if known else ""
        if reason is not None:
            response["errors"] = [{"errorCode": reason, "errorText": REASONS[reason]}]
        return 200, "application/json; charset=utf-8", BOM + json.dumps(answer).encode()

    def _refused(self, code: str, text: str) -> tuple[int, str, bytes]:
        answer = {"messages": {"resultCode": "Error", "message": [{"code": code, "text": text}]}}
        return 200, "application/json; charset=utf-8", BOM + json.dumps(answer).encode()


def _misplaced(keys: list[str]) -> str | None:
    """The first element out of the schema's order, or unknown to it."""
    position = -1
    for key in keys:
        if key not in REQUEST_ORDER or REQUEST_ORDER.index(key) < position:
            return key
        position = REQUEST_ORDER.index(key)
    return None


# ------------------------------------------------------------------ PayPal

CAPTURE = re.compile(r"^/v2/checkout/orders/(?P<id>[^/]+)/capture$")
REFUND = re.compile(r"^/v2/payments/captures/(?P<id>[^/]+)/refund$")


class PayPalServer(_LocalGateway):
    def __init__(self, client_id: str = "test-client", secret: str = "test-secret", **kw):
        super().__init__(**kw)
        self.client_id = client_id
        self.secret = secret
        self.tokens: set[str] = set()
        self.orders: dict[str, dict] = {}
        self.captures: dict[str, dict] = {}
        self.token_requests = 0
        self.repeats = 0
        self._answers: dict[str, tuple[int, str, bytes]] = {}

    def approve(self, order_id: str) -> None:
        """The buyer approves the order at PayPal."""
        with self._lock:
            self.orders[order_id]["status"] = "APPROVED"

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def answer(self, path: str, headers, body: bytes) -> tuple[int, str, bytes]:
        if path == "/v1/oauth2/token":
            self.requests.append(parse_qs(body.decode()))
            return self._token(headers)
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            document = None
        self.requests.append(document)
        if headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _json(401, fixture("paypal/invalid_token.json"))
        request_id = headers.get("PayPal-Request-Id")
        with self._lock:
            if request_id and request_id in self._answers:
                self.repeats += 1
                return self._answers[request_id]
            answer = self._route(path, document if isinstance(document, dict) else {})
            if request_id:
                self._answers[request_id] = answer
            return answer

    def _token(self, headers) -> tuple[int, str, bytes]:
        self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return _json(401, fixture("paypal/invalid_client.json"))
        answer = fixture("paypal/token.json")
        answer["access_token"] = "A21AA" + uuid.uuid4().hex
        with self._lock:
            self.tokens.add(answer["access_token"])
        return _json(200, answer)

    def _route(self, path: str, document: dict) -> tuple[int, str, bytes]:
        if path == "/v2/checkout/orders":
            return self._create(document)
        if match := CAPTURE.match(path):
            return self._capture(match["id"])
        if match := REFUND.match(path):
            return self._refund(match["id"], document)
        return _json(404, {"name": "RESOURCE_NOT_FOUND", "message": f"no resource {path}"})

    def _create(self, document: dict) -> tuple[int, str, bytes]:
        unit = (document.get("purchase_units") or [{}])[0]
        value = str((unit.get("amount") or {}).get("value") or "")
        if document.get("intent") != "CAPTURE" or not re.fullmatch(r"\d+\.\d\d", value):
            return _json(400, {"name": "INVALID_REQUEST", "message": "Request is not well-formed."})
        order_id = uuid.uuid4().hex[:17].upper()
        answer = fixture("paypal/order_created.json")
        answer["id"] = order_id
        answer["purchase_units"] = [unit]
        answer["links"] = [
            {**link, "href": link["href"].replace("5O190127TN364715T", order_id)}
            for link in answer["links"]
        ]
        self.orders[order_id] = {"status": "CREATED", "unit": unit}
        return _json(201, answer)

    def _capture(self, order_id: str) -> tuple[int, str, bytes]:
        order = self.orders.get(order_id)
        if order is None:
            return _json(404, {"name": "RESOURCE_NOT_FOUND", "message": f"no order {order_id}"})
        if order["status"] == "COMPLETED":
            return _unprocessable("ORDER_ALREADY_CAPTURED", "Order already captured.")
        if order["status"] != "APPROVED":
            return _json(422, fixture("paypal/capture_not_approved.json"))
        amount = order["unit"]["amount"]
        if amount["value"].endswith(".02"):
            return _json(422, fixture("paypal/capture_declined.json"))
        capture_id = uuid.uuid4().hex[:17].upper()
        order["status"] = "COMPLETED"
        self.captures[capture_id] = {"amount": Decimal(amount["value"]), "refunded": Decimal(0)}
        answer = fixture("paypal/capture_completed.json")
        answer["id"] = order_id
        capture = answer["purchase_units"][0]["payments"]["captures"][0]
        capture.update(id=capture_id, amount=amount, invoice_id=order["unit"].get("invoice_id"))
        return _json(201, answer)

    def _refund(self, capture_id: str, document: dict) -> tuple[int, str, bytes]:
        capture = self.captures.get(capture_id)
        if capture is None:
            return _json(404, {"name": "RESOURCE_NOT_FOUND", "message": f"no capture {capture_id}"})
        amount = document.get("amount") or {
            "currency_code": "USD",
            "value": str(capture["amount"] - capture["refunded"]),
        }
        if capture["refunded"] + Decimal(amount["value"]) > capture["amount"]:
            return _json(422, fixture("paypal/refund_exceeded.json"))
        capture["refunded"] += Decimal(amount["value"])
        answer = fixture("paypal/refund_completed.json")
        answer.update(id=uuid.uuid4().hex[:17].upper(), amount=amount)
        answer["note_to_payer"] = document.get("note_to_payer")
        return _json(201, answer)


def _unprocessable(issue: str, description: str) -> tuple[int, str, bytes]:
    answer = copy.deepcopy(fixture("paypal/refund_exceeded.json"))
    answer["details"] = [{"issue": issue, "description": description}]
    return _json(422, answer)


def _json(status: int, document) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(document, default=str).encode()
