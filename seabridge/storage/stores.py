"""Stores (tenants) and their API keys."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge import security
from seabridge.db.models import ApiKey, Store
from seabridge.formats.records import StoreConfig


def _now() -> datetime:
    return datetime.now(UTC)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes")
    return value


def config_columns(config: StoreConfig) -> dict[str, Any]:
    policies = asdict(config.policies)
    extra_policies = policies.pop("extra")
    return {
        "name": config.name,
        "default_language": config.default_language,
        "languages": list(config.languages) or [config.default_language],
        "currency": config.currency,
        "timezone": config.timezone,
        "policies": _jsonable({**extra_policies, **policies}),
        "shipping": [_jsonable(asdict(z)) for z in config.shipping],
        "hours": [_jsonable(asdict(h)) for h in config.hours],
        "extra": _jsonable(config.extra),
    }


async def create_store(session: AsyncSession, slug: str, config: StoreConfig) -> Store:
    now = _now()
    store = Store(
        slug=slug,
        public_key=security.new_public_key(),
        created_at=now,
        updated_at=now,
        secret_version=1,
        **config_columns(config),
    )
    session.add(store)
    await session.flush()
    return store


async def apply_config(session: AsyncSession, store: Store, config: StoreConfig) -> None:
    for key, value in config_columns(config).items():
        setattr(store, key, value)
    store.updated_at = _now()
    await session.flush()


async def get_by_slug(session: AsyncSession, slug: str) -> Store | None:
    return await session.scalar(select(Store).where(Store.slug == slug))


async def get_by_id(session: AsyncSession, store_id: int) -> Store | None:
    return await session.get(Store, store_id)


async def get_by_public_key(session: AsyncSession, public_key: str) -> Store | None:
    return await session.scalar(select(Store).where(Store.public_key == public_key))


async def list_stores(session: AsyncSession) -> list[Store]:
    return list(await session.scalars(select(Store).order_by(Store.id)))


async def create_api_key(session: AsyncSession, store_id: int, name: str) -> tuple[ApiKey, str]:
    """Returns the row and the key itself, which is shown once and never stored."""
    key = security.new_api_key()
    row = ApiKey(
        store_id=store_id,
        name=name,
        prefix=key[:12],
        key_hash=security.digest(key),
        created_at=_now(),
        last_used_at=None,
        revoked_at=None,
    )
    session.add(row)
    await session.flush()
    return row, key


async def find_api_key(session: AsyncSession, key: str) -> ApiKey | None:
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == security.digest(key)))
    if row is None or row.revoked_at is not None:
        return None
    return row


async def list_api_keys(session: AsyncSession, store_id: int) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).where(ApiKey.store_id == store_id).order_by(ApiKey.id)))


async def revoke_api_key(session: AsyncSession, store_id: int, key_id: int) -> bool:
    row = await session.scalar(select(ApiKey).where(ApiKey.store_id == store_id, ApiKey.id == key_id))
    if row is None:
        return False
    row.revoked_at = row.revoked_at or _now()
    return True
