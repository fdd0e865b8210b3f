// One conversation: header with actions and timer, the bot's handoff summary, messages
// (original and translation side by side, product cards), suggestions, canned replies, composer.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CallMedia } from "../shared/call";
import type { Api, CallRecord, Canned, Context, CustomerPanel, Me, Suggestion } from "./api";
import { CallRecords } from "./calls";
import { CustomerSide } from "./customer";
import { clock, languageName, label, newId } from "./format";
import { TimerBadge } from "./inbox";
import type { Stored } from "./store";

function Bubble({ m, agentLanguage }: { m: Stored; agentLanguage: string }) {
  const who = m.kind === "system" ? "system" : m.sender?.kind || "system";
  const translated = m.language && m.language !== agentLanguage ? m.translations[agentLanguage] : undefined;
  const products = m.data?.products || [];
  return (
    <li class={`msg ${who} ${m.kind}`} data-seq={m.seq}>
      <div class="msg-head">
        <span class="msg-who">{m.kind === "note" ? `Internal note · ${who}` : who === "system" ? "System" : who}</span>
        <time>{clock(m.created_at)}</time>
      </div>
      {translated ? (
        <div class="pair">
          <div class="original" lang={m.language || undefined}>
            <span class="tag">{languageName(m.language || "")}</span>
            <p>{m.text}</p>
          </div>
          <div class="translation" lang={agentLanguage}>
            <span class="tag">{languageName(agentLanguage)}</span>
            <p>{translated}</p>
          </div>
        </div>
      ) : (
        <p class="text" lang={m.language || undefined}>
          {m.text}
        </p>
      )}
      {products.length > 0 && (
        <div class="cards">
          {products.map((p) => (
            <div class="card">
              {p.image && <img src={p.image} alt="" loading="lazy" />}
              <span class="card-title">{p.title}</span>
              <span class="card-price">
                {p.currency} {p.price}
              </span>
            </div>
          ))}
        </div>
      )}
    </li>
  );
}

