"""cXML Response rendering."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.cxml.render import STATUS_TEXT, new_payload_id, render_response
from adapters.xml import parse_xml
from core.errors import DocumentTooLarge, HostileDocument, ParseError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PROLOG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">\n'
)


def status_of(document: bytes):
    root = parse_xml(document)
    assert root.tag == "cXML"
    (response,) = root
    assert response.tag == "Response"
    (status,) = response
    assert status.tag == "Status"
    return root, status


def test_ok_response() -> None:
    stamp = datetime(2025, 3, 14, 9, 26, 41, tzinfo=timezone(timedelta(hours=-4)))
    document = render_response(200, "OK", payload_id="p-1@hub", timestamp=stamp)
    assert document.startswith(PROLOG)
    root, status = status_of(document)
    assert root.get("payloadID") == "p-1@hub"
    assert root.get("timestamp") == "2025-03-14T09:26:41-04:00"
    assert root.get(XML_LANG) == "en-US"
    assert (status.get("code"), status.get("text"), status.text) == ("200", "OK", None)


@pytest.mark.parametrize(
    "message",
    [
        "orderID <PO-1> & \"quotes\" 'apostrophes'",
        '</Status></Response><Response><Status code="200" text="OK">',
        "]]><!ENTITY x 'y'>&x;",
        "Ümlauts, emoji \U0001f4e6 and CJK 注文",
    ],
)
def test_message_is_escaped(message: str) -> None:
    document = render_response(400, "Bad Request", message=message)
    _, status = status_of(document)
    assert (status.get("code"), status.get("text"), status.text) == ("400", "Bad Request", message)
    assert status.get(XML_LANG) == "en-US"


def test_control_characters_cannot_break_the_document() -> None:
    _, status = status_of(render_response(500, "", message="bad\x00byte\x1b[31m"))
    assert status.text == "bad\ufffdbyte\ufffd[31m"


def test_text_defaults_to_the_standard_text() -> None:
    for code, expected in STATUS_TEXT.items():
        _, status = status_of(render_response(code, ""))
        assert (status.get("code"), status.get("text")) == (str(code), expected)


def test_standard_texts() -> None:
    assert STATUS_TEXT[200] == "OK"
    assert STATUS_TEXT[201] == "Accepted"
    assert STATUS_TEXT[204] == "No Content"
    assert STATUS_TEXT[400] == "Bad Request"
    assert STATUS_TEXT[401] == "Unauthorized"
    assert STATUS_TEXT[403] == "Forbidden"
    assert STATUS_TEXT[406] == "Not Acceptable"
    assert STATUS_TEXT[409] == "Conflict"
    assert STATUS_TEXT[413] == "Request Entity Too Large"
    assert STATUS_TEXT[500] == "Internal Server Error"


@pytest.mark.parametrize("error", [ParseError, HostileDocument, DocumentTooLarge])
def test_every_document_error_code_has_a_text(error: type) -> None:
    assert error("x").code in STATUS_TEXT


def test_generated_payload_ids_are_unique_and_shaped() -> None:
    ids = {new_payload_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"\d+\.\d+\.[0-9a-f]+@[A-Za-z0-9.-]+", i) for i in ids)
    first, second = (status_of(render_response(200, "OK"))[0] for _ in range(2))
    assert first.get("payloadID") != second.get("payloadID")


def test_default_timestamp_is_now_with_a_zone() -> None:
    root, _ = status_of(render_response(201, "Accepted"))
    stamp = datetime.fromisoformat(root.get("timestamp"))
    assert stamp.tzinfo is not None
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=1)


def test_naive_timestamp_is_taken_as_utc() -> None:
    root, _ = status_of(render_response(200, "OK", timestamp=datetime(2025, 1, 2, 3, 4, 5)))
    assert root.get("timestamp") == "2025-01-02T03:04:05+00:00"


def test_other_codes_fall_back_to_the_http_reason() -> None:
    _, status = status_of(render_response(404, ""))
    assert (status.get("code"), status.get("text")) == ("404", "Not Found")


@pytest.mark.parametrize("code", [99, 1000, "200", 600])
def test_unknown_or_malformed_codes(code) -> None:
    with pytest.raises(ValueError):
        render_response(code, "")


def test_custom_text_for_a_custom_code() -> None:
    _, status = status_of(render_response(299, "Partner specific"))
    assert (status.get("code"), status.get("text")) == ("299", "Partner specific")


def test_markup_and_whitespace_in_texts_survive_exactly() -> None:
    tricky = 'Tom\'s "quote" <b>&amp; co</b>\n\tnext line'
    document = render_response(409, tricky, payload_id='a"b<c>&d', message=tricky)
    root, status = status_of(document)
    assert root.get("payloadID") == 'a"b<c>&d'
    assert (status.get("text"), status.text) == (tricky, tricky)
