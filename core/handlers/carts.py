"""The B2B cart (manual order entry): lines priced by the engine or by hand, totals
with a discount code, shipping by the ranges and tax by the ship-to, submitted as a
quote or as an order (invoiced at once when `cart.auto_invoice` is on)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple

from core import commands, ports
from core.errors import NotFound
from core.handlers.invoices import create_invoice
from core.handlers.quotes import (
    Scope,
    check_scope,
    customer_facts,
    make_order,
    new_quote,
    price_of,
    recalculate,
    record,
    shipping_price,
)
from core.handlers.sales_settings import redeem_discount_code
from core.model.carts import SUBMIT_AS, Cart, CartRefused
from core.model.quotes import (
    ZERO,
    CustomerFacts,
    QuoteRefused,
    Totals,
    payment_terms,
    quantity_of,
)

AUTO_INVOICE = "cart.auto_invoice"


class CartView(NamedTuple):
    cart: Cart
    customer: CustomerFacts
    totals: Totals
    discount_refused: str | None  # why the cart's discount code takes nothing off now
    shipping_refused: str | None  # why the shipping method cannot be priced now


class Submitted(NamedTuple):
    submitted_as: str
    number: str  # the quote or order made
    invoice: str | None = None


def create_cart(command: commands.CreateCart, uow: ports.UnitOfWork) -> int:
    customer = uow.customers.get(command.customer_code)
    if not check_scope(customer, command.groups):
        raise NotFound(f"no customer {command.customer_code}")
    if customer.archived:
        raise CartRefused(f"customer {customer.code} is archived")
    cart = Cart(uow.actor.name, customer.id, command.currency)
    cart.set_details(ship_to=customer_facts(uow, customer).ship_to)
    uow.carts.add(cart)
    return cart.id


def change_cart(command: commands.ChangeCart, uow: ports.UnitOfWork) -> None:
    cart, facts = _cart(uow, command.cart_id, command.groups)
    values = {
        name: (value.strip() or None) if isinstance(value, str) else value
        for name in ("shipping_method", "ship_to", "payment_method", "po_number", "discount_code")
        if (value := getattr(command, name)) is not None
    }
    if command.shipping_quote is not None:
        values["shipping_quote"] = command.shipping_quote
    if values.get("payment_method"):
        payment_terms(values["payment_method"], values.get("po_number") or cart.po_number, facts)
    cart.set_details(**values)
    view = cart_view(uow, cart, facts)
    if values.get("discount_code") and view.discount_refused:
        raise CartRefused(view.discount_refused)
    if values.get("shipping_method") and view.shipping_refused:
        raise CartRefused(view.shipping_refused)


def add_cart_lines(command: commands.AddCartLines, uow: ports.UnitOfWork) -> list[int]:
    cart, facts = _cart(uow, command.cart_id, command.groups)
    if not command.lines:
        raise CartRefused("no lines to add")
    added = []
    for wanted in command.lines:
        quantity = quantity_of(wanted.quantity, wanted.sku)
        line = cart.add_line(price_of(uow, wanted.sku, facts, quantity, known=True), quantity)
        if wanted.unit_price is not None:
            line.adjust(by=uow.actor.name, reason=wanted.reason, unit_price=wanted.unit_price)
        added.append(line.line_number)
    uow.carts.add(cart)
    return added


def change_cart_line(command: commands.ChangeCartLine, uow: ports.UnitOfWork) -> None:
    cart, facts = _cart(uow, command.cart_id, command.groups)
    if command.remove:
        cart.remove_line(command.line)
        return
    adjustment = {
        name: value
        for name in ("unit_price", "margin_percent", "discount_percent")
        if (value := getattr(command, name)) is not None
    }
    if command.quantity is None and not adjustment:
        raise CartRefused("nothing to change: give a quantity, a price, a margin or a discount")
    if command.quantity is not None:
        line = cart.change_quantity(command.line, command.quantity)
        priced = price_of(uow, line.sku, facts, line.quantity, known=True)
        cart.reprice_line(line.line_number, priced)
    if adjustment:
        cart.adjust_line(command.line, by=uow.actor.name, reason=command.reason, **adjustment)


def submit_cart(command: commands.SubmitCart, uow: ports.UnitOfWork) -> Submitted:
    if command.submit_as not in SUBMIT_AS:
        raise CartRefused(f"submit the cart as one of {', '.join(SUBMIT_AS)}")
    cart, facts = _cart(uow, command.cart_id, command.groups, lock=True)
    cart.check_submittable()
    view = cart_view(uow, cart, facts)
    if view.shipping_refused:
        raise CartRefused(view.shipping_refused)
    if command.submit_as == "quote":
        submitted = Submitted("quote", _as_quote(uow, cart, facts))
    else:
        submitted = _as_order(uow, cart, view)
    cart.submitted(submitted.submitted_as, submitted.number, datetime.now(UTC))
    return submitted


def cart_view(uow: ports.UnitOfWork, cart: Cart, customer: CustomerFacts) -> CartView:
    """The cart with its totals as they stand today (read only)."""
    subtotal = cart.subtotal()
    discount, discount_refused = ZERO, None
    if cart.discount_code:
        check = uow.sales_desk.check_discount(cart.discount_code, customer.code, subtotal, _today())
        discount_refused = check.refused
        discount = ZERO if check.refused else check.amount
    before = cart.totals(discount, ZERO, ZERO)
    shipping, shipping_refused = ZERO, None
    try:
        if cart.shipping_quote is not None:
            shipping = cart.shipping_quote
        else:
            shipping = shipping_price(uow, cart.shipping_method, before, cart.ship_to)
    except QuoteRefused as refusal:
        shipping_refused = str(refusal)
    tax = uow.sales_desk.tax(cart.ship_to, before.subtotal - before.discount, customer.code)
    totals = cart.totals(discount, shipping, tax)
    return CartView(cart, customer, totals, discount_refused, shipping_refused)


def show_cart(uow: ports.UnitOfWork, cart_id: int, groups: Scope) -> CartView:
    cart, facts = _cart(uow, cart_id, groups)
    return cart_view(uow, cart, facts)


def _as_quote(uow: ports.UnitOfWork, cart: Cart, facts: CustomerFacts) -> str:
    """The cart's lines and prices (adjustments too) as the first version of a quote;
    a discount code applies to orders, so it is kept in the quote's notes."""
    notes = f"From cart {cart.id}" + (
        f"; discount code {cart.discount_code}" if cart.discount_code else ""
    )
    quote = new_quote(uow, facts, kind="commercial", currency=cart.currency, notes=notes)
    version = quote.versions[0]
    version.set_terms(shipping_method=cart.shipping_method, ship_to=cart.ship_to)
    for line in cart.open_lines:
        added = version.add_line(line.priced(), line.quantity)
        if line.overridden:
            added.price_source = line.price_source
            added.override_reason, added.override_by = line.override_reason, line.override_by
    recalculate(uow, version, facts)
    uow.quotes.add(quote)
    record(uow, "quote.create", quote.number, customer=facts.code, cart=cart.id)
    return quote.number


