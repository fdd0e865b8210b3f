// The customer panel: who the buyer is, their local time, orders with the parcel timeline,
// and earlier conversations.
import type { ComponentChildren } from "preact";
import type { CustomerPanel } from "./api";
import { countryName, day, label, languageName } from "./format";

export function CustomerSide({ panel, children }: { panel: CustomerPanel | null; children?: ComponentChildren }) {
  if (!panel) return <aside class="customer" aria-label="Customer">{children}</aside>;
  return (
    <aside class="customer" aria-label="Customer">
      <h3>{panel.name || "Anonymous visitor"}</h3>
      {panel.customer_id === null && <p class="muted">Not verified: no orders to show.</p>}
      <dl class="facts">
        {panel.country && (<><dt>Country</dt><dd>{countryName(panel.country)}</dd></>)}
        {panel.language && (<><dt>Language</dt><dd>{languageName(panel.language)}</dd></>)}
        {panel.local_time && (<><dt>Local time</dt><dd class="local-time">{panel.local_time} <span class="muted">({panel.timezone})</span></dd></>)}
        {panel.email && (<><dt>E-mail</dt><dd>{panel.email}</dd></>)}
      </dl>
      {panel.orders.length > 0 && <h4>Orders</h4>}
      {panel.orders.map((o) => (
        <details class="order" open={o.shipments.some((s) => s.late)}>
          <summary>
            <strong>{o.name}</strong> · {day(o.placed_at)} · {o.currency} {o.total}
            {o.shipments.some((s) => s.late) && <span class="late">late</span>}
          </summary>
          <p class="muted">{o.items.join(", ")}</p>
          <p class="muted">
            {label(o.financial_status)} · {label(o.fulfillment_status || "unfulfilled")}
          </p>
          {o.shipments.map((s) => (
            <div class="shipment">
              <p>
                <strong>{label(s.status)}</strong> · {s.carrier} {s.tracking_number}
                {s.estimated_delivery && <span class="muted"> · due {s.estimated_delivery}</span>}
              </p>
              <ol class="timeline">
                {s.checkpoints.map((c) => (
                  <li>
                    <time>{day(c.time)}</time> {c.message}
                    {c.location && <span class="muted"> · {c.location}</span>}
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </details>
      ))}
      {panel.conversations.length > 0 && <h4>Earlier conversations</h4>}
      <ul class="earlier">
        {panel.conversations.map((c) => (
          <li>
            #{c.id} · {day(c.created_at)} · {c.status}
          </li>
        ))}
      </ul>
      {children}
    </aside>
  );
}
