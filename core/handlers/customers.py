"""Customers, leads, contacts, addresses, customer groups and sales teams.

Every change is audited by the unit of work (a contact or address under its
customer's history). A caller limited to some customer groups (`scope`) meets
customers and groups outside them as unknown, and what they add lands inside them.
"""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.customers import (
    FLAG,
    Customer,
    CustomerAddress,
    CustomerContact,
    CustomerError,
    CustomerGroup,
    DuplicateCustomer,
    keep_one,
)
from core.model.staff import StaffMember
from core.model.teams import SalesTeam, TeamError, TeamMember

Scope = frozenset[int] | None


def add_customer(command: commands.AddCustomer, uow: ports.UnitOfWork) -> str:
    values = _own_values(command.values, "customer")
    if uow.customers.get(command.code) is not None:
        raise DuplicateCustomer(f"customer {command.code} exists already")
    _check_partner_code(uow, values.get("partner_code"), command.code)
    group = _group_of_new(uow, command)
    customer = Customer(
        command.code,
        command.name,
        status=command.status,
        group_id=group.id if group else None,
        **values,
    )
    uow.customers.add(customer)
    if customer.partner_code:
        uow.orders.link_to_customer(customer.partner_code, customer.id)
    uow.emit(events.CustomerAdded(customer.code, customer.status, group.code if group else None))
    return customer.code


def change_customer(command: commands.ChangeCustomer, uow: ports.UnitOfWork) -> list[str]:
    """Returns the names of the fields that changed."""
    customer = _customer(uow, command.code, command.scope)
    was_lead = customer.is_lead
    changed = customer.change(command.values or {})
    if "partner_code" in changed:
        _check_partner_code(uow, customer.partner_code, customer.code)
        if customer.partner_code:
            uow.orders.link_to_customer(customer.partner_code, customer.id)
    if command.group is not None:
        group = _group(uow, command.group, command.scope) if command.group else None
        if group is None and command.scope is not None:
            raise CustomerError("a customer you work on stays in one of your customer groups")
        if customer.move_to_group(group.id if group else None):
            changed.append("group_id")
    if changed:
        uow.emit(events.CustomerChanged(customer.code, changed))
    if was_lead and not customer.is_lead:
        uow.emit(events.LeadConverted(customer.code))
    return changed


def add_contact(command: commands.AddContact, uow: ports.UnitOfWork) -> int:
    customer = _customer(uow, command.customer, command.scope)
    others = uow.customers.contacts(customer.id)
    contact = CustomerContact(customer.id, command.values)
    uow.customers.add_part(contact)
    keep_one(others, contact, "is_primary")
    return contact.id


def change_contact(command: commands.ChangeContact, uow: ports.UnitOfWork) -> list[str]:
    customer = _customer(uow, command.customer, command.scope)
    contacts = uow.customers.contacts(customer.id)
    contact = _part(contacts, command.contact_id, f"customer {customer.code} has no contact")
    changed = contact.change(command.values)
    keep_one(contacts, contact, "is_primary")
    return changed


def add_address(command: commands.AddAddress, uow: ports.UnitOfWork) -> int:
    customer = _customer(uow, command.customer, command.scope)
    others = uow.customers.addresses(customer.id)
    address = CustomerAddress(customer.id, command.values)
    uow.customers.add_part(address)
    keep_one(others, address, "is_default", lambda other: other.kind == address.kind)
    return address.id


def change_address(command: commands.ChangeAddress, uow: ports.UnitOfWork) -> list[str]:
    customer = _customer(uow, command.customer, command.scope)
    addresses = uow.customers.addresses(customer.id)
    address = _part(addresses, command.address_id, f"customer {customer.code} has no address")
    changed = address.change(command.values)
    keep_one(addresses, address, "is_default", lambda other: other.kind == address.kind)
    return changed


def add_customer_group(command: commands.AddCustomerGroup, uow: ports.UnitOfWork) -> str:
    if command.scope is not None:
        raise CustomerError("only staff who see every customer add customer groups")
    values = _own_values(command.values, "customer group")
    takes_leads = FLAG.clean("takes_new_leads", values.pop("takes_new_leads", None))
    if uow.customers.group(command.code) is not None:
        raise CustomerError(f"customer group {command.code} exists already")
    if takes_leads:
        _release_new_leads(uow, None)
    group = CustomerGroup(command.code, command.name, takes_new_leads=takes_leads, **values)
    group.assign(**_assignment(uow, command.team, command.manager))
    uow.customers.add_group(group)
    uow.emit(events.CustomerGroupChanged(group.code, ["created"]))
    return group.code


def change_customer_group(
    command: commands.ChangeCustomerGroup, uow: ports.UnitOfWork
) -> list[str]:
    group = _group(uow, command.code, command.scope)
    values = dict(command.values or {})
    takes_leads = values.pop("takes_new_leads", None)
    assigning = command.team is not None or command.manager is not None
    if command.scope is not None and (assigning or takes_leads is not None):
        raise CustomerError(
            "only staff who see every customer assign groups to teams, managers and new leads"
        )
    changed = group.change(values)
    changed += group.assign(**_assignment(uow, command.team, command.manager))
    takes_leads = FLAG.clean("takes_new_leads", takes_leads) if takes_leads is not None else None
    if group.archived and group.takes_new_leads:
        takes_leads = False  # an archived group takes no leads
    if takes_leads and not group.takes_new_leads:
        _release_new_leads(uow, group)
        changed += group.change({"takes_new_leads": True})
    elif takes_leads is False and group.takes_new_leads:
        changed += group.change({"takes_new_leads": False})
    if changed:
        uow.emit(events.CustomerGroupChanged(group.code, changed))
    return changed


