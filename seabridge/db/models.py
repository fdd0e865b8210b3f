"""ORM tables. Every tenant-owned row carries `store_id`; storage modules filter on it.

The schema itself is owned by the numbered Alembic migrations in
`seabridge/db/migrations/versions`; a test checks the two agree.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from seabridge.db.types import Money, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money(), dict[str, Any]: JSON()}


def store_fk() -> ForeignKey:
    return ForeignKey("stores.id", ondelete="CASCADE")


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    default_language: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    policies: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shipping: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("store_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))  # owner, admin, agent
    language: Mapped[str] = mapped_column(String(16), default="en")
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class AgentSession(Base):
    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("store_id", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    handle: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    vendor: Mapped[str] = mapped_column(Text, default="")
    product_type: Mapped[str] = mapped_column(Text, default="", index=True)
    category: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    size_chart: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    min_price: Mapped[Decimal]
    max_price: Mapped[Decimal]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )
    attributes: Mapped[list[ProductAttribute]] = relationship(
        back_populates="product", order_by="ProductAttribute.name", cascade="all, delete-orphan"
    )


class ProductAttribute(Base):
    __tablename__ = "product_attributes"
    __table_args__ = (
        UniqueConstraint("product_id", "name"),
        Index("ix_product_attributes_lookup", "store_id", "name", "value_norm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk())
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(Text)
    value_norm: Mapped[str] = mapped_column(String(255))

    product: Mapped[Product] = relationship(back_populates="attributes")


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("store_id", "sku"),
        UniqueConstraint("product_id", "options_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str | None] = mapped_column(String(255))
    options: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    options_key: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    price: Mapped[Decimal]
    compare_at_price: Mapped[Decimal | None]
    inventory_qty: Mapped[int | None]
    grams: Mapped[int | None]
    barcode: Mapped[str] = mapped_column(String(64), default="")
    image: Mapped[str] = mapped_column(Text, default="")

    product: Mapped[Product] = relationship(back_populates="variants")


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("store_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(Text, default="")
    last_name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    city: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    accepts_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "name"),
        Index("ix_orders_store_email", "store_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    name: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    financial_status: Mapped[str] = mapped_column(String(32))
    fulfillment_status: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal]
    shipping: Mapped[Decimal]
    taxes: Mapped[Decimal]
    discount: Mapped[Decimal]
    total: Mapped[Decimal]
    shipping_name: Mapped[str] = mapped_column(Text, default="")
    shipping_city: Mapped[str] = mapped_column(Text, default="")
    shipping_country: Mapped[str] = mapped_column(String(2), default="")
    shipping_method: Mapped[str] = mapped_column(Text, default="")
    payment_method: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    placed_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all, delete-orphan"
    )
    shipments: Mapped[list[Shipment]] = relationship(back_populates="order", order_by="Shipment.id", viewonly=True)


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk())
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    sku: Mapped[str] = mapped_column(String(255), default="")
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id", ondelete="SET NULL"))
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal]

    order: Mapped[Order] = relationship(back_populates="lines")


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("store_id", "tracking_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk(), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(100))
    order_name: Mapped[str] = mapped_column(String(64), default="")
    carrier: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    tag: Mapped[str] = mapped_column(String(32))
    subtag: Mapped[str] = mapped_column(String(64), default="")
    origin_country: Mapped[str] = mapped_column(String(2), default="")
    destination_country: Mapped[str] = mapped_column(String(2), default="")
    estimated_delivery: Mapped[date | None] = mapped_column(Date)
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    order: Mapped[Order | None] = relationship(back_populates="shipments")
    checkpoints: Mapped[list[Checkpoint]] = relationship(order_by="Checkpoint.time", cascade="all, delete-orphan")


class Checkpoint(Base):
    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("shipment_id", "time", "message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk())
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    time: Mapped[datetime]
    message: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    tag: Mapped[str] = mapped_column(String(32), default="")
    subtag: Mapped[str] = mapped_column(String(64), default="")


class WebhookReceipt(Base):
    """Digests of accepted inbound webhooks, so a replay is recognised and ignored."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (UniqueConstraint("store_id", "source", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(store_fk())
    source: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
