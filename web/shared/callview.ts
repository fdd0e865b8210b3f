// The call UI shared by the buyer widget and the agent console: plain DOM (the widget must stay
// small; the console mounts it beside Preact). `CallView` owns at most one call at a time: it
// takes every server frame, rings for incoming calls (accept / decline), shows an outgoing call
// (cancel), then the in-call view (remote and local video, mute, camera off, switch camera,
// screen share and snapshot for agents, network quality, hang up), and finally a note saying
// how the call ended: a call that fails falls back to the chat with a clear message.
import { CallSession, type CallMedia, type CallServerFrame, type CallStateFrame, type CallStats } from "./call";
import type { ClientFrame, Participant, ServerFrame } from "./protocol";

export interface CallStrings {
  video: string;
  voice: string;
  incomingVideo: string;
  incomingVoice: string;
  calling: string;
  ringing: string;
  connecting: string;
  accept: string;
  decline: string;
  cancel: string;
  hangup: string;
  mute: string;
  unmute: string;
  camOff: string;
  camOn: string;
  switchCam: string;
  netGood: string;
  netFair: string;
  netPoor: string;
  audioOffer: string;
  audioOnly: string;
  mediaFailed: string;
  failed: string;
  ended: string;
  declined: string;
  missed: string;
  busy: string;
  cancelled: string;
  confirmEnd: string;
  stay: string;
  dismiss: string;
  // Agents only (screen share and snapshots are the agent's tools).
  share?: string;
  stopShare?: string;
  snapshot?: string;
  snapshotDone?: string;
  snapshotFailed?: string;
}

export interface CallViewOptions {
  strings: () => CallStrings;
  /** Writes one frame (SeabridgeSocket.sendFrame with a short time to live). */
  send: (frame: ClientFrame) => boolean;
  /** Who this client is (SeabridgeSocket.principal). */
  me: () => Participant | null;
  /** Where the call view is shown (the widget's panel, the console's body). */
  mount: HTMLElement;
  localLabel: string;
  remoteLabel: () => string;
  /** Agents: a still of the remote video to attach to the conversation. */
  onSnapshot?: (still: Blob, conversationId: string) => Promise<void>;
  /** Who is calling, under the ringing title (e.g. the conversation in the console). */
  describe?: (conversationId: string) => string;
  /** This side accepted an incoming call (e.g. the console opens its conversation). */
  onAccept?: (conversationId: string) => void;
  /** A call started or ended (e.g. to disable call buttons). */
  onActive?: (active: boolean) => void;
  /** A floating window over the page (the console) instead of covering the mount (the widget). */
  float?: boolean;
}

type Attrs = Record<string, string | ((e: Event) => void)>;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: (Node | string)[]) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") node.addEventListener(k, v);
    else node.setAttribute(k, v);
  }
  node.append(...kids);
  return node;
}

export function newCallId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "c_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** How long call signalling may wait for a reconnect before it is pointless (see SeabridgeSocket.sendFrame). */
export const CALL_FRAME_TTL_MS = 5000;

/** Good, fair or poor from a getStats summary (the same bounds as the step-down in call.ts). */
export function rate(s: CallStats): "good" | "fair" | "poor" {
  const loss = s.loss_pct ?? 0;
  const rtt = s.rtt_ms ?? 0;
  if (loss > 5 || rtt > 400) return "poor";
  if (loss > 1 || rtt > 200) return "fair";
  return "good";
}

async function getMedia(media: CallMedia): Promise<MediaStream> {
  const video = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
  if (media === "audio") return navigator.mediaDevices.getUserMedia({ audio: true });
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video });
  } catch {
    return navigator.mediaDevices.getUserMedia({ audio: true }); // no camera: join with the voice
  }
}

type Phase = "idle" | "outgoing" | "incoming" | "setup" | "live";

