"""The chat-completions wire format, sans I/O: streamed bytes in, one assembled completion out.

`ChatStream` decodes server-sent events (`data:` lines, blank-line separated,
`data: [DONE]` at the end) and assembles OpenAI's `chat.completion.chunk`
deltas: content fragments, and tool calls whose id, name and argument
fragments arrive spread over many chunks, keyed by `index`. It does no I/O, so
a test can feed it any split of the bytes. Errors carry a short reason that is
safe to log: never the model's text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

DONE = "[DONE]"


class StreamError(Exception):
    """The provider's stream or body is not a chat completion we can use."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"chat completion stream is malformed: {reason}")
        self.reason = reason


@dataclass(slots=True)
class ToolCallDraft:
    index: int
    id: str = ""
    name: str = ""
    arguments: str = ""  # JSON text, exactly as the model wrote it (may be invalid)


@dataclass(slots=True)
class Completion:
    content: str
    tool_calls: list[ToolCallDraft] = field(default_factory=list)
    finish_reason: str = ""


class SSEDecoder:
    """Server-sent events: bytes in, the `data` of each complete event out."""

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        self._buffer += chunk
        events: list[str] = []
        start = 0
        while (end := self._buffer.find(b"\n", start)) != -1:
            self._line(self._buffer[start:end].rstrip(b"\r"), events)
            start = end + 1
        self._buffer = self._buffer[start:]
        return events

    def close(self) -> list[str]:
        """Flush an event the server did not end with a blank line."""
        events: list[str] = []
        if self._buffer:
            self._line(self._buffer.rstrip(b"\r"), events)
            self._buffer = b""
        self._line(b"", events)
        return events

    def _line(self, raw: bytes, events: list[str]) -> None:
        if not raw:
            if self._data:
                events.append("\n".join(self._data))
                self._data = []
            return
        if raw.startswith(b":"):
            return  # a comment (keep-alive)
        try:
            line = raw.decode()
        except UnicodeDecodeError:
            raise StreamError("not utf-8") from None
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)


class ChatStream:
    """Feed it the response body as it arrives; `feed` returns the new content fragments."""

    def __init__(self) -> None:
        self._sse = SSEDecoder()
        self._content: list[str] = []
        self._calls: dict[int, ToolCallDraft] = {}
        self.finish_reason = ""
        self.done = False

    def feed(self, chunk: bytes) -> list[str]:
        deltas: list[str] = []
        for data in self._sse.feed(chunk):
            self._event(data, deltas)
        return deltas

    def close(self) -> Completion:
        """The completion; raises `StreamError` if the stream ended before it was complete."""
        for data in self._sse.close():
            self._event(data, [])
        if not self.done and not self.finish_reason:
            raise StreamError("truncated")
        calls = [self._calls[i] for i in sorted(self._calls)]
        return Completion("".join(self._content), calls, self.finish_reason)

    def _event(self, data: str, deltas: list[str]) -> None:
        if self.done:
            return
        if data.strip() == DONE:
            self.done = True
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            raise StreamError("invalid json") from None
        if not isinstance(chunk, dict):
            raise StreamError("chunk is not an object")
        if chunk.get("error") is not None:
            raise StreamError("provider error in stream")
        choices = chunk.get("choices")
        if not choices:
            return  # a usage-only chunk
        if not isinstance(choices, list) or not isinstance(choices[0], dict):
            raise StreamError("choices is not a list of objects")
        choice = choices[0]
        delta = choice.get("delta") or {}
        if not isinstance(delta, dict):
            raise StreamError("delta is not an object")
        content = delta.get("content")
        if isinstance(content, str) and content:
            self._content.append(content)
            deltas.append(content)
        for call in delta.get("tool_calls") or ():
            self._tool_call_delta(call)
        if isinstance(choice.get("finish_reason"), str):
            self.finish_reason = choice["finish_reason"]

    def _tool_call_delta(self, call: Any) -> None:
        if not isinstance(call, dict):
            raise StreamError("tool call delta is not an object")
        index = call.get("index")
        if not isinstance(index, int):
            # Servers that omit the index: a delta with an id starts a new call, one without continues the last.
            index = len(self._calls) if call.get("id") or not self._calls else max(self._calls)
        draft = self._calls.setdefault(index, ToolCallDraft(index))
        if isinstance(call.get("id"), str) and call["id"]:
            draft.id = call["id"]
        function = call.get("function") or {}
        if not isinstance(function, dict):
            raise StreamError("tool call function is not an object")
        name, arguments = function.get("name"), function.get("arguments")
        if isinstance(name, str) and name and name != draft.name:
            draft.name += name  # sent whole by OpenAI; some servers split or repeat it
        if isinstance(arguments, str):
            draft.arguments += arguments
        elif isinstance(arguments, dict):
            draft.arguments = json.dumps(arguments)  # servers that send parsed arguments


def parse_completion(body: bytes) -> Completion:
    """A non-streamed `chat.completion` body, for servers that ignore `stream: true`."""
    try:
        data = json.loads(body)
    except ValueError:
        raise StreamError("invalid json") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise StreamError("no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise StreamError("no message")
    calls = [{**call, "index": i} for i, call in enumerate(message.get("tool_calls") or ()) if isinstance(call, dict)]
    chunk = {"choices": [{"delta": {"content": message.get("content"), "tool_calls": calls}, "finish_reason": "stop"}]}
    stream = ChatStream()
    stream.feed(b"data: " + json.dumps(chunk).encode() + b"\n\ndata: [DONE]\n\n")
    completion = stream.close()
    completion.finish_reason = str(choices[0].get("finish_reason") or "")
    return completion
