"""API read benchmark for the Order B2B hub; prints one JSON object on stdout.

    python bench/api.py [--orders N] [--customers M] [--products P] [--clients C]
                        [--requests R] [--pg-admin-url URL]

A fresh PostgreSQL database gets `orderb2b db upgrade` and `orderb2b demo --orders N
--customers M --products P`, then VACUUM ANALYZE (the state autovacuum keeps a
live database in); one hub (`orderb2b run`, in-process delivery) then answers R
requests from C client threads, each on its own keep-alive connection:
`GET /api/v1/orders?status=S&limit=50` (first pages and deep pages through
`after`, statuses in rotation), `GET /api/v1/orders/counts` and
`GET /api/v1/products?q=Q&limit=25` (part number prefixes, manufacturer part
numbers and words of descriptions, in rotation). Server time comes from the hub's
`Server-Timing: app;dur=<ms>` header.

Progress goes to stderr. The database, the hub and the temporary directory are
removed at the end, also on failure, Ctrl-C or timeout.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.ingest import (  # noqa: E402
    PG_ADMIN_URL,
    BenchError,
    RssSampler,
    hub_env,
    log,
    machine_busy_pct,
    machine_info,
    percentile,
    postgres_database,
    run_bench,
    running_hub,
    source_state,
    temp_dir,
)

STATUSES = ("new", "in_progress", "on_hold", "backordered", "shipped", "invoiced", "closed")
PAGE = 50
DEEP_FRACTIONS = (0.1, 0.5, 0.9)  # where in each status's listing the deep pages start
KINDS = ("orders_first_page", "orders_deep_page", "product_search", "orders_first_page",
         "orders_deep_page", "order_counts", "product_search")  # fmt: skip
SEARCH_PAGE = 25
LIST_KINDS = ("orders_first_page", "orders_deep_page")
WARM_UP_PER_CLIENT = 10
DEMO_TIMEOUT = 1200.0
REQUEST_TIMEOUT = 30.0
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
TOKEN = re.compile(r"ob2b_[A-Za-z0-9_-]+")
TARGETS = {"order_list_p95_server_ms_max": 50.0, "product_search_p95_server_ms_max": 50.0}


# ---------------------------------------------------------------- setting up


def cli(env: dict, *args: str, timeout: float = 120.0, show_progress: bool = False) -> str:
    """Runs `orderb2b ARGS` against the benchmark's database; its stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env={**os.environ, **env},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=None if show_progress else subprocess.PIPE,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise BenchError(f"orderb2b {' '.join(args)} failed: {(result.stderr or '')[-2000:]}")
    return result.stdout


def load_database(env: dict, database_url: str, orders: int, customers: int, products: int):
    cli(env, "db", "upgrade")
    log(f"generating {orders} orders, {customers} customers and {products} products")
    started = time.perf_counter()
    out = cli(
        env,
        "demo",
        "--orders",
        str(orders),
        "--customers",
        str(customers),
        "--products",
        str(products),
        timeout=DEMO_TIMEOUT,
        show_progress=True,
    )
    seconds = time.perf_counter() - started
    log(f"demo data generated in {seconds:.1f} s; VACUUM ANALYZE")
    vacuum_analyze(database_url)
    return {
        "seconds": round(seconds, 1),
        "orders_per_s": round(orders / seconds, 1),
        "output": out.strip().splitlines()[-1],
    }


def vacuum_analyze(database_url: str) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute("VACUUM ANALYZE")


def search_terms(database_url: str, count: int = 60) -> list[str]:
    """What staff type into product search: the start of our part numbers and of
    manufacturer part numbers, and words from descriptions, from random products."""
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT sku, manufacturer_part_id, description FROM products"
            " ORDER BY random() LIMIT %s",
            (count,),
        ).fetchall()
    terms = []
    for n, (sku, part, description) in enumerate(rows):
        words = [w for w in (description or "").split() if len(w) > 3] or [sku]
        terms.append((sku[:6], (part or sku)[:5], words[n % len(words)])[n % 3])
    return terms