def add_sales_team(command: commands.AddSalesTeam, uow: ports.UnitOfWork) -> int:
    if uow.teams.get(command.code) is not None:
        raise TeamError(f"team {command.code} exists already")
    team = SalesTeam(command.code, command.name)
    uow.teams.add(team)
    uow.activity.record("teams.add", document_type="sales_team", document_id=team.code)
    return team.id


def change_sales_team(command: commands.ChangeSalesTeam, uow: ports.UnitOfWork) -> list[str]:
    """Returns the names of the fields that changed."""
    team = uow.teams.get(command.code)
    if team is None:
        raise NotFound(f"no sales team {command.code}")
    changed = team.change(command.name, command.archived)
    if changed:
        detail = {"changed": changed}
        uow.activity.record(
            "teams.change", document_type="sales_team", document_id=team.code, detail=detail
        )
    return changed


def join_team(command: commands.JoinTeam, uow: ports.UnitOfWork) -> bool:
    """Returns whether anything changed."""
    team = _team(uow, command.team)
    staff = _staff(uow, command.username)
    if not staff.active:
        raise TeamError(f"staff {staff.username} is disabled")
    member = uow.teams.membership(team.id, staff.id)
    if member is None:
        uow.teams.add_member(TeamMember(team.id, staff.id, command.role))
        changed = True
    else:
        changed = member.join(command.role)
    detail = {"username": staff.username, "role": command.role}
    uow.activity.record(
        "teams.join", document_type="sales_team", document_id=team.code, detail=detail
    )
    return changed


def leave_team(command: commands.LeaveTeam, uow: ports.UnitOfWork) -> None:
    team = _team(uow, command.team)
    staff = _staff(uow, command.username)
    member = uow.teams.membership(team.id, staff.id)
    if member is None or member.archived:
        raise NotFound(f"{staff.username} is not in team {team.code}")
    member.leave()
    detail = {"username": staff.username}
    uow.activity.record(
        "teams.leave", document_type="sales_team", document_id=team.code, detail=detail
    )


def _own_values(values: dict | None, kind: str) -> dict:
    """The other fields; the name, status and code travel in their own places."""
    values = dict(values or {})
    given = sorted({"code", "name", "status"} & set(values))
    if given:
        raise CustomerError(f"{kind}: {', '.join(given)} cannot be among the other fields")
    return values


def _customer(uow: ports.UnitOfWork, code: str, scope: Scope) -> Customer:
    customer = uow.customers.get(code)
    if customer is None or (scope is not None and customer.group_id not in scope):
        raise NotFound(f"no customer {code}")
    return customer


def _group(uow: ports.UnitOfWork, code: str, scope: Scope) -> CustomerGroup:
    group = uow.customers.group(code)
    if group is None or (scope is not None and group.id not in scope):
        raise NotFound(f"no customer group {code}")
    return group


def _group_of_new(uow: ports.UnitOfWork, command: commands.AddCustomer) -> CustomerGroup | None:
    """The named group; for a lead named into none, the group that takes new leads.
    A limited caller with a single group gets it when the group would be outside."""
    group = None
    if command.group:
        group = _group(uow, command.group, command.scope)
    elif command.status == "lead":
        group = uow.customers.lead_group()
    if group is not None and group.archived:
        if command.group:
            raise CustomerError(f"customer group {group.code} is archived")
        group = None
    scope = command.scope
    if scope is not None and (group is None or group.id not in scope):
        if len(scope) != 1:
            raise CustomerError("a customer you add must be in one of your customer groups")
        group = uow.customers.group_by_id(next(iter(scope)))
    return group


def _check_partner_code(uow: ports.UnitOfWork, partner_code: str | None, code: str) -> None:
    """A partner's orders are linked to one customer, so two live customers may not
    share a partner code."""
    if not partner_code:
        return
    others = [c for c in uow.customers.with_partner_code(partner_code) if c.code != code]
    if others:
        raise CustomerError(f"customer {others[0].code} already has partner code {partner_code}")


def _release_new_leads(uow: ports.UnitOfWork, taker: CustomerGroup | None) -> None:
    """The group that takes new leads lets go of them before `taker` takes them, and
    that is written first, as one group at most may hold them (a unique index)."""
    if taker is not None and taker.archived:
        raise CustomerError(f"customer group {taker.code} is archived and takes no leads")
    current = uow.customers.lead_group()
    if current is not None and current is not taker:
        current.change({"takes_new_leads": False})
        uow.customers.save()


def _assignment(uow: ports.UnitOfWork, team: str | None, manager: str | None) -> dict:
    """The team and manager ids to set: None leaves each as it is, "" clears it."""
    ids = {}
    if team is not None:
        ids["team_id"] = _team(uow, team).id if team else None
    if manager is not None:
        ids["manager_id"] = _staff(uow, manager).id if manager else None
    return ids


def _team(uow: ports.UnitOfWork, code: str) -> SalesTeam:
    team = uow.teams.get(code)
    if team is None:
        raise NotFound(f"no sales team {code}")
    if team.archived:
        raise TeamError(f"sales team {code} is archived")
    return team


def _staff(uow: ports.UnitOfWork, username: str) -> StaffMember:
    staff = uow.staff.get(username)
    if staff is None:
        raise NotFound(f"no staff member {username}")
    return staff


def _part(parts: list, part_id: int, missing: str):
    for part in parts:
        if part.id == part_id:
            return part
    raise NotFound(f"{missing} {part_id}")
