"""The call state machine on its own: the table, timeouts on an injected clock, and properties under random actions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.calls.machine import (
    TRANSITIONS,
    Action,
    CallConfig,
    CallData,
    CallMachine,
    CallState,
    IllegalCallTransition,
    Outcome,
    Relay,
    Role,
    StateChanged,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def machine(clock: Clock) -> CallMachine:
    return CallMachine(CallData("c_test0001"), CallConfig(ring_timeout_s=30, setup_timeout_s=20), clock)


def test_a_whole_call() -> None:
    clock = Clock()
    m = machine(clock)
    assert m.apply(Action.INVITE, Role.CALLER) == [StateChanged(CallState.INVITING)]
    m.apply(Action.RINGING, Role.CALLEE)
    m.apply(Action.ACCEPT, Role.CALLEE)
    assert m.apply(Action.OFFER, Role.CALLER, {"sdp": "o"}) == [Relay(Role.CALLEE, Action.OFFER, {"sdp": "o"})]
    assert m.apply(Action.ICE, Role.CALLEE, {"candidate": {}}) == [Relay(Role.CALLER, Action.ICE, {"candidate": {}})]
    assert m.apply(Action.ANSWER, Role.CALLEE, {"sdp": "a"}) == [Relay(Role.CALLER, Action.ANSWER, {"sdp": "a"})]
    clock.now += 0.4
    m.apply(Action.CONNECTED, Role.CALLER)
    assert m.apply(Action.CONNECTED, Role.CALLEE) == []  # the second report changes nothing
    # Renegotiation (screen share) and an ICE restart while connected.
    m.apply(Action.OFFER, Role.CALLEE, {"sdp": "o2"})
    m.apply(Action.ANSWER, Role.CALLER, {"sdp": "a2"})
    m.apply(Action.OFFER, Role.CALLER, {"sdp": "o3", "ice_restart": True})
    m.apply(Action.ANSWER, Role.CALLEE, {"sdp": "a3"})
    assert m.data.restarts == 1
    clock.now += 95
    assert m.apply(Action.HANGUP, Role.CALLEE) == [StateChanged(CallState.ENDED, Outcome.COMPLETED, "hangup")]
    assert m.data.duration_s == pytest.approx(95)


@pytest.mark.parametrize(
    ("action", "by", "outcome"),
    [
        (Action.DECLINE, Role.CALLEE, Outcome.DECLINED),
        (Action.CANCEL, Role.CALLER, Outcome.CANCELLED),
        (Action.BUSY, Role.CALLEE, Outcome.BUSY),
    ],
)
def test_calls_that_never_start(action: Action, by: Role, outcome: Outcome) -> None:
    m = machine(Clock())
    m.apply(Action.INVITE, Role.CALLER)
    m.apply(action, by)
    assert (m.state, m.data.outcome, m.data.duration_s) == (CallState.ENDED, outcome, 0.0)


def test_timeouts_follow_the_injected_clock() -> None:
    clock = Clock()
    m = machine(clock)
    m.apply(Action.INVITE, Role.CALLER)
    assert m.deadline() == 1_030.0
    clock.now = 1_029.9
    assert m.tick() == []
    clock.now = 1_030.0
    assert m.tick() == [StateChanged(CallState.ENDED, Outcome.MISSED, "ring_timeout")]
    stalled = machine(clock)
    stalled.apply(Action.INVITE, Role.CALLER)
    stalled.apply(Action.ACCEPT, Role.CALLEE)
    assert stalled.deadline() == clock.now + 20
    clock.now += 20
    assert stalled.tick() == [StateChanged(CallState.ENDED, Outcome.FAILED, "setup_timeout")]
    assert stalled.deadline() is None and stalled.tick() == []


def test_wrong_party_and_wrong_state_are_refused() -> None:
    m = machine(Clock())
    with pytest.raises(IllegalCallTransition):
        m.apply(Action.ACCEPT, Role.CALLEE)  # nothing to accept yet
    m.apply(Action.INVITE, Role.CALLER)
    with pytest.raises(IllegalCallTransition):
        m.apply(Action.ACCEPT, Role.CALLER)  # the caller cannot accept its own call
    with pytest.raises(IllegalCallTransition):
        m.apply(Action.OFFER, Role.CALLER, {"sdp": "x"})  # no SDP before the call is accepted
    m.apply(Action.ACCEPT, Role.CALLEE)
    with pytest.raises(IllegalCallTransition):
        m.apply(Action.ANSWER, Role.CALLER, {"sdp": "x"})  # no offer to answer
    m.apply(Action.OFFER, Role.CALLER, {"sdp": "x"})
    with pytest.raises(IllegalCallTransition):
        m.apply(Action.OFFER, Role.CALLEE, {"sdp": "y"})  # glare: the caller's offer wins
    with pytest.raises(IllegalCallTransition):
        m.apply(Action.CANCEL, Role.CALLER)  # too late to cancel: hang up instead


ACTIONS = st.tuples(st.sampled_from(list(Action)), st.sampled_from(list(Role)), st.floats(0, 40))


@settings(max_examples=400, deadline=None)
@given(st.lists(ACTIONS, max_size=30))
def test_random_actions_keep_the_invariants(steps: list[tuple[Action, Role, float]]) -> None:
    clock = Clock()
    m = machine(clock)
    ended_at: float | None = None
    for action, by, wait in steps:
        clock.now += wait
        before = m.state
        allowed = (before, action, by) in TRANSITIONS
        try:
            events: list[Any] = m.apply(action, by, {"sdp": "s"})
        except IllegalCallTransition:
            assert m.state is before  # a refused action changes nothing
            continue
        assert allowed or action in (Action.OFFER, Action.ANSWER)  # only the table's transitions happen
        if before is CallState.ENDED:
            pytest.fail("an ended call accepted an action")
        for event in events:
            if isinstance(event, Relay):
                assert event.to is not by and m.state in (CallState.ACCEPTED, CallState.CONNECTED)
        events += m.tick()  # a timeout due by now may end the call right after the action
        if m.state is CallState.ENDED and ended_at is None:
            ended_at = clock.now
            assert m.data.outcome is not None and m.deadline() is None
            assert (m.data.outcome is Outcome.COMPLETED) == (m.data.connected_at is not None)
            assert m.data.duration_s >= 0
    if m.state is not CallState.ENDED:
        # Every call ends on its own: after the ring and setup timeouts nothing is left waiting.
        clock.now += 30
        m.tick()
        clock.now += 20
        m.tick()
        assert m.state in (CallState.NEW, CallState.ENDED, CallState.CONNECTED)


def test_media_failing_after_the_call_connected_ends_it_completed_with_the_reason() -> None:
    """The call took place: it counts as completed, and the reason says how it ended."""
    m = machine(Clock())
    for action, by in ((Action.INVITE, Role.CALLER), (Action.ACCEPT, Role.CALLEE), (Action.CONNECTED, Role.CALLER)):
        m.apply(action, by)
    assert m.apply(Action.FAILED, Role.CALLER) == [StateChanged(CallState.ENDED, Outcome.COMPLETED, "failed")]
    # Before it connected, the same failure is a failed call.
    early = machine(Clock())
    early.apply(Action.INVITE, Role.CALLER)
    early.apply(Action.ACCEPT, Role.CALLEE)
    assert early.apply(Action.FAILED, Role.CALLER) == [StateChanged(CallState.ENDED, Outcome.FAILED, "failed")]
