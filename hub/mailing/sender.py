"""Hands queued messages to the mail server and records each answer on the message:
sent, refused for good, or tried again later with backoff. One message per
transaction; on PostgreSQL several senders skip each other's rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from core.model.mail import OutgoingMail
from hub.due_sender import DueSender
from mail.smtp_client import SmtpSettings, send_message

log = logging.getLogger("orderb2b.mail")


class MailSender(DueSender):
    failure = "mail sending failed"
    log = log

    def __init__(
        self,
        uow_factory,
        settings: SmtpSettings,
        *,
        send=send_message,
        idle_wait: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(idle_wait)
        self.uow_factory = uow_factory
        self.settings = settings
        self.send = send
        self.clock = clock

    def send_one(self, mail_id: int | None = None) -> OutgoingMail | None:
        with self.uow_factory() as uow:
            now = self.clock()
            if mail_id is None:
                due = uow.mail.due_outgoing(now, 1)
                mail = due[0] if due else None
            else:
                mail = uow.mail.claim_outgoing(mail_id)
            if mail is None:
                return None
            self._attempt(mail, now)
            uow.commit()
            return mail

    def _attempt(self, mail: OutgoingMail, now: datetime) -> None:
        answer = self.send(self.settings, mail.sender, mail.envelope_recipients, mail.raw)
        refused = {address: f"{code} {text}" for address, (code, text) in answer.refused.items()}
        mail.answered(
            answer.code,
            answer.text,
            accepted=answer.accepted,
            final=answer.final,
            now=now,
            refused=refused,
        )
        log.info(
            "mail server answered",
            extra={"mail": mail.id, "code": answer.code, "state": mail.state},
        )
