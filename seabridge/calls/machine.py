"""One call's state machine, sans I/O: signalling actions in, events out.

The signalling service loads a call's `CallData` from storage, builds a
`CallMachine` over it, applies what a participant sent (or `tick` at the
machine's deadline) and acts on the returned events: `Relay` frames go to the
other party, `StateChanged` is told to both and recorded. Time comes from an
injected clock (seconds since the epoch), so the ring and setup timeouts are
tested without sleeping. Transitions are a table; anything else raises
`IllegalCallTransition`, which the service turns into a `call_state_invalid` error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class CallState(Enum):
    NEW = "new"
    INVITING = "inviting"  # the caller invited; no device of the callee has said it rings yet
    RINGING = "ringing"
    ACCEPTED = "accepted"  # the callee accepted; SDP and ICE are being exchanged
    CONNECTED = "connected"  # a participant reported media connected
    ENDED = "ended"


class Role(Enum):
    CALLER = "caller"
    CALLEE = "callee"
    SERVER = "server"  # timeouts and the busy check

    def other(self) -> Role:
        return Role.CALLEE if self is Role.CALLER else Role.CALLER


class Action(Enum):
    INVITE = "invite"
    RINGING = "ringing"
    ACCEPT = "accept"
    DECLINE = "decline"
    CANCEL = "cancel"
    BUSY = "busy"
    HANGUP = "hangup"
    OFFER = "offer"
    ANSWER = "answer"
    ICE = "ice"
    CONNECTED = "connected"  # media flows (from a participant's stats)
    FAILED = "failed"  # media failed (ICE failed, e.g. TURN refused the credentials)
    RING_TIMEOUT = "ring_timeout"
    SETUP_TIMEOUT = "setup_timeout"


class Outcome(Enum):
    COMPLETED = "completed"  # connected, then ended (hung up, or the media failed mid-call: see `reason`)
    DECLINED = "declined"
    CANCELLED = "cancelled"
    MISSED = "missed"  # nobody answered in time
    BUSY = "busy"
    FAILED = "failed"  # never connected (setup stalled, media failed, hung up during setup)


C, R, S = Role.CALLER, Role.CALLEE, Role.SERVER
St, A = CallState, Action
RINGING_STATES = (St.INVITING, St.RINGING)
LIVE_STATES = (St.ACCEPTED, St.CONNECTED)

# (state, action, who may do it) -> next state. Signalling (offer/answer/ice) keeps the state.
TRANSITIONS: dict[tuple[CallState, Action, Role], CallState] = {
    (St.NEW, A.INVITE, C): St.INVITING,
    (St.NEW, A.BUSY, S): St.ENDED,
    (St.INVITING, A.RINGING, R): St.RINGING,
    (St.RINGING, A.RINGING, R): St.RINGING,
    **{(s, A.ACCEPT, R): St.ACCEPTED for s in RINGING_STATES},
    **{(s, A.DECLINE, R): St.ENDED for s in RINGING_STATES},
    **{(s, A.BUSY, R): St.ENDED for s in RINGING_STATES},
    **{(s, A.CANCEL, C): St.ENDED for s in RINGING_STATES},
    **{(s, A.RING_TIMEOUT, S): St.ENDED for s in RINGING_STATES},
    **{(s, a, who): s for s in LIVE_STATES for a in (A.OFFER, A.ANSWER, A.ICE) for who in (C, R)},
    **{(s, A.HANGUP, who): St.ENDED for s in LIVE_STATES for who in (C, R)},
    **{(s, A.FAILED, who): St.ENDED for s in LIVE_STATES for who in (C, R)},
    **{(St.ACCEPTED, A.CONNECTED, who): St.CONNECTED for who in (C, R)},
    **{(St.CONNECTED, A.CONNECTED, who): St.CONNECTED for who in (C, R)},
    (St.ACCEPTED, A.SETUP_TIMEOUT, S): St.ENDED,
}

OUTCOME_OF: dict[Action, Outcome] = {
    A.DECLINE: Outcome.DECLINED,
    A.CANCEL: Outcome.CANCELLED,
    A.BUSY: Outcome.BUSY,
    A.RING_TIMEOUT: Outcome.MISSED,
    A.SETUP_TIMEOUT: Outcome.FAILED,
    A.FAILED: Outcome.FAILED,
}


class IllegalCallTransition(Exception):
    """The action is not allowed in the call's state (or not for this party)."""


