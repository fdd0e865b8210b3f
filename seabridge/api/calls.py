"""Calls over REST: call records with their quality summary, and a participant's ICE servers.

Signalling itself runs over the WebSocket (`seabridge/calls/signalling.py`);
these routes are for the console's call history and for a client that needs
fresh TURN credentials (e.g. before an ICE restart after the first ones expired).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from seabridge.api.deps import Buyer, Caller, State
from seabridge.api.errors import not_found
from seabridge.api.schemas import MAX_ID, Cursor, Limit, Page, after_id, errors
from seabridge.calls.ice import ice_config
from seabridge.db.calls import Call
from seabridge.services.messaging import Actor, NotFound
from seabridge.storage import calls as store
from seabridge.storage.paging import page_of

router = APIRouter(prefix="/v1", tags=["calls"])

CallIdPath = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Party(BaseModel):
    kind: str
    id: str | None


class CallOut(BaseModel):
    id: int
    call_id: str
    conversation_id: int
    media: str
    state: str
    outcome: str | None
    reason: str
    caller: Party
    callee: Party
    invited_at: datetime
    accepted_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    duration_s: float
    ice_restarts: int
    quality: dict[str, Any]


class CallDetail(CallOut):
    stats: list[dict[str, Any]]


class IceServerOut(BaseModel):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class IceServersOut(BaseModel):
    call_id: str
    ice_servers: list[IceServerOut]
    ice_transport_policy: str
    expires_at: int | None


def call_out(row: Call) -> dict[str, Any]:
    duration = 0.0
    if row.connected_at is not None and row.ended_at is not None:
        duration = round((row.ended_at - row.connected_at).total_seconds(), 3)
    return {
        "id": row.id,
        "call_id": row.call_id,
        "conversation_id": row.conversation_id,
        "media": row.media,
        "state": row.state,
        "outcome": row.outcome,
        "reason": row.reason,
        "caller": {"kind": row.caller_kind, "id": row.caller_ref},
        "callee": {"kind": row.callee_kind, "id": row.callee_ref},
        "invited_at": row.invited_at,
        "accepted_at": row.accepted_at,
        "connected_at": row.connected_at,
        "ended_at": row.ended_at,
        "duration_s": duration,
        "ice_restarts": row.restarts,
        "quality": row.quality,
    }


@router.get("/calls", summary="List call records", response_model=Page[CallOut], responses=errors(400, 401, 422))
async def list_calls(
    caller: Caller,
    state: State,
    cursor: Cursor = None,
    conversation_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
) -> Page[CallOut]:
    """The store's calls, oldest first: who, when, how long, how it ended and the quality summary."""
    async with state.sessions() as session:
        rows = await store.list_calls(
            session, caller.store_id, after_id=after_id(cursor), limit=limit + 1, conversation_id=conversation_id
        )
    page = page_of(rows, limit, rows[limit - 1].id if len(rows) > limit else None)
    return Page[CallOut].model_validate({"items": [call_out(r) for r in page.items], "next_cursor": page.next_cursor})


@router.get("/calls/{call_id}", summary="Get a call record", response_model=CallDetail, responses=errors(401, 404, 422))
async def get_call(call_id: CallIdPath, caller: Caller, state: State) -> CallDetail:
    """One call with every stats sample; a live call's quality summary is computed on the spot."""
    async with state.sessions() as session:
        row = await store.get_call(session, caller.store_id, call_id)
        if row is None:
            raise not_found("call")
        stats = await store.stats_for(session, caller.store_id, row)
    out = call_out(row)
    if not row.quality:
        out["quality"] = store.quality_summary(stats)
    samples = [
        {
            "participant": {"kind": s.participant_kind, "id": s.participant_ref},
            "at": s.at,
            "connection_state": s.connection_state,
            **{k: getattr(s, k) for k in ("rtt_ms", "jitter_ms", "loss_pct", "bitrate_kbps", "width", "height")},
            "fps": s.fps,
            "candidate_type": s.candidate_type,
        }
        for s in stats
    ]
    return CallDetail.model_validate({**out, "stats": samples})


async def _ice_for(state: State, actor: Actor, call_id: str) -> IceServersOut:
    async with state.sessions() as session:
        row = await store.get_call(session, actor.store_id, call_id)
        if row is None:
            raise not_found("call")
        if actor.kind == "buyer":
            try:
                await state.messaging.conversation_for(actor, row.conversation_id, session)
            except NotFound:
                raise not_found("call") from None
    cfg = ice_config(state.settings, row.call_id)
    return IceServersOut(
        call_id=row.call_id,
        ice_servers=[IceServerOut.model_validate(s.as_dict()) for s in cfg.servers],
        ice_transport_policy=cfg.transport_policy,
        expires_at=cfg.expires_at,
    )


@router.get(
    "/calls/{call_id}/ice-servers",
    summary="ICE servers for a call (agent)",
    response_model=IceServersOut,
    responses=errors(401, 404, 422),
)
async def agent_ice_servers(call_id: CallIdPath, caller: Caller, state: State) -> IceServersOut:
    """STUN/TURN servers with TURN credentials minted for this call (coturn's shared-secret scheme)."""
    return await _ice_for(state, Actor(caller.store_id, "agent", str(caller.agent_id or "")), call_id)


@router.get(
    "/widget/calls/{call_id}/ice-servers",
    summary="ICE servers for a call (buyer)",
    response_model=IceServersOut,
    responses=errors(401, 404, 422),
)
async def buyer_ice_servers(call_id: CallIdPath, buyer: Buyer, state: State) -> IceServersOut:
    """The same for the buyer of the call's conversation."""
    return await _ice_for(state, Actor(buyer.store_id, "buyer", buyer.visitor_id, buyer.customer_id), call_id)
