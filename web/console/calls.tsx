// Calls in the console: the shared call view (web/shared/callview.ts) in English, floating over
// the workspace (an incoming call rings as a toast), and the conversation's call records.
import { adoptCallCss, CallView, CALL_FRAME_TTL_MS, type CallStrings } from "../shared/callview";
import type { SeabridgeSocket } from "../shared/socket";
import type { Api, CallRecord } from "./api";
import { clock, label, newId } from "./format";

export const CALL_STRINGS: CallStrings = {
  video: "Video call",
  voice: "Voice call",
  incomingVideo: "Incoming video call",
  incomingVoice: "Incoming voice call",
  calling: "Calling…",
  ringing: "Ringing…",
  connecting: "Connecting…",
  accept: "Accept",
  decline: "Decline",
  cancel: "Cancel",
  hangup: "Hang up",
  mute: "Mute",
  unmute: "Unmute",
  camOff: "Camera off",
  camOn: "Camera on",
  switchCam: "Switch camera",
  netGood: "Network: good",
  netFair: "Network: fair",
  netPoor: "Network: poor",
  audioOffer: "Weak connection. Switch to audio only?",
  audioOnly: "Audio only",
  mediaFailed: "Camera or microphone unavailable. Continue in the chat.",
  failed: "The call could not connect. Continue in the chat.",
  ended: "Call ended.",
  declined: "The customer declined the call.",
  missed: "No answer.",
  busy: "The customer is busy in another call.",
  cancelled: "The call was cancelled.",
  confirmEnd: "End the call?",
  stay: "Stay",
  dismiss: "Dismiss",
  share: "Share screen",
  stopShare: "Stop sharing",
  snapshot: "Snapshot",
  snapshotDone: "Snapshot attached to the conversation.",
  snapshotFailed: "The snapshot could not be attached.",
};

/** The console's one call view, bound to its socket; frames reach it through `handle`. */
export function consoleCallView(
  socket: SeabridgeSocket,
  api: Api,
  onActive: (active: boolean) => void,
  onAccept: (conversationId: number) => void,
  describe: (conversationId: number) => string,
): CallView {
  adoptCallCss(document);
  const mount = document.createElement("div");
  mount.className = "call-layer";
  document.body.append(mount);
  return new CallView({
    strings: () => CALL_STRINGS,
    send: (frame) => socket.sendFrame(frame, CALL_FRAME_TTL_MS),
    me: () => socket.principal,
    mount,
    float: true,
    localLabel: "Your video",
    remoteLabel: () => "Customer",
    onSnapshot: async (still, conversationId) => {
      await api.attachStill(Number(conversationId), still, "Snapshot from the video call", newId());
    },
    onActive,
    onAccept: (id) => onAccept(Number(id)),
    describe: (id) => describe(Number(id)),
  });
}

function duration(s: number): string {
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function qualityLine(c: CallRecord): string {
  const q = c.quality;
  if (c.state !== "ended") return "in progress";
  if (!q.samples) return "no quality samples";
  const parts = [`${q.samples} samples`];
  if (q.rtt_ms_avg != null) parts.push(`RTT ${Math.round(q.rtt_ms_avg)} ms`);
  if (q.loss_pct_max != null) parts.push(`loss ≤ ${q.loss_pct_max}%`);
  if (q.resolution_max) parts.push(q.resolution_max);
  if (q.fps_avg != null) parts.push(`${Math.round(q.fps_avg)} fps`);
  if (q.candidate_types?.length) parts.push(q.candidate_types.join("/"));
  return parts.join(" · ");
}

/** The conversation's calls: who called, outcome, duration and the quality summary. */
export function CallRecords({ calls }: { calls: CallRecord[] }) {
  if (!calls.length) return null;
  return (
    <section class="call-records" aria-label="Calls">
      <h4>Calls</h4>
      <ul>
        {calls
          .slice()
          .reverse()
          .map((c) => (
            <li class={`call-record ${c.outcome || c.state}`} data-call-id={c.call_id}>
              <strong>{c.media === "video" ? "Video" : "Voice"}</strong> · {c.caller.kind === "buyer" ? "from customer" : "to customer"} ·{" "}
              <time>{clock(c.invited_at)}</time>
              <br />
              <span class="outcome">{label(c.outcome || c.state)}</span>
              {c.outcome === "completed" && <span> · {duration(c.duration_s)}</span>}
              {c.reason && c.outcome !== "completed" && <span class="muted"> · {label(c.reason)}</span>}
              <br />
              <span class="muted quality">{qualityLine(c)}</span>
            </li>
          ))}
      </ul>
    </section>
  );
}
