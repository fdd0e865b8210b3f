"""Image attachments: what an upload is (judged by its bytes, never by its name or
declared type), how big it may be, and who may attach or fetch it.

Upload path: check the caller may see the conversation -> stream the multipart
`file` part to a temporary file, cutting off past `MAX_BYTES` and refusing at once
when the first bytes are no known image signature -> read the dimensions from the
image header -> move the file to its content address -> store the row.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from seabridge.db.conversations import Attachment
from seabridge.services.messaging import Actor, MessagingService, NotFound
from seabridge.storage import attachments as store

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 10_000
MAX_PER_MESSAGE = 10
FORM_OVERHEAD = 64 * 1024  # room for multipart boundaries and headers around the file
_SNIFF_BYTES = 12

_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


class UploadError(Exception):
    status = 422
    code = "invalid_request"


class TooLarge(UploadError):
    status = 413
    code = "payload_too_large"


class Unsupported(UploadError):
    status = 415
    code = "unsupported_media_type"


class InvalidImage(UploadError):
    status = 422
    code = "invalid_image"


class BadForm(UploadError):
    status = 422
    code = "invalid_request"


class UnknownAttachment(Exception):
    """An attachment id that is not an upload to this conversation."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    content_type: str
    ext: str
    width: int
    height: int


# --- what the bytes are (pure) ----------------------------------------------------


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the signature, or None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", "gif"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def image_info(data: bytes) -> ImageInfo:
    """Type and dimensions from the header; raises Unsupported or InvalidImage."""
    kind = sniff(data[:_SNIFF_BYTES])
    if kind is None:
        raise Unsupported("only JPEG, PNG, GIF and WebP images are accepted")
    content_type, ext = kind
    size = {"jpg": _jpeg_size, "png": _png_size, "gif": _gif_size, "webp": _webp_size}[ext](data)
    if size is None:
        raise InvalidImage("the image header is damaged")
    width, height = size
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise InvalidImage(f"image dimensions must be between 1 and {MAX_SIDE} pixels")
    return ImageInfo(content_type, ext, width, height)


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _gif_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return int(width), int(height)


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the segments up to the first start-of-frame marker."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame
            return None
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


# --- the upload on the wire ---------------------------------------------------------


async def file_part(content_type: str, body: AsyncIterator[bytes], limit: int = MAX_BYTES) -> AsyncIterator[bytes]:
    """The bytes of the multipart field `file`, as they arrive. The part's filename is
    never read; more than `limit` bytes in the part (or far more in the body) is TooLarge."""
    mime, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise BadForm("send the image as multipart/form-data with a `file` field")
    pending: list[bytes] = []
    header_name = bytearray()
    header_value = bytearray()
    state = {"in_file": False, "seen": False, "done": False, "size": 0}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        if bytes(header_name).lower() == b"content-disposition":
            _, disposition = parse_options_header(bytes(header_value))
            is_file = disposition.get(b"name") == b"file" and not state["seen"]
            state["in_file"] = is_file
            state["seen"] = state["seen"] or is_file
        header_name.clear()
        header_value.clear()

    def on_part_begin() -> None:
        state["in_file"] = False

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["in_file"]:
            state["size"] += end - start
            if state["size"] > limit:
                raise TooLarge(f"an image may be at most {limit // (1024 * 1024)} MiB")
            pending.append(data[start:end])

    def on_end() -> None:
        state["done"] = True

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_end": on_end,
        },
    )
    received = 0
    async for chunk in body:
        received += len(chunk)
        if received > limit + FORM_OVERHEAD:
            raise TooLarge(f"an image may be at most {limit // (1024 * 1024)} MiB")
        try:
            parser.write(chunk)
        except UploadError:
            raise
        except Exception as exc:  # the parser's own errors: a malformed body
            raise BadForm("the multipart body is not valid") from exc
        for piece in pending:
            yield piece
        pending.clear()
    if not state["seen"]:
        raise BadForm("the form has no `file` field")
    if not state["done"]:
        raise BadForm("the multipart body ended early")


