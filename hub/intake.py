"""The edge's rules for an inbound cXML document: check, keep, then acknowledge.

Authentication and well-formedness are checked before anything is stored; a
refused document is still kept (state "rejected") with the reason, and the
partner gets the cXML status for it. Card numbers are truncated before anything
is kept, the raw document included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from adapters.cxml.parse import mask_card_numbers, parse_order_request, read_envelope
from adapters.xml import parse_xml
from core import commands
from core.errors import AuthenticationFailed, DocumentError, DocumentTooLarge
from core.messagebus import MessageBus
from core.ports import Actor
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
            parse_order_request(root, partner)
        except DocumentError as error:
            return self._reject(body, partner, error, remote_addr)
        document_id = self.bus.execute(
            commands.ReceiveDocument("cxml", partner, body, "text/xml", remote_addr),
            Actor("partner", partner),
        )
        return Answer(200, "order received", document_id)

    def _authenticate(self, envelope) -> str:
        partner = self.partners.find("cxml", envelope.sender_domain, envelope.sender_identity)
        partner = partner or self.partners.find(
            "cxml", envelope.from_domain, envelope.from_identity
        )
        if partner is None or not partner.verify_secret(envelope.shared_secret):
            raise AuthenticationFailed("unknown sender or wrong shared secret")
        return partner.code

    def _reject(self, body: bytes, partner, error: DocumentError, remote_addr) -> Answer:
        kept = body[:KEPT_WHEN_TOO_LARGE] if error.code == 413 else body
        document_id = self.bus.execute(
            commands.RejectDocument(
                "cxml", partner, kept, error.code, str(error), "text/xml", remote_addr
            ),
            Actor("partner", partner or "unknown"),
        )
        log.info("document rejected", extra={"code": error.code, "error": str(error)})
        return Answer(error.code, str(error), document_id)
