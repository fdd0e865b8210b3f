"""Structured logging. Messages are constant text; values go in fields.

Fields named in `PERSONAL_FIELDS` (e-mail, names, phone, IP...) are dropped
unless `SEABRIDGE_LOG_PERSONAL_DATA=true`, so a log line never carries
personal data by accident of formatting.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

PERSONAL_FIELDS = frozenset({"email", "name", "phone", "ip", "address", "customer_email", "text"})
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


class _Formatter(logging.Formatter):
    def __init__(self, fmt: str, keep_personal: bool) -> None:
        super().__init__()
        self._json = fmt == "json"
        self._keep_personal = keep_personal

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            k: v
            for k, v in vars(record).items()
            if k not in _RESERVED and (self._keep_personal or k not in PERSONAL_FIELDS)
        }
        if self._json:
            doc = {
                "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(),
                "logger": record.name,
                "msg": record.getMessage(),
                **fields,
            }
            if record.exc_info:
                doc["exc"] = self.formatException(record.exc_info)
            return json.dumps(doc, default=str, ensure_ascii=False)
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        line = f"{record.levelname:<7} {record.name}: {record.getMessage()}" + (f"  {extra}" if extra else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str = "INFO", fmt: str = "console", keep_personal: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(fmt, keep_personal))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
