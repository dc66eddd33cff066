"""Parsing speed per channel; prints one JSON object on stdout.

    python bench/parse.py [--seconds S] [--rounds R]

For each channel, a realistic document is parsed into canonical orders again and
again on one core; the best of R rounds gives documents/s. The floor is what bare
lxml does with the same 5-line cXML OrderRequest: parse it and pull about 100
fields with precompiled XPath. The target for the cXML adapter is half that floor,
measured in the same run. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

FIXTURES = REPO / "tests" / "fixtures"
DOCUMENTS = {
    "cxml": FIXTURES / "cxml" / "bench_5line.xml",
    "mws": FIXTURES / "mws" / "list_orders_page1.xml",
    "spapi": FIXTURES / "spapi" / "get_orders_page1.json",
    "newegg": FIXTURES / "newegg" / "page_three_orders.xml",
    "x12": FIXTURES / "x12" / "va_it_equipment.edi",
}
TARGET_FRACTION_OF_FLOOR = 0.5

HEADER_FIELDS = (
    "/cXML/@payloadID",
    "/cXML/@timestamp",
    "/cXML/@version",
    "/cXML/Header/From/Credential/@domain",
    "/cXML/Header/From/Credential/Identity/text()",
    "/cXML/Header/To/Credential/@domain",
    "/cXML/Header/To/Credential/Identity/text()",
    "/cXML/Header/Sender/Credential/@domain",
    "/cXML/Header/Sender/Credential/Identity/text()",
    "/cXML/Header/Sender/Credential/SharedSecret/text()",
    "/cXML/Header/Sender/UserAgent/text()",
    "/cXML/Request/@deploymentMode",
    "/cXML/Request/OrderRequest/OrderRequestHeader/@orderID",
    "/cXML/Request/OrderRequest/OrderRequestHeader/@orderDate",
    "/cXML/Request/OrderRequest/OrderRequestHeader/@type",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Total/Money/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Total/Money/@currency",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/@addressID",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/@isoCountryCode",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/Name/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/PostalAddress/DeliverTo/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/PostalAddress/Street/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/PostalAddress/City/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/PostalAddress/State/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/PostalAddress/PostalCode/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/PostalAddress/Country/@isoCountryCode",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/Email/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/ShipTo/Address/Phone/TelephoneNumber/Number/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/BillTo/Address/@addressID",
    "/cXML/Request/OrderRequest/OrderRequestHeader/BillTo/Address/Name/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/BillTo/Address/PostalAddress/Street/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/BillTo/Address/PostalAddress/City/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/BillTo/Address/PostalAddress/State/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/BillTo/Address/PostalAddress/PostalCode/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/BillTo/Address/PostalAddress/Country/@isoCountryCode",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Shipping/Money/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Shipping/Description/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Tax/Money/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Tax/Description/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/PaymentTerm/@payInNumberOfDays",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Contact/@role",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Contact/Name/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Contact/Email/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Comments/text()",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Extrinsic/@name",
    "/cXML/Request/OrderRequest/OrderRequestHeader/Extrinsic/text()",
)
LINE_FIELDS = (
    "@lineNumber",
    "@quantity",
    "@requestedDeliveryDate",
    "ItemID/SupplierPartID/text()",
    "ItemID/BuyerPartID/text()",
    "ItemDetail/UnitPrice/Money/text()",
    "ItemDetail/UnitPrice/Money/@currency",
    "ItemDetail/Description/text()",
    "ItemDetail/UnitOfMeasure/text()",
    "ItemDetail/Classification/@domain",
    "ItemDetail/Classification/text()",
)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def lxml_floor() -> Callable[[bytes], int]:
    """Bare lxml: parse, then evaluate the precompiled expressions; returns the
    number of fields it pulled (about 100 for the 5-line document)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    header = [etree.XPath(path) for path in HEADER_FIELDS]
    items = etree.XPath("/cXML/Request/OrderRequest/ItemOut")
    line = [etree.XPath(path) for path in LINE_FIELDS]

    def extract(raw: bytes) -> int:
        root = etree.fromstring(raw, parser)
        found = sum(len(xpath(root)) for xpath in header)
        for item in items(root):
            found += sum(len(xpath(item)) for xpath in line)
        return found

    return extract


def channel_parser(channel: str) -> Callable[[bytes], list]:
    from hub.bootstrap import channel_parsers

    parse = channel_parsers()[channel]
    return lambda raw: parse(raw, None)


def rate(work: Callable[[bytes], object], raw: bytes, seconds: float, rounds: int) -> float:
    """Best documents/s over `rounds` rounds of about `seconds` each."""
    work(raw)
    best = 0.0
    for _ in range(rounds):
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            for _ in range(20):
                work(raw)
            count += 20
        best = max(best, count / elapsed)
    return round(best, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    floor_raw = DOCUMENTS["cxml"].read_bytes()
    floor_work = lxml_floor()
    fields = floor_work(floor_raw)
    log(f"floor: bare lxml parse + {fields} fields")
    floor = rate(floor_work, floor_raw, args.seconds, args.rounds)
    channels = {}
    for channel, path in DOCUMENTS.items():
        raw = path.read_bytes()
        parse = channel_parser(channel)
        orders = parse(raw)
        log(f"{channel}: {path.name}, {len(raw)} bytes, {len(orders)} order(s)")
        documents_per_s = rate(parse, raw, args.seconds, args.rounds)
        channels[channel] = {
            "document": str(path.relative_to(REPO)),
            "bytes": len(raw),
            "orders_per_document": len(orders),
            "lines_per_document": sum(len(order.lines) for order in orders),
            "documents_per_s": documents_per_s,
            "orders_per_s": round(documents_per_s * len(orders), 1),
        }
    fraction = round(channels["cxml"]["documents_per_s"] / floor, 3)
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "parameters": {"seconds": args.seconds, "rounds": args.rounds},
        "floor": {"documents_per_s": floor, "fields": fields, "document": "cxml"},
        "channels": channels,
        "verdict": {
            "cxml_fraction_of_floor": fraction,
            "target_fraction": TARGET_FRACTION_OF_FLOOR,
            "meets_target": fraction >= TARGET_FRACTION_OF_FLOOR,
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
