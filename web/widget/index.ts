// The buyer widget's entry point. A store adds one tag:
//   <script src="https://HOST/widget.js" data-store="PUBLIC_KEY" async></script>
// Optional: data-identity-token (an HS256 token signed by the store's backend), data-lang,
// data-product-url ("https://shop.example/p/{id}"). JS API: window.Seabridge.identify(token),
// .open(), .close(); a "seabridge:ready" event fires on window once it is available.
import { Widget } from "./ui";

declare global {
  interface Window {
    Seabridge?: {
      identify(token: string): Promise<void>;
      open(): void;
      close(): void;
      widget: Widget;
    };
  }
}

function boot(script: HTMLScriptElement): void {
  const publicKey = script.dataset.store;
  if (!publicKey) {
    console.warn("Seabridge widget: the script tag needs data-store=\"PUBLIC_KEY\"");
    return;
  }
  const widget = new Widget({
    base: new URL(script.src, location.href).origin,
    publicKey,
    identityToken: script.dataset.identityToken || null,
    lang: script.dataset.lang || null,
    productUrl: script.dataset.productUrl || null,
    calls: script.dataset.calls === "always",
  });
  window.Seabridge = {
    identify: (token) => widget.identify(token),
    open: () => widget.open(),
    close: () => widget.close(),
    widget,
  };
  performance.mark("seabridge:launcher");
  dispatchEvent(new CustomEvent("seabridge:ready"));
}

const script = (document.currentScript ||
  document.querySelector('script[src*="widget.js"][data-store]')) as HTMLScriptElement | null;
if (script && !window.Seabridge) {
  if (document.body) boot(script);
  else addEventListener("DOMContentLoaded", () => boot(script), { once: true });
}
