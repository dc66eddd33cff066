"""GET /api/openapi.json: the HTTP interface, described for clients and checks."""

from __future__ import annotations

import json

from twisted.web.resource import Resource

CXML = "application/xml"


def _cxml_response(text: str) -> dict:
    return {"description": text, "content": {CXML: {"schema": {"type": "string"}}}}


def openapi_document(version: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Order B2B hub", "version": version},
        "paths": {
            "/cxml": {
                "post": {
                    "summary": "Any cXML request (OrderRequest now); answered with a cXML Response",
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
