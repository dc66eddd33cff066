"""Signed self-service links to a sent quote version.

A link names the quote, the version and when it stops working, signed with
HMAC-SHA256 under a key derived from the hub's secret key (ORDERB2B_SECRET_KEY, or
`secret.key` in the data directory). Nothing is stored: whoever holds an unexpired,
untampered link may see that version and order from it, once. The signature is
compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime

from core.errors import OrderB2BError
from hub.config import Config
from hub.secrets import hub_secret

PURPOSE = b"orderb2b quote self-service links v1"
TOKEN = re.compile(r"(Q\d{1,12})\.(\d{1,6})\.(\d{1,12})\.([A-Za-z0-9_-]{43})")


class LinkRefused(OrderB2BError):
    """A link that was tampered with, has expired, or is not a link at all."""


def link_key(config: Config) -> bytes:
    """The links' own key, derived from the hub's secret so it is never the secret."""
    return hmac.new(hub_secret(config), PURPOSE, hashlib.sha256).digest()


def sign(key: bytes, number: str, version: int, expires_at: datetime) -> str:
    claim = f"{number}.{version}.{int(expires_at.timestamp())}"
    if not TOKEN.fullmatch(f"{claim}.{'A' * 43}"):
        raise LinkRefused(f"cannot link to quote {number} version {version}")
    return f"{claim}.{_mac(key, claim)}"


def verify(key: bytes, token: str, now: datetime | None = None) -> tuple[str, int]:
    """(quote number, version) of a genuine, unexpired link; LinkRefused otherwise."""
    found = TOKEN.fullmatch(token or "")
    if found is None:
        raise LinkRefused("this is not a quote link")
    number, version, expires, mac = found.groups()
    claim = f"{number}.{version}.{expires}"
    if not hmac.compare_digest(mac.encode("ascii"), _mac(key, claim).encode("ascii")):
        raise LinkRefused("this quote link is not genuine")
    if (now or datetime.now(UTC)).timestamp() > int(expires):
        raise LinkRefused("this quote link has expired")
    return number, int(version)


def public_base(config: Config) -> str:
    return (config.public_url or f"http://{config.http_host}:{config.http_port}").rstrip("/")


def link_url(config: Config, token: str) -> str:
    return f"{public_base(config)}/quote/{token}"


def _mac(key: bytes, claim: str) -> str:
    digest = hmac.new(key, claim.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
