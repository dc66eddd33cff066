"""Sending one message with mail.smtp_client against a real SMTP server on
loopback (aiosmtpd), with and without TLS and AUTH, and the answers it classifies."""

from __future__ import annotations

import logging

import pytest

from mail.smtp_client import SmtpSettings, send_message
from tests.smtp_servers import CapturingSmtpServer, SilentServer, free_port, self_signed_cert

RAW = (
    b"From: Order B2B <orders@hub.example>\r\n"
    b"To: buyer@customer.example\r\n"
    b"Subject: Order 10042 confirmed\r\n"
    b"Message-ID: <10042@hub.example>\r\n"
    b"\r\n"
    b"Thank you for your order.\r\n"
    b".a line that starts with a dot\r\n"
    b".\r\n"
    b"Regards\r\n"
)
SENDER = "orders@hub.example"
BUYER = "buyer@customer.example"
PASSWORD = "s3cret-Pa55"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return self_signed_cert(tmp_path_factory.mktemp("smtp-tls"))


def plain(server, **options) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, security="none", **options)


def secured(server, cert, **options) -> SmtpSettings:
    values = {"security": "starttls", "ca_file": str(cert[0])} | options
    return SmtpSettings(host=server.host, port=server.port, **values)


def test_plain_send_delivers_the_exact_bytes():
    with CapturingSmtpServer() as server:
        answer = send_message(plain(server), SENDER, [BUYER], RAW)
        [message] = server.wait_for(1)
    assert (answer.code, answer.accepted, answer.final, answer.refused) == (250, True, True, {})
    assert "queued as test-1" in answer.text
    assert message.raw == RAW
    assert (message.mail_from, message.rcpt_tos) == (SENDER, (BUYER,))
    assert not message.tls


def test_starttls_and_login_with_the_trusted_certificate(cert):
    with CapturingSmtpServer(starttls_cert=cert, auth={"hub": PASSWORD}) as server:
        settings = secured(server, cert, username="hub", password=PASSWORD)
        answer = send_message(settings, SENDER, [BUYER, "second@customer.example"], RAW)
        [message] = server.wait_for(1)
    assert answer.accepted and answer.final and answer.code == 250
    assert (message.tls, message.login, message.raw) == (True, "hub", RAW)
    assert message.rcpt_tos == (BUYER, "second@customer.example")


def test_implicit_tls(cert):
    with CapturingSmtpServer(starttls_cert=cert, implicit_tls=True) as server:
        settings = secured(server, cert, security="ssl")
        answer = send_message(settings, SENDER, [BUYER], RAW)
        [message] = server.wait_for(1)
    assert answer.accepted
    assert message.tls and message.raw == RAW


def test_wrong_password_is_a_configuration_problem_and_is_never_logged(cert, caplog):
    caplog.set_level(logging.DEBUG)
    with CapturingSmtpServer(starttls_cert=cert, auth={"hub": "right"}) as server:
        settings = secured(server, cert, username="hub", password=PASSWORD)
        answer = send_message(settings, SENDER, [BUYER], RAW)
        assert server.received == []
    assert (answer.accepted, answer.final, answer.code) == (False, False, 535)
    assert "authentication" in answer.text
    assert PASSWORD not in repr(settings)
    logged = [(r.getMessage(), r.__dict__) for r in caplog.records]
    assert logged and PASSWORD not in repr(logged)


def test_a_server_wanting_login_when_none_is_configured_is_retried(cert):
    with CapturingSmtpServer(starttls_cert=cert, auth={"hub": PASSWORD}) as server:
        answer = send_message(secured(server, cert), SENDER, [BUYER], RAW)
    assert (answer.accepted, answer.final, answer.code) == (False, False, 530)


def test_a_server_without_starttls_when_it_is_required(cert):
    with CapturingSmtpServer() as server:
        answer = send_message(secured(server, cert), SENDER, [BUYER], RAW)
        assert server.received == []
    assert (answer.accepted, answer.final, answer.code) == (False, False, 0)
    assert "STARTTLS" in answer.text


def test_an_untrusted_certificate_fails_tls_unless_verification_is_off(cert):
    with CapturingSmtpServer(starttls_cert=cert) as server:
        refused = send_message(secured(server, cert, ca_file=None), SENDER, [BUYER], RAW)
        lenient = secured(server, cert, ca_file=None, verify_tls=False)
        taken = send_message(lenient, SENDER, [BUYER], RAW)
        assert len(server.wait_for(1)) == 1
    assert (refused.accepted, refused.final, refused.code) == (False, False, 0)
    assert "TLS" in refused.text
    assert taken.accepted


