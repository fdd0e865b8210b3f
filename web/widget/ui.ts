// The buyer widget's user interface: a launcher button and a chat panel inside a Shadow DOM.
// Plain DOM, no framework: it must stay small and load fast on a phone.
import { ApiError, postJson, wsUrl } from "../shared/api";
import type { Message, MessageFrame, MessageUpdatedFrame, ProductCard, ServerFrame } from "../shared/protocol";
import { newClientMsgId, SeabridgeSocket, SendError, type SocketState } from "../shared/socket";
import { WidgetCalls } from "./calls";
import { callEventText, callStrings } from "./callstrings";
import { isRtl, strings, supported, type Key } from "./i18n";
import { ConsultBooking } from "./consult";
import { BuyerSession } from "./session";
import { CSS } from "./styles";

export interface WidgetOptions {
  base: string; // the Seabridge server's origin
  publicKey: string;
  identityToken: string | null;
  lang: string | null; // forced UI language (data-lang), else from the browser and the buyer's writing
  productUrl: string | null; // product link template with {id}
  calls?: boolean; // data-calls="always": buyers may call before a person joined
}

type Attrs = Record<string, string | boolean | ((e: Event) => void)>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...kids: (Node | string)[]) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") node.addEventListener(k, v);
    else if (v === true) node.setAttribute(k, "");
    else if (v !== false) node.setAttribute(k, v);
  }
  node.append(...kids);
  return node;
}

const CHAT_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

function storage(kind: "sessionStorage" | "localStorage"): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

export class Widget {
  readonly session: BuyerSession;
  readonly shadow: ShadowRoot;
  /** Where another feature may put its header buttons (the call button goes here). */
  readonly callSlot: HTMLDivElement;
  private lang: string;
  private t: Record<Key, string>;
  private langFromWriting: boolean;
  private bindings: [Element, Key, string | null][] = [];
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private readonly verifyBox: HTMLDetailsElement;
  private readonly consult: ConsultBooking;
  private readonly verifyError: HTMLParagraphElement;
  private readonly verifiedNote: HTMLParagraphElement;
  private readonly log: HTMLOListElement;
  private readonly typingEl: HTMLDivElement;
  private readonly input: HTMLTextAreaElement;
  private socket: SeabridgeSocket | null = null;
  private readonly calls: WidgetCalls;
  private cid: number | null = null;
  private early: string[] = []; // typed before the conversation was known
  private bySeq = new Map<number, HTMLLIElement>();
  private pendingLi = new Map<string, HTMLLIElement>();
  private othersRead = 0;
  private unread = 0;
  private wasOpen = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly loadedAt = Date.now();
  private readonly store: Storage | null = storage("sessionStorage");

  constructor(private readonly opts: WidgetOptions) {
    this.session = new BuyerSession(opts.base, opts.publicKey, opts.identityToken);
    const forced = supported(opts.lang);
    this.lang = forced || supported(navigator.language) || "en";
    this.langFromWriting = !forced;
    this.t = strings(this.lang);

    const host = el("div", { id: "seabridge-widget" });
    this.shadow = host.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in this.shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      // A constructed sheet is not an inline style: a store's strict style-src CSP allows it.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      this.shadow.adoptedStyleSheets = [sheet];
    } else {
      this.shadow.append(el("style", {}, CSS));
    }
    this.root = el("div", { class: "root" });
    this.badge = el("span", { class: "badge", hidden: true, "aria-hidden": "true" });
    this.launcher = el("button", {
      class: "launcher",
      type: "button",
      "aria-expanded": "false",
      "aria-controls": "sb-panel",
      click: () => this.toggle(),
    });
    this.launcher.innerHTML = CHAT_ICON;
    this.launcher.append(this.badge);
    this.bind(this.launcher, "open", "aria-label");

    const title = el("h2", { id: "sb-title" });
    this.bind(title, "title");
    this.callSlot = el("div", { class: "calls" });
    const closeBtn = el("button", { class: "icon", type: "button", click: () => this.close() }, "×");
    this.bind(closeBtn, "close", "aria-label");
    this.status = el("div", { class: "status", role: "status", hidden: true });

