"""Blocking HTTP for pollers and outbound documents (run off the reactor).

An error status is an answer, not an exception; only a transport failure or an
oversized answer raises. Bodies are bounded so a partner cannot exhaust memory.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

MAX_BODY_BYTES = 10 * 1024 * 1024


class HttpFailed(Exception):
    """The server could not be reached, or its answer was too large."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def http_call(request: urllib.request.Request, timeout: float = 30.0) -> HttpAnswer:
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    except (urllib.error.URLError, OSError) as error:
        raise HttpFailed(f"{request.full_url}: {_one_line(error)}") from error
    with response:
        try:
            body = response.read(MAX_BODY_BYTES + 1)
        except OSError as error:
            raise HttpFailed(f"{request.full_url}: {_one_line(error)}") from error
        if len(body) > MAX_BODY_BYTES:
            raise HttpFailed(f"{request.full_url}: answer larger than {MAX_BODY_BYTES} bytes")
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpAnswer(response.getcode(), headers, body)


def post(url: str, body: bytes, content_type: str, timeout: float = 30.0) -> HttpAnswer:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    return http_call(request, timeout)


def _one_line(error: Exception) -> str:
    return " ".join((str(error) or type(error).__name__).split())