def test_refused_recipient_is_final():
    with CapturingSmtpServer(rcpt_answer=lambda address: "550 5.1.1 no such user") as server:
        answer = send_message(plain(server), SENDER, [BUYER], RAW)
        assert server.received == []
    assert (answer.accepted, answer.final, answer.code) == (False, True, 550)
    assert answer.refused == {BUYER: (550, "5.1.1 no such user")}


def test_temporary_refusal_of_the_message_is_retried():
    with CapturingSmtpServer(answer=lambda envelope: "451 4.3.0 try later") as server:
        answer = send_message(plain(server), SENDER, [BUYER], RAW)
    assert (answer.accepted, answer.final, answer.code) == (False, False, 451)
    assert "try later" in answer.text


def test_permanent_refusal_of_the_message_is_final():
    with CapturingSmtpServer(answer=lambda envelope: "554 5.7.1 spam") as server:
        answer = send_message(plain(server), SENDER, [BUYER], RAW)
    assert (answer.accepted, answer.final, answer.code) == (False, True, 554)


def test_some_recipients_refused():
    gone = "gone@customer.example"

    def rcpt_answer(address):
        return "550 5.1.1 no such user" if address == gone else None

    with CapturingSmtpServer(rcpt_answer=rcpt_answer) as server:
        answer = send_message(plain(server), SENDER, [gone, BUYER], RAW)
        [message] = server.wait_for(1)
    assert (answer.accepted, answer.final, answer.code) == (True, True, 250)
    assert answer.refused == {gone: (550, "5.1.1 no such user")}
    assert message.rcpt_tos == (BUYER,) and message.raw == RAW


def test_all_refused_with_one_temporary_refusal_is_retried():
    def rcpt_answer(address):
        return "450 4.2.1 mailbox busy" if address == BUYER else "550 5.1.1 no such user"

    with CapturingSmtpServer(rcpt_answer=rcpt_answer) as server:
        answer = send_message(plain(server), SENDER, ["gone@customer.example", BUYER], RAW)
    assert (answer.accepted, answer.final, answer.code) == (False, False, 450)
    assert set(answer.refused) == {"gone@customer.example", BUYER}


def test_nothing_listening():
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2)
    answer = send_message(settings, SENDER, [BUYER], RAW)
    assert (answer.accepted, answer.final, answer.code) == (False, False, 0)
    assert "could not connect" in answer.text


def test_a_server_that_never_answers_times_out():
    with SilentServer() as silent:
        settings = SmtpSettings(host="127.0.0.1", port=silent.port, security="none", timeout=0.3)
        answer = send_message(settings, SENDER, [BUYER], RAW)
    assert (answer.accepted, answer.final, answer.code) == (False, False, 0)
    assert "timed out" in answer.text


def test_settings_from_the_environment(cert):
    assert SmtpSettings.from_env({}) is None
    env = {
        "ORDERB2B_SMTP_HOST": "smtp.example.com",
        "ORDERB2B_SMTP_USERNAME": "hub",
        "ORDERB2B_SMTP_PASSWORD": PASSWORD,
        "ORDERB2B_SMTP_TIMEOUT": "12.5",
        "ORDERB2B_SMTP_HELO": "hub.example.com",
        "ORDERB2B_SMTP_VERIFY_TLS": "false",
        "ORDERB2B_SMTP_CA_FILE": str(cert[0]),
    }
    assert SmtpSettings.from_env(env) == SmtpSettings(
        host="smtp.example.com",
        port=587,
        username="hub",
        password=PASSWORD,
        timeout=12.5,
        helo="hub.example.com",
        verify_tls=False,
        ca_file=str(cert[0]),
    )
    implicit = SmtpSettings.from_env({"ORDERB2B_SMTP_HOST": "h", "ORDERB2B_SMTP_SECURITY": "SSL"})
    assert (implicit.security, implicit.port, implicit.verify_tls) == ("ssl", 465, True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORDERB2B_SMTP_PORT", "smtp"),
        ("ORDERB2B_SMTP_PORT", "70000"),
        ("ORDERB2B_SMTP_SECURITY", "tls"),
        ("ORDERB2B_SMTP_TIMEOUT", "-1"),
        ("ORDERB2B_SMTP_TIMEOUT", "nan"),
        ("ORDERB2B_SMTP_VERIFY_TLS", "maybe"),
        ("ORDERB2B_SMTP_CA_FILE", "/nonexistent/ca.pem"),
        ("ORDERB2B_SMTP_USERNAME", "hub"),
    ],
)
def test_a_bad_setting_names_its_variable(name, value):
    with pytest.raises(ValueError, match=name):
        SmtpSettings.from_env({"ORDERB2B_SMTP_HOST": "smtp.example.com", name: value})
