"""Whose customers a person sees, and the conditions that keep queries to them.

A salesperson or sales manager who is not an administrator works with the customer
groups of the sales teams they are in (member or manager) and the groups they
manage themselves. Until the first sales team exists nobody is limited, so a new
installation works as before; from then on a person in no team sees no customer.
Everyone else sees every customer (`None`).

Queries take `groups` (a set of customer group ids, or None) and add the condition
here, so no list, count, export or detail can forget it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, false, literal_column, null, or_, select, true, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from core.access import Principal
from core.errors import NotFound
from core.model.teams import SCOPED_PROFILES
from core.storage import tables

Groups = Collection[int] | None
_customers = tables.customers.c
_groups = tables.customer_groups.c
_members = tables.team_members.c


def is_limited(profile: str, is_admin: bool) -> bool:
    return not is_admin and profile in SCOPED_PROFILES


def customer_condition(groups: Groups) -> ColumnElement[bool]:
    """Customers in the groups (all when None)."""
    if groups is None:
        return true()
    if not groups:
        return false()
    return _customers.group_id.in_(sorted(groups))


def order_condition(groups: Groups) -> ColumnElement[bool]:
    """Orders of customers in the groups (all when None); an order with no customer
    is outside every limited scope."""
    if groups is None:
        return true()
    if not groups:
        return false()
    in_groups = select(_customers.id).where(_customers.group_id.in_(sorted(groups)))
    return tables.orders.c.customer_id.in_(in_groups)


def group_condition(groups: Groups) -> ColumnElement[bool]:
    if groups is None:
        return true()
    if not groups:
        return false()
    return _groups.id.in_(sorted(groups))


def groups_seen_by(connection: Connection, staff_id: int) -> frozenset[int] | None:
    """The groups of this person's live teams and those they manage, in one query:
    the first row says whether any team exists, the others are the group ids."""
    live_teams = select(tables.sales_teams.c.id).where(tables.sales_teams.c.archived.is_(False))
    teams = select(_members.team_id).where(
        _members.staff_id == staff_id,
        _members.archived.is_(False),
        _members.team_id.in_(live_teams),
    )
    theirs = select(literal_column("1").label("kind"), _groups.id.label("group_id")).where(
        _groups.archived.is_(False),
        or_(_groups.manager_id == staff_id, _groups.team_id.in_(teams)),
    )
    any_team = select(literal_column("0").label("kind"), null().label("group_id")).where(
        exists().where(tables.sales_teams.c.id.isnot(None))
    )
    rows = connection.execute(union_all(any_team, theirs)).all()
    if not rows:
        return None
    return frozenset(row.group_id for row in rows if row.kind == 1)


def groups_of_username(connection: Connection, username: str) -> frozenset[int] | None:
    """The scope of a staff member by username (the shell's `--as`)."""
    staff = connection.execute(
        select(tables.staff.c.id, tables.staff.c.profile, tables.staff.c.is_admin).where(
            tables.staff.c.username == username
        )
    ).one_or_none()
    if staff is None:
        raise NotFound(f"no staff member {username}")
    if not is_limited(staff.profile, staff.is_admin):
        return None
    return groups_seen_by(connection, staff.id)


def scoped(engine: Engine, principal: Principal, profile: str) -> Principal:
    """The principal with the customer groups it is limited to, if it is."""
    if not is_limited(profile, principal.is_admin):
        return principal
    with engine.connect() as connection:
        return principal._replace(groups=groups_seen_by(connection, principal.staff_id))
