"""The per-process registry of live connections and the worker that feeds them from the bus.

The hub knows which connections are subscribed to which conversation and hands
each bus event to them; it never blocks on a connection (each one queues what
it is given and orders it itself, see `SeqCursor`). Presence is counted here:
a participant is online in a conversation while at least one of its
connections in this process is subscribed to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import Any, Protocol

from seabridge.bus.base import BusEvent
from seabridge.messaging.frames import Message, Participant
from seabridge.services.messaging import Actor
from seabridge.state import AppState
from seabridge.storage import conversations

log = logging.getLogger(__name__)

ParticipantKey = tuple[str, str]  # (kind, id), e.g. ("buyer", "v_17")


class Subscriber(Protocol):
    """What the hub needs from a connection."""

    @property
    def store_id(self) -> int | None: ...

    @property
    def participant(self) -> ParticipantKey | None: ...

    def deliver(self, event: BusEvent) -> None:
        """Take one event without blocking (queue it or give up on the connection)."""


class Hub:
    def __init__(self) -> None:
        self._subscribers: dict[int, set[Subscriber]] = {}

    def join(self, subscriber: Subscriber, conversation_id: int) -> bool:
        """Register; True when the subscriber's participant was not yet online in the conversation."""
        peers = self._subscribers.setdefault(conversation_id, set())
        was_online = subscriber.participant in {p.participant for p in peers if p is not subscriber}
        peers.add(subscriber)
        return not was_online

    def leave(self, subscriber: Subscriber, conversation_id: int) -> bool:
        """Unregister; True when the participant has no other connection in the conversation."""
        peers = self._subscribers.get(conversation_id)
        if peers is None or subscriber not in peers:
            return False
        peers.discard(subscriber)
        if not peers:
            del self._subscribers[conversation_id]
        return subscriber.participant not in {p.participant for p in peers}

    def online(self, conversation_id: int) -> set[ParticipantKey]:
        return {p.participant for p in self._subscribers.get(conversation_id, ()) if p.participant is not None}

    def conversation_ids(self) -> list[int]:
        return list(self._subscribers)

    def connection_count(self) -> int:
        return len({id(p) for peers in self._subscribers.values() for p in peers})

    def dispatch(self, event: BusEvent) -> None:
        for subscriber in list(self._subscribers.get(event.conversation_id, ())):
            if subscriber.store_id != event.store_id:
                continue
            try:
                subscriber.deliver(event)
            except Exception:  # one connection's failure never affects the others
                log.exception("delivering an event failed", extra={"conversation_id": event.conversation_id})


_hubs: dict[int, Hub] = {}


def hub_for(state: AppState) -> Hub:
    """The hub of this process's state (created on first use)."""
    return _hubs.setdefault(id(state), Hub())


SWEEP_S = 2.0


async def hub_worker(state: AppState, stop: asyncio.Event) -> None:
    """Consume the bus and dispatch every event to the subscribed connections of this process."""
    hub = hub_for(state)
    sweeper = asyncio.create_task(_sweep(state, hub, stop), name="hub-sweep")
    remove = state.bus.add_listener(hub.dispatch)
    try:
        if remove is not None:  # an in-process bus calls the hub itself, at publish
            await stop.wait()
            return
        async for event in state.bus.events():
            hub.dispatch(event)
            if stop.is_set():
                return
    finally:
        if remove is not None:
            remove()
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        if stop.is_set():
            _hubs.pop(id(state), None)


async def _sweep(state: AppState, hub: Hub, stop: asyncio.Event) -> None:
    """Every few seconds, tell connections the newest seq their conversations had one sweep ago.

    A bus event can be lost (e.g. Redis died after a publish and before another
    process read it). Gap filling covers that once a later message arrives; this
    sweep covers the last message of a conversation, with one query per process.
    It asks for what was stored by the previous sweep, not what is stored now:
    a message committed a moment ago is normally still on its way through the
    bus, and filling it from the database would cost a query per connection for
    nothing. A lost last message therefore arrives within two sweeps.
    """
    previous: dict[int, tuple[int, int]] = {}
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SWEEP_S)
        ids = hub.conversation_ids()
        if not ids or stop.is_set():
            previous = {}
            continue
        try:
            async with state.sessions() as session:
                latest = await conversations.latest_seqs(session, ids)
        except Exception:
            log.warning("hub sweep could not read the database", exc_info=True)
            continue
        for conversation_id, (store_id, last_seq) in previous.items():
            if conversation_id in latest:
                hub.dispatch(BusEvent(store_id, conversation_id, "sync", {}, last_seq))
        previous = latest


