"""The IMAP door against a real dovecot: what arrives is stored byte for byte, then
filed in the processed folder; nothing is deleted, refusals stay for the next round,
IDLE wakes the door, and a refused login or lost connection never ends its thread."""

from __future__ import annotations

import logging
import re
import secrets
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest

from mail.imap_door import BACKOFF, ImapDoor, ImapSettings, backoff_delay
from tests.imap_server import MailUser, dovecot_fixture, imap_user_fixture  # noqa: F401


def _message(n: int, text: str = "Please confirm the order.") -> bytes:
    return (
        f"From: Buyer {n} <buyer{n}@example.com>\r\n"
        f"To: sales@orderb2b.example\r\n"
        f"Subject: PO {n:05d}\r\n"
        f"Message-ID: <po-{n}@example.com>\r\n"
        "\r\n"
        f"{text}\r\n"
    ).encode()


class Receiver:
    """Storage as the door sees it: keeps (raw, purpose); refuses what `refuse` picks."""

    def __init__(self, refuse: Callable[[bytes], bool] = lambda raw: False) -> None:
        self.refuse = refuse
        self.calls: list[tuple[bytes, str]] = []
        self.stored: list[tuple[bytes, str]] = []

    def __call__(self, raw: bytes, purpose: str) -> None:
        self.calls.append((raw, purpose))
        if self.refuse(raw):
            raise RuntimeError("database unavailable")
        self.stored.append((raw, purpose))


def _settings(server, user: MailUser, **changes) -> ImapSettings:
    settings = ImapSettings(
        host=server.host,
        port=server.port,
        username=user.name,
        password=user.password,
        security="none",
        timeout=5.0,
    )
    return replace(settings, **changes)


