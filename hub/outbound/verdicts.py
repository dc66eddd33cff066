"""How to read a partner's answer to a document we posted, per channel."""

from __future__ import annotations

from adapters.cxml.outbound import read_response
from core.errors import ParseError
from hub.outbound.sender import Interpret, Verdict, http_verdict


def cxml_verdict(status: int, body: bytes) -> Verdict:
    """The cXML Response's own status decides: 2xx accepted; 4xx refused for good
    (the document is wrong, sending it again will not help); 5xx retried. Without
    a readable Response, the HTTP status decides."""
    try:
        code, text = read_response(body)
    except ParseError:
        return http_verdict(status, body)
    accepted = 200 <= code < 300 and 200 <= status < 300
    return Verdict(code, text or f"cXML {code}", accepted, 400 <= code < 500)


INTERPRETERS: dict[str, Interpret] = {"cxml": cxml_verdict}