def presence_event(store_id: int, conversation_id: int, participant: ParticipantKey, status: str) -> BusEvent:
    payload: dict[str, Any] = {"participant": {"kind": participant[0], "id": participant[1]}, "status": status}
    return BusEvent(store_id, conversation_id, "presence", payload)


Fetch = Callable[[int, int], Awaitable[Sequence[Any]]]  # (conversation_id, after_seq) -> messages with .seq


class Step(Enum):
    """What `SeqCursor.advance` says about a live message."""

    DELIVER = "deliver"  # the next one: the cursor has moved to it
    DROP = "drop"  # delivered before
    FILL = "fill"  # a gap: fetch what is after `last` from the database first
    NOT_SUBSCRIBED = "not_subscribed"


class SeqCursor:
    """The last seq delivered to one connection, per conversation: drops repeats, fills gaps.

    `classify(conversation_id, seq)` says what to do with a live message event
    of that seq: "drop" (already delivered), "deliver" (the next one), or
    "fill" (a gap: fetch everything after `last(conversation_id)` from the
    database first); `advance` does the same and moves on past a delivered
    one, in one step. A lost or reordered bus event therefore never loses or
    duplicates a message.
    """

    def __init__(self) -> None:
        self._last: dict[int, int] = {}

    def __contains__(self, conversation_id: int) -> bool:
        return conversation_id in self._last

    def start(self, conversation_id: int, seq: int) -> None:
        self._last[conversation_id] = seq

    def stop(self, conversation_id: int) -> None:
        self._last.pop(conversation_id, None)

    def last(self, conversation_id: int) -> int:
        return self._last[conversation_id]

    def classify(self, conversation_id: int, seq: int) -> str:
        last = self._last[conversation_id]
        if seq <= last:
            return "drop"
        return "deliver" if seq == last + 1 else "fill"

    def advance(self, conversation_id: int, seq: int) -> Step:
        """`classify`, and for the next message, move the cursor to it (the caller delivers it)."""
        last = self._last.get(conversation_id)
        if last is None:
            return Step.NOT_SUBSCRIBED
        if seq <= last:
            return Step.DROP
        if seq != last + 1:
            return Step.FILL
        self._last[conversation_id] = seq
        return Step.DELIVER

    def moved_to(self, conversation_id: int, seq: int) -> None:
        if seq > self._last.get(conversation_id, -1):
            self._last[conversation_id] = seq


def wire_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields of a stored message's wire form (from `message_payload`), in the order of `Message`,
    absent ones left out: what both `wire_message` and `message_frame_text` are made from."""
    sender = payload.get("sender")
    fields: dict[str, Any] = {"id": str(payload["id"]), "kind": payload.get("kind", "text")}
    if sender:
        fields["sender"] = {"kind": sender["kind"], "id": str(sender["id"])}
    fields["text"] = payload.get("text", "")
    fields["attachments"] = [str(a.get("id", "")) for a in payload.get("attachments") or [] if isinstance(a, dict)]
    fields["created_at"] = payload["created_at"]
    if sender and payload.get("client_msg_id") is not None:
        fields["client_msg_id"] = payload["client_msg_id"]
    language = str(payload.get("language") or "")
    if language:
        fields["language"] = language
    data = payload.get("data")
    if data:
        fields["data"] = dict(data)
    fields["translations"] = dict(payload.get("translations") or {})
    return fields


def wire_message(payload: dict[str, Any]) -> Message:
    """The wire form of a stored message (from `message_payload`).

    Built without validation (`model_construct`, once per message): the payload is our own,
    made from a stored row by `message_payload`, and the frame only ever goes out.
    """
    fields = wire_fields(payload)
    sender = fields.get("sender")
    if sender:
        fields["sender"] = Participant.model_construct(**sender)
    return Message.model_construct(**fields)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def message_frame_text(frame_type: str, conversation_id: int, seq: int, payload: dict[str, Any]) -> str | None:
    """The JSON text of a `message` or `message_updated` frame of a stored message, without pydantic.

    Exactly what `encode` writes for the frame `wire_message` builds (the same fields; escapes as
    pydantic writes them; tests/test_ws_frames_fast.py holds the two to each other), at a fraction
    of the cost: this runs once per message on the send path. None for a message with structured
    `data` (system messages: any JSON value, left to pydantic's serializer).
    """
    if payload.get("data"):
        return None
    message = wire_fields(payload)
    return _dumps({"type": frame_type, "conversation_id": str(conversation_id), "seq": seq, "message": message})


def visible(actor: Actor, payload: dict[str, Any]) -> bool:
    """Buyers never see internal notes (held messages are never published)."""
    return actor.kind != "buyer" or payload.get("kind") != "note"
