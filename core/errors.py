"""The error family shared by the core and its adapters."""


class OrderB2BError(Exception):
    """Base of every error the product raises on purpose."""


class DocumentError(OrderB2BError):
    """An inbound document cannot be used. `code` follows the cXML status codes."""

    code = 400

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ParseError(DocumentError):
    """The bytes are not a well-formed or valid document of the channel."""


class HostileDocument(ParseError):
    """The document uses entities, a DTD subset or other constructs we refuse."""


class DocumentTooLarge(DocumentError):
    code = 413


class AuthenticationFailed(DocumentError):
    code = 401


class NotFound(OrderB2BError):
    pass


class DeletionRefused(OrderB2BError):
    """Audited documents are archived, never deleted."""


class ServiceFailed(OrderB2BError):
    """An outside service (a supplier's system, a carrier, a payment gateway) did not
    give a usable answer: it timed out, was unreachable, answered with a server error
    or with something we cannot read. Nothing was changed on our side."""

    def __init__(self, service: str, message: str, *, kind: str = "failed") -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.kind = kind  # "timeout", "unreachable", "server_error", "malformed", "refused"
