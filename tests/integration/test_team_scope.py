"""Team scope (M-90): a salesperson or sales manager sees and changes only the
customers, and the orders, of their sales teams' customer groups; administrators
and everyone else see all. On both databases, through /api/v1."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from core import commands
from core.canonical import CanonicalOrder, OrderLine
from core.ports import Actor
from core.storage import tables
from hub.access import TokenAuthenticator
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import PASSWORD, ApiClient

SETUP = Actor("system", "setup")
# Team A looks after gov-a, team B after gov-b; gov-m has no team, only a manager.
CUSTOMERS = {
    "A-RACINE": ("gov-a", "Racine Unified School District", "racine-usd"),
    "A-KENOSHA": ("gov-a", "Kenosha County Purchasing", "kenosha-county"),
    "B-MADISON": ("gov-b", "Madison Metro Transit", "madison-metro"),
    "M-GREENBAY": ("gov-m", "Green Bay Water Utility", "greenbay-water"),
}


def order(partner: str, external_id: str) -> CanonicalOrder:
    return CanonicalOrder(
        channel="cxml",
        partner=partner,
        external_order_id=external_id,
        order_date=datetime(2026, 3, 9, 8, 15, tzinfo=UTC),
        currency="USD",
        source_document_id=f"{external_id}@{partner}.example.org",
        buyer_organisation=f"Buyer at {partner}",
        total_amount=Decimal("121.00"),
        lines=(OrderLine(1, Decimal("1"), "EA", unit_price=Decimal("121.00")),),
    )


class World:
    """The app, its API, a token per person, and each order's number by partner."""

    def __init__(self, app) -> None:
        self.app = app
        self.api = ApiClient(app)
        self.tokens: dict[str, str] = {}
        self.orders: dict[str, str] = {}

    def person(self, username: str, profile: str) -> str:
        self.tokens[username] = self.api.token(username, profile)
        return self.tokens[username]

    def run(self, *commands_) -> None:
        for command in commands_:
            self.app.bus.execute(command, SETUP)

    def get(self, who: str, path: str):
        return self.api.get(path, self.tokens[who])

    def post(self, who: str, path: str, body: dict):
        return self.api.post(path, self.tokens[who], body)

    def codes(self, who: str, query: str = "") -> list[str]:
        status, answer = self.get(who, f"/api/v1/customers{query}")
        assert status == 200, answer
        return [c["code"] for c in answer["customers"]]

    def order_numbers(self, who: str) -> set[str]:
        status, answer = self.get(who, "/api/v1/orders")
        assert status == 200, answer
        return {o["number"] for o in answer["orders"]}


@pytest.fixture
def world(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    world = World(app)
    for username, profile in (
        ("admin", "administrator"),
        ("sales_a", "salesperson"),
        ("manager_a", "sales_manager"),
        ("sales_b", "salesperson"),
        ("manager_m", "sales_manager"),
        ("loner", "salesperson"),
        ("picker", "warehouse"),
        ("ledger", "accounting"),
    ):
        world.person(username, profile)
    world.run(
        commands.AddSalesTeam("team-a", "Team A"),
        commands.AddSalesTeam("team-b", "Team B"),
        commands.JoinTeam("team-a", "sales_a"),
        commands.JoinTeam("team-a", "manager_a", "manager"),
        commands.JoinTeam("team-b", "sales_b"),
        commands.AddCustomerGroup("gov-a", "Government A", team="team-a"),
        commands.AddCustomerGroup("gov-b", "Government B", team="team-b"),
        commands.AddCustomerGroup("gov-m", "Managed", manager="manager_m"),
    )
    for code, (group, name, partner) in CUSTOMERS.items():
        world.run(
            commands.AddCustomer(code, name, {"partner_code": partner}, group),
            commands.AddContact(code, {"name": f"Buyer of {name}"}),
        )
    for partner in [p for _, _, p in CUSTOMERS.values()] + ["walk-in"]:
        _, number = app.bus.execute(commands.IngestOrder(order(partner, f"PO-{partner}")))
        world.orders[partner] = number
    yield world
    app.close()


def test_a_salesperson_sees_only_their_teams_customers(world):
    assert world.codes("sales_a") == ["A-KENOSHA", "A-RACINE"]
    assert world.codes("sales_a", "?text=madison") == []
    assert world.codes("sales_a", "?text=buyer") == ["A-KENOSHA", "A-RACINE"]
    assert world.codes("sales_a", "?group=gov-b") == []
    _, counts = world.get("sales_a", "/api/v1/customers/counts")
    assert counts == {"counts": {"customer": 2, "lead": 0}, "total": 2}
    _, groups = world.get("sales_a", "/api/v1/customer-groups")
    assert [g["code"] for g in groups["groups"]] == ["gov-a"]
    assert world.codes("sales_b") == ["B-MADISON"]


def test_another_teams_customer_is_not_found_as_if_it_did_not_exist(world):
    status, hidden = world.get("sales_a", "/api/v1/customers/B-MADISON")
    _, unknown = world.get("sales_a", "/api/v1/customers/NO-SUCH")
    assert status == 404
    assert hidden["detail"] == "no customer B-MADISON"
    assert unknown["detail"] == "no customer NO-SUCH"
    assert world.get("sales_a", "/api/v1/customer-groups/gov-b")[0] == 404
    status, own = world.get("sales_a", "/api/v1/customers/A-RACINE")
    assert status == 200 and own["history"][0]["action"] == "create"


def test_the_export_holds_only_the_scope(world):
    world.run(commands.OverridePermissions("sales_a", grant=("customers.export",)))
    status, raw = world.get("sales_a", "/api/v1/customers/export")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(raw.content.decode())))
    assert [r["code"] for r in rows] == ["A-KENOSHA", "A-RACINE"]
    _, everything = world.get("admin", "/api/v1/customers/export")
    assert everything.content.decode().count("\r\n") == 1 + len(CUSTOMERS)


