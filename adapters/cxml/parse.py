"""cXML OrderRequest documents to canonical orders."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from adapters.xml import parse_xml
from core.canonical import Address, CanonicalOrder, Contact, OrderLine, Payment
from core.errors import ParseError

CHANNEL = "cxml"

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CHANGE_KINDS = {"new": "new", "update": "update", "delete": "cancel"}
_CONTACT_ROLES = ("buyerParty", "buyer", "endUser")
_ORGANISATION_EXTRINSICS = (
    "BuyerOrganization",
    "BuyerOrganisation",
    "CompanyName",
    "OrganizationName",
    "AgencyName",
    "Agency",
)
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")
_DIGITS = re.compile(r"[0-9]+")
_NON_DIGITS = re.compile(r"[^0-9]")
_NON_LETTERS = re.compile(r"[^a-z]")
_RAW_PCARD_NUMBER = re.compile(rb"""<PCard\b[^>]*?\bnumber\s*=\s*["']([^"']*)["']""")
_RAW_NON_DIGITS = re.compile(rb"[^0-9]")
_NOT_CARD_CHARS = re.compile(r"[^0-9Xx]")
_CARD_BRANDS = {
    "visa": "visa",
    "mastercard": "mastercard",
    "mc": "mastercard",
    "amex": "amex",
    "americanexpress": "amex",
    "discover": "discover",
    "diners": "diners",
    "dinersclub": "diners",
    "jcb": "jcb",
}

Scrub = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Envelope:
    """The cXML envelope: who sends what to whom."""

    payload_id: str
    timestamp: str
    version: str | None
    from_domain: str | None
    from_identity: str | None
    to_domain: str | None
    to_identity: str | None
    sender_domain: str | None
    sender_identity: str | None
    shared_secret: str | None = field(repr=False)
    user_agent: str | None
    request_kind: str
    deployment_mode: str


def parse(data: bytes, partner: str | None = None) -> list[CanonicalOrder]:
    """Channel entry point: one cXML OrderRequest document, one order."""
    root = parse_xml(data)
    envelope = read_envelope(root)
    if envelope.request_kind != "OrderRequest":
        raise ParseError(f"not an OrderRequest: the Request holds {_clip(envelope.request_kind)}")
    partner = partner or envelope.from_identity
    if not partner:
        raise ParseError("From has no Credential/Identity")
    return [parse_order_request(root, partner)]


def mask_card_numbers(data: bytes) -> bytes:
    """The raw document with each PCard number, wherever it recurs, truncated.

    For archiving raw documents: the first six digits (the issuer, which gives the
    brand) and the last four stay, as PCI DSS truncation allows; the rest become X.
    """
    for number in set(_RAW_PCARD_NUMBER.findall(data)):
        digits = _RAW_NON_DIGITS.sub(b"", number)
        if len(digits) >= 8:
            pattern = re.compile(rb"[\s-]*".join(re.escape(bytes([d])) for d in digits))
            kept = 6 if len(digits) >= 13 else 0
            masked = digits[:kept] + b"X" * (len(digits) - 4 - kept) + digits[-4:]
            data = pattern.sub(masked, data)
    return data


def read_envelope(root: etree._Element) -> Envelope:
    """Read the cXML envelope, or raise ParseError if there is none."""
    _strip_namespaces(root)
    if root.tag != "cXML":
        raise ParseError(f"not a cXML document: the root element is {_name(root)}")
    header = _child(root, "Header")
    if header is None:
        raise ParseError("cXML has no Header")
    request = _child(root, "Request")
    if request is None:
        raise ParseError("cXML has no Request")
    kind = _first_element(request)
    if kind is None:
        raise ParseError("Request is empty")
    sender = _child(header, "Sender")
    from_domain, from_identity, _ = _credential(_child(header, "From"))
    to_domain, to_identity, _ = _credential(_child(header, "To"))
    sender_domain, sender_identity, secret = _credential(sender)
    return Envelope(
        payload_id=_required_attr(root, "payloadID", "cXML"),
        timestamp=_required_attr(root, "timestamp", "cXML"),
        version=_attr(root, "version"),
        from_domain=from_domain,
        from_identity=from_identity,
        to_domain=to_domain,
        to_identity=to_identity,
        sender_domain=sender_domain,
        sender_identity=sender_identity,
        shared_secret=secret,
        user_agent=_child_text(sender, "UserAgent"),
        request_kind=kind.tag,
        deployment_mode="test" if request.get("deploymentMode") == "test" else "production",
    )


def check_order_request(root: etree._Element) -> None:
    """The edge's quick checks before it acknowledges: an OrderRequest with an orderID
    and lines. The full mapping happens in the normaliser, from the stored bytes."""
    order, header, _ = _order_request(root)
    if _change_kind(header) != "cancel" and _child(order, "ItemOut") is None:
        raise ParseError("OrderRequest has no ItemOut")


def _order_request(root: etree._Element) -> tuple[etree._Element, etree._Element, str]:
    """The OrderRequest, its header and its orderID, or a ParseError saying what lacks."""
    _strip_namespaces(root)
    request = _child(root, "Request")
    order = _first_element(request) if request is not None else None
    if order is None or order.tag != "OrderRequest":
        raise ParseError("not an OrderRequest")
    header = _child(order, "OrderRequestHeader")
    if header is None:
        raise ParseError("OrderRequest has no OrderRequestHeader")
    return order, header, _required_attr(header, "orderID", "OrderRequestHeader")


def parse_order_request(root: etree._Element, partner: str) -> CanonicalOrder:
    """Map a parsed cXML OrderRequest document to a CanonicalOrder."""
    order, header, order_id = _order_request(root)
    parts = _children(header)
    change_kind = _change_kind(header)
    payment_el = _first(parts, "Payment")
    scrub = _card_scrubber(payment_el)
    lines = tuple(
        _line(item, position, scrub)
        for position, item in enumerate(order.iterchildren("ItemOut"), start=1)
    )
    if not lines and change_kind != "cancel":
        raise ParseError("OrderRequest has no ItemOut")
    total, total_currency = _money(_first(parts, "Total"), "Total")
    ship_to = _address(_first(parts, "ShipTo"), "ShipTo")
    bill_to = _address(_first(parts, "BillTo"), "BillTo")
    extrinsics = _extrinsics(parts.get("Extrinsic", ()), scrub)
    shipping = _first(parts, "Shipping")
    reference = _first(parts, "DocumentReference")
    return CanonicalOrder(
        channel=CHANNEL,
        partner=partner,
        external_order_id=order_id,
        order_date=_order_date(header),
        currency=total_currency or _line_currency(lines) or "USD",
        lines=lines,
        source_document_id=_attr(root, "payloadID"),
        source_version=_attr(root, "version"),
        change_kind=change_kind,
        changes_order_ref=_attr(reference, "payloadID"),
        buyer_organisation=_organisation(bill_to, extrinsics),
        buyer_contact=_buyer_contact(parts.get("Contact", ()), ship_to),
        ship_to=ship_to,
        bill_to=bill_to,
        shipping_method=_description(_all(shipping, "Description"), scrub),
        shipping_amount=_money(shipping, "Shipping")[0],
        tax_amount=_money(_first(parts, "Tax"), "Tax")[0],
        discount_amount=_discount(_first(parts, "Discount")),
        total_amount=total,
        payment=_payment(payment_el, parts.get("PaymentTerm", ())),
        extrinsics=extrinsics,
        comments=_comments(parts.get("Comments", ()), scrub),
    )


def _line(item: etree._Element, position: int, scrub: Scrub) -> OrderLine:
    number = _line_number(item, position)
    where = f"ItemOut line {number}"
    quantity = _decimal(_required_attr(item, "quantity", where), f"{where} quantity")
    if quantity < 0:
        raise ParseError(f"{where} has a negative quantity")
    parts = _children(item)
    detail = _first(parts, "ItemDetail")
    if detail is None:
        raise ParseError(f"{where} has no ItemDetail")
    info = _children(detail)
    item_id = _children(_first(parts, "ItemID"))
    unit_price, currency = _money(_first(info, "UnitPrice"), f"{where} UnitPrice")
    unit = _element_text(_first(info, "UnitOfMeasure"))
    if unit is None:
        raise ParseError(f"{where} has no UnitOfMeasure")
    extrinsics = _extrinsics(info.get("Extrinsic", ()), scrub)
    _extrinsics(parts.get("Extrinsic", ()), scrub, into=extrinsics)
    return OrderLine(
        line_number=number,
        quantity=quantity,
        unit_of_measure=unit,
        unit_price=unit_price,
        currency=currency,
        buyer_part_id=_element_text(_first(item_id, "BuyerPartID")),
        supplier_part_id=_element_text(_first(item_id, "SupplierPartID")),
        supplier_part_aux_id=_all_text(_first(item_id, "SupplierPartAuxiliaryID")),
        manufacturer_part_id=_element_text(_first(info, "ManufacturerPartID")),
        manufacturer_name=_element_text(_first(info, "ManufacturerName")),
        description=_description(info.get("Description", ()), scrub),
        classification=_classification(info.get("Classification", ())),
        requested_delivery_date=_delivery_date(item, where),
        comments=_comments(parts.get("Comments", ()), scrub),
        extrinsics=extrinsics,
    )


# Envelope helpers


def _credential(party: etree._Element | None) -> tuple[str | None, str | None, str | None]:
    credential = _child(party, "Credential")
    if credential is None:
        return None, None, None
    return (
        _attr(credential, "domain"),
        _all_text(_child(credential, "Identity")),
        _all_text(_child(credential, "SharedSecret")),
    )


def _strip_namespaces(root: etree._Element) -> None:
    """Tolerate a default namespace on cXML by falling back to local names."""
    tag = root.tag
    if not isinstance(tag, str) or not tag.startswith("{") or not tag.endswith("}cXML"):
        return
    for el in root.iter():
        tag = el.tag
        if isinstance(tag, str) and tag.startswith("{"):
            el.tag = tag.partition("}")[2]
    etree.cleanup_namespaces(root)


# Header helpers


def _change_kind(header: etree._Element) -> str:
    kind = (header.get("type") or "new").strip()
    if kind not in _CHANGE_KINDS:
        raise ParseError(f"OrderRequestHeader has an unknown type '{_clip(kind)}'")
    return _CHANGE_KINDS[kind]


def _order_date(header: etree._Element) -> datetime | None:
    value = _attr(header, "orderDate")
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(
            f"OrderRequestHeader orderDate is not ISO 8601: '{_clip(value)}'"
        ) from None


def _delivery_date(item: etree._Element, where: str) -> date | None:
    value = _attr(item, "requestedDeliveryDate")
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise ParseError(f"{where} requestedDeliveryDate is not a date: '{_clip(value)}'") from None


def _line_number(item: etree._Element, position: int) -> int:
    value = _attr(item, "lineNumber")
    if value is None:
        return position
    if not (value.isascii() and value.isdigit()):
        raise ParseError(f"ItemOut {position} has an invalid lineNumber '{_clip(value)}'")
    return int(value)


def _line_currency(lines: tuple[OrderLine, ...]) -> str | None:
    return next((line.currency for line in lines if line.currency), None)


def _organisation(bill_to: Address | None, extrinsics: dict[str, str]) -> str | None:
    if bill_to is not None and bill_to.name:
        return bill_to.name
    return next((extrinsics[n] for n in _ORGANISATION_EXTRINSICS if extrinsics.get(n)), None)


def _buyer_contact(contacts: list[etree._Element], ship_to: Address | None) -> Contact:
    chosen = _pick_contact(contacts)
    if chosen is not None:
        return Contact(
            name=_child_text(chosen, "Name"),
            email=_child_text(chosen, "Email"),
            phone=_phone(_child(chosen, "Phone")),
        )
    if ship_to is None or not (ship_to.email or ship_to.phone):
        return Contact()
    name = ship_to.deliver_to[0] if ship_to.deliver_to else ship_to.name
    return Contact(name=name, email=ship_to.email, phone=ship_to.phone)


def _pick_contact(contacts: list[etree._Element]) -> etree._Element | None:
    for role in _CONTACT_ROLES:
        for contact in contacts:
            if contact.get("role") == role:
                return contact
    return contacts[0] if contacts else None


def _discount(discount: etree._Element | None) -> Decimal | None:
    if discount is None:
        return None
    amount = _child(discount, "DiscountAmount")
    return _money(amount if amount is not None else discount, "Discount", required=False)[0]


# Payment


def _payment(payment: etree._Element | None, terms: list[etree._Element]) -> Payment | None:
    card = _child(payment, "PCard")
    if card is not None:
        number = card.get("number") or ""
        digits = _NON_DIGITS.sub("", number)
        return Payment(
            method="card",
            card_brand=_card_brand(card.get("name"), _NOT_CARD_CHARS.sub("", number)),
            card_last4=digits[-4:] if len(digits) >= 4 else None,
            card_expiration=_card_expiration(card.get("expiration")),
        )
    if terms:
        return _net_terms(terms)
    if payment is not None:
        return Payment(method="other")
    return None


def _card_brand(name: str | None, digits: str) -> str | None:
    if name:
        brand = _CARD_BRANDS.get(_NON_LETTERS.sub("", name.lower()))
        if brand:
            return brand
    return _brand_by_prefix(digits)


def _brand_by_prefix(digits: str) -> str | None:
    """The brand by issuer prefix; `digits` may be truncated (digits masked as X)."""
    if len(digits) < 12 or not digits[:4].isdigit():
        return None
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if four == 6011 or two == 65 or 644 <= int(digits[:3]) <= 649:
        return "discover"
    if 3528 <= four <= 3589:
        return "jcb"
    if two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return "diners"
    return None


def _card_expiration(value: str | None) -> str | None:
    """YYYY-MM from cXML's date (or the common MM/YY, MM/YYYY) forms."""
    numbers = _DIGITS.findall(value or "")
    if len(numbers) >= 2 and len(numbers[0]) == 4:
        year, month = numbers[0], numbers[1]
    elif len(numbers) == 2 and len(numbers[1]) in (2, 4):
        month, year = numbers
        year = year if len(year) == 4 else f"20{year}"
    else:
        return None
    if not 1 <= int(month) <= 12:
        return None
    return f"{year}-{int(month):02d}"


