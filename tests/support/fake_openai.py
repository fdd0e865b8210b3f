"""A local OpenAI-compatible chat-completions server that streams scripted answers.

Each test queues what the "model" does next (`answer`, `call`, `fail`,
`stall`, `broken`, `cut`); every POST to /v1/chat/completions takes the next
script and streams it exactly as OpenAI does with `stream: true`: a role
delta, content deltas, tool calls split over several chunks (the first with
index, id, type and name, then argument fragments), a finish_reason chunk, a
usage chunk when `stream_options.include_usage` asks for one, and
`data: [DONE]`. Requests are recorded; `handler_s` holds the time each one
spent inside the handler (used by the benchmark to subtract the server's
share). With no script queued the server answers 500 and counts it in
`unscripted`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.inloop import InLoopServer


@dataclass
class Call:
    name: str
    arguments: str | dict[str, Any]  # a dict is sent as JSON; a str is sent as is (may be malformed)
    id: str = ""


@dataclass
class Script:
    kind: str  # answer, calls, fail, stall, broken, cut
    content: str = ""
    calls: list[Call] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stall_s: float = 0.0


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body["messages"]
        return messages

    @property
    def system(self) -> str:
        return str(self.messages[0]["content"])

    def tool_results(self) -> dict[str, Any]:
        """Tool results sent back in this request, by tool_call_id, decoded."""
        return {m["tool_call_id"]: json.loads(m["content"]) for m in self.messages if m["role"] == "tool"}

    def last_tool_result(self) -> Any:
        return json.loads(next(m["content"] for m in reversed(self.messages) if m["role"] == "tool"))


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class FakeOpenAI:
    def __init__(self, *, api_key: str | None = None, model: str = "fake-model") -> None:
        self.api_key = api_key
        self.model = model
        self.requests: list[Received] = []
        self.handler_s: list[float] = []
        self.unscripted = 0
        self._scripts: deque[Script] = deque()
        self._released = asyncio.Event()
        self._server: InLoopServer | None = None
        self._served = 0
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting ---------------------------------------------------------------------

    def answer(self, content: str) -> Self:
        self._scripts.append(Script("answer", content=content))
        return self

    def call(self, *calls: Call | tuple[str, str | dict[str, Any]], content: str = "") -> Self:
        made = [c if isinstance(c, Call) else Call(c[0], c[1]) for c in calls]
        self._scripts.append(Script("calls", content=content, calls=made))
        return self

    def fail(self, status: int = 500, *, retry_after: str | None = None, headers: dict[str, str] | None = None) -> Self:
        """Answer with an OpenAI-style error body and `status` (with a Retry-After header, or any `headers`)."""
        sent = dict(headers or {})
        if retry_after is not None:
            sent["Retry-After"] = retry_after
        self._scripts.append(Script("fail", status=status, headers=sent))
        return self

    def stall(self, seconds: float = 30.0) -> Self:
        """Send the role chunk, then nothing for `seconds` (released early when the server stops)."""
        self._scripts.append(Script("stall", stall_s=seconds))
        return self

    def broken(self) -> Self:
        """A stream whose second event is not JSON."""
        self._scripts.append(Script("broken"))
        return self

    def cut(self, content: str = "Your order") -> Self:
        """Content chunks, then the connection ends without finish_reason or [DONE]."""
        self._scripts.append(Script("cut", content=content))
        return self

    @property
    def pending(self) -> int:
        return len(self._scripts)

    # --- the wire ----------------------------------------------------------------------

    def _chunk(self, completion_id: str, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        chunk = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }
        return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"

    def _events(self, script: Script, completion_id: str, include_usage: bool) -> list[bytes]:
        events = [self._chunk(completion_id, {"role": "assistant", "content": "", "refusal": None})]
        for piece in _pieces(script.content, 7) if script.content else []:
            events.append(self._chunk(completion_id, {"content": piece}))
        if script.kind == "cut":
            return events
        for index, call in enumerate(script.calls):
            arguments = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
            call_id = call.id or f"call_{completion_id[-6:]}{index}"
            head = {"index": index, "id": call_id, "type": "function", "function": {"name": call.name, "arguments": ""}}
            events.append(self._chunk(completion_id, {"tool_calls": [head]}))
            for piece in _pieces(arguments, 5):
                events.append(
                    self._chunk(completion_id, {"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                )
        events.append(self._chunk(completion_id, {}, "tool_calls" if script.calls else "stop"))
        if include_usage:
            usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
            body = {"id": completion_id, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            events.append(b"data: " + json.dumps(body).encode() + b"\n\n")
        events.append(b"data: [DONE]\n\n")
        return events

    async def _completions(self, request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await request.json()
            self.requests.append(Received(dict(request.headers), body))
            if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
                return self._error(401, "Incorrect API key provided", "invalid_api_key")
            if not body.get("model") or not isinstance(body.get("messages"), list) or body.get("stream") is not True:
                return self._error(400, "model, messages and stream: true are required", "invalid_request_error")
            if not self._scripts:
                self.unscripted += 1
                return self._error(500, "no scripted response", "server_error")
            script = self._scripts.popleft()
            if script.kind == "fail":
                kind = "rate_limit_exceeded" if script.status == 429 else "server_error"
                return self._error(script.status, f"fake failure {script.status}", kind, script.headers)
            self._served += 1
            completion_id = f"chatcmpl-fake{self._served:06d}"
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(self._stream(script, completion_id, include_usage), media_type="text/event-stream")
        finally:
            self.handler_s.append(time.perf_counter() - started)

    async def _stream(self, script: Script, completion_id: str, include_usage: bool) -> AsyncIterator[bytes]:
        if script.kind == "stall":
            yield self._chunk(completion_id, {"role": "assistant", "content": ""})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), script.stall_s)
            return
        if script.kind == "broken":
            yield self._chunk(completion_id, {"role": "assistant", "content": ""})
            yield b'data: {"id": "' + completion_id.encode() + b'", "choices": [{"delta": {"content": "Hi\n\n'
            return
        for event in self._events(script, completion_id, include_usage):
            yield event

    def _error(self, status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> Response:
        body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
        return JSONResponse(body, status, headers)

    async def __aenter__(self) -> Self:
        app = Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])
        self._server = InLoopServer(app, 0, "fake OpenAI server")
        await self._server.start()
        self.port = self._server.port
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._released.set()
        if self._server is not None:
            await self._server.stop()
