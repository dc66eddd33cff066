"""Amazon order sources: MWS Orders API 2013-09-01 and SP-API Orders v0.

Each source asks for the orders updated since the cursor, page by page, fetches
every order's items (all pages) and yields one bundle per orders page: the page as
Amazon answered it with its orders' items answers (see adapters.mws.bundle and
adapters.spapi.bundle). A throttling answer raises Throttled with the wait Amazon
documents for the operation, so the poller tries the same cursor again later.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from adapters.mws import answers as mws_answers
from adapters.mws.orders import required
from adapters.mws.parse import bundle as mws_bundle
from adapters.mws.records import Record
from adapters.spapi import answers as spapi_answers
from adapters.spapi.parse import bundle as spapi_bundle
from adapters.xml import parse_xml
from core.errors import DocumentError
from hub.http_client import HttpAnswer, http_call
from hub.pollers.base import Patience, PollFailed, Throttled

USER_AGENT = "orderb2b/0.1 (Language=Python)"
# The first poll of an account, with no cursor yet, reads a week of updates.
FIRST_LOOKBACK = timedelta(days=7)

MWS_VERSION = "2013-09-01"
MWS_PATH = f"/Orders/{MWS_VERSION}"
# Restore rates (seconds per request) of the Orders API operations: ListOrders and
# ListOrdersByNextToken one a minute, ListOrderItems(ByNextToken) one every 2 s.
MWS_RESTORE_SECONDS = {
    "ListOrders": 60.0,
    "ListOrdersByNextToken": 60.0,
    "ListOrderItems": 2.0,
    "ListOrderItemsByNextToken": 2.0,
}
MWS_THROTTLED = frozenset({"RequestThrottled", "QuotaExceeded"})
_RFC3986_SAFE = "-_.~"

SPAPI_ORDERS_PATH = "/orders/v0/orders"
# Default usage plans (seconds per request): getOrders 0.0167/s, getOrderItems 0.5/s.
SPAPI_RESTORE_SECONDS = {"getOrders": 60.0, "getOrderItems": 2.0}
# An access token is renewed this long before Amazon says it expires.
TOKEN_MARGIN = timedelta(minutes=1)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


# MWS


class MwsSource:
    """One seller account on MWS: ListOrders by LastUpdatedAfter, ListOrderItems per order."""

    channel = "mws"

    def __init__(
        self,
        base_url: str,
        seller_id: str,
        access_key_id: str,
        secret_key: str,
        marketplace_ids: Sequence[str],
        auth_token: str | None = None,
        partner: str = "amazon",
        timeout: float = 60.0,
        *,
        first_lookback: timedelta = FIRST_LOOKBACK,
        clock: Clock = _utc_now,
        patience: Patience | None = None,
    ) -> None:
        if not marketplace_ids:
            raise ValueError("MWS needs at least one marketplace id")
        self.url = base_url.rstrip("/") + MWS_PATH
        self.host = signing_host(self.url)
        self.seller_id = seller_id
        self.access_key_id = access_key_id
        self._secret_key = secret_key
        self.marketplace_ids = tuple(marketplace_ids)
        self._auth_token = auth_token
        self.partner = partner
        self.timeout = timeout
        self.first_lookback = first_lookback
        self.clock = clock
        self.patience = patience or Patience()

    def __repr__(self) -> str:
        return f"MwsSource({self.url!r}, seller_id={self.seller_id!r}, partner={self.partner!r})"

    def fetch(self, since: datetime | None) -> Iterator[bytes]:
        """One bundle per page of orders updated since `since`."""
        self.patience.restart()
        after = since or self.clock() - self.first_lookback
        marketplaces = {
            f"MarketplaceId.Id.{n}": marketplace
            for n, marketplace in enumerate(self.marketplace_ids, start=1)
        }
        page: bytes | None = self._patient(
            "ListOrders", {"LastUpdatedAfter": iso_utc(after), **marketplaces}
        )
        while page is not None:
            root = parse_xml(page)
            orders = mws_answers.orders(root)
            if orders:
                items = [part for order in orders for part in self._items(order)]
                yield mws_bundle(page, items)
            token = mws_answers.next_token(root)
            page = self._patient("ListOrdersByNextToken", {"NextToken": token}) if token else None

    def _items(self, order: Record) -> list[bytes]:
        order_id = required(order, "AmazonOrderId")
        pages = [self._patient("ListOrderItems", {"AmazonOrderId": order_id})]
        while token := mws_answers.next_token(parse_xml(pages[-1])):
            pages.append(self._patient("ListOrderItemsByNextToken", {"NextToken": token}))
        return pages

    def _patient(self, action: str, parameters: Mapping[str, str]) -> bytes:
        return self.patience.call(self._call, action, parameters)

    def _call(self, action: str, parameters: Mapping[str, str]) -> bytes:
        signed = self.signed(action, parameters)
        request = urllib.request.Request(
            self.url,
            data=canonical_query(signed).encode("ascii"),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "User-Agent": USER_AGENT,
            },
        )
        answer = http_call(request, self.timeout)
        if answer.status == 200:
            return answer.body
        code, message = _mws_error(answer.body)
        if answer.status == 503 and code in MWS_THROTTLED:
            wait = mws_retry_after(action, code, answer.headers, self.clock())
            raise Throttled(wait, f"MWS {action} throttled: {code}")
        raise PollFailed(f"MWS {action} answered HTTP {answer.status}: {code}: {message}")

    def signed(self, action: str, parameters: Mapping[str, str]) -> dict[str, str]:
        """The request parameters with the common ones and the Signature (version 2)."""
        common = {
            "AWSAccessKeyId": self.access_key_id,
            "Action": action,
            "SellerId": self.seller_id,
            "SignatureMethod": "HmacSHA256",
            "SignatureVersion": "2",
            "Timestamp": iso_utc(self.clock()),
            "Version": MWS_VERSION,
        }
        if self._auth_token:
            common["MWSAuthToken"] = self._auth_token
        values = {**common, **parameters}
        path = urllib.parse.urlsplit(self.url).path
        values["Signature"] = mws_signature(self._secret_key, "POST", self.host, path, values)
        return values


def mws_signature(
    secret_key: str, method: str, host: str, path: str, parameters: Mapping[str, str]
) -> str:
    """Signature Version 2 with HmacSHA256, base64."""
    text = string_to_sign(method, host, path, parameters)
    digest = hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def string_to_sign(method: str, host: str, path: str, parameters: Mapping[str, str]) -> str:
    """Method, lower-case host, path and the sorted, RFC 3986-encoded query, one a line."""
    unsigned = {name: value for name, value in parameters.items() if name != "Signature"}
    return "\n".join([method, host.lower(), path or "/", canonical_query(unsigned)])


def canonical_query(parameters: Mapping[str, str]) -> str:
    """name=value pairs sorted by name (byte order), names and values RFC 3986-encoded."""
    ordered = sorted(parameters.items(), key=lambda pair: pair[0].encode("utf-8"))
    return "&".join(f"{_rfc3986(name)}={_rfc3986(value)}" for name, value in ordered)


def signing_host(url: str) -> str:
    """The Host header as signed: lower case, with the port only when not the standard one."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    standard = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{host}:{parts.port}" if parts.port and parts.port != standard else host


def mws_retry_after(action: str, code: str, headers: Mapping[str, str], now: datetime) -> float:
    """The restore time of the throttled operation; for an hourly quota, until it resets."""
    wait = MWS_RESTORE_SECONDS.get(action, 60.0)
    if code == "QuotaExceeded":
        resets = _http_date(headers.get("x-mws-quota-resetson", ""))
        if resets is not None:
            wait = max(wait, (resets - now).total_seconds())
    return wait


def _mws_error(body: bytes) -> tuple[str, str]:
    try:
        found = mws_answers.error(parse_xml(body))
    except DocumentError:
        found = None
    return found or ("unknown", _excerpt(body))


def _rfc3986(value: str) -> str:
    return urllib.parse.quote(value, safe=_RFC3986_SAFE)


# SP-API


class SpApiSource:
    """One seller account on SP-API: getOrders by LastUpdatedAfter, getOrderItems per order,
    authorised by a Login with Amazon access token from the refresh token."""

    channel = "spapi"

    def __init__(
        self,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        marketplace_ids: Sequence[str],
        partner: str = "amazon",
        timeout: float = 60.0,
        *,
        first_lookback: timedelta = FIRST_LOOKBACK,
        clock: Clock = _utc_now,
        patience: Patience | None = None,
    ) -> None:
        if not marketplace_ids:
            raise ValueError("SP-API needs at least one marketplace id")
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.marketplace_ids = tuple(marketplace_ids)
        self.partner = partner
        self.timeout = timeout
        self.first_lookback = first_lookback
        self.clock = clock
        self.patience = patience or Patience()
        self._access_token: str | None = None
        self._expires_at = datetime.min.replace(tzinfo=UTC)

    def __repr__(self) -> str:
        return f"SpApiSource({self.base_url!r}, partner={self.partner!r})"

    def fetch(self, since: datetime | None) -> Iterator[bytes]:
        """One bundle per page of orders updated since `since`."""
        self.patience.restart()
        after = since or self.clock() - self.first_lookback
        marketplaces = ",".join(self.marketplace_ids)
        query = {"MarketplaceIds": marketplaces, "LastUpdatedAfter": iso_utc(after)}
        while True:
            page = self._patient(SPAPI_ORDERS_PATH, query, "getOrders")
            answer = spapi_answers.load(page, what="getOrders answer")
            orders = spapi_answers.orders(answer)
            if orders:
                items = [part for order in orders for part in self._items(order)]
                yield spapi_bundle(page, items)
            token = spapi_answers.next_token(answer)
            if token is None:
                return
            query = {"MarketplaceIds": marketplaces, "NextToken": token}

    def _items(self, order: Record) -> list[bytes]:
        order_id = required(order, "AmazonOrderId")
        path = f"{SPAPI_ORDERS_PATH}/{urllib.parse.quote(order_id, safe='')}/orderItems"
        pages = [self._patient(path, {}, "getOrderItems")]
        while token := spapi_answers.next_token(spapi_answers.load(pages[-1], what=path)):
            pages.append(self._patient(path, {"NextToken": token}, "getOrderItems"))
        return pages

    def _patient(self, path: str, query: Mapping[str, str], operation: str) -> bytes:
        return self.patience.call(self._get, path, query, operation)

    def _get(self, path: str, query: Mapping[str, str], operation: str) -> bytes:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        request = urllib.request.Request(
            url,
            method="GET",
            headers={
                "x-amz-access-token": self.access_token(),
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        answer = http_call(request, self.timeout)
        if answer.status == 200:
            return answer.body
        if answer.status == 429:
            wait = spapi_retry_after(operation, answer.headers, self.clock())
            raise Throttled(wait, f"SP-API {operation} throttled")
        if answer.status in (401, 403):
            self._access_token = None
        raise PollFailed(
            f"SP-API {operation} answered HTTP {answer.status}: {_spapi_error(answer.body)}"
        )

    def access_token(self) -> str:
        """The cached access token, renewed from the refresh token when near expiry."""
        now = self.clock()
        if self._access_token is None or now >= self._expires_at - TOKEN_MARGIN:
            self._access_token, lifetime = self._new_token()
            self._expires_at = now + timedelta(seconds=lifetime)
        return self._access_token

    def _new_token(self) -> tuple[str, float]:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh_token,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        request = urllib.request.Request(
            self.token_url,
            data=urllib.parse.urlencode(form).encode("ascii"),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
                "User-Agent": USER_AGENT,
            },
        )
        answer = http_call(request, self.timeout)
        return _token_from(answer)


def spapi_retry_after(operation: str, headers: Mapping[str, str], now: datetime) -> float:
    """Seconds to wait: Retry-After (seconds or an HTTP date), else one request's worth
    of x-amzn-RateLimit-Limit (requests per second), else the default usage plan's."""
    value = headers.get("retry-after", "").strip()
    try:
        return max(float(value), 1.0)
    except ValueError:
        pass
    moment = _http_date(value)
    if moment is not None:
        return max((moment - now).total_seconds(), 1.0)
    try:
        rate = float(headers.get("x-amzn-ratelimit-limit", ""))
    except ValueError:
        rate = 0.0
    if rate > 0:
        return max(1.0 / rate, 1.0)
    return SPAPI_RESTORE_SECONDS.get(operation, 60.0)


def _token_from(answer: HttpAnswer) -> tuple[str, float]:
    try:
        document = spapi_answers.load(answer.body, what="token answer")
    except DocumentError as error:
        raise PollFailed(f"LWA token request answered HTTP {answer.status}: {error}") from None
    token = document.get("access_token")
    if answer.status != 200 or not isinstance(token, str) or not token:
        error = document.get("error") or "no access_token"
        detail = document.get("error_description") or ""
        raise PollFailed(f"LWA token request answered HTTP {answer.status}: {error} {detail}")
    lifetime = document.get("expires_in")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        raise PollFailed("LWA token answer has no valid expires_in")
    return token, float(lifetime)


def _spapi_error(body: bytes) -> str:
    try:
        return spapi_answers.failure(spapi_answers.load(body)) or "no errors given"
    except DocumentError:
        return _excerpt(body)


# Shared


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, as Amazon takes it (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _http_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _excerpt(body: bytes, limit: int = 120) -> str:
    text = " ".join(body[: limit * 4].decode("utf-8", "replace").split())
    return text[:limit] or "empty answer"
