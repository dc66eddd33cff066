"""Inbound mail benchmark for the Order B2B hub; prints one JSON object on stdout.

    python bench/mail.py [--messages N] [--documents D] [--db sqlite|postgresql|all]
                         [--sequential] [--pg-admin-url URL]

A dovecot on 127.0.0.1 gets N messages in a fresh user's INBOX: customers' replies
to the hub's emails about D orders and D quotes (found by the reply address, by
In-Reply-To, by the number in the subject), auto-replies, and mail about nothing of
ours. An app bootstrapped on a fresh database (SQLite in a temporary folder, or a new
PostgreSQL database) then takes them in as the hub does: `ImapDoor.drain_once()`
keeps each message raw (`hub.mailing.desk.receiver(app, "imap")`) and files it in
Processed, while the in-process delivery routes what is kept, in a thread of its own
(after the door is done with `--sequential`). Measured: the time until every message
is stored, and until every message is routed.

Progress goes to stderr. The dovecot, its folder, the databases and the temporary
folders are removed at the end, also on failure, Ctrl-C or timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.ingest import (  # noqa: E402
    PG_ADMIN_URL,
    BenchError,
    canonical_orders,
    log,
    machine_busy_pct,
    machine_info,
    own_cpu,
    postgres_database,
    run_bench,
    source_state,
    temp_dir,
)

SALES = "sales@hub.example"
HUB_MAIL = {"ORDERB2B_MAIL_FROM": f"Sales <{SALES}>"}
# What each kind of message must become: (state, outcome, rule); None: any rule.
EXPECTED = {
    "reply_token": ("routed", "comment", "reply_token"),
    "message_id": ("routed", "comment", "message_id"),
    "subject": ("routed", "comment", "subject"),
    "auto_reply": ("ignored", "auto_reply", None),
    "unmatched": ("triage", "unmatched", None),
}
KINDS = tuple(EXPECTED)
POLL_INTERVAL = 0.05
STALL_TIMEOUT = 60.0  # seconds without one more message routed
DATABASES = ("sqlite", "postgresql")


# ---------------------------------------------------------------- the documents


def open_app(database_url: str, data_dir: Path):
    from hub.bootstrap import bootstrap
    from hub.config import Config
    from hub.mailing.settings import MailSettings

    config = Config(
        database_url=database_url,
        amqp_url=None,
        data_dir=data_dir,
        mail=MailSettings.from_env(HUB_MAIL),
        secret_key="mail-benchmark-secret",
    )
    return bootstrap(config, migrate=True)


def sent_documents(app, count: int) -> list[dict]:
    """`count` orders and `count` quotes, each emailed once by staff; what was sent."""
    from core import commands
    from core.ports import Actor
    from hub.delivery import InProcessDelivery
    from hub.demo import load_demo
    from hub.mailing import desk

    actor = Actor("system", "mail-benchmark")
    load_demo(app.uow_factory)
    documents = [
        ("order", app.bus.execute(commands.IngestOrder(order), actor)[1])
        for order in canonical_orders("MAIL", count)
    ]
    line = commands.PricedLineInput("00412-BK", Decimal(2))
    for _ in range(count):
        quote = commands.CreateQuote(customer_code="gsa-advantage", lines=(line,))
        documents.append(("quote", app.bus.execute(quote, actor)))
    for kind, number in documents:
        desk.email_document(
            app, actor, kind, number, to=["buyer@customer.example"], body=f"About {number}."
        )
    InProcessDelivery(app.bus, app.engine, app.config).drain(timeout=300)
    return outgoing(app)


def outgoing(app) -> list[dict]:
    from email import message_from_bytes
    from email.policy import default

    from sqlalchemy import select

    from core.storage import tables

    table = tables.outgoing_mail
    with app.engine.connect() as connection:
        rows = connection.execute(select(table.c.message_id, table.c.raw).order_by(table.c.id))
        sent = [(row.message_id, message_from_bytes(row.raw, policy=default)) for row in rows]
    return [
        {"message_id": message_id, "reply_to": m["Reply-To"], "subject": m["Subject"]}
        for message_id, m in sent
    ]


# ---------------------------------------------------------------- the messages


def message(n: int, kind: str, sent: dict) -> bytes:
    """The n-th message of the mailbox: a `kind` of answer to the `sent` email."""
    mail = EmailMessage()
    mail["From"] = f"Customer {n % 50} <buyer{n % 50}@customer.example>"
    mail["To"] = sent["reply_to"] if kind in ("reply_token", "auto_reply") else SALES
    mail["Subject"] = {
        "reply_token": "Re: your email",
        "message_id": "Re: your email",
        "subject": f"RE: {sent['subject']}",
        "auto_reply": "Out of the office",
        "unmatched": f"A question about chairs ({n})",
    }[kind]
    mail["Message-ID"] = f"<bench-{n}@customer.example>"
    if kind == "message_id":
        mail["In-Reply-To"] = f"<{sent['message_id']}>"
    if kind == "auto_reply":
        mail["Auto-Submitted"] = "auto-replied"
    mail.set_content(f"Message {n}: thank you, please go ahead.\n\n> About the email.\n")
    return mail.as_bytes(policy=SMTP)


def mailbox_plan(count: int, sent: list[dict]) -> list[tuple[str, bytes]]:
    """(kind, raw) for every message, kinds and sent emails in rotation."""
    return [
        (KINDS[n % len(KINDS)], message(n, KINDS[n % len(KINDS)], sent[n % len(sent)]))
        for n in range(count)
    ]


def fill_inbox(dovecot, user: str, raws: list[bytes]) -> float:
    client = dovecot.client(user)
    started = time.perf_counter()
    try:
        for n, raw in enumerate(raws, start=1):
            client.append("INBOX", raw)
            if n % 1000 == 0:
                log(f"  {n} messages appended")
    finally:
        client.logout()
    return time.perf_counter() - started


def folder_sizes(dovecot, user: str) -> dict[str, int]:
    client = dovecot.client(user)
    try:
        return {
            folder: client.select_folder(folder, readonly=True)[b"EXISTS"]
            for folder in ("INBOX", "Processed")
            if client.folder_exists(folder)
        }
    finally:
        client.logout()


# ---------------------------------------------------------------- the measurement


def routed_count(app) -> int:
    from sqlalchemy import func, select

    from core.storage import tables

    table = tables.inbound_mail
    query = select(func.count()).select_from(table).where(table.c.state != "received")
    with app.engine.connect() as connection:
        return connection.execute(query).scalar_one()


def wait_routed(app, count: int) -> None:
    """Until `count` messages are routed; BenchError when routing stalls."""
    last, progress_at = -1, time.monotonic()
    while (done := routed_count(app)) < count:
        if done != last:
            last, progress_at = done, time.monotonic()
        elif time.monotonic() - progress_at > STALL_TIMEOUT:
            raise BenchError(f"routing stalled at {done} of {count} messages")
        time.sleep(POLL_INTERVAL)


@contextlib.contextmanager
def delivering(app):
    """The in-process delivery in a thread of its own, woken by every commit."""
    from hub.delivery import InProcessDelivery

    delivery = InProcessDelivery(app.bus, app.engine, app.config)
    stopping = threading.Event()
    thread = threading.Thread(target=delivery.run, args=(stopping,), name="delivery", daemon=True)
    app.uow_factory.on_commit = delivery.wake
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        delivery.wake()
        thread.join(30)
        app.uow_factory.on_commit = None


def take_in(app, door, count: int, sequential: bool) -> dict:
    """Seconds until the door stored every message, and until all were routed."""
    cpu, started = own_cpu(), time.perf_counter()
    with contextlib.ExitStack() as stack:
        if not sequential:
            stack.enter_context(delivering(app))
        stored = door.drain_once()
        stored_s = time.perf_counter() - started
        log(f"  {stored} stored in {stored_s:.2f} s; routing")
        if sequential:
            stack.enter_context(delivering(app))
        wait_routed(app, count)
        routed_s = time.perf_counter() - started
    if stored != count:
        raise BenchError(f"the door stored {stored} of {count} messages")
    return {
        "imap_to_stored_seconds": round(stored_s, 3),
        "all_routed_seconds": round(routed_s, 3),
        "stored_per_second": round(count / stored_s, 1),
        "routed_per_second": round(count / routed_s, 1),
        "python_cpu_seconds": round(own_cpu() - cpu, 2),
    }


# ---------------------------------------------------------------- checking


def outcomes(app, plan: list[tuple[str, bytes]]) -> dict:
    """How each message was routed, against what its kind must become."""
    from sqlalchemy import select

    from core.storage import dead_letters, tables

    table = tables.inbound_mail.c
    kinds = {f"bench-{n}@customer.example": kind for n, (kind, _) in enumerate(plan)}
    with app.engine.connect() as connection:
        rows = connection.execute(select(table.message_id, table.state, table.outcome, table.rule))
        rows = [(row.message_id.strip("<>") if row.message_id else None, *row[1:]) for row in rows]
    unexpected = [row for row in rows if not _as_expected(kinds.get(row[0]), row[1:])]
    return {
        "outcomes": dict(Counter(f"{state}/{outcome}" for _, state, outcome, _ in rows)),
        "rules": dict(Counter(rule or "none" for *_, rule in rows)),
        "by_kind": dict(Counter(kinds.get(row[0], "unknown") for row in rows)),
        "unexpected": len(unexpected),
        "unexpected_examples": [list(row) for row in unexpected[:10]],
        "dead_letters": dead_letters.waiting(app.engine),
    }


def _as_expected(kind: str | None, got: tuple) -> bool:
    if kind is None:
        return False
    state, outcome, rule = EXPECTED[kind]
    return got[:2] == (state, outcome) and rule in (None, got[2])


# ---------------------------------------------------------------- one database


def run_database(database: str, args, dovecot, database_url: str, data_dir: Path) -> dict:
    from hub.mailing.desk import receiver
    from mail.imap_door import ImapDoor, ImapSettings

    user = f"bench{database}"
    dovecot.add_user(user, "bench-secret")
    app = open_app(database_url, data_dir)
    try:
        log(f"{database}: {args.documents} orders and {args.documents} quotes, emailed")
        sent = sent_documents(app, args.documents)
        plan = mailbox_plan(args.messages, sent)
        log(f"{database}: appending {len(plan)} messages to INBOX")
        append_s = fill_inbox(dovecot, user, [raw for _, raw in plan])
        settings = ImapSettings(
            host=dovecot.host,
            port=dovecot.port,
            username=user,
            password="bench-secret",
            security="none",
            mailboxes={"sales": "INBOX"},
        )
        door = ImapDoor(settings, receiver(app, "imap"))
        log(f"{database}: taking the messages in")
        try:
            timing = take_in(app, door, len(plan), args.sequential)
        finally:
            door.close()
        checked = outcomes(app, plan)
    finally:
        app.close()
    return {
        "database": database,
        "messages": len(plan),
        "sent_emails_replied_to": len(sent),
        "imap_batch": settings.batch,
        "concurrent_routing": not args.sequential,
        "append_seconds": round(append_s, 3),
        **timing,
        **checked,
        "mailbox_after": folder_sizes(dovecot, user),
        "ok": checked["unexpected"] == 0 and checked["dead_letters"] == 0,
    }


@contextlib.contextmanager
def database_url(database: str, args, data_dir: Path):
    if database == "sqlite":
        yield f"sqlite:///{data_dir / 'orderb2b.db'}"
    else:
        with postgres_database(args.pg_admin_url) as url:
            yield url


def running_dovecot():
    from tests.imap_server import Dovecot, dovecot_binary

    binary = dovecot_binary()
    if binary is None:
        raise BenchError("dovecot is not installed (apt-get install -y dovecot-imapd)")
    return Dovecot(binary=binary)


# ---------------------------------------------------------------- main


def measure(args) -> dict:
    result: dict = {
        "machine": machine_info(),
        "source": source_state(),
        "parameters": {k: v for k, v in vars(args).items() if k != "pg_admin_url"},
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "machine_busy_pct_before": machine_busy_pct(),
    }
    databases = DATABASES if args.db == "all" else (args.db,)
    with running_dovecot() as dovecot:
        log(f"dovecot on 127.0.0.1:{dovecot.port}")
        for database in databases:
            with temp_dir() as data_dir, database_url(database, args, data_dir) as url:
                result[database] = run_database(database, args, dovecot, url, data_dir)
            log(f"{database}: {_summary(result[database])}")
    result["ok"] = all(result[database]["ok"] for database in databases)
    return result


def _summary(run: dict) -> str:
    return (
        f"{run['stored_per_second']} stored/s, {run['routed_per_second']} routed/s, "
        f"{run['unexpected']} unexpected"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages in the INBOX (N)")
    parser.add_argument(
        "--documents", type=int, default=50, help="orders, and quotes, emailed and replied to (D)"
    )
    parser.add_argument("--db", choices=[*DATABASES, "all"], default="sqlite")
    parser.add_argument(
        "--sequential", action="store_true", help="route only after the door stored everything"
    )
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="whole run limit (s)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    args = parser.parse_args(argv)
    if args.messages < 1 or args.documents < 1:
        parser.error("--messages and --documents must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    return run_bench(measure, parse_args(argv), (BenchError,))


if __name__ == "__main__":
    sys.exit(main())
