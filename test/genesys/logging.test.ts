import { GenesysApiError } from '../../src/genesys';
import {
  API,
  captureLogger,
  CLIENT_ID,
  CLIENT_SECRET,
  headerOf,
  LOGIN,
  makeClient,
  useMockAgent,
  user,
} from './helpers';

const USER_PATH = '/api/v2/users/u-1?expand=routingStatus,presence';
const TOKENS = ['eyJhbGciOi.first-access-token', 'eyJhbGciOi.second-access-token'];

describe('logging', () => {
  const mock = useMockAgent({ tokens: false });

  it('logs correlation ids, never secrets, tokens or Authorization headers', async () => {
    const { logger, output } = captureLogger();
    let issued = 0;
    mock.agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(() => ({
        statusCode: 200,
        data: JSON.stringify({ access_token: TOKENS[issued++], token_type: 'bearer', expires_in: 86_400 }),
      }))
      .times(2);
    mock.agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(401, { error: 'invalid_client', description: 'client not found' });
    let calls = 0;
    mock.agent
      .get(API)
      .intercept({ path: USER_PATH })
      .reply((opts) => {
        calls += 1;
        if (headerOf(opts, 'authorization') === `Bearer ${TOKENS[0]}`) {
          return {
            statusCode: 401,
            data: '{}',
            responseOptions: { headers: { 'inin-correlation-id': 'inin-401' } },
          };
        }
        return calls === 2
          ? {
              statusCode: 200,
              data: JSON.stringify(user('u-1')),
              responseOptions: { headers: { 'inin-correlation-id': 'inin-ok' } },
            }
          : {
              statusCode: 500,
              data: '{"message":"boom"}',
              responseOptions: { headers: { 'inin-correlation-id': 'inin-500' } },
            };
      })
      .times(3);

    const client = makeClient(mock.agent, { logger });
    await client.getUser('u-1', { correlationId: 'alert-123' }); // 401, refresh, retry: ok
    await expect(client.getUser('u-1', { correlationId: 'alert-456' })).rejects.toBeInstanceOf(
      GenesysApiError,
    ); // 500
    // A second client whose token request is refused.
    const bad = makeClient(mock.agent, { logger });
    await expect(bad.getUser('u-1')).rejects.toMatchObject({ kind: 'invalid_client' });

    const text = output();
    expect(text).toContain('"ininCorrelationId":"inin-ok"');
    expect(text).toContain('"correlationId":"alert-123"');
    expect(text).toContain('"ininCorrelationId":"inin-500"');
    expect(text).toContain('"correlationId":"alert-456"');
    expect(text).toMatch(/"level":40/); // warn on failure
    expect(text).toMatch(/"level":20/); // debug on success

    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
    for (const secret of [CLIENT_SECRET, basic, ...TOKENS, 'Bearer', 'Basic ', 'authorization']) {
      expect(text).not.toContain(secret);
    }
  });

  it("logs the error body's contextId and limit beside both correlation ids, and keeps them on the error", async () => {
    const { logger, output } = captureLogger();
    mock.agent
      .get(LOGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(200, { access_token: TOKENS[0], token_type: 'bearer', expires_in: 86_400 });
    const limit = { key: 'client.credentials.token.rate.per.minute', namespace: 'platform.api', value: 300 };
    mock.agent
      .get(API)
      .intercept({ path: USER_PATH })
      .reply(
        429,
        {
          status: 429,
          code: 'too.many.requests.retry.after',
          message: 'Rate limit exceeded the maximum. Retry the request in [3] seconds',
          contextId: 'ctx-429-abc',
          details: [],
          errors: [],
          limit,
        },
        { headers: { 'inin-correlation-id': 'inin-429', 'retry-after': '3' } },
      );

    const err = (await makeClient(mock.agent, { logger })
      .getUser('u-1', { correlationId: 'alert-789' })
      .catch((e: unknown) => e)) as GenesysApiError;
    expect(err).toMatchObject({ kind: 'rate_limited', contextId: 'ctx-429-abc', limit });

    const line = output()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.status === 429);
    expect(line).toMatchObject({
      level: 40,
      correlationId: 'alert-789',
      ininCorrelationId: 'inin-429',
      contextId: 'ctx-429-abc',
      limit,
    });
  });
});
