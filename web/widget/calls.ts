// Video and voice calls in the buyer widget: two buttons in the header's call slot and the
// shared call view (web/shared/callview.ts) covering the chat panel. The buyer may call once a
// person is in the conversation (an agent wrote, or the bot handed over), or at any time when
// the store sets data-calls="always" on the script tag; an agent's call rings here whenever the
// widget is connected, opening the panel. A booked consult's join link
// (`?seabridge_call=<call_id>`, docs/protocol.md) opens the panel and starts that call.
import { getJson } from "../shared/api";
import type { CallMedia } from "../shared/call";
import { adoptCallCss, CallView, CALL_FRAME_TTL_MS } from "../shared/callview";
import type { ServerFrame } from "../shared/protocol";
import type { SeabridgeSocket } from "../shared/socket";
import { callStrings } from "./callstrings";

export interface CallHost {
  shadow: ShadowRoot;
  slot: HTMLElement; // the header's call slot
  panel: HTMLElement; // the chat panel the call view covers
  lang: () => string;
  socket: () => SeabridgeSocket | null;
  conversationId: () => number | null;
  open: () => void;
  you: () => string;
  team: () => string;
  always: boolean; // data-calls="always": the store lets buyers call before a person joined
  base: string; // the Seabridge server's origin
  token: () => Promise<string>;
}

const JOIN_PARAM = "seabridge_call";

const VIDEO_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true" width="20" height="20" fill="currentColor"><path d="M3 6h12a2 2 0 0 1 2 2v1.5l4-2.5v10l-4-2.5V16a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2z"/></svg>';
const VOICE_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true" width="20" height="20" fill="currentColor"><path d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"/></svg>';

export class WidgetCalls {
  readonly view: CallView;
  private readonly video: HTMLButtonElement;
  private readonly voice: HTMLButtonElement;
  private withPerson: boolean;
  private join: string | null = null; // a booked consult's call id from the join link

  constructor(private readonly host: CallHost) {
    adoptCallCss(host.shadow);
    this.withPerson = host.always;
    this.view = new CallView({
      strings: () => callStrings(host.lang()),
      send: (frame) => host.socket()?.sendFrame(frame, CALL_FRAME_TTL_MS) ?? false,
      me: () => host.socket()?.principal ?? null,
      mount: host.panel,
      localLabel: host.you(),
      remoteLabel: () => host.team(),
      onActive: () => this.render(),
    });
    this.video = this.button(VIDEO_ICON, "video");
    this.voice = this.button(VOICE_ICON, "audio");
    host.slot.append(this.video, this.voice);
    this.render();
    const join = new URLSearchParams(location.search).get(JOIN_PARAM);
    if (join && /^[A-Za-z0-9_-]{8,64}$/.test(join)) {
      this.join = join;
      queueMicrotask(() => host.open()); // connects; the call starts once the conversation is known
    }
  }

  /** The join link's consult: its media from the buyer's appointments, then the call. */
  private async joinConsult(callId: string): Promise<void> {
    const cid = this.host.conversationId();
    if (cid === null) return;
    let media: CallMedia = "video";
    try {
      const booked = await getJson<{ call_id: string; media: CallMedia }[]>(
        `${this.host.base}/v1/widget/consults/appointments`,
        await this.host.token(),
      );
      media = booked.find((a) => a.call_id === callId)?.media || media;
    } catch {
      /* the server refuses the invite if the id is not this buyer's consult */
    }
    const url = new URL(location.href);
    url.searchParams.delete(JOIN_PARAM); // a reload must not call again
    history.replaceState(history.state, "", url.href);
    if (!this.view.active) void this.view.start(String(cid), media, callId);
  }

  private button(icon: string, media: CallMedia): HTMLButtonElement {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `icon ${media === "video" ? "call-video" : "call-voice"}`;
    b.innerHTML = icon;
    b.addEventListener("click", () => this.start(media));
    return b;
  }

  private start(media: CallMedia): void {
    const cid = this.host.conversationId();
    if (cid === null || this.view.active) return;
    void this.view.start(String(cid), media);
  }

  /** Every server frame the widget receives. */
  handle(frame: ServerFrame): void {
    if (frame.type === "subscribed") {
      this.render();
      const join = this.join;
      this.join = null;
      if (join) void this.joinConsult(join);
    }
    if (frame.type === "message" && !this.withPerson) {
      const m = frame.message;
      if (m.sender?.kind === "agent" || m.data?.handoff) {
        this.withPerson = true;
        this.render();
      }
    }
    if (frame.type === "call_state" && frame.state === "inviting" && !this.view.active && frame.caller.kind === "agent")
      this.host.open(); // an agent calls: show the ringing screen
    this.view.handle(frame);
  }

  /** Labels follow the widget's language; the buttons show once calling makes sense. */
  render(): void {
    const t = callStrings(this.host.lang());
    this.video.setAttribute("aria-label", t.video);
    this.video.title = t.video;
    this.voice.setAttribute("aria-label", t.voice);
    this.voice.title = t.voice;
    const show = this.withPerson && this.host.conversationId() !== null;
    this.video.hidden = this.voice.hidden = !show;
    this.video.disabled = this.voice.disabled = this.view.active;
  }
}
