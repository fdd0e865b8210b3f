"""A store's webhook receiver on a loopback port: uvicorn in the test's event loop.

It records every request (raw body and headers) as it arrives, answers 200 by
default, and has knobs: fail the next N requests with a status, hold requests
until released, and await a number of arrivals with a timeout.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass
from typing import Any, Self

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.inloop import InLoopServer


@dataclass
class Arrival:
    path: str
    headers: dict[str, str]
    raw: bytes
    status: int = 0  # what the receiver answered; 0 while held (or never answered)

    @property
    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.raw)
        return doc

    @property
    def event_id(self) -> str:
        return self.headers.get("seabridge-event-id", "")


class WebhookReceiver:
    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.hold = False  # when set, requests wait for `release()` (or the server stopping)
        self._statuses: deque[int] = deque()
        self._released = asyncio.Event()
        self._changed = asyncio.Condition()
        self._server: InLoopServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/seabridge"

    @property
    def accepted(self) -> list[Arrival]:
        return [a for a in self.arrivals if 200 <= a.status < 300]

    def fail_next(self, count: int, status: int = 500) -> None:
        self._statuses.extend([status] * count)

    def release(self) -> None:
        self._released.set()

    async def wait_for(self, count: int, *, accepted: bool = True, within: float = 10) -> list[Arrival]:
        """Until `count` requests arrived (or were answered 2xx, with `accepted`)."""

        def enough() -> bool:
            return len(self.accepted if accepted else self.arrivals) >= count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(enough), within)
        return self.accepted if accepted else self.arrivals

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _hook(self, request: Request) -> Response:
        arrival = Arrival(request.url.path, dict(request.headers), await request.body())
        self.arrivals.append(arrival)
        await self._notify()
        if self.hold:
            await self._released.wait()
        status = self._statuses.popleft() if self._statuses else 200
        arrival.status = status
        await self._notify()
        return Response(b'{"ok":true}' if status < 300 else b'{"error":"nope"}', status, media_type="application/json")

    async def __aenter__(self) -> Self:
        self._server = InLoopServer(
            Starlette(routes=[Route("/hooks/seabridge", self._hook, methods=["POST"])]), self.port, "webhook receiver"
        )
        await self._server.start()
        self.port = self._server.port
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._released.set()
        if self._server is not None:
            await self._server.stop()
        self._server = None
