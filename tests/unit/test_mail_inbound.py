"""Inbound email read safely (limits, charsets, encoded-words, HTML never run), classified
(reply, auto-reply, bounce, loop, list), matched to the document it answers by reply
token, Message-ID or subject number, and its sender judged from our server's results."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.errors import DocumentError
from mail.inbound import (
    DeliveryReport,
    InboundMessage,
    Match,
    MessageRefused,
    bounce_details,
    classify,
    make_reply_address,
    match_document,
    read_message,
    read_reply_address,
    sender_trust,
)

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mail"
KEY = b"test-reply-key"
QUOTE_TOKEN = "hub+q-Q000123-48d890170a67c554888f@example.com"
OURS = ("example.com",)
LOOP_MARKER = "orderb2b@example.com"
SENT = {"quote.Q000123.1@example.com": ("quote", "Q000123")}


def read(name: str) -> InboundMessage:
    return read_message((FIXTURES / name).read_bytes())


def kind_of(message: InboundMessage) -> str:
    return classify(message, our_domains=OURS, loop_marker=LOOP_MARKER)


def known(ids: list[str]) -> tuple[str, str] | None:
    return next((SENT[i] for i in ids if i in SENT), None)


def match(message: InboundMessage) -> Match | None:
    return match_document(message, known_message_ids=known, key=KEY)


def simple(headers: str, body: str = "Hello.\n") -> InboundMessage:
    return read_message(f"{headers.strip()}\nContent-Type: text/plain\n\n{body}".encode())


@pytest.mark.parametrize(
    ("name", "kind", "rule", "number"),
    [
        ("plain_reply.eml", "reply", "reply_token", "Q000123"),
        ("outlook_html_reply.eml", "reply", "subject", "Q000123"),
        ("reply_with_pdf.eml", "reply", "subject", "PO0000001"),
        ("bounce_dsn.eml", "bounce", "reply_token", "SO0000042"),
        ("vacation.eml", "auto_reply", "reply_token", "Q000123"),
        ("mailing_list.eml", "list", "subject", "PO0000001"),
        ("unknown_charset.eml", "reply", "subject", "INV0000007"),
        ("invalid_encoded_words.eml", "reply", "subject", "SO0000042"),
        ("spoofed_dmarc_fail.eml", "reply", "reply_token", "Q000123"),
        ("loop.eml", "loop", "reply_token", "Q000123"),
    ],
)
def test_each_fixture_is_classified_and_matched(name, kind, rule, number):
    message = read(name)
    assert kind_of(message) == kind
    found = match(message)
    assert (found.rule, found.number) == (rule, number)


def test_plain_reply_is_read_whole_and_its_new_text_is_above_the_quote():
    message = read("plain_reply.eml")
    assert message.message_id == "CAB7x9k2@mail.customer.example"
    assert message.in_reply_to == "quote.Q000123.1@example.com"
    assert message.references == ("quote.Q000123.0@example.com", "quote.Q000123.1@example.com")
    assert (message.from_name, message.from_address) == (
        "Anna Berg (Köln)",
        "anna.berg@customer.example",
    )
    assert message.to == (QUOTE_TOKEN,)
    assert message.cc == ("buyer@customer.example",)
    assert message.delivered_to == (QUOTE_TOKEN,)
    assert message.date == datetime(2025, 6, 3, 7, 14, 7, tzinfo=UTC)
    assert message.date.utcoffset() == timedelta(hours=2)
    assert message.new_text == (
        "Hello,\n\nplease change line 2 to 12 pieces and send the revised quote. Grüße, Anna"
    )
    assert "> please find our quote Q000123 attached." in message.text
    assert message.attachments == ()
    assert message.notes == ()


def test_outlook_html_reply_drops_script_and_style_and_matches_by_subject():
    message = read("outlook_html_reply.eml")
    assert message.text.startswith("Approved & please proceed.\n\nJon\n\nFrom: Example Sales")
    assert "evil.example" not in message.text and "MsoNormal" not in message.text
    assert "<script>" in message.html  # kept as given, only ever read
    assert message.new_text == "Approved & please proceed.\n\nJon"
    assert match(message) == Match("quote", "Q000123", "subject", "RE: Quote Q000123 from Example")


def test_rewritten_message_ids_are_offered_newest_first_then_the_subject_decides():
    asked: list[list[str]] = []
    message = read("outlook_html_reply.eml")
    found = match_document(message, known_message_ids=lambda ids: asked.append(ids), key=KEY)
    assert asked == [["AM0PR04MB9999ZZZZ@AM0PR04MB9999.eurprd04.prod.outlook.com"]]
    assert found.rule == "subject"


def test_message_id_rule_when_no_token_but_in_reply_to_is_ours():
    message = simple(
        "From: a@customer.example\nTo: sales@example.com\nSubject: hello\n"
        "In-Reply-To: <other@x.example>\n"
        "References: <quote.Q000123.1@example.com> <other@x.example>"
    )
    assert match(message) == Match(
        "quote", "Q000123", "message_id", "other@x.example, quote.Q000123.1@example.com"
    )


def test_pdf_attachment_is_kept_with_its_digest_and_a_safe_name():
    message = read("reply_with_pdf.eml")
    (pdf,) = message.attachments
    assert pdf.name == "PO0000001 signed.pdf"  # the "../../" is gone
    assert pdf.content_type == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4") and len(pdf.content) == 125
    assert pdf.sha256 == hashlib.sha256(pdf.content).hexdigest()
    assert pdf.sha256 == "79370862c6cb54e96ed3125464c11e4ce3e8b08fb5048723695b6b9e9728d701"
    assert message.new_text == "Signed confirmation attached."


def test_bounce_gives_the_original_message_id_and_failed_recipient():
    message = read("bounce_dsn.eml")
    assert kind_of(message) == "bounce"
    assert bounce_details(message) == DeliveryReport(
        original_message_id="order.SO0000042.3@example.com",
        failed_recipients=("gone@customer.example",),
        status="5.1.1",
        diagnostic="smtp; 550 5.1.1 <gone@customer.example>: Recipient address rejected: "
        "User unknown",
    )


def test_a_bounce_without_a_report_is_read_from_its_text():
    message = simple(
        "Return-Path: <>\nFrom: MAILER-DAEMON@mx.customer.example\nTo: sales@example.com\n"
        "Subject: failure notice\nX-Failed-Recipients: gone@customer.example",
        "Sorry.\n\n--- Below this line is a copy of the message.\n\n"
        "Message-ID: <order.SO0000042.3@example.com>\nSubject: Order\n",
    )
    assert kind_of(message) == "bounce"
    assert bounce_details(message) == DeliveryReport(
        "order.SO0000042.3@example.com", ("gone@customer.example",)
    )


def test_auto_replies_and_lists_are_not_bounces():
    vacation = read("vacation.eml")
    assert bounce_details(vacation) is None
    assert bounce_details(read("plain_reply.eml")) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Auto-Submitted: auto-generated", "auto_reply"),
        ("Auto-Submitted: no", "reply"),
        ("Precedence: bulk", "auto_reply"),
        ("Precedence: junk", "auto_reply"),
        ("X-Autorespond: yes", "auto_reply"),
        ("Subject: Out of Office: back Monday", "auto_reply"),
        ("Subject: Abwesenheitsnotiz", "auto_reply"),
        ("List-Id: <team.lists.example>", "list"),
        ("Return-Path: <>", "reply"),
        ("Return-Path: <>\nSubject: Undeliverable: Quote", "bounce"),
        ("X-Loop: orderb2b@example.com", "loop"),
        ("X-Loop: someone-else@example.net", "reply"),
    ],
)
def test_classification_rules(headers, expected):
    if "Subject:" not in headers:
        headers += "\nSubject: Re: Quote Q000123"
    message = simple(f"From: Anna <anna@customer.example>\nTo: sales@example.com\n{headers}")
    assert kind_of(message) == expected


@pytest.mark.parametrize("sender", ["hub@example.com", "staff@eu.example.com"])
def test_mail_from_our_own_domains_is_a_loop(sender):
    message = simple(f"From: {sender}\nTo: sales@example.com\nSubject: Re: Q000123")
    assert kind_of(message) == "loop"


def test_one_of_our_people_answering_from_our_domain_is_no_loop_unless_marked():
    people = {"anna.staff@example.com"}.__contains__
    message = simple("From: anna.staff@example.com\nTo: reply@example.com\nSubject: Re: TASK000001")
    assert classify(message, our_domains=OURS, loop_marker=LOOP_MARKER, is_person=people) == (
        "reply"
    )
    hub = simple("From: hub@example.com\nTo: reply@example.com\nSubject: Re: TASK000001")
    assert classify(hub, our_domains=OURS, loop_marker=LOOP_MARKER, is_person=people) == "loop"
    marked = simple(f"From: anna.staff@example.com\nX-Loop: {LOOP_MARKER}\nSubject: Re: TASK000001")
    assert classify(marked, our_domains=OURS, loop_marker=LOOP_MARKER, is_person=people) == ("loop")


def test_unknown_charset_is_read_as_latin1_without_raising():
    message = read("unknown_charset.eml")
    assert message.subject == "Invoice INV0000007 été"
    assert message.text == "Qaplaé! The invoice is wrong."
    assert message.notes == ("unknown charset 'x-klingon': read as utf-8 or latin-1",)


def test_invalid_encoded_words_are_kept_as_written_and_valid_ones_decoded():
    message = read("invalid_encoded_words.eml")
    assert message.subject == "=?utf-8?B?!!!notbase64***?= about SO0000042 révisé"
    assert (message.from_name, message.from_address) == ("José", "jose@customer.example")
    assert message.date is None
    assert message.notes == (
        "unknown charset 'x-no-such-charset': read as utf-8 or latin-1",
        "invalid encoded-word kept as written: =?utf-8?B?!!!notbase64***?=",
        "unreadable Date 'not a date at all'",
    )


def test_mime_bomb_nested_fifty_deep_is_refused():
    with pytest.raises(MessageRefused) as refused:
        read("bomb_nested_50.eml")
    assert refused.value.code == 400
    assert refused.value.reason == "MIME parts nested deeper than 10"
    assert isinstance(refused.value, DocumentError)


def test_nesting_past_the_parsers_own_recursion_is_refused_too():
    depth = 3000
    opening = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth)
    )
    raw = f'From: x@a.example\nContent-Type: multipart/mixed; boundary="b0"\n\n{opening}x\n'
    with pytest.raises(MessageRefused) as refused:
        read_message(raw.encode())
    assert (refused.value.code, refused.value.reason) == (
        413,
        "message has more than 200 MIME parts",
    )
    with pytest.raises(MessageRefused) as refused:
        read_message(raw.encode(), max_parts=10_000)
    assert (refused.value.code, refused.value.reason) == (400, "MIME parts nested deeper than 10")


def test_parts_are_counted_before_the_parser_builds_them():
    raw = b"From: a@b.example\nContent-Type: multipart/mixed; boundary=p\n\n"
    raw += b"--p\n\nx\n" * 1_000_000 + b"--p--\n"
    started = time.monotonic()
    with pytest.raises(MessageRefused, match="more than 200 MIME parts"):
        read_message(raw)
    assert time.monotonic() - started < 2


def test_five_thousand_parts_are_refused():
    with pytest.raises(MessageRefused) as refused:
        read("bomb_5000_parts.eml")
    assert (refused.value.code, refused.value.reason) == (
        413,
        "message has more than 200 MIME parts",
    )
    allowed = read_message((FIXTURES / "bomb_5000_parts.eml").read_bytes(), max_parts=5001)
    assert allowed.text == "\n".join(["x"] * 5000)


def test_a_message_over_the_size_limit_is_refused_before_reading():
    raw = (FIXTURES / "plain_reply.eml").read_bytes()
    with pytest.raises(MessageRefused) as refused:
        read_message(raw, max_bytes=len(raw) - 1)
    assert refused.value.code == 413
    assert read_message(raw, max_bytes=len(raw)).subject == "Re: Your quote Q000123"


def test_empty_message_is_refused():
    with pytest.raises(MessageRefused) as refused:
        read_message(b"\r\n  \r\n")
    assert refused.value.code == 400


def test_an_attached_message_in_base64_is_kept_decoded_and_never_parsed_again():
    bomb = (FIXTURES / "bomb_5000_parts.eml").read_bytes()
    twice = base64.encodebytes(base64.encodebytes(bomb)).decode()
    raw = (
        'From: a@customer.example\nSubject: fwd\nContent-Type: multipart/mixed; boundary="m"\n\n'
        "--m\nContent-Type: text/plain\n\nsee attached\n"
        "--m\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
        f"{twice}\n--m--\n"
    )
    message = read_message(raw.encode())
    (attached,) = message.attachments
    assert attached.content_type == "message/rfc822"
    assert attached.name == "message.eml"
    assert base64.decodebytes(attached.content) == bomb  # one layer decoded, no further
    assert message.text == "see attached"


def test_header_with_raw_8bit_bytes_and_no_from_does_not_raise():
    raw = b"Subject: Gr\xfc\xdfe Q000123\nFrom: not an address\nContent-Type: text/plain\n\nx\n"
    message = read_message(raw)
    assert message.subject == "Grüße Q000123"
    assert (message.from_address, message.from_domain) == (None, None)
    assert sender_trust(message, ()) == "unverified"


def test_reply_tokens_round_trip_and_refuse_tampering():
    address = make_reply_address("hub", "example.com", "quote", "Q000123", KEY)
    assert address == QUOTE_TOKEN
    assert read_reply_address(address, KEY) == ("quote", "Q000123")
    assert read_reply_address(f"<{address.upper()}>", KEY) == ("quote", "Q000123")
    assert read_reply_address(address.replace("Q000123", "Q000124"), KEY) is None
    assert read_reply_address(address.replace("-48d8", "-48d9"), KEY) is None
    assert read_reply_address(address, b"another key") is None
    assert read_reply_address("sales@example.com", KEY) is None
    with pytest.raises(ValueError):
        make_reply_address("hub", "example.com", "parcel", "Q000123", KEY)


def test_a_tampered_token_falls_through_to_the_next_rule():
    forged = QUOTE_TOKEN.replace("Q000123", "Q000999")
    message = simple(f"From: a@customer.example\nTo: {forged}\nSubject: about SO0000042")
    assert match(message) == Match("order", "SO0000042", "subject", "about SO0000042")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: RFQ000123 answers", ("rfq", "RFQ000123")),
        ("Shipment SH0000009 late", ("shipment", "SH0000009")),
        ("q000123 please", ("quote", "Q000123")),
        ("XQ000123 or Q0001234 or Q00012", None),
        ("no number", None),
    ],
)
def test_subject_numbers(subject, expected):
    found = match(simple(f"From: a@customer.example\nTo: sales@example.com\nSubject: {subject}"))
    assert (found and (found.kind, found.number)) == (expected or None)


def test_sender_trust_from_our_servers_results():
    plain = read("plain_reply.eml")
    assert sender_trust(plain, ()) == "verified"
    assert sender_trust(plain, ("customer.example",)) == "verified"
    assert sender_trust(plain, ("other.example",)) == "unverified"
    assert sender_trust(read("spoofed_dmarc_fail.eml"), ("customer.example",)) == "spoofed"
    assert sender_trust(read("unknown_charset.eml"), ()) == "unverified"


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ("mx.example.com; spf=fail smtp.mailfrom=customer.example; dkim=none", "spoofed"),
        (
            "mx.example.com; spf=fail smtp.mailfrom=x.example; dkim=pass header.d=customer.example",
            "verified",
        ),
        ("mx.example.com; dkim=pass header.d=attacker.example", "unverified"),
        ("mx.example.com; spf=pass smtp.mailfrom=bounce@mail.customer.example", "verified"),
        (
            "spf=softfail smtp.mailfrom=x.example; dmarc=fail header.from=customer.example",
            "spoofed",
        ),
    ],
)
def test_sender_trust_rules(results, expected):
    message = simple(f"Authentication-Results: {results}\nFrom: anna@customer.example\nSubject: x")
    assert sender_trust(message, ("customer.example",)) == expected


def test_results_below_our_servers_are_not_believed():
    message = simple(
        "Authentication-Results: mx.example.com; dkim=none\n"
        "Authentication-Results: attacker.example; dmarc=pass header.from=customer.example\n"
        "From: anna@customer.example\nSubject: x"
    )
    assert sender_trust(message, ()) == "unverified"
    assert sender_trust(message, (), authserv_id="attacker.example") == "verified"


def test_received_spf_is_read_when_there_are_no_authentication_results():
    message = simple(
        "Received-SPF: fail (mx.example.com: domain does not designate) "
        "envelope-from=anna@customer.example\nFrom: anna@customer.example\nSubject: x"
    )
    assert sender_trust(message, ()) == "spoofed"


def test_kept_headers_and_dates_without_zone():
    message = simple(
        "From: a@customer.example\nDate: Tue, 3 Jun 2025 09:14:07 -0000\n"
        "X-Loop: other\nReceived: from somewhere\nSubject: =?utf-8?Q?caf=C3=A9?="
    )
    assert message.date == datetime(2025, 6, 3, 9, 14, 7, tzinfo=UTC)
    assert message.header("x-loop") == "other"
    assert message.header("Received") is None
    assert message.header("Subject") == "café"


def test_dates_keep_their_zone():
    message = simple("From: a@customer.example\nDate: Thu, 5 Jun 2025 12:00:00 -0400")
    assert message.date.utcoffset() == timezone(timedelta(hours=-4)).utcoffset(None)
