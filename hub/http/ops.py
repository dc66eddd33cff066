"""GET /healthz and GET /metrics: answered off the reactor thread."""

from __future__ import annotations

import json

from twisted.internet.threads import deferToThreadPool
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET


class _Threaded(Resource):
    isLeaf = True

    def __init__(self, reactor, pool) -> None:
        super().__init__()
        self.reactor = reactor
        self.pool = pool

    def render_GET(self, request):
        work = deferToThreadPool(self.reactor, self.pool, self.produce)
        work.addCallbacks(self._write, self._error, callbackArgs=(request,), errbackArgs=(request,))
        return NOT_DONE_YET

    def produce(self) -> tuple[int, bytes, bytes]:
        raise NotImplementedError

    def _write(self, answer, request) -> None:
        if request._disconnected:
            return
        code, content_type, body = answer
        request.setResponseCode(code)
        request.setHeader(b"content-type", content_type)
        request.write(body)
        request.finish()

    def _error(self, failure, request) -> None:
        self._write((500, b"text/plain", failure.getErrorMessage().encode()), request)


class HealthResource(_Threaded):
    def __init__(self, reactor, pool, checks) -> None:
        super().__init__(reactor, pool)
        self.checks = checks

    def produce(self):
        report = {name: check() for name, check in self.checks.items()}
        healthy = all(value in ("ok", "not configured") for value in report.values())
        report["status"] = "ok" if healthy else "degraded"
        return 200 if healthy else 503, b"application/json", json.dumps(report).encode()


class MetricsResource(_Threaded):
    def __init__(self, reactor, pool, metrics) -> None:
        super().__init__(reactor, pool)
        self.metrics = metrics

    def produce(self):
        return 200, b"text/plain; version=0.0.4", self.metrics.render().encode()
