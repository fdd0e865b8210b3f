"""Serving the bundled front-end files from `seabridge/web/static/`."""

from __future__ import annotations

from pathlib import Path

from fastapi import Response

from seabridge.api.errors import ApiError

STATIC = Path(__file__).parent / "static"

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}


def asset(name: str, *, headers: dict[str, str] | None = None) -> Response:
    """One bundled file, or a 503 that says how to build the bundles."""
    path = STATIC / name
    if path.parent != STATIC or not path.is_file():
        raise ApiError(503, f"{name} is not built: run scripts/bootstrap (needs Node.js and npm)")
    media = _TYPES.get(path.suffix, "application/octet-stream")
    return Response(path.read_bytes(), media_type=media, headers=headers)
