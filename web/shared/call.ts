// A 1v1 call over RTCPeerConnection, signalled through the Seabridge socket (docs/protocol.md, "Calls").
// The socket owner passes every `call_*` server frame to `CallSession.handle` and gives the session a
// `send` that writes one client frame (`SeabridgeSocket.sendFrame` with a short time to live; see
// web/shared/callview.ts for the wiring). The session keeps the W3C API's shape: it offers
// after `accepted` (caller), answers offers (both sides: renegotiation, ICE restart), trickles candidates,
// sends a getStats summary every few seconds, and steps resolution and frame rate down on a poor network.

export type CallMedia = "video" | "audio";
export type CallOutcome = "completed" | "declined" | "cancelled" | "missed" | "busy" | "failed";

export interface CallStateFrame {
  type: "call_state";
  call_id: string;
  conversation_id: string;
  state: "inviting" | "ringing" | "accepted" | "connected" | "ended";
  media: CallMedia;
  caller: { kind: string; id: string };
  callee?: { kind: string; id: string };
  outcome?: CallOutcome;
  reason?: string;
  duration_s?: number;
}

export interface CallIceServersFrame {
  type: "call_ice_servers";
  call_id: string;
  ice_servers: { urls: string[]; username?: string; credential?: string }[];
  ice_transport_policy: RTCIceTransportPolicy;
  expires_at?: number;
}

export type CallServerFrame =
  | CallStateFrame
  | CallIceServersFrame
  | { type: "call_offer"; call_id: string; sdp: string; ice_restart?: boolean }
  | { type: "call_answer"; call_id: string; sdp: string }
  | { type: "call_ice"; call_id: string; candidate: IceCandidate };

interface IceCandidate {
  candidate: string;
  sdp_mid?: string;
  sdp_mline_index?: number;
}

export type CallClientFrame = { type: `call_${string}`; call_id: string; [field: string]: unknown };

export interface CallStats {
  connection_state: string;
  rtt_ms?: number;
  jitter_ms?: number;
  loss_pct?: number;
  bitrate_kbps?: number;
  width?: number;
  height?: number;
  fps?: number;
  candidate_type?: string;
}

export interface CallOptions {
  callId: string;
  role: "caller" | "callee";
  media: CallMedia;
  send: (frame: CallClientFrame) => boolean;
  /** The callee may get its media only when the buyer or agent accepts: set `localStream` before. */
  localStream?: MediaStream;
  onRemoteStream?: (stream: MediaStream) => void;
  onState?: (frame: CallStateFrame) => void;
  onStats?: (stats: CallStats) => void;
  /** Poor network for several reports in a row at the lowest video step: suggest audio only. */
  onSuggestAudioOnly?: () => void;
  statsEveryMs?: number;
}

// Prefer 720p; each step down scales resolution and caps frame rate (RTCRtpSender encodings).
const STEPS = [
  { scale: 1, fps: 30 },
  { scale: 1.5, fps: 24 },
  { scale: 2, fps: 15 },
  { scale: 4, fps: 10 },
];
const POOR_LOSS_PCT = 5;
const POOR_RTT_MS = 400;
const GOOD_LOSS_PCT = 1;
const RESTART_AFTER_MS = 2000;

export class CallSession {
  private pc: RTCPeerConnection | null = null;
  private config: RTCConfiguration | null = null;
  private readonly pendingCandidates: RTCIceCandidateInit[] = [];
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private lastBytes = 0;
  private lastAt = 0;
  private step = 0;
  private poorReports = 0;
  private reportedFailure = false;
  state: CallStateFrame["state"] | "new" = "new";
  localStream: MediaStream | null;

  constructor(private readonly opts: CallOptions) {
    this.localStream = opts.localStream ?? null;
  }

  get callId(): string {
    return this.opts.callId;
  }

  /** The peer connection once media negotiation started (switch camera, screen share). */
  get connection(): RTCPeerConnection | null {
    return this.pc;
  }

