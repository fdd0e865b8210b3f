"""The engine a process uses, chosen by settings (`SEABRIDGE_AGENT_ENGINE`)."""

from __future__ import annotations

from seabridge.agent.engine import Engine
from seabridge.agent.offline import OfflineEngine
from seabridge.settings import Settings


def engine_from_settings(settings: Settings, kind: str | None = None) -> Engine:
    kind = kind or settings.agent_engine
    offline = OfflineEngine()
    if kind != "llm":
        return offline
    from seabridge.agent.llm import LLMEngine

    return LLMEngine(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key.get_secret_value(),
        model=settings.llm_model,
        timeout_s=settings.llm_timeout_s,
        fallback=offline,
    )
