"""Price and availability from a supplier's SOAP service (schemas/suppliers/*.wsdl).

The WSDL is read from the bundled file, never from the network; each supplier's
endpoint is bound from its settings. Answers are parsed by zeep with DTDs, entities
and external references refused, then validated against the WSDL's schema before
zeep reads them: zeep alone would read a bad date or number as nothing.
"""

from __future__ import annotations

import copy
import functools
import threading
from decimal import Decimal
from pathlib import Path

import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.transports import Transport
from zeep.wsdl import Document

from adapters.suppliers import (
    DEFAULT_CURRENCY,
    DEFAULT_TIMEOUT,
    DEFAULT_WSDL,
    SCHEMA_DIR,
    UnusableAnswer,
    distinct,
    in_request_order,
    keyed,
    not_found,
    quantity_of,
)
from core.canonical import PriceAvailability, WarehouseStock
from core.errors import ServiceFailed

NAMESPACE = "urn:orderb2b:supplier:price-availability:1"
BINDING = f"{{{NAMESPACE}}}PriceAvailabilityBinding"
RESPONSE = f"{{{NAMESPACE}}}PriceAvailabilityResponse"
SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
SOAP_FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Fault"
XSD_IN_WSDL = "{http://schemas.xmlsoap.org/wsdl/}types/{http://www.w3.org/2001/XMLSchema}schema"
FOUND = ("Active", "Discontinued")
NOT_FOUND = ("NotFound", "NotAuthorized")
SETTINGS = zeep.Settings(
    strict=True,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
    xml_huge_tree=False,
)
_REFUSED_XML = (
    zeep.exceptions.DTDForbidden,
    zeep.exceptions.EntitiesForbidden,
    zeep.exceptions.ExternalReferenceForbidden,
)


class SoapSupplierService:
    """A supplier's P&A over SOAP: one PriceAvailability call per question."""

    def __init__(
        self,
        url: str,
        *,
        account: str,
        username: str,
        password: str,
        wsdl: Path = SCHEMA_DIR / DEFAULT_WSDL,
        timeout: float = DEFAULT_TIMEOUT,
        currency: str = DEFAULT_CURRENCY,
        name: str = "supplier",
    ) -> None:
        document, conformance = _contract(str(wsdl))
        client = zeep.Client(
            document,
            transport=Transport(timeout=timeout, operation_timeout=timeout),
            settings=SETTINGS,
            plugins=[conformance],
        )
        self._service = client.create_service(BINDING, url)
        self._credentials = {"CustomerNumber": account, "UserName": username, "Password": password}
        self.url = url
        self.timeout = timeout
        self.currency = currency
        self.name = name

    def price_availability(
        self, parts: list[str], quantity: dict[str, Decimal] | None = None
    ) -> list[PriceAvailability]:
        asked = distinct(parts)
        if not asked:
            return []
        items = [
            {"LineNumber": line, "PartNumber": part, "Quantity": quantity_of(part, quantity)}
            for line, part in enumerate(asked, start=1)
        ]
        answer = self._call(items)
        try:
            answers = keyed((self._read(item) for item in _items(answer)), asked)
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None
        return in_request_order(list(parts), answers, self.currency)

    def _call(self, items: list[dict]) -> object:
        try:
            return self._service.PriceAvailability(
                Credentials=self._credentials, Items={"Item": items}
            )
        except requests.Timeout:
            raise self._failed(f"no answer within {self.timeout:g} s", "timeout") from None
        except requests.RequestException:
            raise self._failed(f"cannot connect to {self.url}", "unreachable") from None
        except zeep.exceptions.Fault as fault:
            raise self._fault(fault) from None
        except zeep.exceptions.TransportError as error:
            raise self._transport_error(error) from None
        except _REFUSED_XML as error:
            raise self._failed(f"answer refused: {_kind_of(error)}", "malformed") from None
        except UnusableAnswer as error:
            raise self._failed(f"unusable answer: {error}", "malformed") from None
        except (zeep.exceptions.Error, ValueError, ArithmeticError) as error:
            raise self._failed(f"unreadable answer: {_one_line(error)}", "malformed") from None

    def _read(self, item: object) -> PriceAvailability:
        part = _required(item, "PartNumber")
        status = _required(item, "Status")
        if status in NOT_FOUND:
            return not_found(part, self.currency)
        if status not in FOUND:
            raise UnusableAnswer(f"part {part!r} has an unknown status {status!r}")
        return PriceAvailability(
            supplier_part_id=part,
            unit_price=_required(item, "UnitPrice"),
            currency=_required(item, "Currency"),
            warehouses=tuple(_stock(place) for place in _warehouses(item)),
            eta=item.Eta,
            unit_of_measure=item.UnitOfMeasure,
        )

    def _fault(self, fault: zeep.exceptions.Fault) -> ServiceFailed:
        code = (fault.code or "").rpartition(":")[2]
        said = _one_line(fault.message or "no reason given")
        if code.split(".")[0] == "Client":
            return self._failed(f"request refused: {said}", "refused")
        return self._failed(f"SOAP fault {fault.code or '(no code)'}: {said}", "server_error")

    def _transport_error(self, error: zeep.exceptions.TransportError) -> ServiceFailed:
        status = error.status_code
        if 400 <= status < 500:
            return self._failed(f"request refused with HTTP {status}", "refused")
        if status >= 500:
            return self._failed(f"server error HTTP {status}", "server_error")
        return self._failed("unreadable answer: not well-formed XML", "malformed")

    def _failed(self, message: str, kind: str) -> ServiceFailed:
        return ServiceFailed(self.name, message, kind=kind)