def _net_terms(terms: list[etree._Element]) -> Payment:
    net_days: int | None = None
    longest = 0
    described = []
    for term in terms:
        days = _days(term)
        longest = max(longest, days)
        percent = _attr(_child(_child(term, "Discount"), "DiscountPercent"), "percent")
        if percent is not None:
            described.append(f"{percent}% {days} days")
        else:
            net_days = max(net_days or 0, days)
            described.append(f"Net {days}")
    return Payment(
        method="net_terms",
        net_days=net_days if net_days is not None else longest,
        terms=", ".join(described),
    )


def _days(term: etree._Element) -> int:
    value = _attr(term, "payInNumberOfDays")
    if value is None or not (value.isascii() and value.isdigit()):
        raise ParseError("PaymentTerm has no valid payInNumberOfDays")
    return int(value)


def _card_scrubber(payment: etree._Element | None) -> Scrub:
    """Mask the full PCard number wherever free text repeats it."""
    digits = _NON_DIGITS.sub("", _attr(_child(payment, "PCard"), "number") or "")
    if len(digits) < 8:
        return _keep
    pattern = re.compile(r"[\s-]*".join(digits))
    mask = "X" * (len(digits) - 4) + digits[-4:]
    return lambda value: pattern.sub(mask, value)


def _keep(value: str) -> str:
    return value


