/** The workflow's own zod-free check of its input (src/workflows/input-check.ts), as a plain function. */
import { buildAlertInput } from '../../src/alerts';
import { checkInput, inputProblems } from '../../src/workflows/input-check';
import { alertBody, testConfig } from '../api/helpers';
import { makeInput } from '../helpers/stack';

test('what the launcher builds passes, with and without the optional parts', () => {
  const built = [
    alertBody(),
    alertBody({
      target: { email: 'jordan.smith@example.com' },
      actions: [],
      policy: { waitForAgent: true, recheckIntervalSeconds: 30 },
    }),
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
  expect(inputProblems({ ...input, downstreamRetrySeconds: 0 })).toEqual([
    'downstreamRetrySeconds: expected a whole number of seconds, at least 1',
  ]);
  expect(inputProblems(null)).toEqual(['input: expected an object']);
  expect(inputProblems([])).toEqual(['input: expected an object']);
});

describe('checkInput: what a run that refuses its input can still use', () => {
  const at = '2026-11-29T12:00:00.000Z';
  const good = () => makeInput({ target: { userId: 'agent-1' }, fallback: { channels: ['webhook'] } });

  test('a good input is passed through as it is', () => {
    const input = good();
    expect(checkInput(input, input.alertId, at)).toEqual({ problems: [], input, fallbackPossible: true });
  });

  test('too long for Genesys only (title, message, a label, the number of actions): kept as given, the fallback can go', () => {
    const input = good();
    const many = Array.from({ length: 6 }, (_, n) => ({
      id: `a${n}`,
      label: 'L'.repeat(51),
      actionType: 'callback' as const,
    }));
    const r = checkInput(
      { ...input, title: '🚨'.repeat(126), message: 'm'.repeat(251), actions: many },
      input.alertId,
      at,
    );
    expect(r.problems).toEqual(
      expect.arrayContaining([
        'title: expected 1-250 characters',
        'message: expected 1-250 characters',
        'actions: expected an array of at most 5',
        'actions.0: expected an action with a label of 1-50 characters',
      ]),
    );
    expect(r.fallbackPossible).toBe(true);
    expect(r.input).toMatchObject({
      title: '🚨'.repeat(126),
      message: 'm'.repeat(251),
      actions: many,
      fallback: { channels: ['webhook'] },
    });
  });

  test('a problem only the desktop path cares about (policy, callback URL) leaves the fallback possible', () => {
    const input = good();
    const r = checkInput({ ...input, policy: { requireAck: 'yes' }, callbackUrl: '' }, input.alertId, at);
    expect(r.fallbackPossible).toBe(true);
    expect(r.input.policy).toEqual({ requireAck: false, waitForAgent: false, operationalPresences: [] });
  });

  test('a broken part the fallback sends (its policy, the target, an empty title, the type) rules it out', () => {
    const input = good();
    for (const bad of [
      { fallback: { channels: ['sms'] } },
      { target: {} },
      { title: '' },
      { type: 'urgent' },
    ]) {
      const r = checkInput({ ...input, ...bad }, input.alertId, at);
      expect({ bad, fallbackPossible: r.fallbackPossible }).toEqual({ bad, fallbackPossible: false });
    }
  });

  test('not an object: neutral values under the workflow id, no fallback', () => {
    const r = checkInput(null, 'alert-k-1', at);
    expect(r).toMatchObject({ problems: ['input: expected an object'], fallbackPossible: false });
    expect(r.input).toMatchObject({
      alertId: 'alert-k-1',
      idempotencyKey: 'k-1',
      expiresAt: at,
      acceptedAt: at,
      fallback: { channels: [] },
      actions: [],
    });
  });
});
