"""Wire formats of the store importer: bytes in, typed records out, no I/O.

Each parser collects every bad row (up to a cap) and raises `FormatError`
carrying them; on success it returns the records from `records`.
"""

from seabridge.formats.aftership import parse_tracking_event, parse_tracking_jsonl
from seabridge.formats.records import FormatError, RowError
from seabridge.formats.shopify_customers import parse_customers
from seabridge.formats.shopify_orders import parse_orders
from seabridge.formats.shopify_products import parse_products
from seabridge.formats.store_toml import parse_store_toml

__all__ = [
    "FormatError",
    "RowError",
    "parse_customers",
    "parse_orders",
    "parse_products",
    "parse_store_toml",
    "parse_tracking_event",
    "parse_tracking_jsonl",
]
