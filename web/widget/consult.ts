// Booking a video or voice consult from the widget: free slots in the buyer's own time zone
// (GET /v1/widget/consults/slots), one click books (POST /v1/widget/consults/appointments);
// the server then posts the booking, with its join link, into the conversation.
import { ApiError, getJson, postJson } from "../shared/api";

interface Slot {
  starts_at: string;
  local_start: string;
}

export interface ConsultHost {
  base: string;
  token: () => Promise<string>;
  lang: () => string;
  text: (key: "bookTitle" | "noSlots" | "booked" | "video" | "voice") => string;
}

const MAX_SLOTS = 12;

export class ConsultBooking {
  readonly box: HTMLDetailsElement;
  private readonly summary = document.createElement("summary");
  private readonly list = document.createElement("div");
  private readonly media: HTMLSelectElement = document.createElement("select");
  private readonly note = document.createElement("p");
  private readonly zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

  constructor(private readonly host: ConsultHost) {
    this.box = document.createElement("details");
    this.box.className = "consult";
    this.list.className = "slots";
    this.note.setAttribute("role", "status");
    for (const value of ["video", "audio"]) this.media.append(new Option("", value));
    this.box.append(this.summary, this.media, this.list, this.note);
    this.box.addEventListener("toggle", () => {
      if (this.box.open) void this.load();
    });
    this.render();
  }

  /** Labels in the widget's current language. */
  render(): void {
    this.summary.textContent = this.host.text("bookTitle");
    this.media.options[0].text = this.host.text("video");
    this.media.options[1].text = this.host.text("voice");
    this.media.setAttribute("aria-label", `${this.host.text("video")} / ${this.host.text("voice")}`);
  }

  private async load(): Promise<void> {
    this.note.textContent = "";
    const url = `${this.host.base}/v1/widget/consults/slots?timezone=${encodeURIComponent(this.zone)}&days=7`;
    const got = await getJson<{ slots: Slot[] }>(url, await this.host.token()).catch(() => ({ slots: [] }));
    const slots = got.slots.slice(0, MAX_SLOTS);
    this.list.replaceChildren(
      ...slots.map((s) => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = this.when(s.starts_at);
        b.dataset.start = s.starts_at;
        b.addEventListener("click", () => void this.book(s, b));
        return b;
      }),
    );
    if (!slots.length) this.note.textContent = this.host.text("noSlots");
  }

  private async book(slot: Slot, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const body = { starts_at: slot.starts_at, timezone: this.zone, media: this.media.value };
      await postJson(`${this.host.base}/v1/widget/consults/appointments`, body, await this.host.token());
      this.list.replaceChildren();
      this.note.textContent = `${this.host.text("booked")} ${this.when(slot.starts_at)}`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) await this.load(); // taken meanwhile
      else button.disabled = false;
    }
  }

  private when(iso: string): string {
    return new Intl.DateTimeFormat(this.host.lang(), {
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "numeric",
      minute: "2-digit",
      timeZone: this.zone,
    }).format(new Date(iso));
  }
}
