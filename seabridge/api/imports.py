"""Store import over REST: the same files and all-or-nothing rule as `seabridge store import`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from pydantic import BaseModel

from seabridge import metrics
from seabridge.api.deps import Admin, State
from seabridge.api.errors import ApiError
from seabridge.api.schemas import errors
from seabridge.services import importer

router = APIRouter(prefix="/v1/store", tags=["import"], responses=errors(400, 401, 404, 422))


class ImportResponse(BaseModel):
    store_id: int
    counts: dict[str, int]


@router.post(
    "/import",
    summary="Import store files (all or nothing)",
    response_model=ImportResponse,
    responses={422: {"description": "Bad rows; `error.details` lists file, row, column and reason"}},
)
async def import_store_files(files: list[UploadFile], caller: Admin, state: State) -> ImportResponse:
    """Send `multipart/form-data` with one part per file, each named `files` and carrying
    its file name, e.g. `curl -F files=@store.toml -F files=@products.csv ...`. File names:
    `store.toml`, `products.csv`, `customers.csv`, `orders.csv`, `tracking.jsonl`.
    If any row of any file is bad, nothing changes and every bad row is reported."""
    limit = state.settings.max_import_bytes
    payload: dict[str, bytes] = {}
    for upload in files:
        name = upload.filename or ""
        if name in payload:
            raise ApiError(400, f"{name} was sent twice")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise ApiError(413, f"{name} is larger than the limit of {limit} bytes")
        payload[name] = data
    if not payload:
        raise ApiError(400, "no files sent")
    try:
        result = await importer.import_files(state.sessions, payload, store_id=caller.store_id)
    except importer.ImportFailed as exc:
        metrics.IMPORTS.labels("rejected").inc()
        details: list[dict[str, Any]] = [e.as_dict() for e in exc.errors]
        raise ApiError(
            422,
            f"import rejected: {len(exc.errors)} bad row(s); nothing was changed",
            code="import_rejected",
            details=details,
        ) from exc
    metrics.IMPORTS.labels("ok").inc()
    return ImportResponse(store_id=result.store_id, counts=result.counts)
