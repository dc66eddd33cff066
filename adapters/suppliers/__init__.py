"""Suppliers' price and availability (P&A) services: a SOAP one (zeep) and a REST/JSON
one, both answering `core.ports.SupplierService`, built from a supplier's settings by
`service_for`; and tracking numbers from a supplier's REST order API (`tracking_for`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from core.canonical import PriceAvailability
from core.ports import SupplierService

if TYPE_CHECKING:
    from adapters.suppliers.rest_orders import RestOrderTracking

KINDS = ("soap", "rest")
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "suppliers"
DEFAULT_WSDL = "price_availability.wsdl"
DEFAULT_TIMEOUT = 5.0
DEFAULT_CURRENCY = "USD"


class UnusableAnswer(ValueError):
    """A supplier's answer that cannot be read as price and availability."""


def service_for(kind: str, settings: Mapping[str, object]) -> SupplierService:
    """The P&A client of a supplier from its stored settings.

    Both kinds take `url` (the endpoint, required), `timeout` (seconds, default 5),
    `currency` (given to parts the supplier does not know, default USD) and `name`
    (how errors name the service, default "supplier").
    "soap": `account`, `username`, `password` (the Credentials of every request) and
    `wsdl`, a file name under schemas/suppliers/ (default price_availability.wsdl).
    "rest": `token` (sent as a bearer token) or `api_key` (sent in the header named
    by `api_key_header`, default X-API-Key), `account` (IM-CustomerNumber) and
    `country` (IM-CountryCode, default US).
    An unknown kind or unusable settings raise ValueError.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown supplier service kind {kind!r}: expected one of {KINDS}")
    common = {
        "url": _url(settings),
        "timeout": _timeout(settings),
        "currency": _text(settings, "currency") or DEFAULT_CURRENCY,
        "name": _text(settings, "name") or "supplier",
    }
    if kind == "soap":
        from adapters.suppliers.soap import SoapSupplierService

        return SoapSupplierService(
            account=_text(settings, "account") or "",
            username=_text(settings, "username") or "",
            password=_text(settings, "password") or "",
            wsdl=wsdl_path(_text(settings, "wsdl") or DEFAULT_WSDL),
            **common,
        )
    from adapters.suppliers.rest import RestSupplierService

    return RestSupplierService(
        token=_text(settings, "token"),
        api_key=_text(settings, "api_key"),
        api_key_header=_text(settings, "api_key_header") or "X-API-Key",
        account=_text(settings, "account"),
        country=_text(settings, "country") or "US",
        **common,
    )


def tracking_for(settings: Mapping[str, object]) -> RestOrderTracking:
    """The order API client of a supplier that gives tracking numbers over REST, from
    the same settings as its "rest" P&A client (`currency` is not used)."""
    from adapters.suppliers.rest_orders import RestOrderTracking

    return RestOrderTracking(
        _url(settings),
        token=_text(settings, "token"),
        api_key=_text(settings, "api_key"),
        api_key_header=_text(settings, "api_key_header") or "X-API-Key",
        account=_text(settings, "account"),
        country=_text(settings, "country") or "US",
        timeout=_timeout(settings),
        name=_text(settings, "name") or "supplier",
    )


def wsdl_path(name: str) -> Path:
    """A WSDL bundled under schemas/suppliers/, by its file name only."""
    if Path(name).name != name or name in ("", ".", ".."):
        raise ValueError(f"wsdl must be a file name under schemas/suppliers/, not {name!r}")
    path = SCHEMA_DIR / name
    if not path.is_file():
        raise ValueError(f"no WSDL named {name!r} under schemas/suppliers/")
    return path


def distinct(parts: Iterable[str]) -> list[str]:
    """The parts to ask for: each once, in the order first requested."""
    return list(dict.fromkeys(parts))


def quantity_of(part: str, quantity: Mapping[str, Decimal] | None) -> Decimal:
    wanted = (quantity or {}).get(part, Decimal(1))
    if wanted <= 0:
        raise ValueError(f"the quantity asked for part {part!r} must be positive")
    return wanted


def not_found(part: str, currency: str) -> PriceAvailability:
    return PriceAvailability(supplier_part_id=part, unit_price=None, currency=currency, found=False)


def keyed(answers: Iterable[PriceAvailability], asked: list[str]) -> dict[str, PriceAvailability]:
    """The answers by part; a part answered twice or never asked for is unusable."""
    by_part: dict[str, PriceAvailability] = {}
    wanted = set(asked)
    for answer in answers:
        part = answer.supplier_part_id
        if part not in wanted:
            raise UnusableAnswer(f"the answer names part {part!r}, which was not asked for")
        if part in by_part:
            raise UnusableAnswer(f"the answer names part {part!r} twice")
        by_part[part] = answer
    return by_part


def in_request_order(
    parts: list[str], answers: Mapping[str, PriceAvailability], currency: str
) -> list[PriceAvailability]:
    """One answer per requested part, in its order; a part left out is not found."""
    return [answers.get(part) or not_found(part, currency) for part in parts]


def _url(settings: Mapping[str, object]) -> str:
    url = _text(settings, "url")
    if not url or not url.startswith(("http://", "https://")):
        raise ValueError("a supplier service needs an http:// or https:// url")
    return url


def _timeout(settings: Mapping[str, object]) -> float:
    value = settings.get("timeout", DEFAULT_TIMEOUT)
    try:
        seconds = float(Decimal(str(value)))
    except ArithmeticError:
        raise ValueError(f"timeout must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= 300:
        raise ValueError(f"timeout must be more than 0 and at most 300 seconds, not {value!r}")
    return seconds


def _text(settings: Mapping[str, object], key: str) -> str | None:
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"supplier setting {key!r} must be text")
    return value