def test_a_salesperson_sees_only_their_teams_orders(world):
    mine = {world.orders["racine-usd"], world.orders["kenosha-county"]}
    assert world.order_numbers("sales_a") == mine
    _, counts = world.get("sales_a", "/api/v1/orders/counts")
    assert counts["total"] == 2 and counts["counts"]["new"] == 2
    for partner in ("madison-metro", "walk-in"):
        status, problem = world.get("sales_a", f"/api/v1/orders/{world.orders[partner]}")
        assert status == 404 and problem["detail"] == f"no order {world.orders[partner]}"
    status, detail = world.get("sales_a", f"/api/v1/orders/{world.orders['racine-usd']}")
    assert status == 200 and detail["partner"] == "racine-usd"
    assert world.order_numbers("sales_b") == {world.orders["madison-metro"]}


def test_managers_administrators_and_other_staff_see_what_they_should(world):
    assert world.codes("manager_a") == ["A-KENOSHA", "A-RACINE"]
    assert world.order_numbers("manager_a") == {
        world.orders["racine-usd"],
        world.orders["kenosha-county"],
    }
    assert world.codes("manager_m") == ["M-GREENBAY"]  # the group they manage
    assert world.codes("admin") == sorted(CUSTOMERS)
    assert world.order_numbers("admin") == set(world.orders.values())
    assert world.order_numbers("picker") == set(world.orders.values())
    _, counts = world.get("picker", "/api/v1/orders/counts")
    assert counts["total"] == len(world.orders)
    assert world.get("picker", f"/api/v1/orders/{world.orders['walk-in']}")[0] == 200
    assert world.get("picker", "/api/v1/customers")[0] == 403  # no customers.view
    assert world.codes("ledger") == sorted(CUSTOMERS)
    assert world.codes("loner") == []  # in no team, once teams exist
    assert world.order_numbers("loner") == set()


def test_scope_follows_membership(world):
    world.run(commands.JoinTeam("team-b", "sales_a"))
    assert world.codes("sales_a") == ["A-KENOSHA", "A-RACINE", "B-MADISON"]
    world.run(commands.LeaveTeam("team-a", "sales_a"))
    assert world.codes("sales_a") == ["B-MADISON"]
    assert world.get("sales_a", "/api/v1/customers/A-RACINE")[0] == 404
    world.run(commands.ChangeCustomerGroup("gov-a", team="team-b"))
    assert world.codes("sales_a") == ["A-KENOSHA", "A-RACINE", "B-MADISON"]
    assert world.codes("manager_a") == []


def test_a_limited_person_changes_only_what_they_see(world):
    address = {"kind": "billing", "street1": "1 Main St", "city": "Madison", "country": "US"}
    for path, body in (
        ("/api/v1/customers/B-MADISON", {"name": "Renamed"}),
        ("/api/v1/customers/B-MADISON/contacts", {"name": "Intruder"}),
        ("/api/v1/customers/B-MADISON/addresses", address),
        ("/api/v1/customers/A-RACINE", {"group": "gov-b"}),
        ("/api/v1/customers", {"code": "NEW-1", "name": "New", "group": "gov-b"}),
        ("/api/v1/customer-groups/gov-b", {"name": "Mine now"}),
    ):
        status, problem = world.post("sales_a", path, body)
        assert status == 404, (path, problem)
    for path, body, message in (
        ("/api/v1/customers/A-RACINE", {"group": ""}, "stays in one of your customer groups"),
        ("/api/v1/customer-groups/gov-a", {"team": "team-b"}, "only staff who see every"),
        ("/api/v1/customer-groups", {"code": "gov-x", "name": "X"}, "only staff who see every"),
    ):
        status, problem = world.post("sales_a", path, body)
        assert status == 409 and message in problem["detail"], problem
    status, added = world.post("sales_a", "/api/v1/customers", {"code": "NEW-2", "name": "New"})
    assert status == 201 and added["group"]["code"] == "gov-a"  # their only group
    status, lead = world.post("sales_a", "/api/v1/leads", {"code": "LEAD-2", "name": "Lead"})
    assert status == 201 and lead["group"]["code"] == "gov-a"
    status, changed = world.post("sales_a", "/api/v1/customers/A-RACINE", {"phone": "555 0100"})
    assert status == 200 and changed["changed"] == ["phone"]
    world.run(commands.JoinTeam("team-b", "sales_a"))
    status, problem = world.post("sales_a", "/api/v1/customers", {"code": "NEW-3", "name": "X"})
    assert status == 409 and "must be in one of your customer groups" in problem["detail"]
    body = {"code": "NEW-3", "name": "X", "group": "gov-b"}
    assert world.post("sales_a", "/api/v1/customers", body)[0] == 201
    with world.app.engine.connect() as connection:
        madison = connection.execute(
            select(tables.customers.c.name).where(tables.customers.c.code == "B-MADISON")
        ).scalar_one()
    assert madison == "Madison Metro Transit"


