"""The Newegg Marketplace API answer around the orders: success flag, errors, paging."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from adapters.newegg.fields import child, child_text, clip, flag, integer
from adapters.xml import parse_xml
from core.errors import ParseError

ORDER_INFO_ANSWER = "GetOrderInfoResponse"


@dataclass(frozen=True, slots=True)
class PageInfo:
    """Where one answer page sits in the whole result."""

    total_count: int
    total_page_count: int
    page_index: int
    page_size: int


def order_info_body(root: etree._Element) -> etree._Element:
    """The ResponseBody of a successful order-information answer.

    Newegg answers a refused request with an `Errors` document, and a failed operation
    with IsSuccess=false; both become a ParseError carrying Newegg's codes and messages.
    """
    if root.tag == "Errors":
        raise ParseError(f"Newegg answered with an error: {error_summary(root)}")
    if root.tag != "NeweggAPIResponse":
        raise ParseError(f"not a Newegg API answer: the root element is {_name(root)}")
    success = flag(child_text(root, "IsSuccess"), "NeweggAPIResponse IsSuccess")
    if success is None:
        raise ParseError("NeweggAPIResponse has no IsSuccess")
    if not success:
        raise ParseError(f"Newegg answered IsSuccess=false: {error_summary(root)}")
    operation = child_text(root, "OperationType")
    if operation is not None and operation != ORDER_INFO_ANSWER:
        raise ParseError(f"not an order-information answer: OperationType is '{clip(operation)}'")
    body = child(root, "ResponseBody")
    if body is None:
        raise ParseError("NeweggAPIResponse has no ResponseBody")
    return body


def read_page_info(data: bytes) -> PageInfo:
    """The paging of one raw order-information answer (ParseError if it is not one)."""
    return page_info(order_info_body(parse_xml(data)))


def page_info(body: etree._Element) -> PageInfo:
    page = child(body, "PageInfo")
    if page is None:
        raise ParseError("ResponseBody has no PageInfo")
    return PageInfo(
        total_count=_count(page, "TotalCount"),
        total_page_count=_count(page, "TotalPageCount"),
        page_index=_count(page, "PageIndex"),
        page_size=_count(page, "PageSize"),
    )


def error_summary(root: etree._Element) -> str:
    """Newegg's errors as "CODE: message; ...", else its Memo, in one line."""
    errors = []
    for error in root.iter("Error"):
        parts = (child_text(error, "Code"), child_text(error, "Message"))
        described = ": ".join(part for part in parts if part)
        if described:
            errors.append(described)
    if errors:
        return clip("; ".join(errors), 300)
    return clip(child_text(root, "Memo") or "no error code or message given", 300)


def _count(page: etree._Element, tag: str) -> int:
    value = integer(child_text(page, tag), f"PageInfo {tag}")
    if value is None:
        raise ParseError(f"PageInfo has no {tag}")
    return value


def _name(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)
