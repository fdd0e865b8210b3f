// A browser client of the Seabridge WebSocket protocol (docs/protocol.md), shared by the
// buyer widget and the agent console. It mirrors seabridge/client.py: what a reconnect must
// not lose is kept here. Subscriptions are re-made with the highest seq seen (resume);
// unacknowledged sends stay in an outbox (optionally persisted in Web Storage) and are sent
// again with the same client_msg_id until acknowledged (idempotent); messages reach
// `onFrame` once per (conversation, seq); gaps the server will not replay
// (`resync_required`), and the history before a first subscription, are paged over REST.
import { httpBase, request } from "./api";
import {
  FATAL_CLOSE_CODES,
  restToFrame,
  type Ack,
  type ClientFrame,
  type ErrorFrame,
  type MessageFrame,
  type MessagePage,
  type Participant,
  type ServerFrame,
} from "./protocol";

export type SocketState = "connecting" | "open" | "offline";

export interface SocketOptions {
  url: string;
  /** Called before every connection attempt: may refresh the token. */
  token: () => Promise<string>;
  onFrame: (frame: ServerFrame) => void;
  onState?: (state: SocketState) => void;
  /** Where unacknowledged sends survive a reload (e.g. sessionStorage); none: memory only. */
  storage?: Storage | null;
  storageKey?: string;
  /** REST history path of a conversation (buyers: /v1/widget/conversations/{id}/messages). */
  historyPath?: (conversationId: number) => string;
  /** How many messages to load over REST after a first subscription (0: none). */
  initialHistory?: number;
  backoffMs?: number;
  backoffMaxMs?: number;
}

export interface OutboxEntry {
  conversationId: number;
  clientMsgId: string;
  text: string;
  attachments?: string[];
}

export class SendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reasons: string[] = [],
  ) {
    super(`${code}: ${message}`);
  }
}

interface Conversation {
  lastSeq: number; // highest seq delivered (or covered by a REST fill under way): the resume point
  seen: Set<number>; // delivered seqs (dedupe)
  loaded: boolean; // subscribed once: later subscriptions resume with after_seq
  subscribed: boolean; // subscribed on the current connection
  top: number; // last_seq when the current subscription took effect
  read: number; // highest read marker sent
}

interface Waiter {
  resolve: (ack: Ack) => void;
  reject: (err: Error) => void;
}

const HISTORY_PAGE = 50;
const PROBE_MS = 5000; // a probe (ping) unanswered this long means the connection is dead

export function newClientMsgId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "w-" + Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("");
}

export class SeabridgeSocket {
  state: SocketState = "offline";
  principal: Participant | null = null;
  private ws: WebSocket | null = null;
  private closed = false;
  private conversations = new Map<number, Conversation>();
  private subscribing: (number | "mine")[] = []; // subscribe frames awaiting an answer, in order
  private wanted = new Set<number | "mine">(); // what to subscribe to on every connection
  private outbox = new Map<string, OutboxEntry>();
  private waiters = new Map<string, Waiter>();
  private inFlight = new Set<string>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private deadTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatMs = 25000;
  private held: { frame: ClientFrame; until: number }[] = []; // raw frames waiting for `ready` (sendFrame)
  private typingSent = new Map<number, number>();
  private typingStop = new Map<number, ReturnType<typeof setTimeout>>();
  private minDelayMs = 0;
  private readonly onOnline = () => this.wake(true);
  private readonly onOffline = () => this.drop("offline");
  private readonly onVisible = () => {
    if (document.visibilityState === "visible") this.wake(false);
  };

  constructor(private readonly opts: SocketOptions) {
    this.loadOutbox();
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
    document.addEventListener("visibilitychange", this.onVisible);
    this.connect();
  }

  // ---- public operations ---------------------------------------------------------------

  /** Subscribe to a conversation (a buyer may pass "mine"; the answer names the real id). */
  subscribe(conversationId: number | "mine"): void {
    if (typeof conversationId === "number") this.conv(conversationId);
    if (this.wanted.has(conversationId)) return;
    this.wanted.add(conversationId);
    if (this.state === "open") this.subscribeFrame(conversationId);
  }

  unsubscribe(conversationId: number): void {
    this.wanted.delete(conversationId);
    const c = this.conversations.get(conversationId);
    if (c?.subscribed) this.write({ type: "unsubscribe", conversation_id: String(conversationId) });
    this.conversations.delete(conversationId);
  }

