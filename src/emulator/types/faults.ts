/** Fault injection settings and forced-status rules. */

export interface FaultSettings {
  /** Fraction (0..1) of matching calls answered with errorStatus. */
  errorRate: number;
  /** Default 503. */
  errorStatus: number;
  /** Calls the error rate applies to. Default '/api/' (the token endpoint is spared). */
  errorPathPrefix: string;
  /** Added to every matching call's answer (the call is processed, its answer is late). */
  latencyMs: number;
  /** Fraction (0..1) of matching calls whose answer is delayed by slowMs on top of latencyMs. */
  slowRate: number;
  slowMs: number;
  /** Calls the latency settings apply to. Default '/' (everything but the control API). */
  latencyPathPrefix: string;
  /** Probability that a notification POST for an online agent first flips the agent Offline and answers 409. */
  presenceFlipRate: number;
  /**
   * Fraction (0..1) of user searches and user GETs asking for `expand=presence` that leave `presence` out, as
   * the real API may (expand is best effort); the bulk presence endpoint still answers.
   */
  presenceExpandOmitRate: number;
}

export interface ForcedStatusInput {
  status: number;
  /** How many matching calls to answer with `status`. Default 1. */
  count?: number;
  /** Default: any method. */
  method?: string;
  /** Default '/api/' (every API call; use '/oauth/token' to target the token endpoint). */
  pathPrefix?: string;
  /** Sent as Retry-After (seconds); for 429 defaults to 1. */
  retryAfterSeconds?: number;
}

export interface ForcedStatusRule {
  id: string;
  status: number;
  remaining: number;
  method: string | null;
  pathPrefix: string;
  retryAfterSeconds: number | null;
}

export interface FaultState extends FaultSettings {
  forced: ForcedStatusRule[];
  /** Users whose next notification POST flips them Offline and answers 409. */
  presenceFlipUsers: string[];
}