# Addresses


def _address(container: etree._Element | None, where: str) -> Address | None:
    address = _child(container, "Address")
    if address is None:
        return None
    parts = _children(address)
    postal = _children(_first(parts, "PostalAddress"))
    state = _first(postal, "State")
    country = _attr(_first(postal, "Country"), "isoCountryCode")
    return Address(
        name=_element_text(_first(parts, "Name")),
        address_id=_attr(address, "addressID"),
        deliver_to=_texts(postal.get("DeliverTo", ())),
        street=_texts(postal.get("Street", ())),
        city=_element_text(_first(postal, "City")),
        state=_element_text(state) or _attr(state, "isoStateCode"),
        postal_code=_element_text(_first(postal, "PostalCode")),
        country=_country(country or _attr(address, "isoCountryCode"), where),
        email=_element_text(_first(parts, "Email")),
        phone=_phone(_first(parts, "Phone")),
    )


def _texts(elements: list[etree._Element]) -> tuple[str, ...]:
    return tuple(value for value in map(_element_text, elements) if value)


def _country(code: str | None, where: str) -> str | None:
    if code is None:
        return None
    code = code.upper()
    if len(code) != 2 or not code.isalpha():
        raise ParseError(f"{where} isoCountryCode '{_clip(code)}' is not ISO 3166-1 alpha-2")
    return code


