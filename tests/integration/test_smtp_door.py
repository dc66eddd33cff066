"""The hub's SMTP door (hub.mailing.smtp_door) on a real asyncio loop in a background
thread, driven with smtplib from the test; and once as a Twisted service under the
asyncio reactor in a process of its own."""

from __future__ import annotations

import asyncio
import smtplib
import subprocess
import sys
import threading
import time
import uuid

import pytest

from hub.mailing.smtp_door import MAX_RECIPIENTS, DoorSettings, SmtpDoor
from tests.conftest import REPO

RAW = (
    b"From: Buyer <buyer@customer.example>\r\n"
    b"To: orders@hub.example\r\n"
    b"Subject: Re: Order 10042\r\n"
    b"\r\n"
    b"Please ship to the second address.\r\n"
    b".leading dot\r\n"
)
BUYER = "buyer@customer.example"


class Store:
    """The blocking `receive`: keeps what it was given and says what it stored it as."""

    def __init__(self, fail: bool = False, hold: threading.Event | None = None) -> None:
        self.calls: list[tuple[bytes, str, list[str], str]] = []
        self.threads: list[int] = []
        self.fail = fail
        self.hold = hold

    def __call__(self, raw: bytes, mail_from: str, rcpt_tos: list[str], peer: str) -> str:
        self.threads.append(threading.get_ident())
        if self.hold is not None:
            assert self.hold.wait(5)
        self.calls.append((raw, mail_from, rcpt_tos, peer))
        if self.fail:
            raise RuntimeError("database is down")
        return f"doc-{len(self.calls)}"


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    loop.thread_id = thread.ident
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


@pytest.fixture
def open_door(loop):
    doors = []

    def start(receive, max_bytes=64 * 1024) -> SmtpDoor:
        door = SmtpDoor(
            receive,
            host="127.0.0.1",
            port=0,
            domains=("hub.example", "Orders.Example"),
            max_bytes=max_bytes,
            hostname="mx.hub.example",
        )
        asyncio.run_coroutine_threadsafe(door.start_on(loop), loop).result(5)
        doors.append(door)
        return door

    yield start
    for door in doors:
        asyncio.run_coroutine_threadsafe(door.stop(), loop).result(5)


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def client(door: SmtpDoor) -> smtplib.SMTP:
    smtp = smtplib.SMTP("127.0.0.1", door.bound_port, local_hostname="sender.example", timeout=5)
    smtp.ehlo()
    return smtp


def send(door: SmtpDoor, rcpt_tos: list[str], raw: bytes = RAW) -> tuple[int, bytes]:
    """MAIL, RCPT and DATA without a SIZE parameter, so DATA itself meets the limit."""
    with client(door) as smtp:
        assert smtp.mail(BUYER)[0] == 250
        for rcpt in rcpt_tos:
            assert smtp.rcpt(rcpt)[0] == 250
        try:
            return smtp.data(raw)
        except smtplib.SMTPDataError as error:
            return error.smtp_code, error.smtp_error


def test_a_message_is_stored_then_acknowledged_with_what_it_was_stored_as(open_door, loop):
    store = Store()
    door = open_door(store)
    code, text = send(door, ["orders@hub.example", "Sales@ORDERS.example"])
    assert (code, text) == (250, b"OK: queued as doc-1")
    assert store.calls == [
        (RAW, BUYER, ["orders@hub.example", "Sales@ORDERS.example"], "127.0.0.1")
    ]
    assert store.threads[0] != loop.thread_id


def test_the_acknowledgement_waits_for_storing_while_the_door_keeps_serving(open_door):
    hold = threading.Event()
    store = Store(hold=hold)
    door = open_door(store)
    answers = []
    sender = threading.Thread(target=lambda: answers.append(send(door, ["a@hub.example"])))
    sender.start()
    assert wait_until(lambda: store.threads)
    with client(door) as other:  # storing does not block the loop
        assert other.noop()[0] == 250
    sender.join(0.1)
    assert answers == [] and store.calls == []
    hold.set()
    sender.join(5)
    assert answers == [(250, b"OK: queued as doc-1")]


def test_recipients_outside_our_domains_are_refused(open_door):
    store = Store()
    door = open_door(store)
    with client(door) as smtp:
        smtp.mail(BUYER)
        for address in ("x@elsewhere.example", "x@sub.hub.example", "no-domain"):
            code, text = smtp.rcpt(address)
            assert code == 550 and text.startswith(b"5.1.1")
            assert b"recipient not here" in text
        assert smtp.rcpt("x@HUB.example")[0] == 250
    assert store.calls == []


def test_too_many_recipients(open_door):
    door = open_door(Store())
    with client(door) as smtp:
        smtp.mail(BUYER)
        codes = [smtp.rcpt(f"r{n}@hub.example")[0] for n in range(MAX_RECIPIENTS)]
        assert set(codes) == {250}
        code, text = smtp.rcpt("one-more@hub.example")
    assert (code, text) == (452, b"4.5.3 Too many recipients")


