"""The send path's own JSON for message frames is exactly what pydantic writes for the same frame.

`message_frame_text` builds a live message's frame text without the frame models (it runs once per
message); the models stay the schema. Any difference here would put two wire forms of one message on
the wire, so the two are compared on arbitrary stored payloads, text with any character included.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from seabridge.messaging.frames import MessageFrame, MessageUpdatedFrame, encode
from seabridge.messaging.hub import message_frame_text, wire_message

# Any text a client can send (decoded UTF-8: no lone surrogates), control characters, quotes,
# backslashes, U+2028 and emoji included.
texts = st.text(st.characters(codec="utf-8"), max_size=60)
optional_texts = st.none() | texts


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": draw(st.integers(1, 2**53)),
        "created_at": draw(texts),
        "text": draw(texts),
    }
    if draw(st.booleans()):
        payload["kind"] = draw(st.sampled_from(["text", "image", "system", "note"]))
    if draw(st.booleans()):
        kind = draw(st.sampled_from(["buyer", "agent", "bot"]))
        payload["sender"] = {"kind": kind, "id": draw(texts | st.integers())}
    if draw(st.booleans()):
        payload["client_msg_id"] = draw(optional_texts)
    if draw(st.booleans()):
        payload["language"] = draw(optional_texts)
    if draw(st.booleans()):
        payload["attachments"] = draw(st.lists(st.fixed_dictionaries({"id": texts}) | st.just("junk"), max_size=3))
    if draw(st.booleans()):
        payload["translations"] = draw(st.dictionaries(texts, texts, max_size=3))
    if draw(st.booleans()):
        payload["data"] = draw(st.none() | st.just({}))
    return payload


@settings(max_examples=400, deadline=None)
@given(payloads(), st.integers(1, 2**40), st.integers(0, 2**40))
def test_the_fast_text_is_pydantics_text(payload: dict[str, Any], conversation_id: int, seq: int) -> None:
    for kind, frame_type in ((MessageFrame, "message"), (MessageUpdatedFrame, "message_updated")):
        frame = kind.model_construct(conversation_id=str(conversation_id), seq=seq, message=wire_message(payload))
        assert message_frame_text(frame_type, conversation_id, seq, payload) == encode(frame)


def test_a_message_with_structured_data_is_left_to_pydantic() -> None:
    payload = {"id": 7, "kind": "system", "text": "shipped", "created_at": "2026-11-22T10:00:00.000Z"}
    assert message_frame_text("message", 1, 2, {**payload, "data": {"event": "shipment_status"}}) is None
    text = message_frame_text("message", 1, 2, payload)
    assert text is not None
    assert MessageFrame.model_validate(json.loads(text)).message.text == "shipped"
