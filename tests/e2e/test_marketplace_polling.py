"""A running hub polls the marketplace accounts of its partner registry: SP-API on the
embedded default, Newegg on PostgreSQL + RabbitMQ, an account with unusable
credentials skipped while the others are polled, and a throttling answer waited out."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from adapters.newegg.dates import PACIFIC
from core.storage import tables
from core.storage.engine import make_engine
from hub.pollers.base import OVERLAP
from tests.conftest import AMQP_URL, FIXTURES
from tests.e2e.hub_process import HubProcess, cli
from tests.e2e.marketplace_server import (
    SpApiServer,
    newegg_credentials,
    newegg_server,
    serving,
    spapi_credentials,
)
from tests.integration.test_newegg_poller import Answer, Seen

SPAPI_PAGES = [FIXTURES / "spapi" / f"get_orders_page{n}.json" for n in (1, 2)]
NEWEGG_PAGE = FIXTURES / "newegg" / "page_three_orders.xml"
# Two pages of orders, each order's items, the second page's first order on two pages.
SPAPI_POLL = [
    "getOrders",
    "getOrderItems 113-7730184-2219437",
    "getOrderItems 113-7730184-2219437 MRgZW55IGNhcm5hbCBwbGVhc3VyZS6!MjIxOTQzNw",
    "getOrderItems 114-3391027-5518263",
    "getOrders 2YgYW55IGNhcm5hbCBwbGVhc3VyZS4hNTUxODI2Mw",
    "getOrderItems 113-5067219-8834602",
    "getOrderItems 112-9048816-1174230",
]
SETTLED = {"processed", "duplicate"}
# Longer than the poll interval, so the wait shows it came from the throttling answer.
RETRY_AFTER = 3.0


def expected_orders(*documents: Path) -> list[dict]:
    return [
        order
        for document in documents
        for order in json.loads(document.with_suffix(".expected.json").read_text("utf-8"))
    ]


def polling_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "ORDERB2B_DATA_DIR": str(data_dir), "ORDERB2B_POLL_INTERVAL": "1"}
    for name in (
        "ORDERB2B_DATABASE_URL",
        "ORDERB2B_AMQP_URL",
        "ORDERB2B_AMQP_PREFIX",
        "ORDERB2B_SECRET_KEY",
    ):
        env.pop(name, None)
    return env | extra


def add_partner(
    env: dict, code: str, channel: str, credentials: dict, folder: Path, **endpoints: str
) -> None:
    """Registers a marketplace account through the CLI, its credentials read from a file."""
    secret = folder / f"{code}.credentials.json"
    secret.write_text(json.dumps(credentials), "utf-8")
    secret.chmod(0o600)
    options = [f"--endpoint={name}={url}" for name, url in endpoints.items()]
    result = cli(
        env,
        *("partners", "add", code, "--name", code.upper(), "--channel", channel),
        *(*options, "--outbound-secret-file", str(secret)),
    )
    assert result.returncode == 0, result.stderr


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s")
        time.sleep(0.2)


def orders(env: dict) -> list[dict]:
    result = cli(env, "orders", "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def wait_for_orders(env: dict, expected: list[dict], timeout: float = 30.0) -> list[dict]:
    """The order list once it holds exactly the expected external order ids."""
    wanted = sorted(order["external_order_id"] for order in expected)
    seen: list[list[str]] = []

    def complete() -> list[dict] | None:
        listing = orders(env)
        seen.append(sorted(order["external_order_id"] for order in listing))
        return listing if seen[-1] == wanted else None

    try:
        return wait_until(complete, f"orders {wanted}", timeout)
    except AssertionError as error:
        raise AssertionError(f"{error}; last listed {seen[-1] if seen else None}") from None


def assert_order_is(env: dict, listing: list[dict], expected: dict, partner: str) -> None:
    """The kept order has the marketplace order's partner, amounts and lines."""
    number = next(
        o["number"] for o in listing if o["external_order_id"] == expected["external_order_id"]
    )
    result = cli(env, "orders", "show", number, "--json")
    assert result.returncode == 0, result.stderr
    order = json.loads(result.stdout)
    assert (order["channel"], order["partner"]) == (expected["channel"], partner)
    assert order["currency"] == expected["currency"]
    for amount in ("total_amount", "tax_amount", "shipping_amount", "discount_amount"):
        assert _decimal(order[amount]) == _decimal(expected[amount]), amount
    assert [_line(line) for line in order["lines"]] == [_line(line) for line in expected["lines"]]


