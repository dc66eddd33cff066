"""Mail to our own staff (M-100, M-101) and from an RMA, through a capturing mail
server on both databases: a task given to someone, every status change of a task to
its assignee and creator, an invitation to a discussion and each new message to its
participants; staff replying to a notice by email; a return authorization emailed to
the customer with its PDF, and the customer's reply on the RMA."""

from __future__ import annotations

import email
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select

from core import commands
from core.ports import SYSTEM
from core.storage import mail_queries, tables
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.delivery import InProcessDelivery
from hub.mailing.sender import MailSender
from hub.mailing.settings import MailSettings
from mail.smtp_client import SmtpSettings
from tests.api_client import ApiClient
from tests.smtp_servers import CapturingSmtpServer

HUB = {"ORDERB2B_MAIL_FROM": "Acme Sales <sales@hub.example>"}
ADDRESSES = {"mgarcia": "m.garcia@hub.example", "tnguyen": "t.nguyen@hub.example"}


@pytest.fixture
def app(database_url, data_dir):
    config = Config(
        database_url=database_url,
        amqp_url=None,
        data_dir=data_dir,
        mail=MailSettings.from_env(HUB),
        secret_key="staff-notice-tests",
    )
    app = bootstrap(config)
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def staff(api):
    """mgarcia (an administrator) and tnguyen (a salesperson) have addresses; kbrandt
    (warehouse) has none."""
    return {
        "mgarcia": api.token("mgarcia", "administrator", ADDRESSES["mgarcia"], is_admin=True),
        "tnguyen": api.token("tnguyen", "salesperson", ADDRESSES["tnguyen"]),
        "kbrandt": api.token("kbrandt", "warehouse"),
    }


@pytest.fixture
def smtp():
    with CapturingSmtpServer() as server:
        yield server


def delivered(app, smtp, expected: int) -> list[email.message.EmailMessage]:
    """Handle every event, send what was queued, and read what the server got."""
    InProcessDelivery(app.bus, app.engine, app.config).drain()
    before = len(smtp.received)
    settings = SmtpSettings(host=smtp.host, port=smtp.port, security="none")
    assert MailSender(app.uow_factory, settings).send_due() == expected
    got = smtp.wait_for(before + expected)[before:]
    return [email.message_from_bytes(m.raw, policy=default_policy) for m in got]


