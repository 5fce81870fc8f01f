/**
 * Replay compatibility: a run already in flight when this code is deployed must replay on it without a
 * nondeterminism error. The fixtures are histories of runs made by the code before issue 11's fixes (commit
 * 6dd8ead, downstream forwarding without a cap, no execution time-out):
 * - stuck-click-history.json: a click taken while the alert was sending, then the send failed (400), the fallback
 *   ran, and the run stayed open for ever, its update handler waiting for a notification id;
 * - actioned-history.json: the everyday run, sent, clicked, handed downstream, closed actioned.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { workflowTracingSinks } from '../../src/observability/temporal-tracing';
import { startTracing } from '../../src/observability/tracing';
import { alertSinks } from '../../src/observability/worker-telemetry';
import { quietRuntime, workflowBundle } from '../helpers/stack';

const history = (name: string) =>
  temporal.api.history.v1.History.fromObject(
    JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')),
  );

/**
 * A replay worker as the real one is made: with the sinks the workflow calls (here without metrics). Without them
 * every `alertMetrics.transition` logs "Workflow referenced an unregistered external sink" at ERROR, which buried
 * the CI log; the sink is not called during replay either way (callDuringReplay: false).
 */
const replayOptions = async () => ({ workflowBundle: await workflowBundle(), sinks: alertSinks() });

test('a run stuck on the earlier code (click while sending, send failed, fallback ran) replays on this code', async () => {
  quietRuntime();
  await expect(
    Worker.runReplayHistory(await replayOptions(), history('stuck-click-history.json')),
  ).resolves.toBeUndefined();
});

test('an everyday run of the earlier code (sent, clicked, handed downstream) replays on this code', async () => {
  quietRuntime();
  await expect(
    Worker.runReplayHistory(await replayOptions(), history('actioned-history.json')),
  ).resolves.toBeUndefined();
});

// Runs with desktop channels in their input, before revision 2 (recorded by test/agent-app/channel.test.ts with
// RECORD_REPLAY_FIXTURES=1 then): a change to the channel steps must keep replaying them.
test('a run delivered by the agent app (located, pushed, clicked, withdrawn) replays on this code', async () => {
  quietRuntime();
  await expect(
    Worker.runReplayHistory(await replayOptions(), history('agent-app-actioned-history.json')),
  ).resolves.toBeUndefined();
});

test('a run that fell through the agent app to the notifications endpoint, then was cancelled, replays on this code', async () => {
  quietRuntime();
  await expect(
    Worker.runReplayHistory(await replayOptions(), history('channels-fell-through-history.json')),
  ).resolves.toBeUndefined();
});

// Runs of revision 2 (ALERT_WORKFLOW_REVISION: the hand-off's first try as a local activity, the expiry timer left
// to lapse), recorded by test/agent-app/channel.test.ts with RECORD_REPLAY_FIXTURES=1.
test('a revision-2 run delivered by the agent app and clicked (hand-off as a local activity) replays on this code', async () => {
  quietRuntime();
  await expect(
    Worker.runReplayHistory(await replayOptions(), history('rev2-agent-app-actioned-history.json')),
  ).resolves.toBeUndefined();
});

test('a revision-2 run that fell through to the notifications endpoint, then was cancelled, replays on this code', async () => {
  quietRuntime();
  await expect(
    Worker.runReplayHistory(await replayOptions(), history('rev2-channels-fell-through-history.json')),
  ).resolves.toBeUndefined();
});

// Tracing on (issue 16): the OpenTelemetry workflow interceptors in the bundle and their span sink, as a worker with
// OTEL_* set runs them. They add headers and SDK flags, never a command: every recorded run replays with them too.
test('with the tracing interceptors in the bundle, every recorded run replays on this code', async () => {
  quietRuntime();
  const tracing = startTracing({ exporter: new InMemorySpanExporter() })!;
  try {
    const options = {
      workflowBundle: await workflowBundle({ tracing: true }),
      sinks: { ...alertSinks(), ...workflowTracingSinks(tracing) },
    };
    const files = fs.readdirSync(path.join(__dirname, 'fixtures')).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      await expect(Worker.runReplayHistory(options, history(file))).resolves.toBeUndefined();
    }
  } finally {
    await tracing.shutdown();
  }
});
