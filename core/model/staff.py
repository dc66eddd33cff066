"""Staff accounts and their API tokens.

Passwords are kept as argon2id hashes; hashes from before (scrypt) still verify and
are replaced by argon2id on the next successful sign-in. A token is shown once when
issued; only its SHA-256 hash is kept, with its first characters as a lookup key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.access import (
    AccessError,
    Principal,
    WeakPassword,
    check_permissions,
    check_profile_name,
    effective_permissions,
)

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "ob2b_"
LOOKUP_LENGTH = 8
# Recording each use of a token costs a write; once a minute is close enough.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_hasher = PasswordHasher()  # argon2id with the RFC 9106 low-memory parameters
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _check_scrypt(password, stored)
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_needs_upgrade(stored: str) -> bool:
    return stored.startswith("scrypt$") or _hasher.check_needs_rehash(stored)


def hash_password_scrypt(password: str) -> str:
    """The hash format used before argon2id; kept to prove old hashes still verify."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return "scrypt$" + "$".join(base64.b64encode(part).decode() for part in (salt, digest))


def _check_scrypt(password: str, stored: str) -> bool:
    _scheme, salt, digest = stored.split("$")
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), **_SCRYPT)
    return hmac.compare_digest(actual, base64.b64decode(digest))


def check_password_strength(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def check_username(username: str) -> str:
    if not _USERNAME.fullmatch(username or ""):
        raise AccessError(
            f"username {username!r}: 1 to 64 letters, digits, . _ @ -, starting with a"
            " letter or digit"
        )
    return username


class StaffMember:
    id: int | None

    def __init__(
        self,
        username: str,
        display_name: str,
        password: str,
        *,
        email: str | None = None,
        profile: str = "salesperson",
        is_admin: bool = False,
    ) -> None:
        if not display_name or not display_name.strip():
            raise AccessError(f"staff {username}: the display name is empty")
        self.username = check_username(username)
        self.display_name = display_name.strip()
        self.email = email
        self.password_hash = hash_password(check_password_strength(password))
        self.profile = check_profile_name(profile)
        self.permission_overrides = {"grant": [], "revoke": []}
        self.is_admin = is_admin
        self.active = True
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def verify_password(self, password: str) -> bool:
        """Whether the password is right; an outdated hash is replaced when it is."""
        if not check_password(password, self.password_hash):
            return False
        if hash_needs_upgrade(self.password_hash):
            self.password_hash = hash_password(password)
            self.updated_at = datetime.now(UTC)
        return True

    @property
    def at_work(self) -> bool:
        """Active and not archived: someone work can be given to."""
        return self.active and not self.archived

    def disable(self) -> None:
        if self.active:
            self.active = False
            self.updated_at = datetime.now(UTC)

    def override(self, grant: Iterable[str] = (), revoke: Iterable[str] = ()) -> None:
        """Grant or revoke permissions for this person alone, over their profile."""
        grant, revoke = set(check_permissions(grant)), set(check_permissions(revoke))
        current = self.permission_overrides or {}
        granted = (set(current.get("grant", ())) | grant) - revoke
        revoked = (set(current.get("revoke", ())) | revoke) - grant
        self.permission_overrides = {"grant": sorted(granted), "revoke": sorted(revoked)}
        self.updated_at = datetime.now(UTC)

    def principal(self, profile_permissions: Iterable[str]) -> Principal:
        permissions = effective_permissions(
            profile_permissions, self.permission_overrides, is_admin=self.is_admin
        )
        return Principal(self.id, self.username, permissions, self.is_admin)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_lookup(token: str) -> str | None:
    """The clear lookup part of a token, or None if the text is not shaped like one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) < len(TOKEN_PREFIX) + 40:
        return None
    return token[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + LOOKUP_LENGTH]


class ApiToken:
    id: int | None

    def __init__(
        self,
        staff_id: int,
        label: str,
        token_hash: str,
        lookup: str,
        *,
        expires_at: datetime | None = None,
    ) -> None:
        if not label or not label.strip():
            raise AccessError("an API token needs a label saying what uses it")
        self.staff_id = staff_id
        self.label = label.strip()
        self.token_hash = token_hash
        self.lookup = lookup
        self.expires_at = expires_at
        self.created_at = datetime.now(UTC)
        self.revoked_at = None
        self.last_used_at = None

    @classmethod
    def issue(
        cls, staff_id: int, label: str, *, expires_at: datetime | None = None
    ) -> tuple[ApiToken, str]:
        """A new token and its text, which is shown once and never kept."""
        text = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(staff_id, label, hash_token(text), token_lookup(text), expires_at=expires_at)
        return token, text

    def matches(self, text: str) -> bool:
        return token_matches(self.token_hash, text)

    def usable(self, now: datetime) -> bool:
        return token_usable(self.revoked_at, self.expires_at, now)

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = datetime.now(UTC)

    def used(self, now: datetime) -> None:
        if use_worth_noting(self.last_used_at, now):
            self.last_used_at = now


def token_usable(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    if revoked_at is not None:
        return False
    return expires_at is None or _aware(expires_at) > now


def use_worth_noting(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a token's last use is old enough to write the new one (once a minute)."""
    return last_used_at is None or now - _aware(last_used_at) >= TOKEN_USE_RESOLUTION


def token_matches(token_hash: str, text: str) -> bool:
    return hmac.compare_digest(token_hash, hash_token(text))


def _aware(moment: datetime) -> datetime:
    """SQLite gives times back without their zone; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
