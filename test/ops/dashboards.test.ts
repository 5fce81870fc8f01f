/**
 * The operators' Grafana dashboard (deploy/grafana/desktop-alerts.json) and Prometheus alert rules
 * (deploy/prometheus/alerts.yml) read only series that exist: every metric name in their queries is on a real
 * scrape (the ingress's /metrics with the workers' series, as in `npm start`, and the Temporal SDK's endpoint) after
 * an alert ran end to end. A misspelt name, or one renamed in the code, fails here instead of drawing an empty
 * panel or an alert that can never fire. Also: the rules' shape, and a README runbook entry for each.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { freePort } from '../../src/dev/temporal';
import { installTemporalRuntime } from '../../src/observability/temporal-runtime';
import {
  alertRequest,
  captureLogs,
  oneRateLimitedSend,
  startOpsStack,
  uniqueId,
  type OpsStack,
} from './helpers';
import { exposes, labelValuesMetric, promqlMetricNames, scrapeFamilies } from './promql-names';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** Series Prometheus makes itself for every scrape target, so no /metrics has them. */
const PROMETHEUS_SERIES = new Set(['up']);

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Array<{ expr: string; refId: string }>;
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
}
interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const dashboard = JSON.parse(read('deploy/grafana/desktop-alerts.json')) as Dashboard;
const rules = (
  parseYaml(read('deploy/prometheus/alerts.yml')) as { groups: Array<{ rules: Rule[] }> }
).groups.flatMap((g) => g.rules);
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');

/** Every query of the dashboard, by where it is (for the failure message). */
function dashboardQueries(): Array<{ where: string; names: string[] }> {
  const out = panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      where: `panel "${p.title}" ${t.refId}`,
      names: promqlMetricNames(t.expr),
    })),
  );
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
    out.push({ where: `variable ${v.name}`, names: labelValuesMetric(q) });
  }
  return out;
}
const ruleQueries = () => rules.map((r) => ({ where: `rule ${r.alert}`, names: promqlMetricNames(r.expr) }));