  /** The caller starts the call; the callee answers with `ring()` and `accept()`. */
  invite(conversationId: string): void {
    this.opts.send({ type: "call_invite", call_id: this.opts.callId, conversation_id: conversationId, media: this.opts.media });
  }
  ring(): void {
    this.opts.send({ type: "call_ringing", call_id: this.opts.callId });
  }
  accept(): void {
    this.opts.send({ type: "call_accept", call_id: this.opts.callId });
  }
  decline(reason = ""): void {
    this.opts.send({ type: "call_decline", call_id: this.opts.callId, reason });
  }
  cancel(): void {
    this.opts.send({ type: "call_cancel", call_id: this.opts.callId });
  }
  /** A last getStats summary first (unless the page is going away), so even a short call's record has its quality. */
  async hangup(reason = "", lastStats = true): Promise<void> {
    if (lastStats && this.pc?.connectionState === "connected") await this.report().catch(() => undefined);
    this.opts.send({ type: "call_hangup", call_id: this.opts.callId, reason });
    this.close();
  }

  /** Every `call_*` frame for this call id. */
  async handle(frame: CallServerFrame): Promise<void> {
    if (frame.call_id !== this.opts.callId) return;
    switch (frame.type) {
      case "call_ice_servers":
        this.config = {
          iceServers: frame.ice_servers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })),
          iceTransportPolicy: frame.ice_transport_policy,
        };
        return;
      case "call_state":
        this.state = frame.state;
        this.opts.onState?.(frame);
        if (frame.state === "accepted" && this.opts.role === "caller") await this.offer(false);
        if (frame.state === "ended") this.close();
        return;
      case "call_offer": {
        const pc = this.peer();
        // Glare: both offered at once. The caller's offer wins; the callee's is rolled back.
        if (pc.signalingState === "have-local-offer") {
          if (this.opts.role === "caller") return;
          await pc.setLocalDescription({ type: "rollback" });
        }
        await pc.setRemoteDescription({ type: "offer", sdp: frame.sdp });
        await this.flushCandidates();
        await pc.setLocalDescription(await pc.createAnswer());
        this.opts.send({ type: "call_answer", call_id: this.opts.callId, sdp: pc.localDescription?.sdp ?? "" });
        return;
      }
      case "call_answer":
        await this.peer().setRemoteDescription({ type: "answer", sdp: frame.sdp });
        await this.flushCandidates();
        return;
      case "call_ice": {
        const c = frame.candidate;
        const init: RTCIceCandidateInit = { candidate: c.candidate, sdpMid: c.sdp_mid, sdpMLineIndex: c.sdp_mline_index };
        if (this.pc?.remoteDescription) await this.pc.addIceCandidate(init);
        else this.pendingCandidates.push(init);
        return;
      }
    }
  }

  /** Renegotiate (e.g. after adding a screen-share track) or restart ICE on a network change. */
  async offer(iceRestart: boolean): Promise<void> {
    const pc = this.peer();
    if (iceRestart) pc.restartIce();
    await pc.setLocalDescription(await pc.createOffer({ iceRestart }));
    this.opts.send({ type: "call_offer", call_id: this.opts.callId, sdp: pc.localDescription?.sdp ?? "", ice_restart: iceRestart });
  }

  close(): void {
    if (this.statsTimer !== null) clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.pc?.close();
    this.pc = null;
  }

  private peer(): RTCPeerConnection {
    if (this.pc) return this.pc;
    // Always our own ICE servers (or none): never a browser default.
    const pc = new RTCPeerConnection(this.config ?? { iceServers: [] });
    const local = this.localStream;
    if (local) for (const track of local.getTracks()) pc.addTrack(track, local);
    pc.onicecandidate = (e) => {
      const c = e.candidate;
      const candidate: IceCandidate = c
        ? { candidate: c.candidate, sdp_mid: c.sdpMid ?? undefined, sdp_mline_index: c.sdpMLineIndex ?? undefined }
        : { candidate: "" };
      this.opts.send({ type: "call_ice", call_id: this.opts.callId, candidate });
    };
    pc.ontrack = (e) => this.opts.onRemoteStream?.(e.streams[0] ?? new MediaStream([e.track]));
    // A network change (Wi-Fi to mobile data) leaves ICE disconnected: the caller restarts it
    // before it fails for good (a failure is reported and ends the call).
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState !== "disconnected" || this.opts.role !== "caller") return;
      setTimeout(() => {
        if (this.pc === pc && pc.iceConnectionState === "disconnected" && pc.signalingState === "stable")
          this.offer(true).catch(() => undefined);
      }, RESTART_AFTER_MS);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected" || pc.connectionState === "failed") void this.report();
    };
    this.statsTimer = setInterval(() => void this.report(), this.opts.statsEveryMs ?? 4000);
    this.pc = pc;
    return pc;
  }

  private async flushCandidates(): Promise<void> {
    while (this.pendingCandidates.length && this.pc) await this.pc.addIceCandidate(this.pendingCandidates.shift());
  }

  /** One getStats summary to the server, then adapt the video to what it says. */
  private async report(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const stats = await summarize(pc, this.lastBytes, this.lastAt);
    this.lastBytes = stats.bytes;
    this.lastAt = stats.at;
    const frame: CallStats = { ...stats.summary, connection_state: pc.connectionState };
    if (pc.connectionState === "failed") {
      if (this.reportedFailure) return;
      this.reportedFailure = true; // e.g. TURN refused the credentials: the server ends the call as failed
    }
    this.opts.send({ type: "call_stats", call_id: this.opts.callId, ...frame });
    this.opts.onStats?.(frame);
    await this.adapt(frame);
  }

  private async adapt(s: CallStats): Promise<void> {
    const poor = (s.loss_pct ?? 0) > POOR_LOSS_PCT || (s.rtt_ms ?? 0) > POOR_RTT_MS;
    const good = (s.loss_pct ?? 0) < GOOD_LOSS_PCT && (s.rtt_ms ?? 0) < POOR_RTT_MS / 2;
    const next = poor ? Math.min(this.step + 1, STEPS.length - 1) : good ? Math.max(this.step - 1, 0) : this.step;
    this.poorReports = poor && next === STEPS.length - 1 ? this.poorReports + 1 : 0;
    if (this.poorReports >= 3) this.opts.onSuggestAudioOnly?.();
    if (next === this.step || !this.pc) return;
    this.step = next;
    for (const sender of this.pc.getSenders()) {
      if (sender.track?.kind !== "video") continue;
      const params = sender.getParameters();
      if (!params.encodings?.length) params.encodings = [{}];
      params.encodings[0].scaleResolutionDownBy = STEPS[next].scale;
      params.encodings[0].maxFramerate = STEPS[next].fps;
      await sender.setParameters(params);
    }
  }
}

