"""Buyer-facing endpoints used by the widget: sessions, verification, the buyer's own orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from seabridge import security
from seabridge.api.deps import Buyer, Session, State
from seabridge.api.errors import ApiError
from seabridge.api.schemas import ObjectId, errors
from seabridge.ratelimit import SlidingWindow
from seabridge.services import identity
from seabridge.storage import catalog, conversations, customers, orders, stores

router = APIRouter(prefix="/v1/widget", tags=["widget"], responses=errors(400, 401, 404, 422))

# Guessing e-mail + order number pairs is the attack to slow down.
_verify_attempts = SlidingWindow(limit=5, window_s=15 * 60)


class SessionRequest(BaseModel):
    store: str = Field(description="The store's public key (pk_...)", max_length=64)
    identity_token: str | None = Field(
        default=None, max_length=4096, description="HS256 JWT signed by the store's backend"
    )
    visitor_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^v_[A-Za-z0-9_-]{8,40}$",
        description="Keep the same visitor across page loads",
    )


class BuyerIdentity(BaseModel):
    token: str
    visitor_id: str
    verified: bool
    customer_id: int | None
    first_name: str | None
    language: str | None
    expires_at: datetime


class VerifyRequest(BaseModel):
    email: str = Field(max_length=254)
    order_number: str = Field(max_length=64)


class BuyerOrder(BaseModel):
    name: str
    placed_at: datetime
    financial_status: str
    fulfillment_status: str
    currency: str
    total: str
    items: list[str]
    shipments: list[dict[str, str | None]]


def _identity(issued: identity.BuyerSession) -> BuyerIdentity:
    c = issued.customer
    return BuyerIdentity(
        token=issued.token,
        visitor_id=issued.claims.visitor_id,
        verified=c is not None,
        customer_id=c.id if c else None,
        first_name=c.first_name if c else None,
        language=(c.language or None) if c else None,
        expires_at=datetime.fromtimestamp(issued.claims.expires_at, UTC),
    )


@router.post("/sessions", summary="Start a buyer session", response_model=BuyerIdentity)
async def start_session(body: SessionRequest, session: Session, state: State) -> BuyerIdentity:
    """Anonymous unless `identity_token` is given. The returned `token` authenticates the buyer."""
    store = await stores.get_by_public_key(session, body.store)
    if store is None:
        raise ApiError(404, "store not found")
    customer = None
    if body.identity_token:
        secret = state.store_secret("identity", store.id, store.secret_version)
        try:
            customer = await identity.from_identity_token(session, store, secret, body.identity_token)
        except security.TokenError as exc:
            raise ApiError(401, str(exc), code="identity_invalid") from exc
    visitor = body.visitor_id or identity.new_visitor_id()
    if customer is not None:
        await conversations.claim_for_customer(session, store.id, visitor, customer.id)
        await session.commit()
    issued = identity.issue(state.server_key, store.id, visitor, customer, state.settings.buyer_token_hours * 3600)
    return _identity(issued)


@router.post("/verify", summary="Verify the buyer by e-mail and order number", response_model=BuyerIdentity)
async def verify(body: VerifyRequest, buyer: Buyer, session: Session, state: State) -> BuyerIdentity:
    """At most 5 attempts per visitor in 15 minutes; the answer never says which half was wrong."""
    if not _verify_attempts.allow((buyer.store_id, buyer.visitor_id)):
        raise ApiError(429, "too many verification attempts; try again later", headers={"Retry-After": "900"})
    try:
        customer = await identity.verify_by_order(session, buyer.store_id, body.email, body.order_number)
    except identity.VerificationFailed as exc:
        raise ApiError(400, str(exc), code="verification_failed") from exc
    await conversations.claim_for_customer(session, buyer.store_id, buyer.visitor_id, customer.id)
    await session.commit()
    issued = identity.issue(
        state.server_key,
        buyer.store_id,
        buyer.visitor_id,
        customer,
        state.settings.buyer_token_hours * 3600,
    )
    return _identity(issued)


@router.get("/orders", summary="The verified buyer's own orders", response_model=list[BuyerOrder])
async def my_orders(buyer: Buyer, session: Session) -> list[BuyerOrder]:
    if buyer.customer_id is None:
        raise ApiError(403, "verify your e-mail and order number first", code="verification_required")
    customer = await customers.get_customer(session, buyer.store_id, buyer.customer_id)
    if customer is None:
        raise ApiError(403, "verify your e-mail and order number first", code="verification_required")
    page = await orders.list_orders(session, buyer.store_id, customer_id=customer.id, limit=100)
    return [
        BuyerOrder(
            name=o.name,
            placed_at=o.placed_at,
            financial_status=o.financial_status,
            fulfillment_status=o.fulfillment_status,
            currency=o.currency,
            total=str(o.total),
            items=[f"{ln.quantity} × {ln.name}" for ln in o.lines],
            shipments=[
                {
                    "carrier": s.carrier,
                    "tracking_number": s.tracking_number,
                    "status": s.status,
                    "estimated_delivery": s.estimated_delivery.isoformat() if s.estimated_delivery else None,
                }
                for s in o.shipments
            ],
        )
        for o in page.items
    ]


@router.get(
    "/products/{product_id}/page",
    summary="Open a product's page on the store",
    response_class=RedirectResponse,
    status_code=302,
    responses=errors(404, 422),
)
async def product_page(
    product_id: ObjectId, session: Session, store: Annotated[str, Query(max_length=64)]
) -> RedirectResponse:
    """Where the widget's product cards link: the store's `product_url` (store.toml, with
    `{handle}`), else the product on Seabridge's demo store page."""
    found = await stores.get_by_public_key(session, store)
    if found is None:
        raise ApiError(404, "store not found")
    product = await catalog.get_product(session, found.id, product_id)
    if product is None:
        raise ApiError(404, "product not found")
    template = found.extra.get("product_url")
    if isinstance(template, str) and template.startswith(("https://", "http://")) and "{handle}" in template:
        url = template.replace("{handle}", quote(product.handle, safe=""))
    else:
        url = f"/demo-store?store={quote(found.slug, safe='')}#product-{quote(product.handle, safe='')}"
    return RedirectResponse(url, status_code=302)
