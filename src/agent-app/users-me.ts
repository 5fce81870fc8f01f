/**
 * Who a Genesys user token belongs to: `GET /api/v2/users/me` with it. The one Genesys call the ingress makes
 * inline (ARCHITECTURE.md), at sign-in only. The token is sent to Genesys and nowhere else: never stored, never logged.
 */
import { request, type Dispatcher } from 'undici';

export interface GenesysUser {
  id: string;
  name?: string;
  email?: string;
}

/** Why a sign-in could not be checked: `refused` (Genesys says no: 401 to the app) or `unavailable` (503). */
export class SignInError extends Error {
  override readonly name = 'SignInError';
  constructor(
    readonly kind: 'refused' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

export async function fetchUserMe(
  apiBase: string,
  accessToken: string,
  opts: { timeoutMs?: number; dispatcher?: Dispatcher } = {},
): Promise<GenesysUser> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(`${apiBase}/api/v2/users/me`, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      headersTimeout: opts.timeoutMs ?? 10_000,
      bodyTimeout: opts.timeoutMs ?? 10_000,
      dispatcher: opts.dispatcher,
    });
  } catch (err) {
    throw new SignInError(
      'unavailable',
      `Genesys could not be reached to check the sign-in: ${(err as Error).message}`,
    );
  }
  const text = await res.body.text().catch(() => '');
  if (res.statusCode === 401 || res.statusCode === 403) {
    throw new SignInError('refused', 'Genesys refused the token (invalid or expired): sign in again');
  }
  if (res.statusCode === 400 || res.statusCode === 404) {
    // A client-credentials token has no user: Genesys answers users/me with 400 (not verified on a real org).
    throw new SignInError('refused', "the token is not a Genesys user's: sign in as the agent");
  }
  if (res.statusCode !== 200) {
    throw new SignInError('unavailable', `Genesys answered users/me with HTTP ${res.statusCode}`);
  }
  let body: { id?: unknown; name?: unknown; email?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new SignInError('unavailable', 'Genesys answered users/me with a body that is not JSON');
  }
  if (typeof body.id !== 'string' || body.id.length === 0 || body.id.length > 100) {
    throw new SignInError('unavailable', 'Genesys answered users/me without a user id');
  }
  return {
    id: body.id,
    name: typeof body.name === 'string' ? body.name : undefined,
    email: typeof body.email === 'string' ? body.email.toLowerCase() : undefined,
  };
}
