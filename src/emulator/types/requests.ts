/** The request log: its entries, filters and the request-rate query. */

export interface RequestLogEntry {
  seq: number;
  /** Arrival time, ms epoch with sub-millisecond resolution. */
  at: number;
  method: string;
  path: string;
  /** Route template, e.g. 'GET /api/v2/users/{userId}'. */
  route: string;
  status: number;
  clientId: string | null;
  latencyMs: number;
  correlationId: string;
  /** Why the emulator produced this answer on its own: 'ratelimit', 'error-rate', 'forced', 'presence-flip', 'presence-omitted'. */
  fault: string | null;
}

export interface RequestFilter {
  /** Only entries with seq > sinceSeq. */
  sinceSeq?: number;
  /** Only entries with at >= since (ms epoch). */
  since?: number;
  pathPrefix?: string;
  method?: string;
  status?: number;
  clientId?: string;
  /** Newest `limit` entries after filtering. */
  limit?: number;
}

export interface RequestRateQuery {
  /** Default 1000. */
  windowMs?: number;
  pathPrefix?: string;
  method?: string;
  since?: number;
  /** Count only these statuses (e.g. [201]); default all. */
  statuses?: number[];
}

export interface RequestRate {
  windowMs: number;
  /** Windows aligned on the first matching request, empty windows included. */
  buckets: { start: number; count: number }[];
  max: number;
  total: number;
}
