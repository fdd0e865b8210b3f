"""The background workers every Seabridge process runs (started by the app lifespan)."""

from __future__ import annotations

from seabridge.agent.worker import agent_worker
from seabridge.calls.reminders import reminder_worker
from seabridge.calls.signalling import call_worker
from seabridge.messaging.hub import hub_worker
from seabridge.services.webhooks import webhook_dispatcher
from seabridge.state import Worker

WORKERS: tuple[Worker, ...] = (hub_worker, webhook_dispatcher, agent_worker, call_worker, reminder_worker)
