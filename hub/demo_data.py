"""Bulk demo data: many customers and orders, to try the lists and measure the API.

Orders are created through `ingest_orders` in batches, so numbering, history and
events are those of real orders. Their received dates (over the last two years),
statuses and customers are then set with one UPDATE per batch: demo history, not
a workflow replay.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select, update

from core.canonical import Address, CanonicalOrder, Contact, OrderLine
from core.commands import IngestOrder
from core.handlers.orders import CREATED, ingest_orders
from core.model.customers import Customer
from core.model.products import Product
from core.storage import tables
from hub.bootstrap import App
from hub.delivery import InProcessDelivery
from hub.demo import DEMO_ACTOR, PARTNERS, PRODUCTS, demo_product

ORDER_BATCH = 500
CUSTOMER_BATCH = 1000
PROGRESS_EVERY = 10_000
HISTORY_DAYS = 730
RECENT_DAYS = 45
SHIP_METHODS = ("Ground", "2nd Day Air", "Next Day Air", "Freight LTL", "Will call")
EXTRA_PRODUCTS = (
    ("00731-WH", "Dry-erase board, 4 x 6 ft, aluminium frame", "Quartet", "S537", "EA", "189.00"),
    ("0085-NTB-CS", "Notebook, college ruled, 100 sheets, 24/case", "Mead", "05512", "CS", "58.80"),
    ("BAT-AA-24", "Alkaline battery AA, 24/pack", "Duracell", "MN1500B24", "PK", "17.49"),
    ("CHR-MESH-BK", "Task chair, mesh back, black", "HON", "HVL521", "EA", "246.00"),
    ("0042-LBL-5160", "Address labels, 1 x 2-5/8 in, 3000/box", "Avery", "05160", "BX", "31.95"),
    ("HDD-EXT-2TB", "External hard drive, 2 TB, USB 3.0", "Seagate", "STKM2000400", "EA", "74.99"),
    ("SAN-GAL-4", "Hand sanitiser gel, 1 gal, 4/case", "Purell", "9656-04", "CS", "96.40"),
)
CATALOGUE = PRODUCTS + EXTRA_PRODUCTS
# Older orders have mostly run their course; recent ones are still being worked.
OLDER_MIX = {
    "closed": 58,
    "invoiced": 17,
    "shipped": 10,
    "cancelled": 7,
    "partially_shipped": 2,
    "backordered": 2,
    "on_hold": 2,
    "in_progress": 1,
    "new": 1,
}
RECENT_MIX = {
    "new": 22,
    "in_progress": 18,
    "shipped": 18,
    "invoiced": 10,
    "backordered": 9,
    "partially_shipped": 8,
    "on_hold": 6,
    "cancelled": 5,
    "closed": 4,
}
HOLD_REASONS = (
    "Awaiting credit approval",
    "Ship-to address to be confirmed by buyer",
    "Contract number not on file",
)
FIRST_NAMES = (
    "James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer",
    "William", "Elizabeth", "Carlos", "Aisha", "Thomas", "Nguyen", "Karen", "Daniel",
    "Sofia", "Kevin", "Grace", "Andre", "Heather", "Tyrone", "Mei", "Brian",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
    "Lee", "Tran", "Harris", "Clark", "Okafor", "Patel", "Kowalski", "O'Brien",
)  # fmt: skip
# (place, state, ZIP, street); ZIP codes keep their leading zeros.
PLACES = (
    ("Boston", "MA", "02108", "1 Ashburton Pl"),
    ("Hartford", "CT", "06103", "165 Capitol Ave"),
    ("Newark", "NJ", "07102", "31 Clinton St"),
    ("Trenton", "NJ", "08608", "20 W State St"),
    ("Portsmouth", "NH", "03801", "1 Junkins Ave"),
    ("Providence", "RI", "02903", "82 Smith St"),
    ("Fort Liberty", "NC", "28310", "4100 Main St"),
    ("Norfolk", "VA", "23511", "1968 Gilbert St"),
    ("San Antonio", "TX", "78234", "2250 Stanley Rd"),
    ("Colorado Springs", "CO", "80913", "7301 Titus Blvd"),
    ("Tacoma", "WA", "98433", "2027 Liggett Ave"),
    ("Dayton", "OH", "45433", "1865 4th St"),
    ("Huntsville", "AL", "35898", "5300 Martin Rd"),
    ("San Diego", "CA", "92136", "3455 Senn Rd"),
)
UNITS = (
    "Supply Office", "Contracting Office", "Public Works", "Facilities Management",
    "Medical Center", "School District", "IT Services", "Logistics Readiness",
    "County Clerk", "Fleet Maintenance", "Regional Office", "Procurement Division",
)  # fmt: skip


@dataclass(frozen=True)
class DemoCustomer:
    id: int
    code: str
    name: str
    contact: Contact
    address: Address


@dataclass(frozen=True)
class BulkResult:
    customers: int
    orders: int
    total_orders: int


def load_bulk(
    app: App,
    orders: int,
    customers: int,
    *,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> BulkResult:
    """Add `customers` customers and `orders` orders from them (at least one customer
    is made when orders are asked for); returns what was added and the new total."""
    say = progress or _stderr
    rng = random.Random(seed)
    _add_missing_products(app)
    made = _add_customers(app, max(customers, 1 if orders else 0), rng)
    if customers:
        say(f"{len(made)} customers added")
    created = _add_orders(app, orders, made, rng, say) if orders else 0
    with app.engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(tables.orders))
    return BulkResult(len(made), created, total)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _add_missing_products(app: App) -> None:
    with app.uow_factory(DEMO_ACTOR) as uow:
        known = set(uow.session.scalars(select(Product.sku)))
        for row in CATALOGUE:
            if row[0] not in known:
                uow.session.add(demo_product(*row))
        uow.commit()


# ---------------------------------------------------------------- customers


def _add_customers(app: App, count: int, rng: random.Random) -> list[DemoCustomer]:
    with app.engine.connect() as connection:
        first = (connection.scalar(select(func.count()).select_from(tables.customers)) or 0) + 1
    made: list[DemoCustomer] = []
    for start in range(first, first + count, CUSTOMER_BATCH):
        stop = min(start + CUSTOMER_BATCH, first + count)
        batch = [_customer_values(n, rng) for n in range(start, stop)]
        with app.uow_factory(DEMO_ACTOR) as uow:
            for code, name, contact, _ in batch:
                uow.session.add(Customer(code, name, email=contact.email, phone=contact.phone))
            uow.commit()
        ids = _customer_ids(app, [code for code, *_ in batch])
        made += [DemoCustomer(ids[code], code, *rest) for code, *rest in batch]
    return made


def _customer_values(n: int, rng: random.Random) -> tuple[str, str, Contact, Address]:
    city, state, postal_code, street = rng.choice(PLACES)
    name = f"{city} {rng.choice(UNITS)}"
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = city.lower().replace(" ", "") + ".example.gov"
    email = f"{first}.{last}".lower().replace("'", "") + f"@{domain}"
    phone = f"+1 555 {rng.randrange(200, 999):03d} {rng.randrange(0, 10000):04d}"
    contact = Contact(f"{first} {last}", email, phone)
    address = Address(
        name=name,
        address_id=f"DODAAC-{rng.choice('FHNSWV')}{rng.randrange(0, 100000):05d}",
        deliver_to=(f"{first} {last}", f"Bldg {rng.randrange(100, 9999)}"),
        street=(street,),
        city=city,
        state=state,
        postal_code=postal_code,
        country="US",
        email=email,
        phone=phone,
    )
    return f"CUST-{n:06d}", name, contact, address


def _customer_ids(app: App, codes: list[str]) -> dict[str, int]:
    query = select(tables.customers.c.code, tables.customers.c.id).where(
        tables.customers.c.code.in_(codes)
    )
    with app.engine.connect() as connection:
        return dict(connection.execute(query).all())


# ---------------------------------------------------------------- orders


def _add_orders(
    app: App, count: int, customers: list[DemoCustomer], rng: random.Random, say
) -> int:
    with app.engine.connect() as connection:
        offset = connection.scalar(select(func.count()).select_from(tables.orders)) or 0
    now = datetime.now(UTC)
    start = now - timedelta(days=HISTORY_DAYS)
    step = timedelta(days=HISTORY_DAYS) / count
    created = 0
    for first in range(0, count, ORDER_BATCH):
        planned = [
            _planned_order(offset + n + 1, start + step * (n + rng.random()), now, customers, rng)
            for n in range(first, min(first + ORDER_BATCH, count))
        ]
        created += _ingest_batch(app, planned)
        done = first + len(planned)
        if done % PROGRESS_EVERY == 0 or done == count:
            say(f"{done} of {count} orders generated")
    return created


@dataclass(frozen=True)
class PlannedOrder:
    order: CanonicalOrder
    customer_id: int
    received_at: datetime
    status: str
    hold_reason: str | None


def _planned_order(
    sequence: int, ordered_at: datetime, now: datetime, customers, rng: random.Random
) -> PlannedOrder:
    customer = rng.choice(customers)
    code = PARTNERS[sequence % len(PARTNERS)][0]
    lines = tuple(_line(n, rng) for n in range(1, rng.randint(1, 8) + 1))
    shipping = Decimal(rng.choice(("0.00", "0.00", "12.50", "24.95", "89.00")))
    subtotal = sum((line.quantity * line.unit_price for line in lines), Decimal("0"))
    prefix = "GSA" if code == "gsa-advantage" else "SPE"
    order = CanonicalOrder(
        channel="cxml",
        partner=code,
        external_order_id=f"{prefix}{sequence:08d}",
        order_date=ordered_at,
        currency="USD",
        lines=lines,
        source_document_id=f"{prefix}{sequence:08d}.{rng.getrandbits(32):08x}@{code}.example.gov",
        buyer_organisation=customer.name,
        buyer_contact=customer.contact,
        ship_to=customer.address,
        bill_to=customer.address,
        shipping_method=rng.choice(SHIP_METHODS),
        shipping_amount=shipping,
        total_amount=subtotal + shipping,
        extrinsics={"CustomerCode": customer.code, "ContractNumber": "GS-35F-0119Y"},
    )
    status = _status(now - ordered_at, rng)
    hold = rng.choice(HOLD_REASONS) if status == "on_hold" else None
    received = ordered_at + timedelta(minutes=rng.randint(1, 90))
    return PlannedOrder(order, customer.id, min(received, now), status, hold)


def _line(number: int, rng: random.Random) -> OrderLine:
    sku, description, maker, maker_part, uom, price = rng.choice(CATALOGUE)
    return OrderLine(
        line_number=number,
        quantity=Decimal(rng.choice((1, 1, 2, 3, 4, 5, 6, 10, 12, 20, 24, 50))),
        unit_of_measure=uom,
        unit_price=Decimal(price),
        currency="USD",
        supplier_part_id=sku,
        manufacturer_part_id=maker_part,
        manufacturer_name=maker,
        description=description,
        classification={"UNSPSC": "44120000"},
    )


def _status(age: timedelta, rng: random.Random) -> str:
    mix = RECENT_MIX if age < timedelta(days=RECENT_DAYS) else OLDER_MIX
    return rng.choices(tuple(mix), weights=tuple(mix.values()))[0]


def _ingest_batch(app: App, planned: list[PlannedOrder]) -> int:
    with app.uow_factory(DEMO_ACTOR) as uow:
        outcomes = ingest_orders([IngestOrder(p.order) for p in planned], uow)
        uow.commit()
    made = [
        (p, number)
        for p, (outcome, number) in zip(planned, outcomes, strict=True)
        if outcome == CREATED
    ]
    _backdate(app, made)
    if app.config.embedded:
        InProcessDelivery(app.bus, app.engine, app.config).drain()
    return len(made)


def _backdate(app: App, made: list[tuple[PlannedOrder, str]]) -> None:
    """Received date, status and customer of the orders just made, in one UPDATE."""
    if not made:
        return
    orders = tables.orders
    statement = (
        update(orders)
        .where(orders.c.number == bindparam("order_number"))
        .values(
            status=bindparam("new_status"),
            held_from=bindparam("was"),
            hold_reason=bindparam("reason"),
            customer_id=bindparam("customer"),
            created_at=bindparam("received"),
            updated_at=bindparam("received"),
        )
    )
    rows = [
        {
            "order_number": number,
            "new_status": p.status,
            "was": "in_progress" if p.hold_reason else None,
            "reason": p.hold_reason,
            "customer": p.customer_id,
            "received": p.received_at,
        }
        for p, number in made
    ]
    with app.engine.begin() as connection:
        connection.execute(statement, rows)
