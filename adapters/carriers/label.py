"""Shipping labels for what we ship ourselves: one 4x6 inch page (PDF by WeasyPrint)
with the addresses, carrier and service, package n of m, weight, reference, and the
tracking number as text and as a Code 128 barcode."""

from __future__ import annotations

from decimal import Decimal

import jinja2
from markupsafe import Markup

from adapters.carriers import code128
from core.canonical import Address, Label

# CSS pixels (1/96 inch): the barcode gets the label's width inside the margins,
# a module at most 3 px (about 0.031 inch) wide and 1 inch tall.
BARCODE_WIDTH = 3.7 * 96
BARCODE_HEIGHT = 96.0
MAX_MODULE = 3.0

_TEMPLATE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ label.tracking_number }}</title><style>
@page { size: 4in 6in; margin: 0 }
html, body { margin: 0; padding: 0 }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; line-height: 1.2;
  overflow-wrap: anywhere }
.label { width: 4in; height: 6in; box-sizing: border-box; padding: 0.15in; overflow: hidden }
section { overflow: hidden; border-bottom: 1.5pt solid #000 }
.caption { margin: 0 0 2pt; font-size: 7pt; font-weight: normal; letter-spacing: 0.5pt }
p { margin: 0 }
.top { height: 1.25in }
.from { float: left; width: 2.15in }
.carrier { float: right; width: 1.45in; text-align: right }
.carrier strong { display: block; font-size: 20pt }
.carrier span { font-size: 10pt; font-weight: bold }
.to { height: 1.9in; padding-top: 4pt }
.to p { font-size: 13pt; line-height: 1.25 }
.to p.name { font-size: 15pt; font-weight: bold }
.facts { height: 0.65in }
.facts table { width: 100%; border-collapse: collapse; margin-top: 4pt }
.facts td { width: 33%; vertical-align: top; font-size: 11pt; font-weight: bold }
.barcode { height: 1.6in; border-bottom: none; text-align: center; padding-top: 8pt }
.barcode svg { display: block; margin: 0 auto }
.tracking { font-size: 14pt; font-weight: bold; letter-spacing: 1pt; margin-top: 4pt }
</style></head><body><div class="label">
<section class="top">
  <div class="from"><div class="caption">FROM</div>
  {% for line in ship_from %}<p>{{ line }}</p>{% endfor %}</div>
  <div class="carrier"><strong>{{ label.carrier }}</strong><span>{{ label.service }}</span></div>
</section>
<section class="to"><div class="caption">SHIP TO</div>
  {% for line in ship_to %}<p{% if loop.first %} class="name"{% endif %}>{{ line }}</p>{% endfor %}
</section>
<section class="facts"><table><tr>
  <td><div class="caption">PACKAGE</div>{{ label.package }} of {{ label.packages }}</td>
  <td><div class="caption">WEIGHT</div>{{ weight }}</td>
  <td><div class="caption">REFERENCE</div>{{ label.reference }}</td>
</tr></table></section>
<section class="barcode"><div class="caption">TRACKING NUMBER</div>{{ barcode }}
  <p class="tracking">{{ label.tracking_number }}</p></section>
</div></body></html>
"""

_template = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    _TEMPLATE
)


def render_label(label: Label) -> bytes:
    """The label as a one-page PDF of 4x6 inches (288 x 432 points)."""
    # Imported here: WeasyPrint is slow to load and only printing needs it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    return HTML(string=label_html(label), base_url=None, url_fetcher=fetcher).write_pdf()


def label_html(label: Label) -> str:
    """The label as the HTML page the PDF is printed from. Raises
    code128.BarcodeError for a tracking number Code 128 cannot carry."""
    return _template.render(
        label=label,
        ship_from=address_lines(label.ship_from),
        ship_to=address_lines(label.ship_to),
        weight=_weight(label.weight, label.weight_unit),
        barcode=Markup(barcode_svg(label.tracking_number)),
    )


def barcode_svg(text: str) -> str:
    """The Code 128 barcode of `text` as wide as the label allows."""
    modules = len(code128.bars(text))
    module = min(MAX_MODULE, BARCODE_WIDTH / modules)
    return code128.svg(text, height=BARCODE_HEIGHT, module_width=module)


def address_lines(address: Address) -> list[str]:
    """An address as printed: name, deliver-to lines, street, city line, country."""
    city = " ".join(
        part
        for part in (
            f"{address.city}," if address.city and address.state else address.city,
            address.state,
            address.postal_code,
        )
        if part
    )
    lines = [address.name, *address.deliver_to, *address.street, city, address.country]
    return [line for line in lines if line]


def _weight(weight: Decimal | None, unit: str) -> str:
    if weight is None:
        return "-"
    return f"{format(weight.normalize(), 'f')} {unit}"
