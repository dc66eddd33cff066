"""One blocking HTTP POST to a gateway: an error status is an answer; a timeout, an
unreachable host or an oversized answer is a ServiceFailed. Redirects are not
followed (a payment API that redirects is not one we trust with a request)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import NamedTuple

from core.errors import ServiceFailed

MAX_ANSWER_BYTES = 1024 * 1024


class Answer(NamedTuple):
    status: int
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(service: str, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        response = _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    except urllib.error.URLError as error:
        raise _transport_failure(service, url, error.reason, timeout) from error
    except OSError as error:
        raise _transport_failure(service, url, error, timeout) from error
    with response:
        try:
            answer = response.read(MAX_ANSWER_BYTES + 1)
        except OSError as error:
            raise _transport_failure(service, url, error, timeout) from error
    if len(answer) > MAX_ANSWER_BYTES:
        raise ServiceFailed(
            service, f"answer larger than {MAX_ANSWER_BYTES} bytes", kind="malformed"
        )
    return Answer(response.getcode(), answer)


def _transport_failure(service: str, url: str, reason: object, timeout: float) -> ServiceFailed:
    if isinstance(reason, TimeoutError):
        return ServiceFailed(service, f"no answer from {url} within {timeout:g} s", kind="timeout")
    text = " ".join(str(reason).split()) or type(reason).__name__
    return ServiceFailed(service, f"{url} unreachable: {text}", kind="unreachable")


def server_error(service: str, status: int, body: bytes) -> ServiceFailed:
    text = " ".join(body[:200].decode("utf-8", "replace").split())
    return ServiceFailed(service, f"HTTP {status}: {text or 'no detail'}", kind="server_error")
