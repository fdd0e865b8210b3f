"""The default provider: translation switched off, said plainly."""

from __future__ import annotations

from seabridge.translation.base import Translated, TranslationUnavailable, Translator


class NoTranslator(Translator):
    name = "none"

    async def _translate(self, text: str, source: str | None, target: str) -> str | Translated:
        raise TranslationUnavailable("translation is not configured")
