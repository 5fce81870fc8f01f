/**
 * The agent-app channel end to end in one process, as `npm start` wires it: the real workflow, the registry
 * workflow, the ingress node's worker, the WebSocket and the click route, with the emulator as Genesys (PKCE
 * sign-in and users/me). The agent's app is a `ws` client that acknowledges display as the page does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { quietRuntime } from '../helpers/stack';
import {
  connectAgent,
  emulatorUserToken,
  exchangeSession,
  type LiveAgent,
} from '../helpers/agent-app-client';
import { alertRequest, startOpsStack, uniqueId, type OpsStack } from '../ops/helpers';
import { eventually } from '../helpers/eventually';
import { SA } from '../../src/shared/search-attributes';
import { agentAppRegistryId, locateQuery } from '../../src/shared/agent-app';
import { waitOutRegistryCopies } from '../helpers/registry-copies';

jest.setTimeout(90_000);

describe('agent-app channel (real workflow, real ingress node, emulator as Genesys)', () => {
  const a = {
    id: uniqueId('aa-agent'),
    name: 'Alex Agent',
    email: `${uniqueId('alex')}@example.com`,
    presence: 'Available',
  };
  const b = {
    id: uniqueId('ab-agent'),
    name: 'Bo Agent',
    email: `${uniqueId('bo')}@example.com`,
    presence: 'Available',
  };
  const c = {
    id: uniqueId('ac-agent'),
    name: 'Cy Agent',
    email: `${uniqueId('cy')}@example.com`,
    presence: 'Available',
  };
  let stack: OpsStack;
  let alex: LiveAgent & { session: { sessionToken: string } };
  let bo: Awaited<ReturnType<typeof exchangeSession>>;

  beforeAll(async () => {
    quietRuntime();
    stack = await startOpsStack({
      users: [a, b, c],
      desktopChannels: ['agent-app', 'notifications-endpoint'],
    });
    alex = await connectAgent(stack.emulator.url, stack.ingress.url, a.email);
    // Bo signs in but holds no live connection: the agent app cannot reach him.
    bo = await exchangeSession(stack.ingress.url, await emulatorUserToken(stack.emulator.url, b.email));
  });
  afterAll(async () => {
    await alex?.close();
    await stack?.close();
  });

  /** RECORD_REPLAY_FIXTURES=1: keep the run's history for test/workflow/replay.test.ts (a run of this code). */
  const recordFixture = async (alertId: string, name: string) => {
    if (process.env.RECORD_REPLAY_FIXTURES !== '1') return;
    const handle = stack.client.workflow.getHandle(alertId);
    await handle.result(); // the whole run, to its close
    const history = await handle.fetchHistory();
    const file = path.join(__dirname, '..', 'workflow', 'fixtures', name);
    fs.writeFileSync(
      file,
      JSON.stringify(
        temporal.api.history.v1.History.toObject(history as never, {
          longs: String,
          enums: String,
          bytes: String,
          defaults: false,
        }),
        null,
        1,
      ),
    );
  };
  const send = async (over: Record<string, unknown>) => {
    const r = await stack.api('/v1/alerts', { body: alertRequest(over) });
    expect(r.status).toBe(202);
    return r.json.alertId as string;
  };
  const click = (token: string | undefined, body: unknown) =>
    fetch(`${stack.ingress.url}/agent-app/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

  it('shows a connected agent the alert with no Genesys call, takes the click once, and withdraws it', async () => {
    await eventually(async () => {
      // The node announced Alex to the registry (signal-with-start, a moment after the connect).
      // Until then the registry workflow does not exist yet: not found is "not yet", not a failure.
      const h = stack.client.workflow.getHandle(`agent-app-registry-${stack.ingress.alerts.taskQueue}`);
      return h.describe().catch((e: unknown) => {
        if (e instanceof WorkflowNotFoundError) return undefined;
        throw e;
      });
    });
    const before = stack.emulator.control.listRequests().length;
    const alertId = await send({
      target: { email: a.email },
      title: 'Callback due',
      message: 'Customer 42 waits',
    });
    const shown = await alex.waitFor((f) => f.event === 'alert' && f.data.alertId === alertId);
    expect(shown.data).toMatchObject({
      title: 'Callback due',
      message: 'Customer 42 waits',
      type: 'warning',
    });
    const state = await stack.waitForAlert(alertId, (s) => s.status === 'awaiting_action');
    expect(state).toMatchObject({
      desktopChannel: 'agent-app',
      agent: { userId: a.id, email: a.email },
      notificationId: shown.data.notificationId,
    });
    // Resolved by the registry (email included), pushed over the live connection: Genesys was not asked.
    const genesysCalls = stack.emulator.control
      .listRequests()
      .slice(before)
      .filter((r) => r.path.startsWith('/api/'));
    expect(genesysCalls).toEqual([]);

    const body = { notificationId: shown.data.notificationId, actionId: 'ack' };
    await expect(click(alex.session.sessionToken, body)).resolves.toMatchObject({
      status: 202,
      body: { status: 'accepted' },
    });
    await expect(click(alex.session.sessionToken, body)).resolves.toMatchObject({
      status: 200,
      body: { status: 'duplicate' },
    });
    const done = await stack.waitForAlert(alertId, (s) => s.status === 'actioned');
    expect((done.actions as unknown[]).length).toBe(1);
    await alex.waitFor((f) => f.event === 'withdraw' && f.data.notificationId === body.notificationId);
    expect(
      alex.frames.find((f) => f.event === 'withdraw' && f.data.notificationId === body.notificationId)?.data
        .reason,
    ).toBe('handled');
    const sa = (await stack.client.workflow.getHandle(alertId).describe()).typedSearchAttributes;
    expect(sa.get(SA.channel)).toBe('agent-app');
    await recordFixture(alertId, 'rev2-agent-app-actioned-history.json');
  });

  it('goes on to the notifications endpoint for an agent with no live connection, and says why', async () => {
    const alertId = await send({ target: { userId: b.id } });
    const state = await stack.waitForAlert(alertId, (s) => s.status === 'awaiting_action');
    expect(state.desktopChannel).toBe('notifications-endpoint');
    expect(state.channels).toEqual([
      expect.objectContaining({ channel: 'agent-app', outcome: 'skipped', reason: 'no_live_session' }),
      expect.objectContaining({ channel: 'notifications-endpoint', outcome: 'delivered' }),
    ]);
    const sa = (await stack.client.workflow.getHandle(alertId).describe()).typedSearchAttributes;
    expect(sa.get(SA.channel)).toBe('notifications-endpoint');
    expect(sa.get(SA.channelSkips)).toEqual(['agent-app:no_live_session']);
    await stack.api(`/v1/alerts/${alertId}/cancel`, { body: {} });
    await stack.waitForAlert(alertId, (s) => s.status === 'cancelled');
    await recordFixture(alertId, 'rev2-channels-fell-through-history.json');
  });

  it('withdraws a cancelled alert from every connection of the agent, and replays open ones to a new connection', async () => {
    const alertId = await send({ target: { userId: a.id } });
    const shown = await alex.waitFor((f) => f.event === 'alert' && f.data.alertId === alertId);
    await stack.waitForAlert(alertId, (s) => s.status === 'awaiting_action');
    // A second window of the same agent: it gets the open alert on connect.
    const second = await connectAgent(stack.emulator.url, stack.ingress.url, a.email);
    try {
      await second.waitFor((f) => f.event === 'alert' && f.data.notificationId === shown.data.notificationId);
      expect((await stack.api(`/v1/alerts/${alertId}/cancel`, { body: {} })).status).toBeLessThan(300);
      for (const conn of [alex, second]) {
        const w = await conn.waitFor(
          (f) => f.event === 'withdraw' && f.data.notificationId === shown.data.notificationId,
        );
        expect(w.data.reason).toBe('cancelled');
      }
    } finally {
      await second.close();
    }
  });

  it('takes back a push no connection acknowledged: withdrawn, not replayed, and the next channel has the alert', async () => {
    // An app that gets the alert but never says it displayed it (a slow or hung browser).
    const silent = await connectAgent(stack.emulator.url, stack.ingress.url, c.email, { ackAlerts: false });
    try {
      const registry = stack.client.workflow.getHandle(agentAppRegistryId(stack.ingress.alerts.taskQueue));
      await eventually(async () => {
        const r = await registry.query(locateQuery, { userId: c.id }).catch(() => null);
        return r?.nodes.length ? r : undefined;
      });
      // The workers' copies of the registry may predate the connect (CI once saw the alert go straight to the
      // next channel: the look-up missed the agent in a copy still fresh).
      await waitOutRegistryCopies();
      const alertId = await send({ target: { userId: c.id } });
      const pushed = await silent.waitFor((f) => f.event === 'alert' && f.data.alertId === alertId);
      const notificationId = pushed.data.notificationId as string;
      const state = await stack.waitForAlert(alertId, (s) => s.status === 'awaiting_action');
      expect(state.desktopChannel).toBe('notifications-endpoint');
      expect(state.channels).toEqual([
        expect.objectContaining({ channel: 'agent-app', outcome: 'skipped', reason: 'no_live_session' }),
        expect.objectContaining({ channel: 'notifications-endpoint', outcome: 'delivered' }),
      ]);
      // The app that drew it is told to drop it: the alert lives on in another channel now.
      const w = await silent.waitFor(
        (f) => f.event === 'withdraw' && f.data.notificationId === notificationId,
      );
      expect(w.data.reason).toBe('cancelled');
      // A receipt after the node gave up does not bring it back.
      silent.send('displayed', { notificationId });

      // A later window of the same agent is not shown it again. Anything replayed on connect comes before the
      // next alert on the same socket, so once that one is here, a replay would have been seen.
      const later = await connectAgent(stack.emulator.url, stack.ingress.url, c.email);
      try {
        const nextId = await send({ target: { userId: c.id } });
        await later.waitFor((f) => f.event === 'alert' && f.data.alertId === nextId);
        expect(
          later.frames.filter((f) => f.event === 'alert').map((f) => f.data.notificationId),
        ).not.toContain(notificationId);
        const next = await stack.waitForAlert(nextId, (s) => s.status === 'awaiting_action');
        expect(next.desktopChannel).toBe('agent-app');
        await stack.api(`/v1/alerts/${nextId}/cancel`, { body: {} });
      } finally {
        await later.close();
      }
      await stack.api(`/v1/alerts/${alertId}/cancel`, { body: {} });
    } finally {
      await silent.close();
    }
  });

  it('refuses bad clicks and bad sign-ins with clear errors, and writes nothing for them', async () => {
    const alertId = await send({ target: { userId: a.id } });
    const shown = await alex.waitFor((f) => f.event === 'alert' && f.data.alertId === alertId);
    const id = shown.data.notificationId as string;
    const inboxBefore = stack.ingress.inbox.counts();

    expect((await click(undefined, { notificationId: id, actionId: 'ack' })).status).toBe(401);
    expect((await click('forged.token', { notificationId: id, actionId: 'ack' })).status).toBe(401);
    expect((await click(alex.session.sessionToken, { notificationId: id })).status).toBe(400);
    expect(
      (await click(alex.session.sessionToken, { notificationId: `${id}x`, actionId: 'ack' })).status,
    ).toBe(404);
    expect((await click(alex.session.sessionToken, { notificationId: id, actionId: 'nope' })).status).toBe(
      404,
    );
    // The openUrl action is the app's to open: it is not a click the service takes.
    expect((await click(alex.session.sessionToken, { notificationId: id, actionId: 'open' })).status).toBe(
      404,
    );
    const other = await click(bo.sessionToken, { notificationId: id, actionId: 'ack' });
    expect(other.status).toBe(403);
    expect(other.body.type).toBe('/problems/forbidden');
    expect(stack.ingress.inbox.counts()).toEqual(inboxBefore);

    const badToken = await fetch(`${stack.ingress.url}/agent-app/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessToken: 'not-a-genesys-token' }),
    });
    expect(badToken.status).toBe(401);
    const malformed = await fetch(`${stack.ingress.url}/agent-app/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x' }),
    });
    expect(malformed.status).toBe(400);
  });
});
