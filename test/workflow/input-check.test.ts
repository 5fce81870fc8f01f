/** The workflow's own zod-free check of its input (src/workflows/input-check.ts), as a plain function. */
import { buildAlertInput } from '../../src/client';
import { inputProblems } from '../../src/workflows/input-check';
import { alertBody, testConfig } from '../api/helpers';
import { makeInput } from '../helpers/stack';

test('what the launcher builds passes, with and without the optional parts', () => {
  const built = [
    alertBody(),
    alertBody({ target: { email: 'jordan.smith@example.com' }, actions: [], policy: { waitForAgent: true, recheckIntervalSeconds: 30 } }),
  ].map((body) => buildAlertInput(body, { config: testConfig(), correlationId: 'c' }));
  for (const b of built) {
    if (!b.ok) throw new Error(JSON.stringify(b.issues));
    expect(inputProblems(b.input)).toEqual([]);
  }
});

test('every problem is named by its path, not only the first', () => {
  const input = makeInput({ target: { userId: 'agent-1' } }) as unknown as Record<string, unknown>;
  const bad: Record<string, unknown> = {
    ...input,
    priority: 'urgent',
    target: {},
    actions: [{ label: 'Open', actionType: 'download' }, { actionType: 'callback' }],
    expiresAt: 'tomorrow',
    policy: { requireAck: 'yes', waitForAgent: false, operationalPresences: [''], recheckIntervalSeconds: 0 },
    fallback: { channels: ['sms'] },
    metadata: { transactionId: 42 },
  };
  delete bad.idempotencyKey;
  expect(inputProblems(bad)).toEqual([
    'idempotencyKey: expected a non-empty string',
    'expiresAt: expected an ISO date-time',
    'priority: expected one of high, normal, low',
    'target: expected { userId } or { email }',
    'actions.0.actionType: expected openUrl or callback',
    'actions.1: expected an action with a label of 1-50 characters',
    'fallback.channels: expected an array of email, webhook',
    'policy.requireAck: expected a boolean',
    'policy.operationalPresences: expected an array of presences',
    'policy.recheckIntervalSeconds: expected an integer from 1 to 3600',
    'metadata: expected a map of strings',
  ]);
  expect(inputProblems(null)).toEqual(['input: expected an object']);
  expect(inputProblems([])).toEqual(['input: expected an object']);
});
