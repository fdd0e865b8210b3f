"""Running the HTTP server in the foreground and announcing it once it listens."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from seabridge.settings import Settings

GC_THRESHOLDS = (20_000, 20, 50)  # CPython's defaults are (700, 10, 10)


class _Server(uvicorn.Server):
    """uvicorn's server with an event set once the socket listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.listening.set()


def run(settings: Settings, on_started: Callable[[], None], static: dict[str, Path] | None = None) -> None:
    """Serve until stopped, on uvloop when it is installed (uvicorn[standard] brings it), as uvicorn would."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop does not exist on Windows
        asyncio.run(serve(settings, on_started, static))
    else:
        uvloop.run(serve(settings, on_started, static))


async def serve(settings: Settings, on_started: Callable[[], None], static: dict[str, Path] | None = None) -> None:
    from seabridge.api import ws
    from seabridge.app import create_app
    from seabridge.logs import configure

    configure(settings.log_level, settings.log_format, settings.log_personal_data)
    app = create_app(settings, static=static)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        ws=ws.native_protocol(app),  # /v1/ws without the ASGI layers; other paths as uvicorn's websockets-sansio
    )
    try:
        sock = config.bind_socket()
    except SystemExit as exc:  # uvicorn logs the OS error, then exits; say it plainly
        raise SystemExit(f"could not listen on {settings.host}:{settings.port} (is another server using it?)") from exc
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    listening = asyncio.create_task(server.listening.wait())
    await asyncio.wait({task, listening}, return_when=asyncio.FIRST_COMPLETED)
    if server.listening.is_set():
        # Everything made while starting (modules, app, engine) lives as long as the process: keep it out
        # of the cyclic collector's passes. And collect less often: with a thousand connections a full
        # pass stops the event loop for ~0.1 s, and at the default thresholds one ran every second or two
        # under load, which made the latency tail. Garbage without cycles is freed at once regardless.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        on_started()
    else:
        listening.cancel()
    await task
    if not server.started:
        raise SystemExit(f"could not listen on {settings.host}:{settings.port}")
