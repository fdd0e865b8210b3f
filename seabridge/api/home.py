"""The landing page: what this server is, its stores, and where to go next."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from seabridge import __version__
from seabridge.api.deps import Session
from seabridge.db.models import Customer, Order, Product, Shipment, Store

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Seabridge</title><link rel="icon" href="data:,">
<style>
body{{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b2733}}
h1{{margin-bottom:.2rem}} .muted{{color:#5b6b7b}} table{{border-collapse:collapse;width:100%;margin:1rem 0}}
th,td{{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #dde3ea}} code{{background:#f1f4f7;padding:0 .3rem}}
</style></head><body>
<h1>Seabridge</h1><p class="muted">Real-time engagement for cross-border commerce &middot; v{version}</p>
<table><thead><tr><th>Store</th><th>Slug</th><th>Widget key</th><th>Products</th><th>Customers</th>
<th>Orders</th><th>Shipments</th></tr></thead><tbody>{rows}</tbody></table>
<p><a href="/docs">REST API reference (OpenAPI)</a> &middot; <a href="/openapi.json">openapi.json</a>
&middot; <a href="/healthz">health</a> &middot; <a href="/metrics">metrics</a></p>
<p>Log in as an agent: <code>POST /v1/auth/login</code> with the store slug, e-mail and password,
then call the API with <code>Authorization: Bearer &lt;token&gt;</code>.</p>
</body></html>"""


@router.get("/", response_class=HTMLResponse)
async def home(session: Session) -> HTMLResponse:
    rows = []
    for store in await session.scalars(select(Store).order_by(Store.id)):
        counts = []
        for model in (Product, Customer, Order, Shipment):
            n = await session.scalar(select(func.count()).select_from(model).where(model.store_id == store.id))
            counts.append(f"<td>{n}</td>")
        rows.append(
            f"<tr><td>{escape(store.name)}</td><td>{escape(store.slug)}</td>"
            f"<td><code>{escape(store.public_key)}</code></td>{''.join(counts)}</tr>"
        )
    body = "".join(rows) or '<tr><td colspan="7">No store yet: <code>seabridge store import DIR</code></td></tr>'
    return HTMLResponse(_PAGE.format(version=__version__, rows=body))