def _phone(phone: etree._Element | None) -> str | None:
    """Format a cXML TelephoneNumber as "+1 703 555-0142 ext. 12"."""
    number = _child(phone, "TelephoneNumber")
    if number is None:
        return None
    country = _child_text(number, "CountryCode")
    parts = [
        f"+{country.lstrip('+')}" if country else None,
        _child_text(number, "AreaOrCityCode"),
        _child_text(number, "Number"),
    ]
    formatted = " ".join(part for part in parts if part)
    if not formatted:
        return None
    extension = _child_text(number, "Extension")
    return f"{formatted} ext. {extension}" if extension else formatted


# Money and numbers


def _money(
    container: etree._Element | None, where: str, *, required: bool = True
) -> tuple[Decimal | None, str | None]:
    if container is None:
        return None, None
    money = _child(container, "Money")
    if money is None:
        if required:
            raise ParseError(f"{where} has no Money")
        return None, None
    amount = _decimal(money.text, f"{where} Money")
    return amount, _currency(money.get("currency"), where)


def _currency(value: str | None, where: str) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ParseError(f"{where} Money has an invalid currency '{_clip(value)}'")
    return code


def _decimal(value: str | None, where: str) -> Decimal:
    text = (value or "").strip()
    if not _NUMBER.fullmatch(text):
        raise ParseError(f"{where} is not a number: '{_clip(text)}'")
    return Decimal(text)


