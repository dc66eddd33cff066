"""Trading partners and how they prove who they are."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime


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
        self.code = code
        self.name = name
        self.channel = channel
        self.identity_domain = identity_domain
        self.identity = identity
        self.mode = mode
        self.secret_salt = None
        self.secret_hash = None
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def set_secret(self, secret: str) -> None:
        self.secret_salt = secrets.token_hex(16)
        self.secret_hash = hash_secret(secret, self.secret_salt)
        self.updated_at = datetime.now(UTC)

    def verify_secret(self, secret: str | None) -> bool:
        if not self.secret_hash or secret is None:
            return False
        return hmac.compare_digest(self.secret_hash, hash_secret(secret, self.secret_salt))
