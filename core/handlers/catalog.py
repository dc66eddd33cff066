"""Products, their suppliers, level prices and quantity breaks, and price levels.
Every change is in the product's (or the level's) history through the unit of work."""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.products import CatalogError, PriceLevel, Product


def add_product(command: commands.AddProduct, uow: ports.UnitOfWork) -> int:
    if uow.catalog.get(command.sku.strip()) is not None:
        raise CatalogError(f"product {command.sku.strip()} exists already")
    product = Product.new(command.sku, command.description, **(command.fields or {}))
    uow.catalog.add(product)
    uow.emit(events.ProductChanged(product.sku, ["added"]))
    return product.id


def change_product(command: commands.ChangeProduct, uow: ports.UnitOfWork) -> list[str]:
    product = _product(uow, command.sku)
    changed = product.change(**command.fields)
    if changed:
        uow.emit(events.ProductChanged(product.sku, changed))
    return changed


def set_product_supplier(command: commands.SetProductSupplier, uow: ports.UnitOfWork) -> None:
    product = _product(uow, command.sku)
    product.set_supplier(
        command.supplier_code,
        command.supplier_part_id,
        cost=command.cost,
        lead_time_days=command.lead_time_days,
        is_preferred=command.is_preferred,
        archived=command.archived,
    )
    uow.emit(events.ProductChanged(product.sku, [f"supplier:{command.supplier_code}"]))


def set_level_price(command: commands.SetLevelPrice, uow: ports.UnitOfWork) -> None:
    product = _product(uow, command.sku)
    level = _level(uow, command.level_code)
    if level.kind != "fixed":
        raise CatalogError(
            f"price level {level.code} is {level.kind}: its prices are computed, not set"
        )
    product.set_level_price(level.code, command.unit_price)
    uow.emit(events.ProductChanged(product.sku, [f"price:{level.code}"]))


def set_price_break(command: commands.SetPriceBreak, uow: ports.UnitOfWork) -> None:
    product = _product(uow, command.sku)
    level_code = _level(uow, command.level_code).code if command.level_code else None
    product.set_break(level_code, command.min_quantity, command.unit_price)
    scope = level_code or "any"
    uow.emit(events.ProductChanged(product.sku, [f"break:{scope}:{command.min_quantity}"]))


def add_price_level(command: commands.AddPriceLevel, uow: ports.UnitOfWork) -> int:
    if uow.catalog.level(command.code.strip()) is not None:
        raise CatalogError(f"price level {command.code.strip()} exists already")
    level = PriceLevel.new(command.code, command.name, command.kind, command.percent)
    uow.catalog.add_level(level)
    return level.id


def change_price_level(command: commands.ChangePriceLevel, uow: ports.UnitOfWork) -> list[str]:
    return _level(uow, command.code).change(**command.fields)


def _product(uow: ports.UnitOfWork, sku: str) -> Product:
    product = uow.catalog.get(sku)
    if product is None:
        raise NotFound(f"no product {sku}")
    return product


def _level(uow: ports.UnitOfWork, code: str) -> PriceLevel:
    level = uow.catalog.level(code)
    if level is None:
        raise NotFound(f"no price level {code}")
    return level