async def _refuse_non_images(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Pass bytes through, but stop as soon as the first bytes show this is no image."""
    head = b""
    checked = False
    async for chunk in chunks:
        if not checked:
            head += chunk
            if len(head) < _SNIFF_BYTES:
                continue
            if sniff(head) is None:
                raise Unsupported("only JPEG, PNG, GIF and WebP images are accepted")
            checked, chunk = True, head
        yield chunk
    if not checked and sniff(head) is None:
        raise Unsupported("only JPEG, PNG, GIF and WebP images are accepted")
    if not checked:
        yield head


# --- the service ----------------------------------------------------------------------


@dataclass(slots=True)
class AttachmentService:
    sessions: async_sessionmaker[AsyncSession]
    messaging: MessagingService
    data_dir: Path

    async def upload(self, actor: Actor, conversation_id: int, chunks: AsyncIterator[bytes]) -> Attachment:
        async with self.sessions() as session:
            conv = await self.messaging.conversation_for(actor, conversation_id, session)
        spooled = await store.spool(self.data_dir, _refuse_non_images(chunks))
        try:
            data = await asyncio.to_thread(spooled.path.read_bytes)
            info = image_info(data)
            relative = await asyncio.to_thread(store.commit_blob, self.data_dir, spooled, actor.store_id, info.ext)
        finally:
            await asyncio.to_thread(store.discard, spooled)
        async with self.sessions() as session, session.begin():
            return await store.insert_attachment(
                session,
                store_id=actor.store_id,
                conversation_id=conv.id,
                uploader_kind=actor.kind,
                uploader_ref=actor.ref,
                content_type=info.content_type,
                size=spooled.size,
                sha256=spooled.sha256,
                path=relative,
                width=info.width,
                height=info.height,
            )

    async def fetch(self, actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
        """The attachment and its file, if the caller may see its conversation; else NotFound."""
        async with self.sessions() as session:
            found = await store.get_attachment(session, actor.store_id, attachment_id)
            if found is None:
                raise UnknownAttachment(f"attachment {attachment_id} not found")
            try:
                await self.messaging.conversation_for(actor, found.conversation_id, session)
            except NotFound as exc:  # not the caller's conversation: so not the caller's file either
                raise UnknownAttachment(f"attachment {attachment_id} not found") from exc
            if actor.kind == "buyer" and not await self._buyer_may_see(actor, found, session):
                raise UnknownAttachment(f"attachment {attachment_id} not found")
        path = store.blob_path(self.data_dir, found.path)
        if path is None:
            raise UnknownAttachment(f"attachment {attachment_id} not found")
        return found, path

    async def _buyer_may_see(self, actor: Actor, found: Attachment, session: AsyncSession) -> bool:
        """A buyer sees their own uploads and images in messages shown to them, never internal notes."""
        if found.uploader_kind == "buyer" and found.uploader_ref == actor.ref:
            return True
        visible = await self.messaging.history_after(actor, found.conversation_id, 0, 100_000)
        return any(att.get("id") == found.id for message in visible for att in message.attachments)

    async def for_message(self, actor: Actor, conversation_id: int, ids: list[int]) -> list[dict[str, Any]]:
        """What a message stores about the attachments it references; all must be this conversation's."""
        if not ids:
            return []
        async with self.sessions() as session:
            conv = await self.messaging.conversation_for(actor, conversation_id, session)
            rows = await store.attachments_in_conversation(session, actor.store_id, conv.id, ids)
        by_id = {row.id: row for row in rows}
        if set(ids) - by_id.keys():
            raise UnknownAttachment("an attachment is not an upload to this conversation")
        return [attachment_payload(by_id[i]) for i in dict.fromkeys(ids)]


def attachment_payload(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.id,
        "content_type": row.content_type,
        "size": row.size,
        "width": row.width,
        "height": row.height,
    }