    const email = el("input", { type: "email", name: "email", autocomplete: "email", required: true });
    const order = el("input", { type: "text", name: "order", autocomplete: "off", required: true });
    const verifyBtn = el("button", { class: "send", type: "submit" });
    this.bind(verifyBtn, "verify");
    const emailLabel = el("span");
    const orderLabel = el("span");
    this.bind(emailLabel, "email");
    this.bind(orderLabel, "order");
    this.verifyError = el("p", { class: "err", role: "alert", hidden: true });
    const summary = el("summary");
    this.bind(summary, "verifyTitle");
    this.verifyBox = el(
      "details",
      { class: "verify-box" },
      summary,
      el(
        "form",
        { class: "verify", submit: (e) => this.onVerify(e, email, order, verifyBtn) },
        el("label", {}, emailLabel, email),
        el("label", {}, orderLabel, order),
        this.verifyError,
        verifyBtn,
      ),
    );
    this.verifiedNote = el("p", { class: "ok", hidden: true });

    this.log = el("ol", { role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
    this.bind(this.log, "title", "aria-label");
    this.typingEl = el("div", { class: "typing", "aria-live": "polite" });
    this.input = el("textarea", {
      rows: "1",
      maxlength: "4000",
      input: () => this.cid !== null && this.input.value.trim() && this.socket?.typing(this.cid),
      keydown: (e) => this.onKey(e as KeyboardEvent),
    });
    this.bind(this.input, "placeholder", "placeholder");
    this.bind(this.input, "placeholder", "aria-label");
    const send = el("button", { class: "send", type: "submit" });
    this.bind(send, "send");
    const compose = el("form", { class: "compose", submit: (e) => this.onSubmit(e) }, this.input, send);

    this.consult = new ConsultBooking({
      base: opts.base,
      token: () => this.session.token(),
      lang: () => this.lang,
      text: (key) => (key === "video" || key === "voice" ? callStrings(this.lang)[key] : this.t[key]),
    });
    this.panel = el(
      "div",
      { class: "panel", id: "sb-panel", role: "dialog", "aria-labelledby": "sb-title", hidden: true, keydown: (e) => this.onPanelKey(e as KeyboardEvent) },
      el("header", {}, title, this.callSlot, closeBtn),
      this.status,
      this.verifiedNote,
      this.verifyBox,
      this.consult.box,
      this.log,
      this.typingEl,
      compose,
    );
    this.calls = new WidgetCalls({
      shadow: this.shadow,
      slot: this.callSlot,
      panel: this.panel,
      lang: () => this.lang,
      socket: () => this.socket,
      conversationId: () => this.cid,
      open: () => this.open(false),
      you: () => this.t.you,
      team: () => this.t.agent,
      always: !!opts.calls,
      base: opts.base,
      token: () => this.session.token(),
    });
    this.root.append(this.launcher, this.panel);
    this.shadow.append(this.root);
    this.applyLang();
    (document.body || document.documentElement).append(host);
    if (this.session.identity?.verified) this.showVerified();

    const reopen = this.store?.getItem(this.key("open")) === "1";
    const queued = !!this.store?.getItem(this.key("outbox"));
    if (reopen) this.open(false);
    else if (queued) this.connect(); // unsent messages from before a reload go out now
  }

  // ---- public API ----------------------------------------------------------------------

  open(focus = true): void {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.store?.setItem(this.key("open"), "1");
    this.unread = 0;
    this.renderBadge();
    this.connect();
    this.markRead();
    if (focus) this.input.focus();
  }

  close(): void {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.store?.removeItem(this.key("open"));
    this.launcher.focus();
  }

  toggle(): void {
    if (this.panel.hidden) this.open();
    else this.close();
  }

  /** Bind the chat to a customer with a token signed by the store's backend. */
  async identify(token: string): Promise<void> {
    await this.session.identify(token);
    this.showVerified();
    this.reconnect();
  }

  // ---- connection ----------------------------------------------------------------------

  private key(name: string): string {
    return `seabridge:${this.opts.publicKey}:${name}`;
  }

  private connect(): void {
    if (this.socket) return;
    this.socket = new SeabridgeSocket({
      url: wsUrl(this.opts.base),
      token: () => this.session.token(),
      onFrame: (f) => this.onFrame(f),
      onState: (s) => this.onState(s),
      storage: this.store,
      storageKey: this.key("outbox"),
      historyPath: (id) => `/v1/widget/conversations/${id}/messages`,
    });
    this.socket.subscribe(this.cid ?? "mine");
  }

  /** A new token (verified identity): a new connection; the outbox survives in storage. */
  private reconnect(): void {
    if (!this.socket) return;
    this.socket.close();
    this.socket = null;
    this.connect();
  }

  private onState(state: SocketState): void {
    if (state === "open") {
      this.wasOpen = true;
      this.status.hidden = true;
      return;
    }
    const offline = navigator.onLine === false;
    if (!this.wasOpen && !offline) return; // the first connection: nothing to report yet
    this.status.hidden = false;
    this.status.className = offline ? "status offline" : "status";
    this.status.textContent = offline ? this.t.offline : this.t.reconnecting;
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "subscribed":
        this.cid = Number(frame.conversation_id);
        for (const entry of this.socket?.pending(this.cid) || []) {
          if (!this.pendingLi.has(entry.clientMsgId)) this.showPending(entry.clientMsgId, entry.text);
          this.track(entry.clientMsgId, this.socket!.waitFor(entry.clientMsgId));
        }
        for (const text of this.early.splice(0)) this.sendText(text);
        break;
      case "message":
      case "message_updated":
        this.render(frame);
        break;
      case "typing":
        if (frame.participant.kind !== "buyer") this.showTyping(frame.active);
        break;
      case "read":
        if (frame.participant.kind !== "buyer" && frame.seq > this.othersRead) {
          this.othersRead = frame.seq;
          this.refreshStates();
        }
        break;
    }
    this.calls.handle(frame);
  }

