"""Documents we send to partners (confirmations, ship notices, invoices, 997s):
kept with every attempt's outcome and the partner's answer; never deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

PENDING, SENT, REFUSED, FAILED = "pending", "sent", "refused", "failed"
RETRY_DELAYS = (30.0, 120.0, 600.0, 1800.0, 3600.0)


class OutboundDocument:
    id: int | None

    def __init__(
        self,
        partner: str,
        channel: str,
        kind: str,
        reference: str,
        document_key: str,
        content_type: str,
        raw: bytes,
        endpoint: str | None,
        now: datetime,
    ) -> None:
        self.partner = partner
        self.channel = channel
        self.kind = kind
        self.reference = reference
        self.document_key = document_key
        self.content_type = content_type
        self.raw = raw
        self.endpoint = endpoint
        self.state = PENDING if endpoint else FAILED
        self.error = None if endpoint else f"partner {partner} has no endpoint for {kind}"
        self.attempts = 0
        self.next_attempt_at = now if endpoint else None
        self.created_at = now
        self.sent_at = None
        self.response_code = self.response_text = self.response_raw = None

    def answered(
        self, code: int, text: str, raw: bytes, *, accepted: bool, final: bool, now: datetime
    ) -> None:
        """The partner answered: accepted, refused for good, or refused for now."""
        self.attempts += 1
        self.response_code, self.response_text, self.response_raw = code, text, raw
        if accepted:
            self.state, self.sent_at, self.next_attempt_at, self.error = SENT, now, None, None
        elif final:
            self.state, self.next_attempt_at, self.error = REFUSED, None, f"{code} {text}"
        else:
            self._retry_later(f"{code} {text}", now)

    def unreachable(self, error: str, now: datetime) -> None:
        self.attempts += 1
        self._retry_later(error, now)

    def _retry_later(self, error: str, now: datetime) -> None:
        self.error = error
        if self.attempts > len(RETRY_DELAYS):
            self.state, self.next_attempt_at = FAILED, None
            return
        self.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[self.attempts - 1])

    def answered_in_exchange(self, now: datetime) -> None:
        """Delivered as the answer to the partner's own request (a 997 in the HTTP
        response, or printed by the CLI), so there is nothing to post."""
        self.state, self.sent_at, self.next_attempt_at = SENT, now, None
        self.error = None
        self.response_text = "answered in the exchange that brought the interchange"

    def retry_now(self, now: datetime) -> None:
        """Staff send a failed or refused document again."""
        if self.endpoint:
            self.state, self.next_attempt_at = PENDING, now
