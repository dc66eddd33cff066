"""Who may do what: the permissions, the standard profiles that group them, and the
principal a signed-in staff member acts as."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from core.errors import OrderB2BError

PERMISSIONS: dict[str, str] = {
    "orders.view": "see orders, their lines, documents and history",
    "orders.edit": "change orders: lines, quantities, prices, addresses, status",
    "quotes.view": "see quotes and RFQs",
    "quotes.send": "create, version and send quotes to customers",
    "customers.view": "see customers, contacts and their history",
    "customers.edit": "add and change customers, contacts and groups",
    "customers.export": "export customer lists (CSV)",
    "products.view": "see products, prices and the pricing rules",
    "products.edit": "add and change products and their prices",
    "partners.view": "see trading partners and their settings (never their secrets)",
    "partners.manage": "add and change trading partners, endpoints and secrets",
    "shipments.view": "see shipments and tracking",
    "shipments.manage": "record shipments and send ship notices",
    "invoices.view": "see invoices and credit notes",
    "invoices.manage": "create invoices and credit notes and send them",
    "invoices.bulk": "invoice many orders at once",
    "purchasing.manage": "create and send purchase orders to suppliers",
    "payments.manage": "take, capture, void and refund payments",
    "settings.manage": "change tax rates, shipping ranges, discount codes and templates",
    "staff.manage": "add and disable staff, issue API tokens, change profiles",
    "activity.view": "see what each staff member did",
    "returns.view": "see returns (RMAs), their lines, comments and history",
    "returns.manage": "open, edit, authorise, receive and close returns (RMAs)",
    "collaborate": "add and work on tasks, and take part in discussions and projects",
}

_VIEW_SALES = ("orders.view", "quotes.view", "customers.view", "products.view")
_SELL = (*_VIEW_SALES, "orders.edit", "quotes.send", "customers.edit")
_RETURNS = ("returns.view", "returns.manage")
DEFAULT_PROFILES: dict[str, frozenset[str]] = {
    "administrator": frozenset(PERMISSIONS),
    "sales_manager": frozenset(
        (
            *_SELL,
            "customers.export",
            "shipments.view",
            "invoices.view",
            "partners.view",
            "activity.view",
            *_RETURNS,
            "collaborate",
        )
    ),
    "salesperson": frozenset((*_SELL, "shipments.view", "invoices.view", *_RETURNS, "collaborate")),
    "purchasing": frozenset(
        (
            "orders.view",
            "products.view",
            "products.edit",
            "purchasing.manage",
            "partners.view",
            "shipments.view",
            "returns.view",
            "collaborate",
        )
    ),
    "warehouse": frozenset(
        (
            "orders.view",
            "products.view",
            "shipments.view",
            "shipments.manage",
            *_RETURNS,
            "collaborate",
        )
    ),
    "accounting": frozenset(
        (
            *_VIEW_SALES,
            "customers.export",
            "shipments.view",
            "invoices.view",
            "invoices.manage",
            "invoices.bulk",
            "payments.manage",
            "returns.view",
            "collaborate",
        )
    ),
}


class AccessError(OrderB2BError):
    """A staff, token or permission request that cannot be carried out as given."""


class UnknownPermission(AccessError):
    pass


class UnknownProfile(AccessError):
    pass


class WeakPassword(AccessError):
    pass


class DuplicateStaff(AccessError):
    pass


class Principal(NamedTuple):
    """A signed-in staff member: what every request is checked against."""

    staff_id: int
    username: str
    permissions: frozenset[str]
    is_admin: bool
    # The customer groups this person's work is limited to (their sales teams');
    # None when they see every customer.
    groups: frozenset[int] | None = None

    def can(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions

    @property
    def sees_all_customers(self) -> bool:
        return self.is_admin or self.groups is None


def check_permissions(names: Iterable[str]) -> tuple[str, ...]:
    """The names sorted and without repeats; refuses any that is not a permission."""
    names = tuple(sorted(set(names)))
    unknown = [name for name in names if name not in PERMISSIONS]
    if unknown:
        raise UnknownPermission(
            f"unknown permission(s) {', '.join(unknown)}; known: {', '.join(PERMISSIONS)}"
        )
    return names


def check_profile_name(name: str) -> str:
    if name not in DEFAULT_PROFILES:
        raise UnknownProfile(f"unknown profile {name!r}; known: {', '.join(DEFAULT_PROFILES)}")
    return name


def check_grant_and_revoke(
    grant: Iterable[str], revoke: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    grant, revoke = check_permissions(grant), check_permissions(revoke)
    both = sorted(set(grant) & set(revoke))
    if both:
        raise AccessError(f"cannot both grant and revoke {', '.join(both)}")
    if not grant and not revoke:
        raise AccessError("nothing to change: name a permission to grant or revoke")
    return grant, revoke


def effective_permissions(
    profile_permissions: Iterable[str], overrides: dict | None, *, is_admin: bool = False
) -> frozenset[str]:
    """A profile's permissions with one person's grants added and revocations removed."""
    if is_admin:
        return frozenset(PERMISSIONS)
    overrides = overrides or {}
    granted = set(profile_permissions) | set(overrides.get("grant", ()))
    return frozenset((granted - set(overrides.get("revoke", ()))) & set(PERMISSIONS))
