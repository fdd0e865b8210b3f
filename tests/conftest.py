"""Shared fixtures. Database tests run on both SQLite and PostgreSQL.

`SEABRIDGE_TEST_BACKENDS` picks backends (default "sqlite,postgresql");
`SEABRIDGE_TEST_PG` is the server URL (default postgresql://127.0.0.1:5432).
PostgreSQL being unreachable is a failure, not a skip.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from seabridge.app import create_app
from seabridge.services import importer
from seabridge.settings import Settings
from seabridge.state import AppState
from seabridge.workers import WORKERS

BACKENDS = [b.strip() for b in os.environ.get("SEABRIDGE_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
PG_SERVER = os.environ.get("SEABRIDGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
EVAL_STORE = Path(__file__).resolve().parent.parent / "evals" / "store"

STORE_TOML = """\
name = "{name}"
default_language = "en"
currency = "USD"
timezone = "Asia/Shanghai"
[policies]
return_window_days = 30
free_shipping_over = 79
payment_methods = ["card", "paypal"]
[[shipping]]
countries = ["US", "CA"]
days_min = 7
days_max = 12
cost = 6.9
[[shipping]]
countries = ["*"]
days_min = 10
days_max = 20
cost = 12
[hours]
mon = "09:00-18:00"
tue = "09:00-18:00"
wed = "09:00-18:00"
thu = "09:00-18:00"
fri = "09:00-18:00"
"""


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    name = f"seabridge_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def sqlite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sqlite")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, sqlite_dir: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{sqlite_dir / 'seabridge.db'}"
    if request.param == "postgresql":
        pg: str = request.getfixturevalue("pg_database")
        return pg.replace("postgresql://", "postgresql+asyncpg://", 1)
    raise ValueError(f"unknown backend {request.param}")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # The bot is off by default so messaging tests see only their own messages; agent tests turn it on.
    # Webhook receivers in tests listen on loopback: private networks allowed (test_egress.py checks the guard).
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-server-key",
        agent_engine="off",
        webhook_private_networks=True,
    )


@pytest.fixture(scope="session")
def migrated() -> set[str]:
    """Database URLs this session has brought to the head revision: later states skip Alembic's checks."""
    return set()


@pytest.fixture
async def state(settings: Settings, migrated: set[str]) -> AsyncIterator[AppState]:
    opened = await AppState.open(settings, run_migrations=settings.database_url not in migrated)
    migrated.add(settings.database_url)
    await opened.start(WORKERS)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def client(state: AppState) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(state=state)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://seabridge.test") as c:
        yield c


@dataclass(frozen=True)
class StoreHandle:
    id: int
    slug: str
    api_key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


async def make_store(state: AppState, files: dict[str, bytes] | None = None, name: str | None = None) -> StoreHandle:
    """A new store with a unique slug; tests share one database per backend, tenancy keeps them apart."""
    name = name or f"Test Store {secrets.token_hex(4)}"
    payload = {"store.toml": STORE_TOML.format(name=name).encode(), **(files or {})}
    result = await importer.import_files(state.sessions, payload)
    assert result.api_key is not None
    return StoreHandle(result.store_id, result.slug, result.api_key)


@pytest.fixture
async def store(state: AppState) -> StoreHandle:
    return await make_store(state)


@pytest.fixture(scope="session")
def eval_stores() -> dict[str, int]:
    """The evaluation store's id per database URL, once imported this session."""
    return {}


@pytest.fixture
async def eval_store(state: AppState, database_url: str, eval_stores: dict[str, int]) -> int:
    """The frozen evaluation store (evals/store), imported by the first test that asks on each backend:
    the import takes seconds. It is shared, so tests keep apart as buyers do (each opens its own
    conversations as a new visitor) and change none of its products, customers or orders."""
    if database_url not in eval_stores:
        files = {p.name: p.read_bytes() for p in EVAL_STORE.iterdir() if p.is_file()}
        name = f"Eval Store {secrets.token_hex(4)}"
        files["store.toml"] = files["store.toml"].replace(
            b'name = "Harbor & Pine Trading"', f'name = "{name}"'.encode()
        )
        eval_stores[database_url] = (await make_store(state, files)).id
    return eval_stores[database_url]
