"""A real SMTP server for tests: aiosmtpd in its own thread on 127.0.0.1 (a free port),
keeping every message it accepts.

    with CapturingSmtpServer(starttls_cert=self_signed_cert(tmp_path), auth={"hub": "pw"}) as smtp:
        ...send to smtp.host, smtp.port...
        [message] = smtp.wait_for(1)

Options: `starttls_cert` offers STARTTLS (and requires it, unless
`require_starttls=False`), or with `implicit_tls=True` speaks TLS from the first
byte; `auth` takes AUTH PLAIN/LOGIN for those users (only after STARTTLS when TLS is
offered) and refuses mail without it; `rcpt_answer(address)` and `answer(envelope)`
return an SMTP answer ("550 no such user", "451 try later") to give instead of
accepting a recipient or a message, or None to accept.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    tls: bool
    login: str | None


class _Capture:
    def __init__(self, server: CapturingSmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.rcpt_answer and (reply := self.server.rcpt_answer(address)):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.answer and (reply := self.server.answer(envelope)):
            return reply
        login = session.auth_data.login.decode() if session.authenticated else None
        number = self.server.keep(
            Received(
                envelope.mail_from,
                tuple(envelope.rcpt_tos),
                envelope.original_content,
                tls=server.transport.get_extra_info("ssl_object") is not None,
                login=login,
            )
        )
        return f"250 OK: queued as test-{number}"


class CapturingSmtpServer:
    def __init__(
        self,
        *,
        starttls_cert: tuple[Path, Path] | None = None,
        require_starttls: bool = True,
        implicit_tls: bool = False,
        auth: dict[str, str] | None = None,
        answer: Callable[[Envelope], str | None] | None = None,
        rcpt_answer: Callable[[str], str | None] | None = None,
    ) -> None:
        self.host = HOST
        self.port = 0
        self.answer = answer
        self.rcpt_answer = rcpt_answer
        self.auth = auth
        self._received: list[Received] = []
        self._lock = threading.Condition()
        self._controller: Controller | None = None
        self._options = self._smtp_options(starttls_cert, require_starttls, implicit_tls)

    def _smtp_options(self, cert, require_starttls: bool, implicit_tls: bool) -> dict:
        context = _server_context(cert) if cert else None
        options = {"server_hostname": "localhost"}
        if context and implicit_tls:
            options["ssl_context"] = context
        elif context:
            options.update(tls_context=context, require_starttls=require_starttls)
        if self.auth is not None:
            options.update(
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=context is not None,
            )
        return options

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        known = password != "" and self.auth.get(user) == password
        return AuthResult(success=known, handled=False, auth_data=auth_data)

    def keep(self, message: Received) -> int:
        with self._lock:
            self._received.append(message)
            self._lock.notify_all()
            return len(self._received)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def wait_for(self, n: int, timeout: float = 10) -> list[Received]:
        """The first n messages, once they are there; AssertionError after `timeout`."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._received) >= n, timeout):
                raise AssertionError(f"{len(self._received)} messages received, {n} expected")
            return self._received[:n]

    def __enter__(self) -> CapturingSmtpServer:
        for _ in range(5):
            self.port = free_port()
            controller = Controller(_Capture(self), hostname=HOST, port=self.port, **self._options)
            try:
                controller.start()
            except OSError:  # another process took the port meanwhile
                controller.stop(no_assert=True)
                continue
            self._controller = controller
            return self
        raise RuntimeError("no free port for the test SMTP server")

    def __exit__(self, *exc_info) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class SilentServer:
    """Takes TCP connections on 127.0.0.1 and never says a word (for timeouts)."""

    def __enter__(self) -> SilentServer:
        self.socket = socket.create_server((HOST, 0))
        self.port = self.socket.getsockname()[1]
        return self

    def __exit__(self, *exc_info) -> None:
        self.socket.close()


def _server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert[0]), str(cert[1]))
    return context


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate (its own authority) and key for localhost and 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile
