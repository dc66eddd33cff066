"""Who the hub's mail comes from and how replies find their way back."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr

_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_LOCAL = re.compile(r"[a-z0-9][a-z0-9._-]{0,40}")
PURPOSE = b"orderb2b mail reply addresses"


@dataclass(frozen=True)
class MailSettings:
    """`sender` is the From of every message ("Name <address>"); replies go to
    `<reply_local>+<token>@<domain>`, which the IMAP mailbox or the SMTP door must
    receive; Message-IDs end in `@<domain>`. `our_domains` are the domains whose
    mail is ours (a message from them is a loop)."""

    sender: str = "Order B2B <orders@localhost>"
    domain: str = "localhost"
    reply_local: str = "reply"
    our_domains: tuple[str, ...] = ("localhost",)
    loop_marker: str = "orderb2b"

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MailSettings:
        sender = env.get("ORDERB2B_MAIL_FROM") or cls.sender
        address = parseaddr(sender)[1]
        if "@" not in address:
            raise ValueError(f"ORDERB2B_MAIL_FROM {sender!r} has no email address")
        domain = (env.get("ORDERB2B_MAIL_DOMAIN") or address.rsplit("@", 1)[1]).lower()
        if not _DOMAIN.fullmatch(domain):
            raise ValueError(f"ORDERB2B_MAIL_DOMAIN {domain!r} is not a domain")
        local = env.get("ORDERB2B_MAIL_REPLY_LOCAL") or cls.reply_local
        if not _LOCAL.fullmatch(local):
            raise ValueError(f"ORDERB2B_MAIL_REPLY_LOCAL {local!r} is not a plain local part")
        domains = {domain, address.rsplit("@", 1)[1].lower()}
        extra = env.get("ORDERB2B_MAIL_OUR_DOMAINS", "")
        domains.update(d.strip().lower() for d in extra.split(",") if d.strip())
        return cls(sender, domain, local, tuple(sorted(domains)), f"orderb2b@{domain}")


def reply_key(secret: bytes) -> bytes:
    """The reply tokens' own key, derived from the hub's secret."""
    return hmac.new(secret, PURPOSE, hashlib.sha256).digest()
