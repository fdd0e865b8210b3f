"""Agent login: store slug + e-mail + password gives a session token."""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from seabridge import security
from seabridge.api.deps import Caller, Session, State
from seabridge.api.errors import ApiError
from seabridge.api.schemas import errors
from seabridge.storage import agents, stores

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=errors(400, 401, 404, 422))
log = logging.getLogger(__name__)


class LoginRequest(BaseModel):
    store: str = Field(description="The store's slug", max_length=64)
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    agent_id: int
    store_id: int
    role: str
    name: str


class Me(BaseModel):
    store_id: int
    kind: str
    role: str
    agent_id: int | None


@router.post("/login", summary="Log an agent in", response_model=LoginResponse)
async def login(body: LoginRequest, session: Session, state: State) -> LoginResponse:
    """Returns a bearer token (`sbs_...`) valid for `SEABRIDGE_AGENT_SESSION_HOURS`."""
    store = await stores.get_by_slug(session, body.store)
    agent = await agents.get_by_email(session, store.id, body.email) if store else None
    # Verify even when the account is missing so timing does not reveal which part was wrong.
    hashed = agent.password_hash if agent else _DUMMY_HASH
    ok = security.verify_password(hashed, body.password)
    if agent is None or not ok or agent.disabled_at is not None:
        log.info("agent login refused", extra={"store_slug": body.store})
        raise ApiError(401, "unknown store, e-mail or password")
    token, expires = await agents.start_session(session, agent, state.settings.agent_session_hours)
    await session.commit()
    return LoginResponse(
        token=token,
        expires_at=expires,
        agent_id=agent.id,
        store_id=agent.store_id,
        role=agent.role,
        name=agent.name,
    )


@router.post("/logout", summary="End this session", status_code=204)
async def logout(request: Request, caller: Caller, session: Session) -> None:
    if caller.kind == "agent":
        token = request.headers["authorization"].partition(" ")[2].strip()
        await agents.end_session(session, token)
        await session.commit()


@router.get("/me", summary="Who this token is", response_model=Me)
async def me(caller: Caller) -> Me:
    return Me(store_id=caller.store_id, kind=caller.kind, role=caller.role, agent_id=caller.agent_id)


_DUMMY_HASH = security.hash_password("not-a-real-password-used-for-timing")
