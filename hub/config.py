"""Settings from the environment; nothing else reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.mailing.settings import MailSettings

ROLES = ("http", "worker", "relay")


@dataclass(frozen=True)
class Config:
    database_url: str
    amqp_url: str | None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    data_dir: Path = Path("orderb2b-data")
    roles: tuple[str, ...] = ROLES
    max_document_bytes: int = 10 * 1024 * 1024
    prefetch: int = 200
    batch_size: int = 100
    max_attempts: int = 5
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    thread_pool_size: int = 8
    worker_processes: int = 0
    intake_threads: int = 2
    amqp_prefix: str = "orderb2b"
    secret_key: str | None = None
    poll_interval: float = 120.0
    public_url: str | None = None  # how browsers reach this hub, e.g. https://b2b.example.com
    mail: MailSettings = field(default_factory=MailSettings)
    smtp: Any = None  # mail.smtp_client.SmtpSettings: where mail is sent
    imap: Any = None  # mail.imap_door.ImapSettings: mailboxes read
    smtp_door: Any = None  # hub.mailing.smtp_door.DoorSettings: our own SMTP server

    @property
    def embedded(self) -> bool:
        return self.amqp_url is None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Config:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("ORDERB2B_DATA_DIR", "orderb2b-data"))
        database_url = env.get("ORDERB2B_DATABASE_URL") or f"sqlite:///{data_dir / 'orderb2b.db'}"
        values = {
            "database_url": database_url,
            "amqp_url": env.get("ORDERB2B_AMQP_URL") or None,
            "http_host": env.get("ORDERB2B_HTTP_HOST", "127.0.0.1"),
            "http_port": int(env.get("ORDERB2B_HTTP_PORT", "8080")),
            "data_dir": data_dir,
            "amqp_prefix": env.get("ORDERB2B_AMQP_PREFIX", "orderb2b"),
            "secret_key": env.get("ORDERB2B_SECRET_KEY") or None,
            "public_url": env.get("ORDERB2B_PUBLIC_URL") or None,
        }
        if "ORDERB2B_RETRY_DELAYS" in env:
            values["retry_delays"] = tuple(
                float(x) for x in env["ORDERB2B_RETRY_DELAYS"].split(",")
            )
        if "ORDERB2B_WORKER_PROCESSES" in env:
            values["worker_processes"] = int(env["ORDERB2B_WORKER_PROCESSES"])
        if "ORDERB2B_INTAKE_THREADS" in env:
            values["intake_threads"] = max(1, int(env["ORDERB2B_INTAKE_THREADS"]))
        if "ORDERB2B_MAX_DOCUMENT_BYTES" in env:
            values["max_document_bytes"] = int(env["ORDERB2B_MAX_DOCUMENT_BYTES"])
        if "ORDERB2B_POLL_INTERVAL" in env:
            values["poll_interval"] = float(env["ORDERB2B_POLL_INTERVAL"])
        if "ORDERB2B_MAX_ATTEMPTS" in env:
            values["max_attempts"] = int(env["ORDERB2B_MAX_ATTEMPTS"])
        values.update(_mail_settings(env))
        values.update(overrides)
        return cls(**values)

    def retry_delay(self, attempt: int) -> float:
        return self.retry_delays[min(attempt, len(self.retry_delays)) - 1]


def _mail_settings(env) -> dict[str, Any]:
    from hub.mailing.smtp_door import DoorSettings
    from mail.imap_door import ImapSettings
    from mail.smtp_client import SmtpSettings

    return {
        "mail": MailSettings.from_env(env),
        "smtp": SmtpSettings.from_env(env),
        "imap": ImapSettings.from_env(env),
        "smtp_door": DoorSettings.from_env(env),
    }
