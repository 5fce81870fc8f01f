import { Runtime, type LogLevel, type LogMetadata, type RuntimeOptions } from '@temporalio/worker';
import type { Logger } from './logger';

const LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * SDK warnings that describe this service's design rather than a problem, logged at DEBUG: the Genesys
 * worker runs activities only, so at every start the SDK would warn that it has no workflows to poll for.
 */
const BY_DESIGN = [/^No workflows registered, not polling for workflow tasks/];
const sdkLogLevel = (level: LogLevel, message: string): LogLevel =>
  level === 'WARN' && BY_DESIGN.some((r) => r.test(message)) ? 'DEBUG' : level;

export interface TemporalRuntimeOptions {
  /** Lowest SDK log level passed on (default TEMPORAL_LOG_LEVEL, else WARN: the SDK's INFO lines are start-up chatter). */
  level?: LogLevel;
  /**
   * `host:port` where the SDK serves its own Prometheus metrics (`/metrics`: task latencies, slots, polls,
   * activity and workflow outcomes). Unset: no SDK metrics.
   */
  metricsBindAddress?: string;
}

/**
 * Install the Temporal Runtime once per process: the SDK's own logs (worker, workflow `log`, activity
 * context) go to pino, and, with `metricsBindAddress`, its metrics to a Prometheus endpoint.
 * Runtime.install can run only once per process, so both live here. `installed` is false when a runtime
 * was already installed (by another entry point in this process): nothing changed then.
 * `metricsBindAddress` is set when the SDK metrics are being served.
 */
export function installTemporalRuntime(
  logger: Logger,
  opts: TemporalRuntimeOptions = {},
): { installed: boolean; metricsBindAddress?: string } {
  const level = opts.level ?? (process.env.TEMPORAL_LOG_LEVEL as LogLevel | undefined) ?? 'WARN';
  const min = LEVELS[level] ?? LEVELS.WARN;
  const child = logger.child({ component: 'temporal' });
  const emit = (sdkLevel: LogLevel, message: string, meta?: LogMetadata) => {
    const lvl = sdkLogLevel(sdkLevel, message);
    if (LEVELS[lvl] < min) return;
    const fn = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' }[lvl] as 'info';
    child[fn](meta ?? {}, message);
  };
  const base: RuntimeOptions = {
    logger: {
      log: emit,
      trace: (m, meta) => emit('TRACE', m, meta),
      debug: (m, meta) => emit('DEBUG', m, meta),
      info: (m, meta) => emit('INFO', m, meta),
      warn: (m, meta) => emit('WARN', m, meta),
      error: (m, meta) => emit('ERROR', m, meta),
    },
  };
  const install = (options: RuntimeOptions): boolean => {
    try {
      Runtime.install(options);
      return true;
    } catch (err) {
      if (/already been (installed|instantiated)/i.test((err as Error).message)) return false;
      throw err;
    }
  };
  const bindAddress = opts.metricsBindAddress;
  if (!bindAddress) return { installed: install(base) };
  try {
    const installed = install({ ...base, telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
    return installed ? { installed, metricsBindAddress: bindAddress } : { installed };
  } catch (err) {
    // A taken port must not stop the service: run without SDK metrics, and say so.
    logger.warn({ err, bindAddress }, 'Temporal SDK metrics unavailable');
    return { installed: install(base) };
  }
}

/** Logs only (see installTemporalRuntime). */
export function installTemporalRuntimeLogger(logger: Logger, level?: LogLevel): void {
  installTemporalRuntime(logger, { level });
}
