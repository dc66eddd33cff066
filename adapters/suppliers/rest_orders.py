"""Tracking numbers from a supplier's REST/JSON order API.

Shaped on Ingram Micro's reseller API v6: GET /resellers/v6/orders/search?
customerOrderNumber=<our PO> finds the supplier's order ({"orders": [{
"ingramOrderNumber", "customerOrderNumber", ...}]}), GET /resellers/v6.1/orders/
<ingramOrderNumber> gives its details: customerOrderNumber and lines, each with
customerLineNumber (our PO line), ingramPartNumber and shipmentDetails [{quantity,
carrierDetails [{carrierCode, carrierName, quantity, shippedDate,
estimatedDeliveryDate, trackingDetails [{trackingNumber, quantityInBox, ...}]}]}].

One ReceivedShipNotice per tracking number, its shipment id the tracking number (the
API has no shipment id that is unique to a parcel). The quantity of a line in a parcel
is the tracking's quantityInBox, else the carrier detail's quantity. A carrier detail
with several tracking numbers and no quantityInBox cannot be split: it is one notice
under its first tracking number, with one package per tracking number and the others
named in the comments. A line without tracking numbers has not shipped: no notice.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from http.client import HTTPException
from urllib.parse import quote, urlencode, urlsplit

from adapters.suppliers import DEFAULT_TIMEOUT, UnusableAnswer
from adapters.suppliers.rest import _exchange, _headers, _load, _one_line, _said
from core.canonical import ReceivedShipmentLine, ReceivedShipNotice
from core.errors import ParseError, ServiceFailed

CHANNEL = "rest"
DEFAULT_PARTNER = "rest"
DEFAULT_UNIT = "EA"  # the order API gives quantities without a unit: they are eaches
SEARCH_PATH = "/resellers/v6/orders/search"
DETAILS_PATH = "/resellers/v6.1/orders/"
SCAC = re.compile(r"[A-Z]{2,4}")


class RestOrderTracking:
    """A supplier's order API, asked for the order of one of our purchase orders.

    `url` is the supplier's API as the REST P&A client has it: everything before
    "/resellers/" is the API root (the whole url when it has no "/resellers/")."""

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
        name: str = "supplier",
    ) -> None:
        self.url = url
        self.root = api_root(url)
        self.timeout = timeout
        self.name = name
        self._headers = _headers(token, api_key, api_key_header, account, country)

    def order_details(self, po_number: str) -> bytes:
        """The supplier's order details (raw JSON) of the order that carries our PO
        number. An order the supplier does not know (a search that finds none or
        answers 204, details answered 404) raises ServiceFailed "refused", as do
        several orders carrying the same PO number."""
        query = urlencode({"customerOrderNumber": po_number})
        status, body = self._get(f"{self.root}{SEARCH_PATH}?{query}")
        if status == 204:
            raise self._unknown(po_number)
        self._check(status, body)
        number = self._order_number(body, po_number)
        status, body = self._get(f"{self.root}{DETAILS_PATH}{quote(number, safe='')}")
        if status == 404:
            raise self._unknown(po_number, f" (its order {number} is gone{_said(body)})")
        self._check(status, body)
        self._check_details(body, po_number)
        return body

    def _order_number(self, body: bytes, po_number: str) -> str:
        try:
            answer = _load(body)
            orders = answer.get("orders") if isinstance(answer, dict) else None
            if orders is None:
                orders = []
            if not isinstance(orders, list) or not all(isinstance(o, dict) for o in orders):
                raise UnusableAnswer("the search answer's orders are not a list of objects")
            numbers = list(
                dict.fromkeys(
                    _answer_text(order, "ingramOrderNumber")
                    for order in orders
                    if order.get("customerOrderNumber") == po_number
                )
            )
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None
        if not numbers:
            raise self._unknown(po_number)
        if len(numbers) > 1:
            listed = ", ".join(numbers)
            raise self._failed(
                f"several orders carry our PO {po_number} ({_one_line(listed)})", "refused"
            )
        return numbers[0]

    def _check_details(self, body: bytes, po_number: str) -> None:
        try:
            answer = _load(body)
            if not isinstance(answer, dict):
                raise UnusableAnswer("the order details are not a JSON object")
            if answer.get("customerOrderNumber") != po_number:
                said = _one_line(answer.get("customerOrderNumber"))
                raise UnusableAnswer(f"the order details are of PO {said}, not {po_number}")
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None

    def _check(self, status: int, body: bytes) -> None:
        if status in (401, 403):
            raise self._failed(f"credentials refused with HTTP {status}{_said(body)}", "refused")
        if 400 <= status < 500:
            raise self._failed(f"request refused with HTTP {status}{_said(body)}", "refused")
        if status != 200:
            raise self._failed(f"server error HTTP {status}{_said(body)}", "server_error")

    def _get(self, address: str) -> tuple[int, bytes]:
        headers = {**self._headers, "IM-CorrelationID": uuid.uuid4().hex}
        headers.pop("Content-Type", None)
        request = urllib.request.Request(address, headers=headers, method="GET")
        try:
            return _exchange(request, self.timeout)
        except TimeoutError:
            raise self._failed(f"no answer within {self.timeout:g} s", "timeout") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise self._failed(f"no answer within {self.timeout:g} s", "timeout") from None
            raise self._failed(f"cannot connect to {self.root}", "unreachable") from None
        except OSError:
            raise self._failed(f"the connection to {self.root} failed", "unreachable") from None
        except HTTPException as error:
            raise self._failed(f"broken HTTP answer: {_one_line(error)}", "malformed") from None
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None

    def _unknown(self, po_number: str, detail: str = "") -> ServiceFailed:
        return self._failed(f"no order for our PO {po_number}{detail}", "refused")

    def _failed(self, message: str, kind: str) -> ServiceFailed:
        return ServiceFailed(self.name, message, kind=kind)


def api_root(url: str) -> str:
    """The API's root: the url up to "/resellers/", without a query."""
    parts = urlsplit(url)
    path = parts.path.split("/resellers/", 1)[0].rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def _answer_text(item: dict, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise UnusableAnswer(f"{key} is missing or not text")
    return value


# Parsing


@dataclass
class _Parcel:
    """A notice being gathered: one tracking number, the lines in it."""

    carrier: dict
    tracking_number: str
    packages: int = 1
    others: tuple[str, ...] = ()
    quantities: dict[tuple[int, str], Decimal] = field(default_factory=dict)


def parse_order_shipments(raw: bytes, partner: str | None) -> list[ReceivedShipNotice]:
    """Every parcel of a supplier's order details as a ship notice, in the order the
    answer names them. `partner` defaults to "rest"."""
    order = _order(raw)
    po_number = _required_text(order, "customerOrderNumber", "the order")
    lines = order.get("lines")
    if not isinstance(lines, list):
        raise ParseError(f"order {po_number}: lines is missing or not a list")
    parcels: dict[str, _Parcel] = {}
    for index, line in enumerate(lines, start=1):
        _gather(parcels, _object(line, f"line {index}"), f"line {index}")
    return [_notice(parcel, partner or DEFAULT_PARTNER, po_number) for parcel in parcels.values()]


def _order(raw: bytes) -> dict:
    try:
        order = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ParseError(f"order details are not JSON: {_one_line(error)}") from None
    return _object(order, "the order details")


def _refuse(constant: str) -> None:
    raise ValueError(f"{constant} is not a number")


def _gather(parcels: dict[str, _Parcel], line: dict, where: str) -> None:
    for s, shipment in enumerate(_list(line, "shipmentDetails", where), start=1):
        shipment_where = f"{where} shipment {s}"
        carriers = _list(shipment, "carrierDetails", shipment_where)
        for c, carrier in enumerate(carriers, start=1):
            carrier_where = f"{shipment_where} carrier {c}"
            trackings = _trackings(carrier, carrier_where)
            if not trackings:
                continue
            key = _line_key(line, where)
            if all(quantity is not None for _, quantity in trackings):
                for number, quantity in trackings:
                    _add(parcels, carrier, number, key, quantity, carrier_where)
                continue
            quantity = _carrier_quantity(carrier, shipment, len(carriers), carrier_where)
            numbers = list(dict.fromkeys(number for number, _ in trackings))
            parcel = _add(parcels, carrier, numbers[0], key, quantity, carrier_where)
            parcel.packages = max(parcel.packages, len(numbers))
            parcel.others = tuple(dict.fromkeys((*parcel.others, *numbers[1:])))


def _trackings(carrier: dict, where: str) -> list[tuple[str, Decimal | None]]:
    found = []
    for t, tracking in enumerate(_list(carrier, "trackingDetails", where), start=1):
        tracking_where = f"{where} tracking {t}"
        tracking = _object(tracking, tracking_where)
        number = _optional_text(tracking, "trackingNumber", tracking_where)
        if number:
            found.append((number, _quantity(tracking, "quantityInBox", tracking_where)))
    return found


def _carrier_quantity(carrier: dict, shipment: dict, carriers: int, where: str) -> Decimal:
    quantity = _quantity(carrier, "quantity", where)
    if quantity is None and carriers == 1:
        quantity = _quantity(shipment, "quantity", where)
    if quantity is None:
        raise ParseError(f"{where}: no quantity shipped")
    return quantity


def _add(
    parcels: dict[str, _Parcel],
    carrier: dict,
    number: str,
    key: tuple[int, str],
    quantity: Decimal,
    where: str,
) -> _Parcel:
    if quantity <= 0:
        raise ParseError(f"{where}: quantity shipped {quantity} is not positive")
    parcel = parcels.setdefault(number, _Parcel(carrier, number))
    parcel.quantities[key] = parcel.quantities.get(key, Decimal(0)) + quantity
    return parcel


def _line_key(line: dict, where: str) -> tuple[int, str]:
    number = _required_text(line, "customerLineNumber", where)
    if not number.isdigit() or int(number) < 1:
        raise ParseError(f"{where}: customerLineNumber {_clip(number)!r} is not a PO line number")
    return int(number), _required_text(line, "ingramPartNumber", where)


def _notice(parcel: _Parcel, partner: str, po_number: str) -> ReceivedShipNotice:
    carrier = parcel.carrier
    where = f"tracking {parcel.tracking_number}"
    code = _optional_text(carrier, "carrierCode", where)
    name = _optional_text(carrier, "carrierName", where)
    others = ", ".join(parcel.others)
    return ReceivedShipNotice(
        channel=CHANNEL,
        partner=partner,
        po_number=po_number,
        shipment_id=parcel.tracking_number,
        carrier=name or code or "",
        tracking_number=parcel.tracking_number,
        lines=tuple(
            ReceivedShipmentLine(line, quantity, DEFAULT_UNIT, part)
            for (line, part), quantity in parcel.quantities.items()
        ),
        shipped_at=_moment(carrier, "shippedDate", where),
        carrier_code=code if code and SCAC.fullmatch(code) else None,
        delivery_date=_day(carrier, "deliveredDate", where)
        or _day(carrier, "estimatedDeliveryDate", where),
        packages=parcel.packages,
        comments=f"also tracking numbers {others}" if others else None,
    )


def _moment(item: dict, key: str, where: str) -> datetime | None:
    """A date or date-time; without a zone it is UTC, a date alone is its midnight."""
    value = _optional_text(item, key, where)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(f"{where}: {key} {_clip(value)!r} is not a date") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(item: dict, key: str, where: str) -> date | None:
    value = _optional_text(item, key, where)
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ParseError(f"{where}: {key} {_clip(value)!r} is not a date") from None


def _quantity(item: dict, key: str, where: str) -> Decimal | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ParseError(f"{where}: {key} is not a number")
    try:
        quantity = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise ParseError(f"{where}: {key} {_clip(str(value))!r} is not a number") from None
    if not quantity.is_finite():
        raise ParseError(f"{where}: {key} is not a finite number")
    return quantity


def _object(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise ParseError(f"{where} is not a JSON object")
    return value


def _list(item: dict, key: str, where: str) -> list:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{where}: {key} is not a list")
    return value


def _required_text(item: dict, key: str, where: str) -> str:
    value = _optional_text(item, key, where)
    if value is None:
        raise ParseError(f"{where} has no {key}")
    return value


def _optional_text(item: dict, key: str, where: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise ParseError(f"{where}: {key} is not text")
    return value.strip() if value and value.strip() else None


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