def _eventually(condition: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _logged(caplog, message: str) -> int:
    return sum(1 for record in list(caplog.records) if record.getMessage() == message)


@contextmanager
def _running(door: ImapDoor) -> Iterator[tuple[threading.Event, threading.Thread]]:
    stopping = threading.Event()
    thread = threading.Thread(target=door.run, args=(stopping,), daemon=True)
    thread.start()
    try:
        yield stopping, thread
    finally:
        stopping.set()
        thread.join(5)


def _stop(stopping: threading.Event, thread: threading.Thread) -> float:
    started = time.monotonic()
    stopping.set()
    thread.join(3)
    assert not thread.is_alive(), "the door did not stop"
    return time.monotonic() - started


def test_stores_exact_bytes_then_files_them_away(dovecot, imap_user):
    raws = [_message(n) for n in range(4)] + [_message(4, "Grüße, 10 Stück SKU-0042")]
    for raw in raws:
        dovecot.append("INBOX", raw, user=imap_user.name)
    seen_while_storing = []

    def receive(raw: bytes, purpose: str) -> None:
        seen_while_storing.append(_flags(dovecot, imap_user.name, "INBOX"))
        receiver(raw, purpose)

    receiver = Receiver()
    door = ImapDoor(_settings(dovecot, imap_user, batch=2), receive)
    try:
        assert door.drain_once() == 5
        assert door.drain_once() == 0
    finally:
        door.close()

    assert receiver.stored == [(raw, "inbox") for raw in raws]  # oldest first, exact bytes
    assert dovecot.messages("INBOX", imap_user.name) == []
    assert dovecot.messages("Processed", imap_user.name) == raws
    assert not any(b"\\Seen" in flags for seen in seen_while_storing for flags in seen)


def _flags(server, user: str, folder: str) -> list[tuple[bytes, ...]]:
    client = server.client(user)
    try:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        return [item[b"FLAGS"] for item in client.fetch(uids, ["FLAGS"]).values()] if uids else []
    finally:
        client.logout()


def test_each_mailbox_is_stored_under_its_purpose(dovecot, imap_user):
    customer, supplier = _message(1), _message(2, "Backordered until Friday.")
    dovecot.append("INBOX", customer, user=imap_user.name)
    dovecot.append("Suppliers", supplier, user=imap_user.name)
    receiver = Receiver()
    mailboxes = {"sales": "INBOX", "purchasing": "Suppliers"}
    door = ImapDoor(_settings(dovecot, imap_user, mailboxes=mailboxes), receiver)
    try:
        assert door.drain_once() == 2
    finally:
        door.close()

    assert sorted(receiver.stored) == sorted([(customer, "sales"), (supplier, "purchasing")])
    assert dovecot.messages("INBOX", imap_user.name) == []
    assert dovecot.messages("Suppliers", imap_user.name) == []
    assert sorted(dovecot.messages("Processed", imap_user.name)) == sorted([customer, supplier])


def test_a_missing_folder_does_not_stop_the_others(dovecot, imap_user, caplog):
    raw = _message(1)
    dovecot.append("INBOX", raw, user=imap_user.name)
    receiver = Receiver()
    mailboxes = {"purchasing": "NoSuchFolder", "sales": "INBOX"}
    door = ImapDoor(_settings(dovecot, imap_user, mailboxes=mailboxes), receiver)
    try:
        assert door.drain_once() == 1
    finally:
        door.close()
    assert receiver.stored == [(raw, "sales")]
    assert _logged(caplog, "IMAP folder not readable") == 1


def test_a_refused_message_stays_until_a_later_round(dovecot, imap_user, caplog):
    raws = [_message(n) for n in range(3)]
    for raw in raws:
        dovecot.append("INBOX", raw, user=imap_user.name)
    refusing = True
    receiver = Receiver(refuse=lambda raw: refusing and raw == raws[1])
    door = ImapDoor(_settings(dovecot, imap_user), receiver)
    try:
        assert door.drain_once() == 2
        assert [raw for raw, _ in receiver.calls] == raws  # tried once, no loop
        assert dovecot.messages("INBOX", imap_user.name) == [raws[1]]
        assert dovecot.messages("Processed", imap_user.name) == [raws[0], raws[2]]
        assert _logged(caplog, "IMAP message not stored; left in place") == 1

        refusing = False
        assert door.drain_once() == 1
    finally:
        door.close()
    assert dovecot.messages("INBOX", imap_user.name) == []
    assert sorted(dovecot.messages("Processed", imap_user.name)) == sorted(raws)


def test_without_move_it_copies_and_marks_the_original(dovecot):
    user = MailUser(f"nomove{secrets.token_hex(4)}", "pw")
    dovecot.add_user(user.name, user.password, capability="IMAP4rev1")
    client = dovecot.client(user.name)
    assert not client.has_capability("MOVE")
    client.logout()
    raws = [_message(1), _message(2)]
    for raw in raws:
        dovecot.append("INBOX", raw, user=user.name)
    receiver = Receiver()
    door = ImapDoor(_settings(dovecot, user), receiver)
    try:
        assert door.drain_once() == 2
        assert door.drain_once() == 0
    finally:
        door.close()

    assert [raw for raw, _ in receiver.calls] == raws
    assert dovecot.messages("Processed", user.name) == raws
    assert dovecot.messages("INBOX", user.name) == raws  # kept, never deleted
    for flags in _flags(dovecot, user.name, "INBOX"):
        assert b"$OrderB2BStored" in flags
        assert b"\\Deleted" not in flags


def test_idle_wakes_the_door_and_stopping_ends_it(dovecot, imap_user, caplog):
    caplog.set_level(logging.DEBUG, logger="orderb2b.mail")
    receiver = Receiver()
    door = ImapDoor(_settings(dovecot, imap_user, poll_interval=60.0), receiver)
    with _running(door) as (stopping, thread):
        _eventually(lambda: _logged(caplog, "IMAP idling"), 5)
        raw = _message(7)
        dovecot.append("INBOX", raw, user=imap_user.name)
        _eventually(lambda: receiver.stored, 2)  # a 60 s poll cannot explain it
        logouts = _logouts(dovecot, imap_user.name)
        assert _stop(stopping, thread) < 3

    assert receiver.stored == [(raw, "inbox")]
    assert dovecot.messages("Processed", imap_user.name) == [raw]
    _eventually(lambda: _logouts(dovecot, imap_user.name) > logouts, 2)


def _logouts(server, user: str) -> int:
    return len(re.findall(rf"imap\({re.escape(user)}\).*Logged out", server.log()))


def test_polls_several_mailboxes_and_wake_cuts_the_wait_short(dovecot, imap_user, caplog):
    caplog.set_level(logging.DEBUG, logger="orderb2b.mail")
    receiver = Receiver()
    mailboxes = {"sales": "INBOX", "purchasing": "Suppliers"}
    settings = _settings(dovecot, imap_user, mailboxes=mailboxes, poll_interval=60.0)
    door = ImapDoor(settings, receiver)
    with _running(door) as (stopping, thread):
        _eventually(lambda: _logged(caplog, "IMAP connected"), 5)
        dovecot.append("Suppliers", _message(3), user=imap_user.name)
        door.wake()
        _eventually(lambda: receiver.stored, 2)
        assert _stop(stopping, thread) < 3
    assert receiver.stored == [(_message(3), "purchasing")]
    assert _logged(caplog, "IMAP idling") == 0


def test_a_refused_login_is_retried_until_stopping(dovecot, imap_user, caplog):
    receiver = Receiver()
    settings = _settings(dovecot, imap_user, password="not-the-password", poll_interval=60.0)
    door = ImapDoor(settings, receiver)
    with _running(door) as (stopping, thread):
        _eventually(lambda: _logged(caplog, "IMAP login refused") >= 2, 5)
        assert thread.is_alive()
        assert _stop(stopping, thread) < 3
    assert receiver.calls == []
    assert door.client is None


def test_a_lost_connection_is_made_again(dovecot, imap_user, caplog):
    caplog.set_level(logging.DEBUG, logger="orderb2b.mail")
    receiver = Receiver()
    door = ImapDoor(_settings(dovecot, imap_user, poll_interval=60.0), receiver)
    with _running(door) as (stopping, thread):
        _eventually(lambda: _logged(caplog, "IMAP idling"), 5)
        dovecot.kick(imap_user.name)
        _eventually(lambda: _logged(caplog, "IMAP connection failed"), 3)
        _eventually(lambda: _logged(caplog, "IMAP idling") == 2, 5)
        dovecot.append("INBOX", _message(9), user=imap_user.name)
        _eventually(lambda: receiver.stored, 2)
        assert _stop(stopping, thread) < 3


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_the_servers_authority(dovecot, imap_user, security):
    raw = _message(5)
    dovecot.append("INBOX", raw, user=imap_user.name)
    port = dovecot.tls_port if security == "ssl" else dovecot.port
    settings = _settings(dovecot, imap_user, security=security, port=port, ca_file=dovecot.ca_file)
    receiver = Receiver()
    door = ImapDoor(settings, receiver)
    try:
        assert door.drain_once() == 1
        assert door.client.socket().version().startswith("TLS")
    finally:
        door.close()
    assert receiver.stored == [(raw, "inbox")]


def test_tls_verification_refuses_an_unknown_authority_unless_disabled(dovecot, imap_user):
    settings = _settings(dovecot, imap_user, security="ssl", port=dovecot.tls_port)
    door = ImapDoor(settings, Receiver())
    with pytest.raises(ssl.SSLCertVerificationError):
        door.drain_once()

    door = ImapDoor(replace(settings, verify_tls=False), Receiver())
    try:
        assert door.drain_once() == 0
    finally:
        door.close()


def test_backoff_grows_to_the_poll_interval():
    delays = [backoff_delay(failures, cap=300.0) for failures in range(9)]
    assert delays[: len(BACKOFF)] == [1.0, 2.0, 5.0, 10.0, 30.0, 60.0]
    assert delays[len(BACKOFF) :] == [120.0, 240.0, 300.0]
    assert backoff_delay(3, cap=4.0) == 4.0
    assert backoff_delay(10_000, cap=60.0) == 60.0


def test_settings_from_the_environment(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {
        "ORDERB2B_IMAP_HOST": "imap.example.com",
        "ORDERB2B_IMAP_USERNAME": "orders@example.com",
        "ORDERB2B_IMAP_PASSWORD": " s3cret ",
        "ORDERB2B_IMAP_SECURITY": "starttls",
        "ORDERB2B_IMAP_MAILBOXES": "sales=INBOX, purchasing=Suppliers",
        "ORDERB2B_IMAP_PROCESSED_FOLDER": "Archive",
        "ORDERB2B_IMAP_POLL_INTERVAL": "15",
        "ORDERB2B_IMAP_IDLE": "0",
        "ORDERB2B_IMAP_VERIFY_TLS": "false",
        "ORDERB2B_IMAP_CA_FILE": str(ca),
    }
    settings = ImapSettings.from_env(env)
    assert settings == ImapSettings(
        host="imap.example.com",
        port=143,
        username="orders@example.com",
        password=" s3cret ",
        security="starttls",
        mailboxes={"sales": "INBOX", "purchasing": "Suppliers"},
        processed_folder="Archive",
        poll_interval=15.0,
        idle=False,
        verify_tls=False,
        ca_file=str(ca),
    )
    assert "s3cret" not in repr(settings)
    assert ImapSettings.from_env({}) is None
    minimal = {"ORDERB2B_IMAP_HOST": "h", "ORDERB2B_IMAP_USERNAME": "u"}
    defaults = ImapSettings.from_env({**minimal, "ORDERB2B_IMAP_PASSWORD": "p"})
    assert (defaults.port, defaults.security, defaults.mailboxes) == (
        993,
        "ssl",
        {"inbox": "INBOX"},
    )
    assert (defaults.idle, defaults.verify_tls, defaults.poll_interval) == (True, True, 60.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORDERB2B_IMAP_PORT", "imap"),
        ("ORDERB2B_IMAP_PORT", "70000"),
        ("ORDERB2B_IMAP_SECURITY", "tls"),
        ("ORDERB2B_IMAP_MAILBOXES", "sales"),
        ("ORDERB2B_IMAP_MAILBOXES", "sales=INBOX,sales=Other"),
        ("ORDERB2B_IMAP_POLL_INTERVAL", "-1"),
        ("ORDERB2B_IMAP_IDLE", "maybe"),
        ("ORDERB2B_IMAP_VERIFY_TLS", "2"),
        ("ORDERB2B_IMAP_CA_FILE", "no-such-ca.pem"),
        ("ORDERB2B_IMAP_PASSWORD", ""),
        ("ORDERB2B_IMAP_USERNAME", " "),
    ],
)
def test_bad_settings_name_their_variable(name, value):
    env = {
        "ORDERB2B_IMAP_HOST": "imap.example.com",
        "ORDERB2B_IMAP_USERNAME": "orders",
        "ORDERB2B_IMAP_PASSWORD": "secret",
        name: value,
    }
    with pytest.raises(ValueError, match=name):
        ImapSettings.from_env(env)
