"""Outgoing webhooks: endpoints, the fan-out of outbox events, and delivery leases. SQL only.

A delivery is claimed by an atomic UPDATE that moves `next_attempt_at` forward
to the end of a lease; only the claimer whose UPDATE matched may record the
outcome, and it names its lease (`lease_until`) when it does, so a sender that
outlived its lease cannot overwrite the work of the one that took over.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.db.conversations import OutboxEvent, WebhookDelivery, WebhookEndpoint
from seabridge.db.models import Base, Store
from seabridge.storage.paging import Page, encode_cursor

EVENT_TYPES = ("message.created", "conversation.waiting", "conversation.assigned", "conversation.closed")
ALL_EVENTS = "*"


def wants(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return ALL_EVENTS in endpoint.events or event_type in endpoint.events


# --- endpoints ------------------------------------------------------------------


async def create_endpoint(
    session: AsyncSession, store_id: int, *, url: str, events: list[str], description: str, now: datetime
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        store_id=store_id, url=url, events=events, description=description, created_at=now, disabled_at=None
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get_endpoint(session: AsyncSession, store_id: int, endpoint_id: int) -> WebhookEndpoint | None:
    return await session.scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.store_id == store_id, WebhookEndpoint.id == endpoint_id)
    )


async def list_endpoints(session: AsyncSession, store_id: int, *, after_id: int, limit: int) -> Page[WebhookEndpoint]:
    rows = list(
        await session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.store_id == store_id, WebhookEndpoint.id > after_id)
            .order_by(WebhookEndpoint.id)
            .limit(limit + 1)
        )
    )
    if len(rows) > limit:
        return Page(rows[:limit], encode_cursor(rows[limit - 1].id))
    return Page(rows, None)


async def disable_endpoint(session: AsyncSession, store_id: int, endpoint_id: int, now: datetime) -> bool:
    """Disable (idempotently); False when the store has no such endpoint."""
    endpoint = await get_endpoint(session, store_id, endpoint_id)
    if endpoint is None:
        return False
    if endpoint.disabled_at is None:
        endpoint.disabled_at = now
    return True


# --- deliveries: the log ----------------------------------------------------------


async def list_deliveries(
    session: AsyncSession, store_id: int, endpoint_id: int, *, before_id: int, limit: int, state: str | None = None
) -> Page[tuple[WebhookDelivery, str]]:
    """Newest first; `before_id` 0 starts at the newest. Items are (delivery, event type)."""
    stmt = (
        select(WebhookDelivery, OutboxEvent.type)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.store_id == store_id, WebhookDelivery.endpoint_id == endpoint_id)
    )
    if before_id:
        stmt = stmt.where(WebhookDelivery.id < before_id)
    if state:
        stmt = stmt.where(WebhookDelivery.state == state)
    rows = [(d, t) for d, t in (await session.execute(stmt.order_by(WebhookDelivery.id.desc()).limit(limit + 1)))]
    if len(rows) > limit:
        return Page(rows[:limit], encode_cursor(rows[limit - 1][0].id))
    return Page(rows, None)


async def get_delivery(
    session: AsyncSession, store_id: int, endpoint_id: int, delivery_id: int
) -> tuple[WebhookDelivery, str] | None:
    row = (
        await session.execute(
            select(WebhookDelivery, OutboxEvent.type)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.store_id == store_id,
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.id == delivery_id,
            )
            .execution_options(populate_existing=True)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def schedule_again(session: AsyncSession, delivery_id: int, now: datetime) -> bool:
    """Make a finished (delivered or failed) delivery due now with a fresh schedule; pending ones are left alone."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.state.in_(("delivered", "failed")))
        .values(state="pending", attempts=0, next_attempt_at=now, delivered_at=None)
    )
    return _rowcount(result) == 1


# --- the dispatcher's side ------------------------------------------------------------


FAN_OUT_PAGE = 1000  # events one fan-out takes; under chat load one event is written per message


async def fan_out(session: AsyncSession, now: datetime, limit: int = FAN_OUT_PAGE) -> int:
    """One pending delivery per matching enabled endpoint for each undispatched event; the
    event is marked dispatched in the same transaction. Returns how many events were taken."""
    # The claim is one UPDATE over the oldest undispatched ids (the partial index
    # ix_outbox_events_undispatched holds exactly those). On PostgreSQL the ids are locked
    # with SKIP LOCKED, so concurrent dispatchers take disjoint pages instead of queueing
    # behind each other; SQLite has one writer and renders no FOR UPDATE. Only what fan-out
    # reads comes back, not the payloads.
    table = Base.metadata.tables[OutboxEvent.__tablename__]  # Core: no ORM processing of a page of rows
    outbox = table.c
    page = (
        select(outbox.id)
        .where(outbox.dispatched_at.is_(None))
        .order_by(outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claim = (
        update(table)
        .where(outbox.id.in_(page.scalar_subquery()), outbox.dispatched_at.is_(None))
        .values(dispatched_at=now)
    )
    if await session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.disabled_at.is_(None)).limit(1)) is None:
        # No endpoint anywhere (the usual case for a shop without integrations): the events are
        # only marked dispatched, and nothing needs to come back.
        return _rowcount(await session.execute(claim))
    claimed = sorted(await session.execute(claim.returning(outbox.id, outbox.store_id, outbox.type)))
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for event_id, store_id, type_ in claimed:
        if store_id not in endpoints:
            endpoints[store_id] = list(
                await session.scalars(
                    select(WebhookEndpoint)
                    .where(WebhookEndpoint.store_id == store_id, WebhookEndpoint.disabled_at.is_(None))
                    .order_by(WebhookEndpoint.id)
                )
            )
        for endpoint in endpoints[store_id]:
            if wants(endpoint, type_):
                session.add(
                    WebhookDelivery(
                        store_id=store_id,
                        event_id=event_id,
                        endpoint_id=endpoint.id,
                        state="pending",
                        attempts=0,
                        next_attempt_at=now,
                        last_status=None,
                        last_error="",
                        delivered_at=None,
                        created_at=now,
                    )
                )
    await session.flush()
    return len(claimed)