@dataclass(frozen=True)
class CallConfig:
    ring_timeout_s: float = 30.0  # unanswered ring -> missed
    setup_timeout_s: float = 20.0  # accepted but never connected -> failed


@dataclass
class CallData:
    """Everything the machine needs, as stored (times in seconds since the epoch)."""

    call_id: str
    state: CallState = CallState.NEW
    outcome: Outcome | None = None
    reason: str = ""
    invited_at: float | None = None
    accepted_at: float | None = None
    connected_at: float | None = None
    ended_at: float | None = None
    offer_from: Role | None = None  # an offer waiting for its answer
    restarts: int = 0  # ICE restarts seen (offers carrying new ICE credentials while connected)

    @property
    def duration_s(self) -> float:
        if self.connected_at is None or self.ended_at is None:
            return 0.0
        return max(0.0, self.ended_at - self.connected_at)


@dataclass(frozen=True, slots=True)
class Relay:
    """Pass a signalling frame's payload to the other party."""

    to: Role
    action: Action
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StateChanged:
    state: CallState
    outcome: Outcome | None = None
    reason: str = ""


CallEvent = Relay | StateChanged


class CallMachine:
    def __init__(self, data: CallData, config: CallConfig | None = None, clock: Callable[[], float] = time.time):
        self.data = data
        self.config = config or CallConfig()
        self._clock = clock

    @property
    def state(self) -> CallState:
        return self.data.state

    def apply(self, action: Action, by: Role, payload: dict[str, Any] | None = None) -> list[CallEvent]:
        """One action by one party; raises `IllegalCallTransition` when the table forbids it."""
        d = self.data
        new = TRANSITIONS.get((d.state, action, by))
        if new is None:
            raise IllegalCallTransition(f"{by.value} cannot {action.value} a call that is {d.state.value}")
        payload = payload or {}
        now = self._clock()
        if action is A.ANSWER and d.offer_from is not by.other():
            raise IllegalCallTransition("no offer from the other party to answer")
        if action is A.OFFER:
            if d.offer_from is by:
                raise IllegalCallTransition("an offer is already waiting for its answer")
            if d.offer_from is not None and by is R:  # glare: both offered; the caller's offer wins
                raise IllegalCallTransition("the caller's offer is pending (glare); answer it")
            if payload.get("ice_restart") and d.state is St.CONNECTED:
                d.restarts += 1
            d.offer_from = by
            return [Relay(by.other(), action, payload)]
        if action is A.ANSWER:
            d.offer_from = None
            return [Relay(by.other(), action, payload)]
        if action is A.ICE:
            return [Relay(by.other(), action, payload)]
        if action is A.CONNECTED and d.state is St.CONNECTED:
            return []
        events: list[CallEvent] = []
        d.state = new
        if action is A.INVITE:
            d.invited_at = now
        elif action is A.ACCEPT:
            d.accepted_at = now
        elif action is A.CONNECTED:
            d.connected_at = now
        if new is St.ENDED:
            d.ended_at = now
            d.offer_from = None
            if action is A.HANGUP:
                d.outcome = Outcome.COMPLETED if d.connected_at is not None else Outcome.FAILED
                d.reason = str(payload.get("reason") or ("hangup" if d.connected_at is not None else "hangup_in_setup"))
            else:
                d.outcome = OUTCOME_OF[action]
                if d.outcome is Outcome.FAILED and d.connected_at is not None:
                    d.outcome = Outcome.COMPLETED  # the call took place; its media failed later
                d.reason = str(payload.get("reason") or action.value)
        events.append(StateChanged(d.state, d.outcome, d.reason))
        return events

    def deadline(self) -> float | None:
        """When `tick` has something to do (epoch seconds), or None."""
        d, cfg = self.data, self.config
        if d.state in RINGING_STATES and d.invited_at is not None:
            return d.invited_at + cfg.ring_timeout_s
        if d.state is St.ACCEPTED and d.accepted_at is not None:
            return d.accepted_at + cfg.setup_timeout_s
        return None

    def tick(self) -> list[CallEvent]:
        """Fire the ring or setup timeout if it is due."""
        due = self.deadline()
        if due is None or self._clock() < due:
            return []
        action = A.RING_TIMEOUT if self.data.state in RINGING_STATES else A.SETUP_TIMEOUT
        return self.apply(action, S)
