"""Marketplace partners become poll sources only with usable credentials."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet

from core.model.partners import Partner
from hub.pollers.amazon import SpApiSource
from hub.pollers.newegg import NeweggSource
from hub.pollers.sources import PollerSettingsError, marketplace_sources, source_for
from hub.secrets import SecretBox

BOX = SecretBox(Fernet.generate_key())
SPAPI = {
    "client_id": "amzn1.application-oa2-client.1",
    "client_secret": "s",
    "refresh_token": "Atzr|1",
    "marketplace_ids": ["ATVPDKIKX0DER"],
}


def partner(code, channel, credentials, **endpoints) -> Partner:
    found = Partner(code, code, channel)
    found.change(endpoints=endpoints)
    if credentials is not None:
        sealed = credentials if isinstance(credentials, str) else json.dumps(credentials)
        found.set_outbound_secret(BOX.seal(sealed))
    return found


def test_polled_partners_become_sources_and_others_are_left_out():
    partners = [
        partner("amazon-us", "spapi", SPAPI, poll="https://sp.example", token="https://t.example"),
        partner("newegg-us", "newegg", {"seller_id": "A1", "authorization": "k", "secret_key": "s"},
                poll="https://api.newegg.example"),
        partner("no-poll", "newegg", {"seller_id": "A1", "authorization": "k", "secret_key": "s"}),
        partner("gsa", "cxml", None),
    ]  # fmt: skip
    sources = marketplace_sources(partners, BOX)
    assert [(type(s), s.partner) for s in sources] == [
        (SpApiSource, "amazon-us"),
        (NeweggSource, "newegg-us"),
    ]


@pytest.mark.parametrize(
    ("credentials", "endpoints", "message"),
    [
        (None, {"token": "https://t.example"}, "has no credentials"),
        ('["a"]', {"token": "https://t.example"}, "not a JSON object"),
        ("{not json", {"token": "https://t.example"}, "not JSON"),
        ({**SPAPI, "refresh_token": ""}, {"token": "https://t.example"}, "lack refresh_token"),
        ({**SPAPI, "marketplace_ids": "ATVPDKIKX0DER"}, {"token": "https://t.example"}, "a list"),
        (SPAPI, {}, "needs a token endpoint"),
    ],
)
def test_unusable_settings_are_refused_with_the_reason(credentials, endpoints, message):
    bad = partner("amazon-ca", "spapi", credentials, poll="https://sp.example", **endpoints)
    with pytest.raises(PollerSettingsError, match=message):
        source_for(bad, BOX)
    assert marketplace_sources([bad], BOX) == []
