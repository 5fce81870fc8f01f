/**
 * An alert id whose run this ingress cannot decode (written with payload keys it does not hold: keys rotated out too
 * early, or an ingress configured without the workers' keys). The idempotency check asks only who started the run,
 * which the search attributes say in plaintext: it must answer duplicate or 409 as usual, not fail decoding the memo
 * (a 500, seen in CI when the Schemathesis run had taken an alert id another test then used).
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { AlertsClient, IdempotencyKeyTakenError, buildAlertInput } from '../../src/alerts';
import { alertStartOptions } from '../../src/alerts/start-options';
import { dataConverterFor } from '../../src/codec';
import { alertBody, testConfig } from '../api/helpers';
import { testTemporalAddress, uniqueQueue } from '../helpers/temporal';

const namespace = process.env.TEMPORAL_TEST_NAMESPACE ?? 'default';
const config = testConfig();
// No worker polls this queue: the run stays open with its encrypted input and memo.
const taskQueue = uniqueQueue('undecodable');
let connection: Connection;
let encrypting: Client;
let plain: AlertsClient;

beforeAll(async () => {
  connection = await Connection.connect({ address: testTemporalAddress() });
  encrypting = new Client({
    connection,
    namespace,
    dataConverter: dataConverterFor({ payloadKeys: [{ id: 'k-gone', key: randomBytes(32) }] }),
  });
  plain = new AlertsClient(new Client({ connection, namespace }), config, { taskQueue });
});

afterAll(async () => {
  await connection?.close();
});

test("a taken idempotency key is told by the run's owner even when its payloads cannot be decoded here", async () => {
  const built = buildAlertInput(alertBody(), { config, correlationId: 'corr-undecodable', source: 'crm' });
  if (!built.ok) throw new Error(JSON.stringify(built.issues));
  const input = built.input;
  const handle = await encrypting.workflow.start('deliverAlert', {
    ...alertStartOptions(input, { taskQueue, taskPriority: false }),
    args: [input],
  });
  try {
    // The caller that took the key retries: a duplicate, as with any run.
    await expect(plain.startInput(input)).resolves.toEqual({ alertId: input.alertId, status: 'duplicate' });
    // Another key asks for the same one: 409, without learning the alert.
    await expect(plain.startInput({ ...input, source: 'wem' })).rejects.toBeInstanceOf(
      IdempotencyKeyTakenError,
    );
  } finally {
    await handle.terminate('test done');
  }
});
