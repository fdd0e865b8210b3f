"""Customers of the store and each customer's orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from seabridge.api.deps import Caller, Session
from seabridge.api.errors import not_found
from seabridge.api.schemas import Cursor, CustomerOut, Limit, ObjectId, OrderOut, Page, after_id, errors
from seabridge.storage import customers, orders

router = APIRouter(prefix="/v1", tags=["customers"])


@router.get("/customers", summary="List customers", response_model=Page[CustomerOut], responses=errors(400, 401, 422))
async def list_customers(
    caller: Caller,
    session: Session,
    cursor: Cursor = None,
    q: Annotated[str, Query(max_length=200, description="Part of the e-mail, first or last name")] = "",
    country: Annotated[str, Query(pattern=r"^([A-Za-z]{2})?$", description="ISO 3166-1 alpha-2 country code")] = "",
    limit: Limit = 50,
) -> Page[CustomerOut]:
    """Customers in id order (import order)."""
    page = await customers.list_customers(
        session, caller.store_id, text=q, country=country, after_id=after_id(cursor), limit=limit
    )
    return Page[CustomerOut].model_validate(page)


@router.get(
    "/customers/{customer_id}", summary="Get a customer", response_model=CustomerOut, responses=errors(401, 404, 422)
)
async def get_customer(customer_id: ObjectId, caller: Caller, session: Session) -> CustomerOut:
    """Contact details, language and time zone of one customer."""
    customer = await customers.get_customer(session, caller.store_id, customer_id)
    if customer is None:
        raise not_found("customer")
    return CustomerOut.model_validate(customer)


@router.get(
    "/customers/{customer_id}/orders",
    summary="List a customer's orders",
    response_model=Page[OrderOut],
    responses=errors(400, 401, 404, 422),
)
async def list_customer_orders(
    customer_id: ObjectId, caller: Caller, session: Session, cursor: Cursor = None, limit: Limit = 50
) -> Page[OrderOut]:
    """The customer's orders with lines and shipments, oldest first."""
    if await customers.get_customer(session, caller.store_id, customer_id) is None:
        raise not_found("customer")
    page = await orders.list_orders(
        session, caller.store_id, customer_id=customer_id, after_id=after_id(cursor), limit=limit
    )
    return Page[OrderOut].model_validate(page)
