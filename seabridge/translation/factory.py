"""Builds the configured translator from plain settings values."""

from __future__ import annotations

from seabridge.translation.base import Translator, TranslatorOptions
from seabridge.translation.libretranslate import LibreTranslateTranslator
from seabridge.translation.none import NoTranslator
from seabridge.translation.openai_compat import OpenAICompatTranslator

PROVIDERS = ("none", "libretranslate", "openai")


def translator_from_settings(
    provider: str, base_url: str, api_key: str, model: str, *, options: TranslatorOptions | None = None
) -> Translator:
    name = provider.strip().lower() or "none"
    if name == "none":
        return NoTranslator(options=options)
    if name == "libretranslate":
        return LibreTranslateTranslator(base_url, api_key=api_key, options=options)
    if name == "openai":
        return OpenAICompatTranslator(base_url, model=model, api_key=api_key, options=options)
    raise ValueError(f"unknown translation provider {provider!r}; expected one of {', '.join(PROVIDERS)}")