export class CallView {
  readonly root: HTMLDivElement;
  private session: CallSession | null = null;
  private frame: CallStateFrame | null = null;
  private phase: Phase = "idle";
  private conversationId = "";
  private media: CallMedia = "video";
  private local: MediaStream | null = null;
  private screen: MediaStream | null = null;
  private screenSender: RTCRtpSender | null = null;
  private remoteMain: MediaStream | null = null;
  private cameras: MediaDeviceInfo[] = [];
  private camera = 0;
  private muted = false;
  private camOffNow = false;
  private audioOnlyNow = false;
  private confirming = false;
  private shownPhase: Phase = "idle";
  private connectedAt = 0;
  private clock: ReturnType<typeof setInterval> | undefined;
  private quality: "good" | "fair" | "poor" | "" = "";
  private message = "";
  private messageAction: (() => void) | null = null;
  private note = "";
  private readonly stage: HTMLDivElement;
  private readonly remoteVideo: HTMLVideoElement;
  private readonly screenVideo: HTMLVideoElement;
  private readonly localVideo: HTMLVideoElement;
  private readonly title: HTMLHeadingElement;
  private readonly timer: HTMLSpanElement;
  private readonly who: HTMLSpanElement;
  private readonly qualityEl: HTMLSpanElement;
  private readonly messageEl: HTMLDivElement;
  private readonly bar: HTMLDivElement;
  private readonly noteEl: HTMLDivElement;
  private readonly onPageHide = () => this.leave();

  constructor(private readonly opts: CallViewOptions) {
    this.remoteVideo = h("video", { class: "sbc-remote", autoplay: "", playsinline: "" });
    this.screenVideo = h("video", { class: "sbc-screen", autoplay: "", playsinline: "", hidden: "" });
    this.localVideo = h("video", { class: "sbc-local", autoplay: "", playsinline: "" });
    this.localVideo.muted = true; // never play one's own microphone back
    this.stage = h("div", { class: "sbc-stage" }, this.remoteVideo, this.screenVideo, this.localVideo);
    this.title = h("h2", { class: "sbc-title", id: "sbc-title" });
    this.timer = h("span", { class: "sbc-timer" });
    this.who = h("span", { class: "sbc-who" });
    this.qualityEl = h("span", { class: "sbc-q", role: "status" });
    this.messageEl = h("div", { class: "sbc-msg", role: "alert" });
    this.bar = h("div", { class: "sbc-bar" });
    this.root = h(
      "div",
      {
        class: "sbc",
        role: "dialog",
        "aria-labelledby": "sbc-title",
        tabindex: "-1",
        hidden: "",
        keydown: (e) => this.onKey(e as KeyboardEvent),
      },
      this.stage,
      h("div", { class: "sbc-top" }, this.title, this.who, this.timer, this.qualityEl),
      this.messageEl,
      this.bar,
    );
    this.noteEl = h("div", { class: "sbc-note", role: "status", hidden: "" });
    opts.mount.append(this.root, this.noteEl);
  }

  get active(): boolean {
    return this.phase !== "idle";
  }

  get callId(): string | null {
    return this.session?.callId ?? null;
  }

  /** Call the other side of a conversation (`callId`: one reserved by a booked consult). */
  async start(conversationId: string, media: CallMedia, callId = newCallId()): Promise<void> {
    if (this.active) return;
    this.conversationId = conversationId;
    this.media = media;
    this.setPhase("outgoing");
    try {
      this.local = await getMedia(media);
    } catch {
      this.finish(this.opts.strings().mediaFailed);
      return;
    }
    if (!this.local.getVideoTracks().length) this.media = "audio";
    this.session = this.newSession(callId, "caller", this.media);
    this.session.localStream = this.local;
    this.session.invite(conversationId);
    this.showLocal();
  }

