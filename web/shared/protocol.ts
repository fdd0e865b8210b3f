// The Seabridge WebSocket protocol's frames (docs/protocol.md), as TypeScript types.
// Ids on the wire are decimal strings; seqs are integers.
import type { CallClientFrame, CallServerFrame } from "./call";

export interface Participant {
  kind: "buyer" | "agent" | "bot";
  id: string;
}

export interface ProductCard {
  id: number;
  title: string;
  price: string;
  currency: string;
  image: string | null;
  url?: string;
}

export interface MessageData {
  intent?: string;
  engine?: string;
  handoff?: string;
  products?: ProductCard[];
  event?: string;
  [key: string]: unknown;
}

export interface Message {
  id: string;
  kind: "text" | "image" | "system" | "note";
  sender?: Participant | null;
  text: string;
  attachments: string[];
  created_at: string;
  client_msg_id?: string | null;
  language?: string | null;
  data?: MessageData | null;
  translations: Record<string, string>;
}

export interface Limits {
  max_frame_bytes: number;
  max_text_chars: number;
  sends_per_s: number;
  send_burst: number;
  typing_per_s: number;
}

export interface ReadyFrame {
  type: "ready";
  session_id: string;
  principal: Participant;
  heartbeat_s: number;
  limits: Limits;
}
export interface SubscribedFrame {
  type: "subscribed";
  conversation_id: string;
  last_seq: number;
}
export interface UnsubscribedFrame {
  type: "unsubscribed";
  conversation_id: string;
}
export interface AckFrame {
  type: "ack";
  client_msg_id: string;
  conversation_id: string;
  seq: number;
  message_id: string;
  duplicate: boolean;
}
export interface MessageFrame {
  type: "message";
  conversation_id: string;
  seq: number;
  message: Message;
}
export interface MessageUpdatedFrame {
  type: "message_updated";
  conversation_id: string;
  seq: number;
  message: Message;
}
export interface TypingEventFrame {
  type: "typing";
  conversation_id: string;
  participant: Participant;
  active: boolean;
}
export interface PresenceFrame {
  type: "presence";
  participant: Participant;
  status: "online" | "offline";
  conversation_id?: string | null;
}
export interface ReadEventFrame {
  type: "read";
  conversation_id: string;
  participant: Participant;
  seq: number;
}
export interface ResyncRequiredFrame {
  type: "resync_required";
  conversation_id: string;
  from_seq: number;
  reason: string;
}
export interface PingFrame {
  type: "ping";
  nonce?: string | null;
}
export interface PongFrame {
  type: "pong";
  nonce?: string | null;
}
export interface ErrorFrame {
  type: "error";
  code: string;
  message: string;
  ref?: string | null;
  retry_after_ms?: number | null;
  reasons?: string[] | null;
}

export type ServerFrame =
  | ReadyFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | AckFrame
  | MessageFrame
  | MessageUpdatedFrame
  | TypingEventFrame
  | PresenceFrame
  | ReadEventFrame
  | ResyncRequiredFrame
  | PingFrame
  | PongFrame
  | ErrorFrame
  | CallServerFrame;

export type Ack = AckFrame;

export type ClientFrame =
  | { type: "auth"; token: string }
  | { type: "subscribe"; conversation_id: string; after_seq?: number }
  | { type: "unsubscribe"; conversation_id: string }
  | { type: "send"; conversation_id: string; client_msg_id: string; text: string; attachments?: string[] }
  | { type: "typing"; conversation_id: string; active: boolean }
  | { type: "read"; conversation_id: string; seq: number }
  | { type: "ping"; nonce?: string }
  | { type: "pong"; nonce?: string }
  | CallClientFrame;

/** A message as the REST history endpoints return it (`MessageOut`). */
export interface RestMessage {
  id: number;
  seq: number;
  kind: Message["kind"];
  sender: Participant | null;
  text: string;
  language: string;
  status: string;
  attachments: { id: number }[];
  data: MessageData;
  client_msg_id: string;
  created_at: string;
  translations: Record<string, string>;
}

export interface MessagePage {
  items: RestMessage[];
  last_seq: number;
  next_before_seq: number | null;
  next_after_seq: number | null;
}

/** A REST history item as the `message` frame the socket would have delivered. */
export function restToFrame(conversationId: number | string, m: RestMessage): MessageFrame {
  return {
    type: "message",
    conversation_id: String(conversationId),
    seq: m.seq,
    message: {
      id: String(m.id),
      kind: m.kind,
      sender: m.sender,
      text: m.text,
      attachments: (m.attachments || []).map((a) => String(a.id)),
      created_at: m.created_at,
      client_msg_id: m.client_msg_id || null,
      language: m.language || null,
      data: m.data || null,
      translations: m.translations || {},
    },
  };
}

/** Close codes after which reconnecting unchanged cannot help (docs/protocol.md, Close codes). */
export const FATAL_CLOSE_CODES = new Set([1008, 1009, 4000, 4004]);