def outgoing(app) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(tables.outgoing_mail)).scalar()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def reply(parent, sender: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = parent["Reply-To"]
    message["Subject"] = f"Re: {parent['Subject']}"
    message["Message-ID"] = f"<reply-{abs(hash((sender, text)))}@hub.example>"
    message["In-Reply-To"] = parent["Message-ID"]
    message.set_content(f"{text}\n\nOn Monday, the hub wrote:\n> {parent['Subject']}\n")
    return message.as_bytes()


def receive(app, raw: bytes) -> dict:
    mail_id, new = app.bus.execute(commands.ReceiveMail("smtp", raw), SYSTEM)
    assert new
    InProcessDelivery(app.bus, app.engine, app.config).drain()
    return mail_queries.inbound_detail(app.engine, mail_id)


# ---------------------------------------------------------------------------- tasks


def test_the_assignee_is_told_of_a_task_and_both_of_every_status_change(app, api, staff, smtp):
    body = {"title": "Call Marin County about the dock", "assignee": "tnguyen"}
    status, task = api.post("/api/v1/tasks", staff["mgarcia"], {**body, "due_on": "2026-12-04"})
    assert status == 201
    number = task["number"]

    [given] = delivered(app, smtp, 1)
    assert given["To"] == ADDRESSES["tnguyen"]
    assert given["Subject"] == f"Task {number}: Call Marin County about the dock"
    assert given["Auto-Submitted"] == "auto-generated"
    assert "+tsk-" in given["Reply-To"]
    assert "Mgarcia assigned you a task: Call Marin County about the dock" in text_of(given)
    assert "Due:" in text_of(given) and "Dear Tnguyen," in text_of(given)

    for new, label in (("in_progress", "in progress"), ("done", "done")):
        status, _ = api.post(f"/api/v1/tasks/{number}/status", staff["tnguyen"], {"status": new})
        assert status == 200
        [changed] = delivered(app, smtp, 1)
        assert changed["To"] == f"{ADDRESSES['tnguyen']}, {ADDRESSES['mgarcia']}"
        assert changed["Subject"] == f"Task {number} {label}: Call Marin County about the dock"
        assert f"Tnguyen changed task {number} from" in text_of(changed)
        assert f"to {label}: Call Marin County" in text_of(changed)
        assert changed["In-Reply-To"]  # the task's messages are one thread

    status, detail = api.get(f"/api/v1/tasks/{number}", staff["mgarcia"])
    mailed = [h for h in detail["history"] if h["entity"] == "outgoing_mail"]
    assert [h["changes"]["state"]["new"] for h in mailed if h["action"] == "create"] == [
        "pending"
    ] * 3


def test_no_mail_to_someone_without_an_address_or_who_gave_themselves_the_task(
    app, api, staff, smtp
):
    status, task = api.post("/api/v1/tasks", staff["mgarcia"], {"title": "Count the bins"})
    assert status == 201
    api.post(f"/api/v1/tasks/{task['number']}/assign", staff["mgarcia"], {"assignee": "kbrandt"})
    api.post("/api/v1/tasks", staff["tnguyen"], {"title": "Mine", "assignee": "tnguyen"})
    assert delivered(app, smtp, 0) == [] and outgoing(app) == 0

    # kbrandt has no address: a status change reaches the creator only.
    api.post(f"/api/v1/tasks/{task['number']}/status", staff["kbrandt"], {"status": "waiting"})
    [changed] = delivered(app, smtp, 1)
    assert changed["To"] == ADDRESSES["mgarcia"]


def test_a_staff_reply_to_a_task_notice_is_their_comment_and_a_strangers_waits(
    app, api, staff, smtp
):
    status, task = api.post(
        "/api/v1/tasks", staff["mgarcia"], {"title": "Chase PO 4471", "assignee": "tnguyen"}
    )
    assert status == 201
    [notice] = delivered(app, smtp, 1)

    kept = receive(app, reply(notice, ADDRESSES["tnguyen"], "Called them, ships Friday."))
    assert (kept["state"], kept["outcome"]) == ("routed", "comment")
    status, detail = api.get(f"/api/v1/tasks/{task['number']}", staff["mgarcia"])
    [comment] = detail["comments"]
    assert (comment["author"], comment["author_kind"]) == ("tnguyen", "staff")
    assert comment["body"] == "Called them, ships Friday."

    stranger = receive(app, reply(notice, "someone@elsewhere.example", "Hello?"))
    assert stranger["state"] == "triage"
    assert "not from one of our staff" in stranger["note"]
    assert len(mail_queries.document_comments(app.engine, "task", task["number"])) == 1


# ---------------------------------------------------------------------- discussions


def start(api, token, **body) -> str:
    status, discussion = api.post(
        "/api/v1/discussions", token, {"subject": "County contract pricing", **body}
    )
    assert status == 201, discussion
    return discussion["number"]


def test_invitees_are_told_and_participants_get_each_new_message_but_its_author(
    app, api, staff, smtp
):
    number = start(api, staff["mgarcia"], invite=["tnguyen", "kbrandt"])
    [invitation] = delivered(app, smtp, 1)  # kbrandt has no address
    assert invitation["To"] == ADDRESSES["tnguyen"]
    assert invitation["Subject"] == f'Mgarcia invited you to "County contract pricing" [{number}]'
    assert "+dsc-" in invitation["Reply-To"]

    sheet = {"filename": "prices.csv", "content_type": "text/csv", "content_base64": "YSxi"}
    status, _ = api.post(
        f"/api/v1/discussions/{number}/messages",
        staff["tnguyen"],
        {"body": "Toner accepted; paper still open.", "attachments": [sheet]},
    )
    assert status == 201
    [message] = delivered(app, smtp, 1)
    assert message["To"] == ADDRESSES["mgarcia"]  # not to tnguyen, who wrote it
    assert message["Subject"] == f"Re: County contract pricing [{number}]"
    assert 'Tnguyen wrote in "County contract pricing":' in text_of(message)
    assert "Toner accepted; paper still open." in text_of(message)
    assert "Attached to the message: prices.csv" in text_of(message)

    status, _ = api.post(
        f"/api/v1/discussions/{number}/notify", staff["mgarcia"], {"notify": False}
    )
    assert status == 200
    api.post(f"/api/v1/discussions/{number}/messages", staff["tnguyen"], {"body": "Anyone?"})
    assert delivered(app, smtp, 0) == []

    status, detail = api.get(f"/api/v1/discussions/{number}", staff["mgarcia"])
    mailed = [h for h in detail["history"] if h["entity"] == "outgoing_mail"]
    assert len([h for h in mailed if h["action"] == "create"]) == 2


def test_a_participants_reply_by_email_is_their_message_with_its_attachments(app, api, staff, smtp):
    number = start(api, staff["mgarcia"], invite=["tnguyen"])
    [invitation] = delivered(app, smtp, 1)
    answer = EmailMessage()
    answer.set_content("I can take the paper part.\n")
    answer.add_attachment(
        b"%PDF-1.4 quote", maintype="application", subtype="pdf", filename="paper-quote.pdf"
    )
    raw = reply(invitation, ADDRESSES["tnguyen"], "unused")
    parsed = email.message_from_bytes(raw, policy=default_policy)
    for name in ("From", "To", "Subject", "Message-ID", "In-Reply-To"):
        answer[name] = parsed[name]

    kept = receive(app, answer.as_bytes())
    assert (kept["state"], kept["outcome"]) == ("routed", "comment")
    status, detail = api.get(f"/api/v1/discussions/{number}", staff["mgarcia"])
    [posted] = detail["messages"]
    assert (posted["author"], posted["body"]) == ("tnguyen", "I can take the paper part.")
    [attached] = posted["attachments"]
    assert attached["filename"] == "paper-quote.pdf"
    status, content = api.get(
        f"/api/v1/discussions/{number}/attachments/{attached['id']}", staff["mgarcia"]
    )
    assert (status, content.content) == (200, b"%PDF-1.4 quote")
    [notice] = delivered(app, smtp, 1)  # and the others hear of it
    assert notice["To"] == ADDRESSES["mgarcia"]


def test_a_reply_from_outside_the_discussion_or_to_a_closed_one_waits_in_triage(
    app, api, staff, smtp
):
    number = start(api, staff["mgarcia"], invite=["tnguyen"])
    [invitation] = delivered(app, smtp, 1)
    api.token("rpatel", "salesperson", "r.patel@hub.example")
    outsider = receive(app, reply(invitation, "r.patel@hub.example", "Can I join?"))
    assert outsider["state"] == "triage"
    assert f"rpatel does not take part in discussion {number}" == outsider["note"]

    api.post(f"/api/v1/discussions/{number}/status", staff["mgarcia"], {"status": "closed"})
    late = receive(app, reply(invitation, ADDRESSES["tnguyen"], "One more thing"))
    assert (late["state"], late["note"]) == ("triage", f"discussion {number} is closed")
    status, detail = api.get(f"/api/v1/discussions/{number}", staff["mgarcia"])
    assert (status, detail["messages"]) == (200, [])


# ----------------------------------------------------------------------------- RMAs


def test_a_return_authorization_is_emailed_with_its_pdf_and_the_reply_is_on_the_rma(
    app, api, staff, smtp
):
    from tests.integration.test_rmas import opening
    from tests.integration.test_shipments_invoices import ORDER, ship

    order = app.bus.execute(commands.IngestOrder(ORDER))[1]
    ship(app, order, {1: Decimal("6")})
    [notice] = delivered(app, smtp, 1)
    assert order in notice["Subject"]  # the shipment notice to the buyer
    status, rma = api.post("/api/v1/rmas", staff["tnguyen"], opening(order, (1, "2")))
    assert status == 201
    number = rma["number"]
    api.post(f"/api/v1/rmas/{number}/status", staff["tnguyen"], {"action": "authorize"})

    status, sent = api.post(
        f"/api/v1/rmas/{number}/emails",
        staff["tnguyen"],
        {"to": rma["contact_email"], "body": "Please send the two boxes back.", "attach_pdf": True},
    )
    assert status == 201, sent
    [got] = delivered(app, smtp, 1)
    assert got["To"] == rma["contact_email"]
    assert got["Subject"] == f"Return authorization {number}"
    assert "+rma-" in got["Reply-To"]
    pdf = next(p for p in got.walk() if p.get_content_type() == "application/pdf")
    assert pdf.get_filename() == f"{number}-rma.pdf"
    assert pdf.get_content().startswith(b"%PDF")

    status, printed = api.get(f"/api/v1/rmas/{number}/print?format=html", staff["tnguyen"])
    page = printed.content.decode()
    assert status == 200 and f"Return authorization {number}" in page
    assert f"Write <strong>{number}</strong> on the outside of every package" in page

    kept = receive(app, reply(got, rma["contact_email"], "Boxes go out tomorrow."))
    assert (kept["state"], kept["document_kind"], kept["document_number"]) == (
        "routed",
        "rma",
        number,
    )
    status, detail = api.get(f"/api/v1/rmas/{number}", staff["mgarcia"])
    [comment] = detail["comments"]
    assert (comment["body"], comment["visibility"]) == ("Boxes go out tomorrow.", "public")
    mailed = [h for h in detail["history"] if h["entity"] == "outgoing_mail"]
    assert mailed and mailed[0]["changes"]["subject"]["new"] == got["Subject"]
