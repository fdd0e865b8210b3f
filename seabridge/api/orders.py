"""Orders with their lines and shipments: list, by id, by order name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from seabridge.api.deps import Caller, Session
from seabridge.api.errors import not_found
from seabridge.api.schemas import MAX_ID, Cursor, Limit, ObjectId, OrderOut, Page, after_id, errors
from seabridge.storage import orders

router = APIRouter(prefix="/v1", tags=["orders"])


@router.get("/orders", summary="List orders", response_model=Page[OrderOut], responses=errors(400, 401, 422))
async def list_orders(
    caller: Caller,
    session: Session,
    cursor: Cursor = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    email: Annotated[str, Query(max_length=254, description="The e-mail on the order, exactly")] = "",
    financial_status: Annotated[str, Query(max_length=32, examples=["paid", "refunded"])] = "",
    fulfillment_status: Annotated[str, Query(max_length=32, examples=["fulfilled", "unfulfilled"])] = "",
    limit: Limit = 50,
) -> Page[OrderOut]:
    """Orders with lines, totals and a summary of their shipments, oldest first."""
    page = await orders.list_orders(
        session,
        caller.store_id,
        customer_id=customer_id,
        email=email,
        financial_status=financial_status,
        fulfillment_status=fulfillment_status,
        after_id=after_id(cursor),
        limit=limit,
    )
    return Page[OrderOut].model_validate(page)


@router.get(
    "/orders/by-name/{name}",
    summary="Get an order by its name",
    response_model=OrderOut,
    responses=errors(401, 404, 422),
)
async def get_order_by_name(
    name: Annotated[str, Path(max_length=64, description="`#1001` (URL-encoded as `%231001`) or `1001`")],
    caller: Caller,
    session: Session,
) -> OrderOut:
    """The order name is what the buyer sees, e.g. `#1001`; the `#` may be left out."""
    order = await orders.get_by_name(session, caller.store_id, name)
    if order is None:
        raise not_found("order")
    return OrderOut.model_validate(order)


@router.get("/orders/{order_id}", summary="Get an order", response_model=OrderOut, responses=errors(401, 404, 422))
async def get_order(order_id: ObjectId, caller: Caller, session: Session) -> OrderOut:
    """One order with its lines, totals and shipments."""
    order = await orders.get_order(session, caller.store_id, order_id)
    if order is None:
        raise not_found("order")
    return OrderOut.model_validate(order)
