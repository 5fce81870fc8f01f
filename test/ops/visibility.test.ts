/**
 * Operators find alerts with one visibility query: every run carries AlertStatus, AlertType,
 * AlertPriority, AlertAgent, AlertSource and AlertTransactionId, kept current by the workflow, and a
 * summary. Real server: visibility lags, so queries are polled until they settle.
 */
import type { Client } from '@temporalio/client';
import { SA } from '../../src/shared/search-attributes';
import { cli } from '../cli/helpers';
import { quietRuntime } from '../helpers/stack';
import { alertRequest, startOpsStack, uniqueId, type OpsStack } from './helpers';

async function ids(client: Client, query: string): Promise<string[]> {
  const out: string[] = [];
  for await (const wf of client.workflow.list({ query })) out.push(wf.workflowId);
  return out.sort();
}

/** Poll a visibility query until it answers exactly `expected` (or give up and show the last answer). */
async function settle(
  client: Client,
  query: string,
  expected: string[],
  timeoutMs = 20_000,
): Promise<string[]> {
  const want = [...expected].sort();
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await ids(client, query);
    if (JSON.stringify(last) === JSON.stringify(want)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

describe('Temporal visibility: search attributes and summary', () => {
  const x = {
    id: uniqueId('agent-x'),
    name: 'Jordan Smith',
    email: `${uniqueId('jordan')}@example.com`,
    presence: 'Available',
  };
  const y = {
    id: uniqueId('agent-y'),
    name: 'Avery Lee',
    email: `${uniqueId('avery')}@example.com`,
    presence: 'Available',
  };
  const txn = uniqueId('TXN');
  const COMPLIANCE_KEY = `compliance-${uniqueId('key')}`;
  const CRM_KEY = `crm-${uniqueId('key')}`;
  let stack: OpsStack;
  const sent: Record<string, string> = {};

  beforeAll(async () => {
    quietRuntime();
    // Two senders (AlertSource is the name of the key that started the alert) and a reader for stack.api.
    stack = await startOpsStack({
      users: [x, y],
      apiKeys: [
        `ops:reader:ops-${uniqueId('key')}`,
        `compliance:sender:${COMPLIANCE_KEY}`,
        `crm:sender:${CRM_KEY}`,
      ],
    });
    const send = async (name: string, over: Record<string, unknown>, key = COMPLIANCE_KEY) => {
      const r = await stack.api('/v1/alerts', {
        body: alertRequest({ idempotencyKey: uniqueId(name), ...over }),
        key,
      });
      expect(r.status).toBe(202);
      sent[name] = r.json.alertId as string;
    };
    const compliance = (extra: Record<string, string> = {}) => ({ metadata: extra });
    // Sent to X by email: AlertAgent must become X's user id once resolved.
    await send('byEmail', { target: { email: x.email }, ...compliance({ transactionId: txn }) });
    await send('error', { target: { userId: x.id }, type: 'error', ...compliance() });
    await send('acked', { target: { userId: x.id }, ...compliance() });
    await send('otherSource', { target: { userId: x.id } }, CRM_KEY);
    await send('otherAgent', { target: { userId: y.id }, ...compliance() });
    // 'acked' is acknowledged by the agent (real callback path).
    const emu = stack.emulator.control;
    const key = sent.acked!.replace(/^alert-/, '');
    for (let i = 0; i < 100 && emu.listNotifications({ idempotencyKey: key }).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const click = emu.click(emu.listNotifications({ idempotencyKey: key })[0]!.id, { actionId: 'ack' });
    await emu.waitForCallback(click.delivery!.id, 10_000);
    await stack.waitForAlert(sent.acked!, (s) => s.status === 'actioned');
    for (const name of ['byEmail', 'error', 'otherSource', 'otherAgent'])
      await stack.waitForAlert(sent[name]!, (s) => s.status === 'awaiting_action');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("finds today's unacknowledged compliance alerts for one agent with one query", async () => {
    const today = new Date(new Date().setUTCHours(0, 0, 0, 0)).toISOString();
    const query = `AlertSource = 'compliance' AND AlertAgent = '${x.id}' AND AlertStatus = 'awaiting_action' AND StartTime >= '${today}'`;
    await expect(settle(stack.client, query, [sent.byEmail!, sent.error!])).resolves.toEqual(
      [sent.byEmail!, sent.error!].sort(),
    );
    // The acknowledged one is found by its new status.
    const acked = `AlertAgent = '${x.id}' AND AlertStatus = 'actioned'`;
    await expect(settle(stack.client, acked, [sent.acked!])).resolves.toEqual([sent.acked!]);
  });

  it('sets AlertTransactionId from metadata.transactionId, and the other attributes and summary of the run', async () => {
    await expect(settle(stack.client, `AlertTransactionId = '${txn}'`, [sent.byEmail!])).resolves.toEqual([
      sent.byEmail!,
    ]);
    const desc = await stack.client.workflow.getHandle(sent.byEmail!).describe();
    const sa = desc.typedSearchAttributes;
    expect({
      status: sa.get(SA.status),
      type: sa.get(SA.type),
      priority: sa.get(SA.priority),
      agent: sa.get(SA.agent),
      source: sa.get(SA.source),
      transactionId: sa.get(SA.transactionId),
    }).toEqual({
      status: 'awaiting_action',
      type: 'warning',
      priority: 'high',
      agent: x.id,
      source: 'compliance',
      transactionId: txn,
    });
    // Readable in Temporal whatever the codec: no title, no email.
    await expect(desc.staticSummary()).resolves.toBe('warning alert (high) to an agent by email');
    // No transaction id given: no attribute.
    const other = await stack.client.workflow.getHandle(sent.error!).describe();
    expect(other.typedSearchAttributes.get(SA.transactionId)).toBeUndefined();
  });

  it('the CLI lists the same alerts: desktop-alerts list --status awaiting_action --agent ... --source compliance', async () => {
    const env = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    };
    const r = await cli(
      [
        'list',
        '--status',
        'awaiting_action',
        '--agent',
        x.id,
        '--source',
        'compliance',
        '--since',
        '24h',
        '--json',
      ],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { alertId: string; status: string; agent: string }[];
    expect(rows.map((row) => row.alertId).sort()).toEqual([sent.byEmail!, sent.error!].sort());
    expect(rows.every((row) => row.status === 'awaiting_action' && row.agent === x.id)).toBe(true);
  });
});
