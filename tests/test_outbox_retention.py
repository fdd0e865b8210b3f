"""The outbox: fan-out claims pages through the partial index, and old events are pruned with their log.

Driven pass by pass with an injected clock (the `rig` of test_webhooks_out), so
two weeks of retention take no time. Receivers are real HTTP servers.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from seabridge.db.conversations import OutboxEvent, WebhookDelivery
from seabridge.services.webhooks import WebhookDispatcher
from seabridge.settings import Settings
from seabridge.state import AppState
from tests import test_webhooks_out
from tests.test_webhooks_out import Rig, buyer_writes, create_endpoint

rig = test_webhooks_out.rig  # the same fixture: app state, client, store, fake clock, receiver

RETENTION = timedelta(days=14)


async def outbox_of(state: AppState, store_id: int) -> dict[int, list[str]]:
    """{event id: its deliveries' states} for one store."""
    async with state.sessions() as session:
        events = list(await session.scalars(select(OutboxEvent.id).where(OutboxEvent.store_id == store_id)))
        rows = await session.execute(
            select(WebhookDelivery.event_id, WebhookDelivery.state).where(WebhookDelivery.store_id == store_id)
        )
        found: dict[int, list[str]] = {event_id: [] for event_id in events}
        for event_id, state in rows:
            found[event_id].append(state)
    return found


async def test_prune_keeps_what_is_recent_or_still_going(rig: Rig) -> None:
    await create_endpoint(rig.client, rig.store, rig.receiver.url)
    dispatcher = rig.dispatcher(retention=RETENTION, prune_page=2)  # pages of two: the walk is exercised
    await buyer_writes(rig.state, rig.store.id)
    await dispatcher.run_once()
    [delivered] = list(await outbox_of(rig.state, rig.store.id))
    rig.receiver.fail_next(1, 500)
    await buyer_writes(rig.state, rig.store.id)
    await dispatcher.run_once()
    events = await outbox_of(rig.state, rig.store.id)
    [retrying] = [e for e, states in events.items() if states == ["pending"]]
    assert events[delivered] == ["delivered"]

    assert await dispatcher.prune() >= 0
    assert await outbox_of(rig.state, rig.store.id) == events  # nothing is old yet

    rig.clock.advance((RETENTION + timedelta(days=1)).total_seconds())
    await buyer_writes(rig.state, rig.store.id)  # written now, not dispatched yet
    await dispatcher.prune()
    after = await outbox_of(rig.state, rig.store.id)
    assert delivered not in after  # dispatched and delivered before the cutoff: gone, log and all
    assert after[retrying] == ["pending"]  # still retrying: kept
    [fresh] = [e for e in after if e not in events]
    assert after[fresh] == []

    await dispatcher.run_once()  # the retry is delivered now, and the new event dispatched
    after = await outbox_of(rig.state, rig.store.id)
    assert after == {retrying: ["delivered"], fresh: ["delivered"]}
    await dispatcher.prune()
    assert await outbox_of(rig.state, rig.store.id) == after  # delivered after the cutoff: kept

    rig.clock.advance((RETENTION + timedelta(days=1)).total_seconds())
    await dispatcher.prune()
    assert await outbox_of(rig.state, rig.store.id) == {}
    assert len(rig.receiver.accepted) == 3  # pruning never sends anything


async def test_undispatched_events_are_never_pruned(rig: Rig) -> None:
    dispatcher = rig.dispatcher(retention=RETENTION)
    await buyer_writes(rig.state, rig.store.id)
    rig.clock.advance((RETENTION * 3).total_seconds())
    await dispatcher.prune()
    [(event, states)] = (await outbox_of(rig.state, rig.store.id)).items()
    assert states == []
    await dispatcher.run_once()  # no endpoint: dispatched with no delivery
    async with rig.state.sessions() as session:
        dispatched_at = await session.scalar(select(OutboxEvent.dispatched_at).where(OutboxEvent.id == event))
    assert dispatched_at == rig.clock.now
    assert (await outbox_of(rig.state, rig.store.id))[event] == []
    await dispatcher.prune()
    assert event in await outbox_of(rig.state, rig.store.id)  # dispatched just now by the clock


async def test_retention_comes_from_settings(rig: Rig, settings: Settings) -> None:
    assert rig.dispatcher().retention == timedelta(days=settings.webhook_retention_days)
    rig.state.settings = settings.model_copy(update={"webhook_retention_days": 0})
    kept = WebhookDispatcher.for_state(rig.state, clock=rig.clock)
    assert kept.retention is None
    await buyer_writes(rig.state, rig.store.id)
    await kept.run_once()
    rig.clock.advance(10 * 365 * 86400)
    assert await kept.prune() == 0
    assert len(await outbox_of(rig.state, rig.store.id)) == 1


async def test_one_pass_takes_every_waiting_event(rig: Rig) -> None:
    """Fan-out claims a page through the partial index; a second dispatcher finds nothing left."""
    await create_endpoint(rig.client, rig.store, rig.receiver.url)
    for _ in range(5):
        await buyer_writes(rig.state, rig.store.id)
    dispatcher = rig.dispatcher()
    assert await dispatcher.run_once() is False  # less than a page: no need to come back at once
    async with rig.state.sessions() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
    assert waiting == 0
    assert len(rig.receiver.accepted) == 5
    await rig.dispatcher().run_once()
    assert len(rig.receiver.arrivals) == 5