def _line(line: dict) -> tuple:
    return (
        line["line_number"],
        _decimal(line["quantity"]),
        _decimal(line["unit_price"]),
        line["supplier_part_id"],
        line["buyer_part_id"],
        line["description"],
    )


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def database_url(env: dict) -> str:
    return env.get("ORDERB2B_DATABASE_URL") or f"sqlite:///{env['ORDERB2B_DATA_DIR']}/orderb2b.db"


def poller_state(env: dict, name: str) -> dict | None:
    engine = make_engine(database_url(env))
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(tables.poller_state).where(tables.poller_state.c.name == name)
            ).one_or_none()
    finally:
        engine.dispose()
    return dict(row._mapping) if row else None


def document_states(env: dict, partner: str) -> list[str]:
    """The states of the partner's inbound documents, oldest first."""
    documents = tables.inbound_documents
    engine = make_engine(database_url(env))
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    select(documents.c.state)
                    .where(documents.c.partner == partner)
                    .order_by(documents.c.id)
                ).scalars()
            )
    finally:
        engine.dispose()


def kept(env: dict, poller: str, documents: int) -> dict | None:
    """The poller's state once it has kept at least `documents` pages."""
    state = poller_state(env, poller)
    return state if state and state["documents"] >= documents else None


def settled(env: dict, partner: str, documents: int) -> list[str] | None:
    """The states of the partner's first `documents` documents once none is waiting."""
    states = document_states(env, partner)[:documents]
    return states if len(states) == documents and "received" not in states else None


def succeeded(env: dict, poller: str) -> dict | None:
    state = poller_state(env, poller)
    return state if state and state["last_success_at"] else None


def wait_for_settled_polls(env: dict, poller: str, partner: str, documents: int) -> dict:
    """Waits until the poller kept `documents` pages and the pipeline settled them
    all (each one an order or a duplicate, none failed); returns the poller's state."""
    wait_until(lambda: kept(env, poller, documents), f"{poller} keeping {documents} documents")
    states = wait_until(lambda: settled(env, partner, documents), f"{partner}'s documents settled")
    assert set(states) <= SETTLED, states
    return poller_state(env, poller)


def pacific(seen: Seen, criterion: str) -> datetime:
    """A Newegg request's date filter (Pacific wall-clock time) as an instant in UTC."""
    moment = datetime.strptime(seen.criterion(criterion), "%Y-%m-%d %H:%M:%S")
    return moment.replace(tzinfo=PACIFIC).astimezone(UTC)


def log_events(path: Path) -> list[dict]:
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def add_spapi_partner(env: dict, amazon: SpApiServer, folder: Path) -> None:
    token = amazon.token_url
    add_partner(
        env, "amazon-us", "spapi", spapi_credentials(), folder, poll=amazon.url, token=token
    )


def test_spapi_account_is_polled_on_the_embedded_default(data_dir, tmp_path) -> None:
    env = polling_env(data_dir)
    expected = expected_orders(*SPAPI_PAGES)
    with serving(SpApiServer()) as amazon:
        add_spapi_partner(env, amazon, tmp_path)
        with HubProcess(env, log_path=tmp_path / "hub.log") as hub:
            listing = wait_for_orders(env, expected)
            assert {(o["channel"], o["partner"]) for o in listing} == {("spapi", "amazon-us")}
            assert_order_is(env, listing, expected[0], "amazon-us")
            assert amazon.keys()[: len(SPAPI_POLL) + 1] == ["token", *SPAPI_POLL]

            state = wait_for_settled_polls(env, "spapi:amazon-us", "amazon-us", 4)
            assert state["last_error"] is None
            assert None not in (state["cursor"], state["last_success_at"])
            assert len(orders(env)) == len(expected)
            keys = amazon.keys()
            assert keys.count("token") == 1
            assert keys[len(SPAPI_POLL) + 1 : 2 * len(SPAPI_POLL) + 1] == SPAPI_POLL
            first, second = [s for s in amazon.state.seen if s.key == "getOrders"][:2]
            assert second.params["LastUpdatedAfter"] > first.params["LastUpdatedAfter"]
            assert hub.terminate() == 0


