/**
 * Authorization codes of the PKCE sign-in: issued by GET /oauth/authorize for one user, client,
 * redirect URI and S256 code challenge; redeemed once (any redemption attempt burns the code) within
 * 60 s × timeScale; and the counters stats() shows under `tokens`.
 */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636: how long a code lives, before the time scale. */
export const CODE_LIFETIME_MS = 60_000;

interface CodeRec {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  userId: string;
  expiresAt: number;
}

export type RedeemResult = { ok: true; userId: string } | { ok: false; message: string };

/** BASE64URL(SHA256(ASCII(verifier))), RFC 7636 4.6. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export class AuthCodeStore {
  private codes = new Map<string, CodeRec>();
  readonly counters = { authorizations: 0, codeExchanges: 0, codesRejected: 0 };

  /**
   * @param timeScale multiplies the code lifetime.
   * @param now the expiry clock (the start option `now`).
   */
  constructor(
    private readonly timeScale: () => number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  reset(): void {
    this.codes.clear();
    this.counters.authorizations = 0;
    this.counters.codeExchanges = 0;
    this.counters.codesRejected = 0;
  }

  issue(rec: Omit<CodeRec, 'expiresAt'>): string {
    const now = this.now();
    for (const [c, r] of this.codes) if (r.expiresAt <= now) this.codes.delete(c);
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { ...rec, expiresAt: now + CODE_LIFETIME_MS * this.timeScale() });
    this.counters.authorizations++;
    return code;
  }

  /** Single use: the code is gone after this call, whether it succeeds or not. */
  redeem(code: string, clientId: string, redirectUri: string, verifier: string): RedeemResult {
    const rec = this.codes.get(code);
    this.codes.delete(code);
    const reject = (message: string): RedeemResult => {
      this.counters.codesRejected++;
      return { ok: false, message };
    };
    if (!rec) return reject('authorization code is unknown or already used');
    if (rec.expiresAt <= this.now()) return reject('authorization code expired');
    if (rec.clientId !== clientId) return reject('authorization code was issued to another client');
    if (rec.redirectUri !== redirectUri)
      return reject('redirect_uri does not match the authorization request');
    if (s256(verifier) !== rec.codeChallenge)
      return reject('code_verifier does not match the code_challenge');
    this.counters.codeExchanges++;
    return { ok: true, userId: rec.userId };
  }
}
