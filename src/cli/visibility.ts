/**
 * Finding alerts for `list`: the visibility query its filters make, run against Temporal, a row per
 * alert.
 */
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DESKTOP_CHANNELS } from '../shared/agent-app';
import { SA } from '../shared/search-attributes';
import { ALERT_TYPES, ALERT_WORKFLOW_TYPE, PRIORITIES } from '../shared/constants';
import { ALERT_STATUSES } from '../shared/messages';
import {
  errorText,
  temporalConnectHint,
  temporalConnectOptions,
  type TemporalConnection,
} from '../temporal-connection';
import { CliError, UsageError } from './errors';

/** A filter per search attribute: its flag, and the values it may take (for an enumeration). */
const FILTERS: { [A in keyof typeof SA]: { flag: string; allowed?: readonly string[] } } = {
  status: { flag: '--status', allowed: ALERT_STATUSES },
  type: { flag: '--type', allowed: ALERT_TYPES },
  priority: { flag: '--priority', allowed: PRIORITIES },
  agent: { flag: '--agent' },
  source: { flag: '--source' },
  transactionId: { flag: '--transaction-id' },
  channel: { flag: '--channel', allowed: [...DESKTOP_CHANNELS, 'none'] },
  channelSkips: { flag: '--channel-skip' },
};

/** What `list` looks for: values of each search attribute (ORed), a start time, a raw clause; all ANDed. */
export type ListFilters = { [A in keyof typeof SA]?: string[] } & {
  since?: Date;
  /** A raw visibility clause, ANDed with the rest. */
  query?: string;
};

/** Values are quoted into the query: refuse anything that could break out of the literal. */
const safeValue = (v: string): boolean =>
  v.length > 0 && v.length <= 500 && !/['"\\]/.test(v) && ![...v].some((c) => c.charCodeAt(0) < 0x20);

function inClause(
  attr: string,
  flag: string,
  values: string[] | undefined,
  allowed?: readonly string[],
): string | undefined {
  if (!values || values.length === 0) return undefined;
  for (const v of values) {
    if (!safeValue(v))
      throw new UsageError(`${flag}: '${v}' contains quotes, backslashes or control characters`);
    if (allowed && !allowed.includes(v))
      throw new UsageError(`${flag}: '${v}' is not one of ${allowed.join(', ')}`);
  }
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length === 1 ? `${attr} = ${quoted[0]}` : `${attr} IN (${quoted.join(', ')})`;
}

/** The visibility query for `list`: alert workflows only, every filter ANDed; values of one filter ORed. */
export function buildListQuery(f: ListFilters): string {
  const clauses = [
    `WorkflowType = '${ALERT_WORKFLOW_TYPE}'`,
    ...(Object.keys(FILTERS) as Array<keyof typeof SA>).map((a) =>
      inClause(SA[a].name, FILTERS[a].flag, f[a], FILTERS[a].allowed),
    ),
    f.since ? `StartTime >= '${f.since.toISOString()}'` : undefined,
    f.query ? `(${f.query})` : undefined,
  ];
  return clauses.filter((c): c is string => c !== undefined).join(' AND ');
}

export interface AlertRow {
  alertId: string;
  status: string;
  type: string;
  priority: string;
  agent: string;
  source?: string;
  transactionId?: string;
  startedAt: string;
  closedAt?: string;
  /** Temporal's own status of the run (RUNNING, COMPLETED, FAILED, ...). */
  workflowStatus: string;
}

function toRow(w: WorkflowExecutionInfo): AlertRow {
  const sa = w.typedSearchAttributes;
  const run = w.status.name;
  const status = sa.get(SA.status);
  return {
    alertId: w.workflowId,
    // A run that ended abnormally never wrote its final status: say how it ended instead.
    status: status && (run === 'RUNNING' || run === 'COMPLETED') ? status : run.toLowerCase(),
    type: sa.get(SA.type) ?? '',
    priority: sa.get(SA.priority) ?? '',
    agent: sa.get(SA.agent) ?? '',
    source: sa.get(SA.source),
    transactionId: sa.get(SA.transactionId),
    startedAt: w.startTime.toISOString(),
    closedAt: w.closeTime?.toISOString(),
    workflowStatus: run,
  };
}

interface TemporalTarget {
  /** Where and how (TLS, API key): CommandContext.temporal. */
  temporal: TemporalConnection;
  connectTimeoutMs: number;
  /** The service's data converter (TEMPORAL_PAYLOAD_KEYS): listing decodes each run's memo, encrypted or not. */
  dataConverter?: DataConverter;
}

/** Newest first, at most `limit` alerts. */
export async function listAlerts(t: TemporalTarget, query: string, limit: number): Promise<AlertRow[]> {
  let connection: Connection;
  const { address, namespace } = t.temporal;
  try {
    connection = await Connection.connect({
      ...temporalConnectOptions(t.temporal),
      connectTimeout: t.connectTimeoutMs,
    });
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${address}: is it running? (${errorText(err)})`,
      [temporalConnectHint(t.temporal, err)].filter((l): l is string => l !== undefined),
      {
        error: { type: 'unreachable', detail: `cannot reach Temporal at ${address}` },
      },
    );
  }
  try {
    const client = new Client({ connection, namespace, dataConverter: t.dataConverter });
    const rows: AlertRow[] = [];
    for await (const w of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
      rows.push(toRow(w));
      if (rows.length >= limit) break;
    }
    return rows;
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    const hint = /search attribute|not defined|unknown/i.test(msg)
      ? [
          'are the search attributes registered? (docker compose runs temporal-admin-tools; `npm run temporal` does it locally)',
        ]
      : [];
    throw new CliError(
      `Temporal rejected the query in namespace '${namespace}': ${msg}`,
      [`query: ${query}`, ...hint],
      {
        error: { type: 'query_failed', detail: msg, query },
      },
    );
  } finally {
    await connection.close();
  }
}
