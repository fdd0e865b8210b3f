"""What HTTP providers share: a client they own or borrow, and status -> error mapping.

Provider error bodies are never copied into our errors; some providers echo
the submitted text back in them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from seabridge.translation.base import Clock, Sleep, TranslationError, Translator, TranslatorOptions, parse_retry_after

_AUTH_STATUSES = frozenset({401, 403})


class HttpTranslator(Translator):
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str = "",
        client: httpx.AsyncClient | None = None,
        options: TranslatorOptions | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(options=options, sleep=sleep, clock=clock)
        if not base_url:
            raise ValueError(f"{self.name} needs a base URL")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._owns_client = client is None
        # The client's own timeout is a backstop; the per-attempt asyncio.timeout is the real limit.
        backstop = None if self.options.timeout is None else self.options.timeout + 5.0
        self._client = client or httpx.AsyncClient(timeout=backstop)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def _check(self, response: httpx.Response) -> Any:
        """Raise `TranslationError` for a failed response, else return its decoded JSON body."""
        status = response.status_code
        if status in _AUTH_STATUSES:
            raise TranslationError(f"{self.name} rejected the API key (HTTP {status})", status=status, reason="auth")
        if status == 429 or status >= 500:
            raise TranslationError(
                f"{self.name} is unavailable (HTTP {status})",
                status=status,
                reason="rate_limited" if status == 429 else "provider_error",
                retryable=True,
                retry_after=parse_retry_after(response.headers.get("retry-after"), self._clock),
            )
        if status >= 400:
            raise TranslationError(f"{self.name} refused the request (HTTP {status})", status=status, reason="rejected")
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise TranslationError(
                f"{self.name} returned a body that is not JSON (HTTP {status})", status=status, reason="malformed"
            ) from None

    def _malformed(self, what: str) -> TranslationError:
        return TranslationError(f"{self.name} response is malformed: {what}", reason="malformed")