  /** Every frame from the socket: call frames drive the call, an error about it ends it. */
  handle(frame: ServerFrame): void {
    if (frame.type === "error") {
      // The invite was refused (e.g. the conversation is gone). Later errors (a late candidate
      // after the other side hung up) leave the call alone: its call_state is what counts.
      if (this.session && frame.ref === this.session.callId && this.phase === "outgoing" && !this.frame)
        this.finish(this.opts.strings().failed, true);
      return;
    }
    if (!frame.type.startsWith("call_")) return;
    const call = frame as CallServerFrame;
    const session = this.session;
    if (call.type === "call_state" && (!session || call.call_id !== session.callId)) {
      if (!session) this.incoming(call);
      else if (call.state === "inviting" && this.opts.me()?.kind === "buyer" && call.caller.kind !== "buyer")
        this.opts.send({ type: "call_busy", call_id: call.call_id }); // agents: another agent may answer
      return;
    }
    if (!session || call.call_id !== session.callId) return;
    if (call.type === "call_state") this.onState(call);
    session.handle(call).catch(() => this.hangup("media_failed"));
  }

  // ---- incoming ---------------------------------------------------------------------------

  private incoming(frame: CallStateFrame): void {
    const me = this.opts.me();
    if (frame.state !== "inviting" || !me || (frame.caller.kind === me.kind && frame.caller.id === me.id)) return;
    this.conversationId = frame.conversation_id;
    this.media = frame.media;
    this.frame = frame;
    this.session = this.newSession(frame.call_id, "callee", frame.media);
    this.session.ring();
    this.setPhase("incoming"); // focus moves to the ringing dialog's Accept button
  }

  private async accept(): Promise<void> {
    const session = this.session;
    if (!session || this.phase !== "incoming") return;
    this.setPhase("setup");
    try {
      this.local = await getMedia(this.media);
    } catch {
      session.decline("media_unavailable");
      this.finish(this.opts.strings().mediaFailed);
      return;
    }
    if (this.session !== session) return; // cancelled meanwhile
    session.localStream = this.local;
    this.showLocal();
    session.accept();
    this.opts.onAccept?.(this.conversationId);
  }

  // ---- state --------------------------------------------------------------------------------

  private newSession(callId: string, role: "caller" | "callee", media: CallMedia): CallSession {
    return new CallSession({
      callId,
      role,
      media,
      send: (f) => this.opts.send(f),
      onRemoteStream: (s) => this.onRemote(s),
      onStats: (s) => this.onStats(s),
      onSuggestAudioOnly: () => this.offerAudioOnly(),
    });
  }

  private onState(frame: CallStateFrame): void {
    this.frame = frame;
    const me = this.opts.me();
    const t = this.opts.strings();
    if (frame.state === "accepted" && this.phase === "incoming" && frame.callee && me && frame.callee.id !== me.id) {
      this.finish(""); // another agent took the call
      return;
    }
    if (frame.state === "ringing" || frame.state === "inviting") this.render();
    else if (frame.state === "accepted") this.setPhase("setup");
    else if (frame.state === "connected") {
      this.connectedAt = Date.now();
      this.setPhase("live");
    } else if (frame.state === "ended") {
      const mine = frame.caller.kind === me?.kind && frame.caller.id === me?.id;
      const text: Record<string, string> = {
        completed: t.ended,
        declined: mine ? t.declined : t.ended,
        cancelled: t.cancelled,
        missed: mine ? t.missed : t.cancelled,
        busy: t.busy,
        failed: t.failed,
      };
      const quiet = frame.outcome === "declined" && !mine;
      this.finish(quiet ? "" : text[frame.outcome || "failed"] || t.ended, frame.outcome === "failed");
    }
  }

  private setPhase(phase: Phase): void {
    const was = this.phase;
    this.phase = phase;
    if (was === "idle" && phase !== "idle") {
      this.note = "";
      this.renderNote();
      addEventListener("pagehide", this.onPageHide);
      this.opts.onActive?.(true);
    }
    if (phase === "live" && this.clock === undefined) this.clock = setInterval(() => this.tick(), 1000);
    this.render();
  }

