import { types } from 'node:util';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Fields that may hold secrets: pino replaces them before a line is written. */
const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["webhook-signature"]',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

const DEBUG_LEVELS = new Set(['debug', 'trace']);

/**
 * One serialiser for every error that reaches a log line, under `err` (ours) or `error` (the Temporal SDK's
 * "Workflow failed", activity failures): pino's standard one with the cause chain (type, message, own
 * fields), the stack only when the logger runs at debug or trace. A raw Error under a key without a
 * serialiser is written as `{}`, which is how a failing workflow's reason used to vanish. Temporal's raw
 * `failure` proto is dropped: its payloads may hold alert text.
 */
function errorSerializer(level: string): (value: unknown) => unknown {
  const withStack = DEBUG_LEVELS.has(level);
  // isNativeError: errors from the workflow sandbox come from another realm, where `instanceof Error` fails.
  const isError = (v: unknown): v is Error => v instanceof Error || types.isNativeError(v);
  const serialise = (e: Error, depth: number): Record<string, unknown> => {
    const {
      stack,
      failure: _failure,
      cause: _cause,
      ...rest
    } = pino.stdSerializers.errWithCause(e) as unknown as Record<string, unknown>;
    // A Temporal ApplicationFailure names its kind in `type`, which the standard serialiser overwrites with the class.
    const failureType = (e as { type?: unknown }).type;
    const cause = e.cause;
    return {
      ...rest,
      ...(typeof failureType === 'string' && failureType !== rest.type ? { failureType } : {}),
      ...(withStack && stack !== undefined ? { stack } : {}),
      ...(isError(cause) && depth < 8
        ? { cause: serialise(cause, depth + 1) }
        : cause !== undefined
          ? { cause }
          : {}),
    };
  };
  return (value) => (isError(value) ? serialise(value, 0) : value);
}

/**
 * The active span's ids on every line written inside one (an alert's request, activity, Genesys call), so a line
 * leads to its trace and back. Nothing when there is no span: tracing off, or outside any traced work.
 */
function traceIds(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/** JSON logs (pretty in an interactive terminal unless LOG_FORMAT=json). */
export function createLogger(
  opts: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const base: pino.LoggerOptions = {
    level,
    name: opts.name ?? 'desktop-alerts',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: errorSerializer(level), error: errorSerializer(level) },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceIds,
  };
  if (opts.destination) return pino(base, opts.destination);
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json' && process.env.NODE_ENV !== 'test';
  if (pretty) {
    return pino({
      ...base,
      // One line per event, the component first: a person reads a terminal, a machine reads the JSON (LOG_FORMAT=json).
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: true,
          translateTime: 'SYS:HH:MM:ss.l',
          singleLine: true,
          ignore: 'pid,hostname,name,component',
          messageFormat: '{if component}{component}: {end}{msg}',
        },
      },
    });
  }
  return pino(base);
}
