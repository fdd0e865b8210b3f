"""What a running Seabridge process holds: settings, database, server key, bus and services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from seabridge import security
from seabridge.bus.base import Bus
from seabridge.bus.factory import bus_from_settings
from seabridge.db import migrate
from seabridge.db.engine import create_engine, session_factory
from seabridge.ratelimit import SlidingWindow
from seabridge.services.messaging import MessagingService
from seabridge.settings import Settings
from seabridge.translation import translator_from_settings

log = logging.getLogger(__name__)

Worker = Callable[["AppState", asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(slots=True)
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    server_key: bytes
    bus: Bus
    messaging: MessagingService
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @classmethod
    async def open(cls, settings: Settings, *, run_migrations: bool = True) -> AppState:
        engine = create_engine(settings.effective_database_url)
        if run_migrations:
            await migrate.upgrade(engine)
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        key = security.load_server_key(settings.data_dir, secret)
        sessions = session_factory(engine)
        bus = bus_from_settings(settings)
        translator = translator_from_settings(
            settings.translation_provider,
            settings.translation_url,
            settings.translation_api_key.get_secret_value(),
            settings.translation_model,
        )
        messaging = MessagingService(
            sessions,
            bus,
            translator=translator,
            conversation_limit=SlidingWindow(settings.conversation_messages_per_10s, 10.0),
        )
        return cls(settings, engine, sessions, key, bus, messaging)

    async def start(self, workers: tuple[Worker, ...] = ()) -> None:
        """Start the bus and the background workers (each gets this state and a stop event)."""
        await self.bus.start()
        for worker in workers:
            task = asyncio.create_task(self._supervise(worker), name=getattr(worker, "__name__", "worker"))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _supervise(self, worker: Worker) -> None:
        while not self._stop.is_set():
            try:
                await worker(self, self._stop)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background worker failed; restarting", extra={"worker": worker.__name__})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=1.0)

    async def close(self) -> None:
        self._stop.set()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.messaging.aclose()
        await self.bus.close()
        await self.engine.dispose()

    def store_secret(self, purpose: str, store_id: int, version: int) -> str:
        return security.derive_secret(self.server_key, purpose, store_id, version)
