"""POST /cxml: every cXML request a partner sends, answered with a cXML Response;
a PunchOutSetupRequest's names the page where its user starts shopping."""

from __future__ import annotations

import time

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from adapters.cxml.punchout import render_setup_response
from adapters.cxml.render import render_response
from hub.http.intake_queue import IntakeQueue
from hub.intake import Answer
from hub.metrics import Metrics

CONTENT_TYPE = b"text/xml; charset=UTF-8"


class CxmlResource(Resource):
    isLeaf = True

    def __init__(self, intake: IntakeQueue, metrics: Metrics, public_url: str = "") -> None:
        super().__init__()
        self.intake = intake
        self.metrics = metrics
        self.start_url = f"{public_url.rstrip('/')}/punchout/start/"

    def render_GET(self, request):
        request.setHeader(b"content-type", CONTENT_TYPE)
        return render_response(200, "", message="cXML endpoint: POST a cXML document here")

    def render_POST(self, request):
        started = time.perf_counter()
        body = request.content.getvalue()
        remote_addr = getattr(request.getClientAddress(), "host", None)
        work = self.intake.submit(body, remote_addr, request.body_bytes)
        work.addCallback(self._answer, request, started)
        return NOT_DONE_YET

    def _answer(self, answer: Answer, request, started: float) -> None:
        self.metrics.count(
            "orderb2b_cxml_requests_total",
            "cXML requests by status",
            code=str(answer.code),
        )
        self.metrics.observe(
            "orderb2b_cxml_request_seconds",
            "time from request to answer",
            time.perf_counter() - started,
        )
        if request._disconnected:
            return
        request.setResponseCode(answer.code if answer.code < 600 else 500)
        request.setHeader(b"content-type", CONTENT_TYPE)
        if answer.start_token:
            request.write(render_setup_response(200, "", self.start_url + answer.start_token))
        else:
            request.write(render_response(answer.code, "", message=answer.message))
        request.finish()
