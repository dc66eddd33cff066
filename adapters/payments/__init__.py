"""Payment gateways behind one interface (core.ports.PaymentGateway): Authorize.net,
PayPal, and plug-ins.

A plug-in is a Python distribution with an entry point in the group
`orderb2b.payment_gateways`: a factory that takes the settings mapping and returns
an object with `name` and `execute(request) -> PaymentResult` (optionally
`needs_token`). A plug-in that fails to load, lacks either, or takes a name already
used is left out and logged; it never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import entry_points

from adapters.payments.authorize_net import SANDBOX_URL as AUTHORIZE_NET_SANDBOX
from adapters.payments.authorize_net import AuthorizeNet
from adapters.payments.paypal import SANDBOX_URL as PAYPAL_SANDBOX
from adapters.payments.paypal import PayPal
from core.ports import PaymentGateway

log = logging.getLogger("orderb2b.payments")
ENTRY_POINT_GROUP = "orderb2b.payment_gateways"
RESERVED = frozenset({"manual"})  # money received by hand, recorded without a gateway
DEFAULT_TIMEOUT = 30.0

__all__ = ["ENTRY_POINT_GROUP", "AuthorizeNet", "PayPal", "built_in_gateways", "load_gateways"]


def load_gateways(settings: Mapping[str, str]) -> dict[str, PaymentGateway]:
    """The built-in gateways the settings configure, then every plug-in."""
    gateways = built_in_gateways(settings)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            gateway = entry.load()(settings)
        except Exception:  # a broken plug-in is left out, not fatal
            log.exception("payment gateway plug-in failed to load", extra={"entry": entry.name})
            continue
        name = getattr(gateway, "name", None)
        if not isinstance(name, str) or not name or not callable(getattr(gateway, "execute", None)):
            log.error("payment gateway plug-in has no name or execute", extra={"entry": entry.name})
        elif name in gateways or name in RESERVED:
            log.error("payment gateway plug-in name already taken", extra={"gateway": name})
        else:
            gateways[name] = gateway
    return gateways


def built_in_gateways(settings: Mapping[str, str]) -> dict[str, PaymentGateway]:
    """Authorize.net when its login id and transaction key are set, PayPal when its
    client id and secret are; each against its sandbox unless a URL is given."""
    timeout = float(settings.get("ORDERB2B_PAYMENT_TIMEOUT") or DEFAULT_TIMEOUT)
    gateways: dict[str, PaymentGateway] = {}
    login, key = (
        settings.get(f"ORDERB2B_AUTHORIZENET_{n}") for n in ("LOGIN_ID", "TRANSACTION_KEY")
    )
    if login and key:
        url = settings.get("ORDERB2B_AUTHORIZENET_URL") or AUTHORIZE_NET_SANDBOX
        gateways[AuthorizeNet.name] = AuthorizeNet(url, login, key, timeout=timeout)
    client, secret = (settings.get(f"ORDERB2B_PAYPAL_{n}") for n in ("CLIENT_ID", "SECRET"))
    if client and secret:
        url = settings.get("ORDERB2B_PAYPAL_URL") or PAYPAL_SANDBOX
        gateways[PayPal.name] = PayPal(url, client, secret, timeout=timeout)
    return gateways