def issue_token(env: dict) -> str:
    staff = {**env, "BENCH_STAFF_PASSWORD": "bench-only correct horse battery"}
    cli(staff, "staff", "add", "benchmark", "--name", "Benchmark", "--profile", "administrator",
        "--password-env", "BENCH_STAFF_PASSWORD")  # fmt: skip
    issued = cli(env, "staff", "token", "issue", "benchmark", "--label", "api benchmark")
    found = TOKEN.search(issued)
    if found is None:
        raise BenchError("orderb2b staff token issue printed no token")
    return found.group(0)


def deep_cursors(database_url: str) -> dict[str, list[str]]:
    """For each status, order numbers well inside its listing to page on from."""
    import psycopg

    cursors: dict[str, list[str]] = {}
    with psycopg.connect(database_url, connect_timeout=10) as connection:
        for status in STATUSES:
            count = connection.execute(
                "SELECT count(*) FROM orders WHERE status = %s", (status,)
            ).fetchone()[0]
            cursors[status] = [
                row[0]
                for fraction in DEEP_FRACTIONS
                for row in connection.execute(
                    "SELECT number FROM orders WHERE status = %s ORDER BY id DESC"
                    " OFFSET %s LIMIT 1",
                    (status, int(count * fraction)),
                )
            ]
    return cursors


def request_plan(
    count: int, cursors: dict[str, list[str]], terms: list[str]
) -> list[tuple[str, str]]:
    """(kind, path) for every request, statuses, deep cursors and search terms in
    rotation."""
    plan = []
    listed = searched = 0
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        if kind == "order_counts":
            plan.append((kind, "/api/v1/orders/counts"))
            continue
        if kind == "product_search":
            term = quote(terms[searched % len(terms)])
            plan.append((kind, f"/api/v1/products?q={term}&limit={SEARCH_PAGE}"))
            searched += 1
            continue
        status = STATUSES[listed % len(STATUSES)]
        path = f"/api/v1/orders?status={status}&limit={PAGE}"
        deep = cursors.get(status) or []
        if kind == "orders_deep_page" and deep:
            path += f"&after={deep[(listed // len(STATUSES)) % len(deep)]}"
        elif kind == "orders_deep_page":
            kind = "orders_first_page"
        plan.append((kind, path))
        listed += 1
    return plan


# ---------------------------------------------------------------- clients


@dataclass(frozen=True)
class Sample:
    kind: str
    status: int
    client_ms: float
    server_ms: float | None


class Client(threading.Thread):
    """One keep-alive connection working through its share of the plan."""

    def __init__(self, port: int, token: str, plan: list[tuple[str, str]], warm_up: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Connection": "keep-alive"}
        self.plan = plan
        self.warm_up = warm_up
        self.samples: list[Sample] = []
        self.failures: list[str] = []
        self.started = threading.Event()
        self.go = threading.Event()

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            for kind, path in self.plan[: self.warm_up]:
                self._call(connection, kind, path)
            self.started.set()
            self.go.wait()
            self.samples = [self._call(connection, kind, path) for kind, path in self.plan]
        except Exception as error:
            self.failures.append(f"{type(error).__name__}: {error}")
        finally:
            self.started.set()
            connection.close()

    def _call(self, connection, kind: str, path: str) -> Sample:
        started = time.perf_counter()
        connection.request("GET", path, headers=self.headers)
        response = connection.getresponse()
        response.read()
        client_ms = (time.perf_counter() - started) * 1000
        timing = SERVER_TIMING.search(response.getheader("Server-Timing") or "")
        return Sample(kind, response.status, client_ms, float(timing.group(1)) if timing else None)


def run_clients(port: int, token: str, plan: list[tuple[str, str]], clients: int) -> dict:
    shares = [plan[n::clients] for n in range(clients)]
    workers = [Client(port, token, share, WARM_UP_PER_CLIENT) for share in shares]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.started.wait(REQUEST_TIMEOUT * WARM_UP_PER_CLIENT)
    log(f"{clients} clients warmed up; measuring {len(plan)} requests")
    started = time.perf_counter()
    for worker in workers:
        worker.go.set()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    samples = [s for worker in workers for s in worker.samples]
    failures = [f for worker in workers for f in worker.failures]
    return {"seconds": seconds, "samples": samples, "failures": failures}


# ---------------------------------------------------------------- results


def summary_ms(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "p50": round(percentile(ordered, 0.50), 2),
        "p95": round(percentile(ordered, 0.95), 2),
        "p99": round(percentile(ordered, 0.99), 2),
        "max": round(ordered[-1], 2),
    }


def by_kind(samples: list[Sample], seconds: float) -> dict:
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.kind].append(sample)
    groups["order_list_all"] = [s for s in samples if s.kind in LIST_KINDS]
    return {kind: kind_result(group, seconds) for kind, group in groups.items()}


