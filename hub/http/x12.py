"""POST /x12: an X12 interchange over HTTP, answered with its 997.

200 with the 997 (application/edi-x12) when the interchange could be read, whatever
it accepted; otherwise a JSON problem (RFC 9457) with the status the intake chose
(400 unreadable, 401 unknown sender, 413 too large). The work runs off the reactor.
"""

from __future__ import annotations

import json

from twisted.internet.threads import deferToThreadPool
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from hub.metrics import Metrics
from hub.x12_intake import X12Answer, X12Intake

EDI = b"application/edi-x12"
PROBLEM = b"application/problem+json"
TITLES = {400: "Unreadable interchange", 401: "Unknown sender", 413: "Interchange too large"}


class X12Resource(Resource):
    isLeaf = True

    def __init__(self, intake: X12Intake, reactor, pool, metrics: Metrics) -> None:
        super().__init__()
        self.intake = intake
        self.reactor = reactor
        self.pool = pool
        self.metrics = metrics

    def render_POST(self, request):
        body = request.content.getvalue()
        remote_addr = getattr(request.getClientAddress(), "host", None)
        work = deferToThreadPool(
            self.reactor, self.pool, self.intake.receive, body, remote_addr, size=request.body_bytes
        )
        work.addCallbacks(
            self._answer, self._failed, callbackArgs=(request,), errbackArgs=(request,)
        )
        return NOT_DONE_YET

    def _answer(self, answer: X12Answer, request) -> None:
        self.metrics.count(
            "orderb2b_x12_requests_total", "X12 requests by status", code=str(answer.code)
        )
        if request._disconnected:
            return
        request.setResponseCode(answer.code)
        if answer.code == 200:
            request.setHeader(b"content-type", EDI)
            request.write(answer.acknowledgement)
        else:
            request.setHeader(b"content-type", PROBLEM)
            request.write(_problem(answer.code, answer.message, answer.document_id))
        request.finish()

    def _failed(self, failure, request) -> None:
        self._answer(
            X12Answer(500, "the interchange could not be kept; send it again", None), request
        )


def _problem(code: int, detail: str, document_id: int | None) -> bytes:
    problem = {
        "type": "about:blank",
        "title": TITLES.get(code, "Error"),
        "status": code,
        "detail": detail,
    }
    if document_id is not None:
        problem["document_id"] = document_id
    return json.dumps(problem).encode("utf-8")
