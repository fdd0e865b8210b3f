// Messages the console has received, per conversation, keyed by seq (the socket dedupes;
// `message_updated` replaces a stored copy, e.g. when a translation arrives).
import type { Message, ServerFrame } from "../shared/protocol";

export interface Stored extends Message {
  seq: number;
}

export class Messages {
  private byConversation = new Map<number, Map<number, Stored>>();
  version = 0;

  apply(frame: ServerFrame): number | null {
    if (frame.type !== "message" && frame.type !== "message_updated") return null;
    const id = Number(frame.conversation_id);
    let seqs = this.byConversation.get(id);
    if (!seqs) this.byConversation.set(id, (seqs = new Map()));
    seqs.set(frame.seq, { ...frame.message, seq: frame.seq });
    this.version++;
    return id;
  }

  of(conversationId: number): Stored[] {
    const seqs = this.byConversation.get(conversationId);
    return seqs ? [...seqs.values()].sort((a, b) => a.seq - b.seq) : [];
  }
}
