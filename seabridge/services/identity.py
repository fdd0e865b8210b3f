"""Buyer identity: anonymous visitors, upgraded to a verified customer.

Two ways up: the buyer proves e-mail + order number, or the store's own backend
signs an identity token (HS256 JWT with the store's identity secret), as the
big support widgets do. Either way the buyer's token then names one customer,
and everything the buyer may see is scoped to that customer.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from seabridge import security
from seabridge.db.models import Customer, Store
from seabridge.storage import customers, orders


class VerificationFailed(Exception):
    """No order matches; the message never says which half was wrong."""


@dataclass(frozen=True, slots=True)
class BuyerSession:
    token: str
    claims: security.BuyerClaims
    customer: Customer | None


def new_visitor_id() -> str:
    return "v_" + secrets.token_urlsafe(12)


def issue(server_key: bytes, store_id: int, visitor_id: str, customer: Customer | None, ttl_s: int) -> BuyerSession:
    claims = security.BuyerClaims(store_id, visitor_id, customer.id if customer else None, int(time.time()) + ttl_s)
    return BuyerSession(security.sign_buyer_token(server_key, claims), claims, customer)


async def from_identity_token(session: AsyncSession, store: Store, identity_secret: str, token: str) -> Customer:
    """The customer the store's backend vouches for; created if the store never imported them."""
    claims = security.verify_identity_token(identity_secret, token)
    customer = await customers.get_by_email(session, store.id, claims.email)
    if customer is None:
        now = datetime.now(UTC)
        first, _, last = claims.name.partition(" ")
        customer = Customer(
            store_id=store.id,
            email=claims.email,
            first_name=first,
            last_name=last,
            phone="",
            country="",
            city="",
            language="",
            timezone="",
            accepts_marketing=False,
            tags=[],
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        await session.flush()
    return customer


async def verify_by_order(session: AsyncSession, store_id: int, email: str, order_number: str) -> Customer:
    owner = await orders.owner_by_name(session, store_id, order_number)  # columns: the order itself is not needed
    email = email.strip().lower()
    if owner is None or not email or owner[0] != email or owner[1] is None:
        raise VerificationFailed("no order matches this e-mail address and order number")
    customer = await customers.get_customer(session, store_id, owner[1])
    if customer is None:
        raise VerificationFailed("no order matches this e-mail address and order number")
    return customer
