"""/rfq: the public request-for-quotation form.

GET  /rfq   the form
POST /rfq   form-encoded; at most MAX_BODY bytes. The request is checked whole
            (UTF-8, lengths, no control characters, a valid email, a message or at
            least one line) and stored before the thank-you page with its number is
            answered; anything refused is answered 400 (413 when too large) with
            nothing stored. Everything shown back is escaped.

A field hidden from people ("website") catches form-filling robots: filled in, the
request is refused. One address may post at most POSTS_PER_WINDOW times in
WINDOW_SECONDS (429 beyond that), so a flood cannot fill the database.
"""

from __future__ import annotations

import logging

from core import commands
from core.model.rfqs import RfqRefused
from core.ports import Actor
from hub.http.quote_portal import Page, PageResource, form_value
from hub.http.rate_limit import RateLimit

log = logging.getLogger("orderb2b.rfq_form")

MAX_BODY = 64 * 1024
POSTS_PER_WINDOW = 30
WINDOW_SECONDS = 600.0
FORM_LINES = 10
FIELDS = ("company", "contact_name", "email", "phone", "message")
FORM_TYPE = b"application/x-www-form-urlencoded"


class RfqFormResource(PageResource):
    def __init__(self, bus, reactor, pool, limit: RateLimit | None = None) -> None:
        super().__init__(reactor, pool, {"form.html": FORM, "thanks.html": THANKS})
        self.bus = bus
        self.limit = limit or RateLimit(POSTS_PER_WINDOW, WINDOW_SECONDS)

    def render_GET(self, request):
        if request.postpath not in ([], [b""]):
            return self.answer_now(request, self.message("Not found", "No such page.", 404))
        return self.answer_now(request, self._form({}, None, 200))

    def render_POST(self, request):
        if request.postpath not in ([], [b""]):
            return self.answer_now(request, self.message("Not found", "No such page.", 404))
        if not self.limit.allow(_remote(request)):
            log.info(
                "request refused: too many from one address", extra={"remote": _remote(request)}
            )
            text = "Too many requests from your address; please try again later."
            return self.answer_now(request, self.message("Too many requests", text, 429))
        size = _body_size(request)
        if size > MAX_BODY:
            text = f"The request is larger than {MAX_BODY // 1024} KiB; please shorten it."
            return self.answer_now(request, self.message("Too large", text, 413))
        content_type = (request.getHeader(b"content-type") or b"").split(b";")[0].strip()
        if content_type.lower() != FORM_TYPE:
            return self.answer_now(request, self._form({}, "Send the form from its page.", 400))
        try:
            form = _read_form(request)
        except UnicodeDecodeError:
            return self.answer_now(request, self._form({}, "The form is not readable text.", 400))
        if form.pop("website"):
            log.info("robot request refused", extra={"remote": _remote(request)})
            return self.answer_now(request, self._form({}, "The request was refused.", 400))
        return self.off_reactor(request, self._keep, form, _remote(request))

    def _keep(self, form: dict, remote: str | None) -> Page:
        command = commands.ReceiveRfq(
            "web",
            form["email"],
            company=form["company"] or None,
            contact_name=form["contact_name"] or None,
            phone=form["phone"] or None,
            message=form["message"] or None,
            lines=tuple(form["lines"]),
            remote_addr=remote,
        )
        try:
            number = self.bus.execute(command, Actor("web", remote or "unknown"))
        except RfqRefused as refusal:
            return self._form(form, str(refusal), 400)
        return self.page("thanks.html", number=number, email=form["email"])

    def _form(self, form: dict, error: str | None, code: int) -> Page:
        lines = list(form.get("lines") or [])
        lines += [{"part": "", "description": "", "quantity": ""}] * (FORM_LINES - len(lines))
        values = {name: form.get(name) or "" for name in FIELDS}
        return self.page("form.html", code, values=values, lines=lines, error=error)


def _read_form(request) -> dict:
    """The fields as text (the first value of each), and the line rows in order."""
    form = {name: form_value(request, name) for name in (*FIELDS, "website")}
    columns = {
        name: [value.decode("utf-8") for value in request.args.get(name.encode(), [])]
        for name in ("part", "description", "quantity")
    }
    rows = max((len(values) for values in columns.values()), default=0)
    form["lines"] = [
        {name: (values[n] if n < len(values) else "") for name, values in columns.items()}
        for n in range(rows)
    ]
    return form


def _body_size(request) -> int:
    size = getattr(request, "body_bytes", None)
    if size is None:
        content = request.content
        size = len(content.getvalue()) if content is not None else 0
    return size


def _remote(request) -> str | None:
    return getattr(request.getClientAddress(), "host", None)


FORM = """{% extends "layout.html" %}
{% block title %}Request a quote{% endblock %}
{% block body %}
<h1>Request a quote</h1>
<p>Tell us what you need; we answer with a quote by email.</p>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/rfq">
 <label>Company <input type="text" name="company" maxlength="200" value="{{ values.company }}">
 </label>
 <label>Your name
  <input type="text" name="contact_name" maxlength="200" value="{{ values.contact_name }}"></label>
 <label>Email (required)
  <input type="email" name="email" maxlength="254" required value="{{ values.email }}"></label>
 <label>Phone <input type="text" name="phone" maxlength="64" value="{{ values.phone }}"></label>
 <label class="trap" aria-hidden="true">Leave empty
  <input type="text" name="website" tabindex="-1" autocomplete="off" value=""></label>
 <label>What do you need?
  <textarea name="message" rows="6" maxlength="10000">{{ values.message }}</textarea></label>
 <table>
  <thead><tr><th>Part number</th><th>Description</th><th>Quantity</th></tr></thead>
  <tbody>
  {% for line in lines %}
   <tr><td><input type="text" name="part" maxlength="100" value="{{ line.part or '' }}"></td>
    <td><input type="text" name="description" maxlength="1000"
     value="{{ line.description or '' }}"></td>
    <td><input type="text" name="quantity" maxlength="20" value="{{ line.quantity or '' }}">
    </td></tr>
  {% endfor %}
  </tbody>
 </table>
 <button type="submit">Send the request</button>
</form>
{% endblock %}
"""

THANKS = """{% extends "layout.html" %}
{% block title %}Thank you{% endblock %}
{% block body %}
<h1>Thank you</h1>
<p>We have your request for quotation <strong>{{ number }}</strong> and will answer
 {{ email }} soon.</p>
{% endblock %}
"""
