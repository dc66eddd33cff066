"""Bulk invoicing benchmark for the Order B2B hub; prints one JSON object on stdout.

    python bench/bulk_invoice.py [--orders N] [--customers M] [--batch-size B]
                                 [--pg-admin-url URL]

A fresh PostgreSQL database gets `orderb2b db upgrade` and `orderb2b demo --orders N
--customers M`; then every order (the demo's three sample orders too) is made ready
for invoicing with bulk UPDATEs (each active line shipped in full, nothing invoiced,
the order shipped, the M generated customers taking the orders in turn) and the
database is analysed. The measured step is `orderb2b invoices bulk --json`, run as
staff would run it (its own process); then it is run once more, which must
invoice nothing. The result is checked: one invoice per order, numbers without
gaps, every order invoiced.

Progress goes to stderr. The database and the temporary directory are removed at
the end, also on failure, Ctrl-C or timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.ingest import (  # noqa: E402
    PG_ADMIN_URL,
    BenchError,
    hub_env,
    log,
    machine_busy_pct,
    machine_info,
    postgres_database,
    run_bench,
    source_state,
    temp_dir,
)

DEMO_TIMEOUT = 1200.0
BULK_TIMEOUT = 900.0
TARGET_SECONDS = 60.0
READY = (
    "UPDATE order_lines SET shipped_quantity = quantity, invoiced_quantity = 0,"
    " backordered_quantity = 0 WHERE status <> 'removed'",
    "UPDATE orders SET status = 'shipped', held_from = NULL, hold_reason = NULL",
    # The generated customers take the orders in turn, so each has some.
    "WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM customers"
    " WHERE code LIKE 'CUST-%'), k AS (SELECT count(*) AS total FROM c),"
    " o AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM orders)"
    " UPDATE orders SET customer_id = c.id FROM o, c, k"
    " WHERE orders.id = o.id AND c.n = o.n % k.total",
)


def cli(env: dict, *args: str, timeout: float, stderr_to_log: bool = False) -> str:
    """Runs `orderb2b ARGS` on the benchmark's database; its stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env={**os.environ, **env},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=None if stderr_to_log else subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise BenchError(f"orderb2b {' '.join(args)} failed: {(result.stderr or '')[-2000:]}")
    return result.stdout


def load(env: dict, database_url: str, orders: int, customers: int) -> dict:
    cli(env, "db", "upgrade", timeout=120)
    log(f"generating {orders} orders of {customers} customers")
    started = time.perf_counter()
    cli(env, "demo", "--orders", str(orders), "--customers", str(customers),
        timeout=DEMO_TIMEOUT, stderr_to_log=True)  # fmt: skip
    generated = time.perf_counter() - started
    log(f"generated in {generated:.1f} s; making every order ready for invoicing")
    started = time.perf_counter()
    with _connect(database_url) as connection:
        for statement in READY:
            connection.execute(statement)
    with _connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return {
        "demo_seconds": round(generated, 1),
        "ready_seconds": round(time.perf_counter() - started, 1),
        **facts(database_url),
    }


def facts(database_url: str) -> dict:
    with _connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*), count(DISTINCT customer_id),"
            " count(*) FILTER (WHERE status = 'shipped'),"
            " (SELECT count(*) FROM order_lines), (SELECT count(*) FROM invoices)"
            " FROM orders"
        ).fetchone()
    keys = ("orders", "customers_with_orders", "orders_ready", "order_lines", "invoices_before")
    return dict(zip(keys, row, strict=True))


def timed_bulk(env: dict, batch_size: int) -> tuple[dict, float, list[str]]:
    """One run of `orderb2b invoices bulk --json`: its report, its wall time, and the
    progress lines it wrote."""
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "hub.cli", "invoices", "bulk", "--json",
         "--batch-size", str(batch_size)],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BULK_TIMEOUT,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchError(f"orderb2b invoices bulk failed: {process.stderr[-2000:]}")
    progress = process.stderr.strip().splitlines()
    for line in progress[-3:]:
        log(f"  {line}")
    return json.loads(process.stdout), seconds, progress


