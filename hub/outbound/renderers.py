"""Our canonical documents in each partner's format, with what the format needs from
the registry: identities, the secret we present, control numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from adapters.cxml import outbound as cxml_out
from adapters.cxml.dtd import validate
from adapters.cxml.order_request import render_order_request
from adapters.cxml.render import new_payload_id
from adapters.x12 import render as x12_out
from adapters.x12.writer import Envelope
from core.canonical import CanonicalOrder, Invoice, OrderConfirmation, ShipNotice
from core.errors import OrderB2BError
from core.model.partners import Partner
from hub.bootstrap import App
from hub.secrets import SecretBox

# A CanonicalOrder going out is one of our purchase orders to a supplier.
CXML_RENDERERS = {
    CanonicalOrder: render_order_request,
    OrderConfirmation: cxml_out.render_confirmation,
    ShipNotice: cxml_out.render_ship_notice,
    Invoice: cxml_out.render_invoice,
}
X12_RENDERERS = {
    CanonicalOrder: x12_out.render_850,
    OrderConfirmation: x12_out.render_855,
    ShipNotice: x12_out.render_856,
    Invoice: x12_out.render_810,
}
CONTROL_NUMBER_LIMIT = 1_000_000_000


class PartnerNotReady(OrderB2BError):
    """The partner lacks an identity or secret that the document needs."""


class Rendered(NamedTuple):
    raw: bytes
    key: str  # cXML payloadID or X12 interchange control number
    content_type: str


def render(app: App, partner: Partner, document, uow=None) -> Rendered:
    """The document in the partner's channel; a rule of the format that the document
    breaks is an OrderB2BError naming it. Inside a unit of work (`uow`), X12 control
    numbers are drawn in it, and only `app.config` is used."""
    try:
        if partner.channel == "x12":
            return _x12(app, partner, document, uow)
        if partner.channel == "cxml":
            return _cxml(app, partner, document)
    except ValueError as error:
        raise OrderB2BError(f"{type(document).__name__} for {partner.code}: {error}") from error
    raise PartnerNotReady(f"partner {partner.code} ({partner.channel}) takes no such documents")


def _cxml(app: App, partner: Partner, document) -> Rendered:
    payload_id = new_payload_id()
    raw = CXML_RENDERERS[type(document)](
        document,
        cxml_credentials(app, partner),
        payload_id=payload_id,
        timestamp=datetime.now(UTC),
        deployment_mode=partner.mode,
    )
    validate(raw)
    return Rendered(raw, payload_id, "text/xml; charset=UTF-8")


def cxml_credentials(app: App, partner: Partner) -> cxml_out.Credentials:
    missing = _missing(
        partner, "our_identity_domain", "our_identity", "identity_domain", "identity"
    )
    if missing or not partner.outbound_secret:
        missing += [] if partner.outbound_secret else ["outbound secret"]
        raise PartnerNotReady(f"partner {partner.code} needs {', '.join(missing)} to be set")
    return cxml_out.Credentials(
        from_domain=partner.our_identity_domain,
        from_identity=partner.our_identity,
        to_domain=partner.identity_domain,
        to_identity=partner.identity,
        sender_domain=partner.our_identity_domain,
        sender_identity=partner.our_identity,
        shared_secret=SecretBox.for_config(app.config).open(partner.outbound_secret),
    )


def _x12(app: App, partner: Partner, document, uow=None) -> Rendered:
    missing = _missing(partner, "our_x12_qualifier", "our_x12_id", "x12_qualifier", "x12_id")
    if missing:
        raise PartnerNotReady(f"partner {partner.code} needs {', '.join(missing)} to be set")
    interchange, group = _x12_control_numbers(app, partner, uow)
    envelope = Envelope(
        sender_qualifier=partner.our_x12_qualifier,
        sender_id=partner.our_x12_id,
        receiver_qualifier=partner.x12_qualifier,
        receiver_id=partner.x12_id,
        gs_sender=partner.our_x12_group_id or partner.our_x12_id,
        gs_receiver=partner.x12_group_id or partner.x12_id,
        interchange_control_number=f"{interchange:09d}",
        group_control_number=str(group),
        usage="T" if partner.mode == "test" else "P",
    )
    raw = X12_RENDERERS[type(document)](document, envelope, datetime.now(UTC))
    return Rendered(raw, f"{interchange:09d}", "application/edi-x12")


def _x12_control_numbers(app: App, partner: Partner, uow=None) -> tuple[int, int]:
    """The partner's next ISA13 and GS06, shared with the 997s we send it."""
    if uow is not None:
        (interchange,) = uow.next_counter(f"x12:{partner.id}:isa")
        (group,) = uow.next_counter(f"x12:{partner.id}:gs")
    else:
        with app.uow_factory() as own:
            (interchange,) = own.next_counter(f"x12:{partner.id}:isa")
            (group,) = own.next_counter(f"x12:{partner.id}:gs")
            own.commit()
    return interchange % CONTROL_NUMBER_LIMIT or 1, group % CONTROL_NUMBER_LIMIT or 1


def _missing(partner: Partner, *names: str) -> list[str]:
    return [name for name in names if not getattr(partner, name)]
