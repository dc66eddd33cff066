"""`orderb2b mail inbound|show|file|outgoing|retry|send|invoice|texts` in-process, on
the embedded default and on PostgreSQL: the triage list, a message exactly as it
arrived, filing it on an order, staff email queued from an order, sending again, and
bad input answered in one line with exit code 2."""

from __future__ import annotations

import email
import getpass
import json
import re
from email.policy import default as default_policy

import pytest

from core import commands
from core.ports import SYSTEM
from core.storage import mail_queries
from hub import cli
from hub.delivery import InProcessDelivery
from hub.mailing.sender import MailSender
from mail.smtp_client import SmtpSettings
from tests.integration.test_shipments_invoices import ORDER
from tests.smtp_servers import CapturingSmtpServer

OPERATOR = f"cli:{getpass.getuser()}"
BUYER = "t.nguyen@mercyhealth.example.org"
# Not UTF-8, CRLF line ends and an attachment: --raw must give back these very bytes.
QUESTION = (
    b"From: Somebody <somebody@elsewhere.example>\r\n"
    b"To: orders@localhost\r\n"
    b"Subject: A question about chairs\r\n"
    b"Message-ID: <question-1@elsewhere.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Do you sell chairs? Gr\xfc\xdfe\r\n"
    b"--b1\r\n"
    b"Content-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="drawing.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQgZHJhd2luZw==\r\n"
    b"--b1--\r\n"
)


