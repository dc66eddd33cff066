"""Price and availability from a supplier's REST/JSON service.

Shaped on Ingram Micro's reseller API v6 "price and availability": a POST of
{"products": [{"ingramPartNumber": ..., "quantityRequested": ...}]} (at most 50),
answered with a JSON list, one object per product: productStatusCode ("E" when the
part cannot be priced), uom, pricing {currencyCode, customerPrice} and availability
{availabilityByWarehouse: [{warehouseId, location, quantityAvailable,
quantityBackorderedEta}]}.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from adapters.suppliers import (
    DEFAULT_CURRENCY,
    DEFAULT_TIMEOUT,
    UnusableAnswer,
    distinct,
    in_request_order,
    keyed,
    not_found,
    quantity_of,
)
from core.canonical import PriceAvailability, WarehouseStock
from core.errors import ServiceFailed

BATCH = 50  # products per request, the API's limit
MAX_ANSWER_BYTES = 2 * 1024 * 1024
QUERY = urlencode({"includeAvailability": "true", "includePricing": "true"})
SUCCESS = (200, 207)


class RestSupplierService:
    """A supplier's P&A over REST: one POST per 50 parts."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        api_key: str | None = None,
        api_key_header: str = "X-API-Key",
        account: str | None = None,
        country: str = "US",
        timeout: float = DEFAULT_TIMEOUT,
        currency: str = DEFAULT_CURRENCY,
        name: str = "supplier",
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.currency = currency
        self.name = name
        self._headers = _headers(token, api_key, api_key_header, account, country)

    def price_availability(
        self, parts: list[str], quantity: dict[str, Decimal] | None = None
    ) -> list[PriceAvailability]:
        asked = distinct(parts)
        products = [
            {"ingramPartNumber": part, "quantityRequested": str(quantity_of(part, quantity))}
            for part in asked
        ]
        answers = []
        for start in range(0, len(products), BATCH):
            answers.extend(self._ask(products[start : start + BATCH]))
        try:
            by_part = keyed(answers, asked)
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None
        return in_request_order(list(parts), by_part, self.currency)

    def _ask(self, products: list[dict]) -> list[PriceAvailability]:
        status, body = self._post(json.dumps({"products": products}).encode())
        if status in (401, 403):
            raise self._failed(f"credentials refused with HTTP {status}{_said(body)}", "refused")
        if 400 <= status < 500:
            raise self._failed(f"request refused with HTTP {status}{_said(body)}", "refused")
        if status not in SUCCESS:
            raise self._failed(f"server error HTTP {status}{_said(body)}", "server_error")
        try:
            return [self._read(item) for item in _products(_load(body))]
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None

    def _post(self, body: bytes) -> tuple[int, bytes]:
        headers = {**self._headers, "IM-CorrelationID": uuid.uuid4().hex}
        joint = "&" if "?" in self.url else "?"
        request = urllib.request.Request(
            f"{self.url}{joint}{QUERY}", data=body, headers=headers, method="POST"
        )
        try:
            return _exchange(request, self.timeout)
        except TimeoutError:
            raise self._failed(f"no answer within {self.timeout:g} s", "timeout") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise self._failed(f"no answer within {self.timeout:g} s", "timeout") from None
            raise self._failed(f"cannot connect to {self.url}", "unreachable") from None
        except OSError:
            raise self._failed(f"the connection to {self.url} failed", "unreachable") from None
        except http.client.HTTPException as error:
            raise self._failed(f"broken HTTP answer: {_one_line(error)}", "malformed") from None
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None

    def _read(self, item: object) -> PriceAvailability:
        if not isinstance(item, dict):
            raise UnusableAnswer("a product is not a JSON object")
        part = _text(item, "ingramPartNumber")
        if item.get("productStatusCode") == "E":
            return not_found(part, self.currency)
        pricing = _object(item, "pricing")
        places = list(_warehouses(_object(item, "availability")))
        return PriceAvailability(
            supplier_part_id=part,
            unit_price=_amount(pricing, "customerPrice"),
            currency=_currency(_text(pricing, "currencyCode")),
            warehouses=tuple(_stock(place) for place in places),
            eta=min(filter(None, (_eta(place) for place in places)), default=None),
            unit_of_measure=_optional_text(item, "uom"),
        )

    def _failed(self, message: str, kind: str) -> ServiceFailed:
        return ServiceFailed(self.name, message, kind=kind)


def _headers(
    token: str | None, api_key: str | None, api_key_header: str, account: str | None, country: str
) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "IM-CountryCode": country,
    }
    if account:
        headers["IM-CustomerNumber"] = account
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if api_key:
        headers[api_key_header] = api_key
    return headers


def _exchange(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    """The status and body of the answer, error statuses included."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _bounded(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _bounded(error)


def _bounded(response) -> bytes:
    body = response.read(MAX_ANSWER_BYTES + 1)
    if len(body) > MAX_ANSWER_BYTES:
        raise UnusableAnswer(f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
    return body


def _load(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise UnusableAnswer(f"not JSON: {_one_line(error)}") from None


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not a number")


def _products(answer: object) -> list:
    if not isinstance(answer, list):
        raise UnusableAnswer("the answer is not a JSON list of products")
    return answer


def _object(item: dict, key: str) -> dict:
    value = item.get(key)
    if not isinstance(value, dict):
        raise UnusableAnswer(f"a product has no {key} object")
    return value


def _warehouses(availability: dict) -> Iterator[dict]:
    places = availability.get("availabilityByWarehouse") or []
    if not isinstance(places, list):
        raise UnusableAnswer("availabilityByWarehouse is not a list")
    for place in places:
        if not isinstance(place, dict):
            raise UnusableAnswer("a warehouse is not a JSON object")
        yield place


def _stock(place: dict) -> WarehouseStock:
    code = _text(place, "warehouseId")
    quantity = _amount(place, "quantityAvailable")
    if quantity < 0:
        raise UnusableAnswer(f"warehouse {code!r} has a negative quantity")
    return WarehouseStock(warehouse=code, quantity=quantity)


def _eta(place: dict) -> date | None:
    value = place.get("quantityBackorderedEta")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise UnusableAnswer("quantityBackorderedEta is not text")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise UnusableAnswer(f"quantityBackorderedEta {value[:40]!r} is not a date") from None


def _text(item: dict, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise UnusableAnswer(f"{key} is missing or not text")
    return value


def _optional_text(item: dict, key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise UnusableAnswer(f"{key} is not text")
    return value or None


def _amount(item: dict, key: str) -> Decimal:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise UnusableAnswer(f"{key} is missing or not a number")
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise UnusableAnswer(f"{key} {str(value)[:40]!r} is not a number") from None
    if not amount.is_finite():
        raise UnusableAnswer(f"{key} is not a finite number")
    return amount


def _currency(code: str) -> str:
    if len(code) != 3 or not code.isalpha() or not code.isupper():
        raise UnusableAnswer(f"{code!r} is not an ISO 4217 currency code")
    return code


def _said(body: bytes) -> str:
    """What an error answer says, when it says it in the API's JSON."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return ""
    message = _message(answer)
    return f": {_one_line(message)}" if message else ""


def _message(answer: object) -> str | None:
    if not isinstance(answer, dict):
        return None
    fault = answer.get("fault")
    if isinstance(fault, dict) and isinstance(fault.get("faultstring"), str):
        return fault["faultstring"]
    errors = answer.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message")
        return message if isinstance(message, str) else None
    return None


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200] or "unknown error"