def fan_out_without_endpoints(raw: sqlite3.Connection, now: Any, limit: int = FAN_OUT_PAGE) -> int | None:
    """`fan_out` for the usual case on SQLite, on a plain sqlite3 connection in a transaction: when no
    endpoint is enabled anywhere, mark a page of events dispatched (how many); None when one is, and
    `fan_out` must make deliveries. `now` is the timestamp as its column stores it."""
    if raw.execute("SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL LIMIT 1").fetchone() is not None:
        return None
    return raw.execute(_DISPATCH_PAGE_SQL, (now, limit)).rowcount


_DISPATCH_PAGE_SQL = (  # the claim of `fan_out`, as SQLite runs it
    "UPDATE outbox_events SET dispatched_at = ? WHERE outbox_events.id IN "
    "(SELECT id FROM outbox_events WHERE dispatched_at IS NULL ORDER BY id LIMIT ?) AND dispatched_at IS NULL"
)


async def due_ids(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    return list(rows)


async def next_due_at(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.state == "pending")
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this process may send until `lease_until`, with what it needs to send it."""

    delivery_id: int
    lease_until: datetime
    attempt: int
    event: OutboxEvent
    endpoint: WebhookEndpoint
    secret_version: int


async def claim(session: AsyncSession, delivery_id: int, now: datetime, lease_until: datetime) -> Claimed | None:
    """Take the lease on a due delivery, or None when another process holds it (or it is not due)."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=lease_until, attempts=WebhookDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        return None
    row = (
        await session.execute(
            select(WebhookDelivery.attempts, OutboxEvent, WebhookEndpoint, Store.secret_version)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(Store, Store.id == WebhookDelivery.store_id)
            .where(WebhookDelivery.id == delivery_id)
        )
    ).one()
    return Claimed(delivery_id, lease_until, int(row[0]), row[1], row[2], int(row[3]))


async def finish(
    session: AsyncSession,
    claimed: Claimed,
    *,
    state: str,
    next_attempt_at: datetime | None,
    status: int | None,
    error: str,
    delivered_at: datetime | None,
) -> bool:
    """Record an attempt's outcome, if this process still holds the lease."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claimed.delivery_id,
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_attempt_at == claimed.lease_until,
        )
        .values(
            state=state,
            next_attempt_at=next_attempt_at,
            last_status=status,
            last_error=error,
            delivered_at=delivered_at,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def disable_endpoint_by_id(session: AsyncSession, endpoint_id: int, now: datetime) -> None:
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.disabled_at.is_(None))
        .values(disabled_at=now)
        .execution_options(synchronize_session=False)
    )


# --- retention ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pruned:
    events: int  # outbox events deleted, with their delivery log
    next_after_id: int | None  # where the next page starts; None when the old end is done


async def prune(session: AsyncSession, cutoff: datetime, *, after_id: int, limit: int) -> Pruned:
    """Delete one page of outbox events dispatched before `cutoff`, with their deliveries.

    Pages walk the primary key from the oldest event (ids grow with `created_at`), so no
    index on the timestamps is needed; the walk stops at the first event created after
    the cutoff. An event is kept while one of its deliveries is pending or was delivered
    after the cutoff (a manual retry of an old event): the log shows what is still going on.
    """
    rows = list(
        await session.execute(
            select(OutboxEvent.id, OutboxEvent.created_at, OutboxEvent.dispatched_at)
            .where(OutboxEvent.id > after_id)
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )
    old = [row for row in rows if row.created_at < cutoff]
    candidates = [row.id for row in old if row.dispatched_at is not None and row.dispatched_at < cutoff]
    if candidates:
        live = set(
            await session.scalars(
                select(WebhookDelivery.event_id).where(
                    WebhookDelivery.event_id.in_(candidates),
                    or_(WebhookDelivery.state == "pending", WebhookDelivery.delivered_at >= cutoff),
                )
            )
        )
        doomed = [event_id for event_id in candidates if event_id not in live]
        if doomed:
            # Deliveries first: the cascade would do it, but only where SQLite's foreign keys are on.
            await session.execute(
                delete(WebhookDelivery)
                .where(WebhookDelivery.event_id.in_(doomed))
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                delete(OutboxEvent).where(OutboxEvent.id.in_(doomed)).execution_options(synchronize_session=False)
            )
    else:
        doomed = []
    more = len(rows) == limit and len(old) == len(rows)
    return Pruned(len(doomed), rows[-1].id if more else None)


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
