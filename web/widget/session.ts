// The buyer's session: an anonymous visitor id kept in localStorage, and the buyer token
// from POST /v1/widget/sessions (optionally bound to a customer by a store-signed identity
// token or by e-mail + order number). The token is reused until shortly before it expires.
import { postJson } from "../shared/api";

export interface BuyerIdentity {
  token: string;
  visitor_id: string;
  verified: boolean;
  customer_id: number | null;
  first_name: string | null;
  language: string | null;
  expires_at: string;
}

function store(): Storage | null {
  try {
    return localStorage;
  } catch {
    return null; // storage blocked (third-party context, privacy mode)
  }
}

export class BuyerSession {
  identity: BuyerIdentity | null = null;
  private pending: Promise<BuyerIdentity> | null = null;
  private readonly key: string;

  constructor(
    readonly base: string,
    readonly publicKey: string,
    private identityToken: string | null,
  ) {
    this.key = `seabridge:${publicKey}:buyer`;
    try {
      const saved = JSON.parse(store()?.getItem(this.key) || "null") as BuyerIdentity | null;
      if (saved && saved.token && saved.visitor_id) this.identity = saved;
    } catch {
      /* a corrupt entry: start over */
    }
  }

  get visitorId(): string | null {
    return this.identity?.visitor_id || null;
  }

  /** A valid buyer token, starting or renewing the session when needed. */
  async token(): Promise<string> {
    const id = this.identity;
    const fresh = id && Date.parse(id.expires_at) - Date.now() > 60_000;
    const wantsIdentity = this.identityToken && !(id && id.verified);
    if (fresh && !wantsIdentity) return id.token;
    return (await this.start()).token;
  }

  private start(): Promise<BuyerIdentity> {
    if (!this.pending) {
      const body: Record<string, string> = { store: this.publicKey };
      if (this.visitorId) body.visitor_id = this.visitorId;
      if (this.identityToken) body.identity_token = this.identityToken;
      this.pending = postJson<BuyerIdentity>(`${this.base}/v1/widget/sessions`, body)
        .then((got) => this.save(got))
        .catch((err) => {
          // A rejected identity token must not lock the visitor out: continue anonymously.
          if (this.identityToken && err && err.status === 401) {
            this.identityToken = null;
            this.pending = null;
            return this.start();
          }
          throw err;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }

  /** Bind the session to a customer with a token signed by the store's backend. */
  async identify(identityToken: string): Promise<BuyerIdentity> {
    this.identityToken = identityToken;
    this.identity = this.identity && { ...this.identity, verified: false };
    return this.start();
  }

  async verify(email: string, orderNumber: string): Promise<BuyerIdentity> {
    const token = await this.token();
    const got = await postJson<BuyerIdentity>(
      `${this.base}/v1/widget/verify`,
      { email, order_number: orderNumber },
      token,
    );
    return this.save(got);
  }

  private save(identity: BuyerIdentity): BuyerIdentity {
    this.identity = identity;
    try {
      store()?.setItem(this.key, JSON.stringify(identity));
    } catch {
      /* memory only */
    }
    return identity;
  }
}
