import pino, { type Logger } from 'pino';

export type { Logger };

/** Fields that may hold secrets: pino replaces them before a line is written. */
export const REDACT_PATHS = [
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

/** JSON logs (pretty in an interactive terminal unless LOG_FORMAT=json). */
export function createLogger(opts: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  const base: pino.LoggerOptions = {
    level,
    name: opts.name ?? 'desktop-alerts',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(base, opts.destination);
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json' && process.env.NODE_ENV !== 'test';
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base);
}