async function summarize(
  pc: RTCPeerConnection,
  lastBytes: number,
  lastAt: number,
): Promise<{ summary: Omit<CallStats, "connection_state">; bytes: number; at: number }> {
  const report = await pc.getStats();
  const summary: Omit<CallStats, "connection_state"> = {};
  let bytes = 0;
  let at = lastAt;
  let lost = 0;
  let received = 0;
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s) => byId.set(s.id as string, s as Record<string, unknown>));
  for (const s of byId.values()) {
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
      if (typeof s.currentRoundTripTime === "number") summary.rtt_ms = s.currentRoundTripTime * 1000;
      const local = byId.get(s.localCandidateId as string);
      if (local && typeof local.candidateType === "string") summary.candidate_type = local.candidateType;
    } else if (s.type === "inbound-rtp") {
      lost += Number(s.packetsLost ?? 0);
      received += Number(s.packetsReceived ?? 0);
      bytes += Number(s.bytesReceived ?? 0);
      at = Number(s.timestamp ?? at);
      if (typeof s.jitter === "number") summary.jitter_ms = Math.max(summary.jitter_ms ?? 0, s.jitter * 1000);
      if (s.kind === "video") {
        if (typeof s.frameWidth === "number") summary.width = s.frameWidth;
        if (typeof s.frameHeight === "number") summary.height = s.frameHeight;
        if (typeof s.framesPerSecond === "number") summary.fps = s.framesPerSecond;
      }
    }
  }
  if (lost + received > 0) summary.loss_pct = (100 * lost) / (lost + received);
  if (lastAt > 0 && at > lastAt && bytes >= lastBytes) summary.bitrate_kbps = ((bytes - lastBytes) * 8) / (at - lastAt);
  return { summary, bytes, at };
}
