import { spawn } from 'node:child_process';
import path from 'node:path';
import { startEmulator } from '../../src/emulator';
import { eventually } from '../helpers/eventually';
import { call, getToken, NOTIFICATIONS, notificationBody, startReceiver } from './helpers';

describe('emulator: lifecycle and load', () => {
  it('close() ends keep-alive sockets, pending delays and callback retries', async () => {
    const emu = await startEmulator({ timeScale: 1, users: [{ id: 'u-1', name: 'J', email: 'j@x.com' }] });
    const receiver = await startReceiver(() => ({ status: 500 }));
    try {
      const token = await getToken(emu.url);
      const res = await call(emu.url, 'POST', NOTIFICATIONS, {
        token,
        json: notificationBody({
          actions: [{ label: 'Ack', actionType: 'callback', callbackUrl: receiver.url }],
        }),
      });
      const click = emu.control.click((res.body as { id: string }).id);
      // First attempt recorded (after the receiver's 500): a 5 s retry timer is now pending.
      await eventually(() => emu.control.getCallbackDelivery(click.delivery!.id)!.attempts.length > 0);
      expect(emu.control.getCallbackDelivery(click.delivery!.id)).toMatchObject({
        status: 'pending',
        attempts: [{ attempt: 1, status: 500 }],
      });
      emu.control.setFaults({ latencyMs: 60_000 });
      // A POST: it is processed before the latency delay, so its record shows the call is held in that delay.
      const hanging = call(emu.url, 'POST', NOTIFICATIONS, {
        token,
        json: notificationBody({ idempotencyKey: 'hanging' }),
      }).catch((e: unknown) => e);
      await eventually(() => emu.control.listNotifications({ idempotencyKey: 'hanging' }).length === 1);
      const t0 = Date.now();
      await emu.close();
      await emu.close(); // idempotent
      // Not a speed check: close() must not wait out the 60 s delay of the call in flight.
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(String(await hanging)).toMatch(/fetch failed|other side closed|socket/i);
    } finally {
      await emu.close();
      await receiver.close();
    }
  });

  it('the same options twice on one port fail cleanly', async () => {
    const a = await startEmulator();
    await expect(startEmulator({ port: a.port })).rejects.toThrow(/EADDRINUSE/);
    await a.close();
  });

  it('serves a burst of 1,000 concurrent calls, deduplicating by idempotency key', async () => {
    const emu = await startEmulator({
      rateLimitPerMinute: 0,
      users: [{ id: 'u-1', name: 'J', email: 'j@x.com' }],
    });
    try {
      const token = await getToken(emu.url);
      const n = 1000;
      const statuses = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          call(emu.url, 'POST', NOTIFICATIONS, {
            token,
            json: notificationBody({ idempotencyKey: `k-${i % 500}` }),
          }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(500);
      expect(statuses.filter((s) => s === 200)).toHaveLength(500);
      expect(emu.control.stats().notifications).toMatchObject({ created: 500, duplicatesSuppressed: 500 });
    } finally {
      await emu.close();
    }
  });

  it('`npm run emulator` (main.ts) starts with demo users and stops on SIGTERM', async () => {
    const root = path.resolve(__dirname, '../..');
    // `node --import tsx`, not the tsx CLI: the CLI relays SIGTERM to a child process and, when the child has not
    // confirmed within 30 ms (a busy CI machine), kills it and exits 143, so the test would judge tsx, not main.ts.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
      cwd: root,
      env: { ...process.env, EMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m && out.includes('seeded users')) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    expect(out).toContain('emulator-client');
    expect(out).toContain('shared@example.com');
    const token = await getToken(url);
    const dup = await call<{ results: { state: string }[] }>(url, 'POST', '/api/v2/users/search', {
      token,
      json: { query: [{ type: 'EXACT', fields: ['email'], value: 'shared@example.com' }] },
    });
    expect(dup.body.results.filter((u) => u.state === 'active')).toHaveLength(2);
    const users = await call<{ state: string; presence: string }[]>(url, 'GET', '/__emulator/users');
    expect(users.body.some((u) => u.state === 'inactive')).toBe(true);
    expect(users.body.some((u) => u.presence === 'Offline' && u.state === 'active')).toBe(true);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  }, 30_000);
});
