"""The hub's own SMTP door: mail for our domains (whose MX points at the hub) comes in
here, aiosmtpd on the event loop of Twisted's asyncio reactor.

A message is acknowledged ("250 OK: queued as ...") only after `receive` (blocking:
it stores the raw message and commits) has returned in a worker thread; when it
fails the sender is told to try again later (451). Recipients outside our domains
are refused (550), as are more than 100 recipients (452) and messages over the size
limit (552).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiosmtpd.smtp import SMTP
from twisted.application import service
from twisted.internet.defer import Deferred

log = logging.getLogger("orderb2b.mail")

MAX_RECIPIENTS = 100
STOP_TIMEOUT = 30.0  # seconds stopping waits for messages being stored
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")

Receive = Callable[[bytes, str, list[str], str], object]


@dataclass(frozen=True, kw_only=True)
class DoorSettings:
    host: str = "127.0.0.1"
    port: int
    domains: tuple[str, ...]
    max_bytes: int = 25 * 1024 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DoorSettings | None:
        """From ORDERB2B_SMTP_DOOR_*; None when ORDERB2B_SMTP_DOOR_PORT is unset."""
        port = env.get("ORDERB2B_SMTP_DOOR_PORT", "").strip()
        if not port:
            return None
        if not port.isdigit() or int(port) > 65535:
            raise ValueError(f"ORDERB2B_SMTP_DOOR_PORT must be a port number, not {port!r}.")
        values = {"port": int(port), "domains": _domains(env.get("ORDERB2B_SMTP_DOOR_DOMAINS"))}
        if host := env.get("ORDERB2B_SMTP_DOOR_HOST", "").strip():
            values["host"] = host
        if size := env.get("ORDERB2B_SMTP_DOOR_MAX_BYTES", "").strip():
            if not size.isdigit() or int(size) < 1:
                raise ValueError(
                    f"ORDERB2B_SMTP_DOOR_MAX_BYTES must be a positive number of bytes, "
                    f"not {size!r}."
                )
            values["max_bytes"] = int(size)
        return cls(**values)


def _domains(value: str | None) -> tuple[str, ...]:
    domains = tuple(d.strip().lower().rstrip(".") for d in (value or "").split(",") if d.strip())
    if not domains:
        raise ValueError(
            "ORDERB2B_SMTP_DOOR_DOMAINS must name the domains the door takes mail for "
            "(comma-separated) when ORDERB2B_SMTP_DOOR_PORT is set."
        )
    if bad := [d for d in domains if not _DOMAIN.fullmatch(d)]:
        raise ValueError(f"ORDERB2B_SMTP_DOOR_DOMAINS has a name that is no domain: {bad[0]!r}.")
    return domains


class _Handler:
    """aiosmtpd's hooks: which recipients we take, and storing before acknowledging."""

    def __init__(self, receive: Receive, domains: frozenset[str]) -> None:
        self.receive = receive
        self.domains = domains
        self.storing: set[asyncio.Future] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        domain = address.rpartition("@")[2].lower().rstrip(".")
        if "@" not in address or domain not in self.domains:
            return f"550 5.1.1 <{address}>: recipient not here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.storing.add(done)
        peer = _peer(session.peer)
        try:
            stored = await loop.run_in_executor(
                None,
                self.receive,
                envelope.original_content,
                envelope.mail_from,
                list(envelope.rcpt_tos),
                peer,
            )
        except Exception:
            log.exception(
                "inbound mail not stored",
                extra={"peer": peer, "mail_from": envelope.mail_from},
            )
            return "451 4.3.0 Could not store the message; try again later"
        finally:
            done.set_result(None)
            self.storing.discard(done)
        log.info(
            "inbound mail stored",
            extra={
                "peer": peer,
                "mail_from": envelope.mail_from,
                "recipients": len(envelope.rcpt_tos),
                "bytes": len(envelope.original_content),
                "stored_as": str(stored),
            },
        )
        return f"250 OK: queued as {stored}"


def _peer(peer) -> str:
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)


class SmtpDoor(service.Service):
    """Listens for SMTP on the asyncio loop Twisted's asyncio reactor runs on."""

    def __init__(
        self,
        receive: Receive,
        *,
        host: str,
        port: int,
        domains: tuple[str, ...],
        max_bytes: int,
        hostname: str | None = None,
        reactor=None,
    ) -> None:
        self.setName("smtp")
        self.host = host
        self.port = port
        self.max_bytes = max_bytes
        self.hostname = hostname or socket.getfqdn()
        self.reactor = reactor
        self._handler = _Handler(receive, frozenset(d.lower().rstrip(".") for d in domains))
        self._server: asyncio.AbstractServer | None = None
        self._starting: asyncio.Future | None = None

    @property
    def bound_port(self) -> int:
        if self._server is None:
            raise RuntimeError("the SMTP door is not listening")
        return self._server.sockets[0].getsockname()[1]

    async def start_on(self, loop: asyncio.AbstractEventLoop) -> None:
        """Starts listening on `loop` (which must be the running loop)."""
        self._server = await loop.create_server(lambda: self._protocol(loop), self.host, self.port)
        log.info(
            "SMTP door listening",
            extra={
                "host": self.host,
                "port": self.bound_port,
                "domains": sorted(self._handler.domains),
            },
        )

    def _protocol(self, loop: asyncio.AbstractEventLoop) -> SMTP:
        return SMTP(
            self._handler,
            data_size_limit=self.max_bytes,
            enable_SMTPUTF8=True,
            hostname=self.hostname,
            ident="Order B2B",
            loop=loop,
        )

    async def stop(self) -> None:
        """Stops listening, then waits (bounded) for messages being stored to be answered."""
        if self._starting is not None and not self._starting.done():
            with contextlib.suppress(Exception):
                await self._starting
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        await server.wait_closed()
        if self._handler.storing:
            await asyncio.wait(set(self._handler.storing), timeout=STOP_TIMEOUT)
        log.info("SMTP door closed", extra={"host": self.host})

    def startService(self) -> Deferred:
        loop = self._loop()
        super().startService()
        self._starting = asyncio.ensure_future(self.start_on(loop), loop=loop)
        return Deferred.fromFuture(self._starting).addErrback(self._not_started)

    def stopService(self) -> Deferred:
        loop = self._loop()
        super().stopService()
        return Deferred.fromFuture(asyncio.ensure_future(self.stop(), loop=loop))

    def _not_started(self, failure):
        log.error(
            "SMTP door could not listen",
            extra={"host": self.host, "port": self.port, "error": str(failure.value)},
        )
        return failure

    def _loop(self) -> asyncio.AbstractEventLoop:
        reactor = self.reactor
        if reactor is None:
            from twisted.internet import reactor
        loop = getattr(reactor, "_asyncioEventloop", None)
        if loop is None:
            raise RuntimeError(
                "The SMTP door needs Twisted's asyncio reactor "
                "(twisted.internet.asyncioreactor), and this reactor has no asyncio loop."
            )
        return loop
