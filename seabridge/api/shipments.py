"""Shipments with their carrier checkpoints: list, by id, by tracking number."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from seabridge.api.deps import Caller, Session
from seabridge.api.errors import not_found
from seabridge.api.schemas import MAX_ID, Cursor, Limit, ObjectId, Page, ShipmentOut, after_id, errors
from seabridge.formats.records import ShipmentStatus
from seabridge.storage import shipments

router = APIRouter(prefix="/v1", tags=["shipments"])


@router.get("/shipments", summary="List shipments", response_model=Page[ShipmentOut], responses=errors(400, 401, 422))
async def list_shipments(
    caller: Caller,
    session: Session,
    cursor: Cursor = None,
    status: Annotated[ShipmentStatus | None, Query(description="Normalized status")] = None,
    order_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    late: Annotated[
        bool,
        Query(
            description="true: only shipments past the carrier's estimated "
            "delivery date (UTC today) and neither delivered nor returned"
        ),
    ] = False,
    limit: Limit = 50,
) -> Page[ShipmentOut]:
    """Shipments with checkpoints, oldest first."""
    page = await shipments.list_shipments(
        session,
        caller.store_id,
        status=status.value if status else "",
        order_id=order_id,
        late_on=datetime.now(UTC).date() if late else None,
        after_id=after_id(cursor),
        limit=limit,
    )
    return Page[ShipmentOut].model_validate(page)


@router.get(
    "/shipments/by-tracking/{tracking_number}",
    summary="Get a shipment by tracking number",
    response_model=ShipmentOut,
    responses=errors(401, 404, 422),
)
async def get_shipment_by_tracking(
    tracking_number: Annotated[str, Path(max_length=100, description="The carrier's tracking number")],
    caller: Caller,
    session: Session,
) -> ShipmentOut:
    """Look a parcel up by the number the buyer quotes."""
    shipment = await shipments.get_by_tracking_number(session, caller.store_id, tracking_number)
    if shipment is None:
        raise not_found("shipment")
    return ShipmentOut.model_validate(shipment)


@router.get(
    "/shipments/{shipment_id}", summary="Get a shipment", response_model=ShipmentOut, responses=errors(401, 404, 422)
)
async def get_shipment(shipment_id: ObjectId, caller: Caller, session: Session) -> ShipmentOut:
    """Status, estimated delivery, whether it is late, and every carrier checkpoint."""
    shipment = await shipments.get_shipment(session, caller.store_id, shipment_id)
    if shipment is None:
        raise not_found("shipment")
    return ShipmentOut.model_validate(shipment)
