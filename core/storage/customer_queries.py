"""Read-side queries for customers, customer groups and sales teams.

Every customer query takes `groups`, the customer groups the caller is limited to
(None: all), and applies it here (core/storage/scope.py): a list, count, export or
detail cannot leave it out, and a customer outside it is not found, as if it did not
exist.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from core.errors import NotFound, OrderB2BError
from core.model.customers import STATUSES
from core.storage import scope, tables
from core.storage.history import plain_value

Groups = Collection[int] | None
_customers = tables.customers.c
_groups = tables.customer_groups.c
_contacts = tables.customer_contacts.c
_addresses = tables.customer_addresses.c
_teams = tables.sales_teams.c
_members = tables.team_members.c
_staff = tables.staff.c
CUSTOMER_FILTERS = ("text", "group", "status", "archived")
LIST_COLUMNS = (
    _customers.code,
    _customers.name,
    _customers.status,
    _groups.code.label("group"),
    _customers.email,
    _customers.phone,
    _customers.partner_code,
    _customers.tax_exempt,
    _customers.net_terms_days,
    _customers.credit_limit,
    _customers.discount_percent,
    _customers.archived,
    _customers.created_at,
)
EXPORT_HEADER = (
    "code",
    "name",
    "status",
    "group",
    "email",
    "phone",
    "website",
    "partner_code",
    "tax_exempt",
    "tax_exempt_id",
    "net_terms_days",
    "credit_limit",
    "discount_percent",
    "primary_contact",
    "primary_contact_email",
    "archived",
    "created_at",
)
# Who looks after a group: its sales team's code and its account manager's username.
_ASSIGNED = (_teams.code.label("team"), _staff.username.label("manager"))
# A spreadsheet runs a cell starting with these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class BadCustomerFilter(OrderB2BError):
    """A customer list filter that cannot be used as given."""


def customer_filters(values: Mapping[str, str | None]) -> dict[str, Any]:
    """The customer list filters from text (a query string, command-line options):
    `text`, `group` (a group code), `status` (customer or lead) and `archived`
    (true: only archived customers; otherwise only live ones). Blanks are left out."""
    given = {name: (values.get(name) or "").strip() for name in CUSTOMER_FILTERS}
    filters: dict[str, Any] = {n: v for n, v in given.items() if v and n != "archived"}
    if filters.get("status") and filters["status"] not in STATUSES:
        raise BadCustomerFilter(f"status must be one of {', '.join(STATUSES)}")
    archived = given["archived"].lower()
    if archived not in ("", "true", "false"):
        raise BadCustomerFilter("archived must be true or false")
    filters["archived"] = archived == "true"
    return filters


def list_customers(
    engine: Engine,
    *,
    groups: Groups = None,
    text: str | None = None,
    group: str | None = None,
    status: str | None = None,
    archived: bool = False,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """By code; `after` (a customer code) continues past it, by key."""
    query = (
        select(*LIST_COLUMNS)
        .select_from(_joined())
        .where(*_conditions(groups, text, group, status, archived))
        .order_by(_customers.code)
        .limit(limit)
    )
    if after:
        query = query.where(_customers.code > after)
    with engine.connect() as connection:
        return [_plain(row) for row in connection.execute(query)]


def customer_counts(
    engine: Engine,
    *,
    groups: Groups = None,
    text: str | None = None,
    group: str | None = None,
    status: str | None = None,
    archived: bool = False,
) -> dict[str, int]:
    """How many customers and leads the same filters find, in one grouped query."""
    query = (
        select(_customers.status, func.count())
        .select_from(_joined())
        .where(*_conditions(groups, text, group, status, archived))
        .group_by(_customers.status)
    )
    counts = dict.fromkeys(STATUSES, 0)
    with engine.connect() as connection:
        counts.update(connection.execute(query).all())
    return counts


def export_customers(
    engine: Engine,
    *,
    groups: Groups = None,
    text: str | None = None,
    group: str | None = None,
    status: str | None = None,
    archived: bool = False,
) -> bytes:
    """Every customer the filters find, as CSV (UTF-8, a header row, by code). Text
    that a spreadsheet would run as a formula is written with a leading quote."""
    primary = (
        select(_contacts.customer_id, _contacts.name, _contacts.email)
        .where(_contacts.is_primary.is_(True), _contacts.archived.is_(False))
        .subquery("primary_contact")
    )
    query = (
        select(
            _customers.code,
            _customers.name,
            _customers.status,
            _groups.code.label("group"),
            _customers.email,
            _customers.phone,
            _customers.website,
            _customers.partner_code,
            _customers.tax_exempt,
            _customers.tax_exempt_id,
            _customers.net_terms_days,
            _customers.credit_limit,
            _customers.discount_percent,
            primary.c.name.label("primary_contact"),
            primary.c.email.label("primary_contact_email"),
            _customers.archived,
            _customers.created_at,
        )
        .select_from(_joined().outerjoin(primary, primary.c.customer_id == _customers.id))
        .where(*_conditions(groups, text, group, status, archived))
        .order_by(_customers.code)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    with engine.connect() as connection:
        for row in connection.execution_options(yield_per=1000).execute(query):
            writer.writerow([_cell(value) for value in row])
    return out.getvalue().encode("utf-8")


def customer_detail(engine: Engine, code: str, groups: Groups = None) -> dict[str, Any]:
    """One customer with its group, contacts, addresses and history (every change to
    it, its contacts and addresses: who, when, each field's old and new value)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(tables.customers).where(
                _customers.code == code, scope.customer_condition(groups)
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"no customer {code}")
        detail = _plain(row, drop=("group_id",))
        detail["group"] = _group_of(connection, row.group_id)
        detail["contacts"] = _parts(connection, tables.customer_contacts, row.id)
        detail["addresses"] = _parts(connection, tables.customer_addresses, row.id)
        detail["history"] = _history(connection, "customer", row.id)
    return detail


