"""cXML PunchOut: the setup request a buyer's procurement system sends, the setup
response that tells it where its user starts shopping, and the order message that
carries the user's cart back through the browser."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from lxml import etree

from adapters.cxml.parse import (
    _address,
    _all_text,
    _attr,
    _child,
    _clip,
    _decimal,
    _description,
    _extrinsics,
    _keep,
    _line_number,
    _money,
    read_envelope,
)
from adapters.cxml.render import (
    _PROLOG,
    _attribute,
    _standard_text,
    _timestamp,
    _xml_safe,
    new_payload_id,
)
from core.canonical import Address
from core.errors import ParseError

OPERATIONS = ("create", "edit", "inspect")
CXML_VERSION = "1.2.014"
FORM_FIELD = "cxml-urlencoded"
FORM_ID = "cxml-return"
AUTO_SUBMIT_SCRIPT = f'document.getElementById("{FORM_ID}").submit();'
"""The return page's only script; a Content-Security-Policy can allow it by its hash."""

_MAX_PAYLOAD_ID = 250
_NAME_EXTRINSICS = ("UserFullName", "FullName", "UserName")
_EMAIL_EXTRINSICS = ("UserEmail", "Email", "EmailAddress")


@dataclass(frozen=True, slots=True)
class SetupItem:
    """An item a setup request brings along: the cart to edit or inspect, or the
    item the user chose in the procurement system (quantity None)."""

    supplier_part_id: str
    supplier_part_aux_id: str | None = None
    quantity: Decimal | None = None
    line_number: int | None = None
    unit_of_measure: str | None = None
    unit_price: Decimal | None = None
    currency: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SetupRequest:
    payload_id: str
    operation: str
    buyer_cookie: str
    browser_form_post_url: str
    deployment_mode: str
    buyer_domain: str | None
    buyer_identity: str | None
    supplier_domain: str | None
    supplier_identity: str | None
    user_email: str | None = None
    user_name: str | None = None
    extrinsics: dict[str, str] = field(default_factory=dict)
    ship_to: Address | None = None
    selected_item: SetupItem | None = None
    items: tuple[SetupItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Credential:
    domain: str
    identity: str


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line of a returned cart. The auxiliary id comes back on the buyer's
    OrderRequest, which is how the order finds its session and line."""

    line_number: int
    supplier_part_id: str
    supplier_part_aux_id: str
    quantity: Decimal
    unit_of_measure: str
    unit_price: Decimal
    description: str
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    classification: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _number(self.quantity)
        _number(self.unit_price)

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


# Reading the setup request


def read_setup_request(root: etree._Element) -> SetupRequest:
    """The PunchOutSetupRequest in a parsed cXML document, or a ParseError saying
    what is missing."""
    envelope = read_envelope(root)
    request = _child(_child(root, "Request"), "PunchOutSetupRequest")
    if request is None:
        raise ParseError(f"not a PunchOutSetupRequest: the Request holds {envelope.request_kind}")
    if len(envelope.payload_id) > _MAX_PAYLOAD_ID:
        raise ParseError(f"cXML payloadID is longer than {_MAX_PAYLOAD_ID} characters")
    extrinsics = _extrinsics(list(request.iterchildren("Extrinsic")), _keep)
    contact = _end_user(list(request.iterchildren("Contact")))
    selected = _child(request, "SelectedItem")
    return SetupRequest(
        payload_id=envelope.payload_id,
        operation=_operation(request),
        buyer_cookie=_buyer_cookie(request),
        browser_form_post_url=_form_post_url(request),
        deployment_mode=envelope.deployment_mode,
        buyer_domain=envelope.from_domain,
        buyer_identity=envelope.from_identity,
        supplier_domain=envelope.to_domain,
        supplier_identity=envelope.to_identity,
        user_email=_user_email(extrinsics, contact),
        user_name=_user_name(extrinsics, contact),
        extrinsics=extrinsics,
        ship_to=_address(_child(request, "ShipTo"), "PunchOutSetupRequest ShipTo"),
        selected_item=_item_id(selected, "SelectedItem") if selected is not None else None,
        items=tuple(
            _setup_item(item, position)
            for position, item in enumerate(request.iterchildren("ItemOut"), start=1)
        ),
    )


def _operation(request: etree._Element) -> str:
    operation = _attr(request, "operation")
    if operation is None:
        raise ParseError("PunchOutSetupRequest has no operation")
    if operation not in OPERATIONS:
        raise ParseError(f"PunchOutSetupRequest has an unknown operation '{_clip(operation)}'")
    return operation


def _buyer_cookie(request: etree._Element) -> str:
    cookie = _all_text(_child(request, "BuyerCookie"))
    if cookie is None:
        raise ParseError("PunchOutSetupRequest has no BuyerCookie")
    return cookie


def _form_post_url(request: etree._Element) -> str:
    url = _all_text(_child(_child(request, "BrowserFormPost"), "URL"))
    if url is None:
        raise ParseError("PunchOutSetupRequest has no BrowserFormPost URL")
    if not is_web_url(url):
        raise ParseError(f"BrowserFormPost URL is not an http(s) URL: '{_clip(url)}'")
    return url


def is_web_url(url: str) -> bool:
    """An absolute http or https URL: the only kind a returned cart may be posted to."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _end_user(contacts: list[etree._Element]) -> etree._Element | None:
    chosen = next((c for c in contacts if c.get("role") == "endUser"), None)
    return chosen if chosen is not None else next(iter(contacts), None)


def _user_email(extrinsics: dict[str, str], contact: etree._Element | None) -> str | None:
    found = next((extrinsics[n] for n in _EMAIL_EXTRINSICS if extrinsics.get(n)), None)
    return found or _all_text(_child(contact, "Email"))


def _user_name(extrinsics: dict[str, str], contact: etree._Element | None) -> str | None:
    found = next((extrinsics[n] for n in _NAME_EXTRINSICS if extrinsics.get(n)), None)
    if found:
        return found
    parts = [extrinsics.get("FirstName"), extrinsics.get("LastName")]
    joined = " ".join(part for part in parts if part)
    return joined or _all_text(_child(contact, "Name"))


def _item_id(container: etree._Element, where: str) -> SetupItem:
    item_id = _child(container, "ItemID")
    part = _all_text(_child(item_id, "SupplierPartID"))
    if part is None:
        raise ParseError(f"{where} has no ItemID/SupplierPartID")
    return SetupItem(part, _all_text(_child(item_id, "SupplierPartAuxiliaryID")))


def _setup_item(item: etree._Element, position: int) -> SetupItem:
    number = _line_number(item, position)
    where = f"PunchOutSetupRequest ItemOut line {number}"
    quantity = _decimal(_attr(item, "quantity"), f"{where} quantity")
    if quantity <= 0:
        raise ParseError(f"{where} has a quantity that is not positive")
    identified = _item_id(item, where)
    detail = _child(item, "ItemDetail")
    unit_price, currency = _money(_child(detail, "UnitPrice"), f"{where} UnitPrice")
    return SetupItem(
        supplier_part_id=identified.supplier_part_id,
        supplier_part_aux_id=identified.supplier_part_aux_id,
        quantity=quantity,
        line_number=number,
        unit_of_measure=_all_text(_child(detail, "UnitOfMeasure")),
        unit_price=unit_price,
        currency=currency,
        description=_description(
            [] if detail is None else list(detail.iterchildren("Description")), _keep
        ),
    )


# Rendering


def render_setup_response(
    code: int,
    text: str,
    start_page_url: str | None,
    *,
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """A cXML Response to a setup request: its Status and, on success, the StartPage
    URL where the user's browser begins the session."""
    text = text or _standard_text(code)
    status = f'<Status code="{int(code)}" text={_attribute(_xml_safe(text))}/>'
    start = ""
    if start_page_url:
        url = f"<URL>{_text(start_page_url)}</URL>"
        start = f"<PunchOutSetupResponse><StartPage>{url}</StartPage></PunchOutSetupResponse>"
    body = f"<Response>{status}{start}</Response></cXML>"
    return _PROLOG + f"{_envelope_open(payload_id, timestamp)}{body}".encode()


def render_order_message(
    buyer_cookie: str,
    lines: Sequence[CartLine],
    *,
    currency: str,
    supplier: Credential,
    buyer: Credential,
    operation_allowed: str = "edit",
    deployment_mode: str = "production",
    user_agent: str = "Order B2B",
    payload_id: str | None = None,
    timestamp: datetime | None = None,
) -> bytes:
    """A PunchOutOrderMessage: the cart, sent back through the user's browser. The
    Sender carries no shared secret, since the browser carries the document."""
    if operation_allowed not in OPERATIONS:
        raise ValueError(f"operationAllowed must be one of {OPERATIONS}")
    total = sum((line.amount for line in lines), Decimal("0"))
    mode = "test" if deployment_mode == "test" else "production"
    header = (
        f"<Header><From>{_credential(supplier)}</From><To>{_credential(buyer)}</To>"
        f"<Sender>{_credential(supplier)}<UserAgent>{_text(user_agent)}</UserAgent></Sender>"
        "</Header>"
    )
    message = (
        f'<Message deploymentMode="{mode}"><PunchOutOrderMessage>'
        f"<BuyerCookie>{_text(buyer_cookie)}</BuyerCookie>"
        f'<PunchOutOrderMessageHeader operationAllowed="{operation_allowed}">'
        f"<Total>{_money_xml(total, currency)}</Total></PunchOutOrderMessageHeader>"
        + "".join(_item_in(line, currency) for line in lines)
        + "</PunchOutOrderMessage></Message>"
    )
    return _PROLOG + f"{_envelope_open(payload_id, timestamp)}{header}{message}</cXML>".encode()


def render_form_post_page(url: str, order_message: bytes) -> bytes:
    """A complete HTML page that posts the order message to the buyer's URL in the
    hidden field `cxml-urlencoded`: submitted by a one-line script at once, or by
    the visible button where scripts do not run."""
    if not is_web_url(url):
        raise ValueError("a cart can only be posted to an http(s) URL")
    value = html.escape(order_message.decode("utf-8"), quote=True)
    value = value.replace("\r", "&#13;").replace("\n", "&#10;")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>Returning your cart</title>
</head>
<body>
<form id="{FORM_ID}" method="post" action="{html.escape(url, quote=True)}" \
accept-charset="UTF-8" enctype="application/x-www-form-urlencoded">
<input type="hidden" name="{FORM_FIELD}" value="{value}">
<p>Returning your cart to your procurement system&hellip;</p>
<button type="submit">Return to procurement</button>
</form>
<script>{AUTO_SUBMIT_SCRIPT}</script>
</body>
</html>
""".encode()


def _envelope_open(payload_id: str | None, timestamp: datetime | None) -> str:
    payload_id = _xml_safe(payload_id) if payload_id else new_payload_id()
    return (
        f"<cXML payloadID={_attribute(payload_id)} timestamp={_attribute(_timestamp(timestamp))}"
        f' version="{CXML_VERSION}" xml:lang="en-US">'
    )


def _credential(credential: Credential) -> str:
    return (
        f"<Credential domain={_attribute(_xml_safe(credential.domain))}>"
        f"<Identity>{_text(credential.identity)}</Identity></Credential>"
    )


def _item_in(line: CartLine, currency: str) -> str:
    classifications = line.classification or (("UNSPSC", ""),)
    maker = ""
    if line.manufacturer_part_id:
        maker += f"<ManufacturerPartID>{_text(line.manufacturer_part_id)}</ManufacturerPartID>"
    if line.manufacturer_name:
        maker += f"<ManufacturerName>{_text(line.manufacturer_name)}</ManufacturerName>"
    return (
        f'<ItemIn quantity="{_number(line.quantity)}" lineNumber="{int(line.line_number)}">'
        f"<ItemID><SupplierPartID>{_text(line.supplier_part_id)}</SupplierPartID>"
        f"<SupplierPartAuxiliaryID>{_text(line.supplier_part_aux_id)}</SupplierPartAuxiliaryID>"
        f"</ItemID><ItemDetail><UnitPrice>{_money_xml(line.unit_price, currency)}</UnitPrice>"
        f'<Description xml:lang="en">{_text(line.description)}</Description>'
        f"<UnitOfMeasure>{_text(line.unit_of_measure)}</UnitOfMeasure>"
        + "".join(
            f"<Classification domain={_attribute(_xml_safe(domain))}>{_text(code)}</Classification>"
            for domain, code in classifications
        )
        + f"{maker}</ItemDetail></ItemIn>"
    )


def _money_xml(amount: Decimal, currency: str) -> str:
    return f"<Money currency={_attribute(_xml_safe(currency))}>{_number(amount)}</Money>"


def _number(value: Decimal) -> str:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"amounts and quantities are finite Decimals, not {value!r}")
    return format(value, "f")


def _text(value: str) -> str:
    return escape(_xml_safe(value))