def test_newegg_account_is_polled_on_postgresql_and_rabbitmq(
    pg_url, amqp_prefix, data_dir, tmp_path
) -> None:
    env = polling_env(
        data_dir,
        ORDERB2B_DATABASE_URL=pg_url,
        ORDERB2B_AMQP_URL=AMQP_URL,
        ORDERB2B_AMQP_PREFIX=amqp_prefix,
    )
    expected = expected_orders(NEWEGG_PAGE)
    with serving(newegg_server(Answer(200, NEWEGG_PAGE.read_bytes()))) as newegg:
        add_partner(
            env, "newegg-us", "newegg", newegg_credentials(), tmp_path, poll=newegg.base_url
        )
        with HubProcess(env, log_path=tmp_path / "hub.log") as hub:
            listing = wait_for_orders(env, expected)
            assert {(o["channel"], o["partner"]) for o in listing} == {("newegg", "newegg-us")}
            assert_order_is(env, listing, expected[0], "newegg-us")

            state = wait_for_settled_polls(env, "newegg:newegg-us", "newegg-us", 2)
            assert (state["last_error"], state["cursor"] is not None) == (None, True)
            assert len(orders(env)) == len(expected)
            first, second = newegg.seen[:2]
            assert first.criterion("PageIndex") == second.criterion("PageIndex") == "1"
            # The second poll starts from the first one's cursor, back by the overlap.
            assert abs(
                pacific(second, "OrderDateFrom") - (pacific(first, "OrderDateFrom") - OVERLAP)
            ) <= timedelta(seconds=2)
            assert hub.terminate() == 0


def test_account_with_incomplete_credentials_is_skipped_and_others_polled(
    data_dir, tmp_path
) -> None:
    env = polling_env(data_dir)
    incomplete = spapi_credentials()
    del incomplete["refresh_token"]
    expected = expected_orders(NEWEGG_PAGE)
    newegg = newegg_server(Answer(200, NEWEGG_PAGE.read_bytes()))
    with serving(SpApiServer()) as amazon, serving(newegg):
        add_partner(
            env,
            "amazon-ca",
            "spapi",
            incomplete,
            tmp_path,
            poll=amazon.url,
            token=amazon.token_url,
        )
        add_partner(
            env, "newegg-us", "newegg", newegg_credentials(), tmp_path, poll=newegg.base_url
        )
        with HubProcess(env, log_path=tmp_path / "hub.log") as hub:
            wait_for_orders(env, expected)
            assert hub.request("GET", "/healthz")[0] == 200
            assert hub.process.poll() is None
            assert amazon.keys() == []
            assert poller_state(env, "spapi:amazon-ca") is None
            assert hub.terminate() == 0
    skipped = [
        e for e in log_events(tmp_path / "hub.log") if e["event"] == "marketplace not polled"
    ]
    assert [(e["level"], e["partner"]) for e in skipped] == [("error", "amazon-ca")]
    assert skipped[0]["error"] == "partner amazon-ca: credentials lack refresh_token"
    assert incomplete["client_secret"] not in (tmp_path / "hub.log").read_text("utf-8")


def test_throttled_poll_waits_as_told_and_the_orders_still_arrive(data_dir, tmp_path) -> None:
    env = polling_env(data_dir)
    expected = expected_orders(*SPAPI_PAGES)
    with serving(SpApiServer()) as amazon:
        amazon.state.throttle["getOrders"] = [{"Retry-After": f"{RETRY_AFTER:.0f}"}]
        add_spapi_partner(env, amazon, tmp_path)
        with HubProcess(env, log_path=tmp_path / "hub.log") as hub:
            wait_for_orders(env, expected)
            keys = amazon.keys()
            assert keys[: len(SPAPI_POLL) + 2] == ["token", "getOrders", *SPAPI_POLL]
            throttled_at, retried_at = amazon.state.seen.times[1:3]
            assert retried_at - throttled_at >= RETRY_AFTER - 0.1
            assert amazon.state.throttle["getOrders"] == []
            state = wait_until(
                lambda: succeeded(env, "spapi:amazon-us"), "a successful poll recorded"
            )
            assert (state["last_error"], state["documents"] >= 2) == (None, True)
            assert hub.terminate() == 0
    events = log_events(tmp_path / "hub.log")
    waits = [e for e in events if e["event"] == "waiting for the marketplace"]
    assert waits and waits[0]["retry_after"] == RETRY_AFTER