  /** The call is over (or never started): release everything, leave a note in the chat area. */
  private finish(note: string, failed = false): void {
    const session = this.session;
    this.session = null;
    session?.close();
    for (const s of [this.local, this.screen]) for (const track of s?.getTracks() || []) track.stop();
    this.local = this.screen = this.remoteMain = null;
    this.screenSender = null;
    for (const v of [this.remoteVideo, this.localVideo, this.screenVideo]) v.srcObject = null;
    clearInterval(this.clock);
    this.clock = undefined;
    this.muted = this.camOffNow = this.audioOnlyNow = this.confirming = false;
    this.quality = "";
    this.connectedAt = 0;
    this.cameras = [];
    this.message = "";
    this.messageAction = null;
    this.frame = null;
    this.phase = "idle";
    removeEventListener("pagehide", this.onPageHide);
    this.render();
    this.note = note;
    this.noteEl.classList.toggle("sbc-failed", failed);
    this.renderNote();
    this.opts.onActive?.(false);
  }

  /** The page goes away: the other side must not wait for a timeout. */
  private leave(): void {
    const s = this.session;
    if (!s) return;
    if (this.phase === "outgoing") s.cancel();
    else if (this.phase === "incoming") s.decline();
    else void s.hangup("", false);
  }

  private hangup(reason = ""): void {
    const s = this.session;
    if (!s) return;
    if (this.phase === "outgoing") s.cancel();
    else if (this.phase === "incoming") s.decline();
    else void s.hangup(reason);
    // The ended call_state finishes the view; if the socket is down it never comes.
    setTimeout(() => this.session === s && this.finish(this.opts.strings().ended), 4000);
    this.confirming = false;
    this.render();
  }

  // ---- media ---------------------------------------------------------------------------------

  private onRemote(stream: MediaStream): void {
    if (!this.remoteMain || this.remoteMain.id === stream.id) {
      this.remoteMain = stream;
      if (this.remoteVideo.srcObject !== stream) this.play(this.remoteVideo, stream);
      return;
    }
    // A second stream is a screen share (renegotiated in): show it large while it lasts.
    this.play(this.screenVideo, stream);
    this.screenVideo.hidden = false;
    this.stage.classList.add("sbc-sharing");
    const ended = () => {
      if (this.screenVideo.srcObject !== stream) return;
      this.screenVideo.hidden = true;
      this.screenVideo.srcObject = null;
      this.stage.classList.remove("sbc-sharing");
    };
    stream.addEventListener("removetrack", ended);
    for (const track of stream.getTracks()) track.addEventListener("mute", ended);
  }

  private play(video: HTMLVideoElement, stream: MediaStream): void {
    video.srcObject = stream;
    video.play().catch(() => undefined); // autoplay refused: the controls still work
  }

  private showLocal(): void {
    if (this.local?.getVideoTracks().length) this.play(this.localVideo, this.local);
    this.render();
  }

  private async listCameras(): Promise<void> {
    try {
      this.cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
    } catch {
      this.cameras = [];
    }
    this.render();
  }

  private videoSender(): RTCRtpSender | undefined {
    const pc = this.session?.connection;
    return pc?.getSenders().find((s) => s.track?.kind === "video" && s !== this.screenSender);
  }

  private toggleMute(): void {
    this.muted = !this.muted;
    for (const t of this.local?.getAudioTracks() || []) t.enabled = !this.muted;
    this.render();
  }

  private toggleCamera(): void {
    this.camOffNow = !this.camOffNow;
    for (const t of this.local?.getVideoTracks() || []) t.enabled = !this.camOffNow;
    this.render();
  }

