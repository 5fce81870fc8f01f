/**
 * Errors reach the logs whole: message, type and cause chain on every line that carries one (under `err`
 * or `error`), the stack only at debug. The SDK logs a failed workflow as `{ error }`; without a
 * serialiser for that key the line said `"error":{}` and the reason was lost.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../../src/observability/temporal-runtime';
import { captureLogs } from './helpers';
import { connectTestClient, testTemporalAddress, uniqueQueue } from '../helpers/temporal';

// The service's own logger, as the worker installs it, before anything else in this file touches the Runtime.
const sdkLogs = captureLogs('info');
/** A captured line, read loosely. */
type Line = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const lines = (c: { lines: () => Record<string, unknown>[] }) => c.lines() as Line[];
installTemporalRuntime(sdkLogs.logger, { level: 'WARN' });

test('a failing workflow: the SDK line carries its message, type and cause', async () => {
  const address = testTemporalAddress();
  const taskQueue = uniqueQueue('errlog');
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
    taskQueue,
    workflowsPath: require.resolve('./fixtures/failing-workflow'),
  });
  const { client, close } = await connectTestClient();
  try {
    await worker.runUntil(async () => {
      const run = client.workflow.execute('failsReadably', {
        taskQueue,
        workflowId: `${taskQueue}-wf`,
        args: ['the readable reason'],
      });
      await expect(run).rejects.toThrow();
    });
  } finally {
    await close();
    await connection.close();
  }
  const line = lines(sdkLogs).find((l) => l.msg === 'Workflow failed');
  expect(line).toBeDefined();
  expect(line!.error).toMatchObject({ message: 'the readable reason', type: expect.any(String) });
  expect(JSON.stringify(line!.error)).toContain('the underlying cause');
  expect(line!.error.stack).toBeUndefined(); // info level: no stack
});

test('err and error: message, type and cause chain; the stack only at debug', () => {
  const err = new TypeError('outer failure', { cause: new RangeError('inner failure') });
  const info = captureLogs('info');
  info.logger.error({ err }, 'one');
  info.logger.warn({ error: err }, 'two');
  for (const l of lines(info)) {
    const e = l.err ?? l.error;
    expect(e).toMatchObject({ type: 'TypeError', message: expect.stringContaining('outer failure') });
    expect(JSON.stringify(e)).toContain('inner failure');
    expect(e.stack).toBeUndefined();
  }
  const debug = captureLogs('debug');
  debug.logger.error({ err }, 'three');
  expect(lines(debug)[0]!.err.stack).toMatch(/TypeError: outer failure/);
  // Not an error: passed through as it is.
  info.logger.warn({ error: 'a plain string' }, 'four');
  expect(lines(info).at(-1)!.error).toBe('a plain string');
});
