"""What invoicing asks of storage beyond single invoices: row locks, credit notes,
series, invoicing rules, and bulk invoicing's reads and writes.

Bulk invoicing reads orders as plain values and writes invoices, their lines,
their history and the orders' invoiced quantities with one statement per table
(binary COPY on PostgreSQL), as new orders are written (ADR 7); history rows say
the same as the unit of work's would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import bindparam, exists, select, text, update
from sqlalchemy.orm import Session

from core import ports
from core.model.bulk_invoicing import (
    BillableLine,
    BillableOrder,
    InvoicingRule,
    NewInvoice,
)
from core.model.invoices import ZERO, Invoice, charges_billed
from core.storage import tables
from core.storage.bulk import insert_rows
from core.storage.history import created_row, plain_value
from core.storage.keys import draw_keys

_orders = tables.orders.c
_lines = tables.order_lines.c
_customers = tables.customers.c
_invoices = tables.invoices.c
_rules = tables.invoicing_rules.c
SHIPPED_STATUSES = ("partially_shipped", "shipped")
CHUNK = 1000  # ids per IN list


class SqlBillingDesk(ports.BillingDesk):
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _postgresql(self) -> bool:
        return self.session.bind.dialect.name == "postgresql"

    def lock_order(self, order_number: str) -> None:
        # SQLite: every write transaction holds the whole database (BEGIN IMMEDIATE).
        if self._postgresql:
            query = select(_orders.id).where(_orders.number == order_number).with_for_update()
            self.session.execute(query)

    def lock_invoice(self, number: str) -> None:
        if self._postgresql:
            query = (
                select(_invoices.id, _orders.id)
                .join(tables.orders, _orders.id == _invoices.order_id)
                .where(_invoices.number == number)
                .with_for_update()
            )
            self.session.execute(query)

    def credit_notes(self, invoice_id: int) -> list[Invoice]:
        query = select(Invoice).filter_by(credits_invoice_id=invoice_id).order_by(Invoice.id)
        return list(self.session.scalars(query))

    def known_series(self) -> set[str]:
        counters = tables.counters.c
        names = self.session.execute(
            select(counters.name).where(counters.name.like("invoice:%"))
        ).scalars()
        return {name.partition(":")[2] for name in names}

    def number_taken(self, number: str) -> bool:
        return bool(
            self.session.execute(select(exists().where(_invoices.number == number))).scalar()
        )

    def rule(self, *, customer_id: int | None = None, group_id: int | None = None):
        query = select(InvoicingRule).filter_by(customer_id=customer_id, group_id=group_id)
        return self.session.scalars(query).one_or_none()

    def add_rule(self, rule: InvoicingRule) -> None:
        self.session.add(rule)
        self.session.flush()

    # Bulk invoicing

    def candidates(self, customers: Iterable[str] = ()) -> list[tuple[int, str, str | None]]:
        held_shipped = (_orders.status == "on_hold") & _orders.held_from.in_(SHIPPED_STATUSES)
        query = (
            select(_orders.id, _orders.number, _customers.code)
            .outerjoin(tables.customers, _customers.id == _orders.customer_id)
            .where(_orders.status.in_(SHIPPED_STATUSES) | held_shipped)
            .order_by(_customers.code.is_(None), _customers.code, _orders.id)
        )
        customers = tuple(customers)
        if customers:
            query = query.where(_customers.code.in_(customers))
        return [tuple(row) for row in self.session.connection().execute(query)]

    def billable(
        self, order_ids: list[int], *, lock: bool
    ) -> tuple[list[BillableOrder], list[int]]:
        connection = self.session.connection()
        held: list[int] = []
        if lock and self._postgresql:
            locked = set()
            for chunk in _chunks(sorted(order_ids)):
                query = (
                    select(_orders.id)
                    .where(_orders.id.in_(chunk))
                    .order_by(_orders.id)
                    .with_for_update(skip_locked=True)
                )
                locked.update(connection.execute(query).scalars())
            held = [order_id for order_id in order_ids if order_id not in locked]
            order_ids = [order_id for order_id in order_ids if order_id in locked]
        if not order_ids:
            return [], held
        lines = self._lines(connection, order_ids)
        invoiced = self._invoiced_before(connection, order_ids)
        rules = self._rules(connection)
        orders = [
            _billable(row, lines.get(row.id, ()), row.id in invoiced, rules)
            for row in self._headers(connection, order_ids)
        ]
        return orders, held

    def _headers(self, connection, order_ids: list[int]):
        by_id = {}
        for chunk in _chunks(order_ids):
            query = (
                select(
                    _orders.id,
                    _orders.number,
                    _orders.status,
                    _orders.hold_reason,
                    _orders.currency,
                    _orders.bill_to,
                    _orders.payment,
                    _orders.shipping_amount,
                    _orders.tax_amount,
                    _orders.discount_amount,
                    _orders.customer_id,
                    _customers.code.label("customer"),
                    _customers.name.label("customer_name"),
                    _customers.group_id,
                )
                .outerjoin(tables.customers, _customers.id == _orders.customer_id)
                .where(_orders.id.in_(chunk))
            )
            by_id.update((row.id, row) for row in connection.execute(query))
        return [by_id[order_id] for order_id in order_ids if order_id in by_id]

    def _lines(self, connection, order_ids: list[int]) -> dict[int, list[BillableLine]]:
        lines: dict[int, list[BillableLine]] = defaultdict(list)
        for chunk in _chunks(order_ids):
            query = (
                select(
                    _lines.order_id,
                    _lines.id,
                    _lines.line_number,
                    _lines.status,
                    _lines.quantity,
                    _lines.shipped_quantity,
                    _lines.invoiced_quantity,
                    _lines.unit_of_measure,
                    _lines.unit_price,
                    _lines.supplier_part_id,
                    _lines.buyer_part_id,
                    _lines.description,
                )
                .where(_lines.order_id.in_(chunk))
                .order_by(_lines.order_id, _lines.line_number)
            )
            for row in connection.execute(query):
                lines[row[0]].append(BillableLine(*row[1:]))
        return lines

    def _invoiced_before(self, connection, order_ids: list[int]) -> set[int]:
        """The orders whose shipping, tax and discount an earlier invoice bills."""
        earlier = defaultdict(list)
        for chunk in _chunks(order_ids):
            query = select(
                _invoices.order_id,
                _invoices.purpose,
                _invoices.shipping_amount,
                _invoices.tax_amount,
                _invoices.discount_amount,
            ).where(_invoices.order_id.in_(chunk))
            for order_id, *charges in connection.execute(query):
                earlier[order_id].append(tuple(charges))
        return {order_id for order_id, found in earlier.items() if charges_billed(found)}

    def _rules(self, connection) -> dict[tuple[str, int], tuple[str, str | None]]:
        query = select(_rules.customer_id, _rules.group_id, _rules.rule, _rules.series).where(
            _rules.archived.is_(False)
        )
        rules = {}
        for customer_id, group_id, rule, series in connection.execute(query):
            key = ("customer", customer_id) if customer_id is not None else ("group", group_id)
            rules[key] = (rule, series)
        return rules

    def write_invoices(self, invoices: list[NewInvoice]) -> None:
        if not invoices:
            return
        connection = self.session.connection()
        actor = self.session.info["actor"]
        now = datetime.now(UTC)
        count = sum(len(new.lines) for new in invoices)
        keys = draw_keys(connection, {"invoices": len(invoices), "invoice_lines": count})
        invoice_keys, line_keys = iter(keys["invoices"]), iter(keys["invoice_lines"])
        headers, lines, history = [], [], []
        for new in invoices:
            values = {"id": next(invoice_keys), **new.values}
            for line in new.lines:
                line["id"], line["invoice_id"] = next(line_keys), values["id"]
            headers.append(values)
            lines.extend(new.lines)
            parts = {"lines": (tables.invoice_lines, new.lines)}
            history.append(created_row(tables.invoices, "invoice", values, actor, now, parts))
            history.extend(_order_history(new, actor, now))
        insert_rows(connection, tables.invoices, headers)
        insert_rows(connection, tables.invoice_lines, lines)
        self._follow(connection, invoices, now)
        insert_rows(connection, tables.history, history)

    def _follow(self, connection, invoices: list[NewInvoice], now: datetime) -> None:
        """The orders' invoiced quantities, statuses and change times."""
        quantities = [
            (line_id, after) for new in invoices for line_id, (_, after) in new.invoiced.items()
        ]
        statuses = [
            (new.values["order_id"], new.status[1] if new.status else None) for new in invoices
        ]
        if self._postgresql:
            connection.execute(
                _PG_LINES,
                {"ids": [q[0] for q in quantities], "quantities": [q[1] for q in quantities]},
            )
            connection.execute(
                _PG_ORDERS,
                {"ids": [s[0] for s in statuses], "statuses": [s[1] for s in statuses], "now": now},
            )
            return
        order_lines, orders = tables.order_lines, tables.orders
        connection.execute(
            update(order_lines)
            .where(order_lines.c.id == bindparam("line_id"))
            .values(invoiced_quantity=bindparam("after")),
            [{"line_id": line_id, "after": after} for line_id, after in quantities],
        )
        for order_id, status in statuses:
            values = (
                {"updated_at": now} if status is None else {"updated_at": now, "status": status}
            )
            connection.execute(update(orders).where(orders.c.id == order_id).values(**values))


