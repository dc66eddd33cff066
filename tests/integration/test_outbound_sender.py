"""Outbound documents: kept, posted to the partner, answered, retried, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core import commands
from core.model.outbound import FAILED, PENDING, REFUSED, RETRY_DELAYS, SENT
from core.storage import tables
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.outbound.sender import OutboundSender

BODY = b"ISA*00*...~"


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def queue(app, endpoint) -> int:
    command = commands.QueueOutbound(
        "agency", "x12", "855", "SO0000001", "000000101", "application/edi-x12", BODY, endpoint
    )
    return app.bus.execute(command)


def row(app, document_id):
    with app.engine.connect() as connection:
        table = tables.outbound_documents
        return connection.execute(select(table).where(table.c.id == document_id)).one()


def test_accepted_document_is_marked_sent_with_the_answer(app, partner_url):
    url, partner = partner_url
    partner.answers.append(200)
    document_id = queue(app, url)
    assert row(app, document_id).state == PENDING
    assert OutboundSender(app.uow_factory, {}).send_due() == 1
    sent = row(app, document_id)
    assert (sent.state, sent.attempts, sent.response_code) == (SENT, 1, 200)
    assert sent.response_raw == b"accepted" and sent.sent_at is not None
    assert partner.received == [("application/edi-x12", BODY)]


def test_server_errors_are_retried_with_backoff_until_accepted(app, partner_url):
    url, partner = partner_url
    partner.answers.extend([503, 200])
    clock = Clock()
    sender = OutboundSender(app.uow_factory, {}, clock=clock)
    document_id = queue(app, url)
    clock.now = datetime.now(UTC)
    sender.send_due()
    waiting = row(app, document_id)
    assert (waiting.state, waiting.attempts, waiting.error) == (PENDING, 1, "503 try again later")
    assert sender.send_due() == 0, "not due before its backoff"
    clock.now += timedelta(seconds=RETRY_DELAYS[0] + 1)
    assert sender.send_due() == 1
    assert (row(app, document_id).state, row(app, document_id).attempts) == (SENT, 2)


def test_a_refusal_is_final_and_unreachable_partners_fail_after_all_retries(app, partner_url):
    url, partner = partner_url
    partner.answers.append(400)
    refused = queue(app, url)
    OutboundSender(app.uow_factory, {}).send_due()
    assert (row(app, refused).state, row(app, refused).response_code) == (REFUSED, 400)

    unreachable = queue(app, "http://127.0.0.1:9/nobody-listens")
    clock = Clock()
    clock.now = datetime.now(UTC)
    sender = OutboundSender(app.uow_factory, {}, clock=clock, timeout=2)
    for _ in range(len(RETRY_DELAYS) + 1):
        assert sender.send_due() == 1
        clock.now += timedelta(hours=2)
    failed = row(app, unreachable)
    assert (failed.state, failed.attempts) == (FAILED, len(RETRY_DELAYS) + 1)
    assert "127.0.0.1:9" in failed.error


def test_a_partner_without_an_endpoint_is_kept_as_failed_with_the_reason(app):
    document_id = queue(app, None)
    kept = row(app, document_id)
    assert kept.state == FAILED and "no endpoint for 855" in kept.error and kept.raw == BODY
