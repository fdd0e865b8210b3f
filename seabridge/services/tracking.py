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
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge import security
from seabridge.db.models import Store
from seabridge.formats import parse_tracking_event
from seabridge.formats.records import FormatError, RowError
from seabridge.services.messaging import MessagingService
from seabridge.storage import conversations as store_conversations
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
    messaging: MessagingService | None = None,
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
        outcome = WebhookOutcome(False, applied.shipment.id, applied.shipment.status, applied.previous_status)
        shipment = applied.shipment
        order = await orders.get_order(session, store.id, shipment.order_id) if shipment.order_id else None
        conversations = (
            await store_conversations.open_for_customer(session, store.id, order.customer_id)
            if order and order.customer_id is not None and outcome.status != outcome.previous_status
            else []
        )
        notice = (
            _status_notice(
                order.name, shipment.carrier, shipment.tracking_number, shipment.status, shipment.estimated_delivery
            )
            if order
            else None
        )
    if messaging is not None and notice is not None:
        # Committed above; now tell the buyer in each open conversation (idempotent per status).
        for conv in conversations:
            await messaging.post_system(
                store.id, conv.id, f"shipment:{outcome.shipment_id}:{outcome.status}", notice[0], notice[1]
            )
    return outcome


STATUS_TEXT = {
    "pending": "is registered with the carrier",
    "info_received": "has been handed to the carrier",
    "in_transit": "is on its way",
    "customs_hold": "is held at customs",
    "out_for_delivery": "is out for delivery today",
    "available_for_pickup": "is ready for pickup",
    "failed_attempt": "could not be delivered on the last attempt",
    "delivered": "has been delivered",
    "exception": "has a delivery problem",
    "returned": "is being returned to the sender",
    "expired": "has no new tracking events",
}


def _status_notice(
    order_name: str, carrier: str, tracking_number: str, status: str, eta: date | None
) -> tuple[str, dict[str, object]]:
    """The system message for a status change: English text plus data a client can localize."""
    text = f"Order {order_name}: your parcel {STATUS_TEXT.get(status, 'has a new status')}."
    if eta is not None and status not in ("delivered", "returned"):
        text += f" Estimated delivery: {eta.isoformat()}."
    data: dict[str, object] = {
        "event": "shipment_status",
        "order": order_name,
        "carrier": carrier,
        "tracking_number": tracking_number,
        "status": status,
        "estimated_delivery": eta.isoformat() if eta else None,
    }
    return text, data
