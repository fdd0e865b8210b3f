"""The caller's store: settings, API keys, agent accounts and derived secrets."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError

from seabridge.api.deps import Admin, Caller, Session, State
from seabridge.api.errors import ApiError, not_found
from seabridge.api.schemas import (
    AgentCreate,
    AgentOut,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    ObjectId,
    StoreOut,
    StoreSecret,
    StoreSecrets,
    errors,
)
from seabridge.storage import agents, stores

router = APIRouter(prefix="/v1", tags=["store"])

IDENTITY_USAGE = (
    'Your store\'s backend signs an HS256 JWT with this secret ({"email", "exp", optional '
    '"name", "sub"}) for a signed-in shopper; the widget passes it as `identity_token` to '
    "POST /v1/widget/sessions, so the shopper is verified without an order number. Keep it on "
    "your server."
)
TRACKING_USAGE = (
    "Set it as the webhook secret at your tracking provider. Each delivery to "
    "POST /v1/webhooks/tracking/{public_key} carries the header `aftership-hmac-sha256`: the "
    "base64 HMAC-SHA256 of the raw body with this secret; other deliveries are refused."
)


@router.get("/store", summary="The caller's store", response_model=StoreOut, responses=errors(401))
async def get_store(caller: Caller, session: Session) -> StoreOut:
    """Name, languages, currency, time zone, policies, shipping zones and opening hours."""
    store = await stores.get_by_id(session, caller.store_id)
    if store is None:
        raise not_found("store")
    return StoreOut.model_validate(store)


@router.get("/store/api-keys", summary="List API keys", response_model=list[ApiKeyOut], responses=errors(401, 403))
async def list_api_keys(caller: Admin, session: Session) -> list[ApiKeyOut]:
    """Every key of the store, revoked ones included. Only the prefix is shown; the key
    itself is never stored. Needs the owner or admin role."""
    return [ApiKeyOut.model_validate(k) for k in await stores.list_api_keys(session, caller.store_id)]


@router.post(
    "/store/api-keys",
    summary="Create an API key",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=errors(401, 403, 422),
)
async def create_api_key(body: ApiKeyCreate, caller: Admin, session: Session) -> ApiKeyCreated:
    """The answer holds the key (`sbk_...`) once; it cannot be shown again. Needs the
    owner or admin role."""
    row, key = await stores.create_api_key(session, caller.store_id, body.name)
    await session.commit()
    return ApiKeyCreated(api_key=ApiKeyOut.model_validate(row), key=key)


@router.delete(
    "/store/api-keys/{key_id}",
    summary="Revoke an API key",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422),
)
async def revoke_api_key(key_id: ObjectId, caller: Admin, session: Session) -> Response:
    """The key stops working at once. Revoking a revoked key changes nothing. Needs the
    owner or admin role."""
    if not await stores.revoke_api_key(session, caller.store_id, key_id):
        raise not_found("API key")
    await session.commit()
    return Response(status_code=204)


@router.get("/store/agents", summary="List agent accounts", response_model=list[AgentOut], responses=errors(401))
async def list_agents(caller: Caller, session: Session) -> list[AgentOut]:
    """The store's team: owners, admins and agents."""
    return [AgentOut.model_validate(a) for a in await agents.list_agents(session, caller.store_id)]


@router.post(
    "/store/agents",
    summary="Create an agent account",
    status_code=201,
    response_model=AgentOut,
    responses=errors(401, 403, 409, 422),
)
async def create_agent(body: AgentCreate, caller: Admin, session: Session) -> AgentOut:
    """The new agent logs in with `POST /v1/auth/login`. Needs the owner or admin role;
    only an owner may create another owner. An e-mail already in the store is a 409."""
    if body.role == "owner" and caller.role != "owner":
        raise ApiError(403, "only an owner may create another owner")
    if await agents.get_by_email(session, caller.store_id, body.email) is not None:
        raise ApiError(409, "an agent with this e-mail already exists")
    try:
        agent = await agents.create_agent(
            session,
            caller.store_id,
            email=body.email,
            name=body.name,
            role=body.role,
            password=body.password,
            language=body.language,
        )
        await session.commit()
    except IntegrityError as exc:  # a concurrent request took the e-mail first
        await session.rollback()
        raise ApiError(409, "an agent with this e-mail already exists") from exc
    return AgentOut.model_validate(agent)


@router.get(
    "/store/secrets", summary="The store's signing secrets", response_model=StoreSecrets, responses=errors(401, 403)
)
async def get_secrets(caller: Admin, session: Session, state: State) -> StoreSecrets:
    """Derived from the server key, never stored; rotating the store's secret version
    changes both. Needs the owner or admin role."""
    store = await stores.get_by_id(session, caller.store_id)
    if store is None:
        raise not_found("store")
    version = store.secret_version
    return StoreSecrets(
        secret_version=version,
        identity=StoreSecret(secret=state.store_secret("identity", store.id, version), usage=IDENTITY_USAGE),
        tracking_webhook=StoreSecret(
            secret=state.store_secret("tracking-webhook", store.id, version), usage=TRACKING_USAGE
        ),
    )
