"""A poller per marketplace account in the partner registry.

A marketplace partner (channel mws, spapi or newegg) is polled when it has a
`poll` endpoint; its credentials are its sealed outbound secret, a JSON object:

- mws:    {"seller_id", "access_key_id", "secret_key", "marketplace_ids": [...], "auth_token"?}
- spapi:  {"client_id", "client_secret", "refresh_token", "marketplace_ids": [...]}
          plus a `token` endpoint (Login with Amazon)
- newegg: {"seller_id", "authorization", "secret_key"}
"""

from __future__ import annotations

import json
import logging

from core.errors import OrderB2BError
from core.model.partners import Partner
from hub.pollers.amazon import MwsSource, SpApiSource
from hub.pollers.base import Source
from hub.pollers.newegg import NeweggSource
from hub.secrets import SecretBox

log = logging.getLogger("orderb2b.pollers")

MARKETPLACES = ("mws", "spapi", "newegg")
REQUIRED = {
    "mws": ("seller_id", "access_key_id", "secret_key", "marketplace_ids"),
    "spapi": ("client_id", "client_secret", "refresh_token", "marketplace_ids"),
    "newegg": ("seller_id", "authorization", "secret_key"),
}


class PollerSettingsError(OrderB2BError):
    """A marketplace partner's credentials or endpoints are not usable."""


def marketplace_sources(partners: list[Partner], box: SecretBox) -> list[Source]:
    """Sources for every polled partner; one with bad settings is logged and skipped,
    so it cannot stop the others."""
    sources = []
    for partner in partners:
        if partner.channel not in MARKETPLACES or partner.archived or not partner.endpoint("poll"):
            continue
        try:
            sources.append(source_for(partner, box))
        except OrderB2BError as error:
            log.error(
                "marketplace not polled", extra={"partner": partner.code, "error": str(error)}
            )
    return sources


def source_for(partner: Partner, box: SecretBox) -> Source:
    credentials = _credentials(partner, box)
    base_url = partner.endpoint("poll")
    if partner.channel == "mws":
        return MwsSource(
            base_url,
            credentials["seller_id"],
            credentials["access_key_id"],
            credentials["secret_key"],
            credentials["marketplace_ids"],
            auth_token=credentials.get("auth_token"),
            partner=partner.code,
        )
    if partner.channel == "spapi":
        token_url = partner.endpoint("token")
        if not token_url:
            raise PollerSettingsError(f"partner {partner.code} needs a token endpoint")
        return SpApiSource(
            base_url,
            token_url,
            credentials["client_id"],
            credentials["client_secret"],
            credentials["refresh_token"],
            credentials["marketplace_ids"],
            partner=partner.code,
        )
    return NeweggSource(
        base_url,
        credentials["seller_id"],
        credentials["authorization"],
        credentials["secret_key"],
        partner=partner.code,
    )


def _credentials(partner: Partner, box: SecretBox) -> dict:
    if not partner.outbound_secret:
        raise PollerSettingsError(f"partner {partner.code} has no credentials")
    try:
        credentials = json.loads(box.open(partner.outbound_secret))
    except json.JSONDecodeError as error:
        raise PollerSettingsError(f"partner {partner.code}: credentials are not JSON") from error
    if not isinstance(credentials, dict):
        raise PollerSettingsError(f"partner {partner.code}: credentials are not a JSON object")
    missing = [name for name in REQUIRED[partner.channel] if not credentials.get(name)]
    if missing:
        raise PollerSettingsError(f"partner {partner.code}: credentials lack {', '.join(missing)}")
    ids = credentials.get("marketplace_ids", ["not asked for"])
    if not isinstance(ids, list) or not all(isinstance(i, str) and i.strip() for i in ids):
        raise PollerSettingsError(
            f"partner {partner.code}: marketplace_ids must be a list of marketplace ids"
        )
    return credentials