function CannedPicker({ canned, onPick, onClose }: { canned: Canned[]; onPick: (c: Canned) => void; onClose: () => void }) {
  const [filter, setFilter] = useState("");
  const [at, setAt] = useState(0);
  const found = canned.filter((c) => (c.shortcut + " " + c.title).toLowerCase().includes(filter.toLowerCase()));
  return (
    <div class="picker" role="dialog" aria-label="Canned replies">
      <input
        autoFocus
        placeholder="Search canned replies…"
        value={filter}
        onInput={(e) => (setFilter(e.currentTarget.value), setAt(0))}
        onKeyDown={(e) => {
          if (e.key === "Escape") onClose();
          else if (e.key === "ArrowDown") setAt(Math.min(at + 1, found.length - 1));
          else if (e.key === "ArrowUp") setAt(Math.max(at - 1, 0));
          else if (e.key === "Enter" && found[at]) onPick(found[at]);
          else return;
          e.preventDefault();
        }}
      />
      <ul>
        {found.length === 0 && <li class="muted">No canned replies{filter ? " match" : " yet"}.</li>}
        {found.map((c, i) => (
          <li>
            <button class={`pick ${i === at ? "active" : ""}`} onClick={() => onPick(c)} data-shortcut={c.shortcut}>
              <strong>/{c.shortcut}</strong> {c.title}
              <span class="muted"> · {Object.keys(c.texts).join(", ")}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Thread(props: {
  id: number;
  api: Api;
  me: Me;
  messages: Stored[];
  version: number;
  onBack: () => void;
  onChanged: () => void;
  onRead: (seq: number) => void;
  inCall: boolean;
  onCall: (media: CallMedia) => void;
}) {
  const { id, api, me, messages } = props;
  const [ctx, setCtx] = useState<Context | null>(null);
  const [customer, setCustomer] = useState<CustomerPanel | null>(null);
  const [calls, setCalls] = useState<CallRecord[]>([]);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [canned, setCanned] = useState<Canned[]>([]);
  const [text, setText] = useState("");
  const [mode, setMode] = useState<"text" | "note">("text");
  const [picking, setPicking] = useState(false);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  const [fetchedAt, setFetchedAt] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  const box = useRef<HTMLTextAreaElement>(null);
  const list = useRef<HTMLOListElement>(null);

  const load = () => {
    api.context(id).then((c) => (setCtx(c), setFetchedAt(Date.now()))).catch(() => setNotice("Could not load this conversation."));
    api.customer(id).then(setCustomer).catch(() => undefined);
    api.suggestions(id).then(setSuggestions).catch(() => undefined);
    api.calls(id).then((page) => setCalls(page.items)).catch(() => undefined);
  };
  useEffect(() => {
    load();
    api.canned().then(setCanned).catch(() => undefined);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, [id]);
  // A new message may bring a summary, a status change or answer a timer: reload the context.
  const lastSeq = messages.length ? messages[messages.length - 1].seq : 0;
  useEffect(() => {
    if (lastSeq) {
      const t = setTimeout(load, 200);
      props.onRead(lastSeq);
      list.current?.lastElementChild?.scrollIntoView({ block: "end" });
      return () => clearTimeout(t);
    }
  }, [lastSeq]);

  const conv = ctx?.conversation;
  const mine = conv?.assigned_agent_id === me.agent?.id;
  const agentLanguage = ctx?.agent_language || me.agent?.language || me.store.default_language;

  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await what();
      setNotice(done);
      load();
      props.onChanged();
    } catch (err) {
      setNotice(err instanceof Error ? err.message : "That did not work.");
    } finally {
      setBusy(false);
    }
  };
  const take = () => me.agent && act(() => api.assign(id, me.agent!.id), "Assigned to you.");
  const send = async () => {
    const body = text.trim();
    if (!body || busy) return;
    setBusy(true);
    try {
      await api.send(id, body, mode, newId());
      setText("");
      setNotice("");
      if (mode === "text" && conv && conv.status !== "assigned" && me.agent) await api.assign(id, me.agent.id);
      props.onChanged();
    } catch (err) {
      setNotice(err instanceof Error ? err.message : "Not sent.");
    } finally {
      setBusy(false);
    }
  };
  const pick = async (c: Canned) => {
    setPicking(false);
    try {
      const r = await api.render(id, c.id);
      setText(r.text);
      setMode("text");
      setNotice(r.missing.length ? `No value for: ${r.missing.join(", ")}` : `Canned reply in ${languageName(r.language)}.`);
      box.current?.focus();
    } catch {
      setNotice("Could not fill that canned reply.");
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "r") (setMode("text"), box.current?.focus());
      else if (e.key === "n") (setMode("note"), box.current?.focus());
      else if (e.key === "/") setPicking(true);
      else if (e.key === "a" && !mine) take();
      else return;
      e.preventDefault();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  const elapsed = Math.floor((now - fetchedAt) / 1000);
  const others = me.agents.filter((a) => a.id !== conv?.assigned_agent_id);
  return (
    <div class="work">
      <section class="thread" aria-label="Conversation">
        <header class="thread-head">
          <button class="ghost back" onClick={props.onBack} aria-label="Back to the inbox">
            ←
          </button>
          <div class="title">
            <h2>{ctx?.customer_name || `Visitor #${id}`}</h2>
            <span class="muted">
              {ctx && `${languageName(ctx.buyer_language)} ⇄ ${languageName(agentLanguage)}`}
              {conv && <span class={`status ${conv.status}`}>{conv.status}</span>}
            </span>
          </div>
          <TimerBadge timer={ctx?.timer || null} elapsed={elapsed} />
          <div class="actions">
            {conv && conv.status !== "closed" && (
              <span class="call-buttons">
                <button onClick={() => props.onCall("video")} disabled={props.inCall} aria-label="Start a video call">
                  Video call
                </button>
                <button onClick={() => props.onCall("audio")} disabled={props.inCall} aria-label="Start a voice call">
                  Voice call
                </button>
              </span>
            )}
            {conv && conv.status !== "closed" && !mine && me.agent && (
              <button class="primary" onClick={take} disabled={busy} title="Assign to me (a)">
                Assign to me
              </button>
            )}
            {conv && conv.status === "assigned" && others.length > 0 && (
              <select
                aria-label="Transfer to"
                value=""
                onChange={(e) => {
                  const to = Number(e.currentTarget.value);
                  if (to) act(() => api.transfer(id, to), "Transferred.");
                }}
              >
                <option value="">Transfer to…</option>
                {others.map((a) => (
                  <option value={a.id}>{a.name}</option>
                ))}
              </select>
            )}
            {conv && conv.status !== "closed" && (
              <button onClick={() => act(() => api.close(id), "Closed. The buyer was asked to rate the conversation.")} disabled={busy}>
                Close
              </button>
            )}
          </div>
        </header>
        {ctx?.summary && (
          <aside class="summary" aria-label="Bot handoff summary">
            <strong>Bot handoff summary</strong>
            <p>{ctx.summary.text}</p>
            {(ctx.intent || ctx.handoff_reason) && (
              <span class="muted">
                {ctx.intent && `Intent: ${label(ctx.intent)}`}
                {ctx.handoff_reason && ` · Handed over: ${label(ctx.handoff_reason)}`}
              </span>
            )}
          </aside>
        )}
        {ctx?.csat && (
          <p class="csat">
            Satisfaction: {ctx.csat.score !== null ? `${ctx.csat.score} / 5` : "asked, no answer yet"}
          </p>
        )}
        <ol class="messages" ref={list} aria-live="polite">
          {messages.map((m) => (
            <Bubble m={m} agentLanguage={agentLanguage} />
          ))}
        </ol>
        {suggestions.length > 0 && conv?.status !== "closed" && (
          <div class="suggestions" aria-label="Suggested replies">
            {suggestions.map((s) => (
              <button
                class="chip"
                title={s.agent_text}
                data-key={s.key}
                onClick={() => (setText(s.text), setMode("text"), box.current?.focus())}
              >
                {s.title}
              </button>
            ))}
          </div>
        )}
        <div class={`composer ${mode}`}>
          {picking && <CannedPicker canned={canned} onPick={pick} onClose={() => setPicking(false)} />}
          <div class="modes" role="tablist">
            <button role="tab" aria-selected={mode === "text"} class={mode === "text" ? "active" : ""} onClick={() => setMode("text")}>
              Reply
            </button>
            <button role="tab" aria-selected={mode === "note"} class={mode === "note" ? "active" : ""} onClick={() => setMode("note")}>
              Internal note
            </button>
            <button class="ghost" onClick={() => setPicking(!picking)} title="Canned replies (/)">
              Canned replies
            </button>
          </div>
          <textarea
            ref={box}
            aria-label={mode === "note" ? "Internal note" : "Reply"}
            placeholder={mode === "note" ? "Only agents see notes" : `Reply in ${languageName(ctx?.buyer_language || "")}…`}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) (e.preventDefault(), send());
              else if (e.key === "Escape") (e.currentTarget as HTMLTextAreaElement).blur();
            }}
          />
          <div class="send-row">
            <span class="notice" role="status">
              {notice}
            </span>
            <button class="primary" onClick={send} disabled={busy || !text.trim()}>
              {mode === "note" ? "Add note" : "Send"}
            </button>
          </div>
        </div>
      </section>
      <CustomerSide panel={customer}>
        <CallRecords calls={calls} />
      </CustomerSide>
    </div>
  );
}
