"""/quote/<link>: a customer's self-service page for a sent quote, without signing in.

GET  /quote/<link>       the version as sent, with the payment and shipping choices
GET  /quote/<link>/pdf   the PDF the version was sent as
POST /quote/<link>       place the order (form-encoded: payment, po_number,
                         shipping_method); once only: posted again, the page shows
                         the order already placed

The link itself is the credential (hub/quote_links.py): a tampered or expired one is
answered 403 and nothing is looked up. Pages are escaped, never cached, never framed,
and send no Referer (the link must not leak). Database work runs on the thread pool.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from jinja2 import DictLoader, Environment, StrictUndefined
from twisted.internet.threads import deferToThreadPool
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from core import commands
from core.errors import NotFound, OrderB2BError
from core.handlers.quotes import quote_document
from core.model.quotes import payment_choices
from core.ports import Actor
from core.storage import quote_queries, settings
from hub import quote_links
from hub.api.quote_routes import document_context
from hub.printing import render

log = logging.getLogger("orderb2b.quote_portal")

HTML = b"text/html; charset=utf-8"
POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
PAYMENT_LABELS = {
    "net_terms": "On account (net terms)",
    "purchase_order": "Purchase order",
    "card_on_file": "Card on file",
}


@dataclass
class Page:
    code: int
    body: bytes
    media_type: bytes = HTML
    filename: str | None = None


class PageResource(Resource):
    """Public HTML pages produced off the reactor, with the headers every one needs."""

    isLeaf = True

    def __init__(self, reactor, pool, templates: dict[str, str]) -> None:
        super().__init__()
        self.reactor = reactor
        self.pool = pool
        self.templates = Environment(
            loader=DictLoader({"layout.html": LAYOUT, "message.html": MESSAGE, **templates}),
            autoescape=True,
            undefined=StrictUndefined,
            auto_reload=False,
        )
        self.templates.filters.update(money=render.money, quantity=render.quantity)

    def page(self, name: str, code: int = 200, **values) -> Page:
        return Page(code, self.templates.get_template(name).render(**values).encode("utf-8"))

    def message(self, title: str, text: str, code: int) -> Page:
        return self.page("message.html", code, title=title, text=text)

    def off_reactor(self, request, produce, *args):
        work = deferToThreadPool(self.reactor, self.pool, produce, *args)
        work.addCallback(self._write, request)
        work.addErrback(self._failed, request)
        return NOT_DONE_YET

    def answer_now(self, request, page: Page) -> bytes:
        self._headers(request, page)
        return page.body

    def _failed(self, failure, request) -> None:
        log.error("page failed", extra={"error": failure.getErrorMessage()})
        page = self.message("Sorry", "The page could not be produced; try again later.", 500)
        self._write(page, request)

    def _write(self, page: Page, request) -> None:
        if request._disconnected:
            return
        self._headers(request, page)
        request.write(page.body)
        request.finish()

    def _headers(self, request, page: Page) -> None:
        request.setResponseCode(page.code)
        request.setHeader(b"content-type", page.media_type)
        request.setHeader(b"cache-control", b"no-store")
        request.setHeader(b"referrer-policy", b"no-referrer")
        request.setHeader(b"x-content-type-options", b"nosniff")
        request.setHeader(b"x-frame-options", b"DENY")
        request.setHeader(b"content-security-policy", POLICY.encode())
        if page.filename:
            disposition = f'inline; filename="{page.filename}"'.encode()
            request.setHeader(b"content-disposition", disposition)


def form_value(request, name: str) -> str:
    """A form field's first value as text; undecodable bytes are refused by the caller
    through UnicodeDecodeError."""
    values = request.args.get(name.encode()) or [b""]
    return values[0].decode("utf-8").strip()


class QuotePortalResource(PageResource):
    def __init__(self, app, reactor, pool) -> None:
        super().__init__(reactor, pool, {"quote.html": QUOTE, "ordered.html": ORDERED})
        self.app = app
        self.key = quote_links.link_key(app.config)

    def render_GET(self, request):
        token, rest = _route(request)
        if token is None or rest not in ((), (b"pdf",)):
            return self.answer_now(request, self._unknown())
        produce = self._pdf if rest else self._show
        return self.off_reactor(request, self._guarded, produce, token)

    def render_POST(self, request):
        token, rest = _route(request)
        if token is None or rest:
            return self.answer_now(request, self._unknown())
        try:
            choice = {
                name: form_value(request, name)
                for name in ("payment", "po_number", "shipping_method")
            }
        except UnicodeDecodeError:
            return self.answer_now(request, self.message("Not understood", "Bad form.", 400))
        return self.off_reactor(request, self._guarded, self._order, token, choice)

    # Pages, produced on the thread pool

    def _guarded(self, produce, token: str, *args) -> Page:
        try:
            number, version = quote_links.verify(self.key, token)
            return produce(token, number, version, *args)
        except (quote_links.LinkRefused, NotFound):
            return self.message(
                "This link does not work",
                "The link is not valid or has expired. Ask us for a new one.",
                403,
            )

    def _show(
        self, token: str, number: str, version: int, error: str | None = None, code: int = 200
    ) -> Page:
        context = self._context(token, number, version)
        if context["order"]:
            return self.page("ordered.html", **context, again=True)
        return self.page("quote.html", code, **context, error=error)

    def _pdf(self, token: str, number: str, version: int) -> Page:
        kept = quote_queries.version_pdf(self.app.engine, number, version)
        if kept is None:
            raise NotFound(f"quote {number} version {version} was not sent")
        return Page(200, kept[0], b"application/pdf", f"{number}-v{version}.pdf")

    def _order(self, token: str, number: str, version: int, choice: dict[str, str]) -> Page:
        context = self._context(token, number, version)
        if context["order"]:
            return self.page("ordered.html", **context, again=True)
        customer = context["customer"]
        command = commands.ConvertQuote(
            number,
            version,
            payment_method=choice["payment"] or None,
            po_number=choice["po_number"] or None,
            shipping_method=choice["shipping_method"] or None,
        )
        actor = Actor("customer", customer["email"] or customer["code"])
        try:
            converted = self.app.bus.execute(command, actor)
        except OrderB2BError as refusal:
            return self._show(token, number, version, error=str(refusal), code=400)
        context["order"] = converted.order_number
        return self.page("ordered.html", **context, again=not converted.created)

    def _context(self, token: str, number: str, version: int) -> dict:
        """The sent version with its choices, or NotFound (answered as a dead link)."""
        with self.app.uow_factory() as uow:
            document = quote_document(uow, number, version, None)
            if not document.version.frozen:
                raise NotFound(f"quote {number} version {version} was not sent")
            totals = document.totals
            options = uow.sales_desk.shipping_options(
                totals.subtotal, totals.weight, (document.version.ship_to or {}).get("country")
            )
            order = uow.quotes.order_of(document.version)
            context = document_context(document)
            status = document.quote.status
        company = settings.current(self.app.engine, ("company.name",))["company.name"]
        method = context["version"]["shipping_method"]
        if method:
            options = {method: totals.shipping, **options}
        return {
            **context,
            "token": token,
            "company": company,
            "order": order,
            "open": status in ("sent", "accepted"),
            "status": status,
            "shipping_options": options,
            "chosen_method": method or next(iter(options), None),
            "payments": [(m, PAYMENT_LABELS[m]) for m in payment_choices(document.customer)],
        }

    def _unknown(self) -> Page:
        return self.message("Not found", "There is no such page.", 404)


def _route(request) -> tuple[str | None, tuple[bytes, ...]]:
    path = request.postpath
    if not path or not path[0]:
        return None, ()
    return path[0].decode("ascii", "replace"), tuple(p for p in path[1:] if p)


LAYOUT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %}</title>
<style>
 body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem;
        color: #111; }
 table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
 th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #ddd; }
 td.n, th.n { text-align: right; white-space: nowrap; }
 .error { background: #fde8e8; border: 1px solid #c00; padding: .6rem; }
 .muted { color: #666; }
 fieldset { border: 1px solid #ccc; margin: 1rem 0; }
 label { display: block; margin: .3rem 0; }
 input[type=text], input[type=email], textarea { width: 100%; max-width: 30rem; }
 button { font-size: 1rem; padding: .5rem 1.2rem; }
 .trap { position: absolute; left: -10000px; }
</style></head>
<body>{% block body %}{% endblock %}</body></html>
"""

