"""Settings precedence and log hygiene."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from seabridge import logs
from seabridge.settings import Settings


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:] = handlers
    root.setLevel(level)


def test_env_overrides_toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "seabridge.toml"
    config.write_text('port = 9001\nhost = "0.0.0.0"\nlog_format = "json"\n')
    monkeypatch.setenv("SEABRIDGE_CONFIG", str(config))
    monkeypatch.setenv("SEABRIDGE_PORT", "9002")
    settings = Settings()
    assert settings.port == 9002  # env wins
    assert settings.host == "0.0.0.0"  # from the file
    assert settings.log_format == "json"
    assert settings.effective_public_url == "http://0.0.0.0:9002"


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEABRIDGE_DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'seabridge.db'}"


def _capture(fmt: str, keep_personal: bool) -> str:
    logs.configure("INFO", fmt, keep_personal)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    logging.getLogger("seabridge.test").info(
        "buyer verified", extra={"store_id": 7, "email": "lucia@example.com", "phone": "+34 600 000 111"}
    )
    return stream.getvalue()


def test_personal_fields_are_dropped_by_default() -> None:
    line = json.loads(_capture("json", keep_personal=False))
    assert line["msg"] == "buyer verified"
    assert line["store_id"] == 7
    assert "email" not in line and "phone" not in line
    console = _capture("console", keep_personal=False)
    assert "lucia@example.com" not in console and "store_id=7" in console


def test_personal_fields_kept_only_when_asked() -> None:
    line = json.loads(_capture("json", keep_personal=True))
    assert line["email"] == "lucia@example.com"
