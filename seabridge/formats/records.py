"""Typed records that the format parsers produce and the importer stores.

Each external format (Shopify CSV, AfterShip-style tracking, store.toml) has
its own parser module; all of them yield these plain records, so the storage
layer never sees a CSV row or a JSON payload.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an input file: where it is and why it is wrong."""

    file: str
    row: int  # 1-based physical row (the header is row 1); 0 for the file itself
    column: str | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.reason}


class FormatError(Exception):
    """A file could not be parsed; carries every bad row found."""

    def __init__(self, file: str, errors: list[RowError]) -> None:
        self.file = file
        self.errors = errors
        super().__init__(f"{file}: {len(errors)} error(s)")


# --- store.toml -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShippingZone:
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2, upper case; "*" = rest of world
    days_min: int
    days_max: int
    cost: Decimal
    name: str = ""
    carrier: str = ""


@dataclass(frozen=True, slots=True)
class OpeningSpan:
    weekday: int  # 0 = Monday
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Policies:
    return_window_days: int
    free_shipping_over: Decimal | None
    payment_methods: tuple[str, ...]
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoreConfig:
    name: str
    default_language: str
    currency: str
    timezone: str
    policies: Policies
    shipping: tuple[ShippingZone, ...]
    hours: tuple[OpeningSpan, ...]
    languages: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


# --- products.csv (Shopify product export) --------------------------------


@dataclass(frozen=True, slots=True)
class VariantRecord:
    sku: str
    options: tuple[tuple[str, str], ...]  # ((option name, value), ...) in order
    price: Decimal
    compare_at_price: Decimal | None
    inventory_qty: int | None
    grams: int | None
    barcode: str
    image: str
    row: int


@dataclass(frozen=True, slots=True)
class ProductRecord:
    handle: str
    title: str
    body_html: str
    vendor: str
    product_type: str
    category: str
    tags: tuple[str, ...]
    status: str  # active, draft, archived
    images: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]  # from metafield columns, e.g. ("material", "cotton")
    size_chart: dict[str, object] | None  # parsed JSON metafield custom.size_chart
    variants: tuple[VariantRecord, ...]
    row: int


# --- customers.csv (Shopify customer export, plus Language/Time Zone) ----


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    email: str  # lower-cased
    first_name: str
    last_name: str
    phone: str
    country: str  # alpha-2 or ""
    city: str
    language: str  # BCP 47 primary tag or ""
    timezone: str  # IANA name or ""
    accepts_marketing: bool
    tags: tuple[str, ...]
    row: int


# --- orders.csv (Shopify order export) ------------------------------------


@dataclass(frozen=True, slots=True)
class LineItemRecord:
    name: str
    sku: str
    quantity: int
    price: Decimal
    row: int


@dataclass(frozen=True, slots=True)
class OrderRecord:
    name: str  # "#1001"
    email: str  # lower-cased, may be ""
    financial_status: str  # paid, pending, refunded, partially_refunded, authorized, voided...
    fulfillment_status: str  # fulfilled, unfulfilled, partial, restocked
    currency: str
    subtotal: Decimal
    shipping: Decimal
    taxes: Decimal
    discount: Decimal
    total: Decimal
    created_at: datetime  # aware
    paid_at: datetime | None
    fulfilled_at: datetime | None
    cancelled_at: datetime | None
    shipping_name: str
    shipping_city: str
    shipping_country: str  # alpha-2 or ""
    shipping_method: str
    payment_method: str
    phone: str
    lines: tuple[LineItemRecord, ...]
    row: int


# --- tracking.jsonl (AfterShip-style tracking webhook) --------------------


class ShipmentStatus(enum.StrEnum):
    """Normalized shipment status, derived from AfterShip tag and subtag."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    CUSTOMS_HOLD = "customs_hold"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class CheckpointRecord:
    time: datetime  # aware
    message: str
    location: str
    country: str  # alpha-2 or ""
    tag: str
    subtag: str


@dataclass(frozen=True, slots=True)
class TrackingRecord:
    tracking_number: str
    carrier: str  # AfterShip slug
    tag: str
    subtag: str
    status: ShipmentStatus
    order_name: str  # "#1001"
    expected_delivery: date | None
    origin_country: str  # alpha-2 or ""
    destination_country: str  # alpha-2 or ""
    checkpoints: tuple[CheckpointRecord, ...]
    event_time: datetime | None  # from "ts"
    row: int
