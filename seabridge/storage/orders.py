"""Orders and line items: upsert by order name, lookup, list."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from seabridge.db.models import Customer, Order, OrderLine, Shipment
from seabridge.formats.records import OrderRecord
from seabridge.storage import catalog, customers
from seabridge.storage.paging import Page, page_of


def _with_children() -> tuple[ExecutableOption, ...]:
    return (
        selectinload(Order.lines),
        selectinload(Order.shipments).selectinload(Shipment.checkpoints),
    )


async def upsert_orders(session: AsyncSession, store_id: int, records: list[OrderRecord]) -> int:
    now = datetime.now(UTC)
    names = [r.name for r in records]
    existing: dict[str, Order] = {}
    for i in range(0, len(names), 500):
        rows = await session.scalars(
            select(Order)
            .where(Order.store_id == store_id, Order.name.in_(names[i : i + 500]))
            .options(selectinload(Order.lines))
        )
        existing.update({o.name: o for o in rows})
    people: dict[str, Customer] = await customers.by_emails(session, store_id, [r.email for r in records])
    variants = await catalog.variants_by_sku(session, store_id, [ln.sku for r in records for ln in r.lines if ln.sku])
    for rec in records:
        order = existing.get(rec.name)
        if order is None:
            order = Order(store_id=store_id, name=rec.name)
            order.lines = []
            session.add(order)
        if rec.email:
            customer = await customers.ensure_customer(
                session,
                store_id,
                rec.email,
                name=rec.shipping_name,
                country=rec.shipping_country,
                cache=people,
            )
            if customer.id is None:
                await session.flush()
            order.customer_id = customer.id
        else:
            order.customer_id = None
        order.email = rec.email
        order.financial_status = rec.financial_status
        order.fulfillment_status = rec.fulfillment_status
        order.currency = rec.currency
        order.subtotal = rec.subtotal
        order.shipping = rec.shipping
        order.taxes = rec.taxes
        order.discount = rec.discount
        order.total = rec.total
        order.shipping_name = rec.shipping_name
        order.shipping_city = rec.shipping_city
        order.shipping_country = rec.shipping_country
        order.shipping_method = rec.shipping_method
        order.payment_method = rec.payment_method
        order.phone = rec.phone
        order.placed_at = rec.created_at
        order.paid_at = rec.paid_at
        order.fulfilled_at = rec.fulfilled_at
        order.cancelled_at = rec.cancelled_at
        order.updated_at = now
        # Lines keep their ids across re-imports: matched by position, updated in place.
        by_position = {line.position: line for line in order.lines}
        lines = []
        for position, ln in enumerate(rec.lines, start=1):
            variant = variants.get(ln.sku) if ln.sku else None
            line = by_position.get(position) or OrderLine(store_id=store_id, position=position)
            line.name = ln.name
            line.sku = ln.sku
            line.quantity = ln.quantity
            line.price = ln.price
            line.variant_id = variant.id if variant else None
            lines.append(line)
        order.lines[:] = lines
    await session.flush()
    await link_pending_shipments(session, store_id)
    return len(records)


async def link_pending_shipments(session: AsyncSession, store_id: int) -> None:
    """Shipments that arrived before their order was imported are linked by order name."""
    pending = list(
        await session.scalars(
            select(Shipment).where(
                Shipment.store_id == store_id,
                Shipment.order_id.is_(None),
                Shipment.order_name != "",
            )
        )
    )
    if not pending:
        return
    by_name = await ids_by_name(session, store_id, [s.order_name for s in pending])
    for shipment in pending:
        order_id = by_name.get(shipment.order_name)
        if order_id is not None:
            await session.execute(update(Shipment).where(Shipment.id == shipment.id).values(order_id=order_id))


async def ids_by_name(session: AsyncSession, store_id: int, names: list[str]) -> dict[str, int]:
    wanted = sorted(set(names) | {"#" + n for n in names if not n.startswith("#")})
    found: dict[str, int] = {}
    for i in range(0, len(wanted), 500):
        rows = await session.execute(
            select(Order.name, Order.id).where(Order.store_id == store_id, Order.name.in_(wanted[i : i + 500]))
        )
        found.update({name: oid for name, oid in rows})
    for name in names:
        if name not in found and ("#" + name) in found:
            found[name] = found["#" + name]
    return found


async def get_order(session: AsyncSession, store_id: int, order_id: int) -> Order | None:
    return await session.scalar(
        select(Order).where(Order.store_id == store_id, Order.id == order_id).options(*_with_children())
    )


async def get_by_name(session: AsyncSession, store_id: int, name: str) -> Order | None:
    name = name.strip()
    candidates = [name] if name.startswith("#") else [name, "#" + name]
    return await session.scalar(
        select(Order).where(Order.store_id == store_id, Order.name.in_(candidates)).options(*_with_children())
    )


async def owner_by_name(session: AsyncSession, store_id: int, name: str) -> tuple[str, int | None] | None:
    """The e-mail and customer id an order was placed with (`get_by_name`'s match), without loading the order."""
    name = name.strip()
    candidates = [name] if name.startswith("#") else [name, "#" + name]
    row = (
        await session.execute(
            select(Order.email, Order.customer_id)
            .where(Order.store_id == store_id, Order.name.in_(candidates))
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def list_orders(
    session: AsyncSession,
    store_id: int,
    *,
    customer_id: int | None = None,
    email: str = "",
    financial_status: str = "",
    fulfillment_status: str = "",
    after_id: int = 0,
    limit: int = 50,
) -> Page[Order]:
    stmt = select(Order).where(Order.store_id == store_id, Order.id > after_id)
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if email:
        stmt = stmt.where(Order.email == email.strip().lower())
    if financial_status:
        stmt = stmt.where(Order.financial_status == financial_status)
    if fulfillment_status:
        stmt = stmt.where(Order.fulfillment_status == fulfillment_status)
    rows = list(await session.scalars(stmt.order_by(Order.id).limit(limit + 1).options(*_with_children())))
    return page_of(rows, limit, rows[limit - 1].id if len(rows) > limit else None)
