"""Whether an inbound message really comes from the domain in its From header, as our
receiving mail server judged it (Authentication-Results, RFC 8601; Received-SPF)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mail.message import InboundMessage

VERIFIED, UNVERIFIED, SPOOFED = "verified", "unverified", "spoofed"
_METHOD = re.compile(r"^\s*(dkim|spf|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_PROPERTY = re.compile(r"\b(header\.from|header\.d|header\.i|smtp\.mailfrom)\s*=\s*([^\s;]+)")


@dataclass(frozen=True)
class _Result:
    method: str
    verdict: str
    domain: str


def sender_trust(
    message: InboundMessage,
    expected_domains: tuple[str, ...] | list[str] = (),
    *,
    authserv_id: str | None = None,
) -> str:
    """ "spoofed", "verified" or "unverified", from what our mail server recorded.

    Only Authentication-Results of `authserv_id` are read (when not given: those with
    the topmost header's id, the one our server added — RFC 8601 §7.1: anyone can write
    the header further down); Received-SPF only when there are none.
    - spoofed: dmarc=fail, or spf=fail with no DKIM pass for the From domain;
    - verified: dmarc=pass, or dkim/spf pass for the From domain (or its parent), and
      the From domain is one of `expected_domains` (or below one) when any are given;
    - unverified: everything else, including no results at all."""
    domain = message.from_domain
    if domain is None:
        return UNVERIFIED
    results = _results(message, authserv_id)
    verdicts = {(r.method, r.verdict) for r in results}
    aligned = {
        (r.method, r.verdict) for r in results if r.method == "dmarc" or _aligned(domain, r.domain)
    }
    if ("dmarc", "fail") in verdicts:
        return SPOOFED
    passed = bool(aligned & {("dmarc", "pass"), ("dkim", "pass"), ("spf", "pass")})
    if not passed and ("spf", "fail") in verdicts and ("dkim", "pass") not in aligned:
        return SPOOFED
    expected = not expected_domains or any(_within(domain, d) for d in expected_domains)
    return VERIFIED if passed and expected else UNVERIFIED


def _results(message: InboundMessage, authserv_id: str | None) -> list[_Result]:
    headers = message.header_all("Authentication-Results")
    if not headers:
        return _received_spf(message)
    wanted = (authserv_id or _authserv_id(headers[0]) or "").lower()
    results: list[_Result] = []
    for header in headers:
        if (_authserv_id(header) or "").lower() != wanted:
            if authserv_id is None:
                break  # below our server's own headers: written by someone else
            continue
        results.extend(_parse(header))
    return results


def _authserv_id(header: str) -> str | None:
    first = header.split(";", 1)[0].strip()
    return None if "=" in first else first.split()[0] if first else None


def _parse(header: str) -> list[_Result]:
    found = []
    for clause in header.split(";"):
        method = _METHOD.match(clause)
        if method is None:
            continue
        props = dict(_PROPERTY.findall(clause))
        domain = props.get("header.from") or props.get("header.d") or props.get("header.i", "")
        domain = props.get("smtp.mailfrom", domain) if method.group(1).lower() == "spf" else domain
        found.append(_Result(method.group(1).lower(), method.group(2).lower(), _domain(domain)))
    return found


def _received_spf(message: InboundMessage) -> list[_Result]:
    header = message.header("Received-SPF")
    if not header:
        return []
    verdict = header.split(None, 1)[0].lower()
    mailfrom = re.search(r"envelope-from\s*=\s*\"?([^\s;\"]+)", header, re.IGNORECASE)
    return [_Result("spf", verdict, _domain(mailfrom.group(1) if mailfrom else ""))]


def _domain(value: str) -> str:
    return value.strip().strip('"<>').rsplit("@", 1)[-1].lower()


def _aligned(from_domain: str, domain: str) -> bool:
    return bool(domain) and (_within(from_domain, domain) or _within(domain, from_domain))


def _within(domain: str, parent: str) -> bool:
    parent = parent.strip().lower().lstrip("@")
    return domain == parent or domain.endswith("." + parent)