@pytest.fixture
def app(monkeypatch, tmp_path, database_url):
    """The hub the CLI opens (same data directory and database), for the setup."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORDERB2B_DATABASE_URL", database_url)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    app = cli._app()
    yield app
    app.close()


@pytest.fixture
def order(app) -> str:
    _outcome, number = app.bus.execute(commands.IngestOrder(ORDER), SYSTEM)
    drain(app)
    return number


def drain(app) -> None:
    InProcessDelivery(app.bus, app.engine, app.config).drain()


def in_triage(app) -> int:
    mail_id, new = app.bus.execute(commands.ReceiveMail("smtp", QUESTION), SYSTEM)
    assert new
    drain(app)
    return mail_id


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def test_a_message_in_triage_is_listed_shown_and_filed_on_an_order(app, order, capsys):
    mail_id = in_triage(app)
    code, out, err = run(capsys, "mail", "inbound", "--state", "triage")
    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "RECEIVED", "STATE", "OUTCOME", "FROM", "SUBJECT", "DOCUMENT"]
    assert len(rows) == 1
    assert rows[0].split()[0] == str(mail_id)
    assert "triage" in rows[0] and "somebody@elsewhere.example" in rows[0]
    assert "A question about chairs" in rows[0] and rows[0].endswith(" -")
    listed = as_json(capsys, "mail", "inbound", "--state", "triage")
    assert [m["id"] for m in listed] == [mail_id]
    assert as_json(capsys, "mail", "inbound", "--state", "filed") == []

    code, out, err = run(capsys, "mail", "show", str(mail_id))
    assert (code, err) == (0, "")
    assert out.startswith(f"Received message {mail_id}  [triage]")
    assert "  subject: A question about chairs\n" in out
    assert "  document: -\n" in out

    code, out, err = run(capsys, "mail", "file", str(mail_id), "order", order)
    assert (code, err) == (0, "")
    assert out == f"message {mail_id} filed on order {order} as a comment (filed)\n"
    shown = as_json(capsys, "mail", "show", str(mail_id))
    assert (shown["state"], shown["rule"], shown["document_number"]) == ("filed", "staff", order)
    assert shown["history"][-1]["actor"] == OPERATOR
    code, out, _err = run(capsys, "mail", "show", str(mail_id))
    assert f"  document: order {order}\n" in out
    assert "    drawing.pdf (application/pdf, 16 bytes)\n" in out
    [filing] = [line for line in out.splitlines() if f" staff:{OPERATOR} " in line]
    assert "document_number" in filing and "state" in filing
    received = mail_queries.document_mail(app.engine, "order", order)["received"]
    assert [m["id"] for m in received] == [mail_id]
    code, out, _err = run(capsys, "mail", "inbound")
    assert f" order {order}\n" in out

    code, out, err = run(capsys, "mail", "file", str(mail_id), "order", order)
    assert code == 2 and out == ""
    assert err.startswith("orderb2b: ") and err.count("\n") == 1


def test_show_raw_writes_the_message_exactly_as_received(app, capsysbinary):
    mail_id = in_triage(app)
    assert cli.main(["mail", "show", str(mail_id), "--raw"]) == 0
    out, err = capsysbinary.readouterr()
    assert (out, err) == (QUESTION, b"")


def test_staff_email_from_an_order_is_queued_listed_and_sent_again(app, order, capsys, tmp_path):
    code, out, err = run(capsys, "settings", "set", "texts.thanks", "Thank you for your order.")
    assert code == 0
    assert as_json(capsys, "mail", "texts") == {"thanks": "Thank you for your order."}
    code, out, _err = run(capsys, "mail", "texts")
    assert out.split(None, 1) == ["thanks", "Thank you for your order.\n"]
    body = tmp_path / "body.txt"
    body.write_text("Your order ships on Friday.\n\nRegards", encoding="utf-8")

    code, out, err = run(
        capsys,
        *("mail", "send", "order", order, "--to", BUYER, "--cc", "ap@mercyhealth.example.org"),
        *("--subject", "Your order", "--body-file", str(body), "--text", "thanks"),
    )
    assert (code, err) == (0, "")
    found = re.fullmatch(r"message (\d+) <([^<>\s]+@localhost)> pending\n", out)
    assert found, out
    mail_id = int(found[1])
    detail = mail_queries.outgoing_detail(app.engine, mail_id)
    assert (detail["kind"], detail["message_id"], detail["created_by"]) == (
        "staff_message",
        found[2],
        OPERATOR,
    )
    assert (detail["recipients"], detail["cc"]) == ([BUYER], ["ap@mercyhealth.example.org"])
    message = email.message_from_bytes(
        mail_queries.outgoing_raw(app.engine, mail_id), policy=default_policy
    )
    text = message.get_body(("plain",)).get_content()
    assert "Your order ships on Friday." in text and "Thank you for your order." in text
    assert message["Subject"] == "Your order"

    pending = as_json(capsys, "mail", "outgoing", "--state", "pending")
    assert mail_id in [m["id"] for m in pending]
    code, out, _err = run(capsys, "mail", "outgoing")
    [row] = [line for line in out.splitlines() if line.split()[0] == str(mail_id)]
    assert " pending " in row and BUYER in row and row.endswith(f"order {order}")

    with CapturingSmtpServer(answer=lambda envelope: "550 5.7.1 not wanted") as strict:
        settings = SmtpSettings(host=strict.host, port=strict.port, security="none")
        MailSender(app.uow_factory, settings).send_due()
    assert mail_queries.outgoing_detail(app.engine, mail_id)["state"] == "refused"
    assert [m["id"] for m in as_json(capsys, "mail", "outgoing", "--state", "refused")] == [mail_id]
    code, out, err = run(capsys, "mail", "retry", str(mail_id))
    assert (code, err) == (0, "")
    assert out == f"message {mail_id} <{found[2]}> pending\n"


def test_as_names_a_staff_member_who_may_write_about_the_document(app, order, capsys):
    for username, profile in (("mgarcia", "salesperson"), ("wpark", "warehouse")):
        app.bus.execute(
            commands.AddStaff(username, username.title(), "a long password 1", profile=profile),
            SYSTEM,
        )
    send = ("mail", "send", "order", order, "--to", BUYER, "--body", "Hello")
    code, out, err = run(capsys, *send, "--as", "mgarcia")
    assert (code, err) == (0, "")
    mail_id = int(out.split()[1])
    assert mail_queries.outgoing_detail(app.engine, mail_id)["created_by"] == "mgarcia"

    code, out, err = run(capsys, *send, "--as", "wpark")
    assert (code, out) == (2, "")
    assert err == "orderb2b: staff member wpark may not do this: it needs orders.edit\n"
    code, out, err = run(capsys, *send, "--as", "nobody")
    assert (code, out, err) == (2, "", "orderb2b: no staff member nobody\n")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("send", "lorry", "{order}", "--to", BUYER, "--body", "x"), "kind 'lorry': expected"),
        (("send", "order", "{order}", "--to", "not an address", "--body", "x"), "not a valid"),
        (("send", "order", "{order}", "--body", "x"), "at least one recipient"),
        (("send", "order", "{order}", "--to", BUYER), "needs some text"),
        (("send", "order", "{order}", "--to", BUYER, "--text", "nope"), "no standard text"),
        (("send", "order", "SO-NONE", "--to", BUYER, "--body", "x"), "SO-NONE"),
        (("file", "{mail}", "lorry", "{order}"), "kind 'lorry': expected"),
        (("file", "999999", "order", "{order}"), "no received message 999999"),
        (("show", "999999"), "no received message 999999"),
        (("retry", "999999"), "999999"),
        (("inbound", "--state", "lost"), "--state 'lost': expected one of"),
        (("outgoing", "--limit", "0"), "--limit must be 1 or more"),
        (("invoice", "INV-NONE"), "INV-NONE"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(app, order, capsys, args, error):
    mail_id = in_triage(app)
    argv = [arg.format(order=order, mail=mail_id) for arg in args]
    code, out, err = run(capsys, "mail", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1 and err.endswith("\n")
    assert error in err
    assert mail_queries.inbound_detail(app.engine, mail_id)["state"] == "triage"
    queued = [m for m in mail_queries.list_outgoing(app.engine) if m["kind"] == "staff_message"]
    assert queued == []
