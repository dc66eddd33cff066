"""Marketplace servers for end-to-end tests: the SP-API and Newegg servers of the
integration tests, each in a thread of its own, answering every poll a running
hub makes from the same canned files."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from tests.integration.test_amazon_pollers import (
    CLIENT_ID,
    CLIENT_SECRET,
    MARKETPLACES,
    REFRESH_TOKEN,
    AmazonHandler,
    AmazonServer,
)
from tests.integration.test_newegg_poller import API_KEY, SECRET_KEY, SELLER, Answer, NeweggServer

TOKEN_PATH = "/auth/o2/token"


class Stamped(list):
    """A list that also notes when each item was added (time.monotonic())."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self._lock = threading.Lock()

    def append(self, item) -> None:
        with self._lock:
            self.times.append(time.monotonic())
            super().append(item)


class SpApiServer(ThreadingHTTPServer):
    """LWA token endpoint and SP-API Orders v0; `state` holds the routes, the answers
    to throttle and the requests seen, stamped with the time each one came."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), AmazonHandler)
        url = f"http://127.0.0.1:{self.server_address[1]}"
        self.state = AmazonServer(url=url, seen=Stamped())

    @property
    def url(self) -> str:
        return self.state.url

    @property
    def token_url(self) -> str:
        return self.state.url + TOKEN_PATH

    def keys(self) -> list[str]:
        """What was asked, in order: "token", "getOrders", "getOrderItems <id>", ..."""
        return [seen.key for seen in list(self.state.seen)]


class RepeatingAnswers(deque):
    """Scripted answers first; once they are used up, the last answer every time."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__(answers)
        self.last = answers[-1]

    def popleft(self) -> Answer:
        if not self:
            return self.last
        self.last = super().popleft()
        return self.last


def newegg_server(*answers: Answer) -> NeweggServer:
    server = NeweggServer()
    server.answers = RepeatingAnswers(*answers)
    return server


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def spapi_credentials() -> dict:
    """The credentials the SP-API server accepts, as a partner's sealed secret holds them."""
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        "marketplace_ids": list(MARKETPLACES),
    }


def newegg_credentials() -> dict:
    """The credentials the Newegg server accepts."""
    return {"seller_id": SELLER, "authorization": API_KEY, "secret_key": SECRET_KEY}
