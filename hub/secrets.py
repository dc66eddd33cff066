"""Seals the secrets we must present to partners (cXML shared secrets we send,
marketplace credentials): encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key comes from ORDERB2B_SECRET_KEY, or else from `secret.key` in the data
directory, created on first use and readable by its owner only.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from core.errors import OrderB2BError
from hub.config import Config

KEY_FILE = "secret.key"


class SecretUnreadable(OrderB2BError):
    """A sealed secret does not open with this hub's key."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def for_config(cls, config: Config) -> SecretBox:
        if config.secret_key:
            return cls(config.secret_key.encode("ascii"))
        return cls(_key_file(config.data_dir / KEY_FILE))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as error:
            raise SecretUnreadable(
                "a partner secret does not open with this hub's key (ORDERB2B_SECRET_KEY)"
            ) from error


def hub_secret(config: Config) -> bytes:
    """The hub's secret: ORDERB2B_SECRET_KEY, or the key file made on first use. Keys
    for one purpose each (links, reply addresses) are derived from it."""
    if config.secret_key:
        return config.secret_key.encode("ascii")
    return _key_file(config.data_dir / KEY_FILE)


def _key_file(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    return key
