"""Outbound mail: every kind rendered from its templates (built-in or an
administrator's), standard texts, and the composed message read back with the
standard library's parser."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from mail.compose import (
    AUTOMATIC_KINDS,
    KINDS,
    Attachment,
    Rendered,
    TemplateFailed,
    UnknownText,
    compose,
    render,
    standard_text,
    tracking_url,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail_out"
TEXTS = {
    "payment_terms": "Net 30 days from the invoice date.\nPay by ACH to account 4471.",
    "mail_footer": "Northwind Office Supply, 12 Harbor Rd, Reno NV 89501",
}
# What each kind must say in its subject and in both parts.
ESSENTIALS = {
    "order_confirmation": ("SO-10482", "PO-4471-22", "858.06"),
    "shipment_notice": ("SO-10482", "794698541562", "fedex.com/fedextrack/?trknbr=794698541562"),
    "quote_sent": ("Q-3310", "12,480.00", "2025-04-30"),
    "invoice_sent": ("INV-88012", "858.06", "Net 30 days"),
    "purchase_order": ("PO-55120", "TN-471BK", "244.80"),
    "po_comment": ("PO-55120", "Priya Raman", "Reno warehouse"),
    "staff_message": ("backorder until 24 March", "Priya Raman"),
    "task_notification": ("Call Acme about PO-55120", "2025-03-17", "/admin/tasks/412"),
    "discussion_notification": ("county contract", "Priya Raman", "/admin/discussions/38"),
    "discussion_invitation": ("county contract", "Priya Raman", "County bids", "DISC000038"),
}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\r\n\n\r.\r\n%%EOF\n"


def context(kind: str) -> dict:
    return json.loads((FIXTURES / f"{kind}.json").read_text(encoding="utf-8"))


def rendered(**changes) -> Rendered:
    parts = {
        "subject": "Order SO-10482 received",
        "text": "Hello,\n\nThank you.\n",
        "html": "<p>Hello,</p><p>Thank you.</p>",
    }
    return Rendered(**{**parts, **changes})


def composed(**changes) -> tuple[str, bytes]:
    arguments = {
        "sender": "Northwind Office Supply <orders@northwind.example>",
        "to": ["Dana Whitfield <dana@buyer.example>"],
        "reply_to": "orders+SO-10482@northwind.example",
        "attachments": [],
        "message_id_domain": "northwind.example",
    }
    message = changes.pop("message", rendered())
    return compose(message, **{**arguments, **changes})


def parsed(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def content(part) -> str:
    """A text part as rendered: on the wire its lines end in CRLF."""
    return part.get_content().replace("\r\n", "\n")


# ------------------------------------------------------------------ rendering


def test_every_kind_has_a_fixture_and_its_essentials():
    assert set(KINDS) == set(ESSENTIALS) == {path.stem for path in FIXTURES.glob("*.json")}
    assert set(KINDS) >= AUTOMATIC_KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_every_built_in_kind_renders_both_parts(kind):
    message = render(kind, context(kind), overrides_dir=None, texts=TEXTS)

    assert message.subject and "\n" not in message.subject
    assert message.subject == message.subject.strip()
    for essential in ESSENTIALS[kind]:
        assert essential in message.text, essential
        assert essential in message.html, essential
    assert message.html.lstrip().startswith("<!DOCTYPE html>")
    assert "<" not in message.text
    assert "Northwind Office Supply" in message.text
    assert "Northwind Office Supply" in message.html
    # The footer standard text goes to customers and suppliers, not to our staff.
    external = not kind.startswith(("task_", "discussion_"))
    assert ("12 Harbor Rd" in message.text) is external
    assert ("12 Harbor Rd" in message.html) is external
    assert not re.search(r"\n{3,}", message.text)


def test_subjects_name_the_document():
    subjects = {
        kind: render(kind, context(kind), overrides_dir=None, texts={}).subject for kind in KINDS
    }
    assert subjects["order_confirmation"] == (
        "Northwind Office Supply: order SO-10482 received (your PO PO-4471-22)"
    )
    assert subjects["purchase_order"] == "Purchase order PO-55120 from Northwind Office Supply"
    assert subjects["staff_message"] == "Your order SO-10482: paper on backorder"


def test_optional_parts_are_left_out_when_absent():
    values = context("quote_sent")
    del values["contact_name"], values["quote"]["valid_until"]
    message = render("quote_sent", values, overrides_dir=None, texts={})

    assert message.text.startswith("Hello,\n\n")
    assert "valid until" not in message.text
    assert "-- " not in message.text  # no footer text kept


def test_an_override_replaces_the_built_in_and_is_read_on_every_render(tmp_path):
    values = context("quote_sent")
    (tmp_path / "quote_sent.txt").write_text("Quote {{ quote.number }}, first version\n")
    first = render("quote_sent", values, overrides_dir=tmp_path, texts={})
    (tmp_path / "quote_sent.txt").write_text("Quote {{ quote.number }}, second version\n")
    second = render("quote_sent", values, overrides_dir=tmp_path, texts={})

    assert first.text == "Quote Q-3310, first version\n"
    assert second.text == "Quote Q-3310, second version\n"
    # The parts not overridden are still ours.
    assert second.subject == "Northwind Office Supply: quote Q-3310"
    assert "attached as a PDF" in second.html


def test_an_overridden_layout_frames_every_html_message(tmp_path):
    (tmp_path / "_layout.html").write_text(
        "<html><body class=theirs>{% block body %}{% endblock %}</body></html>"
    )
    message = render("invoice_sent", context("invoice_sent"), overrides_dir=tmp_path, texts={})

    assert message.html.startswith("<html><body class=theirs>")
    assert "INV-88012" in message.html


def test_standard_texts_are_reached_by_name(tmp_path):
    (tmp_path / "staff_message.txt").write_text('{{ body }}\n\n{{ text("payment_terms") }}\n')
    message = render("staff_message", context("staff_message"), overrides_dir=tmp_path, texts=TEXTS)

    assert message.text.endswith(
        "Net 30 days from the invoice date.\nPay by ACH to account 4471.\n"
    )
    assert standard_text("payment_terms", TEXTS) == TEXTS["payment_terms"]


def test_an_unknown_standard_text_is_named():
    with pytest.raises(UnknownText, match=r"no standard text named 'payment_term' \(known: "):
        standard_text("payment_term", TEXTS)


def test_an_unknown_standard_text_in_a_template_is_one_clear_error(tmp_path):
    (tmp_path / "quote_sent.txt").write_text('{{ text("warranty") }}\n')

    with pytest.raises(UnknownText) as raised:
        render("quote_sent", context("quote_sent"), overrides_dir=tmp_path, texts=TEXTS)
    assert str(raised.value) == (
        "mail template quote_sent.txt: no standard text named 'warranty' "
        "(known: mail_footer, payment_terms)"
    )


def test_a_template_syntax_error_names_the_file_and_line(tmp_path):
    (tmp_path / "quote_sent.html").write_text("<p>\n{% if quote.number %}\n<p>{{ quote.number")

    with pytest.raises(TemplateFailed, match=r"^mail template quote_sent.html line 3: "):
        render("quote_sent", context("quote_sent"), overrides_dir=tmp_path, texts={})


def test_an_unknown_variable_is_one_clear_error(tmp_path):
    (tmp_path / "quote_sent.subject.txt").write_text("Quote {{ quote.nummer }}")

    with pytest.raises(TemplateFailed, match=r"quote_sent.subject.txt failed: .*'nummer'"):
        render("quote_sent", context("quote_sent"), overrides_dir=tmp_path, texts={})


def test_a_missing_context_value_is_one_clear_error():
    values = context("invoice_sent")
    del values["invoice"]["order_number"]

    with pytest.raises(TemplateFailed, match=r"invoice_sent\.subject\.txt failed: .*order_number"):
        render("invoice_sent", values, overrides_dir=None, texts={})


def test_a_template_cannot_leave_the_sandbox(tmp_path):
    (tmp_path / "quote_sent.txt").write_text("{{ quote.__class__.__mro__ }}")

    with pytest.raises(TemplateFailed, match=r"quote_sent\.txt failed"):
        render("quote_sent", context("quote_sent"), overrides_dir=tmp_path, texts={})


@pytest.mark.parametrize("kind", ["no_such_kind", "../etc/passwd", "Quote_Sent"])
def test_an_unknown_kind_is_refused(kind):
    with pytest.raises(TemplateFailed):
        render(kind, {}, overrides_dir=None, texts={})


def test_html_is_autoescaped_and_text_is_not():
    values = context("po_comment")
    values["comment"]["body"] = 'Use <b>bold</b> & "quotes"\n<script>alert(1)</script>'
    values["company"]["name"] = "Smith & Sons"
    message = render("po_comment", values, overrides_dir=None, texts={})

    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "Use &lt;b&gt;bold&lt;/b&gt; &amp; &#34;quotes&#34;<br>" in message.html
    assert "Smith &amp; Sons" in message.html
    assert 'Use <b>bold</b> & "quotes"\n<script>alert(1)</script>' in message.text
    assert message.subject == "Re: Purchase order PO-55120 from Smith & Sons"


def test_a_subject_is_one_line_whatever_the_context_holds():
    values = context("staff_message")
    values["subject"] = "Backorder\r\nBcc: victim@example.com"
    message = render("staff_message", values, overrides_dir=None, texts={})

    assert message.subject == "Backorder Bcc: victim@example.com"


# ------------------------------------------------------------------ composing


def test_attachments_come_back_byte_exact():
    csv = b"part,qty\r\n00471-BK,4\r\n"
    message_id, raw = composed(
        attachments=[
            Attachment("Q-3310.pdf", "application/pdf", PDF),
            Attachment("lines.csv", "text/csv", csv),
        ]
    )
    message = parsed(raw)

    assert message.get_content_type() == "multipart/mixed"
    alternative, pdf, table = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert (pdf.get_content_type(), pdf.get_filename()) == ("application/pdf", "Q-3310.pdf")
    assert pdf.get_content_disposition() == "attachment"
    assert pdf.get_payload(decode=True) == PDF
    assert table.get_filename() == "lines.csv"
    assert table.get_payload(decode=True) == csv
    assert message["Message-ID"] == message_id


def test_without_attachments_the_message_is_the_two_alternatives():
    _, raw = composed()
    message = parsed(raw)

    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert content(text) == "Hello,\n\nThank you.\n"
    assert content(html).strip() == "<p>Hello,</p><p>Thank you.</p>"


def test_the_bytes_are_ascii_with_crlf_lines_and_non_ascii_is_encoded():
    _, raw = composed(
        message=rendered(
            subject="Bestellung SO-10482 bestätigt, Müller GmbH",
            text="Grüße aus Reno\n",
            html="<p>Grüße aus Reno</p>",
        ),
        sender="Northwind Bürobedarf <orders@northwind.example>",
        to=["Jörg Müller <jm@buyer.example>", "ap@buyer.example"],
        cc=["Zoë Ålund <zoe@buyer.example>"],
        attachments=[Attachment("Angebot Größe.pdf", "application/pdf", PDF)],
    )

    raw.decode("ascii")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    message = parsed(raw)
    assert message["Subject"] == "Bestellung SO-10482 bestätigt, Müller GmbH"
    assert "Müller" not in raw.decode("ascii")
    assert message["From"].addresses[0].display_name == "Northwind Bürobedarf"
    assert [a.display_name for a in message["To"].addresses] == ["Jörg Müller", ""]
    assert message["Cc"].addresses[0].addr_spec == "zoe@buyer.example"
    assert message["Reply-To"] == "orders+SO-10482@northwind.example"
    body = message.get_body(preferencelist=("plain",))
    assert content(body) == "Grüße aus Reno\n"
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "Angebot Größe.pdf"
    assert attachment.get_payload(decode=True) == PDF


def test_message_ids_are_unique_and_dated():
    first, raw = composed()
    second, _ = composed()
    message = parsed(raw)

    assert re.fullmatch(r"<[0-9a-f-]{36}@northwind\.example>", first)
    assert first != second
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert "In-Reply-To" not in message and "References" not in message
    assert "Auto-Submitted" not in message and "X-Loop" not in message


def test_a_reply_carries_the_threading_headers():
    _, raw = composed(
        in_reply_to="<parent@buyer.example>",
        references=("<root@northwind.example>", "<second@buyer.example>"),
    )
    message = parsed(raw)

    assert message["In-Reply-To"] == "<parent@buyer.example>"
    assert message["References"].split() == [
        "<root@northwind.example>",
        "<second@buyer.example>",
        "<parent@buyer.example>",
    ]


def test_the_parent_is_not_repeated_in_references_and_brackets_are_added():
    _, raw = composed(in_reply_to="parent@buyer.example", references=("<parent@buyer.example>",))
    message = parsed(raw)

    assert message["In-Reply-To"] == "<parent@buyer.example>"
    assert message["References"] == "<parent@buyer.example>"


def test_automatic_mail_says_so_and_carries_our_loop_header():
    _, raw = composed(
        auto_submitted=True,
        x_loop="orders@northwind.example",
        headers={"X-OrderB2B-Document": "order SO-10482"},
    )
    message = parsed(raw)

    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["X-Loop"] == "orders@northwind.example"
    assert message["X-OrderB2B-Document"] == "order SO-10482"


CR_LF = "may not contain CR or LF"
INJECTIONS = {
    "subject": ({"message": rendered(subject="Hi\r\nBcc: victim@example.com")}, CR_LF),
    "subject_lf": ({"message": rendered(subject="Hi\nBcc: victim@example.com")}, CR_LF),
    "sender": ({"sender": "orders@northwind.example\nBcc: victim@example.com"}, CR_LF),
    "to": ({"to": ["dana@buyer.example\r\nBcc: victim@example.com"]}, CR_LF),
    "cc": ({"cc": ["ap@buyer.example\rBcc: victim@example.com"]}, CR_LF),
    "reply_to": ({"reply_to": "orders@northwind.example\r\nX-Evil: 1"}, CR_LF),
    "in_reply_to": ({"in_reply_to": "<a@b>\r\nBcc: victim@example.com"}, CR_LF),
    "references": ({"references": ("<a@b>\nBcc: victim@example.com",)}, CR_LF),
    "x_loop": ({"x_loop": "orders@northwind.example\r\nBcc: victim@example.com"}, CR_LF),
    "header_value": ({"headers": {"X-Note": "one\r\nBcc: victim@example.com"}}, CR_LF),
    "header_name": ({"headers": {"X-Note\r\nBcc": "victim@example.com"}}, "not a header name"),
    "header_colon": ({"headers": {"Bcc: victim@example.com": "1"}}, "not a header name"),
    "header_ours": ({"headers": {"subject": "another subject"}}, "set by compose itself"),
    "attachment_name": (
        {"attachments": [Attachment("a.pdf\r\nBcc: victim@example.com", "application/pdf", PDF)]},
        CR_LF,
    ),
    "content_type": (
        {"attachments": [Attachment("a.pdf", "application/pdf\r\nBcc: x@example.com", PDF)]},
        "not a content type",
    ),
    "domain": (
        {"message_id_domain": "northwind.example>\r\nBcc: victim@example.com"},
        "not a domain",
    ),
    "not_a_message_id": ({"in_reply_to": "<a@b> <c@d>"}, "not a message id"),
    "no_recipient": ({"to": []}, "at least one recipient"),
}


@pytest.mark.parametrize(("change", "refusal"), INJECTIONS.values(), ids=INJECTIONS.keys())
def test_header_injection_is_refused(change, refusal):
    with pytest.raises(ValueError, match=refusal):
        composed(**change)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_composes_into_a_message_that_parses(kind):
    message = render(kind, context(kind), overrides_dir=None, texts=TEXTS)
    _, raw = composed(message=message, auto_submitted=kind in AUTOMATIC_KINDS)
    back = parsed(raw)

    # The standard library folds a long subject after "Subject:"; readers strip the space.
    assert back["Subject"].lstrip() == message.subject
    assert content(back.get_body(preferencelist=("plain",))) == message.text
    assert content(back.get_body(preferencelist=("html",))) == message.html


# ------------------------------------------------------------------ tracking links


@pytest.mark.parametrize(
    ("carrier", "number", "url"),
    [
        ("FedEx", "794698541562", "https://www.fedex.com/fedextrack/?trknbr=794698541562"),
        ("FDEG", "7946 9854 1562", "https://www.fedex.com/fedextrack/?trknbr=794698541562"),
        ("Federal Express", "794698541562", "https://www.fedex.com/fedextrack/?trknbr=794698541562"),
        ("UPS", "1Z999AA10123456784", "https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784"),
        ("upsn", "1Z999AA10123456784", "https://www.ups.com/track?loc=en_US&tracknum=1Z999AA10123456784"),
        ("United Parcel Service", "1Z9", "https://www.ups.com/track?loc=en_US&tracknum=1Z9"),
        ("USPS", "9400100000000000000000", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000000"),
        ("U.S. Postal Service", "EA123456789US", "https://tools.usps.com/go/TrackConfirmAction?tLabels=EA123456789US"),
        ("DHL Express", "1234567890", "https://www.dhl.com/global-en/home/tracking.html?tracking-id=1234567890&submit=1"),
        ("DHLC", "1234567890", "https://www.dhl.com/global-en/home/tracking.html?tracking-id=1234567890&submit=1"),
        ("UPS", "1Z&x=<y>", "https://www.ups.com/track?loc=en_US&tracknum=1Z%26x%3D%3Cy%3E"),
    ],
)  # fmt: skip
def test_tracking_urls_for_the_carriers_we_know(carrier, number, url):
    assert tracking_url(carrier, number) == url


@pytest.mark.parametrize(
    ("carrier", "number"),
    [("OnTrac", "C11223344"), ("table", "X1"), ("", "794698541562"), ("FedEx", " "), (None, "1")],
)
def test_no_tracking_url_for_other_carriers_or_no_number(carrier, number):
    assert tracking_url(carrier, number) is None


def test_a_shipment_by_an_unknown_carrier_shows_its_number_without_a_link():
    values = context("shipment_notice")
    values["shipment"].update(carrier="Reno Courier", carrier_code=None)
    message = render("shipment_notice", values, overrides_dir=None, texts={})

    assert "Tracking number: 794698541562" in message.text
    assert "Track it" not in message.text
    assert "<a href" not in message.html
