"""Attachment rows (SQL, scoped by store) and their bytes on disk.

Files live at `DATA_DIR/attachments/<store_id>/<sha256[:2]>/<sha256>.<ext>`: named by
content, never by anything the client sent. Bytes are first written to a temporary
file in `DATA_DIR/attachments/tmp` and then renamed into place, so a reader never
sees half a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge.db.conversations import Attachment

ROOT = "attachments"


@dataclass(frozen=True, slots=True)
class Spooled:
    """Bytes received into a temporary file, with their digest and size."""

    path: Path
    sha256: str
    size: int


async def spool(data_dir: Path, chunks: AsyncIterator[bytes]) -> Spooled:
    """Write `chunks` to a temporary file; on any error the file is removed."""
    tmp_dir = data_dir / ROOT / "tmp"
    await asyncio.to_thread(tmp_dir.mkdir, parents=True, exist_ok=True)
    fd, name = await asyncio.to_thread(tempfile.mkstemp, dir=tmp_dir, suffix=".part")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                await asyncio.to_thread(out.write, chunk)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return Spooled(path, digest.hexdigest(), size)


def commit_blob(data_dir: Path, spooled: Spooled, store_id: int, ext: str) -> str:
    """Move a spooled file to its content address; returns the path relative to `data_dir`."""
    relative = Path(ROOT) / str(int(store_id)) / spooled.sha256[:2] / f"{spooled.sha256}.{ext}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(spooled.path, target)  # atomic; the same content may replace itself
    return relative.as_posix()


def discard(spooled: Spooled) -> None:
    spooled.path.unlink(missing_ok=True)


def blob_path(data_dir: Path, relative: str) -> Path | None:
    """The file of a stored path, only if it lies under the attachments folder and exists."""
    root = (data_dir / ROOT).resolve()
    path = (data_dir / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


async def insert_attachment(
    session: AsyncSession,
    *,
    store_id: int,
    conversation_id: int,
    uploader_kind: str,
    uploader_ref: str,
    content_type: str,
    size: int,
    sha256: str,
    path: str,
    width: int | None,
    height: int | None,
) -> Attachment:
    row = Attachment(
        store_id=store_id,
        conversation_id=conversation_id,
        uploader_kind=uploader_kind,
        uploader_ref=uploader_ref,
        content_type=content_type,
        size=size,
        sha256=sha256,
        path=path,
        width=width,
        height=height,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return row


async def get_attachment(session: AsyncSession, store_id: int, attachment_id: int) -> Attachment | None:
    return await session.scalar(
        select(Attachment).where(Attachment.store_id == store_id, Attachment.id == attachment_id)
    )


async def attachments_in_conversation(
    session: AsyncSession, store_id: int, conversation_id: int, ids: list[int]
) -> list[Attachment]:
    rows = await session.scalars(
        select(Attachment).where(
            Attachment.store_id == store_id,
            Attachment.conversation_id == conversation_id,
            Attachment.id.in_(ids),
        )
    )
    return list(rows)