  /** Send once per client message id; re-sent across reconnects (and reloads) until acknowledged. */
  send(
    conversationId: number,
    text: string,
    data?: { attachments?: string[]; clientMsgId?: string },
  ): Promise<Ack> {
    const entry: OutboxEntry = {
      conversationId,
      clientMsgId: data?.clientMsgId || newClientMsgId(),
      text,
      attachments: data?.attachments,
    };
    const promise = this.waitFor(entry.clientMsgId);
    if (!this.outbox.has(entry.clientMsgId)) {
      this.outbox.set(entry.clientMsgId, entry);
      this.saveOutbox();
      this.stopTyping(conversationId);
      this.flush(entry);
    }
    return promise;
  }

  /**
   * Write one raw frame (e.g. call signalling). Written at once when the connection is ready
   * (true). Otherwise it is kept for `ttlMs` and written right after the next `ready` (and the
   * re-subscriptions), or dropped when that comes later: unlike chat messages, call frames are
   * only meaningful for seconds (a stale offer, candidate or stats sample after a long outage
   * would do harm, and the server's ring and setup timeouts have ended the call by then), so
   * they are never persisted and the default is to drop them.
   */
  sendFrame(frame: ClientFrame, ttlMs = 0): boolean {
    if (this.state === "open" && this.write(frame)) return true;
    if (ttlMs > 0 && !this.closed) this.held.push({ frame, until: Date.now() + ttlMs });
    return false;
  }

  /** Unacknowledged sends of a conversation, oldest first (e.g. restored after a reload). */
  pending(conversationId: number): OutboxEntry[] {
    return [...this.outbox.values()].filter((e) => e.conversationId === conversationId);
  }

  /** Resolves with the ack of an outbox entry (e.g. one restored after a reload). */
  waitFor(clientMsgId: string): Promise<Ack> {
    return new Promise((resolve, reject) => {
      const prev = this.waiters.get(clientMsgId);
      this.waiters.set(clientMsgId, {
        resolve: (a) => (prev?.resolve(a), resolve(a)),
        reject: (e) => (prev?.reject(e), reject(e)),
      });
    });
  }

  /** The user is typing: `active: true` at most every 3 s, `false` after 4 s without a call. */
  typing(conversationId: number): void {
    const now = Date.now();
    if (now - (this.typingSent.get(conversationId) || 0) > 3000) {
      if (this.writeIfSubscribed(conversationId, { type: "typing", conversation_id: String(conversationId), active: true }))
        this.typingSent.set(conversationId, now);
    }
    clearTimeout(this.typingStop.get(conversationId));
    this.typingStop.set(
      conversationId,
      setTimeout(() => this.stopTyping(conversationId), 4000),
    );
  }

  read(conversationId: number, seq: number): void {
    const c = this.conv(conversationId);
    if (seq <= c.read) return;
    c.read = seq;
    this.writeIfSubscribed(conversationId, { type: "read", conversation_id: String(conversationId), seq });
  }

  /** The highest seq delivered for a conversation. */
  lastSeq(conversationId: number): number {
    return this.conversations.get(conversationId)?.lastSeq || 0;
  }

  close(): void {
    this.closed = true;
    this.held = [];
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
    document.removeEventListener("visibilitychange", this.onVisible);
    clearTimeout(this.retryTimer);
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
    this.setState("offline");
  }

  // ---- connection ----------------------------------------------------------------------

  private setState(state: SocketState): void {
    if (state === this.state) return;
    this.state = state;
    this.opts.onState?.(state);
  }

