/**
 * One definition of "250 characters" everywhere: UTF-16 code units, as Genesys (a Java platform) counts
 * `String.length()`. The ingress, the workflow's own input check, the emulator and the OpenAPI document
 * must agree on every text, or an alert is accepted with 202 and then refused later with no toast.
 */
import request from 'supertest';
import { buildAlertInput } from '../../src/alerts';
import { buildOpenApi } from '../../src/api/openapi';
import { MAX_LABEL, MAX_TEXT, textLength } from '../../src/shared/constants';
import { inputProblems } from '../../src/workflows/input-check';
import { makeInput } from '../helpers/stack';
import { NOTIFICATIONS, call, getToken, notificationBody } from '../emulator/helpers';
import {
  AGENT,
  alertBody,
  auth,
  startHarness,
  testConfig,
  uniqueKey,
  waitForAlert,
  type Harness,
} from './helpers';

// Generous: an accepted title waits for its toast over HTTP, and a busy machine only makes that take longer.
jest.setTimeout(120_000);

const ALARM = '\u{1F6A8}'; // 🚨: outside the BMP, two UTF-16 units
const E_ACUTE = 'e\u0301'; // e + combining acute accent: one glyph, two code points, two units
const CJK = '\u4E2D'; // 中: one unit

/** [name, text, within 250 UTF-16 units?] */
const TEXTS: Array<[string, string, boolean]> = [
  ['250 ASCII', 'a'.repeat(250), true],
  ['251 ASCII', 'a'.repeat(251), false],
  ['125 emoji (250 units)', ALARM.repeat(125), true],
  ['126 emoji (252 units, 126 code points)', ALARM.repeat(126), false],
  ['125 combining pairs (250 units)', E_ACUTE.repeat(125), true],
  ['126 combining pairs (252 units, 126 glyphs)', E_ACUTE.repeat(126), false],
  ['250 CJK', CJK.repeat(250), true],
  ['251 CJK', CJK.repeat(251), false],
  ['30 ZWJ family emoji (240 units)', '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}'.repeat(30), true],
];

test('textLength counts UTF-16 code units', () => {
  expect(textLength(ALARM)).toBe(2);
  expect(textLength(E_ACUTE)).toBe(2);
  expect(textLength(CJK)).toBe(1);
  for (const [, text, within] of TEXTS) expect(textLength(text) <= MAX_TEXT).toBe(within);
});

describe.each(['title', 'message'] as const)('%s', (field) => {
  test.each(TEXTS)('launcher and workflow agree: %s', (_name, text, within) => {
    const built = buildAlertInput(alertBody({ [field]: text }), { config: testConfig(), correlationId: 'c' });
    expect(built.ok).toBe(within);
    if (!built.ok) expect(built.issues.map((i) => i.path)).toEqual([field]);
    // The workflow judges the same text the same way (a run started by hand, or by an older launcher).
    const problems = inputProblems(makeInput({ target: { userId: 'agent-1' }, [field]: text }));
    expect(problems.length === 0).toBe(within);
  });
});

test.each([
  ['25 emoji (50 units)', ALARM.repeat(25), true],
  ['26 emoji (52 units)', ALARM.repeat(26), false],
])('action labels count the same way: %s', (_name, label, within) => {
  expect(MAX_LABEL).toBe(50);
  const body = alertBody({ actions: [{ id: 'ack', label, actionType: 'callback' }] });
  const built = buildAlertInput(body, { config: testConfig(), correlationId: 'c' });
  expect(built.ok).toBe(within);
  const problems = inputProblems(
    makeInput({ target: { userId: 'agent-1' }, actions: [{ id: 'ack', label, actionType: 'callback' }] }),
  );
  expect(problems.length === 0).toBe(within);
});

describe('over HTTP, through the real service', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    token = await getToken(h.emulator.url);
  });
  afterAll(async () => {
    await h?.close();
  });

  test.each(TEXTS)(
    'the ingress answers 202 exactly when the emulator would take the title, and the toast goes out: %s',
    async (_name, text, within) => {
      const key = uniqueKey('len');
      const res = await request(h.ingress.url)
        .post('/v1/alerts')
        .set(auth())
        .send(alertBody({ title: text, idempotencyKey: key }));
      expect(res.status).toBe(within ? 202 : 400);
      if (!within)
        expect(res.body.errors).toEqual([{ field: 'title', message: expect.stringMatching(/UTF-16/) }]);
      // The emulator, asked directly, takes or refuses the same title.
      const direct = await call(h.emulator.url, 'POST', NOTIFICATIONS, {
        token,
        json: notificationBody({ userId: AGENT.id, title: text }),
      });
      expect(direct.status).toBe(within ? 201 : 400);
      if (!within) return;
      // Accepted means delivered: the workflow's own send is taken and the toast shows the title as given.
      await waitForAlert(h.ingress.url, res.body.alertId as string, (st) => st.status === 'awaiting_action', {
        what: 'awaiting_action (its toast sent)',
      });
      expect(h.emulator.control.listNotifications({ idempotencyKey: key }).map((n) => n.title)).toEqual([
        text,
      ]);
      await h.ingress.alerts.cancelAlert(res.body.alertId as string);
    },
  );
});

test('the OpenAPI document states the same rule', () => {
  const doc = buildOpenApi() as {
    components: { schemas: { AlertRequest: { properties: Record<string, Record<string, unknown>> } } };
  };
  for (const field of ['title', 'message']) {
    const s = doc.components.schemas.AlertRequest.properties[field]!;
    // JSON Schema's maxLength counts code points: a necessary bound, with the exact rule in the description.
    expect(s.maxLength).toBe(MAX_TEXT);
    expect(s.description).toMatch(/250 UTF-16 code units/);
  }
});
