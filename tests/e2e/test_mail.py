"""Email through a running hub, on the embedded default and on PostgreSQL + RabbitMQ:
a quote sent through the API reaches the mail server with its PDF; the customer's
replies come back through the IMAP mailbox and through the hub's own SMTP door and
become comments; a bounce marks the sent message; a supplier's email with a tracking
number ships the purchase order it answers."""

from __future__ import annotations

import email
import json
import re
import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest

from tests.conftest import FIXTURES
from tests.e2e.hub_process import HubProcess, free_port
from tests.e2e.test_api import cli, staff_token
from tests.imap_server import dovecot_fixture, imap_user_fixture  # noqa: F401
from tests.smtp_servers import CapturingSmtpServer

DOMAIN = "hub.example"
SALES = f"sales@{DOMAIN}"
PICKER = f"pat.picker@{DOMAIN}"
BUYER = "dana.whitfield@gsa.example.gov"
SUPPLIER = "orders@acme-supply.example"
TRACKING = "1Z999AA10123456784"
TIMEOUT = 15.0


class MailHub:
    """The running hub with its mail server, mailbox and SMTP door, seen from outside."""

    def __init__(self, hub: HubProcess, token: str, smtp, dovecot, user, door_port: int):
        self.hub, self.token, self.smtp = hub, token, smtp
        self.dovecot, self.user, self.door_port = dovecot, user, door_port

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body).encode()
        status, answer = self.hub.request(method, path, data, headers)
        return status, json.loads(answer)

    def ok(self, method: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        got, answer = self.api(method, path, body)
        assert got == status, (method, path, got, answer)
        return answer

    def wait(self, condition: Callable[[], object], what: str, timeout: float = TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if found := condition():
                return found
            time.sleep(0.1)
        raise AssertionError(f"{what}: not within {timeout} s\n--- hub log ---\n{self.log_tail()}")

    def log_tail(self, size: int = 4000) -> str:
        return self.hub.log_path.read_bytes()[-size:].decode(errors="replace")

    def mailed_to(self, address: str) -> EmailMessage:
        """The first message the mail server got for `address`."""
        got = self.wait(
            lambda: [m for m in self.smtp.received if address in m.rcpt_tos],
            f"a message to {address} at the mail server",
        )
        return email.message_from_bytes(got[0].raw, policy=default_policy)

    def mail_of(self, kind: str, number: str) -> dict:
        return self.ok("GET", f"/api/v1/{kind}/{number}/emails")

    def into_inbox(self, raw: bytes) -> None:
        self.dovecot.append("INBOX", raw, user=self.user.name)

    def folder(self, name: str) -> list[bytes]:
        return self.dovecot.messages(name, user=self.user.name)

    def through_door(self, mail_from: str, rcpt_to: str, raw: bytes) -> tuple[int, str]:
        """Hands `raw` (its lines ended with CRLF, as SMTP wants) to the hub's SMTP door;
        the door's answer to DATA."""
        raw = re.sub(rb"\r?\n", b"\r\n", raw)
        with smtplib.SMTP("127.0.0.1", self.door_port, timeout=TIMEOUT) as client:
            client.ehlo("mx.gsa.example.gov")
            assert client.mail(mail_from)[0] == 250
            assert client.rcpt(rcpt_to)[0] == 250
            code, text = client.data(raw)
        return code, text.decode()


@pytest.fixture
def smtp():
    with CapturingSmtpServer() as server:
        yield server


@pytest.fixture
def mail_hub(hub_env, smtp, dovecot, imap_user, tmp_path):
    door_port = free_port()
    env = {
        **hub_env,
        "ORDERB2B_MAIL_FROM": f"Sales <{SALES}>",
        "ORDERB2B_SMTP_HOST": smtp.host,
        "ORDERB2B_SMTP_PORT": str(smtp.port),
        "ORDERB2B_SMTP_SECURITY": "none",
        "ORDERB2B_IMAP_HOST": dovecot.host,
        "ORDERB2B_IMAP_PORT": str(dovecot.port),
        "ORDERB2B_IMAP_SECURITY": "none",
        "ORDERB2B_IMAP_USERNAME": imap_user.name,
        "ORDERB2B_IMAP_PASSWORD": imap_user.password,
        "ORDERB2B_IMAP_MAILBOXES": "sales=INBOX",
        "ORDERB2B_IMAP_POLL_INTERVAL": "1",
        "ORDERB2B_IMAP_IDLE": "1",
        "ORDERB2B_SMTP_DOOR_PORT": str(door_port),
        "ORDERB2B_SMTP_DOOR_DOMAINS": DOMAIN,
    }
    token = staff_token(hub_env, "mailclerk", "administrator")
    password = {**hub_env, "STAFF_PASSWORD": "correct horse battery staple"}
    profile = ("--profile", "warehouse", "--password-env", "STAFF_PASSWORD")
    added = cli(
        password, "staff", "add", "picker", "--name", "Pat Picker", "--email", PICKER, *profile
    )
    assert added.returncode == 0, added.stderr
    with HubProcess(env, log_path=tmp_path / "hub.log") as hub:
        yield MailHub(hub, token, smtp, dovecot, imap_user, door_port)


def customer_reply(parent: EmailMessage, text: str, message_id: str, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = f"Dana Whitfield <{BUYER}>"
    message["To"] = headers.pop("to", parent["Reply-To"])
    message["Subject"] = f"RE: {parent['Subject']}"
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"{text}\n\nOn Monday, Sales wrote:\n> {parent['Subject']}\n")
    return message.as_bytes()


def send_quote(world: MailHub) -> str:
    body = {"customer": "gsa-advantage", "lines": [{"sku": "00412-BK", "quantity": "2"}]}
    number = world.ok("POST", "/api/v1/quotes", body, status=201)["number"]
    sent = world.ok("POST", f"/api/v1/quotes/{number}/versions/1/send", {"recipient": BUYER})
    assert sent["sent_to"] == BUYER
    return number


def check_quote_email(world: MailHub, number: str) -> EmailMessage:
    parent = world.mailed_to(BUYER)
    assert parent["From"] == f"Sales <{SALES}>" and number in parent["Subject"]
    assert parent["Reply-To"].startswith("reply+") and parent["Reply-To"].endswith(f"@{DOMAIN}")
    [pdf] = [p for p in parent.walk() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"{number}-v1.pdf"
    assert pdf.get_content().startswith(b"%PDF")
    sent = quote_mail_when(world, number, 0, "sent", "the quote email recorded as sent")
    assert sent["sent"][0]["recipients"] == [BUYER]
    return parent


def quote_mail_when(world: MailHub, number: str, count: int, state: str, what: str) -> dict:
    """The quote's mail (sent, received, comments) once it has `count` comments and its
    first sent message is in `state`."""

    def mail():
        found = world.mail_of("quotes", number)
        done = len(found["comments"]) >= count and found["sent"][0]["state"] == state
        return found if done else None

    return world.wait(mail, what)


def comments(world: MailHub, number: str, count: int) -> list[dict]:
    mail = quote_mail_when(world, number, count, "sent", f"comment {count} on {number}")
    return mail["comments"]


def reply_through_imap(world: MailHub, number: str, parent: EmailMessage) -> None:
    raw = customer_reply(
        parent, "Looks good, please proceed.", "<imap-1@gsa.example.gov>",
        In_Reply_To=parent["Message-ID"],
    )  # fmt: skip
    world.into_inbox(raw)
    [comment] = comments(world, number, 1)
    assert comment["body"] == "Looks good, please proceed."
    assert (comment["author"], comment["author_kind"]) == (BUYER, "customer")
    world.wait(lambda: not world.folder("INBOX"), "the reply leaving INBOX")
    [kept] = world.folder("Processed")
    assert b"<imap-1@gsa.example.gov>" in kept and b"Looks good, please proceed." in kept


def reply_through_door(world: MailHub, number: str, parent: EmailMessage) -> None:
    """A mail system rewrote the thread: no In-Reply-To, To is the sales address, and
    only the envelope (our reply address as RCPT TO) and the subject point at the quote;
    the envelope is believed first."""
    raw = customer_reply(parent, "Please ship by Friday.", "<smtp-1@gsa.example.gov>", to=SALES)
    code, text = world.through_door(BUYER, parent["Reply-To"], raw)
    assert code == 250 and "queued as" in text, text
    mail_id = text.rsplit(" ", 1)[-1]
    stored = world.ok("GET", f"/api/v1/mail/inbound/{mail_id}")  # kept before the 250
    assert (stored["door"], stored["envelope_from"]) == ("smtp", BUYER)
    assert stored["envelope_to"] == [parent["Reply-To"]]
    _first, second = comments(world, number, 2)
    assert second["body"] == "Please ship by Friday."
    received = world.mail_of("quotes", number)["received"]
    assert [(m["outcome"], m["rule"]) for m in received] == [
        ("comment", "reply_token"),
        ("comment", "reply_token"),
    ]
    assert received[1]["evidence"] == parent["Reply-To"]


def bounce_through_door(world: MailHub, number: str, parent: EmailMessage) -> None:
    bounce = (FIXTURES / "mail" / "bounce_dsn.eml").read_bytes()
    bounce = bounce.replace(b"<order.SO0000042.3@example.com>", parent["Message-ID"].encode())
    code, text = world.through_door("", SALES, bounce)
    assert code == 250, text
    mail = quote_mail_when(world, number, 0, "bounced", "the quote email marked bounced")
    assert "5.1.1" in mail["sent"][0]["bounce"]
    assert len(mail["comments"]) == 2
    assert (mail["received"][-1]["state"], mail["received"][-1]["outcome"]) == (
        "ignored",
        "bounce",
    )


def demo_order(world: MailHub) -> str:
    def found():
        orders = world.ok("GET", "/api/v1/orders?limit=50")["orders"]
        return next((o["number"] for o in orders if o["external_order_id"] == "DEMO-0001"), None)

    return world.wait(found, "demo order DEMO-0001")


def supplier_ships_by_email(world: MailHub) -> None:
    supplier = {"code": "acme-supply", "name": "Acme Supply", "channel": "email"}
    world.ok("POST", "/api/v1/suppliers", {**supplier, "email": SUPPLIER}, status=201)
    order = demo_order(world)
    line = {"supplier": "acme-supply", "unit_cost": "70.00", "reason": "quoted by phone"}
    po = world.ok("POST", f"/api/v1/orders/{order}/lines/1/supplier", line, status=201)["number"]
    world.ok("POST", f"/api/v1/purchase-orders/{po}/send")
    parent = world.mailed_to(SUPPLIER)
    assert po in parent["Subject"]
    notice = EmailMessage()
    notice["From"] = "Shipping <shipping@acme-supply.example>"
    notice["To"] = parent["Reply-To"]
    notice["Subject"] = f"Shipped: {parent['Subject']}"
    notice["Message-ID"] = "<ship-1@acme-supply.example>"
    notice.set_content(f"Your order shipped today.\nTracking number: {TRACKING}\n")
    world.into_inbox(notice.as_bytes())
    [shipment] = world.wait(
        lambda: world.ok("GET", f"/api/v1/shipments?order={order}")["shipments"],
        f"a shipment on {order}",
    )
    assert (shipment["tracking_number"], shipment["carrier"]) == (TRACKING, "UPS")
    [received] = world.mail_of("purchase-orders", po)["received"]
    assert (received["state"], received["outcome"]) == ("routed", "tracking")


def staff_hear_of_their_task(world: MailHub) -> None:
    """A task given to a picker reaches their mailbox (the staff_notices processor);
    their answer by email is a comment on the task."""
    task = world.ok("POST", "/api/v1/tasks", {"title": "Count bay 4", "assignee": "picker"}, 201)
    notice = world.mailed_to(PICKER)
    assert notice["Subject"] == f"Task {task['number']}: Count bay 4"
    answer = customer_reply(notice, "Counted: 41 cases.", f"<count-{task['number']}@hub.example>")
    answer = answer.replace(BUYER.encode(), PICKER.encode())
    code, _ = world.through_door(PICKER, notice["Reply-To"], answer)
    assert code == 250
    comments = world.wait(
        lambda: world.ok("GET", f"/api/v1/tasks/{task['number']}")["comments"],
        "the picker's answer as a comment on the task",
    )
    assert comments[0]["author"] == "picker" and "41 cases" in comments[0]["body"]


def test_mail_in_and_out_of_a_running_hub(mail_hub):
    number = send_quote(mail_hub)
    parent = check_quote_email(mail_hub, number)
    reply_through_imap(mail_hub, number, parent)
    reply_through_door(mail_hub, number, parent)
    bounce_through_door(mail_hub, number, parent)
    supplier_ships_by_email(mail_hub)
    staff_hear_of_their_task(mail_hub)
