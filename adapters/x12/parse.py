"""X12 004010 850 purchase orders to canonical orders.

One canonical order per 850 transaction set, whatever the number of functional groups;
other transaction sets are left to the 997. An 850 that the 997 rejects (see
`adapters.x12.syntax`) is left out here too, so nothing the 997 rejects is ingested.
What a syntax check cannot see is found here: a quantity of zero or less, a CTT01
line count that disagrees with the PO1 segments, a country that is not ISO 3166-1
alpha-2; `read_orders` reports such an 850 as a problem for the 997 to reject.

BEG01 purpose to change kind:
  00 original, 06 confirmation, 07 duplicate  -> "new" (a duplicate is then recognised
                                                 by its external order id)
  01 cancellation, 03 delete                  -> "cancel"
  04 change, 05 replace                       -> "update"
For "update" and "cancel", changes_order_ref is the BEG03 purchase order number.

The order: BEG03 is the external order id, BEG05 the order date (midnight, no zone),
the source document id is "ISA06 sender/ISA13/GS06/ST02" (a re-sent interchange keeps
it), the source version BEG04 (release number) or else BEG01. Parties come from the
N1 loops (ST ship to, BT bill to, BY buyer), the buyer contact from PER (BD first),
terms from ITD, the carrier from TD5, notes from MSG and NTE, charges from SAC (N2,
implied cents), the total from AMT*TT. Segments the canonical order has no place for
(FOB details, MEA, PKG, TD1, structured PID, line-level addresses) are not carried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from adapters.x12 import values
from adapters.x12.envelope import FunctionalGroup, Interchange, TransactionSet, read_interchange
from adapters.x12.segments import Segment
from adapters.x12.syntax import Problem, acknowledged_groups, check_interchange
from core.canonical import Address, CanonicalOrder, Contact, OrderLine, Payment
from core.errors import ParseError

CHANNEL = "x12"
SEGMENTS_IN_ERROR = "5"  # AK502: one or more segments in error
PURCHASE_ORDER = "850"

CHANGE_KINDS = {
    "00": "new",
    "06": "new",
    "07": "new",
    "01": "cancel",
    "03": "cancel",
    "04": "update",
    "05": "update",
}
_PARTY_SEGMENTS = frozenset({"N2", "N3", "N4", "PER", "REF"})
_CONTACT_ROLES = ("BD", "OC", "IC")  # buyer, order contact, information contact
_SHIPPING_CHARGES = frozenset({"D240", "G830", "D500"})  # freight, shipping & handling
_TAX_CHARGES = frozenset({"H850"})
_UNIT_PRICES = frozenset({"UCP", "CON", "CUP", "NET"})  # unit cost, contract, confirmed
_LINE_FIELDS = {
    "BP": "buyer_part_id",
    "IN": "buyer_part_id",
    "VP": "supplier_part_id",
    "VN": "supplier_part_id",
    "MG": "manufacturer_part_id",
    "MF": "manufacturer_name",
}
_PRODUCT_ID_NAMES = {
    "BP": "BuyerPartNumber",
    "IN": "BuyerItemNumber",
    "VP": "VendorPartNumber",
    "VN": "VendorItemNumber",
    "MG": "ManufacturerPartNumber",
    "MF": "Manufacturer",
    "UP": "UPC",
    "UK": "GTIN",
    "EN": "EAN",
    "FS": "NSN",
    "SK": "SKU",
    "CB": "BuyerCatalogNumber",
    "VA": "VendorStyleNumber",
    "SN": "SerialNumber",
}
_REFERENCE_NAMES = {
    "CT": "ContractNumber",
    "DP": "DepartmentNumber",
    "IA": "InternalVendorNumber",
    "PD": "PromotionNumber",
    "CO": "CustomerOrderNumber",
    "AH": "AgreementNumber",
    "PR": "PriceQuoteNumber",
}
_DATE_NAMES = {
    "001": "CancelAfter",
    "010": "RequestedShipDate",
    "037": "ShipNotBefore",
    "038": "ShipNoLater",
    "063": "DoNotDeliverAfter",
    "064": "DoNotDeliverBefore",
}
_DELIVERY_REQUESTED = "002"


def parse(raw: bytes, partner: str | None = None) -> list[CanonicalOrder]:
    """Channel entry point: every acceptable 850 of an interchange as a canonical order.

    An 850 the 997 rejects is left out (its partner learns why from the 997); when
    no 850 is acceptable, ParseError names the first problem. `partner` defaults to
    "x12:" and the interchange sender id (ISA06).
    """
    orders, problems = read_orders(raw, partner)
    if orders:
        return orders
    refusals = [problem for problem in problems if problem.rejects]
    raise ParseError(refusals[0].message if refusals else "the interchange holds no 850")


def read_orders(raw: bytes, partner: str | None = None) -> tuple[list[CanonicalOrder], list]:
    """The acceptable 850s as canonical orders, and every problem the 997 reports:
    the syntax check's, plus an 850 refused for what only reading it shows (AK5 "5")."""
    interchange = read_interchange(raw)
    problems = check_interchange(interchange)
    refused = {(p.group_position, p.set_position) for p in problems if p.rejects}
    partner = partner or f"{CHANNEL}:{interchange.sender_id}"
    orders = []
    for position, group in acknowledged_groups(interchange):
        if (position, None) in refused:
            continue
        for number, transaction_set in enumerate(group.transaction_sets, start=1):
            if transaction_set.id_code != PURCHASE_ORDER or (position, number) in refused:
                continue
            source = _source_document_id(interchange, group, transaction_set)
            try:
                orders.append(parse_purchase_order(transaction_set, partner, source))
            except ParseError as error:
                problems.append(
                    Problem(
                        position,
                        group.control_number,
                        number,
                        transaction_set.control_number,
                        SEGMENTS_IN_ERROR,
                        str(error),
                    )
                )
    return orders, problems


