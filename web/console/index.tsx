// The agent console: login, then the inbox, a conversation and the customer beside it.
// REST for reads and actions; the shared WebSocket client for live messages.
import { render } from "preact";
import { useState } from "preact/hooks";
import "./console.css";
import { ApiError } from "../shared/api";
import { login } from "./api";
import { Workspace } from "./workspace";

interface Auth {
  token: string;
  store: string;
}
const KEY = "seabridge.console";

function loadAuth(): Auth | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Auth) : null;
  } catch {
    return null;
  }
}

function LoginPage({ onDone }: { onDone: (auth: Auth) => void }) {
  const params = new URLSearchParams(location.search);
  const [store, setStore] = useState(params.get("store") || "");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const done = await login(store.trim(), email.trim(), password);
      onDone({ token: done.token, store: store.trim() });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "Unknown store, e-mail or password." : "Could not reach the server.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Seabridge</h1>
        <p class="muted">Sign in to the support console</p>
        <label>
          Store
          <input name="store" value={store} onInput={(e) => setStore(e.currentTarget.value)} required autoComplete="organization" />
        </label>
        <label>
          E-mail
          <input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required autoComplete="username" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
            autoComplete="current-password"
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

function App() {
  const [auth, setAuth] = useState<Auth | null>(loadAuth());
  if (!auth)
    return (
      <LoginPage
        onDone={(a) => {
          sessionStorage.setItem(KEY, JSON.stringify(a));
          setAuth(a);
        }}
      />
    );
  return (
    <Workspace
      token={auth.token}
      onLogout={() => {
        sessionStorage.removeItem(KEY);
        setAuth(null);
      }}
    />
  );
}

render(<App />, document.getElementById("app")!);