  private async switchCamera(): Promise<void> {
    if (this.cameras.length < 2 || !this.local) return;
    this.camera = (this.camera + 1) % this.cameras.length;
    try {
      const got = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: this.cameras[this.camera].deviceId } } });
      const track = got.getVideoTracks()[0];
      const old = this.local.getVideoTracks()[0];
      await this.videoSender()?.replaceTrack(track);
      if (old) {
        this.local.removeTrack(old);
        old.stop();
      }
      track.enabled = !this.camOffNow;
      this.local.addTrack(track);
      this.play(this.localVideo, this.local);
    } catch {
      /* that camera is busy or gone: keep the current one */
    }
  }

  private async toggleShare(): Promise<void> {
    const session = this.session;
    const pc = session?.connection;
    if (!session || !pc) return;
    if (this.screenSender) {
      pc.removeTrack(this.screenSender);
      this.screenSender = null;
      for (const t of this.screen?.getTracks() || []) t.stop();
      this.screen = null;
      this.render();
      await session.offer(false);
      return;
    }
    try {
      this.screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return; // the agent closed the picker
    }
    const track = this.screen.getVideoTracks()[0];
    track.addEventListener("ended", () => this.screenSender && void this.toggleShare());
    this.screenSender = pc.addTrack(track, this.screen);
    this.render();
    await session.offer(false); // renegotiation: the buyer gets a second video
  }

  private async snapshot(): Promise<void> {
    const t = this.opts.strings();
    const v = this.remoteVideo;
    if (!this.opts.onSnapshot || !v.videoWidth) return;
    const canvas = h("canvas");
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext("2d")?.drawImage(v, 0, 0);
    const still = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
    try {
      if (!still) throw new Error("no still");
      await this.opts.onSnapshot(still, this.conversationId);
      this.say(t.snapshotDone || "");
    } catch {
      this.say(t.snapshotFailed || "");
    }
  }

  private onStats(s: CallStats): void {
    if (s.connection_state === "failed") {
      this.say(this.opts.strings().failed);
      return;
    }
    this.quality = rate(s);
    this.render();
  }

  private offerAudioOnly(): void {
    if (this.audioOnlyNow || !this.local?.getVideoTracks().length) return;
    this.say(this.opts.strings().audioOffer, () => void this.audioOnly());
  }

  /** Stop sending video on a poor network: the voice gets the bandwidth. */
  private async audioOnly(): Promise<void> {
    this.audioOnlyNow = true;
    await this.videoSender()?.replaceTrack(null);
    for (const t of this.local?.getVideoTracks() || []) {
      t.stop();
      this.local?.removeTrack(t);
    }
    this.localVideo.srcObject = null;
    this.say("");
  }

  // ---- view ------------------------------------------------------------------------------------

  private say(text: string, action: (() => void) | null = null): void {
    this.message = text;
    this.messageAction = action;
    this.render();
  }

  private tick(): void {
    if (!this.connectedAt) return;
    const s = Math.floor((Date.now() - this.connectedAt) / 1000);
    this.timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  private button(label: string, cls: string, act: () => void, pressed?: boolean): HTMLButtonElement {
    const b = h("button", { type: "button", class: `sbc-btn ${cls}`, "data-k": cls || label, click: act }, label);
    if (pressed !== undefined) b.setAttribute("aria-pressed", String(pressed));
    return b;
  }

  private render(): void {
    const t = this.opts.strings();
    const phase = this.phase;
    const root = this.root;
    root.hidden = phase === "idle";
    if (phase === "idle") {
      this.bar.replaceChildren();
      this.shownPhase = "idle";
      return;
    }
    const video = this.media === "video";
    root.className = `sbc sbc-${phase} ${video ? "sbc-video" : "sbc-voice"}${this.opts.float ? " sbc-float" : ""}`;
    root.setAttribute("aria-modal", phase === "incoming" ? "false" : "true");
    root.dataset.phase = phase;
    const state = this.frame?.state;
    this.title.textContent =
      phase === "incoming"
        ? video ? t.incomingVideo : t.incomingVoice
        : phase === "outgoing"
          ? state === "ringing" ? t.ringing : t.calling
          : phase === "setup"
            ? t.connecting
            : `${video ? t.video : t.voice} · ${this.opts.remoteLabel()}`;
    if (phase !== "live") this.timer.textContent = "";
    this.who.textContent = phase === "incoming" ? this.opts.describe?.(this.conversationId) || "" : "";
    this.remoteVideo.setAttribute("aria-label", this.opts.remoteLabel());
    this.localVideo.setAttribute("aria-label", this.opts.localLabel);
    this.localVideo.hidden = !this.local?.getVideoTracks().length || this.camOffNow;
    this.qualityEl.textContent = this.quality ? { good: t.netGood, fair: t.netFair, poor: t.netPoor }[this.quality] : "";
    if (this.quality) this.qualityEl.dataset.quality = this.quality;
    this.messageEl.replaceChildren(this.message);
    this.messageEl.hidden = !this.message && !this.confirming;
    if (this.messageAction) this.messageEl.append(" ", this.button(t.audioOnly, "sbc-audio-only", this.messageAction));
    if (this.confirming) {
      this.messageEl.replaceChildren(
        t.confirmEnd,
        " ",
        this.button(t.hangup, "sbc-end", () => this.hangup()),
        this.button(t.stay, "", () => ((this.confirming = false), this.render())),
      );
    }
    const buttons: HTMLButtonElement[] = [];
    if (phase === "incoming") {
      buttons.push(this.button(t.accept, "sbc-accept", () => void this.accept()), this.button(t.decline, "sbc-end", () => this.hangup()));
    } else if (phase === "outgoing") {
      buttons.push(this.button(t.cancel, "sbc-end", () => this.hangup()));
    } else {
      buttons.push(this.button(this.muted ? t.unmute : t.mute, "sbc-mute", () => this.toggleMute(), this.muted));
      if (this.local?.getVideoTracks().length) {
        buttons.push(this.button(this.camOffNow ? t.camOn : t.camOff, "sbc-cam", () => this.toggleCamera(), this.camOffNow));
        if (this.cameras.length > 1) buttons.push(this.button(t.switchCam, "sbc-switch", () => void this.switchCamera()));
      }
      const agent = this.opts.me()?.kind === "agent";
      if (agent && phase === "live" && t.share && "getDisplayMedia" in navigator.mediaDevices)
        buttons.push(
          this.button(this.screenSender ? t.stopShare || t.share : t.share, "sbc-share", () => void this.toggleShare(), !!this.screenSender),
        );
      if (agent && phase === "live" && video && t.snapshot && this.opts.onSnapshot)
        buttons.push(this.button(t.snapshot, "sbc-snap", () => void this.snapshot()));
      buttons.push(this.button(t.hangup, "sbc-end", () => this.hangup()));
      if (phase === "live" && !this.cameras.length && this.local?.getVideoTracks().length) void this.listCameras();
    }
    // Keep the keyboard where it was across re-renders; a new phase puts it on the first button.
    const active = (this.root.getRootNode() as Document | ShadowRoot).activeElement as HTMLElement | null;
    const inside = !!active && this.root.contains(active);
    const key = inside && this.bar.contains(active) ? active.dataset.k : null;
    this.bar.replaceChildren(...buttons);
    const again = key ? this.bar.querySelector<HTMLElement>(`[data-k="${key}"]`) : null;
    if (again) again.focus();
    else if (phase !== this.shownPhase && (!inside || !this.messageEl.contains(active))) buttons[0]?.focus();
    this.shownPhase = phase;
  }

  private renderNote(): void {
    const t = this.opts.strings();
    this.noteEl.hidden = !this.note;
    this.noteEl.replaceChildren(
      h("span", {}, this.note),
      h("button", { type: "button", class: "sbc-x", "aria-label": t.dismiss, click: () => ((this.note = ""), this.renderNote()) }, "×"),
    );
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== "Escape") return;
    e.stopPropagation();
    e.preventDefault();
    if (this.phase === "incoming" || this.phase === "outgoing") this.hangup();
    else if (this.confirming) ((this.confirming = false), this.render());
    else {
      // Hanging up by accident ends a consult: Escape asks first.
      this.confirming = true;
      this.render();
      (this.messageEl.querySelector(".sbc-end") as HTMLElement | null)?.focus();
    }
  }
}

