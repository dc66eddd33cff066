"""/api/v1 carrier rate estimates (FedEx, then the table of shipping ranges) and
4x6 shipping labels for what we ship ourselves."""

from __future__ import annotations

from decimal import Decimal

from core import commands
from core.canonical import Parcel, RateRequest, address_of
from hub import carriers
from hub.api.bodies import address_field as _address
from hub.api.bodies import decimal_value as _decimal
from hub.api.bodies import path_number as _number
from hub.api.bodies import scope_of
from hub.api.bodies import text_field as _text
from hub.api.common import BadQuery, Raw, Route, actor_of, date_field
from hub.api.quote_routes import cart_answer

OBJECT = {"type": "object"}
PARCELS = {"type": "array", "items": {"type": "object"}}


def estimate_rates(app, principal, params, query, body):
    ship_to = _address(body, "ship_to")
    if not ship_to or not ship_to.get("postal_code") or not ship_to.get("country"):
        raise BadQuery("ship_to needs at least postal_code and country")
    origin = _address(body, "ship_from")
    request = RateRequest(
        ship_from=address_of(origin) if origin else carriers.ship_from(),
        ship_to=address_of(ship_to),
        parcels=_parcels(body),
        currency=_text(body, "currency") or "USD",
        ship_date=date_field(body, "ship_date"),
        order_value=_decimal(body, "order_value"),
        service=_text(body, "service"),
    )
    return 200, carriers.estimate(app, request)


def _parcels(body: dict) -> tuple[Parcel, ...]:
    parcels = body.get("parcels")
    if not isinstance(parcels, list) or not parcels or len(parcels) > 99:
        raise BadQuery("parcels: 1 to 99 of {weight, weight_unit, length, width, height}")
    found = []
    for n, parcel in enumerate(parcels, start=1):
        if not isinstance(parcel, dict):
            raise BadQuery(f"parcel {n} must be an object")
        weight = _decimal(parcel, "weight")
        if weight is None or weight <= 0:
            raise BadQuery(f"parcel {n} needs a weight above 0")
        unit = _text(parcel, "weight_unit") or "LB"
        if unit not in ("LB", "KG"):
            raise BadQuery(f"parcel {n}: weight_unit is LB or KG")
        dimensions = {name: _decimal(parcel, name) for name in ("length", "width", "height")}
        found.append(Parcel(weight, unit, **dimensions))
    return tuple(found)


def cart_rates(app, principal, params, query, body):
    """The carriers' rates for a cart (its ship-to, weight and value); with `choose`,
    the chosen rate becomes the cart's shipping (method and amount)."""
    cart_id = _number(params["id"], "cart")
    cart = cart_answer(app, cart_id, scope_of(principal))
    ship_to = cart["ship_to"] or {}
    if not ship_to.get("postal_code") or not ship_to.get("country"):
        raise BadQuery("the cart's ship-to needs a postal code and a country for carrier rates")
    weight = Decimal(cart["totals"]["weight"] or 0)
    request = RateRequest(
        ship_from=carriers.ship_from(),
        ship_to=address_of(ship_to),
        parcels=(Parcel(weight if weight > 0 else Decimal(1)),),
        currency=cart["currency"],
        order_value=Decimal(cart["totals"]["subtotal"]),
    )
    estimate = carriers.estimate(app, request)
    choice = body.get("choose")
    if choice is not None:
        quote = _chosen(estimate["quotes"], choice)
        command = commands.ChangeCart(
            cart_id,
            shipping_method=f"{quote['carrier']} {quote['service_name']}",
            shipping_quote=Decimal(quote["amount"]),
            groups=scope_of(principal),
        )
        app.bus.execute(command, actor_of(principal))
        cart = cart_answer(app, cart_id, scope_of(principal))
    return 200, {**estimate, "cart": cart}


def _chosen(quotes: list[dict], choice) -> dict:
    if not isinstance(choice, dict):
        raise BadQuery("choose must be an object: {carrier, service}")
    for quote in quotes:
        if (quote["carrier"], quote["service"]) == (choice.get("carrier"), choice.get("service")):
            return quote
    raise BadQuery(f"no rate of {choice.get('carrier')} {choice.get('service')} for this cart")


def shipment_label(app, principal, params, query):
    pdf = carriers.shipment_label(app, params["number"], scope_of(principal))
    return 200, Raw("application/pdf", pdf, f"{params['number']}-label.pdf")


SHIPPING_ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/api/v1/shipping/rates",
        "orders.view",
        "Rate estimates: the configured carriers' (FedEx) and the shipping ranges', cheapest"
        " first; a carrier that fails is listed in failures and the table still answers",
        estimate_rates,
        body=(
            ("ship_to", "address: postal_code and country at least", OBJECT),
            ("ship_from", "address; default the hub's ORDERB2B_SHIP_FROM_*", OBJECT),
            ("parcels", "[{weight, weight_unit LB|KG, length, width, height}]", PARCELS),
            ("order_value", "for ranges priced by order value"),
            ("currency", "ISO 4217, default USD"),
            ("ship_date", "YYYY-MM-DD"),
            ("service", "one service only, e.g. FEDEX_GROUND"),
        ),
    ),
    Route(
        "POST",
        "/api/v1/carts/{id}/carrier-rates",
        "quotes.send",
        "Carriers' rates for the cart; `choose` one to make it the cart's shipping",
        cart_rates,
        body=(("choose", "{carrier, service} of one of the quotes", OBJECT),),
    ),
    Route(
        "GET",
        "/api/v1/shipments/{number}/label",
        "shipments.view",
        "The shipment's 4x6 shipping label (PDF) with its tracking number as Code 128",
        shipment_label,
        media_types=("application/pdf",),
    ),
)
