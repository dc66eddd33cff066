"""/api/v1 customers, leads, contacts, addresses, customer groups and sales teams.

What a caller sees and changes is limited to their customer groups when they are a
salesperson or sales manager in a sales team (`principal.groups`); the core queries
and handlers apply the limit, so a customer outside it answers 404 as an unknown one
does. Text fields given blank are cleared.
"""

from __future__ import annotations

from typing import Any

from core import commands
from core.storage import customer_queries
from hub.api.common import LIMIT, BadQuery, Raw, Route, actor_of, limit_of

BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
CUSTOMER_FIELDS = (
    ("email", "email address"),
    ("phone", "phone number"),
    ("partner_code", "the trading partner whose orders are this customer's"),
    ("tax_exempt", "whether sales to them are tax exempt", BOOLEAN),
    ("tax_exempt_id", "their tax exemption certificate number"),
    ("net_terms_days", "days they have to pay an invoice, e.g. 30", INTEGER),
    ("credit_limit", 'their credit limit as text, e.g. "25000.00"'),
    ("discount_percent", 'their own discount in percent, as text, e.g. "5"'),
    ("website", "their website"),
    ("notes", "notes for staff"),
)
GROUP_FIELDS = (
    ("price_level", "the price level the group's customers buy at"),
    ("discount_percent", 'the group discount in percent, as text, e.g. "7.5"'),
    ("newsletter", "whether the group's customers get the newsletter", BOOLEAN),
    ("team", "code of the sales team that sees the group's customers (blank: none)"),
    ("manager", "username of the group's account manager (blank: none)"),
    ("takes_new_leads", "whether new leads named into no group go here", BOOLEAN),
    (
        "order_confirmation",
        'order confirmation emails: "always", "never", or blank for the setting'
        " orders.confirmation_email",
    ),
)
CONTACT_FIELDS = (
    ("name", "the person's name"),
    ("email", "email address"),
    ("phone", "phone number"),
    ("role", "what they do, e.g. Purchasing"),
    ("is_primary", "the customer's main contact (the others stop being it)", BOOLEAN),
)
ADDRESS_FIELDS = (
    ("kind", "billing or shipping"),
    ("label", "a name for it, e.g. Main warehouse"),
    ("street1", "street and number"),
    ("street2", "suite, building, floor"),
    ("city", "city"),
    ("state", "state or region"),
    ("postal_code", "ZIP or postal code"),
    ("country", "ISO 3166 two-letter code, e.g. US"),
    ("is_default", "the default of its kind (the others stop being it)", BOOLEAN),
)
# The group's own fields; its team and manager are named, and found by the handler.
GROUP_VALUES = tuple(f for f in GROUP_FIELDS if f[0] not in ("team", "manager"))
ARCHIVED = ("archived", "archive (true) or bring back (false)", BOOLEAN)
CUSTOMER_FILTERS = (
    ("text", "in the code, name, email or a contact's name or email"),
    ("group", "only customers of this customer group (code)"),
    ("status", "customer or lead"),
    ("archived", "true: only archived customers (default: only live ones)"),
)


def _filters(query: dict[str, str]) -> dict[str, Any]:
    try:
        return customer_queries.customer_filters(query)
    except customer_queries.BadCustomerFilter as error:
        raise BadQuery(str(error)) from None