def _as_order(uow: ports.UnitOfWork, cart: Cart, view: CartView) -> Submitted:
    facts = view.customer
    if not cart.payment_method:
        raise CartRefused(f"cart {cart.id} needs a payment method before it is ordered")
    payment = payment_terms(cart.payment_method, cart.po_number, facts)
    if cart.discount_code:
        redeem = commands.RedeemDiscountCode(cart.discount_code, facts.code, cart.subtotal())
        verdict = redeem_discount_code(redeem, uow)
        if not verdict.accepted:
            raise CartRefused(f"discount code {verdict.code}: {verdict.reason}")
    extrinsics = {"cart": str(cart.id)}
    if cart.discount_code:
        extrinsics["discount_code"] = cart.discount_code
    order = make_order(
        uow,
        channel="manual",
        external_id=f"CART{cart.id:06d}",
        source=f"cart/{cart.id}",
        customer=facts,
        currency=cart.currency,
        lines=cart.open_lines,
        totals=view.totals,
        shipping_method=cart.shipping_method,
        ship_to=cart.ship_to or facts.ship_to,
        payment=payment,
        extrinsics=extrinsics,
    )
    invoice = None
    if uow.settings.get(AUTO_INVOICE):
        invoice = create_invoice(commands.CreateInvoice(order.number), uow)
    uow.activity.record(
        "cart.order",
        document_type="order",
        document_id=order.number,
        detail={"cart": cart.id, "invoice": invoice},
    )
    return Submitted("order", order.number, invoice)


def _cart(
    uow: ports.UnitOfWork, cart_id: int, groups: Scope, *, lock: bool = False
) -> tuple[Cart, CustomerFacts]:
    cart = uow.carts.get(cart_id, lock=lock)
    customer = uow.sales_desk.customer_by_id(cart.customer_id) if cart else None
    if cart is None or not check_scope(customer, groups):
        raise NotFound(f"no cart {cart_id}")
    return cart, customer_facts(uow, customer)


def _today() -> date:
    return datetime.now(UTC).date()
