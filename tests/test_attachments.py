"""Image attachments: judged by their bytes, size-capped while streaming, stored by content,
and served only to callers who can see the conversation."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from seabridge.services import attachments as attach
from seabridge.state import AppState
from tests.conftest import StoreHandle, make_store
from tests.test_api_conversations import buyer_auth, open_conversation


def png(width: int, height: int, *, pixels: bool = True) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    raw = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height)) if pixels else b""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def jpeg(width: int, height: int) -> bytes:
    """SOI, a JFIF and an Exif segment (so the frame is not first), a baseline frame header, EOI."""

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    exif = segment(0xE1, b"Exif\x00\x00" + b"\x00" * 300)
    frame = segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    return b"\xff\xd8" + jfif + exif + frame + b"\xff\xd9"


async def upload(
    client: httpx.AsyncClient,
    url: str,
    auth: dict[str, str],
    data: bytes,
    filename: str = "photo.png",
    content_type: str = "image/png",
) -> httpx.Response:
    return await client.post(url, files={"file": (filename, data, content_type)}, headers=auth)


async def setup(client: httpx.AsyncClient, shop: StoreHandle) -> tuple[dict[str, str], dict[str, Any]]:
    buyer = await buyer_auth(client, shop)
    return buyer, await open_conversation(client, buyer)


def stored_files(state: AppState) -> list[Path]:
    root = state.settings.data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_png_and_jpeg_are_accepted_with_their_dimensions(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    buyer, conv = await setup(client, store)
    agent_url = f"/v1/conversations/{conv['id']}/attachments"
    image = png(3, 2)
    answer = await upload(client, agent_url, store.auth, image)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["content_type"] == "image/png" and body["size"] == len(image)
    assert (body["width"], body["height"]) == (3, 2)
    assert body["url"] == f"/v1/attachments/{body['id']}"
    served = await client.get(body["url"], headers=store.auth)
    assert served.status_code == 200 and served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == "inline"

    photo = jpeg(640, 480)
    mine = await upload(
        client, f"/v1/widget/conversations/{conv['id']}/attachments", buyer, photo, "me.jpg", "image/jpeg"
    )
    assert mine.status_code == 201, mine.text
    assert (mine.json()["content_type"], mine.json()["width"], mine.json()["height"]) == ("image/jpeg", 640, 480)
    assert mine.json()["url"] == f"/v1/widget/attachments/{mine.json()['id']}"
    assert (await client.get(mine.json()["url"], headers=buyer)).content == photo
    # The agent's upload is not in any message shown to the buyer yet, so the buyer cannot fetch it.
    assert (await client.get(f"/v1/widget/attachments/{body['id']}", headers=buyer)).status_code == 404


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"GIF89a" + struct.pack("<HH", 20, 10) + b"\x00" * 20, ("image/gif", 20, 10)),
        (b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 8 + (99).to_bytes(3, "little") + (49).to_bytes(3, "little"), None),
    ],
)
def test_gif_and_webp_headers(data: bytes, kind: tuple[str, int, int] | None) -> None:
    info = attach.image_info(data)
    assert (info.content_type, info.width, info.height) == (kind or ("image/webp", 100, 50))


async def test_type_is_judged_by_content_not_name_or_header(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    _, conv = await setup(client, store)
    url = f"/v1/conversations/{conv['id']}/attachments"
    image = png(4, 4)
    renamed = await upload(client, url, store.auth, image, "holiday.jpg", "image/jpeg")
    assert renamed.status_code == 201
    assert renamed.json()["content_type"] == "image/png"
    served = await client.get(renamed.json()["url"], headers=store.auth)
    assert served.headers["content-type"] == "image/png"
    assert [p.suffix for p in stored_files(state)] == [".png"]

    disguised = [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
        b"\x89PN",  # too short to be anything
        b"",
    ]
    for data in disguised:
        refused = await upload(client, url, store.auth, data, "pic.png", "image/png")
        assert refused.status_code == 415, data[:10]
        assert refused.json()["error"]["code"] == "unsupported_media_type"
    huge = await upload(client, url, store.auth, png(20000, 1, pixels=False))
    assert huge.status_code == 422 and huge.json()["error"]["code"] == "invalid_image"
    not_a_form = await client.post(url, content=image, headers={**store.auth, "Content-Type": "image/png"})
    assert not_a_form.status_code == 422
    assert len(stored_files(state)) == 1  # nothing refused was kept, not even a temporary file


async def test_oversized_uploads_are_cut_off(client: httpx.AsyncClient, state: AppState, store: StoreHandle) -> None:
    _, conv = await setup(client, store)
    url = f"/v1/conversations/{conv['id']}/attachments"
    too_big = png(1, 1) + b"\x00" * (attach.MAX_BYTES - len(png(1, 1)) + 1)
    refused = await upload(client, url, store.auth, too_big)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "payload_too_large"

    # A chunked body with no length: the server stops reading soon after the limit.
    sent = 0
    boundary = "xyzzy"

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode() + png(1, 1)
        while sent < 200 * 1024 * 1024:
            sent += 64 * 1024
            yield b"\x00" * (64 * 1024)

    headers = {**store.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    streamed = await client.post(url, content=endless(), headers=headers)
    assert streamed.status_code == 413
    assert sent < attach.MAX_BYTES + 1024 * 1024
    assert stored_files(state) == []


async def test_client_filename_never_reaches_the_disk(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    _, conv = await setup(client, store)
    image = png(2, 2)
    for name in ("../../../../etc/passwd.png", "..\\..\\evil.png", "/tmp/x.png", "a\x00b.png"):
        answer = await upload(client, f"/v1/conversations/{conv['id']}/attachments", store.auth, image, name)
        assert answer.status_code == 201, name
    files = stored_files(state)
    assert len(files) == 1  # the same bytes are stored once, by content
    digest = files[0].stem
    expected = state.settings.data_dir / "attachments" / str(store.id) / digest[:2] / f"{digest}.png"
    assert files[0] == expected and files[0].read_bytes() == image


async def test_other_stores_and_buyers_get_404(client: httpx.AsyncClient, state: AppState, store: StoreHandle) -> None:
    alice, conv = await setup(client, store)
    bob, _ = await setup(client, store)
    mine = await upload(client, f"/v1/widget/conversations/{conv['id']}/attachments", alice, png(2, 2))
    assert mine.status_code == 201
    attachment_id = mine.json()["id"]
    other = await make_store(state)
    missing = await client.get("/v1/attachments/2147483647", headers=other.auth)
    assert missing.status_code == 404
    assert (await client.get(f"/v1/attachments/{attachment_id}", headers=other.auth)).json() == missing.json()
    assert (await client.get(f"/v1/widget/attachments/{attachment_id}", headers=bob)).status_code == 404
    elsewhere = await upload(client, f"/v1/widget/conversations/{conv['id']}/attachments", bob, png(2, 2))
    assert elsewhere.status_code == 404  # nor upload into another buyer's conversation
    foreign = await upload(client, f"/v1/conversations/{conv['id']}/attachments", other.auth, png(2, 2))
    assert foreign.status_code == 404


async def test_messages_reference_attachments_of_their_conversation(
    client: httpx.AsyncClient, state: AppState, store: StoreHandle
) -> None:
    alice, conv = await setup(client, store)
    bob, bobs_conv = await setup(client, store)
    own = (await upload(client, f"/v1/widget/conversations/{conv['id']}/attachments", alice, png(5, 6))).json()
    url = f"/v1/widget/conversations/{conv['id']}/messages"
    sent = await client.post(url, json={"client_msg_id": "p1", "text": "", "attachments": [own["id"]]}, headers=alice)
    assert sent.status_code == 201, sent.text
    message = sent.json()["message"]
    assert message["kind"] == "image"
    assert message["attachments"] == [
        {"id": own["id"], "content_type": "image/png", "size": own["size"], "width": 5, "height": 6}
    ]
    bobs = (await upload(client, f"/v1/widget/conversations/{bobs_conv['id']}/attachments", bob, png(1, 1))).json()
    agent_url = f"/v1/conversations/{conv['id']}/messages"
    for ids in ([bobs["id"]], [2147483647]):
        refused = await client.post(
            agent_url, json={"client_msg_id": "x", "text": "see", "attachments": ids}, headers=store.auth
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "invalid_attachment"
    history = (await client.get(agent_url, headers=store.auth)).json()["items"]
    assert [m["attachments"][0]["id"] for m in history] == [own["id"]]


async def test_buyer_never_sees_images_of_internal_notes(client: httpx.AsyncClient, store: StoreHandle) -> None:
    buyer, conv = await setup(client, store)
    url = f"/v1/conversations/{conv['id']}/attachments"
    noted = (await upload(client, url, store.auth, png(2, 2))).json()
    shown = (await upload(client, url, store.auth, png(4, 4))).json()
    send = f"/v1/conversations/{conv['id']}/messages"
    note = {
        "client_msg_id": "n1",
        "text": "warehouse photo, do not share",
        "kind": "note",
        "attachments": [noted["id"]],
    }
    assert (await client.post(send, json=note, headers=store.auth)).status_code == 201
    reply = {"client_msg_id": "m1", "text": "here is your parcel", "attachments": [shown["id"]]}
    assert (await client.post(send, json=reply, headers=store.auth)).status_code == 201
    assert (await client.get(f"/v1/widget/attachments/{noted['id']}", headers=buyer)).status_code == 404
    assert (await client.get(f"/v1/widget/attachments/{shown['id']}", headers=buyer)).status_code == 200
    # Not yet referenced by any message: also hidden from the buyer.
    pending = (await upload(client, url, store.auth, png(5, 5))).json()
    assert (await client.get(f"/v1/widget/attachments/{pending['id']}", headers=buyer)).status_code == 404
