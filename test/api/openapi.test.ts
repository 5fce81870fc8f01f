/**
 * Issue 17 item 1, "the spec says what the service does": every operation's statuses with the problem+json schema,
 * the security schemes, every path parameter declared, the rules a schema cannot state written in it, and the
 * served document listing the optional routes only where they are served.
 */
import { buildOpenApi } from '../../src/api/openapi';
import { CALLBACK_PATH } from '../../src/shared/constants';
import { startAppServer, type AppServer } from '../security/app-server';
import { API_KEY, testConfig } from './helpers';

interface Operation {
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, Record<string, unknown>>;
    schemas: Record<string, { properties: Record<string, { description?: string }> }>;
  };
};
const doc = buildOpenApi() as Doc;
const operations = Object.entries(doc.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([m, op]) => ({ name: `${m.toUpperCase()} ${p}`, path: p, op })),
);

test('every operation that needs a credential documents 401, and every 4xx/5xx carries the problem schema', () => {
  for (const { name, op } of operations) {
    if (op.security && op.security.length > 0)
      expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(['401'])]);
    for (const [status, r] of Object.entries(op.responses))
      // /readyz's 503 is its health answer ({status}), read by probes, not an error of the request.
      if (/^[45]/.test(status) && r.content && name !== 'GET /readyz')
        expect([name, status, Object.keys(r.content)]).toEqual([name, status, ['application/problem+json']]);
  }
});

test('the API-key operations document what the layers in front of them answer', () => {
  const keyed = operations.filter(({ op }) => op.security?.some((s) => 'bearerAuth' in s));
  expect(keyed.map((k) => k.name)).toEqual(
    expect.arrayContaining(['POST /v1/alerts', 'POST /v1/dead-letters/{id}/replay', 'POST /codec/decode']),
  );
  for (const { name, op } of keyed)
    expect([name, Object.keys(op.responses)]).toEqual([
      name,
      expect.arrayContaining(['400', '401', '403', '413', '415', '429']),
    ]);
});

test('every path parameter is declared', () => {
  for (const { name, path, op } of operations) {
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
    expect([name, declared.sort()]).toEqual([name, inPath.sort()]);
  }
});

test('security schemes: the API key as a bearer token, the callback as the three Standard Webhooks headers', () => {
  const s = doc.components.securitySchemes;
  expect(s.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect([s.webhookId, s.webhookTimestamp, s.webhookSignature]).toEqual([
    expect.objectContaining({ type: 'apiKey', in: 'header', name: 'webhook-id' }),
    expect.objectContaining({ type: 'apiKey', in: 'header', name: 'webhook-timestamp' }),
    expect.objectContaining({ type: 'apiKey', in: 'header', name: 'webhook-signature' }),
  ]);
  expect(doc.paths[CALLBACK_PATH]!.post!.security).toEqual([
    { webhookId: [], webhookTimestamp: [], webhookSignature: [] },
  ]);
});

test("expiresAt's rule is in the schema, where a reader and a generator see it", () => {
  expect(doc.components.schemas.AlertRequest!.properties.expiresAt!.description).toMatch(
    /in the future and at most 24 hours/,
  );
});

describe('the served document and the dead-letter query', () => {
  let server: AppServer;
  beforeAll(async () => {
    server = await startAppServer(testConfig());
  });
  afterAll(() => server.close());
  const get = (path: string) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });

  test('an ingress without payload keys or the agent-app channel does not list /codec or /agent-app', async () => {
    const served = (await (await get('/openapi.json')).json()) as Doc;
    const paths = Object.keys(served.paths);
    expect(paths).toContain('/v1/alerts');
    expect(paths.filter((p) => p.startsWith('/codec') || p.startsWith('/agent-app'))).toEqual([]);
  });

  test('a bad limit or after is a 400 naming it, not silently the default', async () => {
    for (const q of ['limit=-1', 'limit=abc', 'limit=0', 'after=1.5', 'after=x']) {
      const res = await get(`/v1/dead-letters?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe(
        q.split('=')[0],
      );
    }
    expect((await get('/v1/dead-letters?limit=5&after=0')).status).toBe(200);
  });
});
