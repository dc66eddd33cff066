"""The cXML documents Order B2B sends a buyer about its order, and the buyer's answer.

- `render_confirmation`: ConfirmationRequest (Fulfill.dtd)
- `render_ship_notice`: ShipNoticeRequest (Fulfill.dtd)
- `render_invoice`: InvoiceDetailRequest (InvoiceDetail.dtd)
- `read_response`: the Status of the buyer's cXML Response

Every document starts with the XML declaration and the DOCTYPE of its DTD;
`adapters.cxml.dtd.validate` checks one against the local DTD subset.
"""

from adapters.cxml.confirmation import render_confirmation
from adapters.cxml.envelope import CXML_VERSION, DEPLOYMENT_MODES, Credentials
from adapters.cxml.invoice import render_invoice
from adapters.cxml.reply import read_response
from adapters.cxml.ship_notice import render_ship_notice

__all__ = [
    "CXML_VERSION",
    "DEPLOYMENT_MODES",
    "Credentials",
    "read_response",
    "render_confirmation",
    "render_invoice",
    "render_ship_notice",
]
