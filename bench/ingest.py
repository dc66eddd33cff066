"""Ingest benchmark for the Order B2B hub; prints one JSON object on stdout.

    python bench/ingest.py [--orders N] [--concurrency C] [--rate R]
                           [--mode all|durable|embedded|core]

durable:  a hub on a fresh PostgreSQL database and RabbitMQ prefix, fed over HTTP
          by a separate client process, closed loop and then paced at R/s.
embedded: the same closed-loop HTTP run against the embedded default (SQLite).
core:     the IngestOrder command in-process on PostgreSQL and SQLite, one
          transaction per order and 100 orders per transaction.

Progress goes to stderr. Everything it creates (databases, queues, processes,
temporary directories) is removed at the end, also on failure or timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PG_ADMIN_URL = os.environ.get("ORDERB2B_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("ORDERB2B_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2F")
PARTNER = "gsa-advantage"
POLL_INTERVAL = 0.02
SAMPLE_INTERVAL = 0.1
HUB_START_TIMEOUT = 60.0
HUB_STOP_TIMEOUT = 30.0
DRAIN_TIMEOUT = 120.0
BATCH = 100
NEAR_END = 200  # orders left when commit polling goes to its full rate
WARM_UP_ORDERS = 20
CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGETS = {
    "durable_orders_per_s_min": 600,
    "durable_orders_per_s_aim": 1000,
    "post_p99_ms_at_300_per_s_max": 100,
    "core_orders_per_s_min": 1500,
    "hub_rss_mb_max": 300,
}


class BenchError(Exception):
    """A mode could not complete (a timeout, a crashed hub, a failed step)."""


class Aborted(BaseException):
    """The whole run is stopped (time limit or SIGTERM); cleanup still runs."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- statistics


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(seconds: list[float]) -> dict:
    values = sorted(seconds)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50": _ms(percentile(values, 0.50)),
        "p90": _ms(percentile(values, 0.90)),
        "p99": _ms(percentile(values, 0.99)),
        "max": _ms(values[-1]),
        "mean": _ms(sum(values) / len(values)),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _rate(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds > 0 else None


# ---------------------------------------------------------------- /proc sampling


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by one process; 0 if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def process_memory_kb(pid: int) -> dict[str, int]:
    values = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return values
    for line in lines:
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc/<pid>/task/*/children)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(p) for p in (task / "children").read_text().split()]
    return tree


def tree_cpu(pid: int) -> float:
    return sum(process_cpu(p) for p in process_tree(pid))


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies over all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return total - idle, total


def machine_busy_pct(seconds: float = 1.0) -> float:
    busy, total = machine_cpu()
    time.sleep(seconds)
    busy_after, total_after = machine_cpu()
    return round(100 * (busy_after - busy) / max(1, total_after - total), 1)


def wait_for_quiet(limit_s: float, busy_pct: float = 25.0) -> float | None:
    """Waits (up to limit_s) for other load on the machine to drop; returns the last busy %."""
    if limit_s <= 0:
        return None
    deadline = time.monotonic() + limit_s
    busy = machine_busy_pct()
    while busy > busy_pct and time.monotonic() < deadline:
        log(f"machine {busy}% busy with other work; waiting for it to quieten")
        busy = machine_busy_pct(2.0)
    return busy


def pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
    return pids


class RssSampler:
    """Samples the resident memory of a process tree in a background thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.first_kb = 0
        self.peak_kb = 0
        self.window_peak_kb = 0
        self.hwm_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self.sample()
        self.first_kb = self.peak_kb
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_INTERVAL):
            self.sample()

    def sample(self) -> None:
        total = sum(process_memory_kb(p).get("VmRSS", 0) for p in process_tree(self.pid))
        self.peak_kb = max(self.peak_kb, total)
        self.window_peak_kb = max(self.window_peak_kb, total)
        self.hwm_kb = max(self.hwm_kb, process_memory_kb(self.pid).get("VmHWM", 0))

    def start_window(self) -> None:
        self.window_peak_kb = 0
        self.sample()

    def report(self) -> dict:
        self.sample()
        return {
            "at_start_mb": round(self.first_kb / 1024, 1),
            "peak_in_run_mb": round(self.window_peak_kb / 1024, 1),
            "peak_mb": round(self.peak_kb / 1024, 1),
            "vm_hwm_mb": round(self.hwm_kb / 1024, 1),
        }


# ---------------------------------------------------------------- resources


def _admin_execute(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(statement)


@contextlib.contextmanager
def postgres_database(admin_url: str):
    """A fresh, empty database of our own; dropped afterwards."""
    name = f"orderb2b_bench_{uuid.uuid4().hex[:10]}"
    _admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    log(f"created database {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        try:
            _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            log(f"dropped database {name}")
        except Exception as error:
            log(f"could not drop database {name}: {error!r}")


@contextlib.contextmanager
def amqp_prefix(amqp_url: str):
    """A queue and exchange prefix of our own; its topology is deleted afterwards."""
    prefix = f"orderb2b-bench-{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        try:
            delete_topology(amqp_url, prefix)
            log(f"deleted AMQP topology {prefix}")
        except Exception as error:
            log(f"could not delete AMQP topology {prefix}: {error!r}")


def delete_topology(amqp_url: str, prefix: str) -> None:
    import pika

    from core.handlers.normaliser import Normaliser
    from hub.amqp.topology import Topology
    from hub.config import Config

    parameters = pika.URLParameters(amqp_url)
    parameters.socket_timeout = 10
    connection = pika.BlockingConnection(parameters)
    try:
        channel = connection.channel()
        topology = Topology(prefix, Config.retry_delays)
        for name in topology.queues([Normaliser.name]):
            channel.queue_delete(name)
        for exchange in (topology.exchange, topology.dead_exchange):
            channel.exchange_delete(exchange)
    finally:
        connection.close()


@contextlib.contextmanager
def temp_dir():
    path = Path(tempfile.mkdtemp(prefix="orderb2b-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def hub_env(data_dir: Path, database_url: str = "", amqp_url: str = "", prefix: str = "") -> dict:
    """Empty values count as unset in hub.config, so the embedded default can be forced."""
    return {
        "ORDERB2B_DATA_DIR": str(data_dir),
        "ORDERB2B_DATABASE_URL": database_url,
        "ORDERB2B_AMQP_URL": amqp_url,
        "ORDERB2B_AMQP_PREFIX": prefix or "orderb2b",
    }


def load_demo_data(env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "demo"],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise BenchError(f"orderb2b demo failed: {result.stderr.strip()[-2000:]}")
    log("demo data loaded")


@contextlib.contextmanager
def running_hub(env: dict, log_path: Path):
    """One hub process with all roles, healthy on a free port; stopped afterwards."""
    from tests.e2e.hub_process import HubProcess

    hub = HubProcess(env, log_path=log_path)
    hub.start(wait=False)
    log(f"hub started (pid {hub.process.pid}, port {hub.port})")
    try:
        try:
            hub.wait_healthy(HUB_START_TIMEOUT)
        except (RuntimeError, TimeoutError) as error:
            raise BenchError(f"hub did not become healthy: {error}; {log_tail(log_path)}") from None
        yield hub
    finally:
        stop_hub(hub)


def stop_hub(hub) -> None:
    if hub.process.poll() is not None:
        log(f"hub had already exited with {hub.process.returncode}")
        return
    try:
        code = hub.terminate(HUB_STOP_TIMEOUT)
        log(f"hub stopped (exit code {code})")
    except subprocess.TimeoutExpired:
        log("hub did not stop in time; killing it")
        hub.kill()


def log_tail(path: Path, size: int = 1500) -> str:
    try:
        return "hub log tail: " + path.read_text(errors="replace")[-size:]
    except OSError:
        return "no hub log"


# ---------------------------------------------------------------- database probes


class _Probe:
    """What both databases answer alike, through `self.connection.execute`."""

    connection = None

    def close(self) -> None:
        self.connection.close()

    def count_orders(self) -> int:
        return self.connection.execute("SELECT count(*) FROM orders").fetchone()[0]

    def document_states(self) -> dict[str, int]:
        rows = self.connection.execute(
            "SELECT state, count(*) FROM inbound_documents GROUP BY state"
        ).fetchall()
        return dict(rows)


class PostgresProbe(_Probe):
    """Reads counts and timestamps from the hub's PostgreSQL database."""

    kind = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self.database = url.rsplit("/", 1)[1]
        self.connection = psycopg.connect(url, autocommit=True, connect_timeout=10)

    def last_created_at(self) -> float | None:
        value = self.connection.execute("SELECT max(created_at) FROM orders").fetchone()[0]
        return value.timestamp() if value else None

    def backend_pids(self) -> list[int]:
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.database,),
        ).fetchall()
        return [row[0] for row in rows]


class SqliteProbe(_Probe):
    """Reads the embedded SQLite file read-only (WAL readers do not block the hub)."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)

    def last_created_at(self) -> float | None:
        value = self.connection.execute("SELECT max(created_at) FROM orders").fetchone()[0]
        if not value:
            return None
        moment = datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()

    def backend_pids(self) -> list[int]:
        return []


@contextlib.contextmanager
def opened(probe):
    try:
        yield probe
    finally:
        probe.close()


def settle(probe, hub, timeout: float = 60.0) -> int:
    """Waits until no document is left unprocessed and the order count holds still."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        check_hub_alive(hub)
        count = probe.count_orders()
        if probe.document_states().get("received", 0) == 0 and count == last:
            return count
        last = count
        time.sleep(0.25)
    raise BenchError(f"the hub did not settle within {timeout:.0f} s; {log_tail(hub.log_path)}")


def check_hub_alive(hub) -> None:
    if hub.process.poll() is not None:
        raise BenchError(f"hub exited with {hub.process.returncode}; {log_tail(hub.log_path)}")


# ---------------------------------------------------------------- HTTP client


@dataclass(frozen=True)
class ClientSpec:
    port: int
    tag: str
    orders: int
    concurrency: int
    rate: float | None = None
    timeout: float = 300.0


def build_requests(spec: ClientSpec) -> list[bytes]:
    """Complete HTTP requests, each a distinct 5-line OrderRequest (own orderID, payloadID)."""
    from hub.demo import order_request

    head = (
        "POST /cxml HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/xml\r\n"
        "Content-Length: {length}\r\n\r\n"
    )
    requests = []
    for n in range(spec.orders):
        body = order_request(f"BENCH-{spec.tag}-{n:06d}", lines=5)
        requests.append(head.format(port=spec.port, length=len(body)).encode() + body)
    return requests


class Connection:
    """One keep-alive HTTP/1.1 connection over asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def post(self, request: bytes) -> tuple[int, bool]:
        self.writer.write(request)
        return await read_response(self.reader)

    def close(self) -> None:
        self.writer.close()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Reads one response; returns its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding") == b"chunked":
        await _read_chunks(reader)
    return status, headers.get(b"connection") != b"close"


async def _read_chunks(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            return
        await reader.readexactly(size + 2)


CONNECTION_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


class Recorder:
    """What the client saw: latencies, statuses, first and last moments (wall clock)."""

    def __init__(self, count: int) -> None:
        self.latency = [0.0] * count
        self.from_schedule = [0.0] * count
        self.statuses: Counter = Counter()
        self.dispatch_seconds = 0.0
        self.first_send = 0.0
        self.last_send = 0.0
        self.last_response = 0.0
        self.in_flight = 0
        self.max_in_flight = 0

    def sending(self) -> None:
        self.last_send = time.time()
        if not self.first_send:
            self.first_send = self.last_send
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def answered(self, status) -> None:
        self.in_flight -= 1
        self.statuses[str(status)] += 1
        self.last_response = time.time()


async def closed_loop(spec: ClientSpec, requests: list[bytes]) -> Recorder:
    """C workers, each on its own connection, sending the next request when answered."""
    record = Recorder(len(requests))
    connections = [await Connection.open(spec.port) for _ in range(spec.concurrency)]
    queue = iter(range(len(requests)))
    workers = [_worker(spec.port, c, queue, requests, record) for c in connections]
    await asyncio.wait_for(asyncio.gather(*workers), spec.timeout)
    return record


async def _worker(port, connection, queue, requests, record: Recorder) -> None:
    for n in queue:
        started = time.perf_counter()
        record.sending()
        try:
            status, keep = await connection.post(requests[n])
        except CONNECTION_ERRORS as error:
            status, keep = type(error).__name__, False
        record.latency[n] = record.from_schedule[n] = time.perf_counter() - started
        record.answered(status)
        if not keep:
            connection.close()
            connection = await Connection.open(port)
    connection.close()


async def open_loop(spec: ClientSpec, requests: list[bytes]) -> Recorder:
    """Sends at fixed intervals whatever the answers; latency counts from the schedule."""
    loop = asyncio.get_running_loop()
    record = Recorder(len(requests))
    idle = [await Connection.open(spec.port) for _ in range(spec.concurrency)]
    tasks = set()
    start = loop.time() + 0.01
    for n, request in enumerate(requests):
        due = start + n / spec.rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_paced_post(spec.port, n, request, due, record, idle))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    record.dispatch_seconds = loop.time() - start
    await asyncio.wait_for(asyncio.gather(*tasks), spec.timeout)
    for connection in idle:
        connection.close()
    return record


async def _paced_post(port: int, n: int, request: bytes, due: float, record, idle) -> None:
    """One due request, on an idle connection or a new one (opened here, so that a
    slow accept delays this request and not the schedule)."""
    loop = asyncio.get_running_loop()
    connection = None
    try:
        connection = idle.pop() if idle else await Connection.open(port)
        sent = loop.time()
        record.sending()
        status, keep = await connection.post(request)
    except CONNECTION_ERRORS as error:
        if connection is None:
            sent = loop.time()
            record.sending()
        status, keep = type(error).__name__, False
    done = loop.time()
    record.latency[n] = done - sent
    record.from_schedule[n] = done - due
    record.answered(status)
    if keep:
        idle.append(connection)
    elif connection is not None:
        connection.close()


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def client_process(spec: ClientSpec, pipe) -> None:
    """The load generator, run in a process of its own: prepare, wait for go, send."""
    try:
        requests = build_requests(spec)
        pipe.send("ready")
        if not pipe.poll(900):
            return
        pipe.recv()
        cpu = own_cpu()
        drive = open_loop if spec.rate else closed_loop
        record = asyncio.run(drive(spec, requests))
        pipe.send(client_report(spec, record, own_cpu() - cpu))
    except BaseException as error:
        pipe.send({"error": f"client failed: {type(error).__name__}: {error}"})


def client_report(spec: ClientSpec, record: Recorder, cpu_s: float) -> dict:
    wall = record.last_response - record.first_send
    report = {
        "first_send": record.first_send,
        "last_send": record.last_send,
        "last_response": record.last_response,
        "statuses": dict(record.statuses),
        "ok": record.statuses.get("200", 0),
        "post_latency_ms": latency_summary(record.latency),
        "client_cpu_s": round(cpu_s, 2),
        "client_busy_fraction": round(cpu_s / wall, 2) if wall > 0 else None,
        "max_in_flight": record.max_in_flight,
    }
    if spec.rate:
        report["post_latency_from_schedule_ms"] = latency_summary(record.from_schedule)
        report["dispatch_rate_per_s"] = _rate(spec.orders - 1, record.dispatch_seconds)
    return report


# ---------------------------------------------------------------- one HTTP run


class Resources:
    """CPU counters of everything involved, read at the start and end of a run."""

    def __init__(self, hub_pid: int, probe) -> None:
        self.hub_pid = hub_pid
        self.probe = probe

    def snapshot(self) -> dict:
        return {
            "wall": time.monotonic(),
            "hub": tree_cpu(self.hub_pid),
            "machine": machine_cpu(),
            "postgres": {p: process_cpu(p) for p in self.probe.backend_pids()},
            "broker": {p: process_cpu(p) for p in pids_named("beam.smp")},
        }

    @staticmethod
    def usage(before: dict, after: dict, orders: int, client_cpu: float) -> dict:
        """CPU use between the snapshots; `other` is what processes outside the run used."""
        wall = after["wall"] - before["wall"]
        busy = (after["machine"][0] - before["machine"][0]) / CLK_TCK
        hub = after["hub"] - before["hub"]
        postgres = _delta(before["postgres"], after["postgres"])
        broker = _delta(before["broker"], after["broker"])
        other = busy - hub - postgres - broker - client_cpu
        return {
            "hub_cpu_s": round(hub, 2),
            "hub_cpu_cores": _per(hub, wall),
            "hub_cpu_ms_per_order": round(hub * 1000 / orders, 3) if orders else None,
            "postgres_backends_cpu_s": round(postgres, 2),
            "broker_cpu_s": round(broker, 2),
            "machine_busy_cores": _per(busy, wall),
            "other_processes_cpu_cores": _per(max(other, 0.0), wall),
        }


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used by processes seen at both ends (a restarted one is left out)."""
    return sum(cpu - before[pid] for pid, cpu in after.items() if pid in before)


def _per(amount: float, seconds: float) -> float | None:
    return round(amount / seconds, 2) if seconds > 0 else None


def http_run(hub, probe, sampler: RssSampler, spec: ClientSpec, quiet_wait: float, profiler=None):
    baseline = probe.count_orders()
    resources = Resources(hub.process.pid, probe)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    client = context.Process(target=client_process, args=(spec, theirs), daemon=True)
    client.start()
    try:
        _expect_ready(ours)
        busy_before = wait_for_quiet(quiet_wait)
        with profiler or contextlib.nullcontext():
            sampler.start_window()
            before = resources.snapshot()
            ours.send("go")
            committed, report = wait_for_orders(hub, probe, ours, baseline, spec)
            after = resources.snapshot()
    finally:
        _stop_client(client)
    result = run_report(probe, spec, report, committed, resources.usage, before, after, sampler)
    return {"machine_busy_pct_before": busy_before, **result}


def _expect_ready(pipe) -> None:
    if not pipe.poll(180):
        raise BenchError("the client did not prepare its requests in time")
    message = pipe.recv()
    if message != "ready":
        raise BenchError(str(message.get("error", message)))


def _stop_client(client) -> None:
    client.join(10)
    if client.is_alive():
        log(f"killing client process {client.pid}")
        client.kill()
        client.join(5)


def wait_for_orders(hub, probe, pipe, baseline: int, spec: ClientSpec) -> tuple[float, dict]:
    """Polls the order count until every accepted order is committed; returns that moment."""
    target = baseline + spec.orders
    report = None
    deadline = time.monotonic() + spec.timeout + DRAIN_TIMEOUT
    next_progress = time.monotonic() + 2
    while time.monotonic() < deadline:
        count = probe.count_orders()
        if count >= target:
            seen = time.time()
            return seen, report or _client_result(pipe, timeout=spec.timeout)
        if report is None and pipe.poll():
            report = _client_result(pipe, timeout=0)
            target = baseline + report["ok"]
            deadline = min(deadline, time.monotonic() + DRAIN_TIMEOUT)
        check_hub_alive(hub)
        if time.monotonic() > next_progress:
            log(f"  {count - baseline}/{target - baseline} orders committed")
            next_progress += 2
        # Far from the end, poll ten times less often: the count is not free.
        time.sleep(POLL_INTERVAL if target - count <= NEAR_END else 10 * POLL_INTERVAL)
    count = probe.count_orders() - baseline
    raise BenchError(f"the hub committed {count} of {target - baseline} orders before the timeout")


def _client_result(pipe, timeout: float) -> dict:
    if not pipe.poll(timeout):
        raise BenchError("the client did not report in time")
    try:
        report = pipe.recv()
    except EOFError:
        raise BenchError("the client process died") from None
    if "error" in report:
        raise BenchError(report["error"])
    return report


def run_report(probe, spec, report, committed, usage, before, after, sampler) -> dict:
    first = report.pop("first_send")
    last_send = report.pop("last_send")
    last_response = report.pop("last_response")
    ok = report["ok"]
    seconds = committed - first
    created = probe.last_created_at()
    result = {
        "orders": spec.orders,
        "concurrency": spec.concurrency,
        "orders_per_s": _rate(ok, seconds),
        "orders_per_s_by_created_at": _rate(ok, created - first) if created else None,
        "first_post_to_last_commit_s": round(seconds, 3),
        "http_posts_per_s": _rate(spec.orders, last_response - first),
        "commit_lag_after_last_response_s": round(committed - last_response, 3),
        "commit_poll_interval_ms": POLL_INTERVAL * 1000,
        "all_200": ok == spec.orders and set(report["statuses"]) == {"200"},
        **report,
        "documents": probe.document_states(),
        "hub_rss": sampler.report(),
        **usage(before, after, ok, report["client_cpu_s"]),
    }
    if spec.rate:
        result["offered_rate_per_s"] = spec.rate
        result["achieved_send_rate_per_s"] = _rate(spec.orders - 1, last_send - first)
        result["commit_lag_after_last_send_s"] = round(committed - last_send, 3)
    return result


# ---------------------------------------------------------------- profiling (optional)


class PySpy:
    """`py-spy record` attached to the hub for the length of a run; summarised after."""

    def __init__(self, pid: int, output: Path, gil: bool) -> None:
        self.pid = pid
        self.output = output
        self.gil = gil
        self.process = None

    def __enter__(self) -> PySpy:
        command = [_py_spy_binary(), "record", "--pid", str(self.pid), "--rate", "250"]
        command += ["--format", "raw", "--output", str(self.output), "--nonblocking"]
        command += ["--subprocesses"]
        command += ["--gil"] if self.gil else []
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0)
        return self

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def _py_spy_binary() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise BenchError("py-spy is not installed (pip install py-spy)")
    return found


def summarise_stacks(path: Path, top: int = 15) -> dict:
    """Self and inclusive shares of functions in py-spy's collapsed stacks."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if not frames or not count.isdigit():
            continue
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    return {
        "samples": total,
        "self_pct": [[name, _pct(c, total)] for name, c in own.most_common(top)],
        "inclusive_pct": [[name, _pct(c, total)] for name, c in inclusive.most_common(top * 2)],
    }


def _pct(part: float, total: float) -> float:
    return round(100 * part / total, 1) if total else 0.0


def _frame_name(frame: str) -> str:
    """'func (path/to/module.py:12)' -> 'func (module.py)'."""
    name, _, where = frame.partition(" (")
    module = where.rstrip(")").rsplit(":", 1)[0].rsplit("/", 1)[-1]
    return f"{name} ({module})" if module else name


# ---------------------------------------------------------------- modes


def durable_mode(args) -> dict:
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_database(args.pg_admin_url))
        prefix = stack.enter_context(amqp_prefix(args.amqp_url))
        data_dir = stack.enter_context(temp_dir())
        env = hub_env(data_dir, database_url, args.amqp_url, prefix)
        env["ORDERB2B_WORKER_PROCESSES"] = str(args.worker_processes)
        load_demo_data(env)
        probe = stack.enter_context(opened(PostgresProbe(database_url)))
        return _hub_runs(args, stack, env, data_dir, probe, paced=True)


def embedded_mode(args) -> dict:
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(temp_dir())
        env = hub_env(data_dir)
        load_demo_data(env)
        probe = stack.enter_context(opened(SqliteProbe(data_dir / "orderb2b.db")))
        return _hub_runs(args, stack, env, data_dir, probe, paced=args.paced_embedded)


def _hub_runs(args, stack, env, data_dir: Path, probe, *, paced: bool) -> dict:
    started = time.monotonic()
    hub = stack.enter_context(running_hub(env, data_dir / "hub.log"))
    sampler = stack.enter_context(RssSampler(hub.process.pid))
    baseline = settle(probe, hub)
    result = {"hub_ready_s": round(time.monotonic() - started, 2), "orders_before": baseline}
    tag = uuid.uuid4().hex[:6]
    spec = ClientSpec(hub.port, f"T{tag}", args.orders, args.concurrency, None, args.timeout)
    log(f"{probe.kind}: closed loop, {spec.orders} orders, concurrency {spec.concurrency}")
    profiler = _profiler(args, hub, data_dir, probe.kind)
    result["throughput"] = http_run(hub, probe, sampler, spec, args.quiet_wait, profiler)
    if profiler:
        result["py_spy"] = summarise_stacks(profiler.output)
        _keep_profile(args, profiler.output, probe.kind)
    _log_run(result["throughput"])
    if paced:
        settle(probe, hub)
        rate_spec = ClientSpec(
            hub.port, f"P{tag}", args.orders, max(32, args.concurrency), args.rate, args.timeout
        )
        log(f"{probe.kind}: paced at {args.rate}/s, {rate_spec.orders} orders")
        result["paced"] = http_run(hub, probe, sampler, rate_spec, args.quiet_wait)
        _log_run(result["paced"])
    return result


def _profiler(args, hub, data_dir: Path, kind: str):
    if not args.py_spy:
        return None
    return PySpy(hub.process.pid, data_dir / f"py-spy-{kind}.txt", gil=args.py_spy == "gil")


def _keep_profile(args, output: Path, kind: str) -> None:
    if args.py_spy_out:
        destination = Path(args.py_spy_out) / f"py-spy-{kind}-{args.py_spy}.txt"
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(output, destination)


def _log_run(run: dict) -> None:
    latency = run["post_latency_ms"]
    log(
        f"  {run['orders_per_s']} orders/s end to end, POST p50 {latency['p50']} ms, "
        f"p99 {latency['p99']} ms, statuses {run['statuses']}"
    )


def core_mode(args) -> dict:
    count = args.orders
    passes = core_passes()
    log(f"core: parsing {len(passes) * count + WARM_UP_ORDERS} orders")
    warm_up = canonical_orders("W", WARM_UP_ORDERS)
    orders, parse_rate = timed_parse("C", len(passes) * count)
    result = {"orders": count, "parse_documents_per_s": parse_rate}
    with postgres_database(args.pg_admin_url) as url, temp_dir() as data_dir:
        result["postgresql"] = core_run(url, data_dir, warm_up, orders, args)
    with temp_dir() as data_dir:
        url = f"sqlite:///{data_dir / 'orderb2b.db'}"
        result["sqlite"] = core_run(url, data_dir, warm_up, orders, args)
    return result


def canonical_orders(tag: str, count: int) -> list:
    from adapters.cxml.parse import parse
    from hub.demo import order_request

    documents = [order_request(f"CORE-{tag}-{n:06d}", lines=5) for n in range(count)]
    return [order for raw in documents for order in parse(raw, PARTNER)]


def timed_parse(tag: str, count: int) -> tuple[list, float | None]:
    from adapters.cxml.parse import parse
    from hub.demo import order_request

    documents = [order_request(f"CORE-{tag}-{n:06d}", lines=5) for n in range(count)]
    started = time.perf_counter()
    orders = [order for raw in documents for order in parse(raw, PARTNER)]
    seconds = time.perf_counter() - started
    return orders, _rate(count, seconds)


def core_passes() -> dict:
    """How orders are fed: one per transaction, 100 per transaction, and (where the
    core has it) 100 per call of the batch handler `ingest_orders`."""
    from core.handlers import orders

    passes = {"per_order": one_by_one, f"batched_{BATCH}": in_batches}
    if hasattr(orders, "ingest_orders"):
        passes[f"batched_{BATCH}_ingest_orders"] = in_batch_calls
    return passes


def core_run(url: str, data_dir: Path, warm_up: list, orders: list, args) -> dict:
    from hub.bootstrap import bootstrap
    from hub.config import Config
    from hub.demo import load_demo

    app = bootstrap(Config(database_url=url, amqp_url=None, data_dir=data_dir), migrate=True)
    stopping = threading.Event()
    try:
        load_demo(app.uow_factory)
        _keep_statistics(app, stopping)
        one_by_one(app, warm_up)
        kind = app.engine.dialect.name
        result = {}
        for n, (name, ingest) in enumerate(core_passes().items()):
            busy = wait_for_quiet(args.quiet_wait)
            log(f"core on {kind}: {name}, {args.orders} orders")
            part = orders[n * args.orders : (n + 1) * args.orders]
            result[name] = {"machine_busy_pct_before": busy, **_timed(ingest, app, part)}
        if args.profile_core and kind == "postgresql":
            result["profile_per_order"] = profile(app, canonical_orders("PROF", 1000))
        log(f"  {result}")
        return result
    finally:
        stopping.set()
        app.close()


def _keep_statistics(app, stopping: threading.Event) -> None:
    """What a hub's worker runs beside its consumers, where the core has it."""
    try:
        from core.storage.statistics import StatisticsKeeper
    except ImportError:
        return
    if app.engine.dialect.name == "postgresql":
        keeper = StatisticsKeeper(app.engine)
        threading.Thread(target=keeper.run, args=(stopping,), daemon=True).start()


def _timed(ingest, app, orders: list) -> dict:
    """Wall time, this process's CPU time and the machine's (the rest is the database
    server and anything else running)."""
    machine, cpu, started = machine_cpu(), own_cpu(), time.perf_counter()
    outcomes = ingest(app, orders)
    seconds = time.perf_counter() - started
    cpu = own_cpu() - cpu
    machine_busy = (machine_cpu()[0] - machine[0]) / CLK_TCK
    return {
        "orders": len(orders),
        "seconds": round(seconds, 3),
        "orders_per_s": _rate(len(orders), seconds),
        "python_cpu_ms_per_order": round(cpu * 1000 / len(orders), 3),
        "python_cpu_cores": _per(cpu, seconds),
        "other_cpu_cores": _per(machine_busy - cpu, seconds),
        "outcomes": dict(Counter(outcomes)),
    }


def one_by_one(app, orders: list) -> list[str]:
    from core.commands import IngestOrder

    return [app.bus.execute(IngestOrder(order))[0] for order in orders]


def in_batches(app, orders: list) -> list[str]:
    from core.commands import IngestOrder
    from core.handlers.orders import ingest_order
    from core.ports import SYSTEM

    outcomes = []
    for start in range(0, len(orders), BATCH):
        with app.uow_factory(SYSTEM) as uow:
            outcomes += [
                ingest_order(IngestOrder(o), uow)[0] for o in orders[start : start + BATCH]
            ]
            uow.commit()
    return outcomes


def in_batch_calls(app, orders: list) -> list[str]:
    from core.commands import IngestOrder
    from core.handlers.orders import ingest_orders
    from core.ports import SYSTEM

    outcomes = []
    for start in range(0, len(orders), BATCH):
        with app.uow_factory(SYSTEM) as uow:
            batch = [IngestOrder(o) for o in orders[start : start + BATCH]]
            outcomes += [outcome for outcome, _ in ingest_orders(batch, uow)]
            uow.commit()
    return outcomes


def profile(app, orders: list, top: int = 15) -> list:
    """cProfile of one-by-one ingestion: the functions with the most own time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(one_by_one, app, orders)
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return [
        [f"{name} ({Path(file).name}:{line})", round(100 * row[2] / total, 1)]
        for (file, line, name), row in rows
    ]


# ---------------------------------------------------------------- main


MODES = {"durable": durable_mode, "embedded": embedded_mode, "core": core_mode}


def source_state() -> dict:
    """The commit benchmarked and the files changed on top of it (the tree may be dirty)."""
    git = ["git", "-C", str(REPO)]
    try:
        commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
        status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    except OSError:
        return {}
    changed = [line[3:] for line in status.stdout.splitlines() if line]
    return {"commit": commit.stdout.strip(), "uncommitted_changes": changed}


def machine_info() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


def verdict(result: dict) -> dict:
    durable = result.get("durable", {})
    checks = {
        "durable_orders_per_s": _dig(durable, "throughput", "orders_per_s"),
        "post_p99_ms_at_300_per_s": _dig(durable, "paced", "post_latency_from_schedule_ms", "p99"),
        "core_orders_per_s": _dig(
            result, "core", "postgresql", f"batched_{BATCH}_ingest_orders", "orders_per_s"
        ),
    }
    checks["hub_rss_mb"] = max(
        _dig(result, mode, key, "hub_rss", "peak_mb") or 0
        for mode in ("durable", "embedded")
        for key in ("throughput", "paced")
    )
    return {name: _judge(name, value) for name, value in checks.items() if value}


def _judge(name: str, value: float) -> dict:
    rules = {
        "durable_orders_per_s": value >= TARGETS["durable_orders_per_s_min"],
        "post_p99_ms_at_300_per_s": value < TARGETS["post_p99_ms_at_300_per_s_max"],
        "core_orders_per_s": value >= TARGETS["core_orders_per_s_min"],
        "hub_rss_mb": value < TARGETS["hub_rss_mb_max"],
    }
    return {"value": value, "meets_target": rules[name]}


def _dig(data, *keys):
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def run(args) -> dict:
    modes = list(MODES) if args.mode == "all" else [args.mode]
    result: dict = {
        "machine": machine_info(),
        "source": source_state(),
        "parameters": vars(args).copy(),
    }
    for mode in modes:
        log(f"mode {mode}")
        load = [round(x, 2) for x in os.getloadavg()]
        try:
            result[mode] = {"load_average_before": load, **MODES[mode](args)}
        except BenchError as error:
            log(f"mode {mode} failed: {error}")
            result[mode] = {"error": str(error)}
        except Exception as error:
            log(f"mode {mode} failed: {error!r}")
            result[mode] = {"error": f"{type(error).__name__}: {error}"}
    result["targets"] = TARGETS
    result["verdict"] = verdict(result)
    result["ok"] = not any("error" in result[mode] for mode in modes)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=3000, help="orders per run (N)")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections (C)")
    parser.add_argument("--rate", type=float, default=300.0, help="paced offered rate (R/s)")
    parser.add_argument("--mode", choices=["all", *MODES], default="all")
    parser.add_argument("--timeout", type=float, default=300.0, help="client time limit (s)")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="whole run limit (s)")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="wait up to this long (s) before each run for other load to drop (0: no wait)",
    )
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=1,
        help="durable hub: consumers in this many child processes (0: in the hub process)",
    )
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--amqp-url", default=AMQP_URL)
    parser.add_argument("--paced-embedded", action="store_true", help="also pace the embedded hub")
    parser.add_argument(
        "--py-spy", choices=["all", "gil"], help="sample the hub with py-spy in the closed loop"
    )
    parser.add_argument("--py-spy-out", help="directory to keep py-spy's raw stacks in")
    parser.add_argument("--profile-core", action="store_true", help="cProfile core ingestion")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.concurrency < 1 or args.rate <= 0:
        parser.error("--orders, --concurrency and --rate must be positive")
    return args


def abort_on_signal(signum, _frame) -> None:
    raise Aborted(f"stopped by {signal.Signals(signum).name} (see --max-seconds)")


def run_bench(measure, args, failures: tuple[type[BaseException], ...] = ()) -> int:
    """Run `measure(args)` within --max-seconds (SIGALRM, SIGTERM and Ctrl-C stop it
    cleanly) and print its result, or the error, as one JSON object; `failures` are
    the errors reported as a failed run. Exit 0 when the result is ok."""
    signal.signal(signal.SIGALRM, abort_on_signal)
    signal.signal(signal.SIGTERM, abort_on_signal)
    signal.alarm(int(args.max_seconds))
    try:
        result = measure(args)
    except (Aborted, KeyboardInterrupt) as error:
        result = {"ok": False, "error": str(error) or type(error).__name__}
    except failures as error:
        log(f"failed: {error}")
        result = {"ok": False, "error": str(error)}
    finally:
        signal.alarm(0)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result.get("ok") else 1


def main(argv: list[str] | None = None) -> int:
    return run_bench(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