def list_groups(engine: Engine, *, groups: Groups = None) -> list[dict[str, Any]]:
    """Customer groups by code, with their team, manager and number of customers."""
    customers = (
        select(func.count())
        .where(_customers.group_id == _groups.id, _customers.archived.is_(False))
        .scalar_subquery()
        .label("customers")
    )
    query = (
        select(tables.customer_groups, *_ASSIGNED, customers)
        .select_from(_group_joins())
        .where(scope.group_condition(groups))
        .order_by(_groups.code)
    )
    with engine.connect() as connection:
        return [_plain(row, drop=("team_id", "manager_id")) for row in connection.execute(query)]


def group_detail(engine: Engine, code: str, groups: Groups = None) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(
                tables.customer_groups, _teams.code.label("team"), _staff.username.label("manager")
            )
            .select_from(_group_joins())
            .where(_groups.code == code, scope.group_condition(groups))
        ).one_or_none()
        if row is None:
            raise NotFound(f"no customer group {code}")
        detail = _plain(row, drop=("team_id", "manager_id"))
        detail["history"] = _history(connection, "customer_group", row.id)
    return detail


def list_teams(engine: Engine) -> list[dict[str, Any]]:
    """Sales teams by code, each with its people (those who left marked so) and the
    customer groups it looks after."""
    with engine.connect() as connection:
        teams = connection.execute(select(tables.sales_teams).order_by(_teams.code)).all()
        people = connection.execute(
            select(_members.team_id, _staff.username, _members.role, _members.archived)
            .join(tables.staff, _staff.id == _members.staff_id)
            .order_by(_staff.username)
        ).all()
        looked_after = connection.execute(
            select(_groups.team_id, _groups.code)
            .where(_groups.team_id.isnot(None), _groups.archived.is_(False))
            .order_by(_groups.code)
        ).all()
    listed = []
    for team in teams:
        values = _plain(team)
        values["members"] = [
            {"username": p.username, "role": p.role, "left": p.archived}
            for p in people
            if p.team_id == team.id
        ]
        values["groups"] = [g.code for g in looked_after if g.team_id == team.id]
        listed.append(values)
    return listed


def _joined():
    return tables.customers.outerjoin(tables.customer_groups, _groups.id == _customers.group_id)


def _group_joins():
    return tables.customer_groups.outerjoin(
        tables.sales_teams, _teams.id == _groups.team_id
    ).outerjoin(tables.staff, _staff.id == _groups.manager_id)


def _conditions(
    groups: Groups, text: str | None, group: str | None, status: str | None, archived: bool
) -> list[ColumnElement[bool]]:
    conditions = [scope.customer_condition(groups), _customers.archived.is_(archived)]
    if group:
        conditions.append(_groups.code == group)
    if status:
        conditions.append(_customers.status == status)
    if text:
        conditions.append(_text_condition(text))
    return conditions


def _text_condition(text: str) -> ColumnElement[bool]:
    """In the code, name or email, or in a contact's name or email."""
    in_contacts = exists().where(
        _contacts.customer_id == _customers.id,
        or_(
            _contacts.name.icontains(text, autoescape=True),
            _contacts.email.icontains(text, autoescape=True),
        ),
    )
    own = (_customers.code, _customers.name, _customers.email)
    return or_(*(c.icontains(text, autoescape=True) for c in own), in_contacts)


def _group_of(connection: Connection, group_id: int | None) -> dict[str, Any] | None:
    if group_id is None:
        return None
    row = connection.execute(
        select(
            _groups.code,
            _groups.name,
            _groups.price_level,
            _groups.discount_percent,
            _groups.newsletter,
            *_ASSIGNED,
        )
        .select_from(_group_joins())
        .where(_groups.id == group_id)
    ).one()
    return _plain(row)


def _parts(connection: Connection, table, customer_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(table).where(table.c.customer_id == customer_id).order_by(table.c.id)
    )
    return [_plain(row, drop=("customer_id",)) for row in rows]


def _history(connection: Connection, doc_type: str, doc_id: int) -> list[dict[str, Any]]:
    history = tables.history.c
    rows = connection.execute(
        select(tables.history)
        .where(history.doc_type == doc_type, history.doc_id == doc_id)
        .order_by(history.id)
    )
    return [_plain(entry, drop=("doc_type", "doc_id")) for entry in rows]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    value = plain_value(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _plain(row, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in row._mapping.items() if k not in drop}
