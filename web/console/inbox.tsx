// The inbox column: views with counts, then conversations with their wait time and timer.
import type { Inbox, InboxItem, Me, Timer, View } from "./api";
import { duration, languageName } from "./format";

export const VIEWS: View[] = ["waiting", "mine", "bot", "all", "closed"];
const TITLES: Record<View, string> = { waiting: "Waiting", mine: "Mine", bot: "Bot", all: "All open", closed: "Closed" };

export function TimerBadge({ timer, elapsed }: { timer: Timer | null; elapsed: number }) {
  if (!timer) return null;
  const seconds = timer.business_seconds + (timer.running ? elapsed : 0);
  const overdue = seconds >= timer.target_seconds;
  const name = timer.kind === "first_response" ? "First reply" : "Next reply";
  return (
    <span
      class={`timer ${overdue ? "overdue" : ""} ${timer.running ? "" : "paused"}`}
      title={`${name} timer, business hours only (target ${duration(timer.target_seconds)})${timer.running ? "" : ": paused outside opening hours"}`}
    >
      {name} {duration(seconds)}
    </span>
  );
}

function Row({ item, active, elapsed, me, onSelect }: { item: InboxItem; active: boolean; elapsed: number; me: Me | null; onSelect: () => void }) {
  const agent = me?.agents.find((a) => a.id === item.assigned_agent_id);
  return (
    <li>
      <button class={`row ${active ? "active" : ""}`} onClick={onSelect} aria-current={active ? "true" : undefined} data-id={item.id}>
        <span class="row-top">
          <strong class="who">{item.customer_name || `Visitor #${item.id}`}</strong>
          {item.wait_seconds !== null && <span class="wait">waiting {duration(item.wait_seconds + elapsed)}</span>}
        </span>
        <span class="preview">{item.last_text || "No messages yet"}</span>
        <span class="row-meta">
          <span class={`status ${item.status}`}>{item.status}</span>
          {item.language && <span class="lang">{languageName(item.language)}</span>}
          {agent && <span class="muted">→ {agent.name}</span>}
          <TimerBadge timer={item.timer} elapsed={elapsed} />
        </span>
      </button>
    </li>
  );
}

export function InboxList(props: {
  view: View;
  inbox: Inbox | null;
  selected: number | null;
  elapsed: number;
  me: Me | null;
  onView: (view: View) => void;
  onSelect: (id: number) => void;
}) {
  const { view, inbox } = props;
  return (
    <nav class="inbox" aria-label="Inbox">
      <div class="views" role="tablist">
        {VIEWS.map((v, i) => (
          <button
            role="tab"
            aria-selected={v === view}
            class={`view ${v === view ? "active" : ""}`}
            onClick={() => props.onView(v)}
            title={`${TITLES[v]} (${i + 1})`}
            data-view={v}
          >
            {TITLES[v]}
            <span class="count">{inbox?.counts[v] ?? ""}</span>
          </button>
        ))}
      </div>
      {inbox === null ? (
        <p class="muted pad">Loading…</p>
      ) : inbox.items.length === 0 ? (
        <p class="muted pad">Nothing here.</p>
      ) : (
        <ul class="rows">
          {inbox.items.map((item) => (
            <Row item={item} active={item.id === props.selected} elapsed={props.elapsed} me={props.me} onSelect={() => props.onSelect(item.id)} />
          ))}
        </ul>
      )}
    </nav>
  );
}