/** The call view's CSS; the host adds it to its document or shadow root. */
export const CALL_CSS = `
.sbc{position:absolute;inset:0;z-index:20;display:flex;flex-direction:column;background:#0d1b24;color:#fff;font:inherit}
.sbc[hidden],.sbc-note[hidden],.sbc [hidden]{display:none!important}
.sbc-stage{position:relative;flex:1;min-height:0;background:#000}
.sbc-remote,.sbc-screen{position:absolute;inset:0;width:100%;height:100%;object-fit:contain;background:#000}
.sbc-sharing .sbc-remote{inset:auto;top:8px;inset-inline-start:8px;width:28%;height:auto;z-index:1;border-radius:8px}
.sbc-local{position:absolute;bottom:10px;inset-inline-end:10px;width:30%;max-width:160px;border-radius:8px;border:2px solid rgba(255,255,255,.6);background:#222;z-index:2;transform:scaleX(-1)}
.sbc-voice .sbc-stage{flex:0 0 0}
.sbc-voice .sbc-remote{visibility:hidden}
.sbc-top{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;padding:10px 14px}
.sbc-title{flex:1;margin:0;font-size:16px;font-weight:600;min-width:10ch}
.sbc-voice .sbc-top{flex:1;justify-content:center;text-align:center;flex-direction:column}
.sbc-q{font-size:13px;padding:2px 8px;border-radius:10px;background:#1e3a2a}
.sbc-q[data-quality=fair]{background:#5c4400}.sbc-q[data-quality=poor]{background:#7a1b1b}
.sbc-q:empty,.sbc-timer:empty,.sbc-who:empty{display:none}
.sbc-who{font-size:14px;opacity:.85}
.sbc-msg{padding:8px 14px;background:#fff4d6;color:#3d2e00;font-size:14px;display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.sbc-bar{display:flex;flex-wrap:wrap;justify-content:center;gap:8px;padding:12px}
.sbc-btn{min-height:44px;min-width:44px;padding:0 14px;border-radius:22px;border:0;background:#2c3e4c;color:#fff;cursor:pointer;font-weight:600}
.sbc-btn[aria-pressed=true]{background:#f0f4f7;color:#0d1b24}
.sbc-accept{background:#1b7f3b}.sbc-end{background:#c62828}
.sbc-msg .sbc-btn{min-height:36px}
.sbc:focus{outline:none}.sbc-btn:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.sbc-note{display:flex;gap:8px;align-items:center;justify-content:space-between;padding:8px 12px;background:#e8f4f4;color:#14212b;font-size:14px}
.sbc-note.sbc-failed{background:#fde8e8;color:#7a1b1b}
.sbc-x{border:0;background:transparent;cursor:pointer;font-size:18px;color:inherit;min-width:32px;min-height:32px}
.sbc-float{position:fixed;inset:auto;bottom:16px;inset-inline-end:16px;width:min(420px,calc(100vw - 32px));height:min(560px,calc(100vh - 32px));border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.35);overflow:hidden}
.sbc-float.sbc-incoming,.sbc-float.sbc-voice{height:auto}
.sbc-incoming .sbc-stage{display:none}
.sbc-incoming{justify-content:center}.sbc-incoming .sbc-top{flex-direction:column;text-align:center}
.sbc-incoming .sbc-title{font-size:20px}.sbc-float.sbc-incoming .sbc-title{font-size:17px}
.sbc-float.sbc-live.sbc-video{width:min(720px,calc(100vw - 32px));height:min(600px,calc(100vh - 32px))}
@media (max-width:600px){.sbc-float,.sbc-float.sbc-live.sbc-video{inset:0;width:100%;height:100%;border-radius:0}}
`;

/** Add the call view's CSS as a constructed sheet (allowed under a strict style-src CSP). */
export function adoptCallCss(root: Document | ShadowRoot): void {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CALL_CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else {
    const style = document.createElement("style");
    style.textContent = CALL_CSS;
    (root instanceof Document ? root.head : root).append(style);
  }
}
