"""The background workers every Seabridge process runs (started by the app lifespan)."""

from __future__ import annotations

from seabridge.state import Worker

WORKERS: tuple[Worker, ...] = ()
