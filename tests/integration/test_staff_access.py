"""Staff accounts, API tokens, profiles, per-person permissions and the activity log,
on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, update

from core import commands
from core.access import (
    DEFAULT_PROFILES,
    PERMISSIONS,
    AccessError,
    DuplicateStaff,
    Principal,
    UnknownPermission,
    UnknownProfile,
    WeakPassword,
)
from core.errors import NotFound
from core.model.staff import hash_password_scrypt
from core.ports import Actor
from core.storage import tables
from core.storage.activity import list_activity, record
from core.storage.staff_queries import list_profiles, profile_detail, staff_detail
from hub.access import TokenAuthenticator
from hub.bootstrap import bootstrap
from hub.config import Config

SETUP = Actor("system", "setup")
ADMIN = Actor("staff", "mgarcia")
PASSWORD = "correct horse battery"


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    app.bus.execute(
        commands.AddStaff(
            "mgarcia", "Maria Garcia", PASSWORD, "m.garcia@acme-supply.example", "administrator"
        ),
        SETUP,
    )
    yield app
    app.close()


@pytest.fixture
def auth(app):
    return TokenAuthenticator(app.uow_factory)


def add(app, username="tnguyen", profile="salesperson", **options):
    command = commands.AddStaff(
        username, "Thanh Nguyen", PASSWORD, "t.nguyen@acme-supply.example", profile, **options
    )
    return app.bus.execute(command, ADMIN)


def issue(app, username="tnguyen", label="ERP order export", **options):
    return app.bus.execute(commands.IssueApiToken(username, label, **options), ADMIN)


def token_rows(app) -> list:
    with app.engine.connect() as connection:
        return connection.execute(select(tables.api_tokens).order_by("id")).all()


def counts(app) -> dict[str, object]:
    with app.engine.connect() as connection:
        numbers = {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in tables.metadata.tables.items()
            if name in ("staff", "api_tokens", "activity_log", "history")
        }
    return numbers | {"profiles": list_profiles(app.engine)}


def test_the_migration_seeds_the_standard_profiles(app):
    profiles = list_profiles(app.engine)
    assert [p["name"] for p in profiles] == list(DEFAULT_PROFILES)
    for profile in profiles:
        assert set(profile["permissions"]) == DEFAULT_PROFILES[profile["name"]]
        assert not profile["changed"] and profile["added_to_default"] == []
    assert set(DEFAULT_PROFILES["administrator"]) == set(PERMISSIONS)


def test_added_staff_signs_in_with_the_profile_permissions(app, auth):
    staff_id = add(app)
    principal = auth.password_login("tnguyen", PASSWORD)
    assert principal == Principal(staff_id, "tnguyen", DEFAULT_PROFILES["salesperson"], False)
    assert principal.can("quotes.send") and not principal.can("staff.manage")
    assert auth.password_login("tnguyen", PASSWORD.upper()) is None
    assert auth.password_login("nobody", PASSWORD) is None
    detail = staff_detail(app.engine, "tnguyen")
    assert "password_hash" not in detail
    assert detail["permissions"] == sorted(DEFAULT_PROFILES["salesperson"])
    with app.engine.connect() as connection:
        stored = connection.execute(
            select(tables.staff.c.password_hash).where(tables.staff.c.id == staff_id)
        ).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_an_administrator_can_everything(app, auth):
    add(app, "jchen", profile="warehouse", is_admin=True)
    principal = auth.password_login("jchen", PASSWORD)
    assert principal.is_admin and principal.permissions == frozenset(PERMISSIONS)
    assert principal.can("staff.manage") and principal.can("invoices.bulk")


def test_a_token_is_shown_once_kept_as_a_hash_and_authenticates(app, auth):
    staff_id = add(app)
    token = issue(app)
    assert token.startswith("ob2b_") and len(token) >= 45
    (row,) = token_rows(app)
    assert (row.staff_id, row.label, row.lookup) == (staff_id, "ERP order export", token[5:13])
    assert row.token_hash != token and row.revoked_at is None and row.last_used_at is None
    principal = auth.authenticate(token)
    assert principal.username == "tnguyen" and principal.can("orders.view")
    assert token_rows(app)[0].last_used_at is not None
    everything = json.dumps(staff_detail(app.engine, "tnguyen")) + json.dumps(
        list_activity(app.engine)
    )
    assert token not in everything and row.token_hash not in everything
    assert staff_detail(app.engine, "tnguyen")["tokens"][0]["label"] == "ERP order export"


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "ob2b_short",
        "Bearer something",
        "xxxx_" + "a" * 43,
    ],
)
def test_malformed_tokens_do_not_authenticate(app, auth, forged):
    add(app)
    issue(app)
    assert auth.authenticate(forged) is None


def test_a_token_with_the_right_lookup_but_a_wrong_tail_is_refused(app, auth):
    add(app)
    token = issue(app)
    tail = "A" if token[-1] != "A" else "B"
    assert auth.authenticate(token[:-1] + tail) is None


def test_revoked_and_expired_tokens_do_not_authenticate(app, auth):
    add(app)
    revoked = issue(app, label="old integration")
    expired = issue(app, label="trial", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    later = issue(app, label="pilot", expires_at=datetime.now(UTC) + timedelta(days=30))
    first_id = token_rows(app)[0].id
    app.bus.execute(commands.RevokeApiToken("tnguyen", first_id), ADMIN)
    assert auth.authenticate(revoked) is None
    assert auth.authenticate(expired) is None
    assert auth.authenticate(later).username == "tnguyen"
    with pytest.raises(NotFound, match="no API token 999"):
        app.bus.execute(commands.RevokeApiToken("tnguyen", 999), ADMIN)
    with pytest.raises(NotFound):
        app.bus.execute(commands.RevokeApiToken("mgarcia", first_id), ADMIN)


def test_disabled_staff_cannot_authenticate_nor_get_tokens(app, auth):
    add(app)
    token = issue(app)
    app.bus.execute(commands.DisableStaff("tnguyen"), ADMIN)
    assert auth.authenticate(token) is None
    assert auth.password_login("tnguyen", PASSWORD) is None
    with pytest.raises(AccessError, match="disabled"):
        issue(app)
    assert staff_detail(app.engine, "tnguyen")["active"] is False


def test_changed_profile_applies_to_its_staff_and_restores(app, auth):
    add(app)
    app.bus.execute(
        commands.ChangeProfile("salesperson", grant=("invoices.manage",), revoke=("quotes.send",)),
        ADMIN,
    )
    principal = auth.password_login("tnguyen", PASSWORD)
    assert principal.can("invoices.manage") and not principal.can("quotes.send")
    detail = profile_detail(app.engine, "salesperson")
    assert detail["changed"]
    assert (detail["added_to_default"], detail["removed_from_default"]) == (
        ["invoices.manage"],
        ["quotes.send"],
    )
    app.bus.execute(commands.RestoreProfile("salesperson"), ADMIN)
    assert auth.password_login("tnguyen", PASSWORD).permissions == DEFAULT_PROFILES["salesperson"]
    detail = profile_detail(app.engine, "salesperson")
    assert not detail["changed"]
    changed, restored = detail["history"]
    assert (changed["actor_kind"], changed["actor"]) == ("staff", "mgarcia")
    assert "quotes.send" not in changed["changes"]["permissions"]["new"]
    assert "quotes.send" in restored["changes"]["permissions"]["new"]


def test_overrides_grant_and_revoke_for_one_person(app, auth):
    add(app)
    add(app, "rpatel")
    app.bus.execute(
        commands.OverridePermissions(
            "tnguyen", grant=("purchasing.manage",), revoke=("orders.edit",)
        ),
        ADMIN,
    )
    principal = auth.password_login("tnguyen", PASSWORD)
    assert principal.can("purchasing.manage") and not principal.can("orders.edit")
    assert auth.password_login("rpatel", PASSWORD).permissions == DEFAULT_PROFILES["salesperson"]
    app.bus.execute(commands.OverridePermissions("tnguyen", grant=("orders.edit",)), ADMIN)
    detail = staff_detail(app.engine, "tnguyen")
    assert detail["permission_overrides"] == {
        "grant": ["orders.edit", "purchasing.manage"],
        "revoke": [],
    }
    assert auth.password_login("tnguyen", PASSWORD).can("orders.edit")


@pytest.mark.parametrize(
    ("command", "error", "message"),
    [
        (commands.AddStaff("mgarcia", "Maria G.", PASSWORD), DuplicateStaff, "exists already"),
        (commands.AddStaff("lkim", "Lee Kim", "short-pw"), WeakPassword, "12 characters"),
        (
            commands.AddStaff("lkim", "Lee Kim", PASSWORD, profile="intern"),
            UnknownProfile,
            "intern",
        ),
        (commands.AddStaff("l kim", "Lee Kim", PASSWORD), AccessError, "username"),
        (commands.ChangeProfile("intern", grant=("orders.view",)), UnknownProfile, "intern"),
        (
            commands.ChangeProfile("warehouse", grant=("orders.delete",)),
            UnknownPermission,
            "orders.delete",
        ),
        (
            commands.ChangeProfile("warehouse", grant=("orders.edit",), revoke=("orders.edit",)),
            AccessError,
            "both grant and revoke orders.edit",
        ),
        (commands.ChangeProfile("warehouse"), AccessError, "nothing to change"),
        (commands.OverridePermissions("mgarcia", grant=("root",)), UnknownPermission, "root"),
        (commands.OverridePermissions("ghost", grant=("orders.view",)), NotFound, "ghost"),
        (commands.DisableStaff("ghost"), NotFound, "no staff member ghost"),
        (commands.IssueApiToken("mgarcia", "  "), AccessError, "label"),
        (commands.RestoreProfile("intern"), UnknownProfile, "intern"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(app, command, error, message):
    before = counts(app)
    with pytest.raises(error, match=message):
        app.bus.execute(command, ADMIN)
    assert counts(app) == before


def test_history_of_staff_changes_hides_password_and_token_hashes(app):
    staff_id = add(app)
    token = issue(app)
    app.bus.execute(commands.DisableStaff("tnguyen"), ADMIN)
    history = staff_detail(app.engine, "tnguyen")["history"]
    assert [(h["entity"], h["action"]) for h in history] == [
        ("staff", "create"),
        ("api_token", "create"),
        ("staff", "update"),
    ]
    created, token_created, disabled = history
    assert created["entity_id"] == staff_id and created["actor"] == "mgarcia"
    assert created["changes"]["password_hash"] == {"old": None, "new": "(secret)"}
    assert created["changes"]["profile"] == {"old": None, "new": "salesperson"}
    assert token_created["changes"]["token_hash"] == {"old": None, "new": "(secret)"}
    assert token_created["changes"]["lookup"]["new"] == token[5:13]
    assert disabled["changes"] == {"active": {"old": True, "new": False}}
    assert PASSWORD not in json.dumps(history) and token not in json.dumps(history)


def test_an_old_scrypt_hash_verifies_and_becomes_argon2id(app, auth):
    staff_id = add(app)
    with app.engine.begin() as connection:
        connection.execute(
            update(tables.staff)
            .where(tables.staff.c.id == staff_id)
            .values(password_hash=hash_password_scrypt(PASSWORD))
        )
    assert auth.password_login("tnguyen", "wrong password!") is None
    assert auth.password_login("tnguyen", PASSWORD).staff_id == staff_id
    with app.engine.connect() as connection:
        stored = connection.execute(
            select(tables.staff.c.password_hash).where(tables.staff.c.id == staff_id)
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    upgrade = staff_detail(app.engine, "tnguyen")["history"][-1]
    assert upgrade["changes"] == {"password_hash": {"old": "(secret)", "new": "(secret)"}}
    assert auth.password_login("tnguyen", PASSWORD).staff_id == staff_id


def test_staff_commands_are_in_the_activity_log_as_who_did_them(app):
    add(app)
    issue(app)
    token_id = token_rows(app)[0].id
    app.bus.execute(commands.RevokeApiToken("tnguyen", token_id), ADMIN)
    app.bus.execute(commands.ChangeProfile("warehouse", grant=("invoices.view",)), ADMIN)
    entries = list_activity(app.engine, username="mgarcia")
    assert [e["action"] for e in entries] == [
        "profiles.change",
        "staff.token_revoke",
        "staff.token_issue",
        "staff.add",
    ]
    assert {e["staff_id"] for e in entries} == {staff_detail(app.engine, "mgarcia")["id"]}
    assert entries[1]["detail"] == {"token_id": token_id}
    assert entries[2]["detail"] == {"token_id": token_id, "label": "ERP order export"}
    assert entries[3]["document_type"] == "staff" and entries[3]["document_id"] == "tnguyen"
    setup = list_activity(app.engine, username="system:setup")
    assert [(e["action"], e["staff_id"]) for e in setup] == [("staff.add", None)]


def test_activity_is_listed_newest_first_and_filtered(app, auth):
    add(app)
    seller = auth.password_login("tnguyen", PASSWORD)
    admin = auth.password_login("mgarcia", PASSWORD)
    record(app.engine, seller, "orders.list", detail={"status": "new"}, remote_addr="10.4.0.17")
    record(app.engine, seller, "orders.show", document_type="order", document_id="SO0000042")
    with app.engine.begin() as connection:
        record(connection, admin, "customers.show", document_type="customer", document_id=7)
    record(app.engine, admin, "orders.show", document_type="order", document_id="SO0000043")

    everything = list_activity(app.engine)
    assert [e["action"] for e in everything][:4] == [
        "orders.show",
        "customers.show",
        "orders.show",
        "orders.list",
    ]
    mine = list_activity(app.engine, username="tnguyen")
    assert [e["action"] for e in mine] == ["orders.show", "orders.list"]
    assert mine[1]["detail"] == {"status": "new"} and mine[1]["remote_addr"] == "10.4.0.17"
    assert mine[1]["staff_id"] == seller.staff_id
    orders = list_activity(app.engine, document_type="order")
    assert [e["document_id"] for e in orders] == ["SO0000043", "SO0000042"]
    one = list_activity(app.engine, document_type="customer", document_id="7")
    assert [e["username"] for e in one] == ["mgarcia"]
    assert len(list_activity(app.engine, limit=2)) == 2

    cut = datetime.fromisoformat(everything[1]["at"])
    cut = cut if cut.tzinfo else cut.replace(tzinfo=UTC)
    newer = list_activity(app.engine, since=cut)
    assert [e["action"] for e in newer] == ["orders.show", "customers.show"]
    older = list_activity(app.engine, until=cut)
    assert "customers.show" not in [e["action"] for e in older]
    in_new_york = cut.astimezone(ZoneInfo("America/New_York"))
    assert list_activity(app.engine, since=in_new_york) == newer
    assert list_activity(app.engine, since=datetime.now(UTC) + timedelta(hours=1)) == []


@pytest.mark.parametrize("table", ["api_tokens", "profiles", "activity_log", "staff"])
def test_access_records_are_never_deleted(app, table):
    add(app)
    issue(app)
    record(app.engine, Actor("system", "orderb2b"), "orders.list")
    with pytest.raises(Exception, match=r"never deleted|archived"), app.engine.begin() as c:
        c.execute(delete(tables.metadata.tables[table]))


def test_new_permissions_reach_unchanged_profiles_only(sqlite_url):
    """Migration 0007 brings profiles an administrator left alone up to the new
    defaults and leaves a changed one as the administrator made it."""
    from core.storage.engine import make_engine
    from core.storage.migrate import upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine, "0006")
    profiles = tables.profiles
    with engine.begin() as connection:
        connection.execute(
            update(profiles)
            .where(profiles.c.name == "warehouse")
            .values(permissions=["orders.view"], changed=True)
        )
    upgrade(engine)
    with engine.connect() as connection:
        stored = dict(connection.execute(select(profiles.c.name, profiles.c.permissions)).all())
    engine.dispose()
    assert stored["warehouse"] == ["orders.view"]
    assert set(stored["salesperson"]) == DEFAULT_PROFILES["salesperson"]
    assert set(stored["administrator"]) == set(PERMISSIONS)
