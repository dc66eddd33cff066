"""/api/v1: JSON over HTTP for staff tools, behind API tokens and permissions.

Every call needs `Authorization: Bearer <token>` (401 otherwise) and the route's
permission (403 otherwise); errors are JSON problems (RFC 9457). Each call a staff
member makes, reads included, goes to the activity log. The work runs off the
reactor on the hub's thread pool. Routes that take a body get it as parsed JSON
(an object, at most MAX_BODY bytes).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import orjson
from twisted.internet.threads import deferToThreadPool
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from core.errors import NotFound, OrderB2BError
from hub.access import TokenAuthenticator
from hub.activity_writer import ActivityWriter
from hub.api.common import BadQuery, Raw, Route
from hub.api.routes import match
from hub.bootstrap import App

log = logging.getLogger("orderb2b.api")
MAX_BODY = 64 * 1024
JSON = b"application/json"
PROBLEM = b"application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    500: "Internal error",
}


class Problem(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class ApiResource(Resource):
    isLeaf = True

    def __init__(self, app: App, reactor, pool, activity_writer: ActivityWriter | None = None):
        super().__init__()
        self.app = app
        self.reactor = reactor
        self.pool = pool
        self.authenticator = TokenAuthenticator(app.uow_factory)
        # Without a running writer (a test, a tool) each record is written at once.
        self.activity = activity_writer or ImmediateActivity(app.engine)

    def render(self, request):
        method = request.method.decode("ascii", "replace")
        target = urlsplit(request.uri.decode("utf-8", "replace"))
        query = dict(parse_qsl(target.query))
        token = _bearer(request.getHeader(b"authorization"))
        remote = getattr(request.getClientAddress(), "host", None)
        raw = request.content.read(_largest_body() + 1) if request.content else b""
        work = deferToThreadPool(
            self.reactor, self.pool, self._timed, method, target.path, query, token, remote, raw
        )
        work.addCallbacks(
            self._write, self._failed, callbackArgs=(request,), errbackArgs=(request,)
        )
        return NOT_DONE_YET

    def _timed(self, *arguments) -> tuple[int, object, float]:
        """The answer, encoded here off the reactor, and the milliseconds spent making
        it (for Server-Timing)."""
        started = time.perf_counter()
        status, body = self.answer(*arguments)
        if not isinstance(body, Raw):
            body = encode(body)
        return status, body, (time.perf_counter() - started) * 1000

    def answer(self, method, path, query, token, remote_addr, raw=b"") -> tuple[int, object]:
        """Authenticate, authorise, run the route and log it: (status, JSON body).
        Every call of a signed-in staff member is logged, refused ones too (with
        their status), so probing for documents one may not see leaves a trace."""
        route, params, known = match(method, path.rstrip("/") or "/")
        if route is None:
            status = 405 if known else 404
            return status, _problem(status, f"{method} {path} is not an API route")
        principal = self.authenticator.authenticate(token) if token else None
        if principal is None:
            detail = "a valid API token is needed (Authorization: Bearer ...)"
            return 401, _problem(401, detail)
        status, body = self._run(route, principal, params, query, raw)
        self._log(principal, route, params, remote_addr, status)
        return status, body

    def _run(self, route: Route, principal, params, query, raw) -> tuple[int, object]:
        try:
            if not principal.can(route.permission):
                detail = f"{route.permission} is needed for {route.method} {route.path}"
                raise Problem(403, detail)
            if route.permission == "activity.view":
                self.activity.flush()  # the log shows every call made so far
            arguments = (self.app, principal, params, query)
            if route.body:
                arguments += (_json_body(raw, route.max_body),)
            return route.handler(*arguments)
        except Problem as problem:
            return problem.status, _problem(problem.status, problem.detail)
        except NotFound as error:
            return 404, _problem(404, str(error))
        except BadQuery as error:
            return 400, _problem(400, str(error))
        except OrderB2BError as error:
            return 409, _problem(409, str(error))

    def _log(self, principal, route: Route, params, remote_addr, status: int) -> None:
        document_type = route.path.split("/")[3]
        document_id = next(iter(params.values()), None)
        self.activity.add(
            principal,
            route.action,
            document_type=document_type,
            document_id=document_id,
            remote_addr=remote_addr,
            detail=None if status < 400 else {"status": status},
        )

    def _write(self, answer, request) -> None:
        status, body, *spent = answer
        if request._disconnected:
            return
        request.setResponseCode(status)
        if spent:
            request.setHeader(b"server-timing", f"app;dur={spent[0]:.2f}".encode("ascii"))
        if isinstance(body, Raw):
            _write_raw(request, body)
            return
        request.setHeader(b"content-type", PROBLEM if status >= 400 else JSON)
        if status == 401:
            request.setHeader(b"www-authenticate", b'Bearer realm="orderb2b"')
        request.write(body if isinstance(body, bytes) else encode(body))
        request.finish()

    def _failed(self, failure, request) -> None:
        log.error("API call failed", extra={"error": failure.getErrorMessage()})
        self._write((500, _problem(500, "the request could not be answered")), request)


class ImmediateActivity(ActivityWriter):
    """Writes each record as it is added."""

    def add(self, *arguments, **options) -> None:
        super().add(*arguments, **options)
        self.flush()


def _write_raw(request, raw: Raw) -> None:
    request.setHeader(b"content-type", raw.media_type.encode("ascii"))
    if raw.filename:
        disposition = f'inline; filename="{raw.filename}"'
        request.setHeader(b"content-disposition", disposition.encode("latin-1", "replace"))
    request.write(raw.content)
    request.finish()


def encode(body) -> bytes:
    """JSON of an answer: exact decimals as text, anything else unknown as text."""
    return orjson.dumps(body, default=_plain, option=orjson.OPT_NON_STR_KEYS)


def _plain(value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


@functools.cache
def _largest_body() -> int:
    from hub.api.routes import ROUTES

    return max(MAX_BODY, *(route.max_body for route in ROUTES))


def _json_body(raw: bytes, limit: int = MAX_BODY) -> dict:
    if len(raw) > limit:
        raise Problem(413, f"the body is larger than {limit} bytes")
    try:
        body = json.loads(raw or b"{}")
    except (UnicodeDecodeError, ValueError) as error:
        raise Problem(400, f"the body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise Problem(400, "the body must be a JSON object")
    return body


def _bearer(header: bytes | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.decode("latin-1").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _problem(status: int, detail: str) -> dict:
    return {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
