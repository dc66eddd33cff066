"""Trading partners: who they are on each channel, how they prove it, where we
send documents back, and whether they are in test or production."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from core.errors import OrderB2BError

PARTNER_CHANNELS = ("cxml", "mws", "spapi", "newegg", "x12", "email")
MODES = ("test", "production")
# Documents we send back, by the endpoint name that says where each one goes.
ENDPOINT_NAMES = (
    "order_confirmation",
    "ship_notice",
    "invoice",
    "functional_ack",
    "poll",
    "token",
    "purchase_order",
)
IDENTITY_FIELDS = (
    "identity_domain",
    "identity",
    "our_identity_domain",
    "our_identity",
    "x12_qualifier",
    "x12_id",
    "x12_group_id",
    "our_x12_qualifier",
    "our_x12_id",
    "our_x12_group_id",
)


class InvalidPartner(OrderB2BError):
    """A partner's settings are not usable as given."""


def hash_secret(secret: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


class Partner:
    id: int | None

    def __init__(
        self,
        code: str,
        name: str,
        channel: str,
        *,
        identity_domain: str | None = None,
        identity: str | None = None,
        mode: str = "production",
    ) -> None:
        _check_choice("channel", channel, PARTNER_CHANNELS)
        _check_choice("mode", mode, MODES)
        if not code or not code.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise InvalidPartner(f"partner code {code!r}: letters, digits, - _ . only")
        self.code = code
        self.name = name
        self.channel = channel
        self.identity_domain = identity_domain
        self.identity = identity
        self.mode = mode
        self.secret_salt = None
        self.secret_hash = None
        self.outbound_secret = None
        self.endpoints = {}
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def set_secret(self, secret: str) -> None:
        """The secret the partner presents to us; only its salted hash is kept."""
        self.secret_salt = secrets.token_hex(16)
        self.secret_hash = hash_secret(secret, self.secret_salt)
        self.updated_at = datetime.now(UTC)

    def verify_secret(self, secret: str | None) -> bool:
        if not self.secret_hash or secret is None:
            return False
        return hmac.compare_digest(self.secret_hash, hash_secret(secret, self.secret_salt))

    def set_outbound_secret(self, sealed: str | None) -> None:
        """The secret we present to the partner, sealed (encrypted) by the caller."""
        self.outbound_secret = sealed
        self.updated_at = datetime.now(UTC)

    def change(self, **values) -> None:
        """Change identities, name, mode or endpoints; history records each field."""
        for name, value in values.items():
            if name == "mode":
                _check_choice("mode", value, MODES)
            elif name == "endpoints":
                value = self._endpoints(value)
            elif name not in (*IDENTITY_FIELDS, "name", "archived"):
                raise InvalidPartner(f"a partner has no setting {name!r}")
            setattr(self, name, value)
        self.updated_at = datetime.now(UTC)

    def endpoint(self, name: str) -> str | None:
        return (self.endpoints or {}).get(name)

    def _endpoints(self, changes: dict[str, str | None]) -> dict[str, str]:
        merged = dict(self.endpoints or {})
        for name, url in changes.items():
            _check_choice("endpoint", name, ENDPOINT_NAMES)
            if url is None:
                merged.pop(name, None)
            elif not url.startswith(("http://", "https://", "mailto:")):
                raise InvalidPartner(f"endpoint {name}: {url!r} is not an http(s) or mailto URL")
            else:
                merged[name] = url
        return merged


def _check_choice(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InvalidPartner(f"{what} {value!r} is not one of {', '.join(choices)}")
