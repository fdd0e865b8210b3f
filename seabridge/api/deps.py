"""Request dependencies: state, database session, and who is calling (tenant + role)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge import security
from seabridge.api.errors import ApiError
from seabridge.state import AppState
from seabridge.storage import agents, stores


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.seabridge
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller, always bound to exactly one store."""

    store_id: int
    kind: str  # "api_key" or "agent"
    role: str  # API keys act as "admin"
    agent_id: int | None = None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


async def get_principal(request: Request, session: Session) -> Principal:
    token = _bearer(request)
    if token.startswith(security.API_KEY_PREFIX):
        key = await stores.find_api_key(session, token)
        if key is not None:
            key.last_used_at = datetime.now(UTC)
            await session.commit()
            return Principal(key.store_id, "api_key", "admin")
    elif token.startswith(security.SESSION_PREFIX):
        found = await agents.find_session(session, token)
        if found is not None:
            _, agent = found
            return Principal(agent.store_id, "agent", agent.role, agent.id)
    raise ApiError(401, "invalid or expired credentials", headers={"WWW-Authenticate": "Bearer"})


Caller = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    async def check(principal: Caller) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, f"this needs the role {' or '.join(roles)}")
        return principal

    return check


Admin = Annotated[Principal, Depends(require_role("owner", "admin"))]


async def get_buyer(request: Request, state: State) -> security.BuyerClaims:
    token = _bearer(request)
    try:
        return security.verify_buyer_token(state.server_key, token)
    except security.TokenError as exc:
        raise ApiError(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


Buyer = Annotated[security.BuyerClaims, Depends(get_buyer)]
