"""Inbound carrier tracking webhooks (AfterShip style): verify, de-duplicate, apply.

The body is signed with the store's tracking-webhook secret as AfterShip does
(`aftership-hmac-sha256: base64(HMAC-SHA256(secret, raw body))`); the body's
`ts` must be within the tolerance of our clock, and an identical body seen
before is acknowledged without being applied again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge import security
from seabridge.db.models import Store
from seabridge.formats import parse_tracking_event
from seabridge.formats.records import FormatError, RowError
from seabridge.storage import orders, shipments

SOURCE = "tracking"


class WebhookRejected(Exception):
    def __init__(self, status: int, code: str, message: str, errors: list[RowError] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.errors = errors or []


@dataclass(frozen=True, slots=True)
class WebhookOutcome:
    duplicate: bool
    shipment_id: int | None
    status: str | None
    previous_status: str | None


async def receive(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    secret: str,
    body: bytes,
    signature: str | None,
    *,
    tolerance_s: int,
    now: float | None = None,
) -> WebhookOutcome:
    if not signature:
        raise WebhookRejected(401, "signature_missing", "the aftership-hmac-sha256 header is missing")
    if not security.verify_webhook_body(secret, body, signature):
        raise WebhookRejected(401, "signature_invalid", "signature does not match this store's webhook secret")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, "malformed_json", "body is not valid JSON") from exc
    ts = payload.get("ts") if isinstance(payload, dict) else None
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        raise WebhookRejected(422, "timestamp_missing", "the body needs a numeric `ts` (unix seconds)")
    clock = time.time() if now is None else now
    if abs(clock - float(ts)) > tolerance_s:
        raise WebhookRejected(
            400,
            "timestamp_out_of_tolerance",
            f"`ts` is more than {tolerance_s} s away from the server clock; replay refused",
        )
    try:
        record = parse_tracking_event(payload, 1, "webhook")
    except FormatError as exc:
        raise WebhookRejected(422, "invalid_payload", "tracking update is not valid", exc.errors) from exc
    digest = hashlib.sha256(body).hexdigest()
    async with sessions() as session, session.begin():
        if not await shipments.remember_receipt(session, store.id, SOURCE, digest):
            return WebhookOutcome(True, None, None, None)
        ids = await orders.ids_by_name(session, store.id, [record.order_name] if record.order_name else [])
        applied = await shipments.apply_tracking(session, store.id, record, ids.get(record.order_name))
        return WebhookOutcome(False, applied.shipment.id, applied.shipment.status, applied.previous_status)
