"""Demo data: partners, customers, products, a staff login and sample cXML orders."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import select

from core.model.customers import Customer
from core.model.partners import Partner
from core.model.products import Product
from core.model.staff import StaffMember
from core.ports import Actor

DEMO_ACTOR = Actor("system", "demo")
DEMO_SECRET = "demo-shared-secret"
PARTNERS = (
    ("gsa-advantage", "GSA Advantage", "NetworkID", "GSA-ADVANTAGE"),
    ("dod-emall", "DOD EMALL / FedMall", "DUNS", "807381195"),
)
PRODUCTS = (
    ("00412-BK", "Toner cartridge, black, high yield", "Brother", "TN-436BK", "EA", "89.50"),
    (
        "7510-01-454-1234",
        "Ballpoint pen, medium, blue, 12/box",
        "Skilcraft",
        "SK-1234",
        "BX",
        "6.25",
    ),
    ("MON-27-4K", "27-inch 4K monitor", "Dell", "U2723QE", "EA", "519.99"),
    ("CBL-USBC-2M", "USB-C cable, 2 m", "Anker", "A8482", "EA", "14.99"),
    ("PPR-LTR-CS", "Copy paper, letter, 10 reams", "Hammermill", "HM-105", "CS", "52.10"),
)


def load_demo(uow_factory) -> str | None:
    """Create the demo records once; returns the new staff password, or None if present."""
    with uow_factory(DEMO_ACTOR) as uow:
        session = uow.session
        if session.scalars(select(StaffMember).filter_by(username="admin")).first():
            return None
        password = secrets.token_urlsafe(12)
        session.add(
            StaffMember("admin", "Administrator", password, profile="administrator", is_admin=True)
        )
        for code, name, domain, identity in PARTNERS:
            partner = Partner(code, name, "cxml", identity_domain=domain, identity=identity)
            partner.set_secret(DEMO_SECRET)
            session.add(partner)
            session.add(Customer(code, name, partner_code=code))
        for row in PRODUCTS:
            session.add(demo_product(*row))
        uow.commit()
    return password


def demo_product(sku, description, maker, maker_part, uom, price: str) -> Product:
    """A catalogue product from a demo row; cost is 80 % of the list price."""
    return Product(
        sku,
        description,
        manufacturer_name=maker,
        manufacturer_part_id=maker_part,
        unit_of_measure=uom,
        list_price=Decimal(price),
        cost=(Decimal(price) * Decimal("0.8")).quantize(Decimal("0.01")),
    )


def order_request(
    order_id: str,
    *,
    payload_id: str | None = None,
    lines: int = 5,
    domain: str = "NetworkID",
    identity: str = "GSA-ADVANTAGE",
    secret: str = DEMO_SECRET,
    kind: str = "new",
) -> bytes:
    """A realistic cXML OrderRequest from a demo partner."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    payload_id = payload_id or f"{order_id}.{secrets.token_hex(4)}@buyer.example.gov"
    items = "".join(_item(n, PRODUCTS[(n - 1) % len(PRODUCTS)]) for n in range(1, lines + 1))
    total = sum(Decimal(PRODUCTS[(n - 1) % len(PRODUCTS)][5]) * n for n in range(1, lines + 1))
    credential = f"<Credential domain={quoteattr(domain)}><Identity>{escape(identity)}</Identity>"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID={quoteattr(payload_id)} timestamp="{now}" version="1.2.014" xml:lang="en-US">
<Header>
<From>{credential}</Credential></From>
<To><Credential domain="DUNS"><Identity>123456789</Identity></Credential></To>
<Sender>{credential}<SharedSecret>{escape(secret)}</SharedSecret></Credential>
<UserAgent>Order B2B demo</UserAgent></Sender>
</Header>
<Request deploymentMode="production">
<OrderRequest>
<OrderRequestHeader orderID={quoteattr(order_id)} orderDate="{now}" type="{kind}">
<Total><Money currency="USD">{total:.2f}</Money></Total>
<ShipTo><Address addressID="W91QUZ" isoCountryCode="US"><Name xml:lang="en">US Army Contracting</Name>
<PostalAddress><DeliverTo>SGT Jane Doe</DeliverTo><DeliverTo>Bldg 4100</DeliverTo>
<Street>4100 Main St</Street><City>Fort Liberty</City><State>NC</State>
<PostalCode>28310</PostalCode><Country isoCountryCode="US">United States</Country></PostalAddress>
<Email>jane.doe@army.example.mil</Email></Address></ShipTo>
<BillTo><Address addressID="GSA-FIN" isoCountryCode="US"><Name xml:lang="en">GSA Finance</Name>
<PostalAddress><Street>1800 F St NW</Street><City>Washington</City><State>DC</State>
<PostalCode>20405</PostalCode><Country isoCountryCode="US">United States</Country></PostalAddress>
</Address></BillTo>
<Shipping><Money currency="USD">0.00</Money><Description xml:lang="en">Ground</Description></Shipping>
<Extrinsic name="ContractNumber">GS-35F-0119Y</Extrinsic>
<Extrinsic name="Agency">Department of the Army</Extrinsic>
</OrderRequestHeader>
{items}</OrderRequest>
</Request>
</cXML>
""".encode()


def _item(number: int, product: tuple) -> str:
    sku, description, maker, maker_part, uom, price = product
    return f"""<ItemOut quantity="{number}" lineNumber="{number}">
<ItemID><SupplierPartID>{escape(sku)}</SupplierPartID></ItemID>
<ItemDetail><UnitPrice><Money currency="USD">{price}</Money></UnitPrice>
<Description xml:lang="en">{escape(description)}</Description>
<UnitOfMeasure>{uom}</UnitOfMeasure>
<Classification domain="UNSPSC">44103103</Classification>
<ManufacturerPartID>{escape(maker_part)}</ManufacturerPartID>
<ManufacturerName>{escape(maker)}</ManufacturerName></ItemDetail>
</ItemOut>
"""