def test_the_scope_is_found_when_authenticating_in_one_query(world):
    auth = TokenAuthenticator(world.app.uow_factory)
    with world.app.engine.connect() as connection:
        ids = dict(
            connection.execute(
                select(tables.customer_groups.c.code, tables.customer_groups.c.id)
            ).all()
        )
    statements: list[str] = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(world.app.engine, "before_cursor_execute", seen)
    try:
        principal = auth.authenticate(world.tokens["manager_a"])
    finally:
        event.remove(world.app.engine, "before_cursor_execute", seen)
    assert principal.groups == frozenset({ids["gov-a"]})
    assert len([s for s in statements if "customer_groups" in s]) == 1
    assert auth.authenticate(world.tokens["admin"]).groups is None
    assert auth.authenticate(world.tokens["picker"]).groups is None
    assert auth.authenticate(world.tokens["loner"]).groups == frozenset()
    assert auth.password_login("manager_m", PASSWORD).groups == frozenset({ids["gov-m"]})


def test_nobody_is_limited_before_the_first_sales_team(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    try:
        api = ApiClient(app)
        seller = api.token("tnguyen", "salesperson")
        app.bus.execute(commands.AddCustomer("CUST-1", "Racine Unified"), SETUP)
        _, listed = api.get("/api/v1/customers", seller)
        assert [c["code"] for c in listed["customers"]] == ["CUST-1"]
        app.bus.execute(commands.AddSalesTeam("team-a", "Team A"), SETUP)
        _, listed = api.get("/api/v1/customers", seller)
        assert listed["customers"] == []
    finally:
        app.close()


def test_shipments_and_invoices_follow_the_orders_scope(world):
    own, other = world.orders["racine-usd"], world.orders["madison-metro"]
    numbers = {}
    for order_number in (own, other):
        shipment = world.app.bus.execute(
            commands.RecordShipment(order_number, "UPS", f"1Z{order_number}"), SETUP
        )
        invoice = world.app.bus.execute(commands.CreateInvoice(order_number), SETUP)
        numbers[order_number] = (shipment, invoice)
    _, shipments = world.get("sales_a", "/api/v1/shipments")
    assert [s["order_number"] for s in shipments["shipments"]] == [own]
    _, invoices = world.get("sales_a", "/api/v1/invoices")
    assert [i["order_number"] for i in invoices["invoices"]] == [own]
    hidden_shipment, hidden_invoice = numbers[other]
    assert world.get("sales_a", f"/api/v1/shipments/{hidden_shipment}")[0] == 404
    assert world.get("sales_a", f"/api/v1/invoices/{hidden_invoice}")[0] == 404
    assert world.get("sales_a", f"/api/v1/shipments/{numbers[own][0]}")[0] == 200
    _, everything = world.get("ledger", "/api/v1/invoices")
    assert {i["order_number"] for i in everything["invoices"]} == {own, other}


def test_an_archived_team_no_longer_gives_its_people_its_customers(world):
    assert world.codes("sales_a") == ["A-KENOSHA", "A-RACINE"]
    status, team = world.post("admin", "/api/v1/teams/team-a", {"name": "Team A (South)"})
    assert (status, team["name"], team["changed"]) == (200, "Team A (South)", ["name"])
    status, team = world.post("admin", "/api/v1/teams/team-a", {"archived": True})
    assert (status, team["archived"]) == (200, True)
    assert world.codes("sales_a") == []
    assert world.get("sales_a", f"/api/v1/orders/{world.orders['racine-usd']}")[0] == 404
    assert world.post("sales_a", "/api/v1/teams/team-a", {"archived": False})[0] == 403
    status, team = world.post("admin", "/api/v1/teams/team-a", {"archived": False})
    assert (status, team["archived"], team["changed"]) == (200, False, ["archived"]), team
    assert world.codes("sales_a") == ["A-KENOSHA", "A-RACINE"]
    assert world.post("admin", "/api/v1/teams/team-z", {"name": "Z"})[0] == 404
    with world.app.engine.connect() as connection:
        changes = connection.execute(
            select(tables.history.c.actor, tables.history.c.changes)
            .where(tables.history.c.doc_type == "sales_team", tables.history.c.action == "update")
            .order_by(tables.history.c.id)
        ).all()
    assert [(actor, sorted(change)) for actor, change in changes] == [
        ("admin", ["name"]),
        ("admin", ["archived"]),
        ("admin", ["archived"]),
    ]