def check(database_url: str, orders: int) -> dict:
    """One invoice per order, numbered 1..N without gaps, every order invoiced."""
    with _connect(database_url) as connection:
        invoices, distinct_orders, first, last = connection.execute(
            "SELECT count(*), count(DISTINCT order_id), min(number), max(number) FROM invoices"
        ).fetchone()
        counter = connection.execute(
            "SELECT value FROM counters WHERE name = 'invoice:INV'"
        ).fetchone()
        uninvoiced = connection.execute(
            "SELECT count(*) FROM orders WHERE status <> 'invoiced'"
        ).fetchone()[0]
        lines_short = connection.execute(
            "SELECT count(*) FROM order_lines WHERE status <> 'removed'"
            " AND invoiced_quantity <> quantity"
        ).fetchone()[0]
        events = connection.execute(
            "SELECT count(*) FROM outbox WHERE routing_key = 'invoice.created'"
        ).fetchone()[0]
    result = {
        "invoices": invoices,
        "orders_invoiced": distinct_orders,
        "first_number": first,
        "last_number": last,
        "counter": counter[0] if counter else None,
        "orders_not_invoiced": uninvoiced,
        "lines_not_fully_invoiced": lines_short,
        "invoice_created_events": events,
    }
    result["ok"] = (
        invoices == distinct_orders == orders == (counter[0] if counter else 0) == events
        and uninvoiced == 0
        and lines_short == 0
    )
    return result


def _connect(database_url: str, autocommit: bool = False):
    import psycopg

    return psycopg.connect(database_url, autocommit=autocommit, connect_timeout=10)


def measure(args) -> dict:
    result: dict = {
        "machine": machine_info(),
        "source": source_state(),
        "parameters": {k: v for k, v in vars(args).items() if k != "pg_admin_url"},
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    with temp_dir() as data_dir, postgres_database(args.pg_admin_url) as database_url:
        env = hub_env(data_dir, database_url)
        result["setup"] = load(env, database_url, args.orders, args.customers)
        ready = result["setup"]["orders_ready"]
        result["machine_busy_pct_before"] = machine_busy_pct()
        log(f"bulk invoicing {ready} ready orders")
        report, seconds, progress = timed_bulk(env, args.batch_size)
        log(f"{report['invoices']} invoices in {seconds:.1f} s; running it again")
        again, again_seconds, _ = timed_bulk(env, args.batch_size)
        result["check"] = check(database_url, ready)
    result["orders"] = ready
    result["customers"] = result["setup"]["customers_with_orders"]
    result["invoices"] = report["invoices"]
    result["seconds"] = round(seconds, 2)
    result["core_seconds"] = report["seconds"]
    result["orders_per_s"] = round(ready / seconds, 1)
    result["skipped"] = report["skipped"]
    result["stopped"] = report["stopped"]
    result["totals"] = report["totals"]
    result["series"] = report["series"]
    result["progress_lines"] = len(progress)
    result["second_run"] = {
        "invoices": again["invoices"],
        "orders_considered": again["orders_considered"],
        "skipped": again["skipped"],
        "seconds": round(again_seconds, 2),
    }
    result["target"] = {"seconds_max": TARGET_SECONDS, "met": seconds < TARGET_SECONDS}
    result["ok"] = (
        result["check"]["ok"]
        and report["invoices"] == ready
        and not report["stopped"]
        and again["invoices"] == 0
    )
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=10_000, help="orders generated (N)")
    parser.add_argument("--customers", type=int, default=2_000, help="customers generated (M)")
    parser.add_argument("--batch-size", type=int, default=500, help="orders per transaction")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="whole run limit (s)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args(argv)
    if min(args.orders, args.customers, args.batch_size) < 1:
        parser.error("--orders, --customers and --batch-size must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    return run_bench(measure, parse_args(argv), (BenchError, subprocess.TimeoutExpired))


if __name__ == "__main__":
    sys.exit(main())
