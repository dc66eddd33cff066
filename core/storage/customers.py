"""Customers, their contacts and addresses, customer groups and sales teams through
the ORM; history is written by the unit of work from their changes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ports
from core.model.customers import Customer, CustomerAddress, CustomerContact, CustomerGroup
from core.model.teams import SalesTeam, TeamMember
from core.storage import scope, tables


class SqlCustomerRepository(ports.CustomerRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)
        self.session.flush()

    def get(self, code: str) -> Customer | None:
        return self.session.scalars(select(Customer).filter_by(code=code)).one_or_none()

    def get_by_id(self, customer_id: int) -> Customer | None:
        return self.session.get(Customer, customer_id)

    def with_partner_code(self, partner_code: str) -> list[Customer]:
        query = (
            select(Customer)
            .filter_by(partner_code=partner_code, archived=False)
            .order_by(Customer.id)
        )
        return list(self.session.scalars(query))

    def some_group_confirms(self) -> bool:
        g = tables.customer_groups.c
        found = select(g.id).where(g.order_confirmation == "always").limit(1)
        return self.session.execute(found).first() is not None

    def ids_by_partner(self, partner_codes: Iterable[str]) -> dict[str, int]:
        codes = sorted(set(partner_codes))
        if not codes:
            return {}
        c = tables.customers.c
        # Read newest first: were two customers ever to share a code, the oldest wins.
        rows = self.session.execute(
            select(c.partner_code, c.id)
            .where(c.partner_code.in_(codes), c.archived.is_(False))
            .order_by(c.id.desc())
        )
        return dict(rows.all())

    def add_part(self, part: CustomerContact | CustomerAddress) -> None:
        self.session.add(part)
        self.session.flush()

    def contacts(self, customer_id: int) -> list[CustomerContact]:
        query = select(CustomerContact).filter_by(customer_id=customer_id)
        return list(self.session.scalars(query.order_by(CustomerContact.id)))

    def addresses(self, customer_id: int) -> list[CustomerAddress]:
        query = select(CustomerAddress).filter_by(customer_id=customer_id)
        return list(self.session.scalars(query.order_by(CustomerAddress.id)))

    def add_group(self, group: CustomerGroup) -> None:
        self.session.add(group)
        self.session.flush()

    def group(self, code: str) -> CustomerGroup | None:
        return self.session.scalars(select(CustomerGroup).filter_by(code=code)).one_or_none()

    def group_by_id(self, group_id: int) -> CustomerGroup | None:
        return self.session.get(CustomerGroup, group_id)

    def lead_group(self) -> CustomerGroup | None:
        query = select(CustomerGroup).filter_by(takes_new_leads=True)
        return self.session.scalars(query).first()

    def save(self) -> None:
        self.session.flush()


class SqlTeamRepository(ports.TeamRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, team: SalesTeam) -> None:
        self.session.add(team)
        self.session.flush()

    def get(self, code: str) -> SalesTeam | None:
        return self.session.scalars(select(SalesTeam).filter_by(code=code)).one_or_none()

    def membership(self, team_id: int, staff_id: int) -> TeamMember | None:
        query = select(TeamMember).filter_by(team_id=team_id, staff_id=staff_id)
        return self.session.scalars(query).one_or_none()

    def add_member(self, member: TeamMember) -> None:
        self.session.add(member)
        self.session.flush()

    def groups_seen_by(self, staff_id: int) -> frozenset[int] | None:
        return scope.groups_seen_by(self.session.connection(), staff_id)
