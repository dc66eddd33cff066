"""A partner's endpoint for outbound documents: a local HTTP server that answers each
POST with the status a test queued and keeps what it received."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Partner(BaseHTTPRequestHandler):
    """Answers each POST with the next status the test queued, keeping what it got."""

    answers: list[int]
    received: list[tuple[str, bytes]]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["Content-Type"], body))
        status = self.answers.pop(0)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"accepted" if status < 300 else b"try again later")

    def log_message(self, *args):
        pass


@pytest.fixture
def partner_url():
    handler = type("Handler", (Partner,), {"answers": [], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/edi", handler
    server.shutdown()
    server.server_close()
