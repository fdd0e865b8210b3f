// Small fetch helpers for the Seabridge REST API (bearer tokens, JSON, one error shape).
// No cookies are ever sent: cross-origin calls from a store's page stay simple.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The HTTP origin of a Seabridge server given its WebSocket URL (ws://h/v1/ws -> http://h). */
export function httpBase(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === "wss:" ? "https:" : "http:";
  return u.origin;
}

/** The WebSocket URL of a Seabridge server given its HTTP origin. */
export function wsUrl(base: string): string {
  const u = new URL("/v1/ws", base);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  return u.href;
}

export async function request<T>(
  method: string,
  url: string,
  opts: { token?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    credentials: "omit",
    signal: opts.signal,
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = data && typeof data === "object" && "error" in data ? data.error : data;
    throw new ApiError(res.status, (err && err.code) || String(res.status), (err && err.message) || res.statusText);
  }
  return data as T;
}

export const getJson = <T>(url: string, token?: string) => request<T>("GET", url, { token });
export const postJson = <T>(url: string, body: unknown, token?: string) => request<T>("POST", url, { token, body });
