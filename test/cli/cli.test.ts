/** The CLI's run() against the real ingress, real workers on the shared Temporal dev server, and the emulator. */
import fs from 'node:fs';
import path from 'node:path';
import { webhookHeaders } from '../../src/shared/standard-webhooks';
import { ALERT_ID_METADATA_KEY, CALLBACK_PATH } from '../../src/shared/constants';
import { TEST_SIGNING_SECRET } from '../helpers/stack';
import {
  CLI_KEY_NAME,
  AGENT,
  cli,
  closedPort,
  eventually,
  startCliStack,
  tempDir,
  uniqueKey,
  type CliStack,
} from './helpers';

let s: CliStack;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  s = await startCliStack();
  env = s.env;
  dir = tempDir();
});

afterAll(async () => {
  await s?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const sendFlags = (key: string, extra: string[] = []) => [
  'send',
  '--user-id',
  AGENT.id,
  '--title',
  'Compliance Review Required',
  '--message',
  'Case TXN-88921 flagged for secondary verification.',
  '--type',
  'warning',
  '--action',
  'Open case=https://crm.example.com/cases/TXN-88921',
  '--ack-action',
  'Acknowledge',
  '--expires-in',
  '15m',
  '--idempotency-key',
  key,
  ...extra,
];

const statusOf = async (alertId: string): Promise<string> => {
  const r = await cli(['status', alertId, '--json'], env);
  return r.code === 0 ? (JSON.parse(r.stdout) as { status: string }).status : `exit ${r.code}: ${r.stderr}`;
};

describe('send', () => {
  test('flags -> accepted; the same key again -> duplicate, nothing sent twice', async () => {
    const key = uniqueKey('send');
    const first = await cli(sendFlags(key), env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(new RegExp(`^accepted\\s+alert-${key}\\n$`));

    const again = await cli([...sendFlags(key), '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ alertId: `alert-${key}`, status: 'duplicate' });

    const text = await cli(sendFlags(key), env);
    expect(text.stdout).toMatch(/^duplicate\s+alert-/);
    // The desktop got exactly one toast, posted once.
    await eventually(async () => (await statusOf(`alert-${key}`)) === 'awaiting_action');
    const toasts = s.stack.emulator.control.listNotifications({ idempotencyKey: key });
    expect(toasts.map((n) => [n.userId, n.posts])).toEqual([[AGENT.id, 1]]);
  });

  test('a request the API rejects: every bad field is shown, exit 1', async () => {
    const r = await cli(
      [
        'send',
        '--user-id',
        AGENT.id,
        '--title',
        'x'.repeat(251),
        '--message',
        'm',
        '--type',
        'urgent',
        '--action',
        'Open=http://crm.example.com/x',
      ],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: The request is invalid \(400\)/);
    expect(r.stderr).toMatch(/^ {2}title: .+$/m);
    expect(r.stderr).toMatch(/^ {2}type: .+$/m);
    expect(r.stderr).toMatch(/^ {2}actions\.0\.url: .*https.*$/m);

    const j = await cli(
      ['send', '--email', 'not-an-email', '--title', 't', '--message', 'm', '--type', 'info', '--json'],
      env,
    );
    expect(j.code).toBe(1);
    const err = JSON.parse(j.stdout) as { error: { status: number; errors: Array<{ field: string }> } };
    expect(err.error.status).toBe(400);
    expect(err.error.errors.map((e) => e.field)).toEqual(['target.email']);
  });

  test('usage errors exit 2 and say what is wrong', async () => {
    const both = await cli(['send', '--user-id', 'u', '--email', 'a@b.co', '--title', 't'], env);
    expect(both).toMatchObject({ code: 2, stdout: '' });
    expect(both.stderr).toMatch(/either --user-id or --email/);
    expect((await cli(['send', '--user-id', 'u', '--expires-in', 'soon'], env)).stderr).toMatch(
      /--expires-in: 'soon' is not a duration/,
    );
    expect((await cli(['send'], env)).stderr).toMatch(/nothing to send/);
    expect((await cli(['send', '--bogus'], env)).code).toBe(2);
    expect((await cli(['frobnicate'], env)).code).toBe(2);
    expect((await cli(['status'], env)).code).toBe(2);
    expect((await cli(['--help'], env)).code).toBe(0);
  });

  test('--json FILE and --json - (stdin), flags layered on top', async () => {
    const key = uniqueKey('json');
    const file = path.join(dir, 'alert.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        target: { userId: AGENT.id },
        title: 'From a file',
        message: 'm',
        type: 'info',
        metadata: { source: 'cli-test' }, // routing data only: the source is the key's name
      }),
    );
    const r = await cli(
      ['send', '--json', file, '--idempotency-key', key, '--priority', 'high', '-o', 'json'],
      env,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ alertId: `alert-${key}`, status: 'accepted' });
    const state = JSON.parse((await cli(['status', key, '--json'], env)).stdout) as {
      priority: string;
      source: string;
    };
    expect(state).toMatchObject({ priority: 'high', source: CLI_KEY_NAME });

    const stdin = await cli(['send', '--json', '-'], env, {
      stdin: JSON.stringify({
        target: { userId: AGENT.id },
        title: 't',
        message: 'm',
        type: 'info',
        idempotencyKey: key,
      }),
    });
    expect(stdin.stdout).toMatch(/^duplicate/);

    const broken = await cli(['send', '--json', '-'], env, { stdin: '{"title":' });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/stdin is not valid JSON/);
  });

  test('a wrong API key: 401 with a hint, exit 1', async () => {
    const r = await cli(sendFlags(uniqueKey()), { ...env, DESKTOP_ALERTS_API_KEY: 'wrong-key' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unauthorized \(401\)/);
    expect(r.stderr).toMatch(/DESKTOP_ALERTS_API_KEY/);
  });
});

describe('send --csv', () => {
  test('good, duplicate and bad rows: a summary with the reasons, exit 1; the same file again sends nothing twice', async () => {
    const k = uniqueKey('csv');
    expect((await cli(sendFlags(`${k}-sent-before`), env)).code).toBe(0);
    const csv = [
      'user-id,title,message,type,idempotency-key,metadata.transactionId,expires-in,ack-action',
      `${AGENT.id},Good one,Please review,info,${k}-1,TXN-1,15m,Acknowledge`,
      `${AGENT.id},Sent before,Please review,info,${k}-sent-before,,,`,
      `${AGENT.id},Bad type,Please review,urgent,${k}-3,,,`,
      `${AGENT.id},Bad expiry,Please review,info,${k}-4,,soon,`,
      `${AGENT.id},"Quoted, with a comma","Line one`,
      `line two",warning,,,,`,
      `,No target,Please review,info,${k}-7,,,`,
    ].join('\r\n');
    const file = path.join(dir, 'alerts.csv');
    fs.writeFileSync(file, csv);

    const r = await cli(['send', '--csv', file, '--concurrency', '3'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^6 row\(s\): 2 accepted, 1 duplicate, 3 rejected\n/);
    expect(r.stdout).toMatch(/^ {2}line 4: type: .+$/m);
    expect(r.stdout).toMatch(/^ {2}line 5: --expires-in: 'soon' is not a duration/m);
    expect(r.stdout).toMatch(/^ {2}line 8: target: .+$/m);
    // stderr is not a terminal here: plain progress lines, ending at 100 %.
    expect(r.stderr).toMatch(/^progress: 6\/6 \(100%\) {2}accepted 2, duplicate 1, rejected 3$/m);
    expect(r.stderr).not.toMatch(/\r/);

    const again = await cli(['send', '--csv', file, '--json'], env);
    expect(again.code).toBe(1);
    const summary = JSON.parse(again.stdout) as {
      total: number;
      accepted: number;
      duplicate: number;
      rejected: number;
      rows: Array<{ where: string; status: string; alertId?: string }>;
    };
    expect(summary).toMatchObject({ total: 6, accepted: 0, duplicate: 3, rejected: 3 });
    expect(summary.rows.find((o) => o.where === 'line 6')).toMatchObject({
      status: 'duplicate',
      alertId: expect.stringMatching(/^alert-bulk-[0-9a-f]{16}-6$/),
    });
  });

  test('flags give every row its defaults; all accepted -> exit 0; a terminal gets a progress bar', async () => {
    const k = uniqueKey('csv-ok');
    const file = path.join(dir, 'ok.csv');
    fs.writeFileSync(file, `email,idempotency_key\n${AGENT.email},${k}-a\n${AGENT.email},${k}-b\n`);
    const r = await cli(
      [
        'send',
        '--csv',
        file,
        '--type',
        'info',
        '--title',
        'Maintenance tonight',
        '--message',
        'Systems down 22:00-23:00',
      ],
      env,
      { ttyStderr: true },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2 row(s): 2 accepted, 0 duplicate, 0 rejected\n');
    expect(r.stderr).toMatch(/\r\[#+\] 2\/2 {2}accepted 2/);
    expect(r.stderr.endsWith('\n')).toBe(true);
  });

  test('an unknown column is a usage error', async () => {
    const file = path.join(dir, 'typo.csv');
    fs.writeFileSync(file, `user-id,titel\nu,t\n`);
    const r = await cli(['send', '--csv', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown column\(s\) 'titel'/);
  });
});

describe('status, list, cancel', () => {
  const key = uniqueKey('life');
  const txn = `TXN-${key}`;
  const alertId = `alert-${key}`;

  beforeAll(async () => {
    const r = await cli(sendFlags(key, ['--metadata', `transactionId=${txn}`]), env);
    expect(r.code).toBe(0);
  });

  test('status shows the state as text and JSON; unknown id -> exit 1', async () => {
    await eventually(async () => (await statusOf(alertId)) === 'awaiting_action');
    const text = await cli(['status', alertId], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^alert\s+alert-/m);
    expect(text.stdout).toMatch(/^status\s+awaiting_action$/m);
    expect(text.stdout).toMatch(/^target\s+user 11111111-/m);
    expect(text.stdout).toMatch(/^presence\s+available/m);
    expect(text.stdout).toMatch(/^notification\s+\S+/m);

    const missing = await cli(['status', 'alert-no-such-thing'], env);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/no alert with id alert-no-such-thing/);
  });

  test('list filters by search attributes (visibility may lag: poll)', async () => {
    const rows = await eventually(async () => {
      const r = await cli(
        [
          'list',
          '--transaction-id',
          txn,
          '--source',
          CLI_KEY_NAME,
          '--type',
          'warning',
          '--agent',
          AGENT.id,
          '--since',
          '1h',
          '--json',
        ],
        env,
      );
      expect(r.code).toBe(0);
      const parsed = JSON.parse(r.stdout) as Array<{ alertId: string; status: string }>;
      return parsed.length === 1 && parsed[0]!.status === 'awaiting_action' ? parsed : undefined;
    });
    expect(rows[0]).toMatchObject({
      alertId,
      type: 'warning',
      priority: 'normal',
      agent: AGENT.id,
      transactionId: txn,
      source: CLI_KEY_NAME,
    });

    const table = await cli(['list', '--transaction-id', txn], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^ALERT ID\s+STATUS\s+TYPE\s+PRIORITY\s+AGENT\s+STARTED$/);
    expect(table.stdout).toContain(alertId);

    const none = await cli(['list', '--transaction-id', `${txn}-nope`, '--status', 'failed,expired'], env);
    expect(none).toMatchObject({ code: 0, stdout: 'no alerts match\n' });
  });

  test('cancel -> cancelled; cancelling again -> exit 1, already closed', async () => {
    const r = await cli(['cancel', key, '--reason', 'sent by mistake'], env);
    expect(r).toMatchObject({ code: 0, stdout: `cancelling ${alertId}\n` });
    await eventually(async () => (await statusOf(alertId)) === 'cancelled');
    await eventually(async () => {
      const again = await cli(['cancel', alertId], env);
      return again.code === 1 && /already closed/.test(again.stderr);
    });
    expect((await cli(['cancel', 'alert-never-was'], env)).stderr).toMatch(
      /no alert with id alert-never-was/,
    );
  });
});

describe('dlq', () => {
  const post = async (payload: unknown) => {
    const body = JSON.stringify(payload);
    const res = await fetch(`${s.ingress.url}${CALLBACK_PATH}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...webhookHeaders(TEST_SIGNING_SECRET, `msg_${uniqueKey()}`, body),
      },
    });
    return res.status;
  };

  test('list shows dead letters with their reason; replay one, replay --all; unusable ones are refused', async () => {
    // Signed but not a callback: dead-lettered at once, and can never be replayed.
    expect(await post({ hello: 'world' })).toBe(400);
    // A valid click for an alert that does not exist: the relay dead-letters it.
    const ghost = `alert-${uniqueKey('ghost')}`;
    expect(
      await post({
        notificationId: 'n-ghost',
        userId: AGENT.id,
        actionId: 'ack',
        metadata: { [ALERT_ID_METADATA_KEY]: ghost },
        timestamp: new Date().toISOString(),
      }),
    ).toBe(202);

    type Page = { items: Array<{ id: number; reason: string; alertId: string | null }>; total: number };
    const page = await eventually(async () => {
      const r = await cli(['dlq', 'list', '--json'], env);
      const p = JSON.parse(r.stdout) as Page;
      return p.items.some((i) => i.reason === 'unknown_alert' && i.alertId === ghost) ? p : undefined;
    });
    const invalid = page.items.find((i) => i.reason === 'invalid_schema')!;
    const unknown = page.items.find((i) => i.alertId === ghost)!;
    expect(invalid).toBeDefined();

    const text = await cli(['dlq', 'list'], env);
    expect(text.stdout.split('\n')[0]).toMatch(/^ID\s+RECEIVED\s+REASON\s+ALERT\s+ATTEMPTS\s+DETAIL$/);
    expect(text.stdout).toMatch(new RegExp(`^${unknown.id}\\s.*unknown_alert\\s+${ghost}`, 'm'));
    expect(text.stdout).toMatch(/dead letter\(s\)\n$/);

    const one = await cli(['dlq', 'replay', String(unknown.id)], env);
    expect(one).toMatchObject({ code: 0, stdout: `replayed dead letter ${unknown.id}\n` });

    const refused = await cli(['dlq', 'replay', String(invalid.id)], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`dead letter ${invalid.id} cannot be replayed`));
    expect((await cli(['dlq', 'replay', '99999999'], env)).stderr).toMatch(/no dead letter with id 99999999/);
    expect((await cli(['dlq', 'replay'], env)).code).toBe(2);

    // The ghost goes back to dead_lettered once the relay tries again; then replay everything.
    await eventually(async () =>
      (JSON.parse((await cli(['dlq', 'list', '--json'], env)).stdout) as Page).items.some(
        (i) => i.id === unknown.id,
      ),
    );
    const all = await cli(['dlq', 'replay', '--all', '--json'], env);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({
      replayed: expect.any(Number),
      skipped: expect.any(Number),
    });
    expect((JSON.parse(all.stdout) as { replayed: number }).replayed).toBeGreaterThanOrEqual(1);
  });
});

describe('when nothing answers', () => {
  test('the API is not running: a clear message, exit 1 (also in bulk, and as JSON)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await cli(['status', 'alert-x'], { DESKTOP_ALERTS_URL: url });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`error: cannot reach the API at ${url}: is it running? (ECONNREFUSED)\n`);

    const j = await cli(['cancel', 'alert-x', '--api-url', url, '--json'], {});
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { type: 'unreachable', code: 'ECONNREFUSED' } });

    const file = path.join(dir, 'unreachable.csv');
    fs.writeFileSync(file, `user-id,title,message,type\nu1,t,m,info\nu2,t,m,info\n`);
    const bulk = await cli(['send', '--csv', file, '--api-url', url], {});
    expect(bulk.code).toBe(1);
    expect(bulk.stdout).toMatch(/^2 row\(s\): 0 accepted, 0 duplicate, 0 rejected, 2 failed/);
    expect(bulk.stdout).toContain(`cannot reach the API at ${url}: is it running?`);
  });

  test('Temporal is not running: list says so, exit 1', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const r = await cli(['list', '--temporal-address', address, '--timeout', '2s'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^error: cannot reach Temporal at ${address.replace('.', '\\.')}: is it running\\?`),
    );
  });
});