# Text helpers


def _description(descriptions: list[etree._Element], scrub: Scrub) -> str | None:
    """The English description if any, else the first; its ShortName if it has no text."""
    if not descriptions:
        return None
    chosen = next((d for d in descriptions if _is_english(d.get(_XML_LANG))), descriptions[0])
    value = _direct_text(chosen) or _child_text(chosen, "ShortName")
    return scrub(value) if value else None


def _is_english(lang: str | None) -> bool:
    if not lang:
        return False
    lang = lang.lower()
    return lang == "en" or lang.startswith(("en-", "en_"))


def _classification(elements: list[etree._Element]) -> dict[str, str]:
    result: dict[str, str] = {}
    for element in elements:
        value = _all_text(element)
        if value:
            result.setdefault(element.get("domain") or "", value)
    return result


def _extrinsics(
    elements: list[etree._Element], scrub: Scrub, into: dict[str, str] | None = None
) -> dict[str, str]:
    """Extrinsics by name; repeated names are joined with "; "."""
    result: dict[str, str] = {} if into is None else into
    for element in elements:
        name = element.get("name")
        if not name:
            continue
        value = scrub(_all_text(element) or "")
        previous = result.get(name)
        result[name] = f"{previous}; {value}" if previous and value else previous or value
    return result


def _comments(elements: list[etree._Element], scrub: Scrub) -> str | None:
    texts = [text for text in map(_direct_text, elements) if text]
    return scrub("\n".join(texts)) if texts else None


def _direct_text(element: etree._Element) -> str | None:
    """Text of an element without the text of its child elements."""
    pieces = [element.text or ""]
    pieces.extend(child.tail or "" for child in element)
    return "".join(pieces).strip() or None


def _all_text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    if len(element) == 0:
        return _element_text(element)
    return " ".join("".join(element.itertext()).split()) or None


def _element_text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _child_text(element: etree._Element | None, tag: str) -> str | None:
    return None if element is None else _element_text(_child(element, tag))


def _attr(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    if value is None:
        return None
    return value.strip() or None


def _required_attr(element: etree._Element, name: str, where: str) -> str:
    value = _attr(element, name)
    if value is None:
        raise ParseError(f"{where} has no {name}")
    return value


# Tree helpers


def _children(element: etree._Element | None) -> dict[str, list[etree._Element]]:
    """Child elements grouped by tag, in one pass (comments land under a non-str key)."""
    grouped: dict = {}
    if element is None:
        return grouped
    for child in element:
        tag = child.tag
        found = grouped.get(tag)
        if found is None:
            grouped[tag] = [child]
        else:
            found.append(child)
    return grouped


def _first(grouped: dict[str, list[etree._Element]], tag: str) -> etree._Element | None:
    found = grouped.get(tag)
    return found[0] if found else None


def _child(element: etree._Element | None, tag: str) -> etree._Element | None:
    """First child element with this tag. cXML elements have few children before the
    one asked for, and a plain loop beats building a tag matcher (iterchildren) or a
    path (find)."""
    if element is not None:
        for child in element:
            if child.tag == tag:
                return child
    return None


def _all(element: etree._Element | None, tag: str) -> list[etree._Element]:
    return [] if element is None else list(element.iterchildren(tag))


def _first_element(element: etree._Element) -> etree._Element | None:
    return next((child for child in element if isinstance(child.tag, str)), None)


def _name(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)


def _clip(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 3] + "..."
