"""The edge's rules for an inbound X12 interchange: check, keep with its 997, answer.

The interchange must be readable and come from a registered partner (ISA05/ISA06)
which, when it has a shared secret, must present it as ISA04 security information;
otherwise it is kept as rejected and refused without a 997 (there is no TA1 yet).
A readable one is always answered with a 997 that says which purchase orders were
accepted; the acceptable ones go on to the normaliser. A re-sent interchange (same
sender and ISA13) changes nothing and gets the first 997 again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.x12.ack import acknowledge
from adapters.x12.envelope import read_interchange
from adapters.x12.parse import read_orders
from adapters.x12.syntax import acknowledged_groups
from core import commands
from core.errors import AuthenticationFailed, DocumentError, DocumentTooLarge
from core.messagebus import MessageBus
from core.ports import SYSTEM, Actor
from hub.partners import PartnerDirectory
from hub.supplier_documents import read_x12

log = logging.getLogger("orderb2b.intake")
KEPT_WHEN_TOO_LARGE = 64 * 1024
CONTROL_NUMBER_LIMIT = 1_000_000_000  # ISA13 and GS06 have nine digits


@dataclass(frozen=True)
class X12Answer:
    code: int
    message: str
    document_id: int | None
    acknowledgement: bytes = b""
    duplicate: bool = False


class X12Intake:
    def __init__(
        self, bus: MessageBus, uow_factory, partners: PartnerDirectory, max_bytes: int
    ) -> None:
        self.bus = bus
        self.uow_factory = uow_factory
        self.partners = partners
        self.max_bytes = max_bytes

    def receive(
        self,
        raw: bytes,
        remote_addr: str | None = None,
        actor: Actor = SYSTEM,
        size: int | None = None,
    ) -> X12Answer:
        partner = None
        try:
            if (len(raw) if size is None else size) > self.max_bytes:
                raise DocumentTooLarge(f"interchange is larger than {self.max_bytes} bytes")
            interchange = read_interchange(raw, max_bytes=self.max_bytes)
            partner = self.partners.find_x12(interchange.sender_qualifier, interchange.sender_id)
            if partner is None:
                raise AuthenticationFailed(
                    f"unknown sender {interchange.sender_qualifier}/{interchange.sender_id}"
                )
            if partner.secret_hash and not partner.verify_secret(interchange.security or None):
                raise AuthenticationFailed("ISA04 security information does not match")
            return self._keep(raw, interchange, partner, remote_addr, actor)
        except DocumentError as error:
            kept = raw[:KEPT_WHEN_TOO_LARGE] if error.code == 413 else raw
            code = partner.code if partner else None
            command = commands.RejectDocument(
                "x12", code, kept, error.code, str(error), None, remote_addr
            )
            document_id = self.bus.execute(command, actor)
            log.info("interchange refused", extra={"code": error.code, "error": str(error)})
            return X12Answer(error.code, str(error), document_id)

    def _keep(self, raw, interchange, partner, remote_addr, actor) -> X12Answer:
        orders, problems = read_orders(raw, partner.code)
        refusals = [problem.message for problem in problems if problem.rejects]
        supplied = _supplier_documents(raw, partner.code, refusals)
        isa, group = self._control_numbers(partner, len(acknowledged_groups(interchange)))
        ack = acknowledge(
            raw,
            control_number=f"{isa:09d}",
            group_control_number=str(group),
            now=datetime.now(UTC),
            problems=problems,
        )
        command = commands.ReceiveInterchange(
            partner=partner.code,
            raw=raw,
            sender_qualifier=interchange.sender_qualifier,
            sender_id=interchange.sender_id,
            control_number=interchange.control_number,
            accepted=bool(orders or supplied),
            error="; ".join(refusals[:3]) or "the interchange holds no purchase order",
            acknowledgement=ack,
            acknowledgement_key=f"{isa:09d}",
            acknowledgement_endpoint=partner.endpoint("functional_ack"),
            remote_addr=remote_addr,
        )
        receipt = self.bus.execute(command, actor)
        message = _summary(len(orders), refusals, receipt.duplicate, supplied)
        return X12Answer(
            200, message, receipt.document_id, receipt.acknowledgement, receipt.duplicate
        )

    def _control_numbers(self, partner, groups: int) -> tuple[int, int]:
        """The 997's ISA13 and first GS06, from the partner's own counters."""
        with self.uow_factory() as uow:
            (isa,) = uow.next_counter(f"x12:{partner.id}:isa")
            numbers = uow.next_counter(f"x12:{partner.id}:gs", max(groups, 1))
            uow.commit()
        return isa % CONTROL_NUMBER_LIMIT or 1, numbers[0] % CONTROL_NUMBER_LIMIT or 1


def _supplier_documents(raw: bytes, partner: str, refusals: list[str]) -> int:
    """How many ship notices and PO acknowledgments the interchange brings; one
    that cannot be read is a refusal."""
    try:
        return len(read_x12(raw, partner))
    except DocumentError as error:
        refusals.append(str(error))
        return 0


def _summary(accepted: int, refusals: list[str], duplicate: bool, supplied: int = 0) -> str:
    if duplicate:
        return "interchange received before; its 997 is sent again"
    text = f"{accepted} purchase order(s) accepted"
    if supplied:
        text += f", {supplied} supplier document(s) accepted"
    if refusals:
        text += f", {len(refusals)} problem(s): {refusals[0]}"
    return text
