"""1v1 calls in real browsers: the buyer widget in one Chromium context and the agent console in
another, media from Chromium's fake camera and microphone, peer to peer over loopback,
signalled by a real Seabridge process. Each call's record is checked over REST: outcome,
duration and the quality samples both browsers sent."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import SCREENSHOTS, Live, OpenPage
from tests.e2e.test_console import ASK_FOR_A_PERSON, agent_auth, log_in, until
from tests.e2e.test_widget import WAIT_MS, buyer_token, open_chat, say

CALL_MS = 30_000


def buyer_with_a_person(live: Live, open_page: OpenPage, **context: Any) -> tuple[Page, int]:
    """A buyer in the widget who asked for a person: the call buttons show in the header."""
    options = {"viewport": {"width": 1100, "height": 820}, "locale": "en-US", **context}
    buyer, _ = open_page(**options)
    buyer.goto(live.url + "/demo-store")
    open_chat(buyer)
    expect(buyer.locator("button.call-video")).to_be_hidden()  # the bot alone: no calls yet
    say(buyer, ASK_FOR_A_PERSON)
    expect(buyer.locator("button.call-video")).to_be_visible(timeout=WAIT_MS)
    auth = {"Authorization": f"Bearer {buyer_token(buyer, live)}"}
    conversation = httpx.post(f"{live.url}/v1/widget/conversation", headers=auth, timeout=10).json()
    return buyer, int(conversation["id"])


def agent_on(live: Live, open_page: OpenPage, conversation_id: int) -> Page:
    """The agent console with the buyer's conversation open (so its calls ring here)."""
    agent, _ = open_page(viewport={"width": 1366, "height": 860}, locale="en-US")
    log_in(agent, live)
    row = agent.locator(f'.row[data-id="{conversation_id}"]')
    expect(row).to_be_visible(timeout=WAIT_MS)
    row.click()
    expect(agent.get_by_role("button", name="Start a video call")).to_be_enabled(timeout=WAIT_MS)
    return agent


def call_view(page: Page) -> Locator:
    return page.locator(".sbc")


def plays(page: Page, video: Locator, *, with_video: bool = True, with_audio: bool = True) -> None:
    """The remote media element renders the other browser's stream and its clock moves on."""
    handle = video.element_handle(timeout=CALL_MS)
    ready = "v => v.srcObject && v.readyState >= 2" + (" && v.videoWidth > 0" if with_video else "")
    page.wait_for_function(ready, arg=handle, timeout=CALL_MS)
    start = float(video.evaluate("v => v.currentTime"))
    page.wait_for_function("([v, t]) => v.currentTime > t + 0.5", arg=[handle, start], timeout=CALL_MS)
    tracks = video.evaluate("v => [v.srcObject.getVideoTracks().length, v.srcObject.getAudioTracks().length]")
    assert tracks == [int(with_video), int(with_audio)], tracks


def call_record(live: Live, staff: dict[str, str], conversation_id: int, state: str = "ended") -> dict[str, Any]:
    """The conversation's latest call once it reached `state`, with every stats sample."""

    def latest() -> dict[str, Any] | None:
        listed = httpx.get(
            f"{live.url}/v1/calls", params={"conversation_id": conversation_id}, headers=staff, timeout=10
        ).json()["items"]
        if not listed or listed[-1]["state"] != state:
            return None
        detail: dict[str, Any] = httpx.get(
            f"{live.url}/v1/calls/{listed[-1]['call_id']}", headers=staff, timeout=10
        ).json()
        return detail

    found: dict[str, Any] = until(latest, f"a call in state {state}", timeout_s=CALL_MS / 1000)
    return found


def samples_from(record: dict[str, Any]) -> set[str]:
    return {s["participant"]["kind"] for s in record["stats"]}


