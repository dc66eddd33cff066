"""The payment gateways this hub is configured with, from the environment.

| variable | meaning |
| --- | --- |
| `ORDERB2B_AUTHORIZENET_LOGIN_ID`, `ORDERB2B_AUTHORIZENET_TRANSACTION_KEY` | Authorize.net API credentials (both set: the gateway `authorize_net`) |
| `ORDERB2B_AUTHORIZENET_URL` | its API endpoint; default the sandbox |
| `ORDERB2B_PAYPAL_CLIENT_ID`, `ORDERB2B_PAYPAL_SECRET` | PayPal REST app credentials (both set: the gateway `paypal`) |
| `ORDERB2B_PAYPAL_URL` | its API base; default the sandbox |
| `ORDERB2B_PAYMENT_TIMEOUT` | seconds to wait for a gateway's answer; default 30 |

Plug-ins (entry point group `orderb2b.payment_gateways`) get every ORDERB2B_*
variable. The gateways are built once per distinct configuration, so PayPal's access
token is reused between calls.
"""  # noqa: E501

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from core.ports import PaymentGateway

PREFIX = "ORDERB2B_"


def settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {name: value for name, value in env.items() if name.startswith(PREFIX)}


def gateways(environ: Mapping[str, str] | None = None) -> dict[str, PaymentGateway]:
    """The configured gateways by name (the same objects while the settings stay)."""
    return dict(_gateways(tuple(sorted(settings(environ).items()))))


@functools.lru_cache(maxsize=8)
def _gateways(items: tuple[tuple[str, str], ...]) -> dict[str, PaymentGateway]:
    from adapters.payments import load_gateways

    return load_gateways(dict(items))