def _source_document_id(
    interchange: Interchange, group: FunctionalGroup, transaction_set: TransactionSet
) -> str:
    """Sender, ISA13, GS06 and ST02: the same again when an interchange is re-sent."""
    numbers = (interchange.control_number, group.control_number, transaction_set.control_number)
    return "/".join((interchange.sender_id, *numbers))


def parse_purchase_order(
    transaction_set: TransactionSet, partner: str, source_document_id: str | None = None
) -> CanonicalOrder:
    """Map one 850 transaction set to a CanonicalOrder."""
    reader = _PurchaseOrderReader(transaction_set)
    for position, segment in enumerate(transaction_set.body, start=2):
        reader.take(segment, f"850 {transaction_set.control_number} segment {position}")
    return reader.order(partner, source_document_id)


# Parties and contacts


@dataclass
class _Party:
    entity: str
    name: str
    identifier: str
    where: str
    references: dict[str, str]  # where a REF of the loop goes: the order's or line's extrinsics
    names: list[str] = field(default_factory=list)
    street: list[str] = field(default_factory=list)
    locality: Segment | None = None
    contacts: list[Segment] = field(default_factory=list)

    def take(self, segment: Segment, where: str) -> None:
        if segment.tag == "N2":
            self.names.extend(_present(segment.element(1), segment.element(2)))
        elif segment.tag == "N3":
            self.street.extend(_present(segment.element(1), segment.element(2)))
        elif segment.tag == "N4":
            self.locality = segment
            self.where = where
        elif segment.tag == "PER":
            self.contacts.append(segment)
        else:
            _reference(segment, self.references)

    def address(self) -> Address:
        contact = _contact(self.contacts[0]) if self.contacts else Contact()
        locality = self.locality
        element = locality.element if locality is not None else _nothing
        return Address(
            name=self.name or None,
            address_id=self.identifier or None,
            deliver_to=tuple(self.names),
            street=tuple(self.street),
            city=element(1) or None,
            state=element(2) or None,
            postal_code=element(3) or None,
            country=values.country(element(4), f"{self.where} N404"),
            email=contact.email,
            phone=contact.phone,
        )


