"""Bulk demo data: many customers, orders and products, to try the lists and search
and measure the API.

Orders are created through `ingest_orders` in batches, so numbering, history and
events are those of real orders. Their received dates (over the last two years),
statuses and customers are then set with one UPDATE per batch: demo history, not
a workflow replay.

Products (with suppliers and their part numbers) are written in bulk with binary
COPY on PostgreSQL, each with its creation in the history; the price levels, tax
rates, shipping ranges and branches the demo needs go through the commands.
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
from core.model.products import Product, search_tokens
from core.storage import history, tables
from core.storage.bulk import insert_rows
from core.storage.catalog import write_search_tokens
from core.storage.keys import draw_keys
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


# ---------------------------------------------------------------- products

PRODUCT_BATCH = 2000
# (our prefix, category, {product: its variants}, unit, weight range lb, cost range)
KINDS = (
    ("TNR", "Toner & ink", {
        "Toner cartridge": ("black", "black, high yield", "cyan", "magenta", "yellow"),
        "Ink cartridge": ("black", "tri-colour", "photo black", "cyan, XL"),
        "Drum unit": ("black", "colour", "imaging, 4-pack")}, "EA", ("0.4", "3.5"), ("18", "240")),
    ("PPR", "Paper", {
        "Copy paper": ("letter, 10 reams", "legal, 10 reams", "A4, 5 reams", "letter, recycled"),
        "Cardstock": ("white, 65 lb, 250 sheets", "ivory, 80 lb, 250 sheets"),
        "Notebook": ("college ruled, 24/case", "wide ruled, 24/case")}, "CS",
        ("20", "52"), ("24", "90")),
    ("FUR", "Furniture", {
        "Task chair": ("black mesh", "grey fabric", "high back, leather"),
        "Filing cabinet": ("4-drawer, letter", "2-drawer, lateral", "mobile pedestal"),
        "Standing desk": ("60 x 30 in, walnut", "48 x 24 in, white", "electric, dual motor"),
        "Bookcase": ("5-shelf, cherry", "3-shelf, black")}, "EA", ("18", "140"), ("90", "780")),
    ("CBL", "Cables", {
        "USB-C cable": ("1 m", "2 m", "braided, 2 m", "100 W, 3 m"),
        "HDMI cable": ("6 ft", "10 ft", "8K, 2 m"),
        "Ethernet patch cable": ("Cat6, 7 ft", "Cat6a, 14 ft", "Cat5e, 3 ft, 10-pack"),
        "Power cord": ("6 ft, C13", "10 ft, C13 to C14")}, "EA", ("0.1", "0.9"), ("2.10", "28")),
    ("MON", "Displays", {
        "Monitor": ("24-inch FHD", "27-inch QHD", "27-inch 4K", "32-inch 4K, USB-C"),
        "Touch display": ("22-inch FHD", "55-inch interactive"),
        "Portable monitor": ("15.6-inch USB-C",)}, "EA", ("4", "24"), ("120", "940")),
    ("JAN", "Janitorial", {
        "Hand sanitiser": ("gel, 1 gal, 4/case", "foam refill, 1200 ml, 2/case"),
        "Trash liners": ("33 gal, 250/case", "13 gal, 500/case"),
        "Paper towels": ("multifold, 16/case", "roll, 12/case"),
        "Disinfectant": ("spray, 12/case", "wipes, 6/case")}, "CS", ("6", "38"), ("14", "110")),
    ("TEC", "Technology", {
        "Wireless mouse": ("black", "ergonomic", "silent click"),
        "Keyboard": ("wireless, full size", "USB, compact", "ergonomic, split"),
        "Headset": ("USB-C, stereo", "Bluetooth, noise-cancelling", "mono, USB-A"),
        "Docking station": ("USB-C, dual 4K", "Thunderbolt 4"),
        "Webcam": ("1080p", "4K, with privacy shutter")}, "EA", ("0.2", "2.5"), ("9", "260")),
    ("OFF", "Office supplies", {
        "Ballpoint pens": ("medium, blue, 12/box", "fine, black, 12/box"),
        "Sticky notes": ("3 x 3 in, yellow, 12 pads", "3 x 5 in, assorted, 24 pads"),
        "Binder": ("3-ring, 2 in, black", "3-ring, 1 in, white, 12/box"),
        "Stapler": ("full strip, black", "heavy duty, 100 sheets"),
        "Address labels": ("1 x 2-5/8 in, 3000/box", "2 x 4 in, 1000/box")}, "BX",
        ("0.2", "4"), ("2.40", "48")),
)  # fmt: skip
# (maker, part number style: letters before digits, digits, letters after)
MAKERS = {
    "TNR": (("Brother", "TN-", 3, "BK"), ("HP", "CF", 3, "A"), ("Canon", "CRG-", 3, "H"),
            ("Lexmark", "B2", 4, "X"), ("Xerox", "106R0", 4, "")),
    "PPR": (("Hammermill", "HM-", 5, ""), ("Boise", "BPC-", 4, "C"), ("Mead", "0", 4, "")),
    "FUR": (("HON", "HVL", 3, ""), ("Steelcase", "462", 5, ""), ("Bush", "WC", 5, "03")),
    "CBL": (("Anker", "A8", 3, ""), ("Belkin", "F2CU0", 3, "-2M"),
            ("Tripp Lite", "N201-", 3, "BL")),
    "MON": (("Dell", "U", 4, "QE"), ("LG", "27UP", 3, "-W"), ("Samsung", "LS", 2, "T")),
    "JAN": (("Purell", "96", 2, "-04"), ("Clorox", "CLO", 5, ""),
            ("Georgia-Pacific", "GPC", 5, "")),
    "TEC": (("Logitech", "910-00", 4, ""), ("Jabra", "", 4, "-599"), ("Kensington", "K3", 4, "")),
    "OFF": (("Skilcraft", "7510-01-", 6, ""), ("Post-it", "654-", 2, "YW"),
            ("Avery", "0", 4, ""), ("Swingline", "S70", 5, "")),
}  # fmt: skip
# (supplier code, part number prefix, digits)
DISTRIBUTORS = (
    ("ingram", "ING-", 7),
    ("synnex", "SYX", 7),
    ("dandh", "DH", 6),
    ("essendant", "ESS", 6),
    ("sp-richards", "SPR-", 5),
)


def load_products(
    app: App, count: int, *, seed: int | None = None, progress: Callable[[str], None] | None = None
) -> int:
    """Add `count` catalogue products, each with one to three suppliers, in bulk
    (binary COPY on PostgreSQL) with their history; then the demo price levels,
    tax rates, shipping ranges and branches if missing. Returns how many were made."""
    say = progress or _stderr
    rng = random.Random(seed)
    with app.engine.connect() as connection:
        first = (connection.scalar(select(func.count()).select_from(tables.products)) or 0) + 1
    made = 0
    for start in range(first, first + count, PRODUCT_BATCH):
        numbers = range(start, min(start + PRODUCT_BATCH, first + count))
        with app.engine.begin() as connection:
            _write_products(connection, numbers, rng)
        made += len(numbers)
        say(f"{made} of {count} products generated")
    if app.engine.dialect.name == "postgresql":
        # Searches read the GIN index's pending entries one by one until a vacuum
        # merges them: merge them now, and give the planner the new statistics.
        with app.engine.begin() as connection:
            connection.exec_driver_sql(
                "SELECT gin_clean_pending_list('ix_products_search_vector'::regclass)"
            )
            connection.exec_driver_sql("ANALYZE products, product_suppliers")
    _add_pricing_tables(app, rng)
    return made


def _write_products(connection, numbers: range, rng: random.Random) -> None:
    """One batch: products, their suppliers and one history row each, bulk written."""
    now = datetime.now(UTC)
    keys = draw_keys(connection, {"products": len(numbers)})["products"]
    products = [_product_row(key, n, rng, now) for key, n in zip(keys, numbers, strict=True)]
    suppliers = [_supplier_rows(p, rng, now) for p in products]
    supplier_keys = iter(
        draw_keys(connection, {"product_suppliers": sum(map(len, suppliers))})["product_suppliers"]
    )
    for rows in suppliers:
        for row in rows:
            row["id"] = next(supplier_keys)
    insert_rows(connection, tables.products, products)
    insert_rows(connection, tables.product_suppliers, [r for rows in suppliers for r in rows])
    write_search_tokens(
        connection,
        {p["id"]: _search_tokens(p, rows) for p, rows in zip(products, suppliers, strict=True)},
    )
    made = [
        history.created_row(
            tables.products,
            "product",
            product,
            DEMO_ACTOR,
            now,
            {"suppliers": (tables.product_suppliers, rows)},
        )
        for product, rows in zip(products, suppliers, strict=True)
    ]
    insert_rows(connection, tables.history, made)


def _search_tokens(product: dict, suppliers: list[dict]) -> list[str]:
    parts = [product["sku"], product["manufacturer_part_id"]]
    texts = (product["description"], product["manufacturer_name"])
    return search_tokens(texts, parts + [s["supplier_part_id"] for s in suppliers])


def _product_row(key: int, n: int, rng: random.Random, now: datetime) -> dict:
    prefix, category, kinds, unit, weights, costs = rng.choice(KINDS)
    noun = rng.choice(tuple(kinds))
    maker, letters, digits, suffix = rng.choice(MAKERS[prefix])
    maker_part = f"{letters}{rng.randrange(10**digits):0{digits}d}{suffix}"
    cost = _between(rng, costs)
    markup = Decimal(rng.choice(("1.18", "1.25", "1.32", "1.40", "1.55")))
    return {
        "id": key,
        "sku": f"{prefix}-{n:06d}",
        "description": f"{noun}, {rng.choice(kinds[noun])}",
        "manufacturer_name": maker,
        "manufacturer_part_id": maker_part,
        "unit_of_measure": unit,
        "list_price": (cost * markup).quantize(Decimal("0.01")),
        "cost": cost,
        "currency": "USD",
        "weight": _between(rng, weights),
        "category": category,
        "created_at": now,
        "updated_at": now,
        "archived": False,
    }


def _supplier_rows(product: dict, rng: random.Random, now: datetime) -> list[dict]:
    chosen = rng.sample(DISTRIBUTORS, rng.randint(1, 3))
    rows = []
    for position, (code, prefix, digits) in enumerate(chosen):
        factor = Decimal(rng.choice(("0.96", "0.98", "1.00", "1.02", "1.05")))
        rows.append(
            {
                "product_id": product["id"],
                "supplier_code": code,
                "supplier_part_id": f"{prefix}{rng.randrange(10**digits):0{digits}d}",
                "cost": (product["cost"] * factor).quantize(Decimal("0.01")),
                "lead_time_days": rng.choice((1, 2, 2, 3, 5, 7, 14)),
                "is_preferred": position == 0,
                "created_at": now,
                "updated_at": now,
                "archived": False,
            }
        )
    return rows


def _between(rng: random.Random, bounds: tuple[str, str]) -> Decimal:
    low, high = (Decimal(b) for b in bounds)
    return (low + (high - low) * Decimal(rng.random())).quantize(Decimal("0.01"))


PRICE_LEVELS = (
    ("GSA", "GSA schedule", "list_discount", Decimal("8")),
    ("RESELLER", "Resellers", "cost_markup", Decimal("12")),
    ("CONTRACT", "State contract", "fixed", None),
    ("EDU", "Schools and universities", "margin", Decimal("22")),
)
TAX_RATES = (
    ("US", "NC", None, "4.75", "North Carolina state sales tax"),
    ("US", "NC", "283", "7.00", "Cumberland County, NC"),
    ("US", "VA", None, "5.30", "Virginia sales tax"),
    ("US", "TX", None, "6.25", "Texas state sales tax"),
    ("US", "TX", "782", "8.25", "San Antonio, TX"),
    ("US", "CA", None, "7.25", "California state sales tax"),
    ("US", "MA", None, "6.25", "Massachusetts sales tax"),
)
SHIPPING_RANGES = (
    ("Ground", "order_value", "0", "100", "12.50"),
    ("Ground", "order_value", "100", "500", "24.95"),
    ("Ground", "order_value", "500", None, "0.00"),
    ("2nd Day Air", "weight", "0", "10", "29.00"),
    ("2nd Day Air", "weight", "10", "50", "64.00"),
    ("Next Day Air", "weight", "0", "10", "58.00"),
    ("Next Day Air", "weight", "10", "50", "119.00"),
    ("Freight LTL", "weight", "150", None, "189.00"),
    ("Will call", "order_value", "0", None, "0.00"),
)
BRANCHES = (
    ("RAL", "Raleigh warehouse", "4300 Wake Forest Rd", "Raleigh", "NC", "27609",
     "+1 919 555 0140", True),
    ("NOR", "Norfolk counter", "1968 Gilbert St", "Norfolk", "VA", "23511",
     "+1 757 555 0123", True),
    ("SAT", "San Antonio office", "2250 Stanley Rd", "San Antonio", "TX", "78234",
     "+1 210 555 0188", False),
)  # fmt: skip
PRICED_PRODUCTS = 40


def _add_pricing_tables(app: App, rng: random.Random) -> None:
    """Price levels (with contract prices and quantity breaks on the first products),
    tax rates, shipping ranges and branches, through the commands so they have their
    history; each only where none exist yet."""
    from core import commands
    from core.storage import catalog_queries as catalog

    execute = app.bus.execute
    if not catalog.list_price_levels(app.engine):
        for code, name, kind, percent in PRICE_LEVELS:
            execute(commands.AddPriceLevel(code, name, kind, percent), DEMO_ACTOR)
        products = tables.products.c
        with app.engine.connect() as connection:
            priced = connection.execute(
                select(products.sku, products.list_price, products.cost)
                .order_by(products.id)
                .limit(PRICED_PRODUCTS)
            ).all()
        for sku, list_price, cost in priced:
            if list_price is None or cost is None:
                continue
            contract = (cost + (list_price - cost) * Decimal("0.6")).quantize(Decimal("0.01"))
            execute(commands.SetLevelPrice(sku, "CONTRACT", contract), DEMO_ACTOR)
            quantity = Decimal(rng.choice((10, 12, 24, 50)))
            bulk = (list_price * Decimal("0.9")).quantize(Decimal("0.01"))
            execute(commands.SetPriceBreak(sku, None, quantity, bulk), DEMO_ACTOR)
    if not catalog.list_tax_rates(app.engine):
        for country, state, prefix, rate, name in TAX_RATES:
            execute(commands.SetTaxRate(country, Decimal(rate), name, state, prefix), DEMO_ACTOR)
    if not catalog.list_shipping_ranges(app.engine):
        for method, basis, low, high, price in SHIPPING_RANGES:
            command = commands.AddShippingRange(
                method, basis, Decimal(low), Decimal(high) if high else None, Decimal(price)
            )
            execute(command, DEMO_ACTOR)
    if not catalog.list_branches(app.engine):
        for code, name, street, city, state, postal, phone, pickup in BRANCHES:
            fields = {"state": state, "postal_code": postal, "phone": phone, "pickup": pickup}
            execute(commands.AddBranch(code, name, street, city, "US", fields), DEMO_ACTOR)