def test_over_size_messages_are_refused_and_the_door_keeps_serving(open_door):
    store = Store()
    door = open_door(store, max_bytes=1000)
    big = RAW + (b"x" * 70 + b"\r\n") * 30
    assert send(door, ["orders@hub.example"], big)[0] == 552
    with client(door) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        smtp.sendmail(BUYER, ["orders@hub.example"], big)  # SIZE= announced: refused at MAIL
    assert refused.value.smtp_code == 552
    assert send(door, ["orders@hub.example"]) == (250, b"OK: queued as doc-1")
    assert [call[0] for call in store.calls] == [RAW]


def test_when_storing_fails_the_sender_is_told_to_retry(open_door, caplog):
    store = Store(fail=True)
    door = open_door(store)
    code, text = send(door, ["orders@hub.example"])
    assert (code, text) == (451, b"4.3.0 Could not store the message; try again later")
    assert len(store.calls) == 1
    assert any(r.getMessage() == "inbound mail not stored" for r in caplog.records)


def test_start_service_needs_the_asyncio_reactor():
    from twisted.internet.selectreactor import SelectReactor

    door = SmtpDoor(
        Store(),
        host="127.0.0.1",
        port=0,
        domains=("hub.example",),
        max_bytes=1,
        reactor=SelectReactor(),
    )
    with pytest.raises(RuntimeError, match="asyncio reactor"):
        door.startService()
    assert not door.running


def test_settings_from_the_environment():
    assert DoorSettings.from_env({}) is None
    env = {
        "ORDERB2B_SMTP_DOOR_PORT": "2525",
        "ORDERB2B_SMTP_DOOR_DOMAINS": "Hub.example, orders.example.",
    }
    assert DoorSettings.from_env(env) == DoorSettings(
        port=2525, domains=("hub.example", "orders.example")
    )
    env |= {"ORDERB2B_SMTP_DOOR_HOST": "0.0.0.0", "ORDERB2B_SMTP_DOOR_MAX_BYTES": "1000"}
    settings = DoorSettings.from_env(env)
    assert (settings.host, settings.max_bytes) == ("0.0.0.0", 1000)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"ORDERB2B_SMTP_DOOR_PORT": "smtp"}, "ORDERB2B_SMTP_DOOR_PORT"),
        ({"ORDERB2B_SMTP_DOOR_DOMAINS": ""}, "ORDERB2B_SMTP_DOOR_DOMAINS"),
        ({"ORDERB2B_SMTP_DOOR_DOMAINS": "hub.example,a b"}, "ORDERB2B_SMTP_DOOR_DOMAINS"),
        ({"ORDERB2B_SMTP_DOOR_MAX_BYTES": "-5"}, "ORDERB2B_SMTP_DOOR_MAX_BYTES"),
    ],
)
def test_a_bad_setting_names_its_variable(changes, named):
    env = {"ORDERB2B_SMTP_DOOR_PORT": "25", "ORDERB2B_SMTP_DOOR_DOMAINS": "hub.example"}
    with pytest.raises(ValueError, match=named):
        DoorSettings.from_env(env | changes)


# Runs the door as a Twisted service under the asyncio reactor. Storing a message
# stops the reactor and finishes only once the door is stopping: the acknowledgement
# must still reach the sender. What it stored and its exit are checked by the test.
HUB_SCRIPT = """
import asyncio, time
from twisted.internet import asyncioreactor
asyncioreactor.install(asyncio.new_event_loop())
from twisted.internet import reactor
from hub.mailing.smtp_door import SmtpDoor

stored = []

def receive(raw, mail_from, rcpt_tos, peer):
    reactor.callFromThread(reactor.stop)
    deadline = time.monotonic() + 5
    while door.running and time.monotonic() < deadline:
        time.sleep(0.005)
    stored.append((raw, mail_from, rcpt_tos))
    return "stored-1"

door = SmtpDoor(receive, host="127.0.0.1", port=0, domains=("hub.example",),
                max_bytes=10000, hostname="mx.hub.example")
door.startService().addCallback(lambda _: print(door.bound_port, flush=True))
reactor.addSystemEventTrigger("before", "shutdown", door.stopService)
reactor.callLater(8, reactor.stop)
reactor.run()
print(repr(stored), flush=True)
"""


def test_the_door_as_a_twisted_service_under_the_asyncio_reactor():
    hub = subprocess.Popen(
        [sys.executable, "-c", HUB_SCRIPT],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = hub.stdout.readline()
        if not line.strip().isdigit():
            hub.kill()
            pytest.fail(f"the door did not start: {line}{hub.communicate(timeout=5)[1]}")
        port = int(line)
        subject = uuid.uuid4().hex.encode()
        raw = RAW.replace(b"Order 10042", subject)
        smtp = smtplib.SMTP("127.0.0.1", port, timeout=5)
        try:
            smtp.ehlo()
            smtp.mail(BUYER)
            smtp.rcpt("orders@hub.example")
            assert smtp.data(raw) == (250, b"OK: queued as stored-1")
        finally:
            smtp.close()
        out, err = hub.communicate(timeout=5)
    finally:
        if hub.poll() is None:
            hub.kill()
            hub.wait()
    assert hub.returncode == 0, err
    assert out.strip() == repr([(raw, BUYER, ["orders@hub.example"])])
