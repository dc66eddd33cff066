"""A request that stops buffering its body past a size limit."""

from __future__ import annotations

import io

from twisted.web.server import Request


class BoundedRequest(Request):
    max_body_bytes = 10 * 1024 * 1024

    @property
    def _parsePOSTFormSubmission(self) -> bool:
        # Form arguments are parsed (an email-module header parse) for pages, not for
        # the cXML endpoint, where it would cost on every order.
        return self._parse_forms and not self.path.startswith(b"/cxml")

    @_parsePOSTFormSubmission.setter
    def _parsePOSTFormSubmission(self, wanted: bool) -> None:
        self._parse_forms = wanted

    def gotLength(self, length):
        self.body_too_large = False
        self.body_bytes = 0
        self.content = io.BytesIO()

    def handleContentChunk(self, data):
        self.body_bytes += len(data)
        if self.body_bytes > self.max_body_bytes:
            self.body_too_large = True
            return
        self.content.write(data)


def bounded_request_factory(max_body_bytes: int) -> type[BoundedRequest]:
    return type("Request", (BoundedRequest,), {"max_body_bytes": max_body_bytes})