def test_buyer_video_calls_the_agent_and_both_see_video(live: Live, open_page: OpenPage) -> None:
    staff = agent_auth(live)
    buyer, conversation_id = buyer_with_a_person(live, open_page)
    agent = agent_on(live, open_page, conversation_id)

    buyer.locator("button.call-video").click()
    expect(call_view(buyer)).to_have_attribute("data-phase", "outgoing")
    ringing = call_view(agent)
    expect(ringing).to_have_attribute("data-phase", "incoming", timeout=WAIT_MS)
    expect(ringing.get_by_role("heading")).to_have_text("Incoming video call")
    expect(ringing.locator(".sbc-who")).to_contain_text(f"conversation #{conversation_id}")
    expect(agent.get_by_role("button", name="Accept")).to_be_focused()  # focus moves to the ringing toast
    agent.get_by_role("button", name="Accept").click()

    expect(call_view(agent)).to_have_attribute("data-phase", "live", timeout=CALL_MS)
    expect(call_view(buyer)).to_have_attribute("data-phase", "live", timeout=CALL_MS)
    plays(agent, agent.locator(".sbc-remote"))
    plays(buyer, buyer.locator(".sbc-remote"))
    expect(agent.locator(".sbc-q")).to_have_text(re.compile(r"^Network: (good|fair|poor)$"), timeout=CALL_MS)
    live_call = call_record(live, staff, conversation_id, state="connected")
    assert live_call["media"] == "video" and live_call["caller"]["kind"] == "buyer"

    # Video inspection: the agent's still of the buyer's camera lands in the conversation.
    agent.get_by_role("button", name="Snapshot").click()
    expect(call_view(agent).locator(".sbc-msg")).to_have_text("Snapshot attached to the conversation.", timeout=WAIT_MS)

    def snapshot_message() -> dict[str, Any] | None:
        url = f"{live.url}/v1/conversations/{conversation_id}/messages"
        items = httpx.get(url, params={"limit": 200}, headers=staff, timeout=10).json()["items"]
        return next((m for m in items if m["attachments"] and m["text"] == "Snapshot from the video call"), None)

    still = until(snapshot_message, "the snapshot message")
    picture = httpx.get(f"{live.url}/v1/attachments/{still['attachments'][0]['id']}", headers=staff, timeout=10)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    assert picture.content[:2] == b"\xff\xd8" and len(picture.content) > 1000

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    buyer.screenshot(path=str(SCREENSHOTS / "call-widget.png"))
    agent.screenshot(path=str(SCREENSHOTS / "call-console.png"))

    # Screen share: renegotiated into the call, the buyer gets a second video while it lasts.
    agent.get_by_role("button", name="Share screen").click()
    expect(agent.get_by_role("button", name="Stop sharing")).to_have_attribute("aria-pressed", "true", timeout=WAIT_MS)
    expect(buyer.locator(".sbc-screen")).to_be_visible(timeout=CALL_MS)
    plays(buyer, buyer.locator(".sbc-screen"), with_audio=False)
    agent.get_by_role("button", name="Stop sharing").click()
    expect(buyer.locator(".sbc-screen")).to_be_hidden(timeout=CALL_MS)
    plays(buyer, buyer.locator(".sbc-remote"))  # the camera goes on

    buyer.locator(".sbc-bar .sbc-end").click()  # the buyer hangs up
    expect(call_view(buyer)).to_be_hidden(timeout=WAIT_MS)
    expect(call_view(agent)).to_be_hidden(timeout=WAIT_MS)
    expect(agent.locator(".call-layer .sbc-note")).to_have_text(re.compile("Call ended"))

    record = call_record(live, staff, conversation_id)
    assert record["outcome"] == "completed", record
    assert record["duration_s"] > 0
    assert record["quality"]["samples"] >= 2 and record["quality"]["resolution_max"]
    assert samples_from(record) == {"buyer", "agent"}  # both browsers reported getStats summaries
    assert any(s["connection_state"] == "connected" and s["rtt_ms"] is not None for s in record["stats"])
    # The console lists the call with its outcome and quality summary.
    listed = agent.locator(f'.call-record[data-call-id="{record["call_id"]}"]')
    expect(listed).to_contain_text("completed", timeout=WAIT_MS)
    expect(listed.locator(".quality")).to_contain_text("samples")


