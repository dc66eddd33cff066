"""Products we sell, by our part number."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal


class Product:
    id: int | None

    def __init__(
        self,
        sku: str,
        description: str,
        *,
        manufacturer_name: str | None = None,
        manufacturer_part_id: str | None = None,
        unit_of_measure: str = "EA",
        list_price: Decimal | None = None,
        cost: Decimal | None = None,
        currency: str = "USD",
    ) -> None:
        self.sku = sku
        self.description = description
        self.manufacturer_name = manufacturer_name
        self.manufacturer_part_id = manufacturer_part_id
        self.unit_of_measure = unit_of_measure
        self.list_price = list_price
        self.cost = cost
        self.currency = currency
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
