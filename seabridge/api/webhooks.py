"""Inbound webhooks: carrier tracking updates."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from pydantic import BaseModel

from seabridge import metrics
from seabridge.api.deps import Session, State
from seabridge.api.errors import ApiError
from seabridge.api.schemas import errors
from seabridge.services import tracking
from seabridge.storage import stores

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=errors(400, 401, 404, 422))
log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024


class TrackingAck(BaseModel):
    duplicate: bool
    shipment_id: int | None
    status: str | None


@router.post(
    "/tracking/{public_key}",
    summary="Receive an AfterShip-style tracking update",
    response_model=TrackingAck,
)
async def receive_tracking(public_key: str, request: Request, state: State, session: Session) -> TrackingAck:
    """Point your tracking provider at this URL (the store's public key is in the path).
    Sign the raw body with the store's tracking-webhook secret (`GET /v1/store/secrets`):
    header `aftership-hmac-sha256: base64(HMAC-SHA256(secret, body))`. The body's `ts`
    must be within `SEABRIDGE_WEBHOOK_TOLERANCE_S` of the server clock. Sending the same
    body twice is safe: the second is acknowledged with `duplicate: true`."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            metrics.WEBHOOKS_IN.labels("tracking", "too_large").inc()
            raise ApiError(413, f"body is larger than {MAX_BODY} bytes")
    store = await stores.get_by_public_key(session, public_key)
    if store is None:
        metrics.WEBHOOKS_IN.labels("tracking", "unknown_store").inc()
        raise ApiError(404, "store not found")
    secret = state.store_secret("tracking-webhook", store.id, store.secret_version)
    try:
        outcome = await tracking.receive(
            state.sessions,
            store,
            secret,
            bytes(body),
            request.headers.get("aftership-hmac-sha256"),
            tolerance_s=state.settings.webhook_tolerance_s,
            messaging=state.messaging,
        )
    except tracking.WebhookRejected as exc:
        metrics.WEBHOOKS_IN.labels("tracking", exc.code).inc()
        log.info("tracking webhook rejected", extra={"store_id": store.id, "code": exc.code})
        details = [e.as_dict() for e in exc.errors] if exc.errors else None
        raise ApiError(exc.status, str(exc), code=exc.code, details=details) from exc
    metrics.WEBHOOKS_IN.labels("tracking", "duplicate" if outcome.duplicate else "applied").inc()
    return TrackingAck(duplicate=outcome.duplicate, shipment_id=outcome.shipment_id, status=outcome.status)