def kind_result(samples: list[Sample], seconds: float) -> dict:
    statuses: dict[int, int] = defaultdict(int)
    for sample in samples:
        statuses[sample.status] += 1
    return {
        "requests": len(samples),
        "requests_per_s": round(len(samples) / seconds, 1) if seconds else None,
        "errors": sum(n for status, n in statuses.items() if status != 200),
        "statuses": dict(statuses),
        "server_ms": summary_ms([s.server_ms for s in samples if s.server_ms is not None]),
        "client_ms": summary_ms([s.client_ms for s in samples]),
        "missing_server_timing": sum(1 for s in samples if s.server_ms is None),
    }


def verdict(kinds: dict) -> dict:
    return {
        f"{kind}_p95_server_ms": _against(kinds, kind, TARGETS[f"{kind}_p95_server_ms_max"])
        for kind in ("order_list", "product_search")
    }


def _against(kinds: dict, kind: str, limit: float) -> dict:
    name = "order_list_all" if kind == "order_list" else kind
    p95 = kinds.get(name, {}).get("server_ms", {}).get("p95")
    return {"value": p95, "target_max": limit, "meets_target": p95 is not None and p95 < limit}


# ---------------------------------------------------------------- main


def measure(args) -> dict:
    result: dict = {
        "machine": machine_info(),
        "source": source_state(),
        "parameters": vars(args).copy(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "machine_busy_pct_before": machine_busy_pct(),
    }
    del result["parameters"]["pg_admin_url"]
    with temp_dir() as data_dir, postgres_database(args.pg_admin_url) as database_url:
        env = hub_env(data_dir, database_url)
        result["demo_load"] = load_database(
            env, database_url, args.orders, args.customers, args.products
        )
        token = issue_token(env)
        plan = request_plan(args.requests, deep_cursors(database_url), search_terms(database_url))
        with running_hub(env, data_dir / "hub.log") as hub, RssSampler(hub.process.pid) as rss:
            rss.start_window()
            run = run_clients(hub.port, token, plan, args.clients)
            result["hub_rss"] = rss.report()
            if hub.process.poll() is not None:
                raise BenchError(f"the hub exited with {hub.process.returncode} during the run")
    kinds = by_kind(run["samples"], run["seconds"])
    result["run"] = {
        "seconds": round(run["seconds"], 2),
        "requests": len(run["samples"]),
        "requests_per_s": round(len(run["samples"]) / run["seconds"], 1),
        "errors": sum(1 for s in run["samples"] if s.status != 200) + len(run["failures"]),
        "client_failures": run["failures"][:10],
    }
    result["requests"] = kinds
    result["targets"] = TARGETS
    result["verdict"] = verdict(kinds)
    result["ok"] = not result["run"]["errors"] and len(run["samples"]) == len(plan)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders generated (N)")
    parser.add_argument("--customers", type=int, default=20_000, help="customers generated (M)")
    parser.add_argument("--products", type=int, default=20_000, help="products generated (P)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (C)")
    parser.add_argument("--requests", type=int, default=6000, help="measured requests in all (R)")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="whole run limit (s)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args(argv)
    if min(args.orders, args.customers, args.products, args.clients, args.requests) < 1:
        parser.error("--orders, --customers, --products, --clients and --requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    return run_bench(measure, parse_args(argv), (BenchError,))


if __name__ == "__main__":
    sys.exit(main())
