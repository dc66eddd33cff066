"""The edge's rules for an inbound cXML document: check, keep, then acknowledge.

Authentication and well-formedness are checked before anything is stored; a
refused document is still kept (state "rejected") with the reason, and the
partner gets the cXML status for it. Card numbers are truncated before anything
is kept, the raw document included.

A PunchOutSetupRequest is answered at once with where its user starts shopping:
its session is opened (and the request kept) before the answer goes out.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from adapters.cxml.parse import check_order_request, mask_card_numbers, read_envelope
from adapters.cxml.punchout import SetupRequest, read_setup_request
from adapters.xml import parse_xml
from core import commands
from core.errors import AuthenticationFailed, DocumentError, DocumentTooLarge
from core.messagebus import MessageBus
from core.ports import SYSTEM
from hub.partners import PartnerDirectory
from hub.supplier_documents import CXML_SUPPLIER_REQUESTS, read_cxml

log = logging.getLogger("orderb2b.intake")
KEPT_WHEN_TOO_LARGE = 64 * 1024


@dataclass(frozen=True)
class Answer:
    code: int
    message: str
    document_id: int | None = None
    start_token: str | None = field(default=None, repr=False)


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
        documents = [c for c in checked if type(c) is not commands.OpenPunchOutSession]
        ids = iter(
            self.bus.execute(commands.ReceiveDocuments(tuple(documents)), SYSTEM)
            if documents
            else ()
        )
        answers = []
        for command in checked:
            if type(command) is commands.OpenPunchOutSession:
                answers.append(self._open_session(command))
            elif isinstance(command, commands.RejectDocument):
                log.info("document rejected", extra={"code": command.code, "error": command.error})
                answers.append(Answer(command.code, command.error, next(ids)))
            else:
                answers.append(Answer(200, _received(command.raw), next(ids)))
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
            if envelope.request_kind == "PunchOutSetupRequest":
                return _open_command(read_setup_request(root), partner, body, remote_addr)
            if envelope.request_kind in CXML_SUPPLIER_REQUESTS:
                read_cxml(body, partner)  # a supplier's document must be readable to be kept
            elif envelope.request_kind == "OrderRequest":
                check_order_request(root)
            else:
                raise DocumentError(f"{envelope.request_kind} is not accepted here", code=406)
        except DocumentError as error:
            kept = body[:KEPT_WHEN_TOO_LARGE] if error.code == 413 else body
            return commands.RejectDocument(
                "cxml", partner, kept, error.code, str(error), "text/xml", remote_addr
            )
        return commands.ReceiveDocument("cxml", partner, body, "text/xml", remote_addr)

    def _open_session(self, command: commands.OpenPunchOutSession) -> Answer:
        try:
            opened = self.bus.execute(command, SYSTEM)
        except Exception:
            log.exception("PunchOut session not opened", extra={"partner": command.partner})
            return Answer(500, "the PunchOut session could not be opened; send the request again")
        return Answer(200, "PunchOut session opened", opened.document_id, opened.start_token)

    def _authenticate(self, envelope) -> str:
        partner = self.partners.find("cxml", envelope.sender_domain, envelope.sender_identity)
        partner = partner or self.partners.find(
            "cxml", envelope.from_domain, envelope.from_identity
        )
        if partner is None or not partner.verify_secret(envelope.shared_secret):
            raise AuthenticationFailed("unknown sender or wrong shared secret")
        return partner.code


def _open_command(
    setup: SetupRequest, partner: str, body: bytes, remote_addr: str | None
) -> commands.OpenPunchOutSession:
    return commands.OpenPunchOutSession(
        partner=partner,
        operation=setup.operation,
        buyer_cookie=setup.buyer_cookie,
        browser_form_post_url=setup.browser_form_post_url,
        raw=body,
        request_payload_id=setup.payload_id,
        buyer=_buyer(setup),
        items=tuple(
            commands.PunchOutItem(item.supplier_part_id, format(item.quantity, "f"))
            for item in setup.items
        ),
        content_type="text/xml",
        remote_addr=remote_addr,
    )


def _buyer(setup: SetupRequest) -> dict:
    """Who shops, for whom and where to: kept with the session."""
    selected = setup.selected_item
    return {
        "user_name": setup.user_name,
        "user_email": setup.user_email,
        "extrinsics": setup.extrinsics,
        "ship_to": asdict(setup.ship_to) if setup.ship_to else None,
        "buyer_credential": {"domain": setup.buyer_domain, "identity": setup.buyer_identity},
        "supplier_credential": {
            "domain": setup.supplier_domain,
            "identity": setup.supplier_identity,
        },
        "deployment_mode": setup.deployment_mode,
        "selected_item": selected.supplier_part_id if selected else None,
        "edited_aux_ids": [i.supplier_part_aux_id for i in setup.items if i.supplier_part_aux_id],
    }


def _received(raw: bytes) -> str:
    for kind, text in (
        ("ShipNoticeRequest", "ship notice"),
        ("ConfirmationRequest", "confirmation"),
    ):
        if f"<{kind}".encode() in raw:
            return f"{text} received"
    return "order received"