  // ---- messages ------------------------------------------------------------------------

  private render(frame: MessageFrame | MessageUpdatedFrame): void {
    const m = frame.message;
    if (m.kind === "note") return;
    const mine = m.sender?.kind === "buyer";
    const li = this.messageLi(m, frame.seq, mine);
    const old = this.bySeq.get(frame.seq);
    const pending = m.client_msg_id ? this.pendingLi.get(m.client_msg_id) : undefined;
    if (pending) {
      this.pendingLi.delete(m.client_msg_id!);
      pending.remove();
    }
    if (old) old.replaceWith(li);
    else this.insert(li, frame.seq);
    this.bySeq.set(frame.seq, li);
    if (old || frame.type === "message_updated") return;
    if (mine) {
      this.learnLanguage(m);
    } else {
      this.showTyping(false);
      if (this.panel.hidden && Date.parse(m.created_at) >= this.loadedAt - 5000) {
        this.unread += 1;
        this.renderBadge();
      }
      this.markRead();
    }
    this.scroll();
  }

  private messageLi(m: Message, seq: number, mine: boolean): HTMLLIElement {
    const kind = m.kind === "system" ? "system" : mine ? "me" : "them";
    const li = el("li", { class: kind, "data-seq": String(seq) });
    const whoKey: Key = mine ? "you" : m.sender?.kind === "bot" ? "bot" : "agent";
    if (kind !== "system") li.append(el("span", { class: mine ? "who sr" : "who" }, this.t[whoKey]));
    const text = (m.kind === "system" && callEventText(this.lang, m.data)) || (!mine && m.translations?.[this.lang]) || m.text;
    li.append(el("div", { class: "bubble", dir: "auto" }, text));
    const products = m.data?.products;
    if (Array.isArray(products) && products.length) li.append(this.cards(products));
    if (m.data?.handoff) li.append(el("p", { class: "notice" }, this.t.handoff));
    if (m.data?.event === "csat") li.append(this.rating());
    if (mine) li.append(el("span", { class: "state" }, seq <= this.othersRead ? this.t.read : this.t.delivered));
    return li;
  }

  /** The satisfaction question's answer: five buttons; a second answer (409) just says thanks. */
  private rating(): HTMLDivElement {
    const box = el("div", { class: "rating", role: "group" });
    const thank = () => box.replaceChildren(el("p", { class: "notice" }, this.t.thanks));
    for (let score = 1; score <= 5; score++) {
      const star = el(
        "button",
        { type: "button", "aria-label": `${score}/5`, click: () => void this.rate(score, box).then(thank, () => undefined) },
        "★".repeat(score),
      );
      box.append(star);
    }
    return box;
  }

