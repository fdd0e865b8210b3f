"""Call signalling over the messaging WebSocket: frames from a participant in, frames to the other out.

The transport hands every call frame (`CallRequested`) to `CallSignalling.handle`
with the connection's actor. Each action loads the call row, runs the state
machine (`machine.py`) over it, writes it back (guarded by the row's version:
another process may act on the same call) and publishes the outgoing frames as
`call` bus events on the call's conversation, so they reach the other party's
connections in whichever process holds them. Each connection passes `call`
events to `deliver`, which keeps those addressed to its participant.
A call's events also land in its conversation as system messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from seabridge.bus.base import BusEvent
from seabridge.calls.ice import ice_config
from seabridge.calls.machine import (
    Action,
    CallConfig,
    CallData,
    CallEvent,
    CallMachine,
    CallState,
    IllegalCallTransition,
    Outcome,
    Relay,
    Role,
    StateChanged,
)
from seabridge.db.calls import Call
from seabridge.messaging.errors import ErrorCode
from seabridge.messaging.frames import (
    CallAcceptFrame,
    CallAnswerFrame,
    CallBusyFrame,
    CallCancelFrame,
    CallClientFrame,
    CallDeclineFrame,
    CallHangupFrame,
    CallIceFrame,
    CallIceServersFrame,
    CallInviteFrame,
    CallOfferFrame,
    CallRingingFrame,
    CallStateFrame,
    CallStatsFrame,
    ErrorFrame,
    IceServerEntry,
    ServerFrame,
)
from seabridge.services.messaging import Actor, NotFound
from seabridge.state import AppState
from seabridge.storage import calls as store

log = logging.getLogger(__name__)

Reply = Callable[[ServerFrame], None]

ACTION_OF: dict[type[Any], Action] = {
    CallRingingFrame: Action.RINGING,
    CallAcceptFrame: Action.ACCEPT,
    CallDeclineFrame: Action.DECLINE,
    CallCancelFrame: Action.CANCEL,
    CallBusyFrame: Action.BUSY,
    CallHangupFrame: Action.HANGUP,
    CallOfferFrame: Action.OFFER,
    CallAnswerFrame: Action.ANSWER,
    CallIceFrame: Action.ICE,
}
RELAYED: dict[Action, type[CallOfferFrame] | type[CallAnswerFrame] | type[CallIceFrame]] = {
    Action.OFFER: CallOfferFrame,
    Action.ANSWER: CallAnswerFrame,
    Action.ICE: CallIceFrame,
}
STAT_FIELDS = ("rtt_ms", "jitter_ms", "loss_pct", "bitrate_kbps", "width", "height", "fps", "candidate_type")


class CallError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def data_of(row: Call) -> CallData:
    return CallData(
        call_id=row.call_id,
        state=CallState(row.state),
        outcome=Outcome(row.outcome) if row.outcome else None,
        reason=row.reason,
        invited_at=_ts(row.invited_at),
        accepted_at=_ts(row.accepted_at),
        connected_at=_ts(row.connected_at),
        ended_at=_ts(row.ended_at),
        offer_from=Role(row.offer_from) if row.offer_from else None,
        restarts=row.restarts,
    )


def write_back(row: Call, machine: CallMachine) -> None:
    d = machine.data
    row.state = d.state.value
    row.outcome = d.outcome.value if d.outcome else None
    row.reason = d.reason[:64]
    row.accepted_at = _dt(d.accepted_at)
    row.connected_at = _dt(d.connected_at)
    row.ended_at = _dt(d.ended_at)
    row.deadline_at = _dt(machine.deadline())
    row.offer_from = d.offer_from.value if d.offer_from else None
    row.restarts = d.restarts


def state_frame(row: Call) -> CallStateFrame:
    ended = row.state == CallState.ENDED.value
    duration = None
    if ended and row.connected_at is not None and row.ended_at is not None:
        duration = round((row.ended_at - row.connected_at).total_seconds(), 3)
    return CallStateFrame.model_validate(
        {
            "call_id": row.call_id,
            "conversation_id": str(row.conversation_id),
            "state": row.state,
            "media": row.media,
            "caller": {"kind": row.caller_kind, "id": row.caller_ref},
            "callee": {"kind": row.callee_kind, "id": row.callee_ref} if row.callee_ref else None,
            "outcome": row.outcome,
            "reason": row.reason or None,
            "duration_s": duration,
        }
    )


def role_of(row: Call, actor: Actor, action: Action | None) -> Role | None:
    """The actor's part in the call; an agent becomes the callee of a buyer's call by answering it."""
    me = (actor.kind, actor.ref)
    if me == (row.caller_kind, row.caller_ref):
        return Role.CALLER
    if me == (row.callee_kind, row.callee_ref):
        return Role.CALLEE
    answering = (Action.RINGING, Action.ACCEPT, Action.DECLINE, Action.BUSY)
    if row.callee_ref is None and actor.kind == row.callee_kind == "agent" and action in answering:
        return Role.CALLEE
    return None


class CallSignalling:
    def __init__(self, state: AppState, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.config = CallConfig(state.settings.call_ring_timeout_s, state.settings.call_setup_timeout_s)
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    def machine(self, row: Call) -> CallMachine:
        return CallMachine(data_of(row), self.config, self._clock)

    # ---- from a connection ---------------------------------------------

    async def handle(self, actor: Actor, frame: CallClientFrame, reply: Reply) -> None:
        try:
            if isinstance(frame, CallInviteFrame):
                await self._invite(actor, frame, reply)
            elif isinstance(frame, CallStatsFrame):
                await self._stats(actor, frame)
            else:
                await self._act(actor, frame, reply)
        except CallError as exc:
            reply(ErrorFrame(code=exc.code, message=exc.message, ref=frame.call_id))

    async def _invite(self, actor: Actor, frame: CallInviteFrame, reply: Reply) -> None:
        cid = int(frame.conversation_id) if frame.conversation_id.isdigit() else -1
        messaging = self.state.messaging
        async with self.state.sessions() as session, session.begin():
            try:
                conv = await messaging.conversation_for(actor, cid, session)
            except NotFound:
                raise CallError(ErrorCode.NOT_FOUND, "no such conversation") from None
            if await store.call_id_taken(session, frame.call_id):
                existing = await store.get_call(session, actor.store_id, frame.call_id)
                if existing is None or (existing.caller_kind, existing.caller_ref) != (actor.kind, actor.ref):
                    raise CallError(ErrorCode.CALL_EXISTS, "call_id is taken; choose another")
                reply(state_frame(existing))  # a repeated invite: answer with where the call is
                return
            booked = await store.appointment_by_call_id(session, frame.call_id)
            if booked is not None and (booked.store_id, booked.conversation_id) != (actor.store_id, conv.id):
                raise CallError(ErrorCode.CALL_EXISTS, "call_id is taken; choose another")
            if actor.kind == "buyer":
                callee_kind, callee_ref = "agent", str(conv.assigned_agent_id) if conv.assigned_agent_id else None
            else:
                callee_kind, callee_ref = "buyer", conv.visitor_id
            parties = [(actor.kind, actor.ref)] + ([(callee_kind, callee_ref)] if callee_ref else [])
            is_busy = await store.busy(session, actor.store_id, conv.id, parties)
            now = self._clock()
            row = Call(
                call_id=frame.call_id,
                store_id=actor.store_id,
                conversation_id=conv.id,
                media=frame.media,
                state=CallState.NEW.value,
                outcome=None,
                reason="",
                caller_kind=actor.kind,
                caller_ref=actor.ref,
                callee_kind=callee_kind,
                callee_ref=callee_ref if actor.kind == "agent" else None,
                invited_at=_dt(now),
                restarts=0,
                quality={},
            )
            machine = self.machine(row)
            events = machine.apply(Action.BUSY if is_busy else Action.INVITE, Role.SERVER if is_busy else Role.CALLER)
            write_back(row, machine)
            session.add(row)
        if not is_busy:
            reply(self._ice_servers(row))
        await self._publish(row, events, session_ice=not is_busy)

    async def _act(self, actor: Actor, frame: CallClientFrame, reply: Reply) -> None:
        action = ACTION_OF[type(frame)]
        payload = frame.model_dump(exclude={"type", "call_id"}, exclude_none=True)
        for attempt in range(3):
            try:
                async with self.state.sessions() as session, session.begin():
                    row, events = await self._apply(session, actor, frame.call_id, action, payload)
                break
            except StaleDataError:  # another process moved the call meanwhile: run again on the new state
                if attempt == 2:
                    raise
        if action is Action.ACCEPT:
            reply(self._ice_servers(row))
        await self._publish(row, events)

    async def _apply(
        self, session: AsyncSession, actor: Actor, call_id: str, action: Action, payload: dict[str, Any]
    ) -> tuple[Call, list[CallEvent]]:
        row = await store.get_call(session, actor.store_id, call_id)
        role = role_of(row, actor, action) if row is not None else None
        if row is None or role is None:
            raise CallError(ErrorCode.CALL_NOT_FOUND, "no such call")
        machine = self.machine(row)
        try:
            events = machine.apply(action, role, payload)
        except IllegalCallTransition as exc:
            raise CallError(ErrorCode.CALL_STATE_INVALID, str(exc)) from None
        if role is Role.CALLEE and row.callee_ref is None:
            row.callee_ref = actor.ref
        if action is not Action.ICE:
            write_back(row, machine)
        return row, events

    async def _stats(self, actor: Actor, frame: CallStatsFrame) -> None:
        values = {name: getattr(frame, name) for name in STAT_FIELDS}
        action = {"connected": Action.CONNECTED, "failed": Action.FAILED}.get(frame.connection_state)
        for attempt in range(3):
            events: list[CallEvent] = []
            try:
                async with self.state.sessions() as session, session.begin():
                    row = await store.get_call(session, actor.store_id, frame.call_id)
                    role = role_of(row, actor, None) if row is not None else None
                    if row is None or role is None:
                        raise CallError(ErrorCode.CALL_NOT_FOUND, "no such call")
                    await store.add_stat(
                        session, row, actor.kind, actor.ref, {**values, "connection_state": frame.connection_state}
                    )
                    if action is not None and row.state in (CallState.ACCEPTED.value, CallState.CONNECTED.value):
                        machine = self.machine(row)
                        reason = {"reason": "media_failed"} if action is Action.FAILED else {}
                        events = machine.apply(action, role, reason)
                        if events:
                            write_back(row, machine)
                break
            except StaleDataError:  # both parties reported at once: run again on the new state
                if attempt == 2:
                    raise
        assert row is not None
        await self._publish(row, events)

    # ---- timeouts ---------------------------------------------------------

    async def sweep(self) -> int:
        """End every call whose ring or setup timeout has passed; returns how many."""
        async with self.state.sessions() as session:
            due = [r.call_id for r in await store.due_calls(session, datetime.now(UTC))]
        ended = 0
        for call_id in due:
            try:
                async with self.state.sessions() as session, session.begin():
                    row = await store.call_by_id(session, call_id)
                    if row is None:
                        continue
                    machine = self.machine(row)
                    events = machine.tick()
                    write_back(row, machine)
            except StaleDataError:
                continue  # someone acted on it meanwhile; the next sweep looks again
            if events:
                ended += 1
                await self._publish(row, events)
        return ended

    # ---- output -----------------------------------------------------------

    def _ice_servers(self, row: Call) -> CallIceServersFrame:
        cfg = ice_config(self.state.settings, row.call_id, self._clock())
        return CallIceServersFrame(
            call_id=row.call_id,
            ice_servers=[IceServerEntry.model_validate(s.as_dict()) for s in cfg.servers],
            ice_transport_policy="relay" if cfg.transport_policy == "relay" else "all",
            expires_at=cfg.expires_at,
        )

    async def _publish(self, row: Call, events: list[CallEvent], *, session_ice: bool = False) -> None:
        caller: dict[str, Any] = {"kind": row.caller_kind, "id": row.caller_ref}
        callee: dict[str, Any] = {"kind": row.callee_kind, "id": row.callee_ref}
        bus = self.state.bus
        for event in events:
            if isinstance(event, Relay):
                to = caller if event.to is Role.CALLER else callee
                frame = RELAYED[event.action].model_validate({"call_id": row.call_id, **event.payload})
                await bus.publish(_event(row, to, frame))
                continue
            state = state_frame(row)
            # Every agent in the conversation sees a buyer's call until one of them answers it.
            await bus.publish(_event(row, caller, state))
            await bus.publish(_event(row, callee, state))
            if session_ice:
                await bus.publish(_event(row, callee, self._ice_servers(row)))
            self._record(row, event)

    def _record(self, row: Call, event: StateChanged) -> None:
        """The conversation's system messages, and the quality summary once the call ended."""
        if event.state not in (CallState.CONNECTED, CallState.ENDED):
            return
        task = asyncio.create_task(self._record_now(row.store_id, row.call_id, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _record_now(self, store_id: int, call_id: str, event: StateChanged) -> None:
        try:
            async with self.state.sessions() as session, session.begin():
                row = await store.get_call(session, store_id, call_id)
                if row is None:
                    return
                if event.state is CallState.ENDED:
                    row.quality = store.quality_summary(await store.stats_for(session, store_id, row))
            key, text, data = system_message(row, event)
            await self.state.messaging.post_system(store_id, row.conversation_id, key, text, data)
        except Exception:
            log.exception("recording a call event failed", extra={"call_id": call_id})

    async def aclose(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)

    # ---- into a connection ------------------------------------------------

    @staticmethod
    def deliver(actor: Actor, event: BusEvent, send: Reply) -> None:
        """A `call` bus event reached a connection of `actor`: pass it on if it is addressed to them."""
        to = event.payload.get("to") or {}
        if to.get("kind") != actor.kind or (to.get("id") is not None and to.get("id") != actor.ref):
            return
        frame = event.payload.get("frame") or {}
        model = SERVER_CALL_FRAMES.get(str(frame.get("type")))
        if model is not None:
            send(model.model_validate(frame))


SERVER_CALL_FRAMES: dict[str, type[ServerFrame]] = {
    "call_state": CallStateFrame,
    "call_ice_servers": CallIceServersFrame,
    "call_offer": CallOfferFrame,
    "call_answer": CallAnswerFrame,
    "call_ice": CallIceFrame,
}

MEDIA_NAMES = {"video": "Video call", "audio": "Voice call"}


def system_message(row: Call, event: StateChanged) -> tuple[str, str, dict[str, Any]]:
    """(idempotency key, English text, structured data) for a call event in its conversation."""
    name = MEDIA_NAMES.get(row.media, "Call")
    data: dict[str, Any] = {"call_id": row.call_id, "media": row.media}
    if event.state is CallState.CONNECTED:
        return f"call-{row.call_id}-started", f"{name} started", {"event": "call_started", **data}
    outcome = row.outcome or "failed"
    if outcome == Outcome.MISSED.value:
        return f"call-{row.call_id}-missed", f"Missed {name.lower()}", {"event": "call_missed", **data}
    duration = 0.0
    if row.connected_at is not None and row.ended_at is not None:
        duration = round((row.ended_at - row.connected_at).total_seconds(), 1)
    minutes, seconds = divmod(int(duration), 60)
    text = f"{name} ended ({minutes}:{seconds:02d})" if outcome == "completed" else f"{name} {outcome}"
    data |= {"event": "call_ended", "outcome": outcome, "duration_s": duration, "quality": row.quality}
    return f"call-{row.call_id}-ended", text, data


def _event(row: Call, to: dict[str, Any], frame: ServerFrame) -> BusEvent:
    payload = {"to": to, "frame": frame.model_dump(mode="json", exclude_none=True)}
    return BusEvent(row.store_id, row.conversation_id, "call", payload)


_services: dict[int, CallSignalling] = {}


def signalling_for(state: AppState) -> CallSignalling:
    """This process's call signalling (created on first use)."""
    service = _services.get(id(state))
    if service is None:
        service = _services[id(state)] = CallSignalling(state)
    return service


async def call_worker(state: AppState, stop: asyncio.Event) -> None:
    """Fire ring and setup timeouts (every process runs it; the row version keeps them from clashing)."""
    service = signalling_for(state)
    try:
        while not stop.is_set():
            try:
                await service.sweep()
            except Exception:
                log.warning("call timeout sweep failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=SWEEP_S)
    finally:
        await service.aclose()
        if stop.is_set():
            _services.pop(id(state), None)


SWEEP_S = 0.25
