"""The messaging protocol core: every protocol error, the happy paths, and fuzzing.

The core does no I/O, so these tests drive it directly with a fake clock.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from websockets.frames import Frame, Opcode

from seabridge.messaging import (
    CloseCode,
    Connection,
    ConnectionState,
    ErrorCode,
    IllegalTransition,
    ProtocolConfig,
    ProtocolError,
    SessionInfo,
    encode,
    native,
    parse_client_frame,
)
from seabridge.messaging.events import (
    AuthRequested,
    CloseRequested,
    Event,
    Outgoing,
    ProtocolViolation,
    ReadUpTo,
    SendRequested,
    SubscribeRequested,
    TypingChanged,
    UnsubscribeRequested,
)
from seabridge.messaging.frames import (
    CLIENT_FRAME_TYPES,
    AckFrame,
    ErrorFrame,
    Message,
    MessageFrame,
    Participant,
    PingFrame,
    PongFrame,
    ReadEventFrame,
    ReadyFrame,
    SendFrame,
    ServerFrame,
    SubscribedFrame,
    SubscribeFrame,
    TypingEventFrame,
    UnsubscribedFrame,
)
from seabridge.messaging.frames import _describe as describe_validation_error
from seabridge.messaging.protocol import TRANSITIONS

SESSION = SessionInfo(session_id="s1", principal_kind="buyer", principal_id="b1")


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def frame(conn: Connection, **obj: Any) -> list[Event]:
    return conn.receive(json.dumps(obj))


def errors(events: list[Event]) -> list[ErrorFrame]:
    return [e.frame for e in events if isinstance(e, Outgoing) and isinstance(e.frame, ErrorFrame)]


def closes(events: list[Event]) -> list[CloseRequested]:
    return [e for e in events if isinstance(e, CloseRequested)]


def authed(clock: FakeClock | None = None, config: ProtocolConfig | None = None) -> Connection:
    conn = Connection(config, clock=clock or FakeClock())
    assert frame(conn, type="auth", token="sbb_token") == [AuthRequested("sbb_token")]
    conn.authenticated(SESSION)
    return conn


def subscribed(clock: FakeClock | None = None, config: ProtocolConfig | None = None) -> Connection:
    conn = authed(clock, config)
    assert frame(conn, type="subscribe", conversation_id="c1") == [SubscribeRequested("c1", None)]
    conn.send(SubscribedFrame(conversation_id="c1", last_seq=0))
    return conn


def send(conn: Connection, msg_id: str = "m1", text: str = "hello") -> list[Event]:
    return frame(conn, type="send", conversation_id="c1", client_msg_id=msg_id, text=text)


# ---- parse_client_frame: one test per wire error ---------------------------


def parse_error(data: str | bytes, max_bytes: int = 65536) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        parse_client_frame(data, max_bytes)
    return info.value


@pytest.mark.parametrize("data", ["{", "not json", "", '{"type": "ping",}', "NaN", '{"a": Infinity}', "[" * 50_000])
def test_malformed_json(data: str) -> None:
    err = parse_error(data, max_bytes=100_000)
    assert (err.code, err.close) == (ErrorCode.MALFORMED_JSON, False)


@pytest.mark.parametrize("data", ["[]", "1", '"auth"', "null", "true"])
def test_not_an_object(data: str) -> None:
    assert parse_error(data).code is ErrorCode.NOT_AN_OBJECT


def test_unknown_type() -> None:
    err = parse_error('{"type": "shout"}')
    assert err.code is ErrorCode.UNKNOWN_TYPE
    assert "send" in err.message


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({}, "type"),
        ({"type": 3}, "type"),
        ({"type": "auth"}, "token"),
        ({"type": "auth", "token": "t", "extra": 1}, "extra"),
        ({"type": "subscribe", "conversation_id": "c1", "after_seq": -1}, "after_seq"),
        ({"type": "subscribe", "conversation_id": "c1", "after_seq": "5"}, "after_seq"),
        ({"type": "send", "conversation_id": "c1", "client_msg_id": "has space", "text": "x"}, "client_msg_id"),
        ({"type": "send", "conversation_id": "c1", "client_msg_id": "m" * 65, "text": "x"}, "client_msg_id"),
        ({"type": "send", "conversation_id": "c1", "client_msg_id": "m1", "text": "x" * 4001}, "text"),
        ({"type": "send", "conversation_id": "c1", "client_msg_id": "m1", "text": "  "}, "text or attachments"),
        ({"type": "send", "conversation_id": "c1", "client_msg_id": "m1", "text": "\ud800"}, "text"),
        ({"type": "send", "conversation_id": "c1", "client_msg_id": "m1", "text": "a\x00b"}, "NUL"),
        ({"type": "typing", "conversation_id": "c1", "active": 1}, "active"),
        ({"type": "read", "conversation_id": "c1", "seq": True}, "seq"),
        ({"type": "read", "conversation_id": "c1", "seq": 2**64}, "seq"),
    ],
)
def test_invalid_frame_names_the_field(obj: dict[str, Any], field: str) -> None:
    err = parse_error(json.dumps(obj))
    assert err.code is ErrorCode.INVALID_FRAME
    assert field in err.message


def test_invalid_frame_does_not_echo_values() -> None:
    err = parse_error(
        json.dumps({"type": "send", "conversation_id": "c1", "client_msg_id": "m1", "text": "secret" * 999})
    )
    assert "secret" not in err.message
    assert err.ref == "m1"


def test_frame_too_large_counts_utf8_bytes() -> None:
    text = json.dumps({"type": "ping", "nonce": "é" * 40}, ensure_ascii=False)
    assert len(text) < 100 < len(text.encode())
    err = parse_error(text, max_bytes=100)
    assert (err.code, err.close, err.close_code) == (ErrorCode.FRAME_TOO_LARGE, True, CloseCode.TOO_BIG)


def test_binary_not_supported() -> None:
    assert parse_error(b'{"type": "ping"}').code is ErrorCode.BINARY_NOT_SUPPORTED


def test_encode_is_compact_and_round_trips() -> None:
    sent = SendFrame(conversation_id="c1", client_msg_id="m-1", text="hi", attachments=["a1"])
    text = encode(sent)
    assert " " not in text.replace("hi", "")
    assert parse_client_frame(text) == sent
    system = MessageFrame(conversation_id="c1", seq=3, message=Message(id="x", kind="system", created_at="t"))
    assert "sender" not in json.loads(encode(system))["message"]


_SEND_VALUES = st.one_of(
    st.sampled_from(["17", "m-1_x", "x" * 64, "x" * 65, "", "a b", "é", "ok\n", "  ", "hi", "t" * 4001, "\ud800"]),
    st.text(max_size=8),
    st.lists(st.sampled_from(["a1", "a b", "", "x" * 65]), max_size=11),
    st.none(),
    st.integers(),
    st.booleans(),
)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {"type": st.just("send")},
        optional={
            "conversation_id": st.one_of(st.just("17"), _SEND_VALUES),
            "client_msg_id": st.one_of(st.just("m-1"), _SEND_VALUES),
            "text": st.one_of(st.text(max_size=20), _SEND_VALUES),
            "attachments": st.one_of(st.just(["a1"]), _SEND_VALUES),
            "extra": _SEND_VALUES,
        },
    ),
    st.booleans(),
)
def test_send_frames_parse_as_the_model_says(obj: dict[str, Any], ascii_only: bool) -> None:
    """`send` has a parse path of its own (the hot frame); it accepts exactly what the model accepts."""
    data = json.dumps(obj, ensure_ascii=ascii_only)
    try:
        expected: SendFrame | str = SendFrame.model_validate(json.loads(data), strict=True)
    except ValidationError as exc:
        expected = describe_validation_error(exc)
    if isinstance(expected, str):
        err = parse_error(data)
        assert (err.code, err.message) == (ErrorCode.INVALID_FRAME, expected)
    else:
        parsed = parse_client_frame(data)
        assert parsed == expected and encode(parsed) == encode(expected)


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_text_frames_are_written_as_websockets_writes_them(length: int) -> None:
    text = "é" * (length // 2) + "x" * (length % 2)
    assert len(text.encode()) == length
    expected = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
    assert native._frame_bytes(text) == expected
    assert native._frame_bytes(text) is native._frame_bytes(text)  # one serialization for a run of receivers


# ---- connection: errors -----------------------------------------------------


def test_error_frame_keeps_connection_open() -> None:
    conn = authed()
    events = conn.receive("{oops")
    assert isinstance(events[0], ProtocolViolation)
    assert [e.code for e in errors(events)] == [ErrorCode.MALFORMED_JSON]
    assert not closes(events)
    assert conn.state is ConnectionState.OPEN


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("[1]", ErrorCode.NOT_AN_OBJECT),
        ('{"type":"x"}', ErrorCode.UNKNOWN_TYPE),
        (b"\x00", ErrorCode.BINARY_NOT_SUPPORTED),
    ],
)
def test_each_error_is_reported_on_an_open_connection(data: str | bytes, code: ErrorCode) -> None:
    conn = authed()
    assert [e.code for e in errors(conn.receive(data))] == [code]
    assert conn.state is ConnectionState.OPEN


def test_repeated_errors_close_4000_and_budget_refills() -> None:
    clock = FakeClock()
    conn = authed(clock)
    for _ in range(5):
        assert not closes(conn.receive("nope"))
    clock.advance(10)  # one error refilled
    assert not closes(conn.receive("nope"))
    assert closes(conn.receive("nope")) == [CloseRequested(4000, "too_many_errors")]
    assert conn.state is ConnectionState.CLOSING


def test_oversized_frame_closes_1009() -> None:
    conn = authed(config=ProtocolConfig(max_frame_bytes=64))
    events = frame(conn, type="ping", nonce="x" * 60)
    assert [e.code for e in errors(events)] == [ErrorCode.FRAME_TOO_LARGE]
    assert closes(events) == [CloseRequested(1009, "frame_too_large")]


def test_frame_before_auth_closes_4003() -> None:
    conn = Connection(clock=FakeClock())
    events = frame(conn, type="subscribe", conversation_id="c1")
    assert [e.code for e in errors(events)] == [ErrorCode.AUTH_REQUIRED]
    assert closes(events) == [CloseRequested(4003, "auth_required")]
    assert conn.receive('{"type":"auth","token":"t"}') == []  # discarded while closing


def test_bad_frame_before_auth_closes_4000() -> None:
    conn = Connection(clock=FakeClock())
    assert closes(conn.receive("{")) == [CloseRequested(4000, "malformed_json")]


def test_second_auth_while_pending_closes() -> None:
    conn = Connection(clock=FakeClock())
    frame(conn, type="auth", token="t")
    events = frame(conn, type="auth", token="t")
    assert [e.code for e in errors(events)] == [ErrorCode.AUTH_IN_PROGRESS]
    assert closes(events)


def test_auth_timeout_closes_4001() -> None:
    clock = FakeClock()
    conn = Connection(clock=clock)
    assert conn.next_deadline() == clock.now + 10
    clock.advance(9.999)
    assert conn.tick() == []
    clock.advance(0.001)
    events = conn.tick()
    assert [e.code for e in errors(events)] == [ErrorCode.AUTH_TIMEOUT]
    assert closes(events) == [CloseRequested(4001, "auth_timeout")]


def test_rejected_token_closes_4003() -> None:
    conn = Connection(clock=FakeClock())
    frame(conn, type="auth", token="sbs_bad")
    events = conn.reject()
    assert [e.code for e in errors(events)] == [ErrorCode.AUTH_FAILED]
    assert closes(events) == [CloseRequested(4003, "auth_failed")]


def test_auth_when_open_is_an_error() -> None:
    conn = authed()
    assert [e.code for e in errors(frame(conn, type="auth", token="t"))] == [ErrorCode.ALREADY_AUTHENTICATED]


def test_send_typing_read_need_a_subscription() -> None:
    conn = authed()
    for obj in (
        {"type": "send", "conversation_id": "c9", "client_msg_id": "m1", "text": "x"},
        {"type": "typing", "conversation_id": "c9", "active": True},
        {"type": "read", "conversation_id": "c9", "seq": 1},
        {"type": "unsubscribe", "conversation_id": "c9"},
    ):
        (err,) = errors(frame(conn, **obj))
        assert err.code is ErrorCode.NOT_SUBSCRIBED
        assert err.ref == obj.get("client_msg_id", "c9")


def test_too_many_subscriptions() -> None:
    conn = subscribed(config=ProtocolConfig(max_subscriptions=1))
    assert frame(conn, type="subscribe", conversation_id="c1", after_seq=4) == [SubscribeRequested("c1", 4)]
    (err,) = errors(frame(conn, type="subscribe", conversation_id="c2"))
    assert (err.code, err.ref) == (ErrorCode.TOO_MANY_SUBSCRIPTIONS, "c2")


def test_send_flood_is_rate_limited_then_closed_4008() -> None:
    clock = FakeClock()
    conn = subscribed(clock)
    for i in range(20):
        assert isinstance(send(conn, f"m{i}")[0], SendRequested)
    (err,) = errors(send(conn, "m20"))
    assert (err.code, err.ref, err.retry_after_ms) == (ErrorCode.RATE_LIMITED, "m20", 100)
    clock.advance(0.1)
    assert isinstance(send(conn, "m21")[0], SendRequested)
    for i in range(9):  # ten rate-limited frames are tolerated ...
        assert not closes(send(conn, f"x{i}"))
    events = send(conn, "x9")  # ... the eleventh closes
    assert [e.code for e in errors(events)] == [ErrorCode.RATE_LIMITED]
    assert closes(events) == [CloseRequested(4008, "rate_limited")]


def test_typing_is_limited_to_two_per_second() -> None:
    clock = FakeClock()
    conn = subscribed(clock)
    typing_on = {"type": "typing", "conversation_id": "c1", "active": True}
    assert frame(conn, **typing_on) == [TypingChanged("c1", True)]
    assert frame(conn, **typing_on) == [TypingChanged("c1", True)]
    (err,) = errors(frame(conn, **typing_on))
    assert (err.code, err.retry_after_ms) == (ErrorCode.RATE_LIMITED, 500)
    clock.advance(0.5)
    assert frame(conn, **typing_on) == [TypingChanged("c1", True)]


def test_any_frame_flood_is_limited() -> None:
    conn = authed()
    for _ in range(60):
        assert frame(conn, type="ping") == [Outgoing(PongFrame())]
    assert [e.code for e in errors(frame(conn, type="ping"))] == [ErrorCode.RATE_LIMITED]


# ---- connection: happy paths -----------------------------------------------


def test_auth_then_ready() -> None:
    conn = Connection(clock=FakeClock())
    assert frame(conn, type="auth", token="sbs_agent") == [AuthRequested("sbs_agent")]
    assert conn.state is ConnectionState.CONNECTING
    (out,) = conn.authenticated(SessionInfo("s2", "agent", "a1"))
    assert isinstance(out, Outgoing) and isinstance(out.frame, ReadyFrame)
    assert out.frame.principal == Participant(kind="agent", id="a1")
    assert out.frame.heartbeat_s == 25
    assert out.frame.limits.max_text_chars == 4000
    assert conn.state is ConnectionState.OPEN


def test_subscribe_then_send_then_ack() -> None:
    conn = subscribed()
    assert conn.subscriptions == {"c1"}
    events = frame(conn, type="send", conversation_id="c1", client_msg_id="m1", text="hi", attachments=["a1"])
    assert events == [SendRequested("c1", "m1", "hi", ("a1",))]
    ack = AckFrame(client_msg_id="m1", conversation_id="c1", seq=7, message_id="msg_1")
    assert conn.send(ack) == [Outgoing(ack)]


def test_replayed_client_msg_id_answers_with_first_ack() -> None:
    conn = subscribed()
    send(conn, "m1")
    ack = AckFrame(client_msg_id="m1", conversation_id="c1", seq=7, message_id="msg_1")
    conn.send(ack)
    (out,) = send(conn, "m1", text="retry")
    assert isinstance(out, Outgoing)
    assert out.frame == ack.model_copy(update={"duplicate": True})


def test_ack_cache_is_bounded() -> None:
    conn = subscribed(config=ProtocolConfig(ack_cache_size=2))
    for i in range(3):
        conn.send(AckFrame(client_msg_id=f"m{i}", conversation_id="c1", seq=i + 1, message_id=f"x{i}"))
    assert isinstance(send(conn, "m0")[0], SendRequested)  # evicted: storage answers
    assert isinstance(send(conn, "m2")[0], Outgoing)


def test_typing_read_ping_unsubscribe() -> None:
    conn = subscribed()
    assert frame(conn, type="typing", conversation_id="c1", active=False) == [TypingChanged("c1", False)]
    assert frame(conn, type="read", conversation_id="c1", seq=12) == [ReadUpTo("c1", 12)]
    assert frame(conn, type="ping", nonce="n1") == [Outgoing(PongFrame(nonce="n1"))]
    assert frame(conn, type="pong", nonce="1") == []
    events = frame(conn, type="unsubscribe", conversation_id="c1")
    assert events == [UnsubscribeRequested("c1"), Outgoing(UnsubscribedFrame(conversation_id="c1"))]
    assert conn.subscriptions == frozenset()


def test_keepalive_pings_and_idle_timeout() -> None:
    clock = FakeClock()
    conn = authed(clock)
    assert conn.next_deadline() == clock.now + 25
    clock.advance(25)
    assert conn.tick() == [Outgoing(PingFrame(nonce="1"))]
    assert conn.tick() == []
    frame(conn, type="pong", nonce="1")  # inbound traffic resets the idle timer
    clock.advance(59.9)
    assert conn.tick() == [Outgoing(PingFrame(nonce="2"))]
    clock.advance(0.1)
    events = conn.tick()
    assert [e.code for e in errors(events)] == [ErrorCode.KEEPALIVE_TIMEOUT]
    assert closes(events) == [CloseRequested(4002, "keepalive_timeout")]


def test_session_expiry_closes_4009() -> None:
    clock = FakeClock()
    conn = Connection(clock=clock)
    frame(conn, type="auth", token="t")
    conn.authenticated(SessionInfo("s1", "buyer", "b1", expires_at=clock.now + 5))
    assert conn.next_deadline() == clock.now + 5
    assert closes(conn.tick(clock.now + 5)) == [CloseRequested(4009, "session_expired")]


# ---- state machine -------------------------------------------------------------


def test_illegal_transitions_are_refused() -> None:
    conn = Connection(clock=FakeClock())
    with pytest.raises(IllegalTransition):
        conn.authenticated(SESSION)  # no auth frame yet
    with pytest.raises(IllegalTransition):
        conn.send(SubscribedFrame(conversation_id="c1", last_seq=0))
    frame(conn, type="auth", token="t")
    conn.authenticated(SESSION)
    with pytest.raises(IllegalTransition):
        conn.authenticated(SESSION)
    with pytest.raises(IllegalTransition):
        conn.reject()
    assert conn.close(1012, "restart") == [CloseRequested(1012, "restart")]
    assert conn.close() == []
    assert conn.send(PingFrame()) == []  # fan-out racing the close is dropped
    conn.socket_closed()
    assert conn.state is ConnectionState.CLOSED
    with pytest.raises(IllegalTransition):
        conn.reject()
    assert conn.receive('{"type":"ping"}') == []
    assert conn.tick(10**9) == []


def test_transition_table_has_no_way_out_of_closed() -> None:
    assert not [key for key in TRANSITIONS if key[0] is ConnectionState.CLOSED]
    assert not [new for new in TRANSITIONS.values() if new is ConnectionState.CONNECTING]


# ---- property-based -------------------------------------------------------------

EVENT_TYPES = typing.get_args(Event)
CLOSE_CODES = {int(c) for c in CloseCode}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
frame_like = st.builds(
    lambda kind, fields: json.dumps({"type": kind, **fields}),
    st.sampled_from([*CLIENT_FRAME_TYPES, "x"]),
    st.dictionaries(
        st.sampled_from(["token", "conversation_id", "client_msg_id", "text", "seq", "after_seq", "active", "nonce"]),
        json_values | st.just("c1"),
        max_size=5,
    ),
)
inbound = st.text(max_size=200) | st.binary(max_size=50) | st.builds(json.dumps, json_values) | frame_like


def check_well_formed(conn: Connection, events: list[Event]) -> None:
    for event in events:
        assert isinstance(event, EVENT_TYPES)
        if isinstance(event, Outgoing):
            decoded = json.loads(encode(event.frame))
            assert isinstance(decoded, dict) and isinstance(decoded["type"], str)
        if isinstance(event, ProtocolViolation):
            assert isinstance(event.error.code, ErrorCode)
    close_events = closes(events)
    assert len(close_events) <= 1
    if close_events:
        assert close_events[0].code in CLOSE_CODES
        assert events[-1] == close_events[0]
        assert conn.state is ConnectionState.CLOSING


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(inbound, max_size=30), st.booleans())
def test_fuzz_receive_never_raises(messages: list[str | bytes], authenticate: bool) -> None:
    clock = FakeClock()
    conn = subscribed(clock) if authenticate else Connection(clock=clock)
    for data in messages:
        check_well_formed(conn, conn.receive(data))
        clock.advance(0.01)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), inbound | st.just('{"type":"auth","token":"t"}')),
        st.tuples(st.just("tick"), st.floats(min_value=0, max_value=100)),
        st.tuples(st.sampled_from(["authenticated", "reject", "close", "socket_closed", "send"]), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_state_machine_never_leaves_closed(ops: list[tuple[str, Any]]) -> None:
    clock = FakeClock()
    conn = Connection(clock=clock)
    for name, arg in ops:
        before = conn.state
        try:
            if name == "receive":
                events = conn.receive(arg)
            elif name == "tick":
                clock.advance(arg)
                events = conn.tick()
            elif name == "authenticated":
                events = conn.authenticated(SESSION)
            elif name == "reject":
                events = conn.reject()
            elif name == "close":
                events = conn.close()
            elif name == "send":
                events = conn.send(SubscribedFrame(conversation_id="c1", last_seq=0))
            else:
                conn.socket_closed()
                events = []
        except IllegalTransition:
            assert conn.state is before
            continue
        check_well_formed(conn, events)
        if before is not conn.state:
            assert any(new is conn.state for (old, _), new in TRANSITIONS.items() if old is before)
        if before is ConnectionState.CLOSED:
            assert conn.state is ConnectionState.CLOSED
            assert events == []


def test_subscribe_frame_default_after_seq_is_absent_on_the_wire() -> None:
    assert json.loads(encode(SubscribeFrame(conversation_id="c1"))) == {"type": "subscribe", "conversation_id": "c1"}


def test_worked_example_in_docs_matches_the_code() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "protocol.md").read_text(encoding="utf-8")
    example = doc.split("## Worked example", 1)[1].split("```")[1]
    server_models = {m.model_fields["type"].default: m for m in typing.get_args(ServerFrame)}
    server_models["typing"], server_models["read"] = TypingEventFrame, ReadEventFrame
    client_lines = [line[2:] for line in example.splitlines() if line.startswith("> ")]
    server_lines = [line[2:] for line in example.splitlines() if line.startswith("< ") and "..." not in line]
    assert len(client_lines) > 5 and len(server_lines) > 5
    for text in client_lines[:-1]:
        parse_client_frame(text)  # raises ProtocolError if the docs drift from the wire format
    assert parse_error(client_lines[-1]).message in example
    for text in server_lines:
        obj = json.loads(text)
        assert encode(server_models[obj["type"]].model_validate(obj)) == text
