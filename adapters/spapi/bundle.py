"""The SP-API order bundle: one orders answer and the getOrderItems answers (all
pages) of its orders, kept together as one document:

    {"orders": <getOrders or getOrder answer>, "orderItems": [<getOrderItems answer>, ...]}

Each answer is kept verbatim.
"""

from __future__ import annotations

from adapters.mws.orders import pair_with_items
from adapters.mws.records import Record
from adapters.spapi import answers
from adapters.spapi.records import kind
from core.errors import ParseError

ORDERS = "orders"
ORDER_ITEMS = "orderItems"
_UTF8_BOM = b"\xef\xbb\xbf"


def bundle(orders_response: bytes, item_responses: list[bytes]) -> bytes:
    """One bundle from an orders answer and the items answers of its orders."""
    answers.orders(answers.load(orders_response, what="orders answer"), "orders answer")
    for number, part in enumerate(item_responses, start=1):
        what = f"items answer {number}"
        answers.items(answers.load(part, what=what), what)
    parts = (_verbatim(part) for part in item_responses)
    return b"".join(
        [
            b'{"' + ORDERS.encode() + b'": ',
            _verbatim(orders_response),
            b',\n "' + ORDER_ITEMS.encode() + b'": [',
            b",\n  ".join(parts),
            b"]}\n",
        ]
    )


def is_bundle(document: dict) -> bool:
    return ORDERS in document or ORDER_ITEMS in document


def split(document: dict) -> list[tuple[Record, list[Record]]]:
    """Each order of a bundle with its items, in the bundle's order."""
    orders_answer = document.get(ORDERS)
    if not isinstance(orders_answer, dict):
        raise ParseError(f"bundle {ORDERS} is {kind(orders_answer)}, not an answer object")
    pages = document.get(ORDER_ITEMS)
    if not isinstance(pages, list):
        raise ParseError(f"bundle {ORDER_ITEMS} is {kind(pages)}, not a list of answers")
    found = answers.orders(orders_answer, "bundle orders answer")
    items: dict[str, list[Record]] = {}
    for number, page in enumerate(pages, start=1):
        what = f"bundle items answer {number}"
        if not isinstance(page, dict):
            raise ParseError(f"{what} is {kind(page)}, not an answer object")
        order_id, records = answers.items(page, what)
        items.setdefault(order_id, []).extend(records)
    return pair_with_items(found, items, "bundle", "getOrderItems")


def _verbatim(part: bytes) -> bytes:
    return bytes(part).removeprefix(_UTF8_BOM).strip()
