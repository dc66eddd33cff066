"""Shipping labels: one 4x6 inch PDF page with the addresses, the package facts and
the tracking number as text and as its Code 128 barcode."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal

import pytest

from adapters.carriers import code128
from adapters.carriers.label import address_lines, barcode_svg, label_html, render_label
from core.canonical import Address, Label

SHIP_FROM = Address(
    name="Order B2B Warehouse",
    street=("1200 Commerce Drive",),
    city="Memphis",
    state="TN",
    postal_code="38118",
    country="US",
)
SHIP_TO = Address(
    name="Defense Logistics Agency",
    deliver_to=("Attn: Receiving, Bldg 4",),
    street=("8725 John J Kingman Road",),
    city="Fort Belvoir",
    state="VA",
    postal_code="22060",
    country="US",
)
LABEL = Label(
    tracking_number="794644790138",
    carrier="FedEx",
    service="FEDEX_GROUND",
    ship_from=SHIP_FROM,
    ship_to=SHIP_TO,
    reference="SH0000042",
    weight=Decimal("12.50"),
    package=1,
    packages=2,
)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_label(LABEL)


def test_the_label_is_one_page_of_4_by_6_inches(pdf):
    assert pdf.startswith(b"%PDF-")
    objects = pdf_objects(pdf)
    assert re.findall(rb"/MediaBox\s*\[\s*0 0 288 432\s*\]", objects)
    assert len(re.findall(rb"/Type\s*/Page\b", objects)) == 1
    assert re.search(rb"/Type\s*/Pages\b[^>]*/Count\s+1\b", objects)


def test_the_label_shows_tracking_number_addresses_and_package_facts(pdf):
    text = pdf_text(pdf)

    for words in (
        "794644790138",
        "Defense Logistics Agency",
        "Attn: Receiving, Bldg 4",
        "Fort Belvoir, VA 22060",
        "Order B2B Warehouse",
        "Memphis, TN 38118",
        "FedEx",
        "FEDEX_GROUND",
        "1 of 2",
        "12.5 LB",
        "SH0000042",
    ):
        assert words in text, words


def test_the_barcode_is_the_code_128_of_the_tracking_number():
    html = label_html(LABEL)

    assert barcode_svg(LABEL.tracking_number) in html
    image = barcode_svg(LABEL.tracking_number)
    modules = len(code128.bars(LABEL.tracking_number))
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', image).group(1))
    assert width <= 3.7 * 96  # within the label's margins
    assert image == code128.svg(
        LABEL.tracking_number, height=96.0, module_width=min(3.0, 3.7 * 96 / modules)
    )


def test_text_is_escaped_not_markup():
    label = Label(
        "794644790138",
        "FedEx",
        "FEDEX_GROUND",
        SHIP_FROM,
        Address(name="<b>Smith & Sons</b>", city="Austin", state="TX", country="US"),
        "SH1",
    )

    html = label_html(label)

    assert "&lt;b&gt;Smith &amp; Sons&lt;/b&gt;" in html
    assert "<b>Smith" not in html
    assert "<b>Smith & Sons</b>" in pdf_text(render_label(label))


def test_long_addresses_and_numbers_still_make_one_page():
    street = tuple(f"Building {n}, Long Industrial Parkway Extension Road" for n in range(8))
    label = Label(
        "1Z999AA10123456784" * 2,
        "FedEx",
        "FEDEX_GROUND",
        SHIP_FROM,
        Address(name="A very long consignee name " * 4, street=street, country="US"),
        "SH0000042",
        weight=None,
    )

    objects = pdf_objects(render_label(label))

    assert len(re.findall(rb"/Type\s*/Page\b", objects)) == 1


def test_a_tracking_number_code_128_cannot_carry_is_refused():
    label = Label("794644790138é", "FedEx", "FEDEX_GROUND", SHIP_FROM, SHIP_TO, "SH1")

    with pytest.raises(code128.BarcodeError):
        render_label(label)


def test_address_lines_as_printed():
    assert address_lines(SHIP_TO) == [
        "Defense Logistics Agency",
        "Attn: Receiving, Bldg 4",
        "8725 John J Kingman Road",
        "Fort Belvoir, VA 22060",
        "US",
    ]
    assert address_lines(Address(city="Lyon", postal_code="69002", country="FR")) == [
        "Lyon 69002",
        "FR",
    ]


# Reading the PDF: WeasyPrint compresses its objects and page contents.


def pdf_streams(pdf: bytes) -> list[bytes]:
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return streams


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed object streams written out."""
    return pdf + b"\n".join(pdf_streams(pdf))


def pdf_text(pdf: bytes) -> str:
    """The text runs the PDF shows (glyph ids mapped through every font's ToUnicode
    map; the right map gives the text, the others gibberish)."""
    streams = pdf_streams(pdf)
    maps = [_unicode_map(stream) for stream in streams if b"begincmap" in stream]
    runs = [
        [
            int(g[i : i + 4], 16)
            for g in re.findall(rb"<([0-9a-fA-F]+)>", array)
            for i in range(0, len(g), 4)
        ]
        for stream in streams
        if b"TJ" in stream
        for array in re.findall(rb"\[(.*?)\]\s*TJ", stream, re.S)
    ]
    return "\n".join("".join(m.get(c, "\ufffd") for c in run) for run in runs for m in maps)


def _unicode_map(cmap: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return mapping
