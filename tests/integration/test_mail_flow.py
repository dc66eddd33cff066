"""Email through the hub: a quote is mailed with its PDF and recorded in its history;
the customer's reply (found by the reply address, by In-Reply-To, or by the number in
the subject) becomes a comment on the quote with its attachments; a bounce marks the
message and an auto-reply is left alone; a supplier's email with a tracking number
becomes a shipment; mail nobody can place waits in the triage list for staff."""

from __future__ import annotations

import email
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from core import commands
from core.ports import SYSTEM, Actor
from core.storage import mail_queries, quote_queries, tables
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.delivery import InProcessDelivery
from hub.mailing.sender import MailSender
from hub.mailing.settings import MailSettings
from mail.smtp_client import SmtpSettings
from tests.api_client import ApiClient
from tests.conftest import FIXTURES
from tests.integration.test_quotes import sales_tokens, sent_quote
from tests.smtp_servers import CapturingSmtpServer

HUB = {"ORDERB2B_MAIL_FROM": "Acme Sales <sales@hub.example>"}
BUYER = "buyer@acme.example"
STAFF = Actor("staff", "mgarcia")


@pytest.fixture
def app(database_url, data_dir):
    config = Config(
        database_url=database_url,
        amqp_url=None,
        data_dir=data_dir,
        mail=MailSettings.from_env(HUB),
        secret_key="mail-tests-secret",
    )
    app = bootstrap(config)
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def admin(app, api):
    return sales_tokens(app, api)["admin"]


@pytest.fixture
def smtp():
    with CapturingSmtpServer() as server:
        yield server


def drain(app) -> None:
    InProcessDelivery(app.bus, app.engine, app.config).drain()


def send_queued(app, smtp) -> int:
    settings = SmtpSettings(host=smtp.host, port=smtp.port, security="none")
    return MailSender(app.uow_factory, settings).send_due()


def receive(app, raw: bytes, door: str = "smtp", envelope_to=()) -> int:
    command = commands.ReceiveMail(door, raw, envelope_from=BUYER, envelope_to=envelope_to)
    mail_id, new = app.bus.execute(command, SYSTEM)
    assert new
    drain(app)
    return mail_id


def mailed_quote(app, api, admin, smtp):
    """A quote sent to ACME's buyer: (its number, the message as the buyer got it)."""
    number = sent_quote(api, admin)["number"]
    drain(app)
    assert send_queued(app, smtp) == 1
    received = smtp.wait_for(1)[0]
    return number, email.message_from_bytes(received.raw, policy=default_policy)


