"""The outgoing-webhook dispatcher: outbox events -> deliveries -> signed HTTP POSTs.

Each pass (1) fans undispatched outbox events out to one delivery per matching
enabled endpoint, and (2) sends the deliveries that are due. Passes are woken by
the bus events that follow outbox writes (several a second at most: under chat
load one event is written per message, and each pass takes them all); polling is
only the fallback. Once an hour, events dispatched longer ago than the retention
period are deleted with their delivery log. A delivery is
leased before it is sent (see `storage.webhooks`), so two processes never send
the same one at once, and one that was in flight when its process died is sent
again once the lease runs out: delivery is at-least-once, and receivers
de-duplicate by `Seabridge-Event-Id`.

Nothing here logs a payload or a URL; log records carry ids only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge.bus.base import BusEvent
from seabridge.services import egress
from seabridge.services.writer import MessageWriter
from seabridge.storage import webhooks as store

if TYPE_CHECKING:
    from seabridge.state import AppState

MIN_PASS_INTERVAL_S = 0.25  # at most four passes a second when woken by traffic
PRUNE_EVERY = timedelta(hours=1)
PRUNE_PAGE = 1000  # events deleted per transaction: keeps SQLite's write lock short for the message writer

log = logging.getLogger(__name__)

USER_AGENT = "Seabridge-Webhooks/1"
# Seconds to wait after failed attempt 1, 2, 3...; after the last one the delivery is `failed`.
RETRY_SCHEDULE: tuple[float, ...] = (30, 120, 600, 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# Bus event types that follow an outbox write; hearing one wakes the dispatcher at once.
_WAKING_BUS_EVENTS = frozenset({"message", "conversation"})

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def endpoint_secret_purpose(endpoint_id: int) -> str:
    return f"webhook-endpoint:{endpoint_id}"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Seabridge-Signature` header value: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event_body(event_id: int, type_: str, created_at: datetime, store_id: int, payload: dict[str, Any]) -> bytes:
    doc = {
        "id": event_id,
        "type": type_,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "store_id": store_id,
        "data": payload,
    }
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def backoff(attempt: int, schedule: tuple[float, ...], jitter: float, rng: random.Random) -> float | None:
    """Seconds until the next try after failed attempt `attempt` (1-based); None = give up."""
    if attempt > len(schedule):
        return None
    base = schedule[attempt - 1]
    return base * (1 + rng.uniform(-jitter, jitter))


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int | None
    error: str

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(slots=True)
class WebhookDispatcher:
    sessions: async_sessionmaker[AsyncSession]
    secret_for: Callable[[str, int, int], str]  # (purpose, store id, secret version) -> secret
    clock: Clock = utc_now
    poll_interval: float = 1.0
    timeout_s: float = 10.0
    lease_s: float = 60.0
    schedule: tuple[float, ...] = RETRY_SCHEDULE
    jitter: float = 0.1
    rng: random.Random = field(default_factory=random.Random)
    batch: int = 50
    transport: httpx.AsyncBaseTransport | None = None  # None: public addresses only (see egress.py) ...
    private_networks: bool = False  # ... unless this is set
    writer: MessageWriter | None = None  # the message writer, whose thread takes SQLite's claims
    retention: timedelta | None = None  # None keeps dispatched events forever
    prune_page: int = PRUNE_PAGE
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _next_prune: datetime | None = None
    # What the last pass found about the next retry, when it sent nothing (else unknown: None).
    _next_due: tuple[datetime | None] | None = None

    @classmethod
    def for_state(cls, state: AppState, **options: Any) -> WebhookDispatcher:
        days = state.settings.webhook_retention_days
        options.setdefault("retention", timedelta(days=days) if days > 0 else None)
        options.setdefault("writer", state.messaging.writer)
        options.setdefault("private_networks", state.settings.webhook_private_networks)
        return cls(state.sessions, state.store_secret, **options)

    def _transport(self) -> httpx.AsyncBaseTransport:
        """The given transport (tests), else a new guarded one: a client closes its transport with it."""
        return self.transport or egress.guarded_transport(self.private_networks)

    def wake(self) -> None:
        """Run a pass now (new events, a manual retry, or a test that moved the clock)."""
        self._wake.set()

    def wake_for(self, event: BusEvent) -> None:
        """Run a pass now if `event` may have added deliveries (a message, a status change)."""
        if event.type in _WAKING_BUS_EVENTS:
            self._wake.set()

    async def run(self, stop: asyncio.Event, wake_on: AsyncIterator[BusEvent] | None = None) -> None:
        """Pass after pass until `stop` is set; any message or status event in `wake_on` starts one at once."""
        listener = asyncio.create_task(self._listen(wake_on)) if wake_on is not None else None
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout_s, follow_redirects=False, transport=self._transport()
            ) as http:
                while not stop.is_set():
                    self._wake.clear()
                    await self._prune_when_due()
                    busy = await self.run_once(http)
                    if busy:
                        continue
                    # Coalesce wake-ups: under chat load every message wakes us, and a pass per
                    # message would compete with the message writer for the database.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=MIN_PASS_INTERVAL_S)
                    await self._idle(stop, await self._seconds_to_next_due())
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _listen(self, events: AsyncIterator[BusEvent]) -> None:
        try:
            async for event in events:
                self.wake_for(event)
        except Exception:
            # Only a shortcut: without it the dispatcher still polls every `poll_interval`.
            log.exception("webhook dispatcher stopped listening to the bus; polling only")

    async def _idle(self, stop: asyncio.Event, due_in: float | None) -> None:
        timeout = self.poll_interval if due_in is None else max(0.01, min(self.poll_interval, due_in))
        waiters = {asyncio.create_task(stop.wait()), asyncio.create_task(self._wake.wait())}
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def _prune_when_due(self) -> None:
        now = self.clock()
        if self.retention is None or (self._next_prune is not None and now < self._next_prune):
            return
        self._next_prune = now + PRUNE_EVERY
        try:
            removed = await self.prune()
        except Exception:
            log.exception("pruning the outbox failed; trying again next time")
            return
        if removed:
            log.info("outbox pruned", extra={"events": removed})

    async def prune(self) -> int:
        """Delete events dispatched before now - retention, with their delivery log; returns how many."""
        if self.retention is None:
            return 0
        cutoff = self.clock() - self.retention
        removed, after_id = 0, 0
        while True:
            async with self.sessions() as session, session.begin():
                page = await store.prune(session, cutoff, after_id=after_id, limit=self.prune_page)
            removed += page.events
            if page.next_after_id is None:
                return removed
            after_id = page.next_after_id
            await asyncio.sleep(0)  # one page per transaction: let the message writer in between

    async def _seconds_to_next_due(self) -> float | None:
        if self._next_due is not None:
            (due,) = self._next_due
        else:
            async with self.sessions() as session:
                due = await store.next_due_at(session)
        return None if due is None else (due - self.clock()).total_seconds()

    async def run_once(self, http: httpx.AsyncClient | None = None) -> bool:
        """One pass; True when there may be more to do right away. Tests call it directly."""
        if http is None:
            async with httpx.AsyncClient(
                timeout=self.timeout_s, follow_redirects=False, transport=self._transport()
            ) as own:
                return await self.run_once(own)
        # The fan-out's write transaction holds SQLite's one write lock from its UPDATE to its
        # commit, and the message writer waits meanwhile: nothing else goes in it. The reads
        # share one session after it.
        taken = await self._fan_out_without_endpoints()
        if taken is None:
            async with self.sessions() as session, session.begin():
                taken = await store.fan_out(session, self.clock())
        async with self.sessions() as session:
            due = await store.due_ids(session, self.clock(), self.batch)
            self._next_due = None if due else (await store.next_due_at(session),)
        for delivery_id in due:
            await self._attempt(http, delivery_id)
        # A full page means more are waiting; otherwise the pass took everything there was,
        # and the next one waits for a wake-up (a pass per message would compete with the writer).
        return taken >= store.FAN_OUT_PAGE or len(due) == self.batch

    async def _fan_out_without_endpoints(self) -> int | None:
        """On SQLite, with no endpoint enabled (the usual case), the page is marked dispatched in the
        message writer's thread: through aiosqlite the UPDATE would hold the one write lock until the
        event loop came back to commit it, and the writer's batches would wait that long."""
        if self.writer is None:
            return None
        return await self.writer.exclusive(store.fan_out_without_endpoints, self.clock())

    async def _attempt(self, http: httpx.AsyncClient, delivery_id: int) -> None:
        now = self.clock()
        async with self.sessions() as session, session.begin():
            claimed = await store.claim(session, delivery_id, now, now + timedelta(seconds=self.lease_s))
        if claimed is None:
            return  # another process has it
        if claimed.endpoint.disabled_at is not None:
            outcome = Outcome(None, "endpoint disabled")
        else:
            outcome = await self._send(http, claimed)
        await self._record(claimed, outcome)

    async def _send(self, http: httpx.AsyncClient, claimed: store.Claimed) -> Outcome:
        event, endpoint = claimed.event, claimed.endpoint
        body = event_body(event.id, event.type, event.created_at, event.store_id, event.payload)
        secret = self.secret_for(endpoint_secret_purpose(endpoint.id), endpoint.store_id, claimed.secret_version)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Seabridge-Event-Id": str(event.id),
            "Seabridge-Signature": sign(secret, int(self.clock().timestamp()), body),
        }
        try:
            async with http.stream("POST", endpoint.url, content=body, headers=headers) as response:
                return Outcome(response.status_code, "" if response.is_success else f"HTTP {response.status_code}")
        except httpx.TimeoutException:
            return Outcome(None, "timed out")
        except egress.BlockedAddress as exc:
            return Outcome(None, f"refused: {exc}")
        except httpx.HTTPError as exc:
            # The class name only: httpx messages may quote the URL.
            return Outcome(None, f"request failed: {type(exc).__name__}")

    async def _record(self, claimed: store.Claimed, outcome: Outcome) -> None:
        now = self.clock()
        fields = {"delivery_id": claimed.delivery_id, "endpoint_id": claimed.endpoint.id, "attempt": claimed.attempt}
        async with self.sessions() as session, session.begin():
            if outcome.delivered:
                state, next_at = "delivered", None
            elif outcome.status == 410 or claimed.endpoint.disabled_at is not None:
                state, next_at = "failed", None
                if outcome.status == 410:
                    await store.disable_endpoint_by_id(session, claimed.endpoint.id, now)
                    log.warning("webhook endpoint answered 410 Gone; disabled", extra=fields)
            else:
                delay = backoff(claimed.attempt, self.schedule, self.jitter, self.rng)
                state = "pending" if delay is not None else "failed"
                next_at = now + timedelta(seconds=delay) if delay is not None else None
            recorded = await store.finish(
                session,
                claimed,
                state=state,
                next_attempt_at=next_at,
                status=outcome.status,
                error=outcome.error,
                delivered_at=now if outcome.delivered else None,
            )
        if not recorded:
            log.warning("webhook lease expired before the attempt finished; outcome dropped", extra=fields)
        elif state == "failed":
            log.warning("webhook delivery failed for good", extra={**fields, "status": outcome.status})
        elif state == "pending":
            log.info("webhook attempt failed; will retry", extra={**fields, "status": outcome.status})


async def webhook_dispatcher(state: AppState, stop: asyncio.Event) -> None:
    """The worker: the dispatcher with the real clock, woken by message and status events on the bus."""
    dispatcher = WebhookDispatcher.for_state(state)
    remove = state.bus.add_listener(dispatcher.wake_for)  # in process: no task reading every event
    try:
        await dispatcher.run(stop, wake_on=state.bus.events() if remove is None else None)
    finally:
        if remove is not None:
            remove()
