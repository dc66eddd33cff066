"""Sending one message through the configured SMTP server. Blocking: call it from a
worker thread, never on the reactor.

`send_message` never raises for the server's or the network's troubles. Its answer
says whether the server took the message (`accepted`) and, when it did not, whether
trying again can help (`final` is False for 4xx answers, lost connections, timeouts,
TLS failures and configuration problems such as a refused login, which an
administrator fixes and the queue then retries). Code 0 means there was no SMTP
answer to report (the network, TLS, or a capability the server lacks).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field

from mail import env_values

log = logging.getLogger("orderb2b.mail")

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# 5xx answers that mean "authenticate or secure the session first": the settings are
# wrong, not the message, so the message waits for an administrator.
CONFIGURATION_CODES = frozenset({530, 534, 535, 538})


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: str = "starttls"
    timeout: float = 30.0
    helo: str | None = None
    verify_tls: bool = True
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY)}.")
        if not 0 < self.port < 65536:
            raise ValueError("SMTP port must be between 1 and 65535.")
        if not self.timeout > 0:
            raise ValueError("SMTP timeout must be a positive number of seconds.")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """The settings from ORDERB2B_SMTP_*; None when ORDERB2B_SMTP_HOST is unset."""
        host = env.get("ORDERB2B_SMTP_HOST", "").strip()
        if not host:
            return None
        security = env.get("ORDERB2B_SMTP_SECURITY", "starttls").strip().lower()
        if security not in SECURITY:
            raise ValueError(f"ORDERB2B_SMTP_SECURITY must be one of {', '.join(SECURITY)}.")
        username = env.get("ORDERB2B_SMTP_USERNAME") or None
        password = env.get("ORDERB2B_SMTP_PASSWORD") or None
        if bool(username) != bool(password):
            raise ValueError(
                "ORDERB2B_SMTP_USERNAME and ORDERB2B_SMTP_PASSWORD must be set together."
            )
        return cls(
            host=host,
            port=env_values.port(env, "ORDERB2B_SMTP_PORT", DEFAULT_PORTS[security]),
            username=username,
            password=password,
            security=security,
            timeout=env_values.seconds(env, "ORDERB2B_SMTP_TIMEOUT", 30.0),
            helo=env.get("ORDERB2B_SMTP_HELO", "").strip() or None,
            verify_tls=env_values.flag(env, "ORDERB2B_SMTP_VERIFY_TLS", True),
            ca_file=env_values.existing_file(env, "ORDERB2B_SMTP_CA_FILE"),
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class SmtpAnswer:
    code: int
    text: str
    accepted: bool
    final: bool
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)


def send_message(
    settings: SmtpSettings, envelope_from: str, recipients: list[str], raw: bytes
) -> SmtpAnswer:
    """Hands `raw` (RFC 5322 bytes, CRLF lines) to the server for `recipients`."""
    if not recipients:
        raise ValueError("a message needs at least one recipient")
    try:
        client = _connect(settings)
    except smtplib.SMTPResponseException as error:  # a greeting other than 220
        answer = _not_final(error.smtp_code, f"{settings.address} refused us: {_text(error)}")
    except OSError as error:
        answer = _not_final(0, f"could not connect to {settings.address}: {_reason(error)}")
    else:
        answer = _session(client, settings, envelope_from, recipients, raw)
    _log(settings, answer, len(recipients))
    return answer


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            local_hostname=settings.helo,
            timeout=settings.timeout,
            context=_tls_context(settings),
        )
    return smtplib.SMTP(
        settings.host, settings.port, local_hostname=settings.helo, timeout=settings.timeout
    )


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.ca_file)
    if not settings.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _session(client, settings, envelope_from, recipients, raw) -> SmtpAnswer:
    try:
        return _converse(client, settings, envelope_from, recipients, raw)
    except smtplib.SMTPResponseException as error:
        return _not_final(error.smtp_code, f"{settings.address} answered: {_text(error)}")
    except (smtplib.SMTPException, OSError) as error:
        return _not_final(0, f"{settings.address}: {_reason(error)}")
    finally:
        _close(client)


def _converse(client, settings, envelope_from, recipients, raw) -> SmtpAnswer:
    client.ehlo_or_helo_if_needed()
    if settings.security == "starttls":
        if not client.has_extn("starttls"):
            return _not_final(
                0,
                f"{settings.address} does not offer STARTTLS, which the settings require; "
                "fix the server or the SMTP settings and the message is sent again",
            )
        client.starttls(context=_tls_context(settings))
        client.ehlo()
    if settings.username:
        try:
            client.login(settings.username, settings.password or "")
        except smtplib.SMTPAuthenticationError as error:
            return _not_final(
                error.smtp_code,
                f"authentication as {settings.username} failed at {settings.address}: "
                f"{_text(error)}",
            )
    return _transaction(client, envelope_from, recipients, raw)


def _transaction(client, envelope_from, recipients, raw) -> SmtpAnswer:
    options = _mail_options(client, envelope_from, recipients, raw)
    if options is None:
        return SmtpAnswer(
            0, "the server does not take non-ASCII addresses (no SMTPUTF8)", False, True
        )
    code, text = client.mail(envelope_from, options)
    if code != 250:
        return _refusal(code, f"sender {envelope_from} refused: {_decode(text)}")
    refused = {}
    for recipient in recipients:
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, _decode(text))
    if len(refused) == len(recipients):
        client.rset()
        return _all_refused(refused)
    try:
        code, text = client.data(raw)
    except smtplib.SMTPDataError as error:
        code, text = error.smtp_code, error.smtp_error
    if code != 250:
        return _refusal(code, f"message refused: {_decode(text)}")
    return SmtpAnswer(code, _decode(text), accepted=True, final=True, refused=refused)


def _mail_options(client, envelope_from, recipients, raw) -> list[str] | None:
    options = []
    if client.has_extn("size"):
        options.append(f"SIZE={len(raw)}")
    if not raw.isascii() and client.has_extn("8bitmime"):
        options.append("BODY=8BITMIME")
    if not all(address.isascii() for address in (envelope_from, *recipients)):
        if not client.has_extn("smtputf8"):
            return None
        options.append("SMTPUTF8")
    return options


def _refusal(code: int, text: str) -> SmtpAnswer:
    final = 500 <= code < 600 and code not in CONFIGURATION_CODES
    return SmtpAnswer(code, text, accepted=False, final=final)


def _all_refused(refused: dict[str, tuple[int, str]]) -> SmtpAnswer:
    """Final only when every refusal is: one temporary refusal makes it worth a retry."""
    answers = [_refusal(code, text) for code, text in refused.values()]
    worst = next((a for a in answers if not a.final), answers[0])
    listed = "; ".join(f"{address}: {code} {text}" for address, (code, text) in refused.items())
    return SmtpAnswer(worst.code, f"all recipients refused: {listed}", False, worst.final, refused)


def _not_final(code: int, text: str) -> SmtpAnswer:
    return SmtpAnswer(code, text, accepted=False, final=False)


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _reason(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {error.verify_message or error}"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return f"unknown host ({error.strerror})"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"connection lost ({error or 'closed by the server'})"
    return str(error) or type(error).__name__


def _text(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_decode(error.smtp_error)}"


def _decode(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def _log(settings: SmtpSettings, answer: SmtpAnswer, recipients: int) -> None:
    extra = {
        "smtp_server": settings.address,
        "smtp_code": answer.code,
        "recipients": recipients,
        "refused": sorted(answer.refused),
    }
    if answer.accepted:
        log.info("mail handed to the SMTP server", extra={**extra, "answer": answer.text})
    else:
        log.warning(
            "mail not accepted by the SMTP server",
            extra={**extra, "final": answer.final, "reason": answer.text},
        )