def reply(parent, text: str, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = f"Dana Whitfield <{BUYER}>"
    message["To"] = headers.pop("to", parent["Reply-To"])
    message["Subject"] = headers.pop("subject", f"RE: {parent['Subject']}")
    message["Message-ID"] = headers.pop("message_id", "<reply-1@acme.example>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(f"{text}\n\nOn Monday, Acme Sales wrote:\n> {parent['Subject']}\n")
    return message.as_bytes()


def test_a_sent_quote_is_mailed_with_its_pdf_and_kept_in_its_history(app, api, admin, smtp):
    number, got = mailed_quote(app, api, admin, smtp)
    assert got["To"] == BUYER
    assert got["From"] == "Acme Sales <sales@hub.example>"
    assert got["Reply-To"].startswith("reply+") and got["Reply-To"].endswith("@hub.example")
    assert number in got["Subject"]
    assert "Auto-Submitted" not in got  # a quote is staff writing, not an automatic message
    kinds = [part.get_content_type() for part in got.walk()]
    assert {"text/plain", "text/html", "application/pdf"} <= set(kinds)
    pdf = next(p for p in got.walk() if p.get_content_type() == "application/pdf")
    assert pdf.get_filename() == f"{number}-v1.pdf"
    assert pdf.get_content() == quote_queries.version_pdf(app.engine, number, 1)[0]

    status, mail = api.get(f"/api/v1/quotes/{number}/emails", admin)
    assert status == 200
    [sent] = mail["sent"]
    assert sent["state"] == "sent" and sent["recipients"] == [BUYER]
    assert f"<{sent['message_id']}>" == got["Message-ID"]
    assert sent["answer_code"] == 250
    history = quote_queries.quote_detail(app.engine, number)["history"]
    mailed = [h for h in history if h["entity"] == "outgoing_mail"]
    assert mailed[0]["action"] == "create"
    assert mailed[0]["changes"]["subject"]["new"] == got["Subject"]
    assert mailed[0]["changes"]["recipients"]["new"] == [BUYER]
    assert mailed[-1]["changes"]["state"] == {"old": "pending", "new": "sent"}


@pytest.mark.parametrize("rule", ["reply_token", "message_id", "subject"])
def test_the_customers_reply_is_a_comment_on_the_quote(app, api, admin, smtp, rule):
    number, parent = mailed_quote(app, api, admin, smtp)
    headers = {}
    if rule != "reply_token":
        headers["to"] = "sales@hub.example"  # a mail system dropped the Reply-To
    if rule == "message_id":
        headers["subject"] = "Re: your offer"
        headers["In_Reply_To"] = parent["Message-ID"]
    mail_id = receive(app, reply(parent, "Looks good, please proceed.", **headers))

    _status, mail = api.get(f"/api/v1/quotes/{number}/emails", admin)
    [comment] = mail["comments"]
    assert comment["body"] == "Looks good, please proceed."
    assert comment["author"] == BUYER and comment["author_kind"] == "customer"
    assert comment["inbound_mail_id"] == mail_id
    _status, every = api.get("/api/v1/comments?kind=quote", admin)
    assert [(c["document_number"], c["body"]) for c in every["comments"]] == [
        (number, "Looks good, please proceed.")
    ]
    [received] = mail["received"]
    assert (received["state"], received["outcome"], received["rule"]) == (
        "routed",
        "comment",
        rule,
    )


def test_a_replys_attachment_is_kept_with_it(app, api, admin, smtp):
    _number, parent = mailed_quote(app, api, admin, smtp)
    raw = email.message_from_bytes(reply(parent, "Our PO is attached."), policy=default_policy)
    raw.add_attachment(b"%PDF-1.4 our po", maintype="application", subtype="pdf", filename="po.pdf")
    mail_id = receive(app, raw.as_bytes())
    detail = mail_queries.inbound_detail(app.engine, mail_id)
    [kept] = detail["attachments"]
    assert (kept["filename"], kept["content_type"], kept["size"]) == (
        "po.pdf",
        "application/pdf",
        15,
    )
    status, raw_answer = api.get(f"/api/v1/mail/inbound/{mail_id}/raw", admin)
    assert status == 200 and raw_answer.content == raw.as_bytes()


def test_a_bounce_marks_our_message_and_makes_no_comment(app, api, admin, smtp):
    number, parent = mailed_quote(app, api, admin, smtp)
    bounce = (FIXTURES / "mail" / "bounce_dsn.eml").read_bytes()
    bounce = bounce.replace(b"<order.SO0000042.3@example.com>", parent["Message-ID"].encode())
    mail_id = receive(app, bounce)
    _status, mail = api.get(f"/api/v1/quotes/{number}/emails", admin)
    assert mail["comments"] == []
    assert mail["sent"][0]["state"] == "bounced"
    assert "5.1.1" in mail["sent"][0]["bounce"]
    detail = mail_queries.inbound_detail(app.engine, mail_id)
    assert (detail["state"], detail["outcome"]) == ("ignored", "bounce")


def test_an_auto_reply_is_left_alone(app, api, admin, smtp):
    number, parent = mailed_quote(app, api, admin, smtp)
    mail_id = receive(app, reply(parent, "I am out of the office.", Auto_Submitted="auto-replied"))
    _status, mail = api.get(f"/api/v1/quotes/{number}/emails", admin)
    assert mail["comments"] == []
    detail = mail_queries.inbound_detail(app.engine, mail_id)
    assert (detail["state"], detail["outcome"]) == ("ignored", "auto_reply")
    assert send_queued(app, smtp) == 0  # and nothing answers it


def test_unplaced_mail_waits_in_triage_until_staff_file_it(app, api, admin, smtp):
    number, parent = mailed_quote(app, api, admin, smtp)
    raw = reply(parent, "Do you sell chairs?", to="sales@hub.example", subject="A question")
    mail_id = receive(app, raw)
    status, listed = api.get("/api/v1/mail/inbound?state=triage", admin)
    assert [m["id"] for m in listed["messages"]] == [mail_id]
    assert mail_queries.waiting(app.engine, "inbound_mail", ("triage",)) == 1
    body = {"document_kind": "quote", "document_number": number}
    status, filed = api.post(f"/api/v1/mail/inbound/{mail_id}/file", admin, body)
    assert status == 200, filed
    assert (filed["state"], filed["rule"], filed["document_number"]) == ("filed", "staff", number)
    assert filed["history"][-1]["actor"] == "mgarcia"
    status, mail = api.get(f"/api/v1/quotes/{number}/emails", admin)
    assert [c["body"] for c in mail["comments"]] == ["Do you sell chairs?"]
    assert mail_queries.waiting(app.engine, "inbound_mail", ("triage",)) == 0
    status, _again = api.post(f"/api/v1/mail/inbound/{mail_id}/file", admin, body)
    assert status == 409


def test_the_same_message_twice_is_kept_once(app):
    raw = (FIXTURES / "mail" / "plain_reply.eml").read_bytes()
    first = app.bus.execute(commands.ReceiveMail("imap", raw, mailbox="sales"), SYSTEM)
    second = app.bus.execute(commands.ReceiveMail("smtp", raw), SYSTEM)
    assert first == (first[0], True) and second == (first[0], False)


@pytest.mark.parametrize("fixture", ["bomb_5000_parts.eml", "bomb_nested_50.eml"])
def test_a_mime_bomb_is_refused_and_kept_for_inspection(app, fixture):
    raw = (FIXTURES / "mail" / fixture).read_bytes()
    mail_id = receive(app, raw)
    detail = mail_queries.inbound_detail(app.engine, mail_id)
    assert (detail["state"], detail["outcome"]) == ("refused", "unreadable")
    assert detail["note"]
    assert mail_queries.inbound_raw(app.engine, mail_id) == raw


def test_staff_email_a_customer_from_an_order(app, api, admin, smtp):
    _outcome, number = app.bus.execute(commands.IngestOrder(_order()), SYSTEM)
    app.bus.execute(commands.ChangeSetting("texts.thanks", "Thank you for your business."), STAFF)
    body = {
        "to": BUYER,
        "cc": ["ap@acme.example"],
        "subject": "Your order",
        "body": "Your order ships Friday.",
        "standard_text": "thanks",
        "attach_pdf": True,
    }
    status, sent = api.post(f"/api/v1/orders/{number}/emails", admin, body)
    assert status == 201, sent
    assert (sent["kind"], sent["state"], sent["cc"]) == ("staff_message", "pending", body["cc"])
    assert send_queued(app, smtp) == 1
    got = smtp.wait_for(1)[0]
    assert set(got.rcpt_tos) == {BUYER, "ap@acme.example"}
    message = email.message_from_bytes(got.raw, policy=default_policy)
    text = message.get_body(("plain",)).get_content()
    assert "Your order ships Friday." in text and "Thank you for your business." in text
    assert "Kind regards,\r\nMgarcia\r\nOrder B2B" in text  # the display name, not a login
    assert any(p.get_content_type() == "application/pdf" for p in message.walk())
    status, refused = api.post(f"/api/v1/orders/{number}/emails", admin, {"to": "nobody"})
    assert status == 409 and "not a valid email address" in refused["detail"]


def test_a_failed_send_is_tried_again_later_and_a_refusal_is_final(app, api, admin):
    number = sent_quote(api, admin)["number"]
    drain(app)
    with CapturingSmtpServer(answer=lambda envelope: "451 4.3.0 try later") as busy:
        assert send_queued(app, busy) == 1
    [mail] = mail_queries.document_mail(app.engine, "quote", number)["sent"]
    assert (mail["state"], mail["attempts"], mail["answer_code"]) == ("pending", 1, 451)
    assert mail["next_attempt_at"] > mail["created_at"]
    with app.uow_factory(SYSTEM) as uow:  # make it due now
        uow.mail.outgoing(mail["id"]).next_attempt_at = uow.mail.outgoing(mail["id"]).created_at
        uow.commit()
    with CapturingSmtpServer(answer=lambda envelope: "550 5.7.1 not wanted") as strict:
        assert send_queued(app, strict) == 1
    detail = mail_queries.outgoing_detail(app.engine, mail["id"])
    assert (detail["state"], detail["attempts"]) == ("refused", 2)


def _order():
    from tests.integration.test_shipments_invoices import ORDER

    return ORDER


def rows(app, table):
    with app.engine.connect() as connection:
        return connection.execute(select(table).order_by(table.c.id)).all()


def test_a_suppliers_tracking_email_becomes_a_shipment(app, api, admin, smtp):
    _outcome, order = app.bus.execute(commands.IngestOrder(_order()), SYSTEM)
    supplier = commands.AddSupplier(
        "dh", "D&H Distributing", "email", {"email": "po@dh.example.com"}
    )
    app.bus.execute(supplier, STAFF)
    po = app.bus.execute(
        commands.AssignSupplier(order, 1, "dh", unit_cost=Decimal("10.00"), reason="quoted"), STAFF
    )
    status, sent = api.post(f"/api/v1/purchase-orders/{po}/send", admin)
    assert status == 200, sent
    drain(app)
    assert send_queued(app, smtp) == 1
    parent = email.message_from_bytes(smtp.wait_for(1)[0].raw, policy=default_policy)
    assert parent["To"] == "po@dh.example.com"
    message = EmailMessage()
    message["From"] = "Shipping <shipping@dh.example.com>"
    message["To"] = parent["Reply-To"]
    message["Subject"] = f"Shipped: {parent['Subject']}"
    message["Message-ID"] = "<ship-1@dh.example.com>"
    message.set_content("Your order shipped today.\nTracking number: 1Z999AA10123456784\n")
    mail_id = receive(app, message.as_bytes())

    detail = mail_queries.inbound_detail(app.engine, mail_id)
    assert (detail["state"], detail["outcome"], detail["note"]) == ("routed", "tracking", None)
    [shipment] = rows(app, tables.shipments)
    assert (shipment.tracking_number, shipment.carrier) == ("1Z999AA10123456784", "UPS")
    [comment] = [c for c in rows(app, tables.purchase_order_comments) if c.inbound_mail_id]
    assert "Your order shipped today." in comment.text

    spoof = EmailMessage()
    spoof["From"] = "someone@elsewhere.example"
    spoof["To"] = parent["Reply-To"]
    spoof["Subject"] = "Shipped"
    spoof["Message-ID"] = "<ship-2@elsewhere.example>"
    spoof.set_content("Tracking number: 1Z999AA10123456785\n")
    spoofed = mail_queries.inbound_detail(app.engine, receive(app, spoof.as_bytes()))
    assert spoofed["state"] == "triage"
    assert len(rows(app, tables.shipments)) == 1


@pytest.mark.parametrize(
    ("setting", "group_choice", "mailed"),
    [(False, "always", True), (True, "never", False), (True, None, True), (False, None, False)],
)
def test_order_confirmations_follow_the_customer_groups_choice_over_the_setting(
    app, api, admin, setting, group_choice, mailed
):
    api.post("/api/v1/settings/orders.confirmation_email", admin, {"value": setting})
    if group_choice:
        change = {"order_confirmation": group_choice}
        assert api.post("/api/v1/customer-groups/EAST-SMB", admin, change)[0] == 200
    quote = sent_quote(api, admin, shipping_method="Ground")
    status, made = api.post(f"/api/v1/quotes/{quote['number']}/convert", admin, {})
    assert status == 200, made
    drain(app)
    sent = mail_queries.document_mail(app.engine, "order", made["order_number"])["sent"]
    assert [m["kind"] for m in sent] == (["order_confirmation"] if mailed else [])


def test_a_reply_naming_a_document_we_do_not_have_waits_in_triage(app, api, admin, smtp):
    _number, parent = mailed_quote(app, api, admin, smtp)
    raw = reply(parent, "About Q999999", to="sales@hub.example", subject="RE: Quote Q999999")
    detail = mail_queries.inbound_detail(app.engine, receive(app, raw))
    assert (detail["state"], detail["outcome"], detail["document_number"]) == (
        "triage",
        "unmatched",
        None,
    )
    assert "Q999999" in detail["note"]
    body = {"document_kind": "quote", "document_number": "Q999999"}
    status, problem = api.post(f"/api/v1/mail/inbound/{detail['id']}/file", admin, body)
    assert status == 404 and "Q999999" in problem["detail"]


def test_a_reply_whose_sender_failed_authentication_waits_in_triage(app, api, admin, smtp):
    number, parent = mailed_quote(app, api, admin, smtp)
    forged = reply(parent, "Please pay to our new account.")
    results = (
        "Authentication-Results: mx.hub.example; spf=pass smtp.mailfrom=attacker.example;"
        " dkim=none; dmarc=fail (p=reject) header.from=acme.example\r\n"
    )
    detail = mail_queries.inbound_detail(app.engine, receive(app, results.encode() + forged))
    assert (detail["state"], detail["outcome"]) == ("triage", "unmatched")
    assert "authentication" in detail["note"]
    assert mail_queries.document_comments(app.engine, "quote", number) == []


def test_our_reply_address_in_the_envelope_alone_finds_the_document(app, api, admin, smtp):
    number, parent = mailed_quote(app, api, admin, smtp)
    bcc = reply(parent, "Copying you in.", to="someone@acme.example", subject="FYI")
    mail_id = receive(app, bcc, envelope_to=(parent["Reply-To"],))
    detail = mail_queries.inbound_detail(app.engine, mail_id)
    assert (detail["state"], detail["rule"], detail["document_number"]) == (
        "routed",
        "reply_token",
        number,
    )


@pytest.mark.parametrize("wanted", [True, False])
def test_the_buyer_gets_a_shipment_notice_with_a_tracking_link(app, api, admin, smtp, wanted):
    api.post("/api/v1/settings/mail.shipment_notice", admin, {"value": wanted})
    _outcome, order = app.bus.execute(commands.IngestOrder(_order()), SYSTEM)
    buyer = _order().buyer_contact.email
    shipped = commands.RecordShipment(order, "UPS", "1Z999AA10123456784")
    shipment = app.bus.execute(shipped, STAFF)
    drain(app)
    assert send_queued(app, smtp) == (1 if wanted else 0)
    if not wanted:
        return
    got = email.message_from_bytes(smtp.wait_for(1)[0].raw, policy=default_policy)
    assert got["To"] == buyer and order in got["Subject"]
    assert got["Auto-Submitted"] == "auto-generated"
    text = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert shipment in text and "1Z999AA10123456784" in text
    assert "https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784" in text + html
    [sent] = mail_queries.document_mail(app.engine, "order", order)["sent"]
    assert (sent["kind"], sent["recipients"]) == ("shipment_notice", [buyer])


def test_a_po_comment_for_the_supplier_is_mailed_in_the_pos_thread(app, api, admin, smtp):
    _outcome, order = app.bus.execute(commands.IngestOrder(_order()), SYSTEM)
    supplier = {"email": "po@dh.example.com"}
    app.bus.execute(commands.AddSupplier("dh", "D&H Distributing", "email", supplier), STAFF)
    assign = commands.AssignSupplier(order, 1, "dh", unit_cost=Decimal("10"), reason="quoted")
    po = app.bus.execute(assign, STAFF)
    assert api.post(f"/api/v1/purchase-orders/{po}/send", admin)[0] == 200
    drain(app)
    app.bus.execute(commands.CommentPurchaseOrder(po, "Internal: check stock", False), STAFF)
    app.bus.execute(commands.CommentPurchaseOrder(po, "Please deliver by 9am", True), STAFF)
    drain(app)
    assert send_queued(app, smtp) == 2
    first, second = (
        email.message_from_bytes(m.raw, policy=default_policy) for m in smtp.wait_for(2)
    )
    assert any(p.get_filename() == f"{po}.pdf" for p in first.walk())
    assert second["To"] == "po@dh.example.com"
    assert "Please deliver by 9am" in second.get_body(("plain",)).get_content()
    assert second["In-Reply-To"] == first["Message-ID"]
    assert "Internal: check stock" not in second.as_string()


def test_standard_texts_are_usable_in_comments_too(app, api, admin):
    _outcome, order = app.bus.execute(commands.IngestOrder(_order()), SYSTEM)
    app.bus.execute(commands.ChangeSetting("texts.delay", "Your supplier reports a delay."), STAFF)
    body = {"body": "Called the buyer.", "standard_text": "delay", "visibility": "public"}
    status, added = api.post(f"/api/v1/orders/{order}/comments", admin, body)
    assert status == 201, added
    _status, listed = api.get(f"/api/v1/orders/{order}/comments", admin)
    assert [c["body"] for c in listed["comments"]] == [
        "Called the buyer.\n\nYour supplier reports a delay."
    ]
    status, problem = api.post(
        f"/api/v1/orders/{order}/comments", admin, {"standard_text": "nothing"}
    )
    assert status == 404 and "delay" in problem["detail"]

    supplier = {"email": "po@dh.example.com"}
    app.bus.execute(commands.AddSupplier("dh", "D&H Distributing", "email", supplier), STAFF)
    assign = commands.AssignSupplier(order, 1, "dh", unit_cost=Decimal("10"), reason="quoted")
    po = app.bus.execute(assign, STAFF)
    status, detail = api.post(
        f"/api/v1/purchase-orders/{po}/comments", admin, {"standard_text": "delay"}
    )
    assert status == 201, detail
    assert [c["text"] for c in detail["comments"]] == ["Your supplier reports a delay."]