class _Conformance(zeep.Plugin):
    """Refuses an answer that is neither a Fault nor a PriceAvailabilityResponse valid
    by the WSDL's schema."""

    def __init__(self, schema: etree.XMLSchema) -> None:
        self._schema = schema
        self._lock = threading.Lock()  # an lxml schema validates one document at a time

    def ingress(self, envelope, http_headers, operation):
        body = envelope.find(SOAP_BODY)
        content = None if body is None else next(iter(body), None)
        if content is None:
            raise UnusableAnswer("the SOAP Body is missing or empty")
        if content.tag == SOAP_FAULT:
            return envelope, http_headers
        if content.tag != RESPONSE:
            raise UnusableAnswer(f"the SOAP Body holds {content.tag}, not the answer")
        with self._lock:
            if not self._schema.validate(content):
                raise UnusableAnswer(_one_line(self._schema.error_log.last_error.message))
        return envelope, http_headers


@functools.lru_cache(maxsize=8)
def _contract(path: str) -> tuple[Document, _Conformance]:
    """The parsed WSDL and its schema check, made once per file and only read after."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    schema = etree.parse(path, parser).find(XSD_IN_WSDL)
    if schema is None:
        raise ValueError(f"{path} has no XML Schema in its types")
    return (
        Document(path, Transport(), settings=SETTINGS),
        _Conformance(etree.XMLSchema(copy.deepcopy(schema))),
    )


def _items(answer: object) -> list:
    """The answered items; zeep unwraps a response holding one list into the list."""
    if answer is None:
        return []
    if not isinstance(answer, list):
        raise UnusableAnswer("the answer's Items cannot be read")
    return answer


def _warehouses(item: object) -> list:
    return list(item.Warehouses.Warehouse or []) if item.Warehouses is not None else []


def _stock(place: object) -> WarehouseStock:
    return WarehouseStock(
        warehouse=_required(place, "Code"), quantity=_required(place, "QuantityAvailable")
    )


def _required(element: object, name: str):
    value = getattr(element, name, None)
    if value is None or value == "":
        raise UnusableAnswer(f"an answered item has no {name}")
    return value


def _kind_of(error: Exception) -> str:
    if isinstance(error, zeep.exceptions.DTDForbidden):
        return "it declares a DTD"
    if isinstance(error, zeep.exceptions.EntitiesForbidden):
        return "it declares entities"
    return "it refers to an external resource"


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200] or "unknown error"
