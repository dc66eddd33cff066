"""Amazon order and item records for edge-case tests: the fields MWS and SP-API share,
with what a test changes laid over them."""

from __future__ import annotations


def usd(amount: str) -> dict:
    return {"CurrencyCode": "USD", "Amount": amount}


def order(**fields: object) -> dict:
    return {
        "AmazonOrderId": "111-0000001-0000001",
        "PurchaseDate": "2025-03-11T10:00:00Z",
        "LastUpdateDate": "2025-03-11T11:00:00Z",
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "MarketplaceId": "ATVPDKIKX0DER",
    } | fields


def item(quantity: object, **fields: object) -> dict:
    """An item; MWS writes the quantity as text, SP-API as a JSON number."""
    return {
        "ASIN": "B000000001",
        "SellerSKU": "0001",
        "OrderItemId": "10000000000001",
        "QuantityOrdered": quantity,
        "ItemPrice": usd("10.00"),
    } | fields
