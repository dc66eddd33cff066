"""The cXML envelope and the pieces every document Order B2B sends is built from.

Values are set as element text and attribute values of an lxml tree, so they
are escaped on serialisation; characters XML cannot carry are removed first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal

from lxml import etree

from core.canonical import Address, CanonicalOrder, OrderLine

CXML_VERSION = "1.2.050"
DEPLOYMENT_MODES = ("production", "test")
LANG = "en-US"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CENTS = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who sends a document to whom: From is us as the supplier, To is the buyer,
    Sender is us again with the shared secret the buyer gave us."""

    from_domain: str
    from_identity: str
    to_domain: str
    to_identity: str
    sender_domain: str
    sender_identity: str
    shared_secret: str = field(repr=False)
    user_agent: str = "Order B2B"

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"credentials need a {item.name}")


def document(
    dtd: str,
    credentials: Credentials,
    request: etree._Element,
    *,
    payload_id: str,
    timestamp: datetime,
    deployment_mode: str,
) -> bytes:
    """A complete cXML document carrying `request`, declared against `dtd`."""
    if deployment_mode not in DEPLOYMENT_MODES:
        raise ValueError(
            f"deployment mode must be one of {DEPLOYMENT_MODES}, not {deployment_mode!r}"
        )
    if not payload_id or not payload_id.strip():
        raise ValueError("a cXML document needs a payloadID")
    root = etree.Element("cXML")
    root.set("payloadID", clean(payload_id))
    root.set("timestamp", timestamp_text(timestamp))
    root.set("version", CXML_VERSION)
    root.set(XML_LANG, LANG)
    _header(root, credentials)
    add(root, "Request", deploymentMode=deployment_mode).append(request)
    doctype = f'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/{CXML_VERSION}/{dtd}">\n'
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return (_PROLOG + doctype).encode("ascii") + body


def _header(root: etree._Element, credentials: Credentials) -> None:
    header = add(root, "Header")
    _credential(add(header, "From"), credentials.from_domain, credentials.from_identity)
    _credential(add(header, "To"), credentials.to_domain, credentials.to_identity)
    sender = add(header, "Sender")
    credential = _credential(sender, credentials.sender_domain, credentials.sender_identity)
    add(credential, "SharedSecret", credentials.shared_secret)
    add(sender, "UserAgent", credentials.user_agent)


def _credential(parent: etree._Element, domain: str, identity: str) -> etree._Element:
    credential = add(parent, "Credential", domain=domain)
    add(credential, "Identity", identity)
    return credential


# Elements and values


def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append element `tag` with cleaned text and attributes (`lang` becomes xml:lang)."""
    element = etree.SubElement(parent, tag)
    for name, value in attrs.items():
        element.set(XML_LANG if name == "lang" else name, clean(value))
    if text is not None:
        element.text = clean(text)
    return element


def clean(value: str) -> str:
    """The value without the characters XML 1.0 cannot carry."""
    return _NOT_XML_CHARS.sub("", value)


def add_money(parent: etree._Element, tag: str, amount: Decimal, currency: str) -> etree._Element:
    """`<tag><Money currency="...">amount</Money></tag>`."""
    wrapper = add(parent, tag)
    add(wrapper, "Money", money_text(amount), currency=currency)
    return wrapper


def money_text(amount: Decimal) -> str:
    """The amount with at least two decimals and every decimal it has: 12.5 -> 12.50."""
    amount = _finite(amount, "amount")
    if amount.as_tuple().exponent > -2:
        amount = amount.quantize(_CENTS)
    return format(amount, "f")


def quantity_text(quantity: Decimal) -> str:
    return format(_finite(quantity, "quantity"), "f")


def _finite(value: Decimal, what: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{what} must be a finite Decimal, not {value!r}")
    return value


def timestamp_text(value: datetime) -> str:
    """ISO 8601 to the second with a zone; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def day_text(day: date, zone: tzinfo | None) -> str:
    """A date as the start of that day in `zone` (cXML dates carry a time and zone)."""
    return timestamp_text(datetime.combine(day, time(0), tzinfo=zone or UTC))


# Shared building blocks


def add_order_reference(parent: etree._Element, order: CanonicalOrder) -> None:
    """OrderReference to the buyer's OrderRequest: its orderID, orderDate and payloadID."""
    if not order.source_document_id:
        raise ValueError(
            f"order {order.external_order_id} has no OrderRequest payloadID to refer to"
        )
    attrs = {"orderID": order.external_order_id}
    if order.order_date is not None:
        attrs["orderDate"] = timestamp_text(order.order_date)
    reference = add(parent, "OrderReference", **attrs)
    add(reference, "DocumentReference", payloadID=order.source_document_id)


def add_item_id(
    parent: etree._Element, supplier_part_id: str | None, buyer_part_id: str | None
) -> None:
    """ItemID, which cXML allows only with a SupplierPartID."""
    if not supplier_part_id:
        return
    item_id = add(parent, "ItemID")
    add(item_id, "SupplierPartID", supplier_part_id)
    if buyer_part_id:
        add(item_id, "BuyerPartID", buyer_part_id)


def add_contact(parent: etree._Element, role: str, address: Address) -> None:
    """Contact with a role, its name, postal address (when complete) and email."""
    name = address.name or next(iter(address.deliver_to), None)
    if not name:
        raise ValueError(f"the {role} address has no name")
    attrs = {"role": role}
    if address.address_id:
        attrs["addressID"] = address.address_id
    contact = add(parent, "Contact", **attrs)
    add(contact, "Name", name, lang=LANG)
    if address.street and address.city and address.country:
        add_postal_address(contact, address)
    if address.email:
        add(contact, "Email", address.email)


def add_postal_address(parent: etree._Element, address: Address) -> None:
    postal = add(parent, "PostalAddress")
    for line in address.deliver_to:
        add(postal, "DeliverTo", line)
    for line in address.street:
        add(postal, "Street", line)
    add(postal, "City", address.city)
    if address.state:
        add(postal, "State", address.state)
    if address.postal_code:
        add(postal, "PostalCode", address.postal_code)
    add(postal, "Country", address.country, isoCountryCode=address.country)


def ordered_line(order: CanonicalOrder, line_number: int) -> OrderLine | None:
    """The order's line with this number, if the order has it."""
    return next((line for line in order.lines if line.line_number == line_number), None)
