"""The background worker that runs the bot in this process (listed in seabridge/workers.py)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from seabridge.agent.factory import engine_from_settings
from seabridge.agent.runner import BotRunner

if TYPE_CHECKING:
    from seabridge.state import AppState

SWEEP_S = 5.0


async def agent_worker(state: AppState, stop: asyncio.Event) -> None:
    """Answer buyers' messages as they are stored; every few seconds, answer any turn a crash left unanswered."""
    if state.settings.agent_engine == "off":
        await stop.wait()
        return
    runner = BotRunner(state.sessions, state.messaging, engine_from_settings(state.settings))
    runner.attach()
    try:
        while not stop.is_set():
            await runner.sweep()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=SWEEP_S)
    finally:
        with contextlib.suppress(ValueError):
            state.messaging.buyer_message_listeners.remove(runner.on_buyer_message)
        await runner.aclose()
