"""What suppliers send us in X12 004010 about our purchase orders: 856 ship notices
and 855 acknowledgments, read into the shared shapes of core.canonical.

856: BSN02 is the shipment id. The hierarchy (HL) has one shipment level (S) with the
carrier (TD5: SCAC in TD503 when TD502 is 2, routing in TD505, service level in
TD512), the tracking number (REF*CN, REF*2I, else the bill of lading REF*BM; else
a package's REF or MAN*CP), DTM*011 shipped and DTM*017/067 delivery, TD1 packages
and weight; order levels (O) with PRF01, our PO number; optional tare and pack
levels (T, P); item levels (I) with LIN (LIN01 our PO line, VP the supplier's part)
and SN1 (quantity shipped and unit; SN101 our PO line when LIN01 is empty). One
ReceivedShipNotice per order level; an item split over cartons is one line.

855: BAK03 is our PO number, BAK08 the supplier's order number, BAK09 the date.
BAK02 AD, AK and AT accept; AC, AE and AH accept with detail ("backorder" when every
line is backordered); RD, RF, RJ and RO reject. Each ACK of a PO1 is one line (a
line may be split: 6 accepted, 4 backordered), its status from ACK01 (LINE_STATUSES);
a PO1 without ACK has the order's status. The unit price is CTP03, else PO104.

Segment positions in messages count from the ST, which is 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from adapters.x12 import values
from adapters.x12.envelope import (
    FunctionalGroup,
    Interchange,
    TransactionSet,
    read_interchange,
)
from adapters.x12.segments import Segment
from core.canonical import (
    ConfirmationLine,
    ReceivedConfirmation,
    ReceivedShipmentLine,
    ReceivedShipNotice,
)
from core.errors import ParseError

CHANNEL = "x12"
SHIP_NOTICE = "856"
ACKNOWLEDGMENT = "855"

HIERARCHY_LEVELS = {"S": "shipment", "O": "order", "T": "tare", "P": "pack", "I": "item"}
TRACKING_REFERENCES = ("CN", "2I", "BM")  # carrier's reference, tracking, bill of lading
ORDER_STATUSES = {
    "AD": "accept",
    "AK": "accept",
    "AT": "accept",
    "AC": "detail",
    "AE": "detail",
    "AH": "detail",
    "RD": "reject",
    "RF": "reject",
    "RJ": "reject",
    "RO": "reject",
}
LINE_STATUSES = {
    "IA": "accept",
    "AC": "accept",  # accepted and shipped
    "AR": "accept",  # accepted and released for shipment
    "IB": "backorder",
    "BP": "backorder",  # partial shipment, balance backordered
    "IC": "detail",
    "IQ": "detail",
    "IP": "detail",
    "IS": "detail",  # substitution made
    "DR": "detail",  # date rescheduled
    "IR": "reject",
    "ID": "reject",  # deleted
    **{f"R{n}": "reject" for n in range(1, 9)},
}
_SHIPPED = "011"
_DELIVERY_DATES = frozenset({"002", "017", "067", "069"})
_SHIP_DATES = frozenset({"010", "068"})
_MIDNIGHT = time(0)


def parse_856(raw: bytes, partner: str | None = None) -> list[ReceivedShipNotice]:
    """Every ship notice of an interchange's 856s: one per order level. `partner`
    defaults to "x12:" and the interchange sender id (ISA06)."""
    interchange = read_interchange(raw)
    partner = partner or f"{CHANNEL}:{interchange.sender_id}"
    notices = []
    for _, transaction_set in _sets(interchange, SHIP_NOTICE):
        notices.extend(_ShipNoticeReader(transaction_set).notices(partner))
    return notices


def parse_855(raw: bytes, partner: str | None = None) -> list[ReceivedConfirmation]:
    """Every 855 of an interchange as a confirmation of one of our purchase orders."""
    interchange = read_interchange(raw)
    partner = partner or f"{CHANNEL}:{interchange.sender_id}"
    confirmations = []
    for group, transaction_set in _sets(interchange, ACKNOWLEDGMENT):
        # Sender, ISA13, GS06 and ST02: the same again when an interchange is re-sent.
        numbers = (interchange.control_number, group.control_number)
        source = "/".join((interchange.sender_id, *numbers, transaction_set.control_number))
        reader = _AcknowledgmentReader(transaction_set)
        confirmations.append(reader.confirmation(partner, source))
    return confirmations


def _sets(
    interchange: Interchange, id_code: str
) -> Iterator[tuple[FunctionalGroup, TransactionSet]]:
    """The transaction sets `id_code` of the interchange, their trailers checked."""
    found = False
    for group in interchange.groups:
        for transaction_set in group.transaction_sets:
            if transaction_set.id_code != id_code:
                continue
            _check_trailer(transaction_set)
            found = True
            yield group, transaction_set
    if not found:
        raise ParseError(f"the interchange holds no {id_code}")


def _check_trailer(transaction_set: TransactionSet) -> None:
    where = f"{transaction_set.id_code} {transaction_set.control_number}"
    trailer = transaction_set.trailer
    if trailer is None:
        raise ParseError(f"{where} has no SE trailer")
    count = trailer.element(1)
    if not (count.isdigit() and int(count) == len(transaction_set.segments)):
        raise ParseError(
            f"{where} SE01 says {count or 'nothing'} segments, the set has"
            f" {len(transaction_set.segments)}"
        )


def _positions(transaction_set: TransactionSet) -> Iterator[tuple[Segment, str]]:
    """Each segment between ST and SE with where it is, for messages."""
    prefix = f"{transaction_set.id_code} {transaction_set.control_number} segment"
    for position, segment in enumerate(transaction_set.body, start=2):
        yield segment, f"{prefix} {position} {segment.tag}"


# 856


@dataclass
class _Level:
    """One HL: its code, its parent, and what its segments said."""

    code: str
    parent: str
    where: str
    references: dict[str, str] = field(default_factory=dict)
    po_number: str = ""
    segments: dict[str, tuple[Segment, str]] = field(default_factory=dict)  # LIN, SN1, TD1
    carrier_package_id: str = ""

    def element(self, tag: str, number: int) -> str:
        found = self.segments.get(tag)
        return found[0].element(number) if found is not None else ""

    def where_of(self, tag: str) -> str:
        found = self.segments.get(tag)
        return found[1] if found is not None else f"{self.where} level"


class _ShipNoticeReader:
    def __init__(self, transaction_set: TransactionSet) -> None:
        self.control_number = transaction_set.control_number
        self.bsn: Segment | None = None
        self.levels: dict[str, _Level] = {}
        self.level: _Level | None = None
        self.carrier: Segment | None = None
        self.dates: dict[str, datetime] = {}
        for segment, where in _positions(transaction_set):
            self.take(segment, where)

    def take(self, segment: Segment, where: str) -> None:
        tag, level = segment.tag, self.level
        if tag == "BSN":
            self.bsn = segment
        elif tag == "HL":
            self._open(segment, where)
        elif level is None:
            return
        elif tag == "REF" and segment.element(2):
            level.references.setdefault(segment.element(1), segment.element(2))
        elif tag == "PRF":
            level.po_number = segment.element(1)
        elif tag in ("LIN", "SN1", "TD1"):
            level.segments.setdefault(tag, (segment, where))
        elif tag == "MAN" and segment.element(1) == "CP":
            level.carrier_package_id = segment.element(2)
        elif tag == "TD5" and self.carrier is None:
            self.carrier = segment
        elif tag == "DTM" and segment.element(2):
            self.dates.setdefault(segment.element(1), _moment(segment, where))

    def _open(self, hl: Segment, where: str) -> None:
        number, parent, code = hl.element(1), hl.element(2), hl.element(3)
        if not number or number in self.levels:
            raise ParseError(f"{where}01 '{number}' is missing or repeated")
        if code not in HIERARCHY_LEVELS:
            raise ParseError(f"{where}03 level '{code}' is not one of S, O, T, P, I")
        if (code == "S") != (not parent):
            raise ParseError(f"{where}02: the shipment level (S) alone has no parent")
        if parent and parent not in self.levels:
            raise ParseError(f"{where}02 parent '{parent}' is not an earlier HL")
        if parent and self.levels[parent].code == "I":
            raise ParseError(f"{where}02 parent '{parent}' is an item level (I)")
        self.level = self.levels[number] = _Level(code, parent, where)

    def notices(self, partner: str) -> list[ReceivedShipNotice]:
        where = f"{SHIP_NOTICE} {self.control_number}"
        if self.bsn is None or not self.bsn.element(2):
            raise ParseError(f"{where} has no BSN02 shipment id")
        if self.bsn.element(1) not in ("00", "05", "06", "07"):
            raise ParseError(f"{where} BSN01 purpose '{self.bsn.element(1)}' is not supported")
        shipment = self._shipment(where)
        lines = self._lines_by_order(where)
        weight, unit = self._weight(shipment)
        carrier = self.carrier.element if self.carrier is not None else _nothing
        return [
            ReceivedShipNotice(
                channel=CHANNEL,
                partner=partner,
                po_number=po_number,
                shipment_id=self.bsn.element(2),
                carrier=carrier(5) or self._scac() or "",
                tracking_number=self._tracking(shipment),
                lines=tuple(order_lines),
                shipped_at=self.dates.get(_SHIPPED),
                carrier_code=self._scac(),
                service=carrier(12) or None,
                delivery_date=self._delivery_date(),
                packages=self._packages(shipment),
                weight=weight,
                weight_unit=unit,
            )
            for po_number, order_lines in lines.items()
        ]

    def _shipment(self, where: str) -> _Level:
        shipments = [level for level in self.levels.values() if level.code == "S"]
        if len(shipments) != 1:
            raise ParseError(f"{where} must have one shipment level (HL S), not {len(shipments)}")
        return shipments[0]

    def _ancestor(self, level: _Level, code: str) -> _Level | None:
        while level.parent:
            level = self.levels[level.parent]
            if level.code == code:
                return level
        return None

    def _lines_by_order(self, where: str) -> dict[str, list[ReceivedShipmentLine]]:
        found: dict[str, list[ReceivedShipmentLine]] = {}
        for level in self.levels.values():
            if level.code == "O":
                found.setdefault(_po_number(level), [])
            elif level.code == "I":
                order = self._ancestor(level, "O")
                if order is None:
                    raise ParseError(f"{level.where} item level is under no order level (HL O)")
                _add_line(found.setdefault(_po_number(order), []), _shipped_line(level))
        if not found:
            raise ParseError(f"{where} has no order level (HL O)")
        empty = [po for po, lines in found.items() if not lines]
        if empty:
            raise ParseError(f"{where} order {empty[0]} has no item level (HL I) shipped")
        return found

    def _scac(self) -> str | None:
        td5 = self.carrier
        if td5 is None or td5.element(2) != "2":
            return None
        return td5.element(3) or None

    def _tracking(self, shipment: _Level) -> str:
        packs = [level for level in self.levels.values() if level.code in ("P", "T")]
        for level in (shipment, *packs):
            for qualifier in TRACKING_REFERENCES:
                if level.references.get(qualifier):
                    return level.references[qualifier]
        return next((level.carrier_package_id for level in packs if level.carrier_package_id), "")

    def _delivery_date(self) -> date | None:
        dated = (self.dates[code] for code in ("017", "067", "002") if code in self.dates)
        return next((moment.date() for moment in dated), None)

    def _packages(self, shipment: _Level) -> int:
        if shipment.element("TD1", 2):
            where = f"{shipment.where_of('TD1')}02 lading quantity"
            return values.whole(shipment.element("TD1", 2), where)
        return sum(1 for level in self.levels.values() if level.code == "P") or 1

    def _weight(self, shipment: _Level) -> tuple[Decimal | None, str]:
        """The shipment's TD1 weight, else the sum of its packages' (in one unit)."""
        weighed = [shipment] if shipment.element("TD1", 7) else []
        if not weighed:
            packs = (level for level in self.levels.values() if level.code in ("P", "T"))
            weighed = [level for level in packs if level.element("TD1", 7)]
        if not weighed:
            return None, "LB"
        units = {level.element("TD1", 8) or "LB" for level in weighed}
        if len(units) > 1:
            raise ParseError(f"TD1 weights are in several units: {', '.join(sorted(units))}")
        weights = (
            values.decimal(level.element("TD1", 7), f"{level.where_of('TD1')}07 weight")
            for level in weighed
        )
        return sum(weights, Decimal(0)), units.pop()


def _po_number(order: _Level) -> str:
    if not order.po_number:
        raise ParseError(f"{order.where} order level has no PRF01 purchase order number")
    return order.po_number


def _shipped_line(item: _Level) -> ReceivedShipmentLine:
    if "SN1" not in item.segments:
        raise ParseError(f"{item.where} item level has no SN1")
    lin = item.segments.get("LIN")
    where = item.where_of("SN1")
    line = item.element("LIN", 1) or item.element("SN1", 1)
    if not (line.isascii() and line.isdigit()):
        raise ParseError(f"{where} item has no PO line number in LIN01 or SN101: '{line}'")
    shipped = item.element("SN1", 2)
    quantity = values.decimal(shipped, f"{where}02 quantity shipped")
    if quantity <= 0:
        raise ParseError(f"{where}02 quantity shipped '{shipped}' must be above zero")
    if not item.element("SN1", 3):
        raise ParseError(f"{where}03 unit of measure is missing")
    return ReceivedShipmentLine(
        line_number=int(line),
        quantity=quantity,
        unit_of_measure=item.element("SN1", 3),
        supplier_part_id=_product_id(lin[0], 2, "VP", "VN") if lin is not None else None,
    )


def _add_line(lines: list[ReceivedShipmentLine], line: ReceivedShipmentLine) -> None:
    """Add a line, or its quantity to the same line packed in another carton."""
    for index, known in enumerate(lines):
        if (known.line_number, known.unit_of_measure) == (line.line_number, line.unit_of_measure):
            lines[index] = replace(known, quantity=known.quantity + line.quantity)
            return
    lines.append(line)


# 855


@dataclass
class _Acknowledged:
    """One PO1 loop of an 855: the line, its ACKs, dates and notes."""

    po1: Segment
    where: str
    acks: list[tuple[Segment, str]] = field(default_factory=list)
    price: Decimal | None = None
    ship_date: date | None = None
    delivery_date: date | None = None
    notes: list[str] = field(default_factory=list)


class _AcknowledgmentReader:
    def __init__(self, transaction_set: TransactionSet) -> None:
        self.control_number = transaction_set.control_number
        self.bak: Segment | None = None
        self.bak_where = ""
        self.notes: list[str] = []
        self.lines: list[_Acknowledged] = []
        self.line_count: tuple[int, str] | None = None
        for segment, where in _positions(transaction_set):
            self.take(segment, where)

    def take(self, segment: Segment, where: str) -> None:
        tag = segment.tag
        line = self.lines[-1] if self.lines else None
        if tag == "BAK":
            self.bak, self.bak_where = segment, where
        elif tag == "PO1":
            self.lines.append(_Acknowledged(segment, where))
        elif tag == "CTT":
            self.line_count = (values.whole(segment.element(1), f"{where}01"), where)
        elif tag in ("MSG", "NTE"):
            text = segment.element(1) if tag == "MSG" else segment.element(2)
            (line.notes if line is not None else self.notes).append(text.strip())
        elif line is None:
            return
        elif tag == "ACK":
            line.acks.append((segment, where))
        elif tag == "CTP" and segment.element(3):
            line.price = values.decimal(segment.element(3), f"{where}03 unit price")
        elif tag == "DTM" and segment.element(2):
            _date_of_line(line, segment.element(1), segment.element(2), f"{where}02")

    def confirmation(self, partner: str, source: str) -> ReceivedConfirmation:
        bak, where = self.bak, self.bak_where
        if bak is None:
            raise ParseError(f"{ACKNOWLEDGMENT} {self.control_number} has no BAK")
        if not bak.element(3):
            raise ParseError(f"{where}03 purchase order number is missing")
        status = ORDER_STATUSES.get(bak.element(2))
        if status is None:
            raise ParseError(f"{where}02 acknowledgment type '{bak.element(2)}' is not supported")
        self._check_count()
        default = "reject" if status == "reject" else "accept"
        lines = [line for acked in self.lines for line in _confirmed_lines(acked, default)]
        if status == "detail" and lines and all(line.status == "backorder" for line in lines):
            status = "backorder"
        confirmed = bak.element(9)
        return ReceivedConfirmation(
            channel=CHANNEL,
            partner=partner,
            po_number=bak.element(3),
            confirmation_id=source,
            status=status,
            lines=tuple(lines),
            supplier_order_number=bak.element(8) or None,
            confirmed_at=(
                datetime.combine(values.ccyymmdd(confirmed, f"{where}09"), _MIDNIGHT)
                if confirmed
                else None
            ),
            comments="\n".join(note for note in self.notes if note) or None,
        )

    def _check_count(self) -> None:
        if self.line_count is not None and self.line_count[0] != len(self.lines):
            count, where = self.line_count
            raise ParseError(f"{where}01 says {count} line items but the set has {len(self.lines)}")


def _date_of_line(line: _Acknowledged, qualifier: str, value: str, where: str) -> None:
    day = values.ccyymmdd(value, where)
    if qualifier in _SHIP_DATES:
        line.ship_date = line.ship_date or day
    elif qualifier in _DELIVERY_DATES:
        line.delivery_date = line.delivery_date or day


def _confirmed_lines(acked: _Acknowledged, default: str) -> list[ConfirmationLine]:
    po1, where = acked.po1, acked.where
    number = po1.element(1)
    if not (number.isascii() and number.isdigit()):
        raise ParseError(f"{where}01 line number '{number}' is not a number")
    price = acked.price
    if price is None and po1.element(4):
        price = values.decimal(po1.element(4), f"{where}04 unit price")
    base = ConfirmationLine(
        line_number=int(number),
        status=default,
        quantity=_quantity(po1.element(2), f"{where}02 quantity"),
        unit_of_measure=po1.element(3),
        unit_price=price,
        supplier_part_id=_product_id(po1, 6, "VP", "VN"),
        buyer_part_id=_product_id(po1, 6, "BP", "IN"),
        ship_date=acked.ship_date,
        delivery_date=acked.delivery_date,
        comments="\n".join(note for note in acked.notes if note) or None,
    )
    if not base.unit_of_measure and not acked.acks:
        raise ParseError(f"{where}03 unit of measure is missing")
    return [_acknowledged(base, ack, ack_where) for ack, ack_where in acked.acks] or [base]


def _acknowledged(base: ConfirmationLine, ack: Segment, where: str) -> ConfirmationLine:
    status = LINE_STATUSES.get(ack.element(1))
    if status is None:
        raise ParseError(f"{where}01 line status '{ack.element(1)}' is not supported")
    changes: dict = {"status": status}
    if ack.element(2):
        changes["quantity"] = _quantity(ack.element(2), f"{where}02 quantity")
    if ack.element(3):
        changes["unit_of_measure"] = ack.element(3)
    if not (changes.get("unit_of_measure") or base.unit_of_measure):
        raise ParseError(f"{where}03 unit of measure is missing")
    if ack.element(5):
        day = values.ccyymmdd(ack.element(5), f"{where}05")
        if ack.element(4) in _SHIP_DATES:
            changes["ship_date"] = day
        elif ack.element(4) in _DELIVERY_DATES:
            changes["delivery_date"] = day
    substitute = _product_id(ack, 7, "VP", "VN")
    if substitute:
        changes["supplier_part_id"] = substitute
    return replace(base, **changes)


# Shared


def _quantity(value: str, where: str) -> Decimal:
    quantity = values.decimal(value, where)
    if quantity < 0:
        raise ParseError(f"{where} '{value}' is negative")
    return quantity


def _product_id(segment: Segment, first: int, *qualifiers: str) -> str | None:
    """The first id whose qualifier is one of `qualifiers`, from the qualifier/id pairs
    that start at element `first`."""
    for at in range(first, len(segment.elements) + 1, 2):
        if segment.element(at) in qualifiers and segment.element(at + 1):
            return segment.element(at + 1)
    return None


# DTM04 time codes: fixed offsets, or the zones that follow daylight saving time.
_FIXED_ZONES = {"UT": 0, "GM": 0, "ES": -5, "ED": -4, "CS": -6, "CD": -5, "MS": -7, "MD": -6,
                "PS": -8, "PD": -7, "AS": -4, "AD": -3, "HS": -10, "AT": -9}  # fmt: skip
_LOCAL_ZONES = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
}


def _moment(dtm: Segment, where: str) -> datetime:
    """DTM02 date with DTM03 time (HHMM) in the zone DTM04 names; UTC when it names
    none."""
    day = values.ccyymmdd(dtm.element(2), f"{where}02")
    clock = dtm.element(3)
    zone = _zone(dtm.element(4), where)
    if not clock:
        return datetime.combine(day, _MIDNIGHT, zone)
    if (
        not (len(clock) in (4, 6) and clock.isdigit())
        or int(clock[:2]) > 23
        or int(clock[2:4]) > 59
    ):
        raise ParseError(f"{where}03 '{clock}' is not a time (HHMM)")
    return datetime.combine(day, time(int(clock[:2]), int(clock[2:4])), zone)


def _zone(code: str, where: str) -> tzinfo:
    if not code:
        return UTC
    if code in _FIXED_ZONES:
        return timezone(timedelta(hours=_FIXED_ZONES[code]))
    if code in _LOCAL_ZONES:
        return ZoneInfo(_LOCAL_ZONES[code])
    raise ParseError(f"{where}04 '{code}' is not a time code this hub reads")


def _nothing(_: int) -> str:
    return ""