def _body(body: dict, fields: tuple[tuple, ...], *extra: str) -> dict[str, Any]:
    """The body's values of these fields; refuses fields the route does not take."""
    known = {f[0] for f in fields} | set(extra)
    unknown = sorted(set(body) - known)
    if unknown:
        raise BadQuery(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return {name: body[name] for name, *_ in fields if name in body}


def _text(body: dict, name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadQuery(f"{name} must be given as text")
    return value.strip()


def _part_id(text: str) -> int:
    if not text.isdigit():
        raise BadQuery(f"{text!r} is not an id")
    return int(text)


def list_customers(app, principal, params, query):
    limit = limit_of(query)
    found = customer_queries.list_customers(
        app.engine,
        groups=principal.groups,
        after=query.get("after"),
        limit=limit,
        **_filters(query),
    )
    following = found[-1]["code"] if len(found) == limit else None
    return 200, {"customers": found, "next": following}


def count_customers(app, principal, params, query):
    filters = {k: v for k, v in _filters(query).items() if k != "status"}
    counts = customer_queries.customer_counts(app.engine, groups=principal.groups, **filters)
    return 200, {"counts": counts, "total": sum(counts.values())}


def export_customers(app, principal, params, query):
    content = customer_queries.export_customers(
        app.engine, groups=principal.groups, **_filters(query)
    )
    return 200, Raw("text/csv", content, "customers.csv")


def show_customer(app, principal, params, query):
    return 200, customer_queries.customer_detail(app.engine, params["code"], principal.groups)


def _add(app, principal, body, status: str):
    extra = ("code", "name", "group") + (("status",) if status == "customer" else ())
    values = _body(body, CUSTOMER_FIELDS, *extra)
    code, name = _text(body, "code", required=True), _text(body, "name", required=True)
    if "status" in body:
        status = _text(body, "status", required=True)
    command = commands.AddCustomer(
        code, name, values, _text(body, "group"), status, principal.groups
    )
    app.bus.execute(command, actor_of(principal))
    return 201, customer_queries.customer_detail(app.engine, code, principal.groups)


def add_customer(app, principal, params, query, body):
    return _add(app, principal, body, "customer")


def add_lead(app, principal, params, query, body):
    return _add(app, principal, body, "lead")


def change_customer(app, principal, params, query, body):
    values = _body(body, (*CUSTOMER_FIELDS, ("name", ""), ("status", ""), ARCHIVED), "group")
    if not values and "group" not in body:
        raise BadQuery("nothing to change: give a field")
    command = commands.ChangeCustomer(
        params["code"], values, _text(body, "group"), principal.groups
    )
    changed = app.bus.execute(command, actor_of(principal))
    detail = customer_queries.customer_detail(app.engine, params["code"], principal.groups)
    return 200, {**detail, "changed": changed}


def add_contact(app, principal, params, query, body):
    values = _body(body, CONTACT_FIELDS)
    command = commands.AddContact(params["code"], values, principal.groups)
    contact_id = app.bus.execute(command, actor_of(principal))
    return 201, _part(app, principal, params["code"], "contact", contact_id)


def change_contact(app, principal, params, query, body):
    values = _body(body, (*CONTACT_FIELDS, ARCHIVED))
    contact_id = _part_id(params["id"])
    command = commands.ChangeContact(params["code"], contact_id, values, principal.groups)
    changed = app.bus.execute(command, actor_of(principal))
    answer = _part(app, principal, params["code"], "contact", contact_id)
    return 200, {**answer, "changed": changed}


def add_address(app, principal, params, query, body):
    values = _body(body, ADDRESS_FIELDS)
    command = commands.AddAddress(params["code"], values, principal.groups)
    address_id = app.bus.execute(command, actor_of(principal))
    return 201, _part(app, principal, params["code"], "address", address_id)


def change_address(app, principal, params, query, body):
    values = _body(body, (*ADDRESS_FIELDS, ARCHIVED))
    address_id = _part_id(params["id"])
    command = commands.ChangeAddress(params["code"], address_id, values, principal.groups)
    changed = app.bus.execute(command, actor_of(principal))
    answer = _part(app, principal, params["code"], "address", address_id)
    return 200, {**answer, "changed": changed}


def _part(app, principal, code: str, kind: str, part_id: int) -> dict[str, Any]:
    """A contact or address as the customer's detail shows it."""
    detail = customer_queries.customer_detail(app.engine, code, principal.groups)
    listed = detail["contacts" if kind == "contact" else "addresses"]
    return {"customer": code, kind: next(p for p in listed if p["id"] == part_id)}


def list_groups(app, principal, params, query):
    return 200, {"groups": customer_queries.list_groups(app.engine, groups=principal.groups)}


def show_group(app, principal, params, query):
    return 200, customer_queries.group_detail(app.engine, params["code"], principal.groups)


def add_group(app, principal, params, query, body):
    values = _body(body, GROUP_VALUES, "code", "name", "team", "manager")
    code, name = _text(body, "code", required=True), _text(body, "name", required=True)
    command = commands.AddCustomerGroup(
        code, name, values, _text(body, "team"), _text(body, "manager"), principal.groups
    )
    app.bus.execute(command, actor_of(principal))
    return 201, customer_queries.group_detail(app.engine, code, principal.groups)


def change_group(app, principal, params, query, body):
    values = _body(body, (*GROUP_VALUES, ("name", ""), ARCHIVED), "team", "manager")
    if not values and "team" not in body and "manager" not in body:
        raise BadQuery("nothing to change: give a field")
    command = commands.ChangeCustomerGroup(
        params["code"], values, _text(body, "team"), _text(body, "manager"), principal.groups
    )
    changed = app.bus.execute(command, actor_of(principal))
    detail = customer_queries.group_detail(app.engine, params["code"], principal.groups)
    return 200, {**detail, "changed": changed}


def list_teams(app, principal, params, query):
    return 200, {"teams": customer_queries.list_teams(app.engine)}


def add_team(app, principal, params, query, body):
    _body(body, (("code", ""), ("name", "")))
    code, name = _text(body, "code", required=True), _text(body, "name", required=True)
    app.bus.execute(commands.AddSalesTeam(code, name), actor_of(principal))
    team = next(t for t in customer_queries.list_teams(app.engine) if t["code"] == code)
    return 201, team


def change_team(app, principal, params, query, body):
    _body(body, (("name", ""), ARCHIVED))
    archived = body.get("archived")
    if archived is not None and not isinstance(archived, bool):
        raise BadQuery("archived must be true or false")
    command = commands.ChangeSalesTeam(params["code"], _text(body, "name"), archived)
    changed = app.bus.execute(command, actor_of(principal))
    team = next(t for t in customer_queries.list_teams(app.engine) if t["code"] == params["code"])
    return 200, {**team, "changed": changed}


def team_member(app, principal, params, query, body):
    _body(body, (("username", ""), ("role", ""), ("action", "")))
    username = _text(body, "username", required=True)
    action = _text(body, "action") or "join"
    if action == "join":
        role = _text(body, "role") or "member"
        command = commands.JoinTeam(params["code"], username, role)
    elif action == "leave":
        command = commands.LeaveTeam(params["code"], username)
    else:
        raise BadQuery("action must be join or leave")
    app.bus.execute(command, actor_of(principal))
    team = next(t for t in customer_queries.list_teams(app.engine) if t["code"] == params["code"])
    return 200, team


CUSTOMER_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/customers",
        "customers.view",
        "Customers and leads by code; `next` continues the listing",
        list_customers,
        (*CUSTOMER_FILTERS, ("after", "continue after this customer code"), LIMIT),
    ),
    Route(
        "GET",
        "/api/v1/customers/counts",
        "customers.view",
        "How many customers and leads the filters find",
        count_customers,
        tuple(f for f in CUSTOMER_FILTERS if f[0] != "status"),
    ),
    Route(
        "GET",
        "/api/v1/customers/export",
        "customers.export",
        "The customers the filters find, as CSV",
        export_customers,
        CUSTOMER_FILTERS,
        media_types=("text/csv",),
    ),
    Route(
        "GET",
        "/api/v1/customers/{code}",
        "customers.view",
        "One customer: group, contacts, addresses and history",
        show_customer,
    ),
    Route(
        "POST",
        "/api/v1/customers",
        "customers.edit",
        "Add a customer (or, with status lead, a lead)",
        add_customer,
        status=201,
        body=(
            ("code", "the customer's code, e.g. CUST-000042"),
            ("name", "the organisation's name"),
            ("status", "customer (default) or lead"),
            ("group", "code of the customer group they belong to"),
            *CUSTOMER_FIELDS,
        ),
    ),
    Route(
        "POST",
        "/api/v1/customers/{code}",
        "customers.edit",
        "Change a customer's fields or group; status customer converts a lead",
        change_customer,
        body=(
            ("name", "the organisation's name"),
            ("status", "customer or lead"),
            ("group", "code of the customer group they move to (blank: none)"),
            *CUSTOMER_FIELDS,
            ARCHIVED,
        ),
    ),
    Route(
        "POST",
        "/api/v1/customers/{code}/contacts",
        "customers.edit",
        "Add a contact to a customer",
        add_contact,
        status=201,
        body=CONTACT_FIELDS,
    ),
    Route(
        "POST",
        "/api/v1/customers/{code}/contacts/{id}",
        "customers.edit",
        "Change or archive a customer's contact",
        change_contact,
        body=(*CONTACT_FIELDS, ARCHIVED),
    ),
    Route(
        "POST",
        "/api/v1/customers/{code}/addresses",
        "customers.edit",
        "Add a billing or shipping address to a customer",
        add_address,
        status=201,
        body=ADDRESS_FIELDS,
    ),
    Route(
        "POST",
        "/api/v1/customers/{code}/addresses/{id}",
        "customers.edit",
        "Change or archive a customer's address",
        change_address,
        body=(*ADDRESS_FIELDS, ARCHIVED),
    ),
    Route(
        "POST",
        "/api/v1/leads",
        "customers.edit",
        "Add a lead; without a group it goes to the group that takes new leads",
        add_lead,
        status=201,
        body=(
            ("code", "the lead's code"),
            ("name", "the organisation's name"),
            ("group", "code of the customer group it goes to"),
            *CUSTOMER_FIELDS,
        ),
    ),
    Route(
        "GET",
        "/api/v1/customer-groups",
        "customers.view",
        "Customer groups with their team, manager and number of customers",
        list_groups,
    ),
    Route(
        "GET",
        "/api/v1/customer-groups/{code}",
        "customers.view",
        "One customer group with its history",
        show_group,
    ),
    Route(
        "POST",
        "/api/v1/customer-groups",
        "customers.edit",
        "Add a customer group",
        add_group,
        status=201,
        body=(("code", "the group's code"), ("name", "the group's name"), *GROUP_FIELDS),
    ),
    Route(
        "POST",
        "/api/v1/customer-groups/{code}",
        "customers.edit",
        "Change a customer group, its team, manager or whether it takes new leads",
        change_group,
        body=(("name", "the group's name"), *GROUP_FIELDS, ARCHIVED),
    ),
    Route(
        "GET",
        "/api/v1/teams",
        "customers.view",
        "Sales teams with their people and customer groups",
        list_teams,
    ),
    Route(
        "POST",
        "/api/v1/teams",
        "staff.manage",
        "Add a sales team",
        add_team,
        status=201,
        body=(("code", "the team's code"), ("name", "the team's name")),
    ),
    Route(
        "POST",
        "/api/v1/teams/{code}",
        "staff.manage",
        "Rename a sales team, or archive or restore it",
        change_team,
        body=(("name", "the team's new name"), ARCHIVED),
    ),
    Route(
        "POST",
        "/api/v1/teams/{code}/members",
        "staff.manage",
        "Put a staff member in the team, change their role, or take them out",
        team_member,
        body=(
            ("username", "the staff member"),
            ("role", "member (default) or manager"),
            ("action", "join (default) or leave"),
        ),
    ),
)
