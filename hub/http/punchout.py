"""/punchout: the catalog a buyer's user shops in, from their procurement system.

GET /punchout/start/<token>   the StartPage URL: once only; sets the browser-key
                              cookie and redirects to the catalog (or the cart)
GET /punchout/catalog?q=      search the catalog
GET /punchout/cart            the cart
POST /punchout/cart           action=add|change|remove
POST /punchout/return         "Return to procurement": the auto-submitting form

Every page needs the cookie of a started, unexpired session; every POST a CSRF
token derived from that session's browser key. Database work runs on the thread
pool, never on the reactor thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from twisted.internet.threads import deferToThreadPool
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from adapters.cxml.punchout import (
    AUTO_SUBMIT_SCRIPT,
    CartLine,
    Credential,
    render_form_post_page,
    render_order_message,
)
from core import commands
from core.handlers.punchout import search_catalog, shopping_view
from core.model.punchout import PunchOutRefused, ReturnedCart

log = logging.getLogger("orderb2b.punchout")

COOKIE = b"orderb2b_punchout"
TEMPLATES = Path(__file__).parent / "templates" / "punchout"
HTML = b"text/html; charset=utf-8"
CENT = Decimal("0.01")
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(AUTO_SUBMIT_SCRIPT.encode()).digest()).decode()
RETURN_POLICY = (
    f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; style-src 'unsafe-inline'; "
    "base-uri 'none'"
)


@dataclass
class Page:
    code: int
    body: bytes = b""
    location: str | None = None
    policy: str = PAGE_POLICY
    cookie: str | None = field(default=None, repr=False)
    clear_cookie: bool = False


def csrf_token(browser_key: str) -> str:
    """The form token of a session: only a page served to its browser knows it."""
    return hmac.new(browser_key.encode(), b"punchout-form", hashlib.sha256).hexdigest()


class PunchOutResource(Resource):
    isLeaf = True

    def __init__(self, bus, uow_factory, reactor, pool, public_url: str) -> None:
        super().__init__()
        self.bus = bus
        self.uow_factory = uow_factory
        self.reactor = reactor
        self.pool = pool
        self.secure = public_url.lower().startswith("https:")
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            auto_reload=False,
        )
        self.templates.filters["money"] = _money

    def render_GET(self, request):
        route = request.postpath
        if len(route) == 2 and route[0] == b"start":
            return self._off_reactor(request, self._start, route[1].decode("ascii", "replace"))
        if route == [b"catalog"]:
            return self._off_reactor(request, self._catalog, _key(request), _arg(request, b"q"))
        if route == [b"cart"]:
            return self._off_reactor(request, self._cart, _key(request))
        return self._answer_now(request, self._refusal("There is no such PunchOut page.", 404))

    def render_POST(self, request):
        route = request.postpath
        if route not in ([b"cart"], [b"return"]):
            return self._answer_now(request, self._refusal("There is no such PunchOut page.", 404))
        key = _key(request)
        sent = _arg(request, b"csrf").encode()
        if not key or not hmac.compare_digest(sent, csrf_token(key).encode()):
            return self._answer_now(
                request, self._refusal("This form has expired; reload the page.", 403)
            )
        if route == [b"cart"]:
            return self._off_reactor(request, self._change_cart, key, _form(request))
        return self._off_reactor(request, self._return, key)

    # Pages, produced on the thread pool

    def _start(self, token: str) -> Page:
        started = self.bus.execute(commands.StartPunchOutSession(token))
        target = "/punchout/catalog" if started.operation == "create" else "/punchout/cart"
        return Page(303, location=target, cookie=started.browser_key)

    def _catalog(self, key: str, query: str) -> Page:
        with self.uow_factory() as uow:
            view, items = search_catalog(key, query, uow)
        return self._page("catalog.html", key, view=view, items=items, query=query, error=None)

    def _cart(self, key: str, error: str | None = None, code: int = 200) -> Page:
        with self.uow_factory() as uow:
            view = shopping_view(key, uow)
        return self._page("cart.html", key, code=code, view=view, error=error)

    def _change_cart(self, key: str, form: dict[str, str]) -> Page:
        try:
            self.bus.execute(_cart_command(key, form))
        except PunchOutRefused as refusal:
            return self._cart(key, error=str(refusal), code=400)
        return Page(303, location="/punchout/cart")

    def _return(self, key: str) -> Page:
        cart = self.bus.execute(commands.ReturnPunchOutCart(key))
        page = render_form_post_page(cart.browser_form_post_url, order_message(cart))
        log.info("cart returned", extra={"session": cart.session_id, "lines": len(cart.entries)})
        return Page(200, page, policy=RETURN_POLICY, clear_cookie=True)

    def _page(self, name: str, key: str, code: int = 200, **values) -> Page:
        template = self.templates.get_template(name)
        return Page(code, template.render(csrf=csrf_token(key), **values).encode())

    def _refusal(self, message: str, code: int = 403) -> Page:
        body = self.templates.get_template("refused.html").render(message=message)
        return Page(code, body.encode())

    # Answering

    def _off_reactor(self, request, produce, *args):
        work = deferToThreadPool(self.reactor, self.pool, self._guarded, produce, *args)
        work.addCallback(self._write, request)
        work.addErrback(self._failed, request)
        return NOT_DONE_YET

    def _guarded(self, produce, *args) -> Page:
        try:
            return produce(*args)
        except PunchOutRefused as refusal:
            return self._refusal(str(refusal))

    def _failed(self, failure, request) -> None:
        log.error("PunchOut page failed", extra={"error": failure.getErrorMessage()})
        self._write(Page(500, b"The page could not be produced; try again."), request)

    def _answer_now(self, request, page: Page) -> bytes:
        self._headers(request, page)
        return page.body

    def _write(self, page: Page, request) -> None:
        if request._disconnected:
            return
        self._headers(request, page)
        request.write(page.body)
        request.finish()

    def _headers(self, request, page: Page) -> None:
        request.setResponseCode(page.code)
        request.setHeader(b"content-type", HTML)
        request.setHeader(b"cache-control", b"no-store")
        request.setHeader(b"referrer-policy", b"no-referrer")
        request.setHeader(b"x-content-type-options", b"nosniff")
        request.setHeader(b"content-security-policy", page.policy.encode())
        if page.location:
            request.setHeader(b"location", page.location.encode())
        if page.cookie:
            self._set_cookie(request, page.cookie.encode())
        elif page.clear_cookie:
            self._set_cookie(request, b"", max_age=b"0")

    def _set_cookie(self, request, value: bytes, max_age: bytes | None = None) -> None:
        # Browsers refuse SameSite=None without Secure; over plain HTTP the cookie is
        # Lax, which still follows a top-level visit from the procurement system.
        request.addCookie(
            COOKIE,
            value,
            path=b"/punchout",
            max_age=max_age,
            httpOnly=True,
            secure=self.secure,
            sameSite=b"none" if self.secure else b"lax",
        )


def order_message(cart: ReturnedCart) -> bytes:
    """The PunchOutOrderMessage of a returned cart."""
    buyer = cart.buyer
    lines = [
        CartLine(
            line_number=entry.line,
            supplier_part_id=entry.item.sku,
            supplier_part_aux_id=cart.aux_id(entry),
            quantity=entry.quantity,
            unit_of_measure=entry.item.unit_of_measure,
            unit_price=entry.item.price,
            description=entry.item.description,
            manufacturer_part_id=entry.item.manufacturer_part_id,
            manufacturer_name=entry.item.manufacturer_name,
        )
        for entry in cart.entries
    ]
    return render_order_message(
        cart.buyer_cookie,
        lines,
        currency=cart.currency,
        supplier=_credential(buyer.get("supplier_credential"), "orderb2b"),
        buyer=_credential(buyer.get("buyer_credential"), cart.partner),
        deployment_mode=buyer.get("deployment_mode", "production"),
    )


def _credential(kept: dict | None, identity: str) -> Credential:
    kept = kept or {}
    return Credential(kept.get("domain") or "NetworkID", kept.get("identity") or identity)


def _cart_command(key: str, form: dict[str, str]) -> commands.Command:
    action = form.get("action")
    if action == "add":
        return commands.AddToPunchOutCart(key, form.get("sku", ""), form.get("quantity", "1"))
    line = _line_number(form.get("line", ""))
    if action == "change":
        return commands.ChangePunchOutCartLine(key, line, form.get("quantity", ""))
    if action == "remove":
        return commands.RemovePunchOutCartLine(key, line)
    raise PunchOutRefused("unknown cart action")


def _money(amount: Decimal) -> str:
    """An amount as pages show it: to the cent."""
    return format(amount.quantize(CENT, ROUND_HALF_UP), "f")


def _line_number(value: str) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= 6):
        raise PunchOutRefused("the cart line is not a number")
    return int(value)


def _key(request) -> str:
    value = request.getCookie(COOKIE) or b""
    return value.decode("ascii", "replace")


def _arg(request, name: bytes) -> str:
    values = request.args.get(name) or [b""]
    return values[0].decode("utf-8", "replace").strip()


def _form(request) -> dict[str, str]:
    names = (b"action", b"sku", b"quantity", b"line")
    return {name.decode(): _arg(request, name) for name in names if name in request.args}
