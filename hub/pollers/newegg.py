"""Newegg Marketplace orders: the "Get Order Information" answer pages.

Newegg has no "changed since" filter, only the order date. A poll therefore asks for
every order placed since the cursor less a lookback window, so that the orders Newegg
voids, cancels items of or ships within that window are read again; the normaliser
keeps only what changed (see adapters.newegg.version).
"""

from __future__ import annotations

import email.utils
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from adapters.newegg.dates import PACIFIC, format_pacific, parse_pacific
from adapters.newegg.response import PageInfo, error_summary, read_page_info
from adapters.xml import parse_xml
from core.errors import DocumentError
from hub.http_client import HttpAnswer, http_call
from hub.pollers.base import PollFailed, Throttled

API_VERSION = "304"
MAX_PAGE_SIZE = 100
# Newegg counts requests per minute: without a hint, wait for the next window.
DEFAULT_RETRY_AFTER = 60.0
# Unshipped orders are voided automatically within days; three catch those voids.
DEFAULT_LOOKBACK = timedelta(days=3)


class NeweggSource:
    """One Newegg seller account, read page by page (PUT .../ordermgmt/order/orderinfo)."""

    channel = "newegg"

    def __init__(
        self,
        base_url: str,
        seller_id: str,
        authorization: str,
        secret_key: str,
        partner: str = "newegg",
        page_size: int = MAX_PAGE_SIZE,
        timeout: float = 60.0,
        *,
        lookback: timedelta = DEFAULT_LOOKBACK,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}")
        query = urllib.parse.urlencode({"sellerid": seller_id, "version": API_VERSION})
        self.url = f"{base_url.rstrip('/')}/ordermgmt/order/orderinfo?{query}"
        self.partner = partner
        self.page_size = page_size
        self.timeout = timeout
        self.lookback = lookback
        self.clock = clock
        self._headers = {
            "Authorization": authorization,
            "SecretKey": secret_key,
            "Content-Type": "application/xml",
            "Accept": "application/xml",
        }

    def __repr__(self) -> str:
        return f"NeweggSource({self.url!r}, partner={self.partner!r})"

    def fetch(self, since: datetime | None) -> Iterator[bytes]:
        """Each answer page holding orders placed since `since` less the lookback."""
        now = self.clock()
        placed_from = (since or now) - self.lookback
        index, last = 1, 1
        while index <= last:
            raw = self._page(order_info_request(index, self.page_size, placed_from, now))
            info = _page_info(raw, index)
            if info.total_count == 0:
                return
            yield raw
            index, last = index + 1, info.total_page_count

    def _page(self, body: bytes) -> bytes:
        request = urllib.request.Request(self.url, data=body, method="PUT", headers=self._headers)
        answer = http_call(request, self.timeout)
        if answer.status == 429:
            raise Throttled(retry_after(answer.headers, self.clock()), _refusal(answer))
        if answer.status != 200:
            raise PollFailed(_refusal(answer))
        return answer.body


def order_info_request(
    page_index: int, page_size: int, placed_from: datetime, placed_to: datetime
) -> bytes:
    """The GetOrderInfoRequest body: every status and fulfilment type, downloaded
    or not, placed in the window (Newegg's filters take Pacific time)."""
    root = ElementTree.Element("NeweggAPIRequest")
    ElementTree.SubElement(root, "OperationType").text = "GetOrderInfoRequest"
    body = ElementTree.SubElement(root, "RequestBody")
    ElementTree.SubElement(body, "PageIndex").text = str(page_index)
    ElementTree.SubElement(body, "PageSize").text = str(page_size)
    criteria = ElementTree.SubElement(body, "RequestCriteria")
    ElementTree.SubElement(criteria, "Type").text = "0"
    ElementTree.SubElement(criteria, "OrderDateFrom").text = format_pacific(placed_from)
    ElementTree.SubElement(criteria, "OrderDateTo").text = format_pacific(placed_to)
    ElementTree.SubElement(criteria, "OrderDownloaded").text = "0"
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def retry_after(headers: dict[str, str], now: datetime) -> float:
    """Seconds to wait, from Retry-After (seconds or an HTTP date) or Newegg's
    X-RateLimit-ResetTime, else a minute; never less than a second."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return max(float(value), 1.0)
    reset = _http_date(value) or _reset_time(headers.get("x-ratelimit-resettime", "").strip())
    if reset is None:
        return DEFAULT_RETRY_AFTER
    return max((reset - now).total_seconds(), 1.0)


def _http_date(value: str) -> datetime | None:
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reset_time(value: str) -> datetime | None:
    """An HTTP date, or a date-time Newegg writes (its M/D/YYYY form or YYYY-MM-DD),
    which is Pacific time unless it names a zone."""
    if not value:
        return None
    moment = _http_date(value)
    if moment is not None:
        return moment
    try:
        return parse_pacific(value, "X-RateLimit-ResetTime")
    except DocumentError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=PACIFIC)


def _page_info(raw: bytes, index: int) -> PageInfo:
    try:
        return read_page_info(raw)
    except DocumentError as error:
        raise PollFailed(f"Newegg order information page {index}: {error}") from None


def _refusal(answer: HttpAnswer) -> str:
    """One line naming the HTTP status and Newegg's error codes and messages."""
    try:
        detail = error_summary(parse_xml(answer.body))
    except DocumentError:
        detail = " ".join(answer.body[:200].decode("utf-8", "replace").split()) or "no body"
    return f"Newegg answered HTTP {answer.status}: {detail}"
