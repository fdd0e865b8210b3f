"""Outgoing webhook endpoints of the caller's store: register, list, disable, signing
secret, and the delivery log with manual retry. Owner or admin role only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from seabridge.api.deps import Admin, Session, State
from seabridge.api.errors import ApiError, not_found
from seabridge.api.schemas import MAX_ID, Cursor, Limit, ObjectId, Page, StoreSecret, after_id, errors
from seabridge.db.conversations import WebhookDelivery, WebhookEndpoint
from seabridge.services import egress
from seabridge.services.webhooks import endpoint_secret_purpose
from seabridge.storage import stores
from seabridge.storage import webhooks as store

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"])

MAX_URL = 2048
RESOLVE_TIMEOUT_S = 2.0
EventType = Literal["message.created", "conversation.waiting", "conversation.assigned", "conversation.closed", "*"]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The delivery's id")]
SIGNING_HELP = (
    "Each delivery carries `Seabridge-Signature: t=<unix seconds>,v1=<hex>`, where v1 is the "
    'HMAC-SHA256 of f"{t}.{raw body}" with this secret. Recompute it, compare in constant time, '
    "and refuse a t more than 5 minutes from your clock. See docs/webhooks.md."
)


def _url_error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials; the reasons are shown to the caller."""
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise _url_error("url_characters", "the URL must not contain spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise _url_error("url_scheme", "the URL must start with http:// or https://")
    if "@" in parts.netloc:
        raise _url_error("url_credentials", "the URL must not carry a user name or password")
    if not parts.hostname:
        raise _url_error("url_host", "the URL must name a host")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as exc:
        raise _url_error("url_port", "the URL's port is not valid") from exc
    return url


async def _refuse_private(url: str) -> None:
    """A 422 for a URL that can only reach non-public addresses. A name that does not resolve (yet)
    is accepted: deliveries check again, at every connection (see services/egress.py)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            addresses = await egress.resolve(host, parts.port or (443 if parts.scheme.lower() == "https" else 80))
    except (TimeoutError, httpx.ConnectError):
        return
    if addresses and not any(egress.is_public(a) for a in addresses):
        shown = ", ".join(sorted({str(a) for a in addresses}))
        raise ApiError(
            422,
            "request is not valid",
            code="invalid_request",
            details=[
                {
                    "location": ["body", "url"],
                    "reason": f"the URL's host is not a public address ({shown}); this server does not send "
                    "webhooks to private networks (SEABRIDGE_WEBHOOK_PRIVATE_NETWORKS)",
                }
            ],
        )


class WebhookEndpointCreate(BaseModel):
    url: str = Field(max_length=MAX_URL, examples=["https://shop.example/hooks/seabridge"])
    events: list[EventType] = Field(min_length=1, max_length=5, examples=[["message.created"], ["*"]])
    description: str = Field("", max_length=500)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        if "*" in value and len(set(value)) > 1:
            raise PydanticCustomError("events_wildcard", '"*" stands for every event; give it alone')
        return list(dict.fromkeys(value))


class WebhookEndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    description: str
    created_at: datetime
    disabled_at: datetime | None = Field(description="Set when deleted or when the receiver answered 410 Gone")


class WebhookEndpointCreated(BaseModel):
    webhook_endpoint: WebhookEndpointOut
    secret: str = Field(description="Signing secret; also at GET /v1/webhook-endpoints/{id}/secret")


class WebhookDeliveryOut(BaseModel):
    id: int
    event_id: int = Field(description="Also sent as `Seabridge-Event-Id`; the same for every attempt")
    event_type: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status: int | None = Field(description="HTTP status of the last attempt; null if none was received")
    last_error: str
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried next")
    delivered_at: datetime | None
    created_at: datetime


def _delivery_out(delivery: WebhookDelivery, event_type: str) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=event_type,
        state=delivery.state,
        attempts=delivery.attempts,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at if delivery.state == "pending" else None,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


async def _secret(session: Session, state: State, endpoint: WebhookEndpoint) -> str:
    found = await stores.get_by_id(session, endpoint.store_id)
    if found is None:
        raise not_found("store")
    return state.store_secret(endpoint_secret_purpose(endpoint.id), found.id, found.secret_version)


async def _endpoint(session: Session, store_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await store.get_endpoint(session, store_id, endpoint_id)
    if endpoint is None:
        raise not_found("webhook endpoint")
    return endpoint


@router.post(
    "",
    summary="Register a webhook endpoint",
    status_code=201,
    response_model=WebhookEndpointCreated,
    responses=errors(401, 403, 422),
)
async def create_webhook_endpoint(
    body: WebhookEndpointCreate, caller: Admin, session: Session, state: State
) -> WebhookEndpointCreated:
    """Events of the chosen types (or `["*"]` for all) are POSTed to `url`, signed with the
    endpoint's secret, which this answer holds. Needs the owner or admin role. A URL whose host
    is (or resolves only to) a loopback, private, link-local or other non-public address is a
    422 unless the server allows private networks (`SEABRIDGE_WEBHOOK_PRIVATE_NETWORKS`)."""
    if not state.settings.webhook_private_networks:
        await _refuse_private(body.url)
    endpoint = await store.create_endpoint(
        session,
        caller.store_id,
        url=body.url,
        events=list(body.events),
        description=body.description,
        now=datetime.now(UTC),
    )
    secret = await _secret(session, state, endpoint)
    await session.commit()
    return WebhookEndpointCreated(webhook_endpoint=WebhookEndpointOut.model_validate(endpoint), secret=secret)


@router.get(
    "", summary="List webhook endpoints", response_model=Page[WebhookEndpointOut], responses=errors(400, 401, 403)
)
async def list_webhook_endpoints(
    caller: Admin, session: Session, cursor: Cursor = None, limit: Limit = 50
) -> Page[WebhookEndpointOut]:
    """Every endpoint of the store, disabled ones included, oldest first. Needs the owner or admin role."""
    page = await store.list_endpoints(session, caller.store_id, after_id=after_id(cursor), limit=limit)
    return Page(items=[WebhookEndpointOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{endpoint_id}",
    summary="Get a webhook endpoint",
    response_model=WebhookEndpointOut,
    responses=errors(401, 403, 404, 422),
)
async def get_webhook_endpoint(endpoint_id: ObjectId, caller: Admin, session: Session) -> WebhookEndpointOut:
    """One endpoint of the store. Needs the owner or admin role."""
    return WebhookEndpointOut.model_validate(await _endpoint(session, caller.store_id, endpoint_id))


@router.delete(
    "/{endpoint_id}",
    summary="Disable a webhook endpoint",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422),
)
async def delete_webhook_endpoint(endpoint_id: ObjectId, caller: Admin, session: Session) -> Response:
    """Nothing more is sent to it; its pending deliveries end as `failed`. The endpoint and its
    delivery log stay readable. Disabling twice changes nothing. Needs the owner or admin role."""
    if not await store.disable_endpoint(session, caller.store_id, endpoint_id, datetime.now(UTC)):
        raise not_found("webhook endpoint")
    await session.commit()
    return Response(status_code=204)


@router.get(
    "/{endpoint_id}/secret",
    summary="A webhook endpoint's signing secret",
    response_model=StoreSecret,
    responses=errors(401, 403, 404, 422),
)
async def get_webhook_endpoint_secret(
    endpoint_id: ObjectId, caller: Admin, session: Session, state: State
) -> StoreSecret:
    """Derived from the server key, never stored; rotating the store's secret version changes
    it. Needs the owner or admin role."""
    endpoint = await _endpoint(session, caller.store_id, endpoint_id)
    return StoreSecret(secret=await _secret(session, state, endpoint), usage=SIGNING_HELP)


@router.get(
    "/{endpoint_id}/deliveries",
    summary="A webhook endpoint's delivery log",
    response_model=Page[WebhookDeliveryOut],
    responses=errors(400, 401, 403, 404, 422),
)
async def list_webhook_deliveries(
    endpoint_id: ObjectId,
    caller: Admin,
    session: Session,
    cursor: Cursor = None,
    limit: Limit = 50,
    state: Annotated[Literal["pending", "delivered", "failed"] | None, Query(description="Only this state")] = None,
) -> Page[WebhookDeliveryOut]:
    """Newest first: event type, state, attempts, the last HTTP status and error, and when the
    next attempt is due. Payloads are not shown. Needs the owner or admin role."""
    await _endpoint(session, caller.store_id, endpoint_id)
    page = await store.list_deliveries(
        session, caller.store_id, endpoint_id, before_id=after_id(cursor), limit=limit, state=state
    )
    return Page(items=[_delivery_out(d, t) for d, t in page.items], next_cursor=page.next_cursor)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/retry",
    summary="Send a delivery again",
    response_model=WebhookDeliveryOut,
    responses=errors(401, 403, 404, 409, 422),
)
async def retry_webhook_delivery(
    endpoint_id: ObjectId, delivery_id: DeliveryId, caller: Admin, session: Session
) -> WebhookDeliveryOut:
    """A delivered or failed delivery becomes pending and due now, with a fresh retry schedule;
    a pending one is left as it is (it is already due or in flight). A disabled endpoint is a
    409. Needs the owner or admin role."""
    endpoint = await _endpoint(session, caller.store_id, endpoint_id)
    if await store.get_delivery(session, caller.store_id, endpoint_id, delivery_id) is None:
        raise not_found("webhook delivery")
    if endpoint.disabled_at is not None:
        raise ApiError(409, "the endpoint is disabled; register it again to receive events")
    await store.schedule_again(session, delivery_id, datetime.now(UTC))
    await session.commit()
    found = await store.get_delivery(session, caller.store_id, endpoint_id, delivery_id)
    assert found is not None
    return _delivery_out(*found)
