"""Reading MWS Orders API answers: where the orders, items, NextToken and errors are.

ListOrders, ListOrdersByNextToken and GetOrder answer with Orders/Order under their
Result; ListOrderItems and ListOrderItemsByNextToken with AmazonOrderId and
OrderItems/OrderItem. A failed call answers with ErrorResponse/Error.
"""

from __future__ import annotations

from lxml import etree

from adapters.mws.records import XmlRecord, children, local_name
from core.errors import ParseError

NAMESPACE = "https://mws.amazonservices.com/Orders/2013-09-01"
ORDER_RESPONSES = frozenset(
    {"ListOrdersResponse", "ListOrdersByNextTokenResponse", "GetOrderResponse"}
)
ITEM_RESPONSES = frozenset({"ListOrderItemsResponse", "ListOrderItemsByNextTokenResponse"})


def result(response: etree._Element) -> etree._Element:
    """The <Operation>Result element of a <Operation>Response."""
    name = local_name(response)
    expected = name.removesuffix("Response") + "Result"
    found = next(children(response, expected), None)
    if found is None:
        raise ParseError(f"{name} has no {expected}")
    return found


def orders(response: etree._Element) -> list[XmlRecord]:
    """The Order elements of an orders answer, each named by its AmazonOrderId."""
    name = local_name(response)
    listed = next(children(result(response), "Orders"), None)
    if listed is None:
        raise ParseError(f"{name} has no Orders")
    found = []
    for position, element in enumerate(children(listed, "Order"), start=1):
        order_id = XmlRecord(element, "").text("AmazonOrderId")
        where = f"Order {order_id}" if order_id else f"{name} Order {position}"
        found.append(XmlRecord(element, where))
    return found


def items(response: etree._Element) -> tuple[str, list[XmlRecord]]:
    """The AmazonOrderId of an items answer and its OrderItem elements."""
    name = local_name(response)
    page = result(response)
    order_id = XmlRecord(page, name).text("AmazonOrderId")
    if order_id is None:
        raise ParseError(f"{name} has no AmazonOrderId")
    listed = next(children(page, "OrderItems"), None)
    if listed is None:
        raise ParseError(f"{name} for order {order_id} has no OrderItems")
    return order_id, [
        XmlRecord(element, f"Order {order_id} OrderItem {position}")
        for position, element in enumerate(children(listed, "OrderItem"), start=1)
    ]


def next_token(response: etree._Element) -> str | None:
    return XmlRecord(result(response), "").text("NextToken")


def error(root: etree._Element) -> tuple[str, str] | None:
    """(Code, Message) of an ErrorResponse; None for any other answer."""
    if local_name(root) != "ErrorResponse":
        return None
    found = next(children(root, "Error"), None)
    record = XmlRecord(found if found is not None else root, "ErrorResponse")
    return record.text("Code") or "unknown", record.text("Message") or ""
