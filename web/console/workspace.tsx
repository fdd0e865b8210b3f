// The logged-in console: the socket, the inbox (refreshed on every live message and every
// few seconds for conversations that are new to this tab), the open conversation, shortcuts.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, wsUrl } from "../shared/api";
import type { CallMedia } from "../shared/call";
import type { CallView } from "../shared/callview";
import { SeabridgeSocket, type SocketState } from "../shared/socket";
import { Api, type Inbox, type Me, type View } from "./api";
import { consoleCallView } from "./calls";
import { InboxList, VIEWS } from "./inbox";
import { Messages } from "./store";
import { Thread } from "./thread";

const POLL_MS = 4000;

export function Workspace({ token, onLogout }: { token: string; onLogout: () => void }) {
  const api = useMemo(() => new Api(token), [token]);
  const messages = useMemo(() => new Messages(), []);
  const [me, setMe] = useState<Me | null>(null);
  const [view, setView] = useState<View>("waiting");
  const [inbox, setInbox] = useState<Inbox | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState<SocketState>("connecting");
  const [help, setHelp] = useState(false);
  const [fetchedAt, setFetchedAt] = useState(Date.now());
  const [now, setNow] = useState(Date.now());
  const socketRef = useRef<SocketState | null>(null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const refreshTimer = useRef<number | undefined>(undefined);
  const calls = useRef<CallView | null>(null);
  const inboxRef = useRef<Inbox | null>(null);
  const [inCall, setInCall] = useState(false);

  const failed = useCallback(
    (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) onLogout();
    },
    [onLogout],
  );

  const refresh = useCallback(() => {
    api
      .inbox(viewRef.current)
      .then((found) => {
        if (found.view !== viewRef.current) return;
        setInbox(found);
        setFetchedAt(Date.now());
      })
      .catch(failed);
  }, [api, failed]);

  const soon = useCallback(() => {
    clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(refresh, 250);
  }, [refresh]);

  const socket = useMemo(
    () =>
      new SeabridgeSocket({
        url: wsUrl(location.origin),
        token: async () => token,
        historyPath: (id) => `/v1/conversations/${id}/messages`,
        initialHistory: 200,
        onFrame: (frame) => {
          calls.current?.handle(frame);
          if (messages.apply(frame) !== null) {
            setVersion(messages.version);
            soon();
          }
        },
        onState: (state) => {
          socketRef.current = state;
          setLive(state);
        },
      }),
    [token],
  );
  useEffect(() => () => socket.close(), [socket]);
  useEffect(() => {
    const who = (id: number) => {
      const item = inboxRef.current?.items.find((i) => i.id === id);
      return `${item?.customer_name || `Visitor #${id}`} · conversation #${id}`;
    };
    const view = consoleCallView(socket, api, setInCall, (id) => setSelected(id), who);
    calls.current = view;
    return () => {
      calls.current = null;
      view.root.parentElement?.remove();
    };
  }, [socket, api]);
  const startCall = (conversationId: number, media: CallMedia) => void calls.current?.start(String(conversationId), media);

  useEffect(() => {
    api.me().then(setMe).catch(failed);
  }, [api]);

  useEffect(() => {
    setInbox(null);
    refresh();
    const poll = setInterval(refresh, POLL_MS);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => (clearInterval(poll), clearInterval(tick));
  }, [view, refresh]);

  // Live updates for what is on screen: the open conversation and the listed open ones.
  useEffect(() => {
    for (const item of inbox?.items || []) if (item.status !== "closed") socket.subscribe(item.id);
  }, [inbox, socket]);
  useEffect(() => {
    if (selected !== null) socket.subscribe(selected);
  }, [selected, socket]);

  inboxRef.current = inbox;
  const items = inbox?.items || [];
  const move = (step: number) => {
    if (!items.length) return;
    const at = items.findIndex((i) => i.id === selected);
    const next = items[Math.min(items.length - 1, Math.max(0, at + step))] || items[0];
    setSelected(next.id);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "j") move(1);
      else if (e.key === "k") move(-1);
      else if (e.key >= "1" && e.key <= "5") setView(VIEWS[Number(e.key) - 1]);
      else if (e.key === "?") setHelp((h) => !h);
      else if (e.key === "Escape") setHelp(false);
      else return;
      e.preventDefault();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  const elapsed = Math.floor((now - fetchedAt) / 1000);
  return (
    <div class="shell">
      <header class="topbar">
        <strong class="brand">Seabridge</strong>
        <span class="muted">{me?.store.name}</span>
        <span class={`pill ${me?.store.open_now === false ? "off" : "on"}`}>
          {me ? (me.store.open_now ? "Open now" : "Outside opening hours: timers paused") : ""}
        </span>
        <span class="spacer" />
        <span class={`live ${live}`} title="Live connection" data-state={live}>
          {live === "open" ? "Live" : live === "connecting" ? "Connecting…" : "Offline"}
        </span>
        <button class="ghost" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
          Shortcuts
        </button>
        <span class="muted">{me?.agent?.name}</span>
        <button class="ghost" onClick={() => api.logout().finally(onLogout)}>
          Sign out
        </button>
      </header>
      <div class={`panes ${selected !== null ? "has-thread" : ""}`}>
        <InboxList
          view={view}
          inbox={inbox}
          selected={selected}
          elapsed={elapsed}
          me={me}
          onView={(v) => setView(v)}
          onSelect={setSelected}
        />
        {selected !== null && me ? (
          <Thread
            key={selected}
            id={selected}
            api={api}
            me={me}
            messages={messages.of(selected)}
            version={version}
            onBack={() => setSelected(null)}
            onChanged={refresh}
            onRead={(seq) => socket.read(selected, seq)}
            inCall={inCall}
            onCall={(media) => startCall(selected, media)}
          />
        ) : (
          <section class="empty-thread">
            <p>Pick a conversation. <kbd>j</kbd>/<kbd>k</kbd> move through the list.</p>
          </section>
        )}
      </div>
      {help && (
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onClick={() => setHelp(false)}>
          <div class="dialog" onClick={(e) => e.stopPropagation()}>
            <h2>Keyboard shortcuts</h2>
            <dl class="keys">
              <dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>Next / previous conversation</dd>
              <dt><kbd>1</kbd>–<kbd>5</kbd></dt><dd>Waiting, mine, bot, all, closed</dd>
              <dt><kbd>r</kbd></dt><dd>Write a reply</dd>
              <dt><kbd>n</kbd></dt><dd>Write an internal note</dd>
              <dt><kbd>/</kbd></dt><dd>Canned replies</dd>
              <dt><kbd>a</kbd></dt><dd>Assign to me</dd>
              <dt><kbd>Ctrl</kbd> + <kbd>Enter</kbd></dt><dd>Send</dd>
              <dt><kbd>Esc</kbd></dt><dd>Close a menu</dd>
            </dl>
            <button class="primary" onClick={() => setHelp(false)}>Done</button>
          </div>
        </div>
      )}
    </div>
  );
}
