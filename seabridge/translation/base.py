"""The translator contract: one public `translate` that owns limits, caching,
timeouts, retries, metrics and errors; providers fill the `_translate` hook.

Message text is personal data, so nothing here puts it (or a provider's echo
of it) in an exception message or a log line; only provider, status and
reason travel in structured fields.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self

import httpx
from prometheus_client import Counter

from seabridge.metrics import REGISTRY

log = logging.getLogger(__name__)

TRANSLATIONS = Counter(
    "seabridge_translations_total",
    "Translation requests by provider and outcome",
    ["provider", "outcome"],
    registry=REGISTRY,
)
TRANSLATION_RETRIES = Counter(
    "seabridge_translation_retries_total",
    "Translation attempts retried after a transient provider failure",
    ["provider"],
    registry=REGISTRY,
)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# Languages whose tags differ by script, not by region: "zh-Hans" -> "zh-Hant" is real work.
_SCRIPT_DIVERGENT = frozenset({"zh", "sr"})


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    source: str | None
    target: str
    provider: str
    cached: bool = False


@dataclass(frozen=True, slots=True)
class Translated:
    """What a hook may return instead of a bare string, to report more than the text."""

    text: str
    source: str | None = None  # detected by the provider when the caller did not know it
    provider: str | None = None  # the provider that really answered (set by the fallback chain)


class TranslationError(Exception):
    """A translation could not be made. The message is safe to log: it never holds message text."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        reason: str = "error",
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class TranslationUnavailable(TranslationError):
    """No translation provider is configured or able to serve this request."""

    def __init__(self, message: str = "translation is not configured", *, provider: str = "none") -> None:
        super().__init__(message, provider=provider, reason="unavailable")


@dataclass(frozen=True, slots=True)
class TranslatorOptions:
    max_attempts: int = 3
    timeout: float | None = 10.0  # per attempt; None leaves timing to the hook (the fallback chain)
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 30.0  # a provider asking for a longer pause is treated as a failure
    max_chars: int = 5000
    cache_size: int = 256


def same_language(source: str | None, target: str) -> bool:
    if source is None:
        return False
    a, b = source.lower().replace("_", "-"), target.lower().replace("_", "-")
    if a == b:
        return True
    primary = a.split("-", 1)[0]
    return primary == b.split("-", 1)[0] and primary not in _SCRIPT_DIVERGENT


def parse_retry_after(value: str | None, clock: Clock = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - clock())


def _cache_key(text: str, source: str | None, target: str) -> tuple[str, str, str]:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return digest, (source or "auto").lower(), target.lower()


class Translator(ABC):
    """Base for every provider. Subclasses set `name` and implement `_translate`."""

    name: str = "translator"

    def __init__(
        self,
        *,
        options: TranslatorOptions | None = None,
        sleep: Sleep | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.options = options or TranslatorOptions()
        if self.options.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._sleep: Sleep = sleep or asyncio.sleep
        self._clock: Clock = clock or time.time
        self._cache: OrderedDict[tuple[str, str, str], Translated] = OrderedDict()

    @abstractmethod
    async def _translate(self, text: str, source: str | None, target: str) -> str | Translated:
        """Make one attempt. Raise `TranslationError` (retryable or not) or let httpx errors escape."""

    async def aclose(self) -> None:
        """Release connections the translator owns."""
        return None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def translate(self, text: str, *, source: str | None, target: str) -> Translation:
        if not target.strip():
            raise TranslationError("target language is empty", provider=self.name, reason="invalid_request")
        if len(text) > self.options.max_chars:
            raise TranslationError(
                f"text exceeds {self.options.max_chars} characters", provider=self.name, reason="too_long"
            )
        if not text.strip() or same_language(source, target):
            TRANSLATIONS.labels(self.name, "skipped").inc()
            return Translation(text=text, source=source, target=target, provider=self.name)

        key = _cache_key(text, source, target)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            TRANSLATIONS.labels(self.name, "cached").inc()
            return self._result(hit, source, target, cached=True)

        try:
            done = await self._attempts(text, source, target)
        except TranslationError as exc:
            TRANSLATIONS.labels(self.name, exc.reason).inc()
            raise
        TRANSLATIONS.labels(self.name, "ok").inc()
        if self.options.cache_size > 0:
            self._cache[key] = done
            while len(self._cache) > self.options.cache_size:
                self._cache.popitem(last=False)
        return self._result(done, source, target, cached=False)

    def _result(self, done: Translated, source: str | None, target: str, *, cached: bool) -> Translation:
        return Translation(
            text=done.text,
            source=done.source or source,
            target=target,
            provider=done.provider or self.name,
            cached=cached,
        )

    async def _attempts(self, text: str, source: str | None, target: str) -> Translated:
        attempts = self.options.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(text, source, target)
            except TranslationError as exc:
                if not exc.retryable or attempt == attempts:
                    raise
                delay = self._delay(attempt, exc.retry_after)
                if delay is None:
                    raise
                log.warning(
                    "translation attempt failed, retrying",
                    extra={
                        "provider": self.name,
                        "attempt": attempt,
                        "reason": exc.reason,
                        "status": exc.status,
                        "delay": delay,
                    },
                )
                TRANSLATION_RETRIES.labels(self.name).inc()
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, text: str, source: str | None, target: str) -> Translated:
        try:
            async with asyncio.timeout(self.options.timeout):
                out = await self._translate(text, source, target)
        except TranslationError as exc:
            if not exc.provider:
                exc.provider = self.name
            raise
        except (TimeoutError, httpx.TimeoutException):
            raise TranslationError(
                f"{self.name} did not answer in time", provider=self.name, reason="timeout", retryable=True
            ) from None
        except httpx.TransportError as exc:
            raise TranslationError(
                f"could not reach {self.name} ({type(exc).__name__})",
                provider=self.name,
                reason="connection",
                retryable=True,
            ) from None
        done = out if isinstance(out, Translated) else Translated(out)
        if not done.text.strip():
            raise TranslationError(f"{self.name} returned an empty translation", provider=self.name, reason="malformed")
        return done

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds before the next attempt, or None when the provider asks for too long a pause."""
        if retry_after is not None:
            return retry_after if retry_after <= self.options.max_retry_after else None
        return float(min(self.options.backoff_max, self.options.backoff_base * 2 ** (attempt - 1)))
