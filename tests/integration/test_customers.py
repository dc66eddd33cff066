"""Customers, contacts, addresses, leads, customer groups and sales teams through
/api/v1, and orders linked to their customers on ingest; on both databases."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from core import commands
from core.canonical import CanonicalOrder, Contact, OrderLine
from core.errors import DeletionRefused
from core.model.customers import CustomerContact
from core.ports import Actor
from core.storage import tables
from core.storage.queries import order_detail
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient

SETUP = Actor("system", "setup")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def admin(api):
    return api.token("mgarcia", "administrator")


def add_group(api, token, code="gov-east", **fields):
    status, answer = api.post(
        "/api/v1/customer-groups", token, {"code": code, "name": code.title(), **fields}
    )
    assert status == 201, answer
    return answer


def add_customer(api, token, code="CUST-000417", **fields):
    body = {"code": code, "name": "Lakeshore Unified School District", **fields}
    status, answer = api.post("/api/v1/customers", token, body)
    assert status == 201, answer
    return answer


def order(partner: str, external_id: str) -> CanonicalOrder:
    return CanonicalOrder(
        channel="cxml",
        partner=partner,
        external_order_id=external_id,
        order_date=datetime(2026, 3, 9, 8, 15, tzinfo=UTC),
        currency="USD",
        source_document_id=f"{external_id}@{partner}.example.org",
        buyer_organisation="Lakeshore Unified School District",
        buyer_contact=Contact("Renata Okafor", "r.okafor@lakeshoreschools.example.org"),
        total_amount=Decimal("458.40"),
        lines=(OrderLine(1, Decimal("12"), "CS", unit_price=Decimal("38.20")),),
    )


def test_a_customer_with_terms_contacts_and_addresses(api, admin):
    add_group(api, admin, price_level="gsa", discount_percent="7.5", newsletter=True)
    created = add_customer(
        api,
        admin,
        group="gov-east",
        email="purchasing@lakeshoreschools.example.org",
        phone="+1 262 555 0140",
        tax_exempt=True,
        tax_exempt_id="WI-ES-0042",
        net_terms_days=30,
        credit_limit="25000.00",
        discount_percent="2.5",
        website="https://lakeshoreschools.example.org",
    )
    assert created["status"] == "customer"
    assert (created["tax_exempt"], created["net_terms_days"]) == (True, 30)
    assert (created["credit_limit"], created["discount_percent"]) == ("25000.00", "2.5")
    assert created["group"] == {
        "code": "gov-east",
        "name": "Gov-East",
        "price_level": "gsa",
        "discount_percent": "7.5",
        "newsletter": True,
        "team": None,
        "manager": None,
    }

    path = "/api/v1/customers/CUST-000417"
    status, first = api.post(
        f"{path}/contacts", admin, {"name": "Renata Okafor", "is_primary": True}
    )
    assert status == 201 and first["contact"]["is_primary"]
    dale = {"name": "Dale Whitman", "role": "Accounts payable", "is_primary": True}
    _, second = api.post(f"{path}/contacts", admin, dale)
    billing = {
        "kind": "billing",
        "street1": "600 Williams St",
        "city": "Racine",
        "state": "WI",
        "postal_code": "53403",
        "country": "us",
        "is_default": True,
    }
    status, bill = api.post(f"{path}/addresses", admin, billing)
    assert status == 201 and bill["address"]["country"] == "US"
    _, ship = api.post(
        f"{path}/addresses",
        admin,
        {**billing, "kind": "shipping", "street1": "2210 Harbor Point Dr"},
    )
    _, second_bill = api.post(f"{path}/addresses", admin, {**billing, "street1": "PO Box 80"})

    status, detail = api.get(path, admin)
    assert status == 200
    primary = {c["name"]: c["is_primary"] for c in detail["contacts"]}
    assert primary == {"Renata Okafor": False, "Dale Whitman": True}
    defaults = {(a["kind"], a["street1"]): a["is_default"] for a in detail["addresses"]}
    assert defaults == {
        ("billing", "600 Williams St"): False,
        ("shipping", "2210 Harbor Point Dr"): True,
        ("billing", "PO Box 80"): True,
    }
    assert second["contact"]["id"] != first["contact"]["id"]
    assert ship["address"]["is_default"] and second_bill["address"]["is_default"]


def test_the_history_of_a_customer_lists_every_change_with_actor_and_values(api, admin):
    add_group(api, admin, "gov-east")
    add_group(api, admin, "gov-west")
    add_customer(api, admin, group="gov-east", credit_limit="10000")
    path = "/api/v1/customers/CUST-000417"
    seller = api.token("dfarrell", "sales_manager")
    status, changed = api.post(path, seller, {"credit_limit": "15000.00", "phone": "262 555 0199"})
    assert status == 200 and sorted(changed["changed"]) == ["credit_limit", "phone"]
    _, contact = api.post(f"{path}/contacts", seller, {"name": "Renata Okafor", "role": "Buyer"})
    _, address = api.post(
        f"{path}/addresses",
        admin,
        {"kind": "shipping", "street1": "2210 Harbor Point Dr", "city": "Racine", "country": "US"},
    )
    address_id = address["address"]["id"]
    status, moved = api.post(f"{path}/addresses/{address_id}", seller, {"city": "Kenosha"})
    assert status == 200 and moved["changed"] == ["city"] and moved["address"]["city"] == "Kenosha"
    status, regrouped = api.post(path, admin, {"group": "gov-west"})
    assert status == 200 and regrouped["group"]["code"] == "gov-west"

    history = api.get(path, admin)[1]["history"]
    steps = [(h["action"], h["entity"], h["actor"]) for h in history]
    assert steps == [
        ("create", "customer", "mgarcia"),
        ("update", "customer", "dfarrell"),
        ("create", "customer_contact", "dfarrell"),
        ("create", "customer_address", "mgarcia"),
        ("update", "customer_address", "dfarrell"),
        ("update", "customer", "mgarcia"),
    ]
    assert all(h["actor_kind"] == "staff" and h["at"] for h in history)
    with api.app.engine.connect() as connection:
        east, west = connection.execute(
            select(tables.customer_groups.c.id).order_by(tables.customer_groups.c.code)
        ).scalars()
    assert history[0]["changes"]["credit_limit"] == {"old": None, "new": "10000"}
    assert history[1]["changes"] == {
        "credit_limit": {"old": "10000", "new": "15000.00"},
        "phone": {"old": None, "new": "262 555 0199"},
    }
    assert history[2]["changes"]["name"] == {"old": None, "new": "Renata Okafor"}
    assert history[2]["entity_id"] == contact["contact"]["id"]
    assert history[4]["changes"] == {"city": {"old": "Racine", "new": "Kenosha"}}
    assert history[5]["changes"] == {"group_id": {"old": east, "new": west}}


def test_a_lead_goes_to_the_group_taking_leads_and_its_conversion_is_recorded(api, admin):
    add_group(api, admin, "inbound", takes_new_leads=True)
    add_group(api, admin, "gov-east")
    status, lead = api.post("/api/v1/leads", admin, {"code": "LEAD-0007", "name": "Racine County"})
    assert status == 201
    assert (lead["status"], lead["group"]["code"]) == ("lead", "inbound")
    _, named = api.post(
        "/api/v1/leads", admin, {"code": "LEAD-0008", "name": "Kenosha", "group": "gov-east"}
    )
    assert named["group"]["code"] == "gov-east"
    status, counts = api.get("/api/v1/customers/counts", admin)
    assert counts == {"counts": {"customer": 0, "lead": 2}, "total": 2}

    status, converted = api.post("/api/v1/customers/LEAD-0007", admin, {"status": "customer"})
    assert status == 200 and converted["status"] == "customer"
    assert converted["history"][-1]["changes"] == {"status": {"old": "lead", "new": "customer"}}
    with api.app.engine.connect() as connection:
        keys = (
            connection.execute(select(tables.outbox.c.routing_key).order_by(tables.outbox.c.id))
            .scalars()
            .all()
        )
    assert keys.count("customer.added") == 2
    assert keys[-2:] == ["customer.changed", "customer.lead_converted"]


def test_one_group_at_most_takes_new_leads(api, admin):
    add_group(api, admin, "inbound", takes_new_leads=True)
    add_group(api, admin, "trade-shows", takes_new_leads=True)
    _, groups = api.get("/api/v1/customer-groups", admin)
    taking = {g["code"]: g["takes_new_leads"] for g in groups["groups"]}
    assert taking == {"inbound": False, "trade-shows": True}
    status, changed = api.post("/api/v1/customer-groups/inbound", admin, {"takes_new_leads": True})
    assert status == 200 and changed["changed"] == ["takes_new_leads"]
    _, groups = api.get("/api/v1/customer-groups", admin)
    assert [g["code"] for g in groups["groups"] if g["takes_new_leads"]] == ["inbound"]
    status, archived = api.post("/api/v1/customer-groups/inbound", admin, {"archived": True})
    assert archived["archived"] and not archived["takes_new_leads"]
    _, lead = api.post("/api/v1/leads", admin, {"code": "LEAD-1", "name": "Unsorted"})
    assert lead["group"] is None
    _, history = api.get("/api/v1/customer-groups/inbound", admin)
    assert [h["changes"].get("takes_new_leads") for h in history["history"]] == [
        {"old": None, "new": True},
        {"old": True, "new": False},
        {"old": False, "new": True},
        {"old": True, "new": False},
    ]


def test_lists_search_counts_and_pages(api, admin):
    add_group(api, admin, "gov-east")
    for n, name in enumerate(("Racine Unified", "Kenosha County", "Port of Milwaukee"), 1):
        add_customer(api, admin, f"CUST-{n:03d}", name=name, group="gov-east" if n < 3 else None)
    api.post("/api/v1/leads", admin, {"code": "LEAD-001", "name": "Sheboygan Works"})
    api.post("/api/v1/customers/CUST-003/contacts", admin, {"name": "Ada Okonkwo-Racine"})
    api.post("/api/v1/customers/CUST-002", admin, {"archived": True})

    def codes(query: str) -> list[str]:
        status, answer = api.get(f"/api/v1/customers{query}", admin)
        assert status == 200, answer
        return [c["code"] for c in answer["customers"]]

    assert codes("") == ["CUST-001", "CUST-003", "LEAD-001"]
    assert codes("?text=racine") == ["CUST-001", "CUST-003"]  # a contact's name too
    assert codes("?group=gov-east") == ["CUST-001"]
    assert codes("?status=lead") == ["LEAD-001"]
    assert codes("?archived=true") == ["CUST-002"]
    assert codes("?text=100%25") == []
    _, page = api.get("/api/v1/customers?limit=2", admin)
    assert page["next"] == "CUST-003"
    assert codes("?limit=2&after=CUST-003") == ["LEAD-001"]
    _, counts = api.get("/api/v1/customers/counts?text=racine", admin)
    assert counts["counts"] == {"customer": 2, "lead": 0}
    assert api.get("/api/v1/customers?status=vip", admin)[0] == 400
    assert api.get("/api/v1/customers?archived=maybe", admin)[0] == 400


def test_the_export_is_csv_of_what_the_filters_find(api, admin):
    add_group(api, admin, "gov-east")
    formula = '=HYPERLINK("http://evil.example")'
    fields = {"group": "gov-east", "phone": "+1 262 555 0140", "credit_limit": "2500.50"}
    add_customer(api, admin, "CUST-001", name=formula, **fields)
    add_customer(api, admin, "CUST-002", name="Kenosha County")
    contact = {"name": "Renata Okafor", "email": "r.okafor@example.org", "is_primary": True}
    api.post("/api/v1/customers/CUST-001/contacts", admin, contact)
    status, raw = api.get("/api/v1/customers/export?group=gov-east", admin)
    assert status == 200 and raw.media_type == "text/csv" and raw.filename == "customers.csv"
    rows = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "'" + formula  # never run as a formula
    assert row["phone"] == "'+1 262 555 0140"
    assert (row["group"], row["credit_limit"], row["tax_exempt"]) == (
        "gov-east",
        "2500.50",
        "false",
    )
    assert (row["primary_contact"], row["primary_contact_email"]) == (
        "Renata Okafor",
        "r.okafor@example.org",
    )
    _, everyone = api.get("/api/v1/customers/export", admin)
    assert everyone.content.decode().count("\r\n") == 3
    accountant = api.token("kbauer", "accounting")
    assert api.get("/api/v1/customers/export", accountant)[0] == 200
    seller = api.token("tnguyen", "salesperson")  # customers.export is not a salesperson's
    assert api.get("/api/v1/customers/export", seller)[0] == 403


def test_bad_values_unknown_fields_and_unknown_customers_are_refused(api, admin):
    add_customer(api, admin, partner_code="lakeshore-schools")
    path = "/api/v1/customers/CUST-000417"
    for body, message in (
        ({"net_terms_days": "thirty"}, "net_terms_days must be a whole number"),
        ({"discount_percent": "120"}, "discount_percent must be at most 100"),
        ({"credit_limit": 5000.5}, "credit_limit must be a decimal number given as text"),
        ({"email": "not an address"}, "is not an email address"),
        ({"status": "prospect"}, "status must be one of customer, lead"),
        ({"name": ""}, "name is needed"),
    ):
        status, problem = api.post(path, admin, body)
        assert (status, message in problem["detail"]) == (409, True), problem
    status, problem = api.post(path, admin, {"colour": "blue"})
    assert status == 400 and "unknown field(s) colour" in problem["detail"]
    assert api.post(path, admin, {})[0] == 400
    address = {"kind": "billing", "street1": "1 A St", "city": "Racine", "country": "USA"}
    status, problem = api.post(f"{path}/addresses", admin, address)
    assert status == 409 and "two-letter" in problem["detail"]
    status, problem = api.post("/api/v1/customers", admin, {"code": "CUST-000417", "name": "Again"})
    assert status == 409 and "exists already" in problem["detail"]
    status, problem = api.post(
        "/api/v1/customers",
        admin,
        {"code": "CUST-2", "name": "Other", "partner_code": "lakeshore-schools"},
    )
    assert status == 409 and "already has partner code lakeshore-schools" in problem["detail"]
    assert api.get("/api/v1/customers/NOBODY", admin)[0] == 404
    assert api.post("/api/v1/customers/NOBODY", admin, {"name": "x"})[0] == 404
    assert api.post(f"{path}/contacts/999", admin, {"name": "x"})[0] == 404
    assert api.post(f"{path}/contacts/abc", admin, {"name": "x"})[0] == 400
    assert (
        api.post("/api/v1/customers", admin, {"code": "CUST-3", "name": "x", "group": "none"})[0]
        == 404
    )


def test_contacts_are_archived_never_deleted(app, api, admin):
    add_customer(api, admin)
    _, contact = api.post(
        "/api/v1/customers/CUST-000417/contacts", admin, {"name": "Renata Okafor"}
    )
    contact_id = contact["contact"]["id"]
    status, archived = api.post(
        f"/api/v1/customers/CUST-000417/contacts/{contact_id}", admin, {"archived": True}
    )
    assert status == 200 and archived["contact"]["archived"]
    with app.uow_factory(SETUP) as uow, pytest.raises(DeletionRefused):
        uow.session.delete(uow.session.get(CustomerContact, contact_id))
        uow.session.flush()


def test_new_orders_are_linked_to_the_customer_of_their_partner_in_one_lookup(app, api, admin):
    add_customer(api, admin, "CUST-LAKE", partner_code="lakeshore-schools")
    add_customer(api, admin, "CUST-KEN", name="Kenosha County", partner_code="kenosha-county")
    with app.engine.connect() as connection:
        ids = dict(connection.execute(select(tables.customers.c.code, tables.customers.c.id)).all())
    batch = [
        commands.IngestOrder(order(partner, f"PO-{partner[:3]}-{n}"))
        for n in range(10)
        for partner in ("lakeshore-schools", "kenosha-county", "walk-in")
    ]
    statements: list[str] = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(app.engine, "before_cursor_execute", seen)
    try:
        with app.uow_factory(SETUP) as uow:
            from core.handlers.orders import ingest_orders

            results = ingest_orders(batch, uow)
            uow.commit()
    finally:
        event.remove(app.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "FROM customers" in s]) == 1
    linked = {
        command.order.partner: order_detail(app.engine, number)["customer_id"]
        for command, (_, number) in zip(batch, results, strict=True)
    }
    assert linked == {
        "lakeshore-schools": ids["CUST-LAKE"],
        "kenosha-county": ids["CUST-KEN"],
        "walk-in": None,
    }
    detail = order_detail(app.engine, results[0][1])
    assert detail["history"][0]["changes"]["customer_id"] == {
        "old": None,
        "new": ids["CUST-LAKE"],
    }


def test_sales_teams_their_people_and_groups(api, admin):
    for code, name in (("east", "East region"), ("federal", "Federal")):
        status, team = api.post("/api/v1/teams", admin, {"code": code, "name": name})
        assert status == 201 and team["members"] == []
    api.token("tnguyen", "salesperson")
    api.token("dfarrell", "sales_manager")
    add_group(api, admin, "gov-east", team="east", manager="dfarrell")
    members = "/api/v1/teams/east/members"
    assert api.post(members, admin, {"username": "tnguyen"})[0] == 200
    status, team = api.post(members, admin, {"username": "dfarrell", "role": "manager"})
    assert status == 200 and team["groups"] == ["gov-east"]
    api.post("/api/v1/teams/federal/members", admin, {"username": "tnguyen"})
    assert team["members"] == [
        {"username": "dfarrell", "role": "manager", "left": False},
        {"username": "tnguyen", "role": "member", "left": False},
    ]
    status, team = api.post(members, admin, {"username": "tnguyen", "action": "leave"})
    assert {m["username"]: m["left"] for m in team["members"]} == {
        "dfarrell": False,
        "tnguyen": True,
    }
    assert api.post(members, admin, {"username": "tnguyen", "action": "leave"})[0] == 404
    status, team = api.post(members, admin, {"username": "tnguyen", "role": "manager"})
    assert {m["username"]: (m["role"], m["left"]) for m in team["members"]}["tnguyen"] == (
        "manager",
        False,
    )
    assert api.post(members, admin, {"username": "nobody"})[0] == 404
    assert api.post(members, admin, {"username": "tnguyen", "role": "boss"})[0] == 409
    assert api.post(members, admin, {"username": "tnguyen", "action": "kick"})[0] == 400
    assert api.post("/api/v1/teams", admin, {"code": "east", "name": "Again"})[0] == 409

    seller = api.token("rokafor", "salesperson")
    assert api.post("/api/v1/teams", seller, {"code": "mine", "name": "Mine"})[0] == 403
    assert api.post(members, seller, {"username": "rokafor"})[0] == 403
    status, teams = api.get("/api/v1/teams", admin)
    east, federal = teams["teams"]
    assert (east["code"], federal["groups"]) == ("east", [])
    _, groups = api.get("/api/v1/customer-groups", admin)
    assert (groups["groups"][0]["team"], groups["groups"][0]["manager"]) == ("east", "dfarrell")
    status, changed = api.post(
        "/api/v1/customer-groups/gov-east", admin, {"team": "federal", "manager": ""}
    )
    assert sorted(changed["changed"]) == ["manager_id", "team_id"]
    assert (changed["team"], changed["manager"]) == ("federal", None)


def test_orders_that_came_before_their_customer_are_linked_when_it_is_added(app, api, admin):
    numbers = [
        app.bus.execute(commands.IngestOrder(order("ridgeway-county", f"PO-RC-{n}")))[1]
        for n in range(3)
    ]
    stranger = app.bus.execute(commands.IngestOrder(order("walk-in", "PO-W-1")))[1]
    assert {order_detail(app.engine, n)["customer_id"] for n in numbers} == {None}
    add_customer(api, admin, "CUST-RIDGE", name="Ridgeway County")
    status, _ = api.post("/api/v1/customers/CUST-RIDGE", admin, {"partner_code": "ridgeway-county"})
    assert status == 200
    customer_id = api.get("/api/v1/customers/CUST-RIDGE", admin)[1]["id"]
    for number in numbers:
        detail = order_detail(app.engine, number)
        assert detail["customer_id"] == customer_id
        last = detail["history"][-1]
        assert (last["action"], last["actor"]) == ("update", "mgarcia")
        assert last["changes"] == {"customer_id": {"old": None, "new": customer_id}}
    assert order_detail(app.engine, stranger)["customer_id"] is None