  private async connect(): Promise<void> {
    if (this.closed || this.ws) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (typeof navigator !== "undefined" && navigator.onLine === false) {
      this.retry(); // the `online` event reconnects at once
      return;
    }
    this.setState("connecting");
    let token: string;
    try {
      token = await this.opts.token();
    } catch {
      this.retry();
      return;
    }
    if (this.closed || this.ws) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.write({ type: "auth", token }, ws);
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.alive();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      this.onServerFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.lost(ev.code);
    };
    ws.onerror = () => undefined; // onclose follows
    this.alive(10000); // auth must be answered promptly
  }

  private lost(code: number): void {
    this.clearTimers();
    for (const c of this.conversations.values()) c.subscribed = false;
    this.subscribing = [];
    this.inFlight.clear();
    this.principal = null;
    if (this.closed) return;
    if (code === 4008) this.minDelayMs = 10000;
    if (FATAL_CLOSE_CODES.has(code)) this.attempt = Math.max(this.attempt, 8);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    this.setState("offline");
    const base = this.opts.backoffMs ?? 500;
    const max = this.opts.backoffMaxMs ?? 30000;
    const delay = Math.max(this.minDelayMs, Math.min(max, base * 2 ** this.attempt) * (0.5 + Math.random()));
    this.attempt += 1;
    this.minDelayMs = 0;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Drop the connection now (it is known dead or the network is gone) and retry. */
  private drop(_why: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close(4000 + 999);
    } catch {
      /* already closing */
    }
    this.lost(1006);
  }

  /** The network came back or the tab woke: reconnect at once, or probe an open connection. */
  private wake(online: boolean): void {
    if (this.closed) return;
    if (this.ws) {
      if (this.state === "open") this.probe();
      return;
    }
    if (online) this.attempt = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connect();
  }

  /** Any server frame proves the connection alive; silence for 2 x heartbeat means dead. */
  private alive(ms = 2 * this.heartbeatMs): void {
    clearTimeout(this.deadTimer);
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.deadTimer = setTimeout(() => this.drop("keepalive"), ms);
  }

  private probe(): void {
    if (this.probeTimer || !this.ws) return;
    this.write({ type: "ping", nonce: "probe" });
    this.probeTimer = setTimeout(() => this.drop("probe"), PROBE_MS);
  }

  private clearTimers(): void {
    clearTimeout(this.deadTimer);
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private write(frame: ClientFrame, ws: WebSocket | null = this.ws): boolean {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  private writeIfSubscribed(conversationId: number, frame: ClientFrame): boolean {
    if (this.state !== "open" || !this.conversations.get(conversationId)?.subscribed) return false;
    return this.write(frame);
  }

  private subscribeFrame(id: number | "mine"): void {
    const frame: ClientFrame = { type: "subscribe", conversation_id: String(id) };
    const c = typeof id === "number" ? this.conversations.get(id) : undefined;
    if (c?.loaded) frame.after_seq = c.lastSeq;
    this.subscribing.push(id);
    this.write(frame);
  }

  private flush(entry: OutboxEntry): void {
    if (this.inFlight.has(entry.clientMsgId)) return;
    const frame: ClientFrame = {
      type: "send",
      conversation_id: String(entry.conversationId),
      client_msg_id: entry.clientMsgId,
      text: entry.text,
    };
    if (entry.attachments?.length) frame.attachments = entry.attachments;
    if (this.writeIfSubscribed(entry.conversationId, frame)) {
      this.inFlight.add(entry.clientMsgId);
      this.probe(); // a send unanswered on a half-open connection must not wait for the keepalive
    }
  }

  // ---- frames from the server ------------------------------------------------------------

  private onServerFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "ready":
        this.principal = frame.principal;
        this.heartbeatMs = frame.heartbeat_s * 1000;
        this.attempt = 0;
        this.alive();
        this.setState("open");
        for (const id of this.wanted) this.subscribeFrame(id);
        for (const { frame: held, until } of this.held.splice(0)) if (until >= Date.now()) this.write(held);
        break;
      case "subscribed":
        this.onSubscribed(frame.conversation_id, frame.last_seq);
        break;
      case "message":
        this.deliver(frame);
        return;
      case "ack":
        this.landed(frame);
        break;
      case "resync_required": {
        const id = Number(frame.conversation_id);
        const c = this.conv(id);
        this.fill(id, frame.from_seq, c.top);
        c.lastSeq = Math.max(c.lastSeq, c.top);
        break;
      }
      case "ping":
        this.write(frame.nonce == null ? { type: "pong" } : { type: "pong", nonce: frame.nonce });
        return;
      case "pong":
        return;
      case "error":
        this.onError(frame);
        break;
    }
    this.opts.onFrame(frame);
  }

  private onSubscribed(cidText: string, lastSeq: number): void {
    const id = Number(cidText);
    const asked = this.subscribing.shift();
    if (asked === "mine") {
      // "mine" resolved: from now on, resume the real conversation.
      this.wanted.delete("mine");
      this.wanted.add(id);
    }
    const c = this.conv(id);
    c.subscribed = true;
    c.top = lastSeq;
    if (!c.loaded) {
      // Nothing is replayed without after_seq: the recent history comes over REST.
      c.loaded = true;
      const n = this.opts.initialHistory ?? HISTORY_PAGE;
      if (n > 0 && lastSeq > 0) this.fill(id, Math.max(1, lastSeq - n + 1), lastSeq);
      c.lastSeq = Math.max(c.lastSeq, lastSeq);
    }
    if (c.read > 0) this.write({ type: "read", conversation_id: String(id), seq: c.read });
    for (const entry of this.outbox.values()) if (entry.conversationId === id) this.flush(entry);
  }

  private deliver(frame: MessageFrame): void {
    const id = Number(frame.conversation_id);
    const c = this.conv(id);
    if (c.seen.has(frame.seq)) return; // a duplicate
    c.seen.add(frame.seq);
    c.lastSeq = Math.max(c.lastSeq, frame.seq);
    const m = frame.message;
    const mine =
      m.client_msg_id &&
      this.outbox.has(m.client_msg_id) &&
      m.sender &&
      this.principal &&
      m.sender.kind === this.principal.kind &&
      m.sender.id === this.principal.id;
    this.opts.onFrame(frame);
    if (mine && m.client_msg_id) {
      // Our send is stored (e.g. replayed after its ack was lost): it is acknowledged.
      this.landed({
        type: "ack",
        client_msg_id: m.client_msg_id,
        conversation_id: frame.conversation_id,
        seq: frame.seq,
        message_id: m.id,
        duplicate: true,
      });
    }
  }

  private landed(ack: Ack): void {
    this.inFlight.delete(ack.client_msg_id);
    if (this.outbox.delete(ack.client_msg_id)) this.saveOutbox();
    const w = this.waiters.get(ack.client_msg_id);
    this.waiters.delete(ack.client_msg_id);
    w?.resolve(ack);
  }

  private onError(frame: ErrorFrame): void {
    const ref = frame.ref || "";
    const entry = this.outbox.get(ref);
    if (entry) {
      this.inFlight.delete(ref);
      if (frame.code === "rate_limited") {
        setTimeout(() => this.flush(entry), frame.retry_after_ms || 200);
      } else if (frame.code === "not_subscribed" || frame.code === "internal_error") {
        // Sent again after the next (re)subscription.
      } else {
        this.outbox.delete(ref);
        this.saveOutbox();
        const w = this.waiters.get(ref);
        this.waiters.delete(ref);
        w?.reject(new SendError(frame.code, frame.message, frame.reasons || []));
      }
      return;
    }
    // A refused subscription (its ref is the conversation asked for), not e.g. a call's error (ref: call_id).
    const forSubscription = !ref || this.subscribing.some((id) => String(id) === ref);
    if (["not_found", "forbidden", "too_many_subscriptions"].includes(frame.code) && forSubscription && this.subscribing.length) {
      const asked = this.subscribing.shift();
      if (asked !== undefined) this.wanted.delete(asked);
    }
  }

  // ---- REST history ----------------------------------------------------------------------

  /** Fetch seqs [from, to] over REST, newest page first, delivering what was not seen. */
  private async fill(id: number, from: number, to: number): Promise<void> {
    const path = this.opts.historyPath || ((cid: number) => `/v1/conversations/${cid}/messages`);
    const base = httpBase(this.opts.url);
    let before = to + 1;
    for (let tries = 0; before > from && !this.closed; ) {
      let page: MessagePage;
      try {
        const token = await this.opts.token();
        const limit = Math.min(HISTORY_PAGE, before - from);
        page = await request<MessagePage>("GET", `${base}${path(id)}?before_seq=${before}&limit=${limit}`, {
          token,
        });
      } catch {
        if (++tries > 5) return;
        await new Promise((r) => setTimeout(r, 1000 * tries));
        continue;
      }
      for (const item of page.items.slice().sort((a, b) => a.seq - b.seq)) {
        if (item.seq >= from) this.deliver(restToFrame(id, item));
      }
      if (page.next_before_seq == null) break;
      before = Math.min(before - 1, page.next_before_seq);
    }
  }

  // ---- bookkeeping -----------------------------------------------------------------------

  private conv(id: number): Conversation {
    let c = this.conversations.get(id);
    if (!c) {
      c = { lastSeq: 0, seen: new Set(), loaded: false, subscribed: false, top: 0, read: 0 };
      this.conversations.set(id, c);
    }
    return c;
  }

  private stopTyping(conversationId: number): void {
    clearTimeout(this.typingStop.get(conversationId));
    this.typingStop.delete(conversationId);
    if (this.typingSent.has(conversationId)) {
      this.typingSent.delete(conversationId);
      this.writeIfSubscribed(conversationId, { type: "typing", conversation_id: String(conversationId), active: false });
    }
  }

  private loadOutbox(): void {
    const { storage, storageKey } = this.opts;
    if (!storage || !storageKey) return;
    try {
      const saved = JSON.parse(storage.getItem(storageKey) || "[]") as OutboxEntry[];
      for (const e of saved) if (e && e.clientMsgId && typeof e.text === "string") this.outbox.set(e.clientMsgId, e);
    } catch {
      /* unreadable storage: start empty */
    }
  }

  private saveOutbox(): void {
    const { storage, storageKey } = this.opts;
    if (!storage || !storageKey) return;
    try {
      if (this.outbox.size) storage.setItem(storageKey, JSON.stringify([...this.outbox.values()]));
      else storage.removeItem(storageKey);
    } catch {
      /* storage full or blocked: the outbox stays in memory */
    }
  }
}
