"""A real HTTP server on a loopback port, run inside the test's own event loop."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from starlette.types import ASGIApp


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()


class InLoopServer:
    """`await start()` listens on 127.0.0.1 (port 0 picks a free one); `await stop()` shuts down."""

    def __init__(self, app: ASGIApp, port: int = 0, name: str = "test server") -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none", http="h11"
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self._name = name
        self.port = port

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        ready = asyncio.create_task(self._server.ready.wait())
        await asyncio.wait({ready, self._task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if not self._server.ready.is_set():
            ready.cancel()
            await self.stop()
            raise RuntimeError(f"{self._name} did not start")
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 10)
            self._task = None
