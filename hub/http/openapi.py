"""GET /api/openapi.json: the HTTP interface, described for clients and checks."""

from __future__ import annotations

import json

from twisted.web.resource import Resource

CXML = "application/xml"


def _cxml_response(text: str) -> dict:
    return {"description": text, "content": {CXML: {"schema": {"type": "string"}}}}


def openapi_document(version: str) -> dict:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Order B2B hub", "version": version},
        "paths": {
            "/cxml": {
                "post": {
                    "summary": "A cXML OrderRequest or PunchOutSetupRequest; a cXML answer",
                    "requestBody": {
                        "required": True,
                        "content": {CXML: {"schema": {"type": "string"}}, "text/xml": {}},
                    },
                    "responses": {
                        "200": _cxml_response("kept; the Status code is 200"),
                        "400": _cxml_response("malformed, hostile or not a valid OrderRequest"),
                        "401": _cxml_response("unknown sender or wrong shared secret"),
                        "406": _cxml_response("a cXML request this hub does not take"),
                        "413": _cxml_response("body over the size limit"),
                        "500": _cxml_response("the document could not be kept; send it again"),
                    },
                }
            },
            "/x12": {
                "post": {
                    "summary": "An X12 interchange; answered with its 997",
                    "requestBody": {
                        "required": True,
                        "content": {"application/edi-x12": {"schema": {"type": "string"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "kept; the 997 says which purchase orders were taken",
                            "content": {"application/edi-x12": {"schema": {"type": "string"}}},
                        },
                        **{
                            str(code): {
                                "description": text,
                                "content": {"application/problem+json": {"schema": PROBLEM}},
                            }
                            for code, text in (
                                (400, "not a readable interchange"),
                                (401, "unknown sender or wrong ISA04 security information"),
                                (413, "body over the size limit"),
                            )
                        },
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Database and broker reachability",
                    "responses": {
                        "200": {"description": "all reachable", "content": _health()},
                        "503": {"description": "something unreachable", "content": _health()},
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus text: requests, latencies, batches, backlog",
                    "responses": {
                        "200": {
                            "description": "metrics",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
    }
    document["paths"].update(api_paths())
    document["components"] = {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {"Problem": PROBLEM},
    }
    return document


JSON_OBJECT = {"type": "object"}
PROBLEM = {
    "type": "object",
    "required": ["title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
}


def api_paths() -> dict:
    """Every /api/v1 route, with its permission, parameters and answers."""
    from hub.api.routes import ROUTES

    paths: dict = {}
    for route in ROUTES:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in route.pattern.groupindex
        ] + [
            {"name": name, "in": "query", "required": False, "description": text,
             "schema": {"type": "string"}}
            for name, text in route.query
        ]  # fmt: skip
        paths.setdefault(route.path, {})[route.method.lower()] = {
            "summary": route.summary,
            "security": [{"bearer": []}],
            "x-permission": route.permission,
            "parameters": parameters,
            "responses": _api_responses(route.status, route.media_types),
        }
        if route.body:
            paths[route.path][route.method.lower()]["requestBody"] = _request_body(route.body)
    return paths


def _request_body(fields: tuple[tuple, ...]) -> dict:
    properties = {
        name: {**(schema[0] if schema else {"type": "string"}), "description": text}
        for name, text, *schema in fields
    }
    schema = {"type": "object", "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _api_responses(status: int, media_types: tuple[str, ...] = ()) -> dict:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    content = {"application/json": {"schema": JSON_OBJECT}}
    if media_types:
        binary = {"type": "string", "format": "binary"}
        content = {media_type: {"schema": binary} for media_type in media_types}
    answers = {str(status): {"description": "the answer", "content": content}}
    for code, text in (
        (400, "a query parameter that cannot be used"),
        (401, "no valid API token"),
        (403, "the token's staff member lacks the route's permission"),
        (404, "no such document"),
        (409, "the document cannot do this now"),
    ):
        answers[str(code)] = {"description": text, "content": problem}
    return answers


def _health() -> dict:
    states = {"type": "string"}
    schema = {
        "type": "object",
        "required": ["database", "broker", "status"],
        "properties": {"database": states, "broker": states, "status": states},
    }
    return {"application/json": {"schema": schema}}


class OpenApiResource(Resource):
    isLeaf = True

    def __init__(self, version: str) -> None:
        super().__init__()
        self.body = json.dumps(openapi_document(version), indent=2).encode()

    def render_GET(self, request):
        request.setHeader(b"content-type", b"application/json")
        return self.body
