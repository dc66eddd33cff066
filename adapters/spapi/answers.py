"""Reading SP-API Orders v0 answers: bounded JSON, payloads, NextToken and errors.

getOrders answers {"payload": {"Orders": [...], "NextToken": ...}}, getOrder
{"payload": <Order>}, getOrderItems {"payload": {"AmazonOrderId": ...,
"OrderItems": [...], "NextToken": ...}}; a failed call answers {"errors": [...]}.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from adapters.mws.values import clip
from adapters.spapi.records import JsonRecord, kind
from core.errors import DocumentTooLarge, ParseError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"


def load(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "document") -> dict:
    """A JSON object from untrusted bytes: size-bounded, UTF-8, exact decimals."""
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"{what} is {len(data)} bytes, the limit is {max_bytes}")
    try:
        text = bytes(data).removeprefix(_UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(f"{what} is not UTF-8: byte {error.start} is invalid") from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ParseError(
            f"{what} is not well-formed JSON: {error.msg} (line {error.lineno}, "
            f"column {error.colno})"
        ) from None
    except RecursionError:
        raise ParseError(f"{what} nests JSON too deeply") from None
    except ValueError as error:
        raise ParseError(f"{what} is not usable JSON: {clip(str(error), 80)}") from None
    if not isinstance(value, dict):
        raise ParseError(f"{what} is not a JSON object: it is {kind(value)}")
    return value


def failure(answer: dict) -> str | None:
    """A one-line account of an errors answer; None when the answer has no errors."""
    errors = answer.get("errors")
    if not errors:
        return None
    if not isinstance(errors, list):
        return "errors is not a list"
    described = [_describe(error) for error in errors]
    return "; ".join(described)


def payload(answer: dict, what: str) -> dict:
    """The payload object of a successful answer."""
    problem = failure(answer)
    if problem is not None:
        raise ParseError(f"{what} is an errors answer: {problem}")
    found = answer.get("payload")
    if not isinstance(found, dict):
        raise ParseError(f"{what} has no payload object")
    return found


def orders(answer: dict, what: str = "getOrders answer") -> list[JsonRecord]:
    """The Order objects of a getOrders or getOrder answer."""
    found = payload(answer, what)
    if "Orders" in found:
        listed = found["Orders"]
        if not isinstance(listed, list):
            raise ParseError(f"{what} Orders is {kind(listed)}, not a list")
    elif "AmazonOrderId" in found:
        listed = [found]
    else:
        raise ParseError(f"{what} payload has neither Orders nor an AmazonOrderId")
    return [_order(value, what, position) for position, value in enumerate(listed, start=1)]


def items(answer: dict, what: str = "getOrderItems answer") -> tuple[str, list[JsonRecord]]:
    """The AmazonOrderId of a getOrderItems answer and its OrderItem objects."""
    found = payload(answer, what)
    order_id = JsonRecord(found, what).text("AmazonOrderId")
    if order_id is None:
        raise ParseError(f"{what} has no AmazonOrderId")
    listed = found.get("OrderItems")
    if not isinstance(listed, list):
        raise ParseError(f"{what} for order {order_id} has no OrderItems list")
    records = []
    for position, value in enumerate(listed, start=1):
        where = f"Order {order_id} OrderItem {position}"
        if not isinstance(value, dict):
            raise ParseError(f"{where} is {kind(value)}, not an object")
        records.append(JsonRecord(value, where))
    return order_id, records


def next_token(answer: dict) -> str | None:
    found = answer.get("payload")
    token = found.get("NextToken") if isinstance(found, dict) else None
    return token if isinstance(token, str) and token else None


def _order(value: Any, what: str, position: int) -> JsonRecord:
    if not isinstance(value, dict):
        raise ParseError(f"{what} Order {position} is {kind(value)}, not an object")
    order_id = JsonRecord(value, what).text("AmazonOrderId")
    return JsonRecord(value, f"Order {order_id}" if order_id else f"{what} Order {position}")


def _describe(error: Any) -> str:
    if not isinstance(error, dict):
        return clip(str(error), 80)
    record = JsonRecord(error, "error")
    parts = [record.text("code") or "unknown", record.text("message"), record.text("details")]
    return clip(": ".join(part for part in parts if part), 160)


def _refuse_constant(name: str) -> Any:
    raise ParseError(f"JSON holds {name}, which is not a number")
