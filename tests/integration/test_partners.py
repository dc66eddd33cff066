"""The partner registry: stored, audited, secrets hashed or sealed, never deleted."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from core import commands
from core.errors import NotFound
from core.model.partners import InvalidPartner
from core.ports import Actor
from core.storage import tables
from core.storage.queries import partner_detail
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.partners import PartnerDirectory
from hub.secrets import SecretBox, SecretUnreadable

STAFF = Actor("staff", "jdoe")
X12_SETTINGS = {
    "x12_qualifier": "ZZ",
    "x12_id": "0071234",
    "x12_group_id": "0071234",
    "our_x12_qualifier": "01",
    "our_x12_id": "008765432",
    "endpoints": {"functional_ack": "https://edi.buyer.example/inbound"},
}


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def add(app, code="agency", channel="x12", settings=None, **secrets):
    command = commands.AddPartner(code, "Agency", channel, settings or X12_SETTINGS, **secrets)
    return app.bus.execute(command, STAFF)


def test_added_partner_is_found_by_its_x12_identity_with_leading_zeros(app):
    add(app, shared_secret="pw")
    directory = PartnerDirectory(app.uow_factory)
    partner = directory.find_x12("ZZ", "0071234")
    assert partner is not None and partner.code == "agency"
    assert directory.find_x12("ZZ", "71234") is None
    assert partner.verify_secret("pw") and not partner.verify_secret("PW")


def test_history_records_who_and_each_change_but_never_a_secret(app):
    box = SecretBox.for_config(app.config)
    add(app, shared_secret="first-secret", outbound_secret=box.seal("we-send-this"))
    app.bus.execute(
        commands.ChangePartner("agency", {"mode": "test"}, shared_secret="second-secret"), STAFF
    )
    detail = partner_detail(app.engine, "agency")
    assert detail["mode"] == "test" and detail["shared_secret_set"]
    created, changed = detail["history"]
    assert (created["action"], created["actor_kind"], created["actor"]) == (
        "create",
        "staff",
        "jdoe",
    )
    assert created["changes"]["x12_id"] == {"old": None, "new": "0071234"}
    assert changed["changes"]["mode"] == {"old": "production", "new": "test"}
    assert changed["changes"]["secret_hash"] == {"old": "(secret)", "new": "(secret)"}
    text = json.dumps(detail)
    for secret in ("first-secret", "second-secret", "we-send-this"):
        assert secret not in text
    with app.engine.connect() as connection:
        stored = connection.execute(select(tables.partners.c.outbound_secret)).scalar_one()
    assert "we-send-this" not in stored and box.open(stored) == "we-send-this"


def test_sealed_secret_does_not_open_with_another_key(app, tmp_path):
    sealed = SecretBox.for_config(app.config).seal("x")
    other = SecretBox.for_config(Config(database_url="", amqp_url=None, data_dir=tmp_path / "o"))
    with pytest.raises(SecretUnreadable):
        other.open(sealed)


def test_endpoint_change_merges_and_clears(app):
    add(app)
    change = {"endpoints": {"invoice": "https://edi.buyer.example/810", "functional_ack": None}}
    app.bus.execute(commands.ChangePartner("agency", change), STAFF)
    assert partner_detail(app.engine, "agency")["endpoints"] == {
        "invoice": "https://edi.buyer.example/810"
    }


@pytest.mark.parametrize(
    ("code", "channel", "settings", "message"),
    [
        ("agency", "x12", {}, "exists already"),
        ("bad code!", "x12", {}, "letters, digits"),
        ("new", "fax", {}, "channel 'fax'"),
        ("new", "x12", {"mode": "staging"}, "mode 'staging'"),
        ("new", "x12", {"endpoints": {"invoice": "ftp://x"}}, "not an http"),
        ("new", "x12", {"color": "red"}, "no setting 'color'"),
    ],
)
def test_bad_partner_settings_are_refused_and_change_nothing(app, code, channel, settings, message):
    add(app)
    with pytest.raises(InvalidPartner, match=message):
        add(app, code=code, channel=channel, settings=settings)
    with app.engine.connect() as connection:
        assert connection.execute(select(tables.partners.c.code)).scalars().all() == ["agency"]


def test_changing_an_unknown_partner_is_not_found(app):
    with pytest.raises(NotFound):
        app.bus.execute(commands.ChangePartner("ghost", {"mode": "test"}), STAFF)


def test_partners_are_never_deleted(app):
    add(app)
    with pytest.raises(Exception, match="never deleted"), app.engine.begin() as connection:
        connection.execute(delete(tables.partners))
