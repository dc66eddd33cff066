"""PayPal's REST APIs: OAuth 2.0 client credentials and the Orders API v2.

Taking a payment (authorise or sale) creates an order (intent CAPTURE) for the
amount; the result is pending, with the link where the buyer approves it (rel
"approve", or "payer-action"). Capturing the approved order gives a capture id,
which a refund names. An order that is never captured expires at PayPal, so a void
asks nothing of it. Each call carries a PayPal-Request-Id, so a retry (after an
expired token) cannot pay twice.

A 422 naming a decline (INSTRUMENT_DECLINED and the like) is a declined result; an
order the buyer has not approved yet leaves the payment pending; other refusals
with PayPal's error document are error results. No usable answer (timeout, HTTP 5xx,
not JSON, credentials refused) is a ServiceFailed.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from adapters.payments import transport
from core.canonical import PaymentRequest, PaymentResult
from core.errors import ServiceFailed

SANDBOX_URL = "https://api-m.sandbox.paypal.com"
PRODUCTION_URL = "https://api-m.paypal.com"
DECLINES = frozenset(
    {
        "INSTRUMENT_DECLINED",
        "TRANSACTION_REFUSED",
        "PAYER_CANNOT_PAY",
        "PAYEE_BLOCKED_TRANSACTION",
        "COMPLIANCE_VIOLATION",
        "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED",
        "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING",
    }
)
NOT_APPROVED = frozenset({"ORDER_NOT_APPROVED", "PAYER_ACTION_REQUIRED"})
CAPTURE_OUTCOMES = {"COMPLETED": "approved", "PENDING": "pending"}
REFUND_OUTCOMES = {"COMPLETED": "approved", "PENDING": "pending"}
TOKEN_MARGIN = 60.0  # seconds before its expiry that a token is renewed
CENT = Decimal("0.01")


class PayPal:
    name = "paypal"
    needs_token = False  # the buyer approves at PayPal

    def __init__(self, base_url: str, client_id: str, secret: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.secret = secret
        self.timeout = timeout
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    def execute(self, request: PaymentRequest) -> PaymentResult:
        if request.action in ("authorise", "sale"):
            return self._create_order(request)
        if request.action == "void":
            return PaymentResult(
                "approved",
                request.transaction_id,
                request.amount,
                request.currency,
                message="not captured; PayPal lets an order that is never captured expire",
            )
        if not request.transaction_id:
            raise ServiceFailed(self.name, f"a {request.action} needs the PayPal id")
        if request.action == "capture":
            return self._capture(request)
        return self._refund(request)

    def _create_order(self, request: PaymentRequest) -> PaymentResult:
        unit: dict[str, Any] = {
            "reference_id": request.reference,
            "invoice_id": request.reference,
            "amount": _money(request.amount, request.currency),
        }
        if request.description:
            unit["description"] = request.description[:127]
        body = {"intent": "CAPTURE", "purchase_units": [unit]}
        status, answer, raw = self._call("/v2/checkout/orders", body, request)
        if status not in (200, 201):
            return _refusal(status, answer, raw, request)
        order_id = _required(answer, "id")
        state = str(answer.get("status") or "")
        return PaymentResult(
            "pending",
            order_id,
            request.amount,
            request.currency,
            message=f"order {state.lower() or 'created'}: waiting for the buyer's approval",
            code=state or None,
            approval_url=_link(answer, "approve") or _link(answer, "payer-action"),
            raw=raw,
        )

    def _capture(self, request: PaymentRequest) -> PaymentResult:
        path = f"/v2/checkout/orders/{quote(request.transaction_id, safe='')}/capture"
        status, answer, raw = self._call(path, {}, request)
        if status not in (200, 201):
            return _refusal(status, answer, raw, request)
        capture = _first_capture(answer)
        state = str(capture.get("status") or "")
        card = (answer.get("payment_source") or {}).get("card") or {}
        return PaymentResult(
            CAPTURE_OUTCOMES.get(state, "declined"),
            _required(capture, "id"),
            _amount(capture.get("amount"), request.amount),
            request.currency,
            message=f"capture {state.lower() or 'answered'}",
            code=state or None,
            card_brand=card.get("brand"),
            card_last4=card.get("last_digits"),
            raw=raw,
        )

    def _refund(self, request: PaymentRequest) -> PaymentResult:
        path = f"/v2/payments/captures/{quote(request.transaction_id, safe='')}/refund"
        body: dict[str, Any] = {"amount": _money(request.amount, request.currency)}
        if request.description:
            body["note_to_payer"] = request.description[:255]
        status, answer, raw = self._call(path, body, request)
        if status not in (200, 201):
            return _refusal(status, answer, raw, request)
        state = str(answer.get("status") or "")
        return PaymentResult(
            REFUND_OUTCOMES.get(state, "declined"),
            _required(answer, "id"),
            _amount(answer.get("amount"), request.amount),
            request.currency,
            message=f"refund {state.lower() or 'answered'}",
            code=state or None,
            raw=raw,
        )

    def _call(self, path: str, body: dict, request: PaymentRequest) -> tuple[int, dict, str]:
        """POST as the merchant; a token PayPal no longer takes is renewed once."""
        request_id = f"{request.reference}-{request.action}-{uuid.uuid4().hex}"
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self._access_token(renew=attempt == 2)}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "PayPal-Request-Id": request_id,
                "Prefer": "return=representation",
            }
            answer = transport.post(
                self.name, self.base_url + path, json.dumps(body).encode(), headers, self.timeout
            )
            if answer.status != 401:
                break
        if answer.status == 401:
            raise ServiceFailed(self.name, "PayPal refused our access token", kind="refused")
        if answer.status >= 500:
            raise transport.server_error(self.name, answer.status, answer.body)
        document, raw = _json(answer.body)
        return answer.status, document, raw

    def _access_token(self, *, renew: bool) -> str:
        with self._lock:
            if renew or self._token is None or time.monotonic() >= self._token_expires:
                self._token, lifetime = self._new_token()
                self._token_expires = time.monotonic() + max(lifetime - TOKEN_MARGIN, 0.0)
            return self._token

    def _new_token(self) -> tuple[str, float]:
        credentials = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
        headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        url = self.base_url + "/v1/oauth2/token"
        answer = transport.post(
            self.name, url, b"grant_type=client_credentials", headers, self.timeout
        )
        if answer.status >= 500:
            raise transport.server_error(self.name, answer.status, answer.body)
        if answer.status != 200:
            raise ServiceFailed(
                self.name, f"client credentials refused (HTTP {answer.status})", kind="refused"
            )
        document, _ = _json(answer.body)
        token = document.get("access_token")
        if not isinstance(token, str) or not token:
            raise _malformed("the token answer has no access_token")
        try:
            lifetime = float(document.get("expires_in", 0))
        except (TypeError, ValueError):
            raise _malformed("the token answer's expires_in is not a number") from None
        return token, lifetime


def _refusal(status: int, answer: dict, raw: str, request: PaymentRequest) -> PaymentResult:
    """A 4xx with PayPal's error document: declined, still pending, or an error."""
    details = answer.get("details") if isinstance(answer.get("details"), list) else []
    first = details[0] if details and isinstance(details[0], dict) else {}
    issue = str(first.get("issue") or answer.get("name") or f"HTTP {status}")
    text = str(first.get("description") or answer.get("message") or issue)
    if issue in DECLINES:
        outcome = "declined"
    elif issue in NOT_APPROVED:
        outcome = "pending"
    else:
        outcome = "error"
    return PaymentResult(
        outcome,
        request.transaction_id,
        request.amount,
        request.currency,
        message=text,
        code=issue,
        approval_url=_link(answer, "redirect") or _link(answer, "payer-action"),
        raw=raw,
    )


def _json(body: bytes) -> tuple[dict, str]:
    try:
        raw = body.decode("utf-8")
        document = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise _malformed("the answer is not JSON") from None
    if not isinstance(document, dict):
        raise _malformed("the answer is not a JSON object")
    return document, raw


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency, "value": format(amount.quantize(CENT), "f")}


def _amount(money: Any, default: Decimal) -> Decimal:
    if not isinstance(money, dict) or money.get("value") is None:
        return default
    try:
        return Decimal(str(money["value"]))
    except InvalidOperation:
        raise _malformed(f"amount {money['value']!r} is not a number") from None


def _first_capture(order: dict) -> dict:
    try:
        capture = order["purchase_units"][0]["payments"]["captures"][0]
    except (KeyError, IndexError, TypeError):
        raise _malformed("the capture answer names no capture") from None
    if not isinstance(capture, dict):
        raise _malformed("the capture answer names no capture")
    return capture


def _link(document: dict, rel: str) -> str | None:
    links = document.get("links")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


def _required(document: dict, key: str) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise _malformed(f"the answer has no {key}")
    return value


def _malformed(message: str) -> ServiceFailed:
    return ServiceFailed(PayPal.name, message, kind="malformed")