  private async rate(score: number, box: HTMLElement): Promise<void> {
    for (const b of Array.from(box.querySelectorAll("button"))) b.disabled = true;
    const url = `${this.opts.base}/v1/widget/conversations/${this.cid}/csat`;
    try {
      await postJson(url, { score }, await this.session.token());
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) {
        for (const b of Array.from(box.querySelectorAll("button"))) b.disabled = false;
        throw err;
      }
    }
  }

  private cards(products: ProductCard[]): HTMLDivElement {
    const box = el("div", { class: "cards" });
    for (const p of products.slice(0, 6)) {
      const href = this.opts.productUrl
        ? this.opts.productUrl.replace("{id}", String(p.id))
        : `${this.opts.base}/v1/widget/products/${p.id}/page?store=${encodeURIComponent(this.opts.publicKey)}`;
      let price = `${p.price} ${p.currency}`;
      try {
        price = new Intl.NumberFormat(this.lang, { style: "currency", currency: p.currency }).format(Number(p.price));
      } catch {
        /* an unknown currency code: keep the plain form */
      }
      const card = el("a", { class: "card", href, target: "_blank", rel: "noopener" });
      if (p.image) card.append(el("img", { src: new URL(p.image, this.opts.base).href, alt: "", loading: "lazy" }));
      card.append(el("span", { dir: "auto" }, p.title), el("span", { class: "price" }, price), el("span", { class: "go" }, this.t.view));
      box.append(card);
    }
    return box;
  }

  private insert(li: HTMLLIElement, seq: number): void {
    for (const child of Array.from(this.log.children)) {
      const at = Number((child as HTMLElement).dataset.seq || Infinity);
      if (at > seq) {
        child.before(li);
        return;
      }
    }
    this.log.append(li);
  }

  private showPending(clientMsgId: string, text: string): void {
    const li = el(
      "li",
      { class: "me", "data-client-msg-id": clientMsgId },
      el("span", { class: "who sr" }, this.t.you),
      el("div", { class: "bubble", dir: "auto" }, text),
      el("span", { class: "state" }, this.t.sending),
    );
    this.pendingLi.set(clientMsgId, li);
    this.log.append(li);
    this.scroll();
  }

  private track(clientMsgId: string, ack: Promise<unknown>): void {
    ack.catch((err) => {
      const li = this.pendingLi.get(clientMsgId);
      if (!li || !(err instanceof SendError)) return;
      li.classList.add("failed");
      li.querySelector(".state")!.textContent = this.t.failed;
    });
  }

  private sendText(text: string): void {
    if (this.cid === null || !this.socket) {
      this.early.push(text);
      this.connect();
      return;
    }
    const id = newClientMsgId();
    this.showPending(id, text);
    this.track(id, this.socket.send(this.cid, text, { clientMsgId: id }));
  }

  private refreshStates(): void {
    for (const [seq, li] of this.bySeq) {
      const state = li.querySelector(".state");
      if (state && seq <= this.othersRead) state.textContent = this.t.read;
    }
  }

  private markRead(): void {
    if (this.cid === null || !this.socket || this.panel.hidden || document.visibilityState === "hidden") return;
    const seq = this.socket.lastSeq(this.cid);
    if (seq > 0) this.socket.read(this.cid, seq);
  }

  private showTyping(active: boolean): void {
    clearTimeout(this.typingTimer);
    this.typingEl.textContent = active ? this.t.typing : "";
    if (active) this.typingTimer = setTimeout(() => this.showTyping(false), 6000);
  }

  private scroll(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  private renderBadge(): void {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = String(this.unread);
  }

  // ---- language --------------------------------------------------------------------------

  private bind(node: Element, key: Key, attr: string | null = null): void {
    this.bindings.push([node, key, attr]);
  }

  private applyLang(): void {
    this.t = strings(this.lang);
    this.root.setAttribute("lang", this.lang);
    this.root.setAttribute("dir", isRtl(this.lang) ? "rtl" : "ltr");
    for (const [node, key, attr] of this.bindings) {
      if (attr) node.setAttribute(attr, this.t[key]);
      else node.textContent = this.t[key];
    }
    if (!this.verifiedNote.hidden) this.showVerified();
    this.calls?.render();
    this.consult?.render();
  }

  /** The buyer writes in another language than the browser's: follow the buyer. */
  private learnLanguage(m: Message): void {
    const lang = supported(m.language);
    if (!this.langFromWriting || !lang || lang === this.lang || m.text.trim().length < 8) return;
    this.lang = lang;
    this.applyLang();
  }

  // ---- events ----------------------------------------------------------------------------

  private onSubmit(e: Event): void {
    e.preventDefault();
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.sendText(text);
    this.input.focus();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.onSubmit(e);
    }
  }

  private onPanelKey(e: KeyboardEvent): void {
    if (e.key === "Escape") {
      e.stopPropagation();
      this.close();
    }
  }

  private async onVerify(e: Event, email: HTMLInputElement, order: HTMLInputElement, btn: HTMLButtonElement) {
    e.preventDefault();
    btn.disabled = true;
    this.verifyError.hidden = true;
    try {
      await this.session.verify(email.value.trim(), order.value.trim());
      this.showVerified();
      this.reconnect();
      this.input.focus();
    } catch {
      this.verifyError.textContent = this.t.verifyFailed;
      this.verifyError.hidden = false;
      email.focus();
    } finally {
      btn.disabled = false;
    }
  }

  private showVerified(): void {
    const name = this.session.identity?.first_name;
    this.verifiedNote.textContent = `✓ ${this.t.verified}${name ? ` · ${name}` : ""}`;
    this.verifiedNote.hidden = false;
    this.verifyBox.hidden = true;
  }
}
