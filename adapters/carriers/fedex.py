"""FedEx rate quotes through FedEx's REST APIs: an OAuth token (client credentials),
then the Rates and Transit Times API (POST /rate/v1/rates/quotes).

The token is kept until a minute before FedEx says it expires (FedEx gives an hour),
and fetched again once when FedEx answers 401 all the same. Each service's amount is
its ACCOUNT rate (the first rate given when there is none), read as Decimal; quotes
come cheapest first. Only the standard library speaks HTTP; every failure is a
ServiceFailed.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from core.canonical import Address, Parcel, RateQuote, RateRequest
from core.errors import ServiceFailed

SERVICE = "FedEx"
TOKEN_PATH = "/oauth/token"
RATES_PATH = "/rate/v1/rates/quotes"
TOKEN_MARGIN = 60.0  # seconds before FedEx's expiry that a token is no longer used
MAX_ANSWER_BYTES = 4 * 1024 * 1024
PICKUP_TYPE = "DROPOFF_AT_FEDEX_LOCATION"
PACKAGING_TYPE = "YOUR_PACKAGING"
RATE_TYPES = ("ACCOUNT", "LIST")
WEIGHT_UNITS = ("LB", "KG")
DIMENSION_UNITS = ("IN", "CM")
_NUMBERS = "ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN FOURTEEN"
_TRANSIT_DAYS = {word: n for n, word in enumerate(_NUMBERS.split(), start=1)}


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes


class FedExRates:
    """Rates of one FedEx account (the CarrierRates port)."""

    name = SERVICE

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        account_number: str,
        *,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.account_number = account_number
        self.timeout = timeout
        self.clock = clock
        self.today = today
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0

    def __repr__(self) -> str:
        return f"FedExRates({self.base_url!r}, account_number={self.account_number!r})"

    def rates(self, request: RateRequest) -> list[RateQuote]:
        """Every service FedEx offers for the shipment, or only `request.service`."""
        body = encode_json(rate_request_body(request, self.account_number, self.today()))
        token = self._access_token()
        answer = self._post(RATES_PATH, body, "application/json", token)
        if answer.status == 401:
            self._forget(token)
            answer = self._post(RATES_PATH, body, "application/json", self._access_token())
        if answer.status != 200:
            raise _failure(answer, "rate quote")
        return quotes_from(_document(answer))

    # The token

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._token_until:
                self._token, self._token_until = self._new_token()
            return self._token

    def _forget(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    def _new_token(self) -> tuple[str, float]:
        asked = self.clock()
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._client_secret,
            }
        )
        answer = self._post(TOKEN_PATH, form.encode(), "application/x-www-form-urlencoded")
        if answer.status != 200:
            raise _failure(answer, "token")
        document = _document(answer)
        token, lifetime = document.get("access_token"), document.get("expires_in")
        if not isinstance(token, str) or not token or not _is_number(lifetime):
            raise _malformed("the token answer has no access_token and expires_in")
        seconds = float(lifetime)
        return token, asked + seconds - min(TOKEN_MARGIN, seconds / 2)

    # HTTP

    def _post(self, path: str, body: bytes, kind: str, token: str | None = None) -> _Answer:
        headers = {"Content-Type": kind, "Accept": "application/json", "X-locale": "en_US"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = self.base_url + path
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            response = error  # an error status is FedEx's answer, read like any other
        except urllib.error.URLError as error:
            raise _transport_failure(url, error.reason) from error
        except OSError as error:
            raise _transport_failure(url, error) from error
        with response:
            try:
                return _Answer(response.getcode(), _read(response))
            except OSError as error:
                raise _transport_failure(url, error) from error


def _read(response) -> bytes:
    body = response.read(MAX_ANSWER_BYTES + 1)
    if len(body) > MAX_ANSWER_BYTES:
        raise ServiceFailed(
            SERVICE, f"answer larger than {MAX_ANSWER_BYTES} bytes", kind="malformed"
        )
    return body


def _transport_failure(url: str, reason: object) -> ServiceFailed:
    if isinstance(reason, TimeoutError):
        return ServiceFailed(SERVICE, f"no answer from {url} in time", kind="timeout")
    text = " ".join(str(reason).split()) or type(reason).__name__
    return ServiceFailed(SERVICE, f"{url} unreachable: {text}", kind="unreachable")


def _failure(answer: _Answer, what: str) -> ServiceFailed:
    """FedEx's error answer as one line: its first error's code and message."""
    kind = "server_error" if answer.status >= 500 or answer.status == 429 else "refused"
    detail = _error_detail(answer.body)
    return ServiceFailed(SERVICE, f"{what} refused with HTTP {answer.status}: {detail}", kind=kind)


def _error_detail(body: bytes) -> str:
    try:
        errors = json.loads(body)["errors"]
        first = errors[0]
        return f"{first['code']}: {' '.join(str(first.get('message', '')).split())}".strip()
    except (ValueError, KeyError, IndexError, TypeError):
        text = " ".join(body[:200].decode("utf-8", "replace").split())
        return text or "no detail given"


def _document(answer: _Answer) -> dict[str, Any]:
    try:
        document = json.loads(answer.body, parse_float=Decimal)
    except ValueError as error:
        raise _malformed(f"the answer is not JSON ({error})") from None
    if not isinstance(document, dict):
        raise _malformed("the answer is not a JSON object")
    return document


def _malformed(message: str) -> ServiceFailed:
    return ServiceFailed(SERVICE, message, kind="malformed")


# The request


def rate_request_body(request: RateRequest, account_number: str, today: date) -> dict[str, Any]:
    """The Rates and Transit Times request for a canonical rate request."""
    if not request.parcels:
        raise ValueError("a rate request needs at least one parcel")
    shipment: dict[str, Any] = {
        "shipper": {"address": _address(request.ship_from)},
        "recipient": {"address": _address(request.ship_to)},
        "pickupType": PICKUP_TYPE,
        "rateRequestType": list(RATE_TYPES),
        "shipDateStamp": (request.ship_date or today).isoformat(),
        "packagingType": PACKAGING_TYPE,
        "totalPackageCount": len(request.parcels),
        "requestedPackageLineItems": [_package(parcel) for parcel in request.parcels],
    }
    if request.service:
        shipment["serviceType"] = request.service
    return {
        "accountNumber": {"value": account_number},
        "rateRequestControlParameters": {"returnTransitTimes": True},
        "requestedShipment": shipment,
    }


def _address(address: Address) -> dict[str, Any]:
    fields = {
        "streetLines": list(address.street),
        "city": address.city,
        "stateOrProvinceCode": address.state,
        "postalCode": address.postal_code,
        "countryCode": address.country,
    }
    return {key: value for key, value in fields.items() if value}


def _package(parcel: Parcel) -> dict[str, Any]:
    if parcel.weight_unit not in WEIGHT_UNITS:
        raise ValueError(f"FedEx weighs in {' or '.join(WEIGHT_UNITS)}, not {parcel.weight_unit}")
    package: dict[str, Any] = {
        "groupPackageCount": 1,
        "weight": {"units": parcel.weight_unit, "value": parcel.weight},
    }
    sides = (parcel.length, parcel.width, parcel.height)
    if all(side is not None for side in sides):
        if parcel.dimension_unit not in DIMENSION_UNITS:
            raise ValueError(f"FedEx measures in IN or CM, not {parcel.dimension_unit}")
        # FedEx takes whole units; a part of one counts as one more.
        length, width, height = (int(side.to_integral_value(ROUND_CEILING)) for side in sides)
        package["dimensions"] = {
            "length": length,
            "width": width,
            "height": height,
            "units": parcel.dimension_unit,
        }
    return package


def encode_json(value: Any) -> bytes:
    """JSON with each Decimal written as the exact number it is."""
    return _json_text(value).encode("utf-8")


def _json_text(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number JSON can carry")
        return format(value, "f")
    if isinstance(value, dict):
        members = (f"{json.dumps(str(key))}:{_json_text(item)}" for key, item in value.items())
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    return json.dumps(value)


# The answer


def quotes_from(document: dict[str, Any]) -> list[RateQuote]:
    """The quotes of a Rates and Transit Times answer, cheapest first."""
    details = _at(document, "output", "rateReplyDetails")
    if not isinstance(details, list):
        raise _malformed("the rate answer has no output.rateReplyDetails")
    quotes = [_quote(detail) for detail in details]
    return sorted(quotes, key=lambda quote: quote.amount)


def _quote(detail: Any) -> RateQuote:
    if not isinstance(detail, dict) or not isinstance(detail.get("serviceType"), str):
        raise _malformed("a rateReplyDetails entry has no serviceType")
    service = detail["serviceType"]
    rated = _chosen_rate(service, detail.get("ratedShipmentDetails"))
    currency = rated.get("currency") or _at(rated, "shipmentRateDetail", "currency")
    if not isinstance(currency, str) or len(currency) != 3:
        raise _malformed(f"the {service} rate has no currency")
    return RateQuote(
        carrier=SERVICE,
        service=service,
        service_name=str(detail.get("serviceName") or service),
        amount=_money(service, rated.get("totalNetCharge")),
        currency=currency,
        transit_days=_transit_days(detail),
        delivery_date=_delivery_date(detail),
    )


def _chosen_rate(service: str, rated: Any) -> dict[str, Any]:
    if not isinstance(rated, list) or not rated or not all(isinstance(r, dict) for r in rated):
        raise _malformed(f"the {service} rate has no ratedShipmentDetails")
    return next((r for r in rated if r.get("rateType") == "ACCOUNT"), rated[0])


def _money(service: str, value: Any) -> Decimal:
    try:
        if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
            raise InvalidOperation
        amount = Decimal(value)
    except InvalidOperation:
        raise _malformed(f"the {service} rate has no totalNetCharge amount") from None
    if not amount.is_finite() or amount < 0:
        raise _malformed(f"the {service} rate has an impossible amount {amount}")
    return amount


def _transit_days(detail: dict[str, Any]) -> int | None:
    """From "TWO_DAYS" in the commitment (or the operational detail), when given."""
    words = [
        _at(detail, "commit", "transitDays", "minimumTransitTime"),
        _at(detail, "operationalDetail", "transitTime"),
    ]
    for word in words:
        if isinstance(word, str) and word.rsplit("_", 1)[-1] in ("DAY", "DAYS"):
            days = _TRANSIT_DAYS.get(word.rsplit("_", 1)[0])
            if days is not None:
                return days
    return None


def _delivery_date(detail: dict[str, Any]) -> date | None:
    """The committed day (or the operational detail's delivery date), when given."""
    stamps = [
        _at(detail, "commit", "dateDetail", "dayFormat"),
        _at(detail, "operationalDetail", "deliveryDate"),
    ]
    for stamp in stamps:
        if isinstance(stamp, str) and len(stamp) >= 10:
            try:
                return date.fromisoformat(stamp[:10])
            except ValueError:
                continue
    return None


def _at(value: Any, *keys: str) -> Any:
    """value[k1][k2]..., or None where a step is missing or not an object."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)
