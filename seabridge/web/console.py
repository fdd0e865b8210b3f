"""The agent console: its HTML shell at /console and its bundled files at /console/assets.

The page runs only the bundled script from this origin (no inline script, no CDN, no
external fonts); the Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from seabridge.api.errors import not_found
from seabridge.web.assets import asset

router = APIRouter(include_in_schema=False)

ASSETS = frozenset({"console.js", "console.css"})
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data: https:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_SHELL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Seabridge console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/console.js"></script>
</head><body><div id="app"><noscript>The Seabridge console needs JavaScript.</noscript></div></body></html>
"""


@router.get("/console", response_class=HTMLResponse)
async def console_page() -> HTMLResponse:
    return HTMLResponse(_SHELL, headers=_HEADERS)


@router.get("/console/assets/{name}")
async def console_asset(name: str) -> Response:
    if name not in ASSETS:
        raise not_found("asset")
    return asset(name, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})
