"""Response bodies of the REST API and the paging parameters every list shares.

Models read ORM rows directly (`from_attributes`). Money is a decimal string
("19.99"), never a float. No model carries a secret, a key hash or a password
hash: what is not declared here is not sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Path, Query
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from seabridge.api.errors import ApiError
from seabridge.db import models
from seabridge.storage.paging import CursorError, decode_cursor
from seabridge.storage.shipments import is_late

T = TypeVar("T")

Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["19.99"]}),
]

# Primary keys are 32-bit; a larger number can name nothing and must not reach the database.
MAX_ID = 2**31 - 1
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="The object's id")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="`next_cursor` from the previous page; omit for the first page"),
]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]


def after_id(cursor: str | None) -> int:
    """The id a page starts after; a cursor this server did not make is a 400."""
    try:
        value = decode_cursor(cursor)
    except CursorError as exc:
        raise ApiError(400, "the cursor is not valid; start again without one", code="invalid_cursor") from exc
    if value > MAX_ID:
        raise ApiError(400, "the cursor is not valid; start again without one", code="invalid_cursor")
    return value


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass `next_cursor` as `cursor` for the next page; null on the last."""

    model_config = ConfigDict(from_attributes=True)

    items: list[T]
    next_cursor: str | None


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    """The one error shape of every 4xx and 5xx answer."""

    error: ErrorDetail


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error answers a route can give."""
    text = {
        400: "Bad request (e.g. `invalid_cursor`)",
        401: "Missing, unknown or revoked credentials",
        403: "The caller's role may not do this",
        404: "No such object in the caller's store",
        409: "Conflicts with an existing object",
        422: "A parameter or the body is not valid",
    }
    return {s: {"model": ErrorBody, "description": text.get(s, "Error")} for s in statuses}


class _Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- store ------------------------------------------------------------------


class StoreOut(_Orm):
    id: int
    slug: str
    name: str
    public_key: str = Field(description="Public widget key; safe to embed in a web page")
    default_language: str
    languages: list[str]
    currency: str
    timezone: str
    policies: dict[str, Any]
    shipping: list[dict[str, Any]]
    hours: list[dict[str, Any]]


class ApiKeyOut(_Orm):
    id: int
    name: str
    prefix: str = Field(description="First characters of the key, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["shopify-sync"])


class ApiKeyCreated(BaseModel):
    api_key: ApiKeyOut
    key: str = Field(description="The key itself. Shown only in this answer; store it now")


class AgentOut(_Orm):
    id: int
    email: str
    name: str
    role: str
    language: str
    created_at: datetime
    disabled_at: datetime | None


class AgentCreate(BaseModel):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["owner", "admin", "agent"] = "agent"
    password: str = Field(min_length=10, max_length=1024)
    language: str = Field("en", min_length=2, max_length=16)


class StoreSecret(BaseModel):
    secret: str
    usage: str


class StoreSecrets(BaseModel):
    secret_version: int
    identity: StoreSecret
    tracking_webhook: StoreSecret


# --- catalog ------------------------------------------------------------------


class VariantOption(BaseModel):
    name: str
    value: str


class VariantOut(_Orm):
    id: int
    position: int
    sku: str | None
    title: str
    options: list[VariantOption]
    price: Money
    compare_at_price: Money | None
    inventory_qty: int | None = Field(description="null when the store does not track stock")
    grams: int | None
    barcode: str
    image: str

    @field_validator("options", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, list) and all(isinstance(p, list | tuple) and len(p) == 2 for p in value):
            return [{"name": n, "value": v} for n, v in value]
        return value


class ProductOut(_Orm):
    id: int
    handle: str
    title: str
    body_html: str
    vendor: str
    product_type: str
    category: str
    tags: list[str]
    status: str
    images: list[str]
    size_chart: dict[str, Any] | None
    min_price: Money
    max_price: Money
    attributes: dict[str, str] = Field(description='Product attributes, e.g. {"material": "cotton"}')
    variants: list[VariantOut]
    created_at: datetime
    updated_at: datetime

    @field_validator("attributes", mode="before")
    @classmethod
    def _as_dict(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {a.name: a.value for a in value}
        return value


class Categories(BaseModel):
    items: list[str]


# --- customers and orders -------------------------------------------------------


class CustomerOut(_Orm):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    country: str
    city: str
    language: str
    timezone: str
    accepts_marketing: bool
    tags: list[str]
    created_at: datetime
    updated_at: datetime


class OrderLineOut(_Orm):
    id: int
    position: int
    name: str
    sku: str
    variant_id: int | None
    quantity: int
    price: Money


def _with_late(cls: type[BaseModel], data: Any) -> Any:
    """Read a Shipment row into a dict that also says whether it is late today (UTC)."""
    if not isinstance(data, models.Shipment):
        return data
    values = {name: getattr(data, name) for name in cls.model_fields if name != "late"}
    return {**values, "late": is_late(data, datetime.now(UTC).date())}


class ShipmentSummary(_Orm):
    id: int
    tracking_number: str
    carrier: str
    status: str
    estimated_delivery: date | None
    delivered_at: datetime | None
    late: bool = Field(description="Past the carrier's estimate and neither delivered nor returned")

    @model_validator(mode="before")
    @classmethod
    def _late(cls, data: Any) -> Any:
        return _with_late(cls, data)


class OrderOut(_Orm):
    id: int
    name: str
    customer_id: int | None
    email: str
    financial_status: str
    fulfillment_status: str
    currency: str
    subtotal: Money
    shipping: Money
    taxes: Money
    discount: Money
    total: Money
    shipping_name: str
    shipping_city: str
    shipping_country: str
    shipping_method: str
    payment_method: str
    placed_at: datetime
    paid_at: datetime | None
    fulfilled_at: datetime | None
    cancelled_at: datetime | None
    updated_at: datetime
    lines: list[OrderLineOut]
    shipments: list[ShipmentSummary]


# --- shipments ---------------------------------------------------------------------


class CheckpointOut(_Orm):
    time: datetime
    message: str
    location: str
    country: str
    tag: str
    subtag: str


class ShipmentOut(_Orm):
    id: int
    tracking_number: str
    order_id: int | None
    order_name: str
    carrier: str
    status: str
    tag: str
    subtag: str
    origin_country: str
    destination_country: str
    estimated_delivery: date | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    last_event_at: datetime | None
    updated_at: datetime
    late: bool = Field(description="Past the carrier's estimate and neither delivered nor returned")
    checkpoints: list[CheckpointOut] = Field(description="Carrier events, oldest first")

    @model_validator(mode="before")
    @classmethod
    def _late(cls, data: Any) -> Any:
        return _with_late(cls, data)
