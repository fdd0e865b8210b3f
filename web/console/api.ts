// The console's REST calls (seabridge/api/console.py and the conversations API).
import { request } from "../shared/api";
import type { MessageData } from "../shared/protocol";

export interface Timer {
  kind: "first_response" | "next_response";
  since: string;
  business_seconds: number;
  target_seconds: number;
  overdue: boolean;
  running: boolean;
}
export interface InboxItem {
  id: number;
  status: string;
  customer_id: number | null;
  customer_name: string;
  country: string;
  language: string;
  assigned_agent_id: number | null;
  last_seq: number;
  last_text: string;
  last_sender: string;
  updated_at: string;
  waiting_since: string | null;
  wait_seconds: number | null;
  timer: Timer | null;
}
export type View = "waiting" | "mine" | "bot" | "all" | "closed";
export interface Inbox {
  view: View;
  counts: Record<View, number>;
  items: InboxItem[];
  open_now: boolean;
}
export interface AgentBrief {
  id: number;
  name: string;
  role: string;
  language: string;
}
export interface Me {
  agent: AgentBrief | null;
  store: { id: number; name: string; slug: string; timezone: string; default_language: string; languages: string[]; open_now: boolean };
  agents: AgentBrief[];
}
export interface Conversation {
  id: number;
  status: string;
  customer_id: number | null;
  assigned_agent_id: number | null;
  language: string;
  last_seq: number;
  waiting_since: string | null;
}
export interface Context {
  conversation: Conversation;
  buyer_language: string;
  agent_language: string;
  customer_name: string;
  summary: { seq: number; text: string; created_at: string } | null;
  intent: string;
  handoff_reason: string;
  timer: Timer | null;
  csat: { score: number | null; asked_at: string; answered_at: string | null } | null;
}
export interface Shipment {
  id: number;
  tracking_number: string;
  carrier: string;
  status: string;
  estimated_delivery: string | null;
  late: boolean;
  checkpoints: { time: string; message: string; location: string; status: string }[];
}
export interface Order {
  id: number;
  name: string;
  placed_at: string;
  financial_status: string;
  fulfillment_status: string;
  total: string;
  currency: string;
  items: string[];
  shipments: Shipment[];
}
export interface CustomerPanel {
  customer_id: number | null;
  name: string;
  email: string;
  country: string;
  language: string;
  timezone: string;
  local_time: string | null;
  orders: Order[];
  conversations: { id: number; status: string; created_at: string; closed_at: string | null }[];
}
export interface Suggestion {
  source: string;
  key: string;
  title: string;
  text: string;
  language: string;
  agent_text: string;
  missing: string[];
  canned_reply_id: number | null;
}
export interface Canned {
  id: number;
  shortcut: string;
  title: string;
  texts: Record<string, string>;
  intents: string[];
}
export interface Rendered {
  text: string;
  language: string;
  agent_text: string;
  missing: string[];
}
export interface Login {
  token: string;
  agent_id: number;
  name: string;
  role: string;
}
export interface CallRecord {
  call_id: string;
  conversation_id: number;
  media: "video" | "audio";
  state: string;
  outcome: string | null;
  reason: string;
  caller: { kind: string; id: string | null };
  invited_at: string;
  duration_s: number;
  quality: {
    samples?: number;
    rtt_ms_avg?: number | null;
    loss_pct_max?: number | null;
    resolution_max?: string | null;
    fps_avg?: number | null;
    candidate_types?: string[];
    failed?: boolean;
  };
}
export type { MessageData };

export class Api {
  constructor(readonly token: string) {}
  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return request<T>(method, path, { token: this.token, body });
  }
  me = () => this.call<Me>("GET", "/v1/console/me");
  inbox = (view: View) => this.call<Inbox>("GET", `/v1/console/inbox?view=${view}`);
  context = (id: number) => this.call<Context>("GET", `/v1/console/conversations/${id}`);
  customer = (id: number) => this.call<CustomerPanel>("GET", `/v1/console/conversations/${id}/customer`);
  suggestions = (id: number) => this.call<Suggestion[]>("GET", `/v1/console/conversations/${id}/suggestions`);
  canned = () => this.call<Canned[]>("GET", "/v1/console/canned-replies");
  render = (id: number, replyId: number) =>
    this.call<Rendered>("POST", `/v1/console/conversations/${id}/canned-replies/${replyId}/render`);
  send = (id: number, text: string, kind: "text" | "note", clientMsgId: string) =>
    this.call<unknown>("POST", `/v1/conversations/${id}/messages`, { client_msg_id: clientMsgId, text, kind });
  assign = (id: number, agentId: number) => this.call<Conversation>("POST", `/v1/conversations/${id}/assign`, { agent_id: agentId });
  transfer = (id: number, agentId: number) =>
    this.call<Conversation>("POST", `/v1/conversations/${id}/transfer`, { agent_id: agentId });
  close = (id: number) => this.call<unknown>("POST", `/v1/console/conversations/${id}/close`);
  calls = (id: number) => this.call<{ items: CallRecord[] }>("GET", `/v1/calls?conversation_id=${id}&limit=100`);
  /** A still from a video call: uploaded as an attachment, then sent in the conversation. */
  attachStill = async (id: number, still: Blob, text: string, clientMsgId: string) => {
    const form = new FormData();
    form.append("file", still, "snapshot.jpg");
    const res = await fetch(`/v1/conversations/${id}/attachments`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}` },
      body: form,
      credentials: "omit",
    });
    if (!res.ok) throw new Error(`upload failed (${res.status})`);
    const { id: attachment } = (await res.json()) as { id: number };
    return this.call<unknown>("POST", `/v1/conversations/${id}/messages`, {
      client_msg_id: clientMsgId,
      text,
      kind: "text",
      attachments: [attachment],
    });
  };
  logout = () => this.call<void>("POST", "/v1/auth/logout");
}

export const login = (store: string, email: string, password: string) =>
  request<Login>("POST", "/v1/auth/login", { body: { store, email, password } });