/** The metrics an expression reads without `matcher` among their label matchers. */
const unscoped = (expr: string, matcher: string): string[] =>
  promqlMetricNames(
    expr.replace(/[a-zA-Z_:][\w:]*\{[^}]*\}/g, (sel) => (sel.includes(matcher) ? ' 0 ' : sel)),
  );

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function readmeAnchors(): Set<string> {
  const anchors = new Set<string>();
  for (const m of read('README.md').matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

describe('promqlMetricNames', () => {
  it('finds the selectors and nothing else: functions, labels, strings, durations, keywords, numbers', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, task_queue) (rate(foo_seconds_bucket{job=~"$job",x="a b"}[$__rate_interval])))',
      ),
    ).toEqual(['foo_seconds_bucket']);
    expect(
      promqlMetricNames(
        `sum(rate(a_total{x='y'}[5m] offset 1h)) / on (job) group_left (instance) b > bool 1e3
         and sum without (le) (c) unless absent(d{e="f"}) or max_over_time(e:rec[1h:5m]) @ end()`,
      ),
    ).toEqual(['a_total', 'b', 'c', 'd', 'e:rec']);
    expect(promqlMetricNames('vector(0) + scalar(time())')).toEqual([]);
    expect(unscoped('a{job=~"$job"} / b{x="1"} + c', 'job=~"$job"')).toEqual(['b', 'c']);
    expect(labelValuesMetric('label_values(up{job=~"$job"}, instance)')).toEqual(['up']);
  });

  it("checks names against a scrape's families: histograms only through their series", () => {
    const families = scrapeFamilies(
      '# HELP a_total x\n# TYPE a_total counter\n# TYPE h_seconds histogram\n# TYPE s summary\ns_sum 1\n',
    );
    expect(
      ['a_total', 'h_seconds_bucket', 'h_seconds_sum', 'h_seconds_count', 's', 's_count'].map((n) =>
        exposes(families, n),
      ),
    ).toEqual([true, true, true, true, true, true]);
    // Misspelt, a histogram's bare name, a counter's made-up series, a summary's buckets.
    expect(['a_totl', 'h_seconds', 'a_total_count', 's_bucket'].map((n) => exposes(families, n))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('the dashboard and the alert rules', () => {
  it('every query names at least one metric (the extraction really finds them)', () => {
    const queries = [...dashboardQueries(), ...ruleQueries()];
    expect(queries.filter((q) => q.names.length === 0).map((q) => q.where)).toEqual([]);
    expect(panels.flatMap((p) => p.targets ?? []).length).toBeGreaterThanOrEqual(30);
    expect(rules.length).toBeGreaterThanOrEqual(10);
  });

  it('the dashboard: a Prometheus datasource variable every panel uses, job and instance variables, unique ids', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars.has('job') && vars.has('instance')).toBe(true);
    expect(panels.filter((p) => p.datasource?.uid !== '${datasource}').map((p) => p.title)).toEqual([]);
    const ids = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Every query is scoped by the variables, so picking a job or an instance narrows every panel.
    const targets = panels.flatMap((p) => p.targets ?? []);
    expect(targets.flatMap((t) => unscoped(t.expr, 'job=~"$job",instance=~"$instance"'))).toEqual([]);
  });

  it('each rule: alert, expr, for, a severity, a summary, a description and a runbook entry in the README', () => {
    const anchors = readmeAnchors();
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const r of rules) {
      expect({ alert: r.alert, for: r.for }).toEqual({
        alert: expect.stringMatching(/^DesktopAlerts[A-Z]\w+$/),
        for: expect.stringMatching(/^\d+[smh]$/),
      });
      expect(['critical', 'warning']).toContain(r.labels?.severity);
      expect(r.annotations?.summary).toEqual(expect.any(String));
      expect(r.annotations?.description).toEqual(expect.any(String));
      const m = /^README\.md#(.+)$/.exec(r.annotations?.runbook_url ?? '');
      expect({ alert: r.alert, runbook: m?.[1] }).toEqual({ alert: r.alert, runbook: r.alert.toLowerCase() });
      expect(anchors.has(m![1]!)).toBe(true);
      // Scoped to this service's jobs: temporal_* names are every Temporal SDK application's.
      expect({ alert: r.alert, unscoped: unscoped(r.expr, 'job=~"desktop-alerts.*"') }).toEqual({
        alert: r.alert,
        unscoped: [],
      });
    }
    // No runbook entry without its rule (a renamed rule leaves none behind).
    const runbooks = [...read('README.md').matchAll(/^#### (DesktopAlerts\w+)$/gm)].map((m) => m[1]);
    expect(runbooks.sort()).toEqual([...names].sort());
  });
});

describe('every metric the dashboard and the rules read is on /metrics after a real alert', () => {
  const agent = {
    id: uniqueId('dash-agent'),
    name: 'Jordan Smith',
    email: 'jordan.smith@example.com',
    presence: 'Available',
  };
  let stack: OpsStack;
  let sdkMetricsUrl: string;

  beforeAll(async () => {
    // This file's own process (jest runs each file in its own worker): the SDK runtime is installed once, here.
    const bind = `127.0.0.1:${await freePort()}`;
    const r = installTemporalRuntime(captureLogs('warn').logger, { metricsBindAddress: bind });
    expect(r).toEqual({ installed: true, metricsBindAddress: bind });
    sdkMetricsUrl = `http://${bind}/metrics`;
    // The downstream receiver fails the first hand-off: the SDK counts failed activities only once one fails.
    stack = await startOpsStack({ users: [agent], downstreamAnswer: (_req, n) => (n === 1 ? 500 : 200) });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('names every series on the service scrape or the SDK scrape', async () => {
    // One 429 on the send: the delivery activity fails once (then waits Retry-After), so the SDK's failure counter
    // exists. prom-client lists every registered metric from the start; the SDK's exporter only what it recorded.
    const emu = stack.emulator.control;
    oneRateLimitedSend(stack);
    const key = uniqueId('dash');
    const body = alertRequest({ target: { userId: agent.id }, idempotencyKey: key });
    expect((await stack.api('/v1/alerts', { body })).status).toBe(202);
    let notificationId: string | undefined;
    for (let i = 0; i < 100 && !notificationId; i++) {
      notificationId = emu.listNotifications({ idempotencyKey: key })[0]?.id;
      if (!notificationId) await new Promise((r) => setTimeout(r, 100));
    }
    const click = emu.click(notificationId!, { actionId: 'ack' });
    await emu.waitForCallback(click.delivery!.id, 10_000);
    const state = await stack.waitForAlert(`alert-${key}`, (s) => s.status === 'actioned');
    expect(state).toMatchObject({ status: 'actioned' });

    const wanted = new Set([...dashboardQueries(), ...ruleQueries()].flatMap((q) => q.names));
    for (const n of PROMETHEUS_SERIES) wanted.delete(n);
    let missing: string[] = [];
    for (let i = 0; i < 100; i++) {
      const [service, sdk] = await Promise.all(
        [`${stack.ingress.url}/metrics`, sdkMetricsUrl].map(async (u) =>
          scrapeFamilies(await (await fetch(u)).text()),
        ),
      );
      missing = [...wanted].filter((n) => !exposes(service!, n) && !exposes(sdk!, n)).sort();
      if (missing.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(missing).toEqual([]);
    // Both sides are really checked: names from the service and from the SDK.
    expect([...wanted].filter((n) => n.startsWith('temporal_')).length).toBeGreaterThanOrEqual(5);
    expect([...wanted].filter((n) => !n.startsWith('temporal_')).length).toBeGreaterThanOrEqual(12);
  });
});