_PG_LINES = text(
    "UPDATE order_lines AS l SET invoiced_quantity = v.quantity"
    " FROM (SELECT unnest(CAST(:ids AS bigint[])) AS id,"
    " unnest(CAST(:quantities AS numeric[])) AS quantity) AS v WHERE l.id = v.id"
)
_PG_ORDERS = text(
    "UPDATE orders AS o SET status = coalesce(v.status, o.status), updated_at = :now"
    " FROM (SELECT unnest(CAST(:ids AS bigint[])) AS id,"
    " unnest(CAST(:statuses AS text[])) AS status) AS v WHERE o.id = v.id"
)


def _billable(row, lines, invoiced_before: bool, rules) -> BillableOrder:
    rule, series = (
        rules.get(("customer", row.customer_id))
        or rules.get(("group", row.group_id))
        or (None, None)
    )
    return BillableOrder(
        id=row.id,
        number=row.number,
        status=row.status,
        currency=row.currency,
        lines=tuple(lines),
        customer=row.customer,
        customer_name=row.customer_name,
        rule=rule,
        series=series,
        invoiced_before=invoiced_before,
        hold_reason=row.hold_reason,
        bill_to=row.bill_to,
        net_days=(row.payment or {}).get("net_days"),
        shipping_amount=row.shipping_amount or ZERO,
        tax_amount=row.tax_amount or ZERO,
        discount_amount=row.discount_amount or ZERO,
    )


def _order_history(new: NewInvoice, actor, now: datetime) -> list[dict]:
    """What the unit of work would write for the order: its status, its lines'
    invoiced quantities."""
    order_id = new.values["order_id"]
    rows = [
        _updated("order_line", line_id, order_id, {"invoiced_quantity": change}, actor, now)
        for line_id, change in new.invoiced.items()
    ]
    if new.status:
        rows.append(_updated("order", order_id, order_id, {"status": new.status}, actor, now))
    return rows


def _updated(entity: str, entity_id: int, order_id: int, changes: dict, actor, now) -> dict:
    return {
        "doc_type": "order",
        "doc_id": order_id,
        "entity": entity,
        "entity_id": entity_id,
        "action": "update",
        "actor_kind": actor.kind,
        "actor": actor.name,
        "at": now,
        "changes": {
            name: {"old": plain_value(old), "new": plain_value(new)}
            for name, (old, new) in changes.items()
        },
    }


def _chunks(values: list[int]):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
