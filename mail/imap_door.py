"""The IMAP door: takes the mail waiting in the hub's mailboxes, hands each message to
storage, and only then files it in the processed folder. Nothing is ever deleted.

Blocking (imapclient): `ImapDoor.run` is the loop of a worker thread. A message that
storage refuses stays where it is and is tried again in the next round.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from mail import env_values

log = logging.getLogger("orderb2b.mail")

SECURITY = ("ssl", "starttls", "none")
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
# Set on a message that was copied to the processed folder by a server without MOVE.
STORED_FLAG = b"$OrderB2BStored"
IDLE_RENEWAL = 300.0  # RFC 2177 asks clients to re-issue IDLE within 29 minutes
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

Receive = Callable[[bytes, str], object]


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int = 993
    username: str = ""
    password: str = field(default="", repr=False)
    security: str = "ssl"
    mailboxes: dict[str, str] = field(default_factory=lambda: {"inbox": "INBOX"})
    processed_folder: str = "Processed"
    poll_interval: float = 60.0
    idle: bool = True
    timeout: float = 30.0
    verify_tls: bool = True
    ca_file: str | None = None
    batch: int = 50

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(f"IMAP security must be one of {', '.join(SECURITY)}.")
        if not 0 < self.port < 65536:
            raise ValueError("IMAP port must be between 1 and 65535.")
        if not self.mailboxes:
            raise ValueError("IMAP needs at least one mailbox (purpose=folder).")
        if not (self.poll_interval > 0 and self.timeout > 0):
            raise ValueError("IMAP poll interval and timeout must be positive seconds.")
        if self.batch < 1:
            raise ValueError("IMAP batch must be at least 1.")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ImapSettings | None:
        """The settings from ORDERB2B_IMAP_*; None when ORDERB2B_IMAP_HOST is unset."""
        host = env.get("ORDERB2B_IMAP_HOST", "").strip()
        if not host:
            return None
        security = env.get("ORDERB2B_IMAP_SECURITY", "ssl").strip().lower()
        if security not in SECURITY:
            raise ValueError(f"ORDERB2B_IMAP_SECURITY must be one of {', '.join(SECURITY)}.")
        return cls(
            host=host,
            port=env_values.port(env, "ORDERB2B_IMAP_PORT", DEFAULT_PORTS[security]),
            username=_required(env, "ORDERB2B_IMAP_USERNAME"),
            password=_required(env, "ORDERB2B_IMAP_PASSWORD", strip=False),
            security=security,
            mailboxes=_mailboxes(env, "ORDERB2B_IMAP_MAILBOXES"),
            processed_folder=env.get("ORDERB2B_IMAP_PROCESSED_FOLDER", "").strip() or "Processed",
            poll_interval=env_values.seconds(env, "ORDERB2B_IMAP_POLL_INTERVAL", 60.0),
            idle=env_values.flag(env, "ORDERB2B_IMAP_IDLE", True),
            verify_tls=env_values.flag(env, "ORDERB2B_IMAP_VERIFY_TLS", True),
            ca_file=env_values.existing_file(env, "ORDERB2B_IMAP_CA_FILE"),
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def _required(env: Mapping[str, str], name: str, strip: bool = True) -> str:
    value = env.get(name, "")
    if not value.strip():
        raise ValueError(f"{name} must be set when ORDERB2B_IMAP_HOST is.")
    return value.strip() if strip else value


def _mailboxes(env: Mapping[str, str], name: str) -> dict[str, str]:
    """ "sales=INBOX,purchasing=Suppliers" -> {"sales": "INBOX", "purchasing": "Suppliers"}."""
    value = env.get(name, "").strip()
    if not value:
        return {"inbox": "INBOX"}
    mailboxes: dict[str, str] = {}
    for item in value.split(","):
        purpose, equals, folder = (part.strip() for part in item.partition("="))
        if not (purpose and equals and folder) or purpose in mailboxes:
            raise ValueError(
                f"{name} must list distinct purpose=folder pairs separated by commas, "
                f"not {value!r}."
            )
        mailboxes[purpose] = folder
    return mailboxes


def backoff_delay(failures: int, cap: float) -> float:
    """Seconds to wait after `failures` failed connections in a row (0 for the first)."""
    if failures < len(BACKOFF):
        return min(BACKOFF[failures], cap)
    return min(BACKOFF[-1] * 2 ** min(failures - len(BACKOFF) + 1, 10), cap)


class ConnectionLost(Exception):
    """The server closed the connection while the door was idling."""


class ImapDoor:
    """Fetches, stores (through `receive(raw, purpose)`) and files away incoming mail."""

    def __init__(self, settings: ImapSettings, receive: Receive, *, name: str = "imap") -> None:
        self.settings = settings
        self.receive = receive
        self.name = name
        self.client: IMAPClient | None = None
        self._woken = threading.Event()
        self._stopping: threading.Event = threading.Event()
        self._uidnext: dict[str, int | None] = {}  # per folder, when last drained

    # -- the worker thread's loop ------------------------------------------------

    def run(self, stopping: threading.Event) -> None:
        """Takes in mail until `stopping` is set; never raises for the server's troubles."""
        self._stopping = stopping
        failures = 0
        try:
            while not stopping.is_set():
                try:
                    self.drain_once()
                    failures = 0
                    self._wait()
                except Exception as error:  # any failure: drop the connection and retry
                    self._report(error)
                    self._drop()
                    self._pause(backoff_delay(failures, self.settings.poll_interval))
                    failures += 1
        finally:
            self._stopping = threading.Event()
            self.close()

    def wake(self) -> None:
        """Ends a poll wait early (new mail announced, or the hub is stopping)."""
        self._woken.set()

    def drain_once(self) -> int:
        """Connects if needed, takes every mailbox's waiting messages once; how many stored."""
        client = self._connected()
        return sum(
            self._drain_folder(client, purpose, folder)
            for purpose, folder in self.settings.mailboxes.items()
        )

    def close(self) -> None:
        """Logs out (quietly: the connection may already be gone)."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:
            _shutdown(client)

    # -- connecting --------------------------------------------------------------

    def _connected(self) -> IMAPClient:
        if self.client is None:
            self.client = self._connect()
        return self.client

    def _connect(self) -> IMAPClient:
        settings = self.settings
        context = tls_context(settings) if settings.security != "none" else None
        client = IMAPClient(
            settings.host,
            port=settings.port,
            ssl=settings.security == "ssl",
            ssl_context=context,
            timeout=settings.timeout,
        )
        try:
            if settings.security == "starttls":
                client.starttls(context)
            client.login(settings.username, settings.password)
            _ensure_folder(client, settings.processed_folder)
        except BaseException:
            _shutdown(client)
            raise
        log.info("IMAP connected", extra=self._where())
        return client

    def _drop(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            _shutdown(client)

    def _report(self, error: Exception) -> None:
        detail = {**self._where(), "error": _one_line(error)}
        if isinstance(error, LoginError):
            log.error("IMAP login refused", extra=detail)
        else:
            log.warning("IMAP connection failed", extra=detail)

    def _where(self) -> dict[str, object]:
        return {"door": self.name, "server": self.settings.address}

    # -- taking messages -----------------------------------------------------------

    def _drain_folder(self, client: IMAPClient, purpose: str, folder: str) -> int:
        try:
            self._uidnext[folder] = client.select_folder(folder).get(b"UIDNEXT")
        except IMAPClientAbortError:
            raise
        except IMAPClientError as error:  # the folder is missing: the others go on
            log.error(
                "IMAP folder not readable",
                extra={**self._where(), "folder": folder, "error": _one_line(error)},
            )
            return 0
        tried: set[int] = set()
        stored = 0
        while not self._stopping.is_set():
            waiting = sorted(set(client.search(["NOT", "KEYWORD", STORED_FLAG])) - tried)
            uids = waiting[: self.settings.batch]
            if not uids:
                return stored
            tried.update(uids)
            stored += self._take(client, purpose, folder, uids)
        return stored

    def _take(self, client: IMAPClient, purpose: str, folder: str, uids: list[int]) -> int:
        bodies = client.fetch(uids, [b"BODY.PEEK[]"])
        stored = 0
        for uid in uids:
            raw = bodies.get(uid, {}).get(b"BODY[]")
            if raw is None or self._stopping.is_set():
                continue  # expunged meanwhile by another client, or the hub stops
            if self._store(raw, purpose, folder, uid):
                self._file_away(client, uid)
                stored += 1
        return stored

    def _store(self, raw: bytes, purpose: str, folder: str, uid: int) -> bool:
        detail = {**self._where(), "purpose": purpose, "folder": folder, "uid": uid}
        try:
            self.receive(raw, purpose)
        except Exception as error:
            log.error(
                "IMAP message not stored; left in place",
                extra={**detail, "error": _one_line(error)},
            )
            return False
        log.info("IMAP message stored", extra={**detail, "size": len(raw)})
        return True

    def _file_away(self, client: IMAPClient, uid: int) -> None:
        processed = self.settings.processed_folder
        try:
            if client.has_capability("MOVE"):
                client.move([uid], processed)
            else:
                client.copy([uid], processed)
                client.add_flags([uid], [STORED_FLAG], silent=True)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as error:  # stored already; filing is tried next round
            log.warning(
                "IMAP message stored but not filed away",
                extra={**self._where(), "uid": uid, "error": _one_line(error)},
            )

    # -- waiting -------------------------------------------------------------------

    def _wait(self) -> None:
        client = self.client
        folders = list(self.settings.mailboxes.values())
        if (
            client is not None
            and self.settings.idle
            and len(folders) == 1
            and client.has_capability("IDLE")
        ):
            self._idle(client, folders[0])
        else:
            self._pause(self.settings.poll_interval)

    def _idle(self, client: IMAPClient, folder: str) -> None:
        """Waits on the server's word of new mail, checking `stopping` every second."""
        if client.select_folder(folder).get(b"UIDNEXT") != self._uidnext.get(folder):
            return  # mail came in while the folder was drained: drain it again
        client.idle()
        log.debug("IMAP idling", extra={**self._where(), "folder": folder})
        renew_at = time.monotonic() + IDLE_RENEWAL
        empty_answers = 0
        try:
            while not self._stopping.is_set() and not self._woken.is_set():
                started = time.monotonic()
                responses = client.idle_check(timeout=1)
                if _announces_mail(responses) or started > renew_at:
                    break
                # imapclient answers a closed socket at once with nothing
                fast = not responses and time.monotonic() - started < 0.5
                empty_answers = empty_answers + 1 if fast else 0
                if empty_answers >= 20:
                    raise ConnectionLost("the IMAP server closed the connection")
        finally:
            self._woken.clear()
        client.idle_done()

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._woken.wait(min(left, 0.5)):
                break
        self._woken.clear()


def tls_context(settings: ImapSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.ca_file)
    if not settings.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClientError:
        if not client.folder_exists(folder):  # another process may have just made it
            raise


def _announces_mail(responses: list) -> bool:
    for response in responses:
        if response[0] == b"BYE":
            raise ConnectionLost("the IMAP server said BYE")
        if len(response) > 1 and response[1] in (b"EXISTS", b"RECENT"):
            return True
    return False


def _shutdown(client: IMAPClient) -> None:
    with contextlib.suppress(Exception):
        client.shutdown()


def _one_line(error: BaseException) -> str:
    return " ".join((str(error) or type(error).__name__).split())
