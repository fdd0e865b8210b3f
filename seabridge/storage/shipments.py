"""Shipments and checkpoints: apply tracking updates idempotently, list, fetch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from seabridge.db.models import Checkpoint, Shipment, WebhookReceipt
from seabridge.formats.records import ShipmentStatus, TrackingRecord
from seabridge.storage.paging import Page, page_of

FINAL = {ShipmentStatus.DELIVERED.value, ShipmentStatus.RETURNED.value}


def is_late(shipment: Shipment, today: date) -> bool:
    """Late against the carrier's estimate: not delivered or returned and the date has passed."""
    return (
        shipment.status not in FINAL and shipment.estimated_delivery is not None and shipment.estimated_delivery < today
    )


@dataclass(frozen=True, slots=True)
class Applied:
    shipment: Shipment
    previous_status: str | None  # None when the shipment is new
    new_checkpoints: int


async def apply_tracking(session: AsyncSession, store_id: int, rec: TrackingRecord, order_id: int | None) -> Applied:
    known = await _by_tracking_numbers(session, store_id, [rec.tracking_number])
    applied = _apply(session, store_id, rec, order_id, known)
    await session.flush()
    return applied


async def apply_tracking_batch(
    session: AsyncSession, store_id: int, records: list[TrackingRecord], order_ids: dict[str, int]
) -> list[Applied]:
    """Apply many updates with one lookup and one flush (the import path)."""
    known = await _by_tracking_numbers(session, store_id, [r.tracking_number for r in records])
    applied = [_apply(session, store_id, rec, order_ids.get(rec.order_name), known) for rec in records]
    await session.flush()
    return applied


async def _by_tracking_numbers(session: AsyncSession, store_id: int, numbers: list[str]) -> dict[str, Shipment]:
    found: dict[str, Shipment] = {}
    unique = sorted(set(numbers))
    for i in range(0, len(unique), 500):
        rows = await session.scalars(
            select(Shipment)
            .where(Shipment.store_id == store_id, Shipment.tracking_number.in_(unique[i : i + 500]))
            .options(selectinload(Shipment.checkpoints))
        )
        found.update({s.tracking_number: s for s in rows})
    return found


def _apply(
    session: AsyncSession, store_id: int, rec: TrackingRecord, order_id: int | None, known: dict[str, Shipment]
) -> Applied:
    now = datetime.now(UTC)
    shipment = known.get(rec.tracking_number)
    previous: str | None = None
    if shipment is None:
        shipment = Shipment(
            store_id=store_id,
            tracking_number=rec.tracking_number,
            last_event_at=None,
            shipped_at=None,
            delivered_at=None,
        )
        shipment.checkpoints = []
        session.add(shipment)
        known[rec.tracking_number] = shipment
    else:
        previous = shipment.status
    event_time = rec.event_time or (rec.checkpoints[-1].time if rec.checkpoints else now)
    newer = shipment.last_event_at is None or event_time >= shipment.last_event_at
    if newer:
        # An update older than what we hold (webhooks arrive out of order) adds its
        # checkpoints but never moves the status backwards.
        shipment.carrier = rec.carrier
        shipment.status = rec.status.value
        shipment.tag = rec.tag
        shipment.subtag = rec.subtag
        shipment.origin_country = rec.origin_country
        shipment.destination_country = rec.destination_country
        shipment.estimated_delivery = rec.expected_delivery
        shipment.last_event_at = event_time
    shipment.order_name = rec.order_name
    if order_id is not None or shipment.order_id is None:
        shipment.order_id = order_id
    seen = {(c.time, c.message) for c in shipment.checkpoints}
    added = 0
    for cp in rec.checkpoints:
        if (cp.time, cp.message) in seen:
            continue
        seen.add((cp.time, cp.message))
        shipment.checkpoints.append(
            Checkpoint(
                store_id=store_id,
                time=cp.time,
                message=cp.message,
                location=cp.location,
                country=cp.country,
                tag=cp.tag,
                subtag=cp.subtag,
            )
        )
        added += 1
    times = sorted(c.time for c in shipment.checkpoints)
    shipment.shipped_at = times[0] if times else None
    delivered = [c.time for c in shipment.checkpoints if c.tag == "Delivered"]
    shipment.delivered_at = max(delivered) if delivered else None
    shipment.updated_at = now
    return Applied(shipment, previous, added)


async def remember_receipt(session: AsyncSession, store_id: int, source: str, digest: str) -> bool:
    """Record an inbound webhook; False when it was seen before (a replay)."""
    seen = await session.scalar(
        select(WebhookReceipt.id).where(
            WebhookReceipt.store_id == store_id,
            WebhookReceipt.source == source,
            WebhookReceipt.digest == digest,
        )
    )
    if seen is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(WebhookReceipt(store_id=store_id, source=source, digest=digest, received_at=datetime.now(UTC)))
    except IntegrityError:
        return False
    return True


async def get_shipment(session: AsyncSession, store_id: int, shipment_id: int) -> Shipment | None:
    return await session.scalar(
        select(Shipment)
        .where(Shipment.store_id == store_id, Shipment.id == shipment_id)
        .options(selectinload(Shipment.checkpoints))
    )


async def get_by_tracking_number(session: AsyncSession, store_id: int, tracking_number: str) -> Shipment | None:
    return await session.scalar(
        select(Shipment)
        .where(Shipment.store_id == store_id, Shipment.tracking_number == tracking_number.strip())
        .options(selectinload(Shipment.checkpoints))
    )


async def list_shipments(
    session: AsyncSession,
    store_id: int,
    *,
    status: str = "",
    order_id: int | None = None,
    late_on: date | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> Page[Shipment]:
    stmt = select(Shipment).where(Shipment.store_id == store_id, Shipment.id > after_id)
    if status:
        stmt = stmt.where(Shipment.status == status)
    if order_id is not None:
        stmt = stmt.where(Shipment.order_id == order_id)
    if late_on is not None:
        stmt = stmt.where(Shipment.estimated_delivery < late_on, Shipment.status.not_in(sorted(FINAL)))
    rows = list(
        await session.scalars(stmt.order_by(Shipment.id).limit(limit + 1).options(selectinload(Shipment.checkpoints)))
    )
    return page_of(rows, limit, rows[limit - 1].id if len(rows) > limit else None)
