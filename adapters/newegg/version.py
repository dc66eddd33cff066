"""The version of a Newegg order: it sorts in the order the order moves on.

Newegg gives orders no revision number or change date, and the hub takes a snapshot
with a greater source_version as newer (and one with an equal or smaller version as a
duplicate), so the version is built from what only moves forward: the status in
the order Newegg moves an order through it, the number of cancelled items and the
quantity shipped. A digest of the mapped order ends it, so a change that moves none
of these (a corrected address, say) still gives a new version and source document
id, though not necessarily a greater one: the hub may take it as a duplicate. Fields
that change without the order changing (OrderDownloaded, ResponseDate) are not
mapped, so polling the same order again gives the same version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from adapters.newegg.items import Item
from core.canonical import CanonicalOrder

# Status codes in the order an order moves through them: Payment Pending (5) comes
# before Unshipped (0); Voided (4) ends it.
_PROGRESS = {5: 0, 0: 1, 1: 2, 2: 3, 3: 4, 4: 5}
_SHIPPED_DIGITS = 7
_DIGEST_LENGTH = 8


def order_version(status: int, items: Sequence[Item], order: CanonicalOrder) -> str:
    """ "progress.cancelled.shipped.digest", e.g. "1.001.0000000.3fa85c1e" (22 chars)."""
    cancelled = sum(1 for item in items if item.cancelled)
    shipped = min(sum(item.shipped for item in items), 10**_SHIPPED_DIGITS - 1)
    return (
        f"{_PROGRESS[status]}.{min(cancelled, 999):03d}."
        f"{shipped:0{_SHIPPED_DIGITS}d}.{_digest(order)}"
    )


def _digest(order: CanonicalOrder) -> str:
    content = order.to_dict()
    for name in ("partner", "source_document_id", "source_version"):
        del content[name]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:_DIGEST_LENGTH]
