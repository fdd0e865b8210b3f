"""LibreTranslate-compatible servers: `POST {base}/translate`.

Request `{"q", "source" ("auto" when unknown), "target", "format": "text", "api_key"?}`;
answer `{"translatedText", "detectedLanguage"?: {"language", "confidence"}}`;
errors are `{"error": ...}` with 400 (bad request, or key required), 403 (bad key),
429 (slow down) and 500 (translation failed).
"""

from __future__ import annotations

from typing import Any

from seabridge.translation.base import Translated
from seabridge.translation.http import HttpTranslator


class LibreTranslateTranslator(HttpTranslator):
    name = "libretranslate"

    async def _translate(self, text: str, source: str | None, target: str) -> str | Translated:
        payload: dict[str, Any] = {"q": text, "source": source or "auto", "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        body = self._check(await self._client.post(f"{self.base_url}/translate", json=payload))
        if not isinstance(body, dict):
            raise self._malformed("expected an object")
        translated = body.get("translatedText")
        if not isinstance(translated, str):
            raise self._malformed("translatedText missing")
        return Translated(translated, source=source or _detected(body.get("detectedLanguage")))


def _detected(value: Any) -> str | None:
    # Recent servers send one object; some send a list of candidates, best first.
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        language = value.get("language")
        if isinstance(language, str) and language:
            return language
    return None