def test_agent_voice_calls_the_buyer_who_hangs_up_with_escape(live: Live, open_page: OpenPage) -> None:
    staff = agent_auth(live)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    buyer, conversation_id = buyer_with_a_person(live, open_page, **phone)
    agent = agent_on(live, open_page, conversation_id)

    agent.get_by_role("button", name="Start a voice call").click()
    ringing = call_view(buyer)
    expect(ringing).to_have_attribute("data-phase", "incoming", timeout=WAIT_MS)
    expect(ringing.get_by_role("heading")).to_have_text(re.compile("Incoming voice call|Llamada de voz entrante"))
    accept = buyer.locator(".sbc-accept")
    expect(accept).to_be_focused()
    accept.press("Enter")

    expect(call_view(buyer)).to_have_attribute("data-phase", "live", timeout=CALL_MS)
    expect(call_view(agent)).to_have_attribute("data-phase", "live", timeout=CALL_MS)
    plays(buyer, buyer.locator(".sbc-remote"), with_video=False)
    plays(agent, agent.locator(".sbc-remote"), with_video=False)
    box = buyer.locator(".sbc").bounding_box()  # the call covers the phone's screen, controls in reach
    assert box is not None and box["width"] == 390 and box["height"] == 844
    for button in buyer.locator(".sbc-bar button").all():
        size = button.bounding_box()
        assert size is not None and size["height"] >= 44 and size["x"] >= 0 and size["x"] + size["width"] <= 390
    expect(buyer.locator(".sbc-bar .sbc-cam")).to_have_count(0)  # voice only: no camera controls
    mute = buyer.locator(".sbc-mute")
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    assert buyer.locator(".sbc-local").evaluate("v => v.srcObject === null")

    # Escape asks before it ends a consult; the second step hangs up.
    buyer.locator(".sbc-bar .sbc-end").focus()
    buyer.keyboard.press("Escape")
    confirm = call_view(buyer).locator(".sbc-msg .sbc-end")
    expect(confirm).to_be_focused()
    confirm.click()
    expect(call_view(agent)).to_be_hidden(timeout=WAIT_MS)

    # The call's events in the chat, in the widget's language (it follows the buyer's Spanish).
    ended = re.compile(r"^(Voice call ended|Llamada de voz finalizada) \(\d+:\d\d\)$")
    expect(buyer.locator("li.system .bubble").filter(has_text=ended)).to_have_count(1, timeout=WAIT_MS)

    record = call_record(live, staff, conversation_id)
    assert (record["media"], record["outcome"], record["caller"]["kind"]) == ("audio", "completed", "agent")
    assert record["duration_s"] > 0
    assert samples_from(record) == {"buyer", "agent"}
    assert record["quality"]["resolution_max"] is None  # no video was ever sent


def test_agent_declines_and_the_buyer_is_sent_back_to_the_chat(live: Live, open_page: OpenPage) -> None:
    staff = agent_auth(live)
    buyer, conversation_id = buyer_with_a_person(live, open_page)
    agent = agent_on(live, open_page, conversation_id)

    buyer.locator("button.call-voice").click()
    expect(call_view(agent)).to_have_attribute("data-phase", "incoming", timeout=WAIT_MS)
    agent.get_by_role("button", name="Decline").click()

    expect(call_view(buyer)).to_be_hidden(timeout=WAIT_MS)
    note = buyer.locator(".sbc-note")
    expect(note).to_have_text(re.compile("declined|Rechazaron"))
    expect(buyer.locator("textarea")).to_be_editable()  # the chat carries on
    expect(buyer.locator("button.call-voice")).to_be_enabled()
    record = call_record(live, staff, conversation_id)
    assert (record["outcome"], record["duration_s"], record["stats"]) == ("declined", 0, [])


