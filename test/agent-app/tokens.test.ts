/** The agent app's signed values: sessions and notification ids, checked by any node with the same secret. */
import { ConnectionHub, type LiveConnection } from '../../src/agent-app/hub';
import { agentAppKeys } from '../../src/agent-app/keys';
import { notificationIdFor, parseNotificationId } from '../../src/agent-app/notification-id';
import { bearerToken, issueSessionToken, verifySessionToken } from '../../src/agent-app/session-token';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('agent-app keys, sessions and notification ids', () => {
  const keys = agentAppKeys(SECRET);

  test('two nodes with the same secret agree; another secret or none does not', () => {
    expect(agentAppKeys(SECRET).session.equals(keys.session)).toBe(true);
    expect(keys.session.equals(keys.notification)).toBe(false);
    expect(agentAppKeys('whsec_' + Buffer.alloc(32, 7).toString('base64')).session.equals(keys.session)).toBe(
      false,
    );
    const own = agentAppKeys(undefined);
    expect(own.ephemeral).toBe(true);
    expect(agentAppKeys(undefined).session.equals(own.session)).toBe(false);
  });

  test('a session verifies until it expires; a tampered one never does', () => {
    const now = Date.now();
    const token = issueSessionToken(keys.session, {
      userId: 'u-1',
      email: 'a@example.com',
      exp: now + 60_000,
    });
    expect(verifySessionToken(keys.session, token, now)).toEqual({
      ok: true,
      session: { userId: 'u-1', email: 'a@example.com', exp: now + 60_000, name: undefined },
    });
    expect(verifySessionToken(keys.session, token, now + 60_000)).toEqual({ ok: false, reason: 'expired' });
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, userId: 'u-2', exp: now + 60_000 })).toString(
      'base64url',
    );
    for (const bad of [`${forged}.${mac}`, `${body}.${mac}x`, `${body}`, '', 42, undefined]) {
      expect(verifySessionToken(keys.session, bad, now)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(verifySessionToken(agentAppKeys(undefined).session, token, now).ok).toBe(false);
  });

  test('a notification id names its alert and agent, and nothing else passes for one', () => {
    const id = notificationIdFor(keys.notification, 'alert-key-1', 'u-1');
    expect(parseNotificationId(keys.notification, id)).toEqual({ alertId: 'alert-key-1', userId: 'u-1' });
    expect(notificationIdFor(keys.notification, 'alert-key-1', 'u-1')).toBe(id); // a retried push: the same id
    const mac = id.slice(id.lastIndexOf('~') + 1);
    for (const bad of [
      `${id}x`,
      id.slice(0, -1),
      `alert-key-2~u-1~${mac}`,
      `alert-key-1~u-2~${mac}`,
      'alert-key-1',
      '~~',
      `${id}~`,
    ]) {
      expect(parseNotificationId(keys.notification, bad)).toBeNull();
    }
  });

  test('bearer tokens are read from the header only in the Bearer form', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

describe('ConnectionHub', () => {
  const conn = (userId: string, log: Array<[string, unknown]>, alive = true): LiveConnection => ({
    userId,
    send: (event, data) => {
      log.push([event, data]);
      return alive;
    },
  });
  const alert = (userId: string, notificationId = `n-${userId}`) => ({
    notificationId,
    alertId: 'a-1',
    correlationId: 'c-1',
    userId,
    title: 't',
    message: 'm',
    type: 'info' as const,
    priority: 'normal' as const,
    actions: [{ id: 'ack', label: 'OK', actionType: 'callback' as const }],
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });

  test('a push is displayed on the first receipt of the agent, not of another agent', async () => {
    const hub = new ConnectionHub('node-1');
    const log: Array<[string, unknown]> = [];
    hub.attach(conn('u-1', log), { userId: 'u-1' });
    const pushed = hub.push(alert('u-1'), 5_000);
    hub.receipt('u-2', 'n-u-1');
    hub.receipt('u-1', 'n-u-1');
    await expect(pushed).resolves.toMatchObject({ connections: 1 });
    expect(log.map(([e]) => e)).toEqual(['alert']);
    expect(log[0]![1]).not.toHaveProperty('correlationId');
  });

  test('no connection, a dead one, or no receipt in time: not displayed', async () => {
    const hub = new ConnectionHub('node-1');
    await expect(hub.push(alert('u-1'), 50)).resolves.toBeNull();
    hub.attach(conn('u-1', [], false), { userId: 'u-1' });
    await expect(hub.push(alert('u-1'), 50)).resolves.toBeNull();
    const hub2 = new ConnectionHub('node-2');
    hub2.attach(conn('u-1', []), { userId: 'u-1' });
    await expect(hub2.push(alert('u-1'), 50)).resolves.toBeNull();
  });

  test('a push nobody acknowledged is taken back: withdrawn where it was sent, forgotten, not replayed', async () => {
    const hub = new ConnectionHub('node-1');
    const first: Array<[string, unknown]> = [];
    hub.attach(conn('u-1', first), { userId: 'u-1' });
    await expect(hub.push(alert('u-1'), 20)).resolves.toBeNull();
    // The alert went on to the next channel: the app that drew it must drop it, and this node forgets it.
    expect(first).toEqual([
      ['alert', expect.objectContaining({ notificationId: 'n-u-1' })],
      ['withdraw', { notificationId: 'n-u-1', reason: 'cancelled' }],
    ]);
    expect(hub.lookup('n-u-1')).toBeUndefined();
    // A receipt after the node gave up does not bring it back.
    hub.receipt('u-1', 'n-u-1');
    const later: Array<[string, unknown]> = [];
    hub.attach(conn('u-1', later), { userId: 'u-1' });
    expect(later).toEqual([]);
    expect(hub.lookup('n-u-1')).toBeUndefined();

    // Nothing could be sent (the only connection is dead): nothing is left open either.
    const hub2 = new ConnectionHub('node-2');
    hub2.attach(conn('u-1', [], false), { userId: 'u-1' });
    await expect(hub2.push(alert('u-1'), 20)).resolves.toBeNull();
    expect(hub2.lookup('n-u-1')).toBeUndefined();
    const next: Array<[string, unknown]> = [];
    hub2.attach(conn('u-1', next), { userId: 'u-1' });
    expect(next).toEqual([]);
  });

  test('a push that gives up leaves a later push of the same notification alone', async () => {
    // The workflow retried the push (same notification id) while the first attempt was still waiting here.
    const hub = new ConnectionHub('node-1');
    const log: Array<[string, unknown]> = [];
    hub.attach(conn('u-1', log), { userId: 'u-1' });
    const firstTry = hub.push(alert('u-1'), 20);
    const retry = hub.push(alert('u-1'), 5_000);
    await expect(firstTry).resolves.toBeNull();
    expect(log.map(([e]) => e)).toEqual(['alert', 'alert']);
    expect(hub.lookup('n-u-1')).toBeDefined();
    hub.receipt('u-1', 'n-u-1');
    await expect(retry).resolves.toMatchObject({ connections: 1 });
  });

  test('open alerts are replayed to a later connection and withdrawn from all; changes are announced', () => {
    const hub = new ConnectionHub('node-1');
    let changes = 0;
    hub.onChange(() => changes++);
    const first: Array<[string, unknown]> = [];
    const c1 = conn('u-1', first);
    hub.attach(c1, { userId: 'u-1', email: 'a@example.com' });
    void hub.push(alert('u-1'), 10);
    const second: Array<[string, unknown]> = [];
    const c2 = conn('u-1', second);
    hub.attach(c2, { userId: 'u-1' });
    expect(second.map(([e]) => e)).toEqual(['alert']);
    expect(hub.withdraw('u-1', 'n-u-1', 'handled')).toBe(2);
    expect(hub.lookup('n-u-1')).toBeUndefined();
    expect(hub.connectedAgents()).toEqual([{ userId: 'u-1', email: 'a@example.com' }]);
    hub.detach(c1);
    hub.detach(c2);
    expect(hub.connectedAgents()).toEqual([]);
    expect(changes).toBe(2); // the first connect and the last disconnect
  });
});