MESSAGE = """{% extends "layout.html" %}
{% block title %}{{ title }}{% endblock %}
{% block body %}<h1>{{ title }}</h1><p>{{ text }}</p>{% endblock %}
"""

QUOTE = """{% extends "layout.html" %}
{% block title %}Quote {{ quote.number }}{% endblock %}
{% block body %}
<p class="muted">{{ company }}</p>
<h1>Quote {{ quote.number }} <small class="muted">version {{ version.number }}</small></h1>
<p>For {{ customer.name }}{% if quote.valid_until %}, valid until {{ quote.valid_until }}
 {%- endif %}. <a href="{{ token }}/pdf">The quote as a PDF</a></p>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<table>
 <thead><tr><th>#</th><th>Part number</th><th>Description</th><th class="n">Quantity</th>
  <th class="n">Unit price</th><th class="n">Amount</th></tr></thead>
 <tbody>
 {% for line in lines %}
  <tr><td>{{ line.line_number }}</td><td>{{ line.sku }}</td><td>{{ line.description or "" }}</td>
   <td class="n">{{ line.quantity | quantity }} {{ line.uom }}</td>
   <td class="n">{{ line.unit_price | money }}</td><td class="n">{{ line.amount | money }}</td></tr>
 {% endfor %}
 </tbody>
</table>
<table>
 <tr><td>Lines</td><td class="n">{{ totals.subtotal | money }}</td></tr>
 <tr><td>Tax</td><td class="n">{{ totals.tax | money }}</td></tr>
 <tr><td>Shipping ({{ version.shipping_method or "to choose" }})</td>
  <td class="n">{{ totals.shipping | money }}</td></tr>
 <tr><th>Total {{ quote.currency }}</th><th class="n">{{ totals.total | money }}</th></tr>
</table>
{% if quote.notes %}<p>{{ quote.notes }}</p>{% endif %}
{% if open %}
<form method="post" action="">
 <fieldset><legend>Payment</legend>
 {% for value, label in payments %}
  <label><input type="radio" name="payment" value="{{ value }}" required
   {% if loop.first %}checked{% endif %}> {{ label }}</label>
 {% endfor %}
  <label>Purchase order number (for a purchase order)
   <input type="text" name="po_number" maxlength="64"></label>
 </fieldset>
 <fieldset><legend>Shipping</legend>
 {% for method, price in shipping_options.items() %}
  <label><input type="radio" name="shipping_method" value="{{ method }}"
   {% if method == chosen_method %}checked{% endif %}>
   {{ method }}: {{ price | money }}</label>
 {% else %}
  <p class="muted">We will arrange shipping with you.</p>
 {% endfor %}
 </fieldset>
 <button type="submit">Place the order</button>
</form>
{% else %}
<p>This quote is {{ status }}; it can no longer be ordered here. Please contact us.</p>
{% endif %}
{% endblock %}
"""

ORDERED = """{% extends "layout.html" %}
{% block title %}Order {{ order }}{% endblock %}
{% block body %}
<p class="muted">{{ company }}</p>
<h1>Thank you</h1>
<p>{% if again %}Your order from quote {{ quote.number }} was placed already:
 {% else %}Your order from quote {{ quote.number }} is placed:{% endif %}
 order <strong>{{ order }}</strong>.</p>
<p>We will confirm it by email{% if customer.email %} to {{ customer.email }}{% endif %}.</p>
{% endblock %}
"""
