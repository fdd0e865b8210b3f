"""Settings: `SEABRIDGE_*` environment variables over an optional TOML file.

Precedence (highest first): explicit arguments, environment variables, the TOML
file named by `SEABRIDGE_CONFIG` (or `seabridge.toml` in the data directory),
defaults. Nothing else reads the environment.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the optional TOML config file (flat keys, same names as the fields)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._values: dict[str, Any] = {}
        path = os.environ.get("SEABRIDGE_CONFIG")
        if path:
            with open(path, "rb") as f:
                self._values = tomllib.load(f)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEABRIDGE_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".seabridge"),
        description="Where the SQLite file, uploads and the server key live.",
    )
    database_url: str = Field(default="", description="SQLAlchemy async URL; empty means sqlite+aiosqlite in data_dir.")
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = Field(default="", description="Base URL as buyers reach it; defaults to http://host:port.")
    secret_key: SecretStr | None = Field(
        default=None, description="Server master key; generated into data_dir when unset."
    )
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "console"
    log_personal_data: bool = Field(
        default=False, description="Keep personal-data fields in log records (off by default)."
    )
    max_import_bytes: int = 64 * 1024 * 1024
    webhook_tolerance_s: int = 300
    agent_session_hours: int = 12
    buyer_token_hours: int = 24 * 30
    redis_url: str = ""
    ws_sends_per_s: float = Field(default=10.0, description="Messages one connection may send per second.")
    ws_send_burst: int = Field(default=20, description="Messages one connection may send in a burst.")
    ws_frames_per_s: float = Field(default=30.0, description="Frames of any kind per connection per second.")
    ws_frame_burst: int = Field(default=60, description="Frames of any kind per connection in a burst.")
    conversation_messages_per_10s: int = Field(
        default=120, description="Messages one conversation accepts per 10 s, all participants together."
    )
    webhook_private_networks: bool = Field(
        default=False,
        description="Let webhook endpoints be on loopback, private, link-local or other non-public addresses "
        "(a store backend on Seabridge's own network). Off, such URLs are refused when registered and "
        "deliveries to host names that resolve to them fail: a store cannot make Seabridge call its neighbours.",
    )
    webhook_retention_days: float = Field(
        default=14.0,
        description="Dispatched outbox events and their webhook delivery log are deleted after this many days "
        "(counted from dispatch; 0 keeps them). Keep it above the retry schedule's two days.",
    )
    translation_provider: Literal["none", "libretranslate", "openai"] = Field(
        default="none", description="Who translates messages between participants' languages."
    )
    translation_url: str = Field(default="", description="LibreTranslate server or OpenAI-compatible base URL.")
    translation_api_key: SecretStr = Field(default=SecretStr(""), description="API key for the translation provider.")
    translation_model: str = Field(default="gpt-4o-mini", description="Model name for an OpenAI-compatible provider.")
    agent_engine: Literal["offline", "llm", "off"] = Field(
        default="offline",
        description="Who answers buyers while a conversation is with the bot: the offline engine, an LLM, or nobody.",
    )
    llm_base_url: str = Field(default="", description="OpenAI-compatible base URL for the agent, e.g. http://host/v1.")
    llm_api_key: SecretStr = Field(default=SecretStr(""), description="API key for the agent's LLM endpoint.")
    llm_model: str = Field(default="gpt-4o-mini", description="Model name for the agent's LLM endpoint.")
    llm_timeout_s: float = Field(
        default=20.0, description="Whole-turn time limit for the LLM; then the offline engine answers."
    )
    stun_urls: str = Field(default="", description="Comma-separated STUN URLs given to call participants.")
    turn_urls: str = Field(default="", description="Comma-separated TURN URLs (coturn), e.g. turn:turn.example:3478.")
    turn_secret: SecretStr = Field(
        default=SecretStr(""), description="coturn static-auth-secret: TURN credentials are minted per call from it."
    )
    turn_credential_ttl_s: int = Field(default=600, description="Lifetime of minted TURN credentials.")
    turn_relay_only: bool = Field(default=False, description="Tell clients to use relayed candidates only.")
    call_ring_timeout_s: float = Field(default=30.0, description="An unanswered call ends as missed after this.")
    call_setup_timeout_s: float = Field(
        default=20.0, description="An accepted call that never connects ends as failed after this."
    )
    smtp_host: str = Field(default="", description="SMTP server for appointment reminders; empty: no e-mail.")
    smtp_port: int = 25
    smtp_from: str = Field(default="seabridge@localhost", description="Sender address of reminder e-mails.")
    reminder_lead_s: int = Field(default=900, description="How long before a booked consult the reminders go out.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'seabridge.db').resolve()}"

    @property
    def effective_public_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"