def _contact(per: Segment) -> Contact:
    """PER02 and the first phone (TE, with an EX extension) and email (EM)."""
    phone = email = extension = None
    for qualifier_at in (3, 5, 7):
        qualifier, number = per.element(qualifier_at), per.element(qualifier_at + 1)
        if not number:
            continue
        if qualifier == "TE" and phone is None:
            phone = number
        elif qualifier == "EM" and email is None:
            email = number
        elif qualifier == "EX" and extension is None:
            extension = number
    if phone and extension:
        phone = f"{phone} ext. {extension}"
    return Contact(name=per.element(2) or None, email=email, phone=phone)


def _nothing(_: int) -> str:
    return ""


# Lines


@dataclass
class _Line:
    po1: Segment
    ordinal: int
    where: str
    descriptions: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    extrinsics: dict[str, str] = field(default_factory=dict)
    prices: list[tuple[str, Decimal]] = field(default_factory=list)
    requested_delivery: date | None = None
    scheduled_delivery: date | None = None
    currency: str | None = None

    def take(self, segment: Segment, where: str) -> None:
        handler = _LINE_HANDLERS.get(segment.tag)
        if handler is not None:
            handler(self, segment, where)

    def order_line(self, currency: str, default_delivery: date | None) -> OrderLine:
        po1 = self.po1
        quantity = values.decimal(po1.element(2), f"{self.where} PO102 quantity")
        if quantity <= 0:
            raise ParseError(
                f"{self.where} PO102 quantity '{po1.element(2)}' must be greater than zero"
            )
        unit = po1.element(3)
        if not unit:
            raise ParseError(f"{self.where} has no PO103 unit of measure")
        unit_price = self._unit_price()
        identifiers = self._identifiers()
        return OrderLine(
            line_number=self._line_number(),
            quantity=quantity,
            unit_of_measure=unit,
            unit_price=unit_price,
            currency=(self.currency or currency) if unit_price is not None else None,
            description=" ".join(self.descriptions) or None,
            requested_delivery_date=(
                self.requested_delivery or self.scheduled_delivery or default_delivery
            ),
            comments="\n".join(self.comments) or None,
            extrinsics=self.extrinsics,
            **identifiers,
        )

    def _line_number(self) -> int:
        value = self.po1.element(1)
        if not value:
            return self.ordinal
        if not (value.isascii() and value.isdigit()):
            raise ParseError(f"{self.where} PO101 line number '{value}' is not a number")
        return int(value)

    def _unit_price(self) -> Decimal | None:
        value = self.po1.element(4)
        if value:
            return values.decimal(value, f"{self.where} PO104 unit price")
        return next((price for code, price in self.prices if code in _UNIT_PRICES), None)

    def _identifiers(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for qualifier_at in range(6, 25, 2):
            qualifier = self.po1.element(qualifier_at)
            identifier = self.po1.element(qualifier_at + 1)
            if not (qualifier and identifier):
                continue
            name = _LINE_FIELDS.get(qualifier)
            if name is not None and name not in found:
                found[name] = identifier
            else:
                key = _PRODUCT_ID_NAMES.get(qualifier, f"ProductId.{qualifier}")
                self.extrinsics.setdefault(key, identifier)
        return found


def _line_description(line: _Line, segment: Segment, where: str) -> None:
    if segment.element(1) == "F" and segment.element(5):
        line.descriptions.append(segment.element(5))


def _line_date(line: _Line, segment: Segment, where: str) -> None:
    qualifier, value = segment.element(1), segment.element(2)
    if not value:
        return
    day = values.ccyymmdd(value, f"{where} DTM02")
    if qualifier == _DELIVERY_REQUESTED:
        line.requested_delivery = line.requested_delivery or day
    else:
        line.extrinsics[_DATE_NAMES.get(qualifier, f"DTM.{qualifier}")] = day.isoformat()


def _line_schedule(line: _Line, segment: Segment, where: str) -> None:
    if segment.element(5) == _DELIVERY_REQUESTED and segment.element(6):
        day = values.ccyymmdd(segment.element(6), f"{where} SCH06")
        line.scheduled_delivery = line.scheduled_delivery or day


def _line_price(line: _Line, segment: Segment, where: str) -> None:
    if segment.element(3):
        price = values.decimal(segment.element(3), f"{where} CTP03 unit price")
        code = segment.element(2)
        line.prices.append((code, price))
        line.extrinsics[f"Price.{code or 'CTP'}"] = str(price)


def _line_charge(line: _Line, segment: Segment, where: str) -> None:
    amount = _charge_amount(segment, where)
    if amount is not None and segment.element(1) in ("A", "C"):
        kind = "Allowance" if segment.element(1) == "A" else "Charge"
        line.extrinsics[f"{kind}.{segment.element(2) or 'SAC'}"] = str(amount)


def _line_note(line: _Line, segment: Segment, where: str) -> None:
    line.comments.extend(_present(_note_text(segment)))


def _line_reference(line: _Line, segment: Segment, where: str) -> None:
    _reference(segment, line.extrinsics)


def _line_currency(line: _Line, segment: Segment, where: str) -> None:
    line.currency = values.currency(segment.element(2), f"{where} CUR02")


_LINE_HANDLERS: dict[str, Callable[[_Line, Segment, str], None]] = {
    "PID": _line_description,
    "DTM": _line_date,
    "SCH": _line_schedule,
    "CTP": _line_price,
    "SAC": _line_charge,
    "MSG": _line_note,
    "NTE": _line_note,
    "REF": _line_reference,
    "N9": _line_reference,
    "CUR": _line_currency,
}


# The transaction set


class _PurchaseOrderReader:
    """One pass over an 850: header, N1 loops, PO1 loops, summary."""

    def __init__(self, transaction_set: TransactionSet) -> None:
        self.control_number = transaction_set.control_number
        self.beg: Segment | None = None
        self.currency = "USD"
        self.parties: dict[str, _Party] = {}
        self.contacts: list[Segment] = []
        self.terms: list[Segment] = []
        self.carrier: Segment | None = None
        self.notes: list[str] = []
        self.extrinsics: dict[str, str] = {}
        self.delivery: date | None = None
        self.amounts: dict[str, Decimal] = {}
        self.lines: list[_Line] = []
        self.line_count: tuple[int, str] | None = None
        self.party: _Party | None = None
        self.line: _Line | None = None
        self.line_party: _Party | None = None

    def take(self, segment: Segment, where: str) -> None:
        tag = segment.tag
        if self._in_party(segment, where):
            return
        if tag == "PO1":
            self.line = _Line(segment, len(self.lines) + 1, f"{where} PO1")
            self.lines.append(self.line)
        elif tag == "N1":
            self._open_party(segment, where)
        elif tag == "CTT":
            self.line = None
            count = values.whole(segment.element(1), f"{where} CTT01")
            self.line_count = (count, where)
        elif tag == "AMT":
            self._amount(segment, where)
        elif self.line is not None:
            self.line.take(segment, where)
        else:
            self._header(segment, where)

    def _in_party(self, segment: Segment, where: str) -> bool:
        party = self.line_party or self.party
        if party is None or segment.tag not in _PARTY_SEGMENTS:
            self.party = self.line_party = None
            return False
        party.take(segment, where)
        return True

    def _open_party(self, n1: Segment, where: str) -> None:
        entity, name, identifier = n1.element(1), n1.element(2), n1.element(4)
        if self.line is not None:
            extrinsics = self.line.extrinsics
            self.line_party = _Party(entity, name, identifier, f"{where} N1", extrinsics)
            extrinsics[f"Party.{entity}"] = identifier or name
        else:
            self.party = _Party(entity, name, identifier, f"{where} N1", self.extrinsics)
            self.parties.setdefault(entity, self.party)

    def _header(self, segment: Segment, where: str) -> None:
        handler = _HEADER_HANDLERS.get(segment.tag)
        if handler is not None:
            handler(self, segment, where)

    def _amount(self, segment: Segment, where: str) -> None:
        if segment.element(1) == "TT":
            self.amounts["total"] = values.decimal(segment.element(2), f"{where} AMT02")

    def order(self, partner: str, source_document_id: str | None) -> CanonicalOrder:
        beg = self.beg
        if beg is None:
            raise ParseError(f"850 {self.control_number} has no BEG")
        where = f"850 {self.control_number} BEG"
        purpose = beg.element(1)
        if purpose not in CHANGE_KINDS:
            raise ParseError(f"{where}01 purpose '{purpose}' is not supported")
        lines = self._order_lines()
        ship_to, bill_to = self._address("ST"), self._address("BT")
        change_kind = CHANGE_KINDS[purpose]
        return CanonicalOrder(
            channel=CHANNEL,
            partner=partner,
            external_order_id=beg.element(3),
            order_date=datetime.combine(values.ccyymmdd(beg.element(5), f"{where}05"), _MIDNIGHT),
            currency=self.currency,
            lines=lines,
            source_document_id=source_document_id,
            source_version=beg.element(4) or purpose,
            change_kind=change_kind,
            changes_order_ref=beg.element(3) if change_kind != "new" else None,
            buyer_organisation=self._organisation(),
            buyer_contact=self._buyer_contact(),
            ship_to=ship_to,
            bill_to=bill_to,
            shipping_method=self._shipping_method(),
            shipping_amount=self.amounts.get("shipping"),
            tax_amount=self.amounts.get("tax"),
            discount_amount=self.amounts.get("discount"),
            total_amount=self.amounts.get("total"),
            payment=_payment(self.terms),
            extrinsics=self.extrinsics,
            comments="\n".join(self.notes) or None,
        )

    def _order_lines(self) -> tuple[OrderLine, ...]:
        lines = tuple(line.order_line(self.currency, self.delivery) for line in self.lines)
        if self.line_count is not None and self.line_count[0] != len(lines):
            count, where = self.line_count
            raise ParseError(
                f"{where} CTT01 says {count} line items but the set has {len(lines)} PO1"
            )
        return lines

    def _address(self, entity: str) -> Address | None:
        party = self.parties.get(entity)
        return party.address() if party is not None else None

    def _organisation(self) -> str | None:
        for entity in ("BY", "BT"):
            party = self.parties.get(entity)
            if party is not None and party.name:
                return party.name
        return None

    def _buyer_contact(self) -> Contact:
        candidates = [*self.contacts]
        for entity in ("BY", "ST"):
            party = self.parties.get(entity)
            candidates.extend(party.contacts if party is not None else ())
        for role in _CONTACT_ROLES:
            chosen = next((per for per in candidates if per.element(1) == role), None)
            if chosen is not None:
                return _contact(chosen)
        return _contact(candidates[0]) if candidates else Contact()

    def _shipping_method(self) -> str | None:
        td5 = self.carrier
        if td5 is None:
            return None
        scac = td5.element(3) if td5.element(2) == "2" else ""
        return td5.element(5) or scac or None


_MIDNIGHT = datetime.min.time()


def _header_beg(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    if reader.beg is not None:
        raise ParseError(f"{where} is a second BEG")
    reader.beg = segment
    extrinsics = reader.extrinsics
    for number, name in ((2, "PurchaseOrderType"), (4, "ReleaseNumber"), (6, "ContractNumber")):
        if segment.element(number):
            extrinsics[name] = segment.element(number)


def _header_currency(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    reader.currency = values.currency(segment.element(2), f"{where} CUR02")


def _header_contact(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    reader.contacts.append(segment)


def _header_reference(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    _reference(segment, reader.extrinsics)


def _header_date(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    qualifier, value = segment.element(1), segment.element(2)
    if not value:
        return
    day = values.ccyymmdd(value, f"{where} DTM02")
    if qualifier == _DELIVERY_REQUESTED:
        reader.delivery = reader.delivery or day
    else:
        reader.extrinsics[_DATE_NAMES.get(qualifier, f"DTM.{qualifier}")] = day.isoformat()


def _header_terms(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    reader.terms.append(segment)


def _header_carrier(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    if reader.carrier is not None:
        return
    reader.carrier = segment
    if segment.element(2) == "2" and segment.element(3):
        reader.extrinsics["CarrierSCAC"] = segment.element(3)
    for number, name in ((4, "TransportationMethod"), (12, "ServiceLevel")):
        if segment.element(number):
            reader.extrinsics[name] = segment.element(number)


def _header_charge(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    amount = _charge_amount(segment, where)
    indicator, code = segment.element(1), segment.element(2)
    if amount is None or indicator not in ("A", "C"):
        return
    if indicator == "A":
        _add(reader.amounts, "discount", amount)
    elif code in _SHIPPING_CHARGES:
        _add(reader.amounts, "shipping", amount)
    elif code in _TAX_CHARGES:
        _add(reader.amounts, "tax", amount)
    else:
        reader.extrinsics[f"Charge.{code or 'SAC'}"] = str(amount)


def _header_tax(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    if segment.element(2):
        _add(reader.amounts, "tax", values.decimal(segment.element(2), f"{where} TXI02"))


def _header_note(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    reader.notes.extend(_present(_note_text(segment)))


def _header_fob(reader: _PurchaseOrderReader, segment: Segment, where: str) -> None:
    if segment.element(1):
        reader.extrinsics["FOBPaymentMethod"] = segment.element(1)


_HEADER_HANDLERS: dict[str, Callable[[_PurchaseOrderReader, Segment, str], None]] = {
    "BEG": _header_beg,
    "CUR": _header_currency,
    "PER": _header_contact,
    "REF": _header_reference,
    "N9": _header_reference,
    "DTM": _header_date,
    "ITD": _header_terms,
    "TD5": _header_carrier,
    "SAC": _header_charge,
    "TXI": _header_tax,
    "MSG": _header_note,
    "NTE": _header_note,
    "FOB": _header_fob,
}


# Shared helpers


def _payment(terms: list[Segment]) -> Payment | None:
    """ITD: net days (ITD07), the discount offered (ITD03 % within ITD05 days) and the
    description (ITD12) as the terms."""
    if not terms:
        return None
    net_days: int | None = None
    described: list[str] = []
    for itd in terms:
        if itd.element(7):
            days = values.whole(itd.element(7), "ITD07 terms net days")
            net_days = max(net_days or 0, days)
        described.append(itd.element(12) or _terms_text(itd))
    return Payment(
        method="net_terms",
        net_days=net_days,
        terms=", ".join(text for text in described if text) or None,
    )


def _terms_text(itd: Segment) -> str:
    parts = []
    if itd.element(3) and itd.element(5):
        percent = values.plain(values.decimal(itd.element(3), "ITD03 terms discount percent"))
        parts.append(f"{percent}% {itd.element(5)} days")
    if itd.element(7):
        parts.append(f"Net {itd.element(7)}")
    elif itd.element(6):
        parts.append(f"Net due {values.ccyymmdd(itd.element(6), 'ITD06').isoformat()}")
    return ", ".join(parts)


def _charge_amount(segment: Segment, where: str) -> Decimal | None:
    value = segment.element(5)
    return values.implied_cents(value, f"{where} SAC05 amount") if value else None


def _reference(segment: Segment, into: dict[str, str]) -> None:
    """REF or N9: qualifier and number (or, without a number, the description)."""
    qualifier = segment.element(1)
    value = segment.element(2) or segment.element(3)
    if segment.tag == "N9" and qualifier == "L1":
        return  # "letters or notes": the heading of the MSG text that follows
    if qualifier and value:
        into[_REFERENCE_NAMES.get(qualifier, f"REF.{qualifier}")] = value


def _note_text(segment: Segment) -> str:
    return segment.element(1) if segment.tag == "MSG" else segment.element(2)


def _present(*texts: str) -> Iterable[str]:
    return [text.strip() for text in texts if text and text.strip()]


def _add(amounts: dict[str, Decimal], name: str, amount: Decimal) -> None:
    amounts[name] = amounts.get(name, Decimal("0")) + amount
