"""The order bundle: one orders answer and the items answers of its orders, kept
together as one document so each order is stored with its items.

    <OrdersWithItems xmlns="https://mws.amazonservices.com/Orders/2013-09-01">
      <ListOrdersResponse ...> ... </ListOrdersResponse>
      <ListOrderItemsResponse ...> ... </ListOrderItemsResponse>
      ...
    </OrdersWithItems>

Each answer is kept verbatim, less its XML declaration.
"""

from __future__ import annotations

import re

from lxml import etree

from adapters.mws import answers
from adapters.mws.orders import pair_with_items
from adapters.mws.records import Record, local_name
from adapters.xml import parse_xml
from core.errors import ParseError

ROOT = "OrdersWithItems"
_DECLARATION = re.compile(rb"^\s*<\?xml\b[^>]*\?>")
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF8 = frozenset({"UTF-8", "UTF8", "US-ASCII", "ASCII"})


def bundle(orders_response: bytes, item_responses: list[bytes]) -> bytes:
    """One bundle from an orders answer and the items answers (all pages) of its orders."""
    parts = [_embeddable(orders_response, answers.ORDER_RESPONSES)]
    parts.extend(_embeddable(part, answers.ITEM_RESPONSES) for part in item_responses)
    return b"".join(
        [
            b'<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<{ROOT} xmlns="{answers.NAMESPACE}">\n'.encode("ascii"),
            *(part + b"\n" for part in parts),
            f"</{ROOT}>\n".encode("ascii"),
        ]
    )


def split(root: etree._Element) -> list[tuple[Record, list[Record]]]:
    """Each order of a bundle with its items, in the bundle's order."""
    found: list[Record] = []
    items: dict[str, list[Record]] = {}
    for part in root:
        name = local_name(part)
        if name in answers.ORDER_RESPONSES:
            found.extend(answers.orders(part))
        elif name in answers.ITEM_RESPONSES:
            order_id, page = answers.items(part)
            items.setdefault(order_id, []).extend(page)
        elif name:
            raise ParseError(f"{ROOT} holds an unexpected {name}")
    return pair_with_items(found, items, ROOT, "ListOrderItems")


def _embeddable(part: bytes, allowed: frozenset[str]) -> bytes:
    """The answer's root element as bytes that can sit inside the bundle."""
    root = parse_xml(part)
    name = local_name(root)
    if name not in allowed:
        raise ParseError(f"expected one of {', '.join(sorted(allowed))}, not {name}")
    info = root.getroottree().docinfo
    if (info.encoding or "UTF-8").upper() in _UTF8 and not info.doctype:
        return _DECLARATION.sub(b"", bytes(part).removeprefix(_UTF8_BOM), count=1).strip()
    return etree.tostring(root)
