"""Authorize.net's JSON API: one `createTransactionRequest` per payment request.

Cards reach us only as Authorize.net's own tokens: Accept.js opaque data (token kind
"opaque", the token being the `dataValue`) or a customer payment profile (kind
"profile", the token "customerProfileId/paymentProfileId"). Actions map to the
transaction types authOnlyTransaction (authorise), authCaptureTransaction (sale),
priorAuthCaptureTransaction (capture), voidTransaction and refundTransaction (which
names the card by its last four digits, as the API asks).

The API turns JSON into XML checked against its schema, so the elements of a
request go in the schema's order. Its answers begin with a UTF-8 byte order mark.
`transactionResponse.responseCode` is 1 approved, 2 declined, 3 error, 4 held for
review (a pending result); a request the API refuses outright (authentication,
an unreadable request) has `messages.resultCode` "Error" and no transaction.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from adapters.payments import transport
from core.canonical import PaymentRequest, PaymentResult
from core.errors import ServiceFailed

SANDBOX_URL = "https://apitest.authorize.net/xml/v1/request.api"
PRODUCTION_URL = "https://api.authorize.net/xml/v1/request.api"
TRANSACTION_TYPES = {
    "authorise": "authOnlyTransaction",
    "sale": "authCaptureTransaction",
    "capture": "priorAuthCaptureTransaction",
    "void": "voidTransaction",
    "refund": "refundTransaction",
}
OUTCOMES = {"1": "approved", "2": "declined", "3": "error", "4": "pending"}
OPAQUE_DESCRIPTOR = "COMMON.ACCEPT.INAPP.PAYMENT"
MAX_REF_ID = 20  # refId and order.invoiceNumber
MAX_DESCRIPTION = 255
CENT = Decimal("0.01")


class AuthorizeNet:
    name = "authorize_net"
    needs_token = True  # authorising or selling needs a card token

    def __init__(self, url: str, login_id: str, transaction_key: str, *, timeout: float = 30.0):
        self.url = url
        self.login_id = login_id
        self.transaction_key = transaction_key
        self.timeout = timeout

    def execute(self, request: PaymentRequest) -> PaymentResult:
        body = json.dumps(self.document(request)).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        answer = transport.post(self.name, self.url, body, headers, self.timeout)
        if answer.status >= 500:
            raise transport.server_error(self.name, answer.status, answer.body)
        if answer.status != 200:
            text = " ".join(answer.body[:200].decode("utf-8", "replace").split())
            raise ServiceFailed(self.name, f"HTTP {answer.status}: {text}", kind="refused")
        return read_answer(answer.body, request)

    def document(self, request: PaymentRequest) -> dict[str, Any]:
        """The createTransactionRequest for `request`, elements in the schema's order."""
        return {
            "createTransactionRequest": {
                "merchantAuthentication": {
                    "name": self.login_id,
                    "transactionKey": self.transaction_key,
                },
                "refId": request.reference[:MAX_REF_ID],
                "transactionRequest": transaction_request(request),
            }
        }


def transaction_request(request: PaymentRequest) -> dict[str, Any]:
    values: dict[str, Any] = {"transactionType": TRANSACTION_TYPES[request.action]}
    if request.action != "void":
        values["amount"] = format(request.amount.quantize(CENT), "f")
    if request.action in ("authorise", "sale"):
        values.update(_card(request))
        order = {"invoiceNumber": request.reference[:MAX_REF_ID]}
        if request.description:
            order["description"] = request.description[:MAX_DESCRIPTION]
        values["order"] = order
        return values
    if request.action == "refund":
        if not request.card_last4:
            raise ServiceFailed(AuthorizeNet.name, "a refund needs the card's last four digits")
        card = {"cardNumber": request.card_last4, "expirationDate": "XXXX"}
        values["payment"] = {"creditCard": card}
    if not request.transaction_id:
        raise ServiceFailed(AuthorizeNet.name, f"a {request.action} needs the transaction id")
    values["refTransId"] = request.transaction_id
    return values


def _card(request: PaymentRequest) -> dict[str, Any]:
    token = request.token or ""
    if request.token_kind == "profile":
        profile_id, _, payment_profile_id = token.partition("/")
        if not (profile_id and payment_profile_id):
            raise ServiceFailed(
                AuthorizeNet.name, "a profile token is customerProfileId/paymentProfileId"
            )
        return {
            "profile": {
                "customerProfileId": profile_id,
                "paymentProfile": {"paymentProfileId": payment_profile_id},
            }
        }
    if request.token_kind not in (None, "opaque") or not token:
        raise ServiceFailed(AuthorizeNet.name, "a card token (Accept.js opaque data) is needed")
    return {"payment": {"opaqueData": {"dataDescriptor": OPAQUE_DESCRIPTOR, "dataValue": token}}}


def read_answer(raw: bytes, request: PaymentRequest) -> PaymentResult:
    """The gateway's answer to `request` as a result; a refusal of the whole request
    or an answer we cannot read is a ServiceFailed."""
    try:
        text = raw.decode("utf-8-sig")  # the answer starts with a byte order mark
        answer = json.loads(text, parse_float=Decimal)
    except ValueError:
        raise _malformed("the answer is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("messages"), dict):
        raise _malformed("the answer has no messages")
    transaction = answer.get("transactionResponse")
    if not isinstance(transaction, dict) or not transaction.get("responseCode"):
        if answer["messages"].get("resultCode") == "Error":
            code, message = _first(answer["messages"].get("message"), "code", "text")
            raise ServiceFailed(AuthorizeNet.name, f"{code}: {message}", kind="refused")
        raise _malformed("the answer has no transactionResponse")
    outcome = OUTCOMES.get(str(transaction["responseCode"]))
    if outcome is None:
        raise _malformed(f"unknown responseCode {transaction['responseCode']!r}")
    code, message = _first(transaction.get("errors"), "errorCode", "errorText")
    if code is None:
        code, message = _first(transaction.get("messages"), "code", "description")
    return PaymentResult(
        outcome=outcome,
        transaction_id=_text(transaction.get("transId"), blank=("0",)),
        amount=request.amount,
        currency=request.currency,
        message=message or "",
        code=code,
        authorization_code=_text(transaction.get("authCode"), blank=("000000",)),
        card_brand=_text(transaction.get("accountType")),
        card_last4=_last4(transaction.get("accountNumber")),
        raw=text,
    )


def _first(items: Any, code_key: str, text_key: str) -> tuple[str | None, str | None]:
    if isinstance(items, dict):  # one element, as XML-shaped JSON sometimes has it
        items = [items]
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return None, None
    return _text(items[0].get(code_key)), _text(items[0].get(text_key))


def _text(value: Any, blank: tuple[str, ...] = ()) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if not text or text in blank else text


def _last4(account_number: Any) -> str | None:
    digits = str(account_number or "")[-4:]
    return digits if len(digits) == 4 and digits.isdigit() else None


def _malformed(message: str) -> ServiceFailed:
    return ServiceFailed(AuthorizeNet.name, message, kind="malformed")
