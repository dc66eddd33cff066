"""A buyer's procurement system for outbound cXML: a local HTTP endpoint that checks
each document as a buyer's gateway would (DTD, shared secret) and answers with a
cXML Response."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from adapters.cxml.dtd import validate
from adapters.xml import parse_xml

SHARED_SECRET = "to-the-buyer"
RESPONSE = b"""<?xml version="1.0"?><cXML payloadID="r1@buyer" timestamp="2026-11-02T09:00:00Z">
<Response><Status code="%d" text="%s"/></Response></cXML>"""


class Buyer(BaseHTTPRequestHandler):
    """A procurement system: checks the document as a buyer's gateway would."""

    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(body)
        try:
            validate(body)
            secret = parse_xml(body).findtext("Header/Sender/Credential/SharedSecret")
            code, text = (200, b"OK") if secret == SHARED_SECRET else (401, b"Unauthorized")
        except Exception:
            code, text = 400, b"Bad Request"
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.end_headers()
        self.wfile.write(RESPONSE % (code, text))

    def log_message(self, *args):
        pass


@contextmanager
def buyer_endpoint():
    """The endpoint's URL and its handler class, whose `received` lists the bodies."""
    handler = type("Handler", (Buyer,), {"received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/cxml", handler
    finally:
        server.shutdown()
        server.server_close()
