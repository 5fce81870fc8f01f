import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from './logger';

const LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * Route the Temporal SDK's own logs (worker, workflow `log`, activity context) to pino, at
 * TEMPORAL_LOG_LEVEL (default WARN: the SDK's INFO lines are start-up chatter). Once per process.
 */
export function installTemporalRuntimeLogger(logger: Logger, level: LogLevel = (process.env.TEMPORAL_LOG_LEVEL as LogLevel) ?? 'WARN'): void {
  const min = LEVELS[level] ?? LEVELS.WARN;
  const child = logger.child({ component: 'temporal' });
  const emit = (lvl: LogLevel, message: string, meta?: LogMetadata) => {
    if (LEVELS[lvl] < min) return;
    const fn = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' }[lvl] as 'info';
    child[fn](meta ?? {}, message);
  };
  try {
    Runtime.install({
      logger: {
        log: emit,
        trace: (m, meta) => emit('TRACE', m, meta),
        debug: (m, meta) => emit('DEBUG', m, meta),
        info: (m, meta) => emit('INFO', m, meta),
        warn: (m, meta) => emit('WARN', m, meta),
        error: (m, meta) => emit('ERROR', m, meta),
      },
    });
  } catch {
    // The runtime was already installed (another entry point in this process did it).
  }
}
