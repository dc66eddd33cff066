"""Staff accounts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "scrypt$" + "$".join(base64.b64encode(part).decode() for part in (salt, digest))


def check_password(password: str, stored: str) -> bool:
    scheme, salt, digest = stored.split("$")
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=_N, r=_R, p=_P)
    return hmac.compare_digest(actual, base64.b64decode(digest))


class StaffMember:
    id: int | None

    def __init__(self, username: str, display_name: str, password: str, *, is_admin=False):
        self.username = username
        self.display_name = display_name
        self.email = None
        self.password_hash = hash_password(password)
        self.is_admin = is_admin
        self.active = True
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
