"""PunchOut sessions: open from a setup request, start once, shop, return the cart,
and close when the buyer's order for it arrives. Nothing here renders: each
handler returns what the edge needs to answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple, TypeVar

from core import commands, events, ports
from core.model.documents import PROCESSED, InboundDocument
from core.model.punchout import (
    EXPIRED,
    CatalogItem,
    PunchOutRefused,
    PunchOutSession,
    ReturnedCart,
    ShoppingView,
    parse_aux_id,
    token_hash,
)

CATALOG_PAGE = 50
DEFAULT_CURRENCY = "USD"

T = TypeVar("T")


class OpenedSession(NamedTuple):
    session_id: int
    document_id: int
    start_token: str


class StartedSession(NamedTuple):
    browser_key: str
    operation: str


def open_session(command: commands.OpenPunchOutSession, uow: ports.UnitOfWork) -> OpenedSession:
    """Keep the setup request (already answered, so processed) and open its session."""
    document = InboundDocument(
        "cxml",
        command.partner,
        command.raw,
        content_type=command.content_type,
        remote_addr=command.remote_addr,
    )
    document.settle(PROCESSED)
    uow.documents.add_many([document])
    session, token = PunchOutSession.open(
        command.partner,
        command.operation,
        command.buyer_cookie,
        command.browser_form_post_url,
        now=_now(),
        request_payload_id=command.request_payload_id,
        document_id=document.id,
        buyer=command.buyer,
    )
    if command.items:
        _restore(session, command.items, uow)
    uow.punchout.add(session)
    return OpenedSession(session.id, document.id, token)


def start_session(command: commands.StartPunchOutSession, uow: ports.UnitOfWork) -> StartedSession:
    """The browser arrives with the start token: accepted once, within its time."""
    session = uow.punchout.with_start_token(token_hash(command.start_token))
    if session is None:
        raise PunchOutRefused("this PunchOut start link is not known")
    key = _keeping_expiry(session, uow, lambda: session.start(_now()))
    return StartedSession(key, session.operation)


def add_to_cart(command: commands.AddToPunchOutCart, uow: ports.UnitOfWork) -> None:
    session = _shopping_session(command.browser_key, uow, lock=True)
    product = uow.punchout.products([command.sku]).get(command.sku)
    if product is None:
        raise PunchOutRefused(f"{command.sku[:100]} is not in the catalog")
    item = CatalogItem.of(product)
    _keeping_expiry(session, uow, lambda: session.add(item, command.quantity, _now()))


def change_cart_line(command: commands.ChangePunchOutCartLine, uow: ports.UnitOfWork) -> None:
    session = _shopping_session(command.browser_key, uow, lock=True)
    _keeping_expiry(session, uow, lambda: session.change(command.line, command.quantity, _now()))


def remove_cart_line(command: commands.RemovePunchOutCartLine, uow: ports.UnitOfWork) -> None:
    session = _shopping_session(command.browser_key, uow, lock=True)
    _keeping_expiry(session, uow, lambda: session.remove(command.line, _now()))


def return_cart(command: commands.ReturnPunchOutCart, uow: ports.UnitOfWork) -> ReturnedCart:
    """Close the shopping; the cart goes back through the browser, rendered by the edge."""
    session = _shopping_session(command.browser_key, uow, lock=True)
    currency = session.currency or DEFAULT_CURRENCY
    entries = tuple(_keeping_expiry(session, uow, lambda: session.return_cart(_now())))
    cart = ReturnedCart(
        session_id=session.id,
        partner=session.partner,
        operation=session.operation,
        buyer_cookie=session.buyer_cookie,
        browser_form_post_url=session.browser_form_post_url,
        buyer=dict(session.buyer),
        currency=currency,
        entries=entries,
    )
    uow.emit(
        events.PunchOutCartReturned(
            session.id, session.partner, len(entries), format(cart.total, "f"), currency
        )
    )
    return cart


def shopping_view(browser_key: str, uow: ports.UnitOfWork) -> ShoppingView:
    """The started session of this browser, or PunchOutRefused."""
    session = _shopping_session(browser_key, uow)
    _keeping_expiry(session, uow, lambda: session.check_shopping(_now()))
    return ShoppingView.of(session)


def search_catalog(
    browser_key: str, text: str, uow: ports.UnitOfWork, limit: int = CATALOG_PAGE
) -> tuple[ShoppingView, list[CatalogItem]]:
    """The session's view and the products matching `text` (all of them if empty)."""
    view = shopping_view(browser_key, uow)
    return view, [CatalogItem.of(p) for p in uow.punchout.find_products(text[:100], limit)]


class PunchOutOrders:
    """Closes the sessions whose carts an order brings back: an order's lines carry
    the auxiliary ids the returned cart gave them."""

    name = "punchout"
    routing_keys = ("order.received",)

    def handle(self, event: events.OrderReceived, uow: ports.UnitOfWork) -> None:
        self.handle_batch([event], uow)

    def handle_batch(self, batch: list[events.OrderReceived], uow: ports.UnitOfWork) -> None:
        orders = {e.order_number: e for e in batch if e.channel == "cxml"}
        if not orders:
            return
        wanted: dict[str, set[int]] = {}
        for number, aux_ids in uow.punchout.aux_ids_of_orders(orders).items():
            found = (parse_aux_id(aux) for aux in aux_ids)
            wanted[number] = {ref[0] for ref in found if ref is not None}
        sessions = uow.punchout.get_many(i for ids in wanted.values() for i in ids)
        now = _now()
        for number, session_ids in wanted.items():
            partner = orders[number].partner
            for session_id in sorted(session_ids):
                session = sessions.get(session_id)
                if session is None or session.partner != partner:
                    continue
                if session.mark_ordered(number, now):
                    uow.emit(events.PunchOutOrdered(session.id, partner, number))


def _shopping_session(
    browser_key: str, uow: ports.UnitOfWork, *, lock: bool = False
) -> PunchOutSession:
    session = uow.punchout.with_browser_key(token_hash(browser_key), lock=lock)
    if session is None:
        raise PunchOutRefused(
            "no PunchOut session in this browser; start again from your procurement system"
        )
    return session


def _keeping_expiry(session: PunchOutSession, uow: ports.UnitOfWork, act: Callable[[], T]) -> T:
    """Do `act`; if it is refused because the session has just expired, the expiry
    is kept (committed) before the refusal goes on."""
    try:
        return act()
    except PunchOutRefused:
        if session.state == EXPIRED:
            uow.commit()
        raise


def _restore(session: PunchOutSession, items, uow: ports.UnitOfWork) -> None:
    """The cart an edit or inspect request brings, priced from today's catalog."""
    products = uow.punchout.products(item.supplier_part_id for item in items)
    lines = []
    for item in items:
        product = products.get(item.supplier_part_id)
        offered = CatalogItem.of(product) if product is not None else None
        lines.append((offered, item.supplier_part_id, item.quantity))
    session.restore(lines)


def _now() -> datetime:
    return datetime.now(UTC)
