"""Bulk invoicing: every order ready for it, in batches of many orders per
transaction.

A batch holds its orders, reads them as they stand, takes a block of numbers from
each series' counter and writes its invoices, their history, the orders' invoiced
quantities and the InvoiceCreated events in one commit: all of it or none of it,
so a failed batch leaves no half invoice and no number used. A failed batch is
tried again order by order; orders that still fail are reported skipped with the
error; when nothing of a batch could be written the run stops. Orders another
transaction holds are skipped (run again); orders invoiced meanwhile have nothing
left to bill. An invoice's series is the command's, else its customer's rule's,
else the invoices.series setting.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from core import commands, events, ports
from core.errors import NotFound
from core.model.bulk_invoicing import (
    RULE_SETTING,
    BulkProgress,
    BulkReport,
    PlannedInvoice,
    Skipped,
    check_rule,
    new_invoice,
    plan,
)
from core.model.invoices import SERIES_SETTING, InvoiceRefused, check_series, counter_name
from core.model.invoices import format_number as invoice_number

HELD = "held by another transaction (being invoiced or changed now); run again"


def invoice_ready_orders(command: commands.InvoiceReadyOrders, uow: ports.UnitOfWork) -> BulkReport:
    started = time.perf_counter()
    if command.batch_size < 1:
        raise InvoiceRefused("the batch size must be at least 1")
    for code in command.customers:
        if uow.customers.get(code) is None:
            raise NotFound(f"no customer {code}")
    forced = check_series(command.series) if command.series is not None else None
    series = check_series(uow.settings.get(SERIES_SETTING))
    rule = check_rule(uow.settings.get(RULE_SETTING))
    candidates = uow.billing.candidates(command.customers)
    uow.rollback()  # the batches are transactions of their own
    report = BulkReport(command.dry_run, considered=len(candidates))
    run = _Run(uow, report, rule, (forced, series), command.dry_run)
    for start in range(0, len(candidates), command.batch_size):
        batch = candidates[start : start + command.batch_size]
        if not run.batch(batch):
            break
        if command.progress is not None:
            done = start + len(batch)
            seconds = time.perf_counter() - started
            command.progress(
                BulkProgress(done, len(candidates), report.invoices, len(report.skipped), seconds)
            )
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    def __init__(self, uow, report: BulkReport, rule: str, series, dry_run: bool) -> None:
        self.uow = uow
        self.report = report
        self.rule = rule
        self.forced, self.series = series  # the command's series (or None), the default
        self.dry_run = dry_run

    def batch(self, candidates: list[tuple[int, str, str | None]]) -> bool:
        """Invoice a batch, or its orders one by one if it fails; False to stop
        (when nothing of the batch could be written)."""
        try:
            self._together(candidates)
            return True
        except Exception:
            self.uow.rollback()
        written, failed = 0, None
        for candidate in candidates:
            try:
                written += self._together([candidate])
            except Exception as error:
                self.uow.rollback()
                failed = self._failed(candidate, error)
        if failed and not written:
            self.report.stopped = f"nothing of a batch could be written: {failed}"
            return False
        return True

    def _failed(self, candidate, error: Exception) -> str:
        _, number, customer = candidate
        reason = f"not invoiced: {type(error).__name__}: {' '.join(str(error).split())[:300]}"
        self.report.skip(Skipped(number, customer, reason))
        return reason

    def _together(self, candidates: list[tuple[int, str, str | None]]) -> int:
        """Invoice what is ready of these orders in one transaction; how many."""
        uow = self.uow
        known = {order_id: (number, customer) for order_id, number, customer in candidates}
        orders, held = uow.billing.billable(list(known), lock=not self.dry_run)
        outcomes = [
            (order, plan(order, self.rule, self.forced or order.series or self.series))
            for order in orders
        ]
        planned = [p for _, p in outcomes if isinstance(p, PlannedInvoice)]
        numbers: list[str | None] = [None] * len(planned)
        if self.dry_run:
            uow.rollback()
        else:
            numbers = self._numbers(planned)
            now = datetime.now(UTC)
            written = [new_invoice(p, n, now) for p, n in zip(planned, numbers, strict=True)]
            uow.billing.write_invoices(written)
            for p, n in zip(planned, numbers, strict=True):
                order = p.order
                uow.emit(
                    events.InvoiceCreated(n, order.number, format(p.total, "f"), order.currency)
                )
            uow.commit()
        by_order = dict(zip((p.order.id for p in planned), numbers, strict=True))
        for order, outcome in outcomes:
            if isinstance(outcome, PlannedInvoice):
                self.report.invoiced(outcome, by_order[order.id])
            elif isinstance(outcome, Skipped):
                self.report.skip(outcome, order.customer_name)
        for order_id in held:
            self.report.skip(Skipped(*known[order_id], HELD))
        return len(planned)

    def _numbers(self, planned: list[PlannedInvoice]) -> list[str]:
        """A block of numbers from each series' counter, in this transaction; series
        in name order, so two runs take their counters in the same order."""
        wanted: dict[str, int] = {}
        for p in planned:
            wanted[p.series] = wanted.get(p.series, 0) + 1
        blocks = {
            series: iter(self.uow.next_counter(counter_name(series), count))
            for series, count in sorted(wanted.items())
        }
        return [invoice_number(p.series, next(blocks[p.series])) for p in planned]
