"""What the agent's tools return: plain, typed facts, already scoped to one buyer.

Tools never return ORM objects, so an engine (offline or LLM) cannot walk a
relationship to data outside the buyer's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class StoreProfile:
    id: int
    name: str
    currency: str
    timezone: str
    default_language: str
    languages: tuple[str, ...]
    return_window_days: int
    free_shipping_over: Decimal | None
    payment_methods: tuple[str, ...]
    handling_days: int
    zones: tuple[ShippingZone, ...]
    hours: tuple[tuple[int, str, str], ...]  # (weekday 0 = Monday, opens "09:00", closes "18:00"); closed days absent
    human_only: frozenset[str]


@dataclass(frozen=True, slots=True)
class ShippingZone:
    name: str
    countries: tuple[str, ...]  # ISO codes; "*" is the rest of the world
    days_min: int
    days_max: int
    cost: Decimal
    carrier: str = ""


@dataclass(frozen=True, slots=True)
class BuyerProfile:
    customer_id: int
    first_name: str
    country: str
    language: str
    timezone: str


@dataclass(frozen=True, slots=True)
class Event:
    time: datetime
    subtag: str
    message: str  # the carrier's own text (English)
    location: str


@dataclass(frozen=True, slots=True)
class ShipmentView:
    tracking_number: str
    carrier: str
    status: str  # seabridge.formats.records.ShipmentStatus value
    subtag: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    estimated_delivery: date | None  # the carrier's estimate, else the store's shipping policy
    estimate_source: str  # carrier, policy, none
    days_late: int  # 0 when not late
    last_event: Event | None
    destination_country: str


@dataclass(frozen=True, slots=True)
class OrderView:
    number: str  # "#1003"
    placed_at: datetime
    financial_status: str
    fulfillment_status: str
    cancelled_at: datetime | None
    fulfilled_at: datetime | None
    currency: str
    total: Decimal
    items: tuple[str, ...]
    country: str
    shipments: tuple[ShipmentView, ...] = ()

    @property
    def delivered_at(self) -> datetime | None:
        done = [s.delivered_at for s in self.shipments if s.delivered_at is not None]
        return max(done) if done and len(done) == len(self.shipments) else None


@dataclass(frozen=True, slots=True)
class VariantView:
    title: str
    options: tuple[tuple[str, str], ...]
    price: Decimal
    compare_at_price: Decimal | None
    in_stock: int | None  # None: not tracked
    grams: int | None = None  # the shipping weight the shop gives, if any


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    title: str
    product_type: str
    min_price: Decimal
    max_price: Decimal
    image: str
    attributes: tuple[tuple[str, str], ...]
    colors: tuple[str, ...]
    sizes: tuple[str, ...]
    variants: tuple[VariantView, ...]
    size_chart: dict[str, Any] | None = None
    on_sale: bool = False
    description: tuple[str, ...] = ()  # the shop's description, sentence by sentence (`agent/description.py`)


@dataclass(frozen=True, slots=True)
class SizeAdvice:
    product_id: int
    size: str
    measure: str  # the chart column that decided
    low: float
    high: float
    between: bool = False


@dataclass(frozen=True, slots=True)
class ReturnView:
    reference: str
    order: str
    status: str
    created: bool


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


def jsonable(value: Any) -> Any:
    """A tool result as JSON-ready data (for the LLM engine and the eval report)."""
    if hasattr(value, "__dataclass_fields__"):  # field by field: `asdict` would deep-copy everything first
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
