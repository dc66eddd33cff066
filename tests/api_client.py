"""/api/v1 in-process: calls go through the same authentication, permission check,
route and activity log as on the running hub, without an HTTP server, and every
answer is checked against the OpenAPI document's schema for that route and status."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from jsonschema import Draft202012Validator

from core import commands
from core.ports import Actor
from hub.api.common import Raw
from hub.api.resource import ApiResource
from hub.http.openapi import openapi_document

PASSWORD = "correct horse battery staple"


class ApiClient:
    def __init__(self, app) -> None:
        self.app = app
        self.resource = ApiResource(app, reactor=None, pool=None)
        self.document = openapi_document("test")

    def token(
        self, username: str, profile: str = "administrator", email: str | None = None, **options
    ) -> str:
        """A new staff member with this profile, and an API token of theirs."""
        setup = Actor("system", "tests")
        add = commands.AddStaff(username, username.title(), PASSWORD, email, profile, **options)
        self.app.bus.execute(add, setup)
        return self.app.bus.execute(commands.IssueApiToken(username, "tests"), setup)

    def call(self, method: str, target: str, token: str | None, body=None):
        """(status, JSON answer, or the Raw answer of a PDF, HTML or CSV route);
        `body` is sent as JSON when given."""
        parts = urlsplit(target)
        raw = b"" if body is None else json.dumps(body).encode()
        status, answer = self.resource.answer(
            method, parts.path, dict(parse_qsl(parts.query)), token, "127.0.0.1", raw
        )
        if isinstance(answer, Raw):
            return status, answer
        answer = json.loads(json.dumps(answer, default=str))
        self._check(method, parts.path, status, answer)
        return status, answer

    def get(self, target: str, token: str | None):
        return self.call("GET", target, token)

    def post(self, target: str, token: str | None, body=None):
        return self.call("POST", target, token, {} if body is None else body)

    def _check(self, method: str, path: str, status: int, answer) -> None:
        from hub.api.routes import match

        route, _, _ = match(method, path.rstrip("/") or "/")
        if route is None:
            return
        responses = self.document["paths"][route.path][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {route.path} answered {status}, undocumented"
        content = responses[str(status)]["content"]
        schema = next(iter(content.values()))["schema"]
        resolver = {"components": self.document["components"], **schema}
        errors = list(Draft202012Validator(resolver).iter_errors(answer))
        assert not errors, f"{method} {route.path} {status}: {errors[0].message}"
