"""The buyer side served by Seabridge: `/widget.js`, the demo store page, demo product images,
and the cross-origin rules that let a store's own page use the widget.

`install(app)` adds the routes and `WidgetCors`: CORS for `/v1/widget/*` only, any origin,
never credentials (the widget authenticates with a bearer buyer token, no cookies).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import secrets
from dataclasses import dataclass
from html import escape

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from seabridge.api.deps import Session, State
from seabridge.api.errors import ApiError
from seabridge.storage import catalog, stores
from seabridge.web.assets import STATIC, asset

router = APIRouter(include_in_schema=False)

WIDGET_PREFIX = "/v1/widget/"
# Short enough that a new release reaches stores quickly; revalidation is cheap (ETag).
WIDGET_CACHE = "public, max-age=300, stale-while-revalidate=86400"
_IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,200}\.svg$")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$")


@dataclass(frozen=True, slots=True)
class _Bundle:
    mtime_ns: int
    body: bytes
    gzipped: bytes
    etag: str


_bundles: dict[str, _Bundle] = {}


def _bundle(name: str) -> _Bundle:
    """The built file with its gzip form and ETag, recomputed when the file changes."""
    path = STATIC / name
    if not path.is_file():
        asset(name)  # raises the 503 that says how to build
    mtime = path.stat().st_mtime_ns
    cached = _bundles.get(name)
    if cached is None or cached.mtime_ns != mtime:
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        cached = _bundles[name] = _Bundle(mtime, body, gzip.compress(body, 9, mtime=0), etag)
    return cached


@router.get("/widget.js")
async def widget_js(request: Request) -> Response:
    """The buyer widget, loadable from any store's page."""
    bundle = _bundle("widget.js")
    headers = {
        "ETag": bundle.etag,
        "Cache-Control": WIDGET_CACHE,
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if bundle.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = bundle.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = bundle.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


def page_csp(request: Request, nonce: str) -> str:
    """The policy of the pages Seabridge serves: own scripts, own API and socket, nothing else."""
    host = request.headers.get("host", "")
    sockets = f" ws://{host} wss://{host}" if _HOST.match(host) else ""
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'{sockets}; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )


_DEMO = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{name} (demo store)</title><link rel="icon" href="data:,">
<style nonce="{nonce}">
body{{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b2733;background:#fafbfc}}
.demo{{background:#1b2733;color:#fff;padding:.5rem 1rem;font-size:14px}} .demo a{{color:#9fd8d8}}
header,main{{max-width:64rem;margin:0 auto;padding:1rem}} h1{{margin:.5rem 0 0}}
ul{{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:1rem}}
li{{background:#fff;border:1px solid #dde3ea;border-radius:10px;overflow:hidden}}
li img{{width:100%;aspect-ratio:1;object-fit:cover;display:block;background:#eef2f5}}
li p{{margin:.4rem .7rem}} .price{{font-weight:600}}
</style></head><body>
<p class="demo" role="note"><strong>This is a demo store.</strong> Nothing here is for sale: it shows the
Seabridge buyer widget (the chat button, bottom corner) on a store page. Agents answer in the
<a href="/console">console</a>.</p>
<header><h1>{name}</h1><p>{count} products &middot; ships worldwide from {ships}</p></header>
<main><ul>{items}</ul></main>
<script src="/widget.js" data-store="{key}" async></script>
</body></html>"""


@router.get("/demo-store", response_class=HTMLResponse)
async def demo_store(request: Request, session: Session, store: str = "") -> HTMLResponse:
    """A demo store page with the widget on it: the first store, or `?store=<slug>`."""
    found = await stores.get_by_slug(session, store) if store else None
    if found is None:
        listed = await stores.list_stores(session)
        found = listed[0] if listed else None
    if found is None:
        raise ApiError(404, "no store yet: run `seabridge demo` or `seabridge store import DIR`")
    page = await catalog.search_products(session, found.id, catalog.ProductQuery(status="active"), limit=24)
    items = []
    for p in page.items:
        image = f'<img src="{escape(p.images[0])}" alt="" loading="lazy">' if p.images else ""
        items.append(
            f'<li id="product-{escape(p.handle)}">{image}<p>{escape(p.title)}</p>'
            f'<p class="price">{escape(str(p.min_price))} {escape(found.currency)}</p></li>'
        )
    ships = ", ".join(str(s) for s in found.extra.get("ships_from", []) if isinstance(s, str)) or "our warehouse"
    nonce = secrets.token_urlsafe(16)
    html = _DEMO.format(
        name=escape(found.name),
        nonce=nonce,
        count=len(items),
        ships=escape(ships),
        items="".join(items),
        key=escape(found.public_key),
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": page_csp(request, nonce)})


_PLACEHOLDER = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 480">
<rect width="480" height="480" fill="#e4ebf0"/><path d="M150 320l70-90 50 60 40-45 70 75z" fill="#b7c6d2"/>
<circle cx="310" cy="170" r="32" fill="#b7c6d2"/></svg>"""


@router.get("/demo/images/{name}")
async def demo_image(name: str, state: State) -> Response:
    """A generated demo product tile (`seabridge demo` writes them), or a neutral placeholder."""
    if not _IMAGE_NAME.match(name):
        raise ApiError(404, "image not found")
    path = state.settings.data_dir / "demo-store" / "images" / name
    body = path.read_bytes() if path.is_file() else _PLACEHOLDER.encode()
    headers = {"Cache-Control": "public, max-age=3600", "Cross-Origin-Resource-Policy": "cross-origin"}
    return Response(body, media_type="image/svg+xml", headers=headers)


class WidgetCors:
    """CORS for the buyer endpoints only: any origin, bearer tokens, no credentials."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(WIDGET_PREFIX):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.add_middleware(WidgetCors)
