import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { MockAgent } from 'undici';
import { createGenesysClient, type GenesysClientOptions, type GenesysHttpClient } from '../../src/genesys';

export const API = 'https://api.genesys.test';
export const LOGIN = 'https://login.genesys.test';
export const CLIENT_ID = 'test-client-id';
export const CLIENT_SECRET = 'S3cr3t-client-secret-value';
export const START = Date.parse('2026-11-29T10:00:00Z');

/** A settable clock in milliseconds. */
export class Clock {
  constructor(public t = START) {}
  now = (): number => this.t;
  advanceSeconds(s: number): void {
    this.t += s * 1000;
  }
}

/** A pino logger at debug level whose output is kept in a string. */
export function captureLogger(): { logger: Logger; output: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), output: () => out };
}

export function newMockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

/**
 * A fresh MockAgent for each test of the enclosing describe (net connect disabled; the token endpoint mocked
 * unless `tokens: false`), closed after it. Read it as `mock.agent` inside the tests.
 */
export function useMockAgent(opts: { tokens?: boolean } = {}): { readonly agent: MockAgent } {
  let current: MockAgent | undefined;
  beforeEach(() => {
    current = newMockAgent();
    if (opts.tokens !== false) mockTokens(current);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get agent(): MockAgent {
      if (!current) throw new Error('mock.agent is only available inside a test');
      return current;
    },
  };
}

/** What a MockAgent reply callback receives (the part the tests read). */
export interface Opts {
  path: string;
  method: string;
  headers?: unknown;
  body?: unknown;
}

/** A header of an intercepted request, whatever form undici passed the headers in. */
export function headerOf(opts: Opts, name: string): string | undefined {
  const h = opts.headers as unknown;
  if (!h) return undefined;
  const wanted = name.toLowerCase();
  if (h instanceof Headers) return h.get(wanted) ?? undefined;
  if (Array.isArray(h)) {
    for (let i = 0; i < h.length; i += 2) if (String(h[i]).toLowerCase() === wanted) return String(h[i + 1]);
    return undefined;
  }
  for (const [k, v] of Object.entries(h as Record<string, unknown>))
    if (k.toLowerCase() === wanted) return String(v);
  return undefined;
}

export const bodyOf = (opts: Opts): string =>
  typeof opts.body === 'string' ? opts.body : String(opts.body ?? '');

export interface TokenServer {
  /** Token requests received. */
  calls: number;
  /** The last request's options. */
  last?: Opts;
}

/**
 * Answers every POST /oauth/token with tok-1, tok-2, ... and the given expires_in.
 */
export function mockTokens(agent: MockAgent, expiresIn = 86_400): TokenServer {
  const server: TokenServer = { calls: 0 };
  agent
    .get(LOGIN)
    .intercept({ path: '/oauth/token', method: 'POST' })
    .reply((opts) => {
      server.calls += 1;
      server.last = opts;
      return {
        statusCode: 200,
        data: JSON.stringify({
          access_token: `tok-${server.calls}`,
          token_type: 'bearer',
          expires_in: expiresIn,
        }),
        responseOptions: {
          headers: { 'content-type': 'application/json', 'inin-correlation-id': `oauth-${server.calls}` },
        },
      };
    })
    .persist();
  return server;
}

export function makeClient(agent: MockAgent, extra: Partial<GenesysClientOptions> = {}): GenesysHttpClient {
  return createGenesysClient({
    apiBase: API,
    loginBase: LOGIN,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    dispatcher: agent,
    ...extra,
  });
}

export const user = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `User ${id}`,
  email: `${id}@company.com`,
  state: 'active',
  routingStatus: { status: 'IDLE', startTime: '2026-11-29T10:00:00.000Z' },
  presence: {
    presenceDefinition: { id: 'p-1', systemPresence: 'Available' },
    modifiedDate: '2026-11-29T10:00:00.000Z',
  },
  ...extra,
});

export const json = { 'content-type': 'application/json' };
