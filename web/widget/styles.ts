// The widget's CSS, scoped by its Shadow DOM: the store's styles cannot reach it, and it
// cannot reach the store's page. System fonts only (no downloads).
export const CSS = `
:host{all:initial}
*{box-sizing:border-box}
.root{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",sans-serif;color:#14212b;--accent:var(--sb-accent,#0f6e6e)}
button,input,textarea{font:inherit;color:inherit}
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.launcher{position:fixed;bottom:20px;inset-inline-end:20px;z-index:2147483000;width:60px;height:60px;border-radius:50%;border:0;background:var(--accent);color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.25);cursor:pointer;display:grid;place-items:center}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-2px;inset-inline-end:-2px;min-width:20px;height:20px;border-radius:10px;background:#c62828;color:#fff;font-size:12px;line-height:20px;padding:0 5px}
.badge[hidden],[hidden]{display:none!important}
.panel{position:fixed;bottom:92px;inset-inline-end:20px;z-index:2147483000;width:380px;height:min(620px,calc(100vh - 112px));background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden}
header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--accent);color:#fff}
header h2{flex:1;margin:0;font-size:16px;font-weight:600}
.icon{background:transparent;border:0;color:inherit;cursor:pointer;width:36px;height:36px;border-radius:8px;font-size:20px;line-height:1}
.icon:hover{background:rgba(255,255,255,.15)}
.calls:empty{display:none}
.status{padding:6px 14px;font-size:13px;background:#fff4d6;color:#5c4400;border-bottom:1px solid #f0dca0}
.status.offline{background:#fde8e8;color:#7a1b1b;border-color:#f2bcbc}
details{border-bottom:1px solid #e3e8ee;padding:6px 14px;font-size:14px}
summary{cursor:pointer;color:var(--accent);font-weight:600;padding:4px 0}
form.verify{display:grid;gap:6px;padding:6px 0}
label{display:grid;gap:2px;font-size:13px;color:#44525f}
input{padding:7px 9px;border:1px solid #b9c3cd;border-radius:8px}
.err{color:#b3261e;font-size:13px;margin:0}
.ok{color:#1b6e3a;font-size:13px;margin:0;padding:6px 14px;border-bottom:1px solid #e3e8ee}
ol{list-style:none;margin:0;padding:12px;flex:1;overflow-y:auto;display:flex;flex-direction:column;gap:8px;background:#f6f8fa}
li{max-width:85%;display:flex;flex-direction:column;gap:2px}
.who{font-size:12px;color:#5b6b7b}
.bubble{padding:8px 11px;border-radius:14px;background:#fff;border:1px solid #e0e6ec;white-space:pre-wrap;overflow-wrap:anywhere}
li.me{align-self:flex-end;align-items:flex-end}
li.me .bubble{background:var(--accent);color:#fff;border-color:transparent}
li.system{align-self:center;max-width:95%;text-align:center}
li.system .bubble{background:#eef3f7;font-size:13px;border:0}
.consult select{font:inherit;margin:4px 0}.slots{display:flex;flex-wrap:wrap;gap:6px;padding:4px 0}.slots button{font:inherit;font-size:13px;background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:6px 8px;cursor:pointer}.slots button:focus-visible{outline:2px solid #0b6e6e}.rating{display:flex;flex-wrap:wrap;gap:4px;align-self:center}.rating button{font:inherit;font-size:12px;color:#b7791f;background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:4px 6px;cursor:pointer}.rating button:focus-visible{outline:2px solid #0b6e6e}.notice{align-self:center;font-size:13px;color:#44525f;background:#e8f4f4;padding:6px 10px;border-radius:10px;max-width:95%;text-align:center}
.state{font-size:11px;color:#5b6b7b}
li.failed .state{color:#b3261e}
.cards{display:flex;gap:8px;overflow-x:auto;max-width:100%;padding:2px 0 4px}
.card{flex:0 0 150px;background:#fff;border:1px solid #e0e6ec;border-radius:10px;overflow:hidden;display:flex;flex-direction:column;text-decoration:none;color:inherit}
.card img{width:100%;height:110px;object-fit:cover;background:#eef2f5;display:block}
.card span{padding:4px 8px;font-size:13px}
.card .price{font-weight:600;padding-top:0}
.card .go{color:var(--accent);padding-top:0;padding-bottom:8px}
.typing{font-size:12px;color:#5b6b7b;padding:2px 14px;min-height:18px;background:#f6f8fa}
form.compose{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e8ee;align-items:flex-end}
textarea{flex:1;resize:none;border:1px solid #b9c3cd;border-radius:10px;padding:8px 10px;max-height:120px;min-height:40px}
.send{border:0;border-radius:10px;background:var(--accent);color:#fff;padding:0 14px;height:40px;cursor:pointer;font-weight:600}
.send:disabled{opacity:.6}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0;bottom:0}.launcher{bottom:14px;inset-inline-end:14px}}
@media (prefers-reduced-motion:no-preference){.panel{animation:sb-in .16s ease-out}@keyframes sb-in{from{opacity:0;transform:translateY(8px)}}}
`;