def test_no_camera_or_microphone_keeps_the_buyer_in_the_chat(live: Live, open_page: OpenPage) -> None:
    staff = agent_auth(live)
    buyer, conversation_id = buyer_with_a_person(live, open_page)
    # The browser refuses media (no device, or the buyer said no): nobody is rung for nothing.
    refuse = "() => Promise.reject(new DOMException('none', 'NotFoundError'))"
    buyer.evaluate(f"() => {{ navigator.mediaDevices.getUserMedia = {refuse} }}")
    buyer.locator("button.call-video").click()
    note = buyer.locator(".sbc-note")
    expect(note).to_have_text(re.compile("unavailable|no disponibles"), timeout=WAIT_MS)
    expect(call_view(buyer)).to_be_hidden()
    expect(buyer.locator("textarea")).to_be_editable()
    note.get_by_role("button").click()  # dismissed
    expect(note).to_be_hidden()
    listed = httpx.get(f"{live.url}/v1/calls", params={"conversation_id": conversation_id}, headers=staff, timeout=10)
    assert listed.json()["items"] == []


def test_a_booked_consults_join_link_starts_its_call(live: Live, open_page: OpenPage) -> None:
    staff = agent_auth(live)
    every_day = [{"weekday": d, "start": "00:00", "end": "23:30", "slot_minutes": 30} for d in range(7)]
    put = httpx.put(f"{live.url}/v1/consults/availability", json={"windows": every_day}, headers=staff, timeout=10)
    assert put.status_code == 200, put.text
    buyer, conversation_id = buyer_with_a_person(live, open_page, timezone_id="Asia/Tokyo", locale="en-GB")
    agent = agent_on(live, open_page, conversation_id)

    # The buyer books in the widget: slots shown in the browser's zone, voice chosen, first slot.
    auth = {"Authorization": f"Bearer {buyer_token(buyer, live)}"}
    with httpx.Client(base_url=live.url, headers=auth, timeout=10) as client:
        first = client.get("/v1/widget/consults/slots", params={"timezone": "Asia/Tokyo"}).json()["slots"][0]
    consult = buyer.locator(".consult")
    consult.locator("summary").click()
    consult.get_by_role("combobox").select_option("audio")
    slot = consult.locator(".slots button").first
    expect(slot).to_have_attribute("data-start", first["starts_at"])
    hour, minute = int(first["local_start"][11:13]), first["local_start"][14:16]
    expect(slot).to_have_text(re.compile(rf"\b0?{hour}:{minute}\b"))  # Tokyo's clock, not the server's
    slot.click()
    expect(consult.get_by_role("status")).not_to_be_empty(timeout=WAIT_MS)
    with httpx.Client(base_url=live.url, headers=auth, timeout=10) as client:
        appointments = client.get("/v1/widget/consults/appointments").json()
    assert [(a["starts_at"], a["media"], a["buyer_timezone"]) for a in appointments] == [
        (first["starts_at"], "audio", "Asia/Tokyo")
    ]
    appointment = appointments[0]
    assert appointment["conversation_id"] == conversation_id

    buyer.goto(appointment["join_url"])  # the join link, as the reminder gives it
    ringing = call_view(agent)
    expect(ringing).to_have_attribute("data-phase", "incoming", timeout=WAIT_MS)
    expect(ringing.get_by_role("heading")).to_have_text("Incoming voice call")
    agent.get_by_role("button", name="Accept").click()
    expect(call_view(buyer)).to_have_attribute("data-phase", "live", timeout=CALL_MS)
    plays(agent, agent.locator(".sbc-remote"), with_video=False)
    assert "seabridge_call" not in buyer.url  # a reload does not call again

    live_call = call_record(live, staff, conversation_id, state="connected")
    assert (live_call["call_id"], live_call["media"]) == (appointment["call_id"], "audio")
    agent.locator(".sbc-bar .sbc-end").click()
    expect(call_view(buyer)).to_be_hidden(timeout=WAIT_MS)
    assert call_record(live, staff, conversation_id)["outcome"] == "completed"
