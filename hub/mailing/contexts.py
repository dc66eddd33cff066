"""What each mail template is given: plain values read from the documents' detail
views (the same the API shows), never the ORM objects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from core.model.order_edits import CONFIRMATION_EMAIL
from core.model.order_edits import confirmation_wanted as wanted_by
from core.storage import (
    discussion_queries,
    purchasing_queries,
    queries,
    quote_queries,
    settings,
    tables,
    task_queries,
)

ZERO = Decimal(0)


def company(engine: Engine) -> dict[str, Any]:
    values = settings.current(engine, ("company.name", "company.address"))
    lines = [line for line in values["company.address"].splitlines() if line]
    return {"name": values["company.name"], "address": lines}


def order_context(engine: Engine, number: str) -> dict[str, Any]:
    order = queries.order_detail(engine, number, None)
    lines = [_order_line(line) for line in order["lines"] if line["status"] != "removed"]
    subtotal = sum((Decimal(line["amount"]) for line in lines if line["amount"]), ZERO)
    shipping = Decimal(order.get("shipping_amount") or 0)
    tax = Decimal(order.get("tax_amount") or 0)
    discount = Decimal(order.get("discount_amount") or 0)
    totals = {"subtotal": subtotal, "total": subtotal + shipping + tax - discount}
    totals.update({k: v for k, v in (("shipping", shipping), ("tax", tax)) if v})
    return {
        "number": order["number"],
        "buyer_reference": order.get("external_order_id"),
        "currency": order.get("currency") or "USD",
        "lines": lines,
        "totals": totals,
        "buyer_email": order.get("buyer_email"),
        "buyer_name": order.get("buyer_name"),
        "buyer_organisation": order.get("buyer_organisation"),
    }


def _order_line(line: dict[str, Any]) -> dict[str, Any]:
    price = line.get("unit_price")
    quantity = Decimal(line["quantity"])
    return {
        "part_number": line.get("supplier_part_id") or line.get("buyer_part_id") or "",
        "description": line.get("description"),
        "quantity": quantity,
        "unit": line.get("unit_of_measure"),
        "unit_price": price,
        "amount": None if price is None else quantity * Decimal(price),
    }


def confirmation_wanted(engine: Engine, order_number: str) -> bool:
    """The setting orders.confirmation_email, or the order's customer group's choice."""
    o, c, g = tables.orders.c, tables.customers.c, tables.customer_groups.c
    query = (
        select(g.order_confirmation)
        .select_from(tables.orders)
        .join(tables.customers, c.id == o.customer_id)
        .join(tables.customer_groups, g.id == c.group_id)
        .where(o.number == order_number)
    )
    with engine.connect() as connection:
        choice = connection.execute(query).scalar()
    setting = settings.current(engine, (CONFIRMATION_EMAIL,))[CONFIRMATION_EMAIL]
    return wanted_by(setting, choice)


def shipment_context(engine: Engine, number: str) -> dict[str, Any]:
    shipment = queries.shipment_detail(engine, number)
    lines = [
        {
            "part_number": line.get("supplier_part_id") or line.get("buyer_part_id") or "",
            "description": line.get("description"),
            "quantity": line["quantity"],
            "unit": line.get("unit_of_measure"),
        }
        for line in shipment["lines"]
    ]
    return {**shipment, "lines": lines}


def quote_context(engine: Engine, number: str, version: int) -> dict[str, Any]:
    quote = quote_queries.quote_detail(engine, number)
    sent = next(v for v in quote["versions"] if v["version_number"] == version)
    return {
        "number": quote["number"],
        "version": version,
        "currency": quote.get("currency") or "USD",
        "total": sent["total"],
        "valid_until": quote.get("valid_until"),
        "customer": quote["customer"],
    }


def invoice_context(engine: Engine, number: str) -> dict[str, Any]:
    invoice = queries.invoice_detail(engine, number)
    order = queries.order_detail(engine, invoice["order_number"], None)
    return {
        **invoice,
        "buyer_reference": order.get("external_order_id"),
        "currency": invoice.get("currency") or order.get("currency") or "USD",
        "buyer_email": order.get("buyer_email"),
        "buyer_name": order.get("buyer_name"),
    }


def purchase_order_context(engine: Engine, number: str) -> dict[str, Any]:
    po = purchasing_queries.purchase_order_detail(engine, number)
    lines = [
        {
            "part_number": line.get("supplier_part_id") or line.get("sku") or "",
            "description": line.get("description"),
            "quantity": line["quantity"],
            "unit": line.get("unit_of_measure"),
            "unit_price": line.get("unit_cost"),
            "amount": line["amount"],
        }
        for line in po["lines"]
        if line["status"] == "open"
    ]
    return {**po, "lines": lines, "note": po.get("notes")}


def supplier_context(engine: Engine, code: str) -> dict[str, Any]:
    return purchasing_queries.supplier_detail(engine, code)


def staff_people(engine: Engine, usernames) -> list[dict[str, str]]:
    """Each named staff member who is active and has an email address, once, in the
    order named: {username, name, address}."""
    wanted = list(dict.fromkeys(name for name in usernames if name))
    staff = tables.staff.c
    query = select(staff.username, staff.display_name, staff.email).where(
        staff.username.in_(wanted), staff.active.is_(True), staff.email.isnot(None)
    )
    with engine.connect() as connection:
        found = {row.username: row for row in connection.execute(query)}
    return [
        {"username": name, "name": found[name].display_name, "address": found[name].email}
        for name in wanted
        if name in found and found[name].email
    ]


def display_name(engine: Engine, username: str) -> str:
    """A staff member's name as people know it; the login itself otherwise."""
    staff = tables.staff.c
    with engine.connect() as connection:
        name = connection.execute(
            select(staff.display_name).where(staff.username == username)
        ).scalar()
    return name or username


def task_status_label(status: str) -> str:
    return status.replace("_", " ")


def task_context(engine: Engine, number: str) -> dict[str, Any]:
    task = task_queries.task_detail(engine, number)
    document = task.get("document")
    assignee = task.get("assignee")
    return {
        "number": task["number"],
        "title": task["title"],
        "description": task.get("description"),
        "due": task.get("due_on"),
        "status": task_status_label(task["status"]),
        "assignee": display_name(engine, assignee) if assignee else None,
        "assignee_username": assignee,
        "created_by": task["created_by"],
        "document": f"{document['kind'].replace('_', ' ')} {document['number']}"
        if document
        else None,
    }


def discussion_context(engine: Engine, number: str) -> dict[str, Any]:
    discussion = discussion_queries.discussion_detail(engine, number, None, is_admin=True)
    project = discussion.get("project")
    return {
        "number": discussion["number"],
        "subject": discussion["subject"],
        "project": project["name"] if project else None,
    }
