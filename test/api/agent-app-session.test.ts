/**
 * POST /agent-app/session with a token that cannot be an Authorization header value (a control character, a
 * space, non-ASCII): the caller's mistake, answered 400. It was sent on to Genesys, where the HTTP client refused
 * to build the request, and was answered 503 "Genesys could not be reached" (found by Schemathesis, issue 17).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ConnectionHub } from '../../src/agent-app/hub';
import { agentAppKeys } from '../../src/agent-app/keys';
import { CallbackInbox } from '../../src/callbacks/inbox';
import { agentAppRoutes } from '../../src/api/routes/agent-app';
import { silentLogger } from './helpers';

let server: Server;
let url: string;
const inbox = new CallbackInbox(':memory:');

beforeAll(async () => {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.requestId = 'test';
    next();
  });
  app.use(
    agentAppRoutes({
      hub: {} as ConnectionHub, // the exchange never reaches the hub
      keys: agentAppKeys(undefined),
      inbox,
      logger: silentLogger,
      genesysApiBase: 'http://127.0.0.1:1', // nothing listens: a token that is sent on answers 503
      sessionTtlSeconds: 60,
      genesysTimeoutMs: 1_000,
    }),
  );
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent-app/session`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  inbox.close();
});

const exchange = (accessToken: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessToken }),
  });

test.each(['a\nb', 'two words', 'tök', '\u0000'])('token %j: 400, never sent to Genesys', async (token) => {
  const res = await exchange(token);
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ errors: [{ field: 'accessToken' }] });
});

test('a well-formed token is sent on (here to nothing: 503)', async () => {
  expect((await exchange('eyJhbGciOi.abc-_~+/=')).status).toBe(503);
});
