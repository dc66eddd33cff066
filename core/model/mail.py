"""Email kept by the hub: every message sent (with each attempt's answer) and every
message received (raw, before anything else), and comments that arrived by email on
documents without a comment list of their own. Never deleted."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from core.errors import OrderB2BError

PENDING, SENT, FAILED, REFUSED, BOUNCED = "pending", "sent", "failed", "refused", "bounced"
# About a day of retries: a mail server down for maintenance is waited out.
RETRY_DELAYS = (30.0, 120.0, 600.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0)

# Inbound states: received (stored, not yet routed), routed (it did what it said),
# ignored (auto-reply, bounce, loop, list), triage (nobody knows where it belongs),
# refused (unreadable or over a limit: kept for inspection), filed (triage done by staff).
RECEIVED, ROUTED, IGNORED, TRIAGE, FILED = "received", "routed", "ignored", "triage", "filed"
INBOUND_STATES = (RECEIVED, ROUTED, IGNORED, TRIAGE, REFUSED, FILED)
OUTCOMES = (
    "comment",
    "tracking",
    "confirmation",
    "bounce",
    "auto_reply",
    "loop",
    "list",
    "unmatched",
    "unreadable",
)
# What staff write to customers and suppliers about, and file received mail on;
CUSTOMER_DOCUMENT_KINDS = (
    "order",
    "quote",
    "invoice",
    "shipment",
    "purchase_order",
    "rfq",
    "rma",
)
# with the kinds our own staff are mailed notices about.
DOCUMENT_KINDS = (*CUSTOMER_DOCUMENT_KINDS, "task", "discussion")
MAX_RECIPIENTS = 50


class MailRefused(OrderB2BError):
    """A message that cannot be sent or filed as asked; nothing was changed."""


class OutgoingMail:
    """A composed message waiting for, or past, the mail server; recorded on its
    document, so its history shows who sent what to whom, and when."""

    id: int | None

    def __init__(
        self,
        *,
        kind: str,
        document_kind: str,
        document_id: int,
        document_number: str,
        sender: str,
        recipients: list[str],
        cc: list[str],
        subject: str,
        message_id: str,
        raw: bytes,
        created_by: str,
        now: datetime,
    ) -> None:
        if not recipients:
            raise MailRefused("a message needs at least one recipient")
        if len(recipients) + len(cc) > MAX_RECIPIENTS:
            raise MailRefused(f"a message goes to at most {MAX_RECIPIENTS} addresses")
        self.kind = kind
        self.document_kind = document_kind
        self.document_id = document_id
        self.document_number = document_number
        self.sender = sender
        self.recipients = list(recipients)
        self.cc = list(cc)
        self.subject = subject
        self.message_id = message_id
        self.raw = raw
        self.size = len(raw)
        self.state = PENDING
        self.attempts = 0
        self.next_attempt_at = now
        self.sent_at = None
        self.answer_code = None
        self.answer = None
        self.refused_recipients = None
        self.bounced_at = None
        self.bounce = None
        self.created_by = created_by
        self.created_at = now

    @property
    def envelope_recipients(self) -> list[str]:
        return [*self.recipients, *self.cc]

    def answered(
        self,
        code: int,
        text: str,
        *,
        accepted: bool,
        final: bool,
        now: datetime,
        refused: dict[str, str] | None = None,
    ) -> None:
        """The mail server answered: took it, refused it for good, or not now."""
        self.attempts += 1
        self.answer_code, self.answer = code, text[:1000]
        if accepted:
            self.state, self.sent_at, self.next_attempt_at = SENT, now, None
            self.refused_recipients = refused or None
        elif final:
            self.state, self.next_attempt_at = REFUSED, None
        elif self.attempts > len(RETRY_DELAYS):
            self.state, self.next_attempt_at = FAILED, None
        else:
            self.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[self.attempts - 1])

    def bounced(self, reason: str, now: datetime) -> None:
        """A delivery report came back for this message."""
        self.state, self.bounced_at, self.bounce = BOUNCED, now, reason[:1000]

    def retry_now(self, now: datetime) -> None:
        """Staff send a failed, refused or bounced message again."""
        if self.state != SENT:
            self.state, self.next_attempt_at = PENDING, now


class InboundMail:
    """A message as it arrived, kept before anything is done with it, with what
    routing made of it."""

    id: int | None

    def __init__(
        self,
        *,
        door: str,
        mailbox: str | None,
        raw: bytes,
        envelope_from: str | None,
        envelope_to: list[str],
        peer: str | None,
        now: datetime,
    ) -> None:
        self.door = door
        self.mailbox = mailbox
        self.raw = raw
        self.size = len(raw)
        self.sha256 = digest(raw)
        self.envelope_from = envelope_from
        self.envelope_to = list(envelope_to)
        self.peer = peer
        self.received_at = now
        self.state = RECEIVED
        self.outcome = None
        self.message_id = self.from_address = self.subject = None
        self.document_kind = self.document_number = None
        self.rule = self.evidence = self.note = None
        self.routed_at = None

    def describe(
        self, message_id: str | None, from_address: str | None, subject: str | None
    ) -> None:
        self.message_id = (message_id or "")[:998] or None
        self.from_address = (from_address or "")[:320] or None
        self.subject = (subject or "")[:998] or None

    def route(
        self,
        state: str,
        outcome: str,
        now: datetime,
        *,
        document: tuple[str, str] | None = None,
        rule: str | None = None,
        evidence: str | None = None,
        note: str | None = None,
    ) -> None:
        if state not in INBOUND_STATES or outcome not in OUTCOMES:
            raise MailRefused(f"no such routing: {state}/{outcome}")
        self.state, self.outcome, self.routed_at = state, outcome, now
        self.document_kind, self.document_number = document or (None, None)
        self.rule = rule
        self.evidence = (evidence or "")[:500] or None
        self.note = (note or "")[:1000] or None

    def file(self, document_kind: str, document_number: str, now: datetime) -> None:
        """Staff put a message from the triage list on a document."""
        if self.state not in (TRIAGE, REFUSED, IGNORED):
            raise MailRefused(f"message {self.id} is {self.state}; only triage mail is filed")
        self.route(FILED, "comment", now, document=(document_kind, document_number), rule="staff")


class DocumentComment:
    """A comment on a quote, invoice, shipment or RFQ (orders and purchase orders keep
    their own comments); from email, the sender is its author."""

    id: int | None

    def __init__(
        self,
        document_kind: str,
        document_id: int,
        author_kind: str,
        author: str,
        body: str,
        inbound_mail_id: int | None,
        now: datetime,
    ) -> None:
        if not body.strip():
            raise MailRefused("a comment needs some text")
        self.document_kind = document_kind
        self.document_id = document_id
        self.author_kind = author_kind
        self.author = author
        self.visibility = "public"
        self.body = body.strip()[:10_000]
        self.inbound_mail_id = inbound_mail_id
        self.created_at = now


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
