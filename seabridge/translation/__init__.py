"""Message translation providers: none (default), LibreTranslate, OpenAI-compatible LLMs."""

from seabridge.translation.base import (
    Translated,
    Translation,
    TranslationError,
    TranslationUnavailable,
    Translator,
    TranslatorOptions,
)
from seabridge.translation.factory import translator_from_settings
from seabridge.translation.fallback import FallbackTranslator
from seabridge.translation.libretranslate import LibreTranslateTranslator
from seabridge.translation.none import NoTranslator
from seabridge.translation.openai_compat import OpenAICompatTranslator

__all__ = [
    "FallbackTranslator",
    "LibreTranslateTranslator",
    "NoTranslator",
    "OpenAICompatTranslator",
    "Translated",
    "Translation",
    "TranslationError",
    "TranslationUnavailable",
    "Translator",
    "TranslatorOptions",
    "translator_from_settings",
]
