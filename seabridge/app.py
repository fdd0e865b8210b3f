"""The ASGI application: routers, error shape, metrics and lifespan."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from seabridge import __version__, metrics
from seabridge.api import (
    auth,
    calls,
    console,
    conversations,
    customers,
    errors,
    health,
    home,
    imports,
    orders,
    products,
    shipments,
    store,
    webhook_endpoints,
    webhooks,
    widget,
    ws,
)
from seabridge.settings import Settings
from seabridge.state import AppState
from seabridge.web import console as console_page
from seabridge.web import routes as web_routes
from seabridge.workers import WORKERS

DESCRIPTION = """Seabridge REST API.

Authenticate with `Authorization: Bearer <key>` where the key is a store API key
(`sbk_...`, made by `seabridge store create` or an import) or an agent session
token (`sbs_...`, from `POST /v1/auth/login`). Every object belongs to exactly one
store; another store's objects answer 404. Lists use cursor paging: pass the
`next_cursor` of one page as `cursor` to get the next.
"""


def create_app(
    settings: Settings | None = None,
    *,
    state: AppState | None = None,
    static: dict[str, Path] | None = None,
) -> FastAPI:
    """Build the app. With `state` given, the caller owns the database lifecycle (tests, CLI)."""
    settings = settings or (state.settings if state else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state is not None:
            app.state.seabridge = state
            yield
            return
        opened = await AppState.open(settings)
        app.state.seabridge = opened
        await opened.start(WORKERS)
        try:
            yield
        finally:
            await opened.close()

    app = FastAPI(
        title="Seabridge",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    if state is not None:
        app.state.seabridge = state
    errors.install(app)
    for module in (
        home,
        health,
        auth,
        store,
        products,
        customers,
        orders,
        shipments,
        imports,
        webhooks,
        widget,
        conversations,
        console,
        calls,
        webhook_endpoints,
        ws,
    ):
        app.include_router(module.router)
    app.include_router(console.widget_router)
    app.include_router(console_page.router)
    web_routes.install(app)  # /widget.js, /demo-store, CORS for /v1/widget/*
    for prefix, folder in (static or {}).items():
        folder.mkdir(parents=True, exist_ok=True)
        app.mount(prefix, StaticFiles(directory=folder), name=prefix.strip("/").replace("/", "-"))

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = _route_template(request)
        metrics.HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response

    return app


def _route_template(request: Request) -> str:
    # Label by route template, never by raw path: raw paths carry ids and would explode cardinality.
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))
