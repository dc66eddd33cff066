"""The edge's rules for an inbound cXML document: check, keep, then acknowledge.

Authentication and well-formedness are checked before anything is stored; a
refused document is still kept (state "rejected") with the reason, and the
partner gets the cXML status for it. Card numbers are truncated before anything
is kept, the raw document included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from adapters.cxml.parse import check_order_request, mask_card_numbers, read_envelope
from adapters.xml import parse_xml
from core import commands
from core.errors import AuthenticationFailed, DocumentError, DocumentTooLarge
from core.messagebus import MessageBus
from core.ports import SYSTEM
from hub.partners import PartnerDirectory

log = logging.getLogger("orderb2b.intake")
KEPT_WHEN_TOO_LARGE = 64 * 1024


@dataclass(frozen=True)
class Answer:
    code: int
    message: str
    document_id: int | None = None


class CxmlIntake:
    def __init__(self, bus: MessageBus, partners: PartnerDirectory, max_bytes: int) -> None:
        self.bus = bus
        self.partners = partners
        self.max_bytes = max_bytes

    def receive(
        self, body: bytes, remote_addr: str | None = None, size: int | None = None
    ) -> Answer:
        return self.receive_many([(body, remote_addr, size)])[0]

    def receive_many(self, requests: list[tuple[bytes, str | None, int | None]]) -> list[Answer]:
        """Check each document, then keep them all in one transaction, then answer."""
        checked = [self.check(*request) for request in requests]
        ids = self.bus.execute(commands.ReceiveDocuments(tuple(checked)), SYSTEM)
        answers = []
        for command, document_id in zip(checked, ids, strict=True):
            if isinstance(command, commands.RejectDocument):
                log.info("document rejected", extra={"code": command.code, "error": command.error})
                answers.append(Answer(command.code, command.error, document_id))
            else:
                answers.append(Answer(200, "order received", document_id))
        return answers

    def check(self, body: bytes, remote_addr: str | None = None, size: int | None = None):
        """The command that keeps this document: received, or rejected with the reason."""
        partner = None
        body = mask_card_numbers(body)
        try:
            if (len(body) if size is None else size) > self.max_bytes:
                raise DocumentTooLarge(f"document is larger than {self.max_bytes} bytes")
            root = parse_xml(body, max_bytes=self.max_bytes)
            envelope = read_envelope(root)
            partner = self._authenticate(envelope)
            if envelope.request_kind != "OrderRequest":
                raise DocumentError(f"{envelope.request_kind} is not accepted here", code=406)
            check_order_request(root)
        except DocumentError as error:
            kept = body[:KEPT_WHEN_TOO_LARGE] if error.code == 413 else body
            return commands.RejectDocument(
                "cxml", partner, kept, error.code, str(error), "text/xml", remote_addr
            )
        return commands.ReceiveDocument("cxml", partner, body, "text/xml", remote_addr)

    def _authenticate(self, envelope) -> str:
        partner = self.partners.find("cxml", envelope.sender_domain, envelope.sender_identity)
        partner = partner or self.partners.find(
            "cxml", envelope.from_domain, envelope.from_identity
        )
        if partner is None or not partner.verify_secret(envelope.shared_secret):
            raise AuthenticationFailed("unknown sender or wrong shared secret")
        return partner.code
