"""Chains providers: the first that translates wins; each keeps its own retries."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from seabridge.translation.base import (
    Clock,
    Sleep,
    Translated,
    TranslationError,
    TranslationUnavailable,
    Translator,
    TranslatorOptions,
)

log = logging.getLogger(__name__)


class FallbackTranslator(Translator):
    name = "fallback"

    def __init__(
        self,
        translators: Sequence[Translator],
        *,
        options: TranslatorOptions | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not translators:
            raise ValueError("fallback needs at least one translator")
        # One pass over the chain; the members time out and retry on their own.
        chain_options = options or TranslatorOptions(max_attempts=1, timeout=None)
        super().__init__(options=chain_options, sleep=sleep, clock=clock)
        self.translators = list(translators)

    async def aclose(self) -> None:
        for translator in self.translators:
            await translator.aclose()

    async def _translate(self, text: str, source: str | None, target: str) -> str | Translated:
        unavailable = True
        for translator in self.translators:
            try:
                result = await translator.translate(text, source=source, target=target)
            except TranslationError as exc:
                unavailable = unavailable and isinstance(exc, TranslationUnavailable)
                log.warning(
                    "translation provider failed, trying the next",
                    extra={"provider": translator.name, "reason": exc.reason, "status": exc.status},
                )
                continue
            return Translated(result.text, source=result.source, provider=result.provider)
        if unavailable:
            raise TranslationUnavailable("no translation provider is available", provider=self.name)
        raise TranslationError("every translation provider failed", provider=self.name, reason="exhausted")
