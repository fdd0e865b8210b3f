"""Local servers speaking the LibreTranslate and OpenAI chat-completions protocols.

They run uvicorn on 127.0.0.1 on an ephemeral port inside the test's event
loop, so tests go over a real socket. The "translation" is a small phrase table
(else `[target] text`); knobs fail or delay the next requests, return raw
bodies, require an API key, and record every request received.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.inloop import InLoopServer

PHRASES: dict[str, dict[str, str]] = {
    "en:Where is my order?": {"es": "¿Dónde está mi pedido?", "de": "Wo ist meine Bestellung?"},
    "es:¿Dónde está mi pedido?": {"en": "Where is my order?", "de": "Wo ist meine Bestellung?"},
    "de:Danke schön": {"en": "Thank you very much", "es": "Muchas gracias"},
}
LANGUAGES = ("en", "es", "de", "fr", "zh-Hans")


def detect(text: str) -> str:
    for key in PHRASES:
        language, phrase = key.split(":", 1)
        if phrase == text:
            return language
    return "en"


def fake_translate(text: str, source: str, target: str) -> str:
    return PHRASES.get(f"{source}:{text}", {}).get(target, f"[{target}] {text}")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _Canned:
    status: int
    body: bytes
    headers: dict[str, str]


class FakeServer:
    """Common machinery; subclasses define `routes` and the protocol's error body."""

    def __init__(self, *, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.requests: list[Received] = []
        self.delay = 0.0  # seconds every response waits; released early when the server stops
        self._canned: deque[_Canned] = deque()
        self._released = asyncio.Event()
        self._server: InLoopServer | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        raise NotImplementedError

    def fail_next(self, count: int, status: int = 500, *, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        body = json.dumps(self.error_body(status, f"fake failure {status}")).encode()
        for _ in range(count):
            self._canned.append(_Canned(status, body, headers))

    def respond_next(self, body: str | bytes, status: int = 200) -> None:
        """Answer the next request with this raw body, whatever was asked."""
        raw = body.encode() if isinstance(body, str) else body
        self._canned.append(_Canned(status, raw, {}))

    async def _prelude(self, request: Request) -> tuple[dict[str, Any], Response | None]:
        """Record the request, apply delay and canned answers. Returns the body and any override."""
        if request.headers.get("content-type", "").startswith("application/json"):
            parsed = await request.json()
            body = parsed if isinstance(parsed, dict) else {}
        else:
            body = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        self.requests.append(Received(request.url.path, dict(request.headers), body))
        if self.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), self.delay)
        if self._canned:
            canned = self._canned.popleft()
            return body, Response(canned.body, canned.status, canned.headers, media_type="application/json")
        return body, None

    async def __aenter__(self) -> Self:
        self._server = InLoopServer(Starlette(routes=self.routes()), 0, "fake translation server")
        await self._server.start()
        self.port = self._server.port
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._released.set()
        if self._server is not None:
            await self._server.stop()


class FakeLibreTranslate(FakeServer):
    def routes(self) -> list[Route]:
        return [
            Route("/translate", self._translate, methods=["POST"]),
            Route("/languages", self._languages, methods=["GET"]),
        ]

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": {429: "Slowdown: 1 per 1 minute"}.get(status, message)}

    async def _languages(self, request: Request) -> Response:
        return JSONResponse([{"code": code, "name": code, "targets": list(LANGUAGES)} for code in LANGUAGES])

    async def _translate(self, request: Request) -> Response:
        body, override = await self._prelude(request)
        if override is not None:
            return override
        if self.api_key is not None:
            key = body.get("api_key")
            if not key:
                return JSONResponse({"error": "Visit https://portal.libretranslate.com to get an API key"}, 400)
            if key != self.api_key:
                return JSONResponse({"error": "Invalid API key"}, 403)
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        for name, value in (("q", q), ("source", source), ("target", target)):
            if not isinstance(value, str) or not value:
                return JSONResponse({"error": f"Invalid request: missing {name} parameter"}, 400)
        assert isinstance(q, str) and isinstance(source, str) and isinstance(target, str)
        if target not in LANGUAGES:
            return JSONResponse({"error": f"{target} is not supported"}, 400)
        answer: dict[str, Any] = {}
        if source == "auto":
            source = detect(q)
            answer["detectedLanguage"] = {"confidence": 90.0, "language": source}
        answer["translatedText"] = fake_translate(q, source, target)
        return JSONResponse(answer)


_TARGET = re.compile(r'into the language with BCP 47 code "([^"]+)"')


class FakeOpenAI(FakeServer):
    """A chat-completions server whose "model" translates per the phrase table."""

    def routes(self) -> list[Route]:
        return [Route("/v1/chat/completions", self._completions, methods=["POST"])]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kind = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": kind}}

    async def _completions(self, request: Request) -> Response:
        body, override = await self._prelude(request)
        if override is not None:
            return override
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse(self.error_body(401, "Incorrect API key provided"), 401)
        messages = body.get("messages")
        if not isinstance(messages, list) or not body.get("model"):
            return JSONResponse(self.error_body(400, "model and messages are required"), 400)
        system = next((m.get("content", "") for m in messages if m.get("role") == "system"), "")
        user = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
        match = _TARGET.search(system)
        target = match.group(1) if match else "??"
        content = fake_translate(user, detect(user), target)
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )
