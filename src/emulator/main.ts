/**
 * `npm run emulator`: a Genesys Cloud emulator on EMULATOR_PORT (default 4010) with demo agents.
 * Optional: EMULATOR_HOST, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, EMULATOR_RATE_LIMIT_PER_MINUTE,
 * CALLBACK_SIGNING_SECRET (whsec_..., signs callbacks), EMULATOR_TIME_SCALE, EMULATOR_AGENT_APP_URL (the
 * Client App URL template the desktop shell frames when no integration is registered).
 */
import { DEMO_USERS } from './demo-users';
import { startEmulator } from './index';
import { DEFAULT_PKCE_CLIENT } from './tokens';

function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`${name} must be a number (got '${v}')`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const clientId = process.env.EMULATOR_CLIENT_ID ?? 'emulator-client';
  const clientSecret = process.env.EMULATOR_CLIENT_SECRET ?? 'emulator-secret';
  const emulator = await startEmulator({
    port: envNumber('EMULATOR_PORT', 4010),
    host: process.env.EMULATOR_HOST ?? '127.0.0.1',
    clients: [{ clientId, clientSecret }, DEFAULT_PKCE_CLIENT],
    rateLimitPerMinute: envNumber('EMULATOR_RATE_LIMIT_PER_MINUTE', 300),
    timeScale: envNumber('EMULATOR_TIME_SCALE', 1),
    callbackSigningSecret: process.env.CALLBACK_SIGNING_SECRET || undefined,
    users: DEMO_USERS,
    agentAppUrl: process.env.EMULATOR_AGENT_APP_URL || undefined,
    logger: { info: (...a: unknown[]) => console.log(...a), warn: (...a: unknown[]) => console.warn(...a) },
  });
  const lines = [
    `Genesys Cloud emulator listening on ${emulator.url}`,
    `  GENESYS_API_BASE=${emulator.url}  GENESYS_LOGIN_BASE=${emulator.url}`,
    `  GENESYS_CLIENT_ID=${clientId}  GENESYS_CLIENT_SECRET=${clientSecret}`,
    `  PKCE sign-in: ${emulator.url}/oauth/authorize client_id=${DEFAULT_PKCE_CLIENT.clientId} (loopback redirect URIs)`,
    `  callbacks ${process.env.CALLBACK_SIGNING_SECRET ? 'signed (Standard Webhooks)' : 'NOT signed (set CALLBACK_SIGNING_SECRET)'}`,
    `  desktop shell: ${emulator.url}/desktop?agent=<userId> (Client App: ${process.env.EMULATOR_AGENT_APP_URL ? 'EMULATOR_AGENT_APP_URL' : 'a registered integration'})`,
    `  control API: ${emulator.url}/__emulator (see src/emulator/README.md)`,
    '  seeded users:',
    ...emulator.control
      .listUsers()
      .map(
        (u) =>
          `    ${u.id}  ${u.email.padEnd(26)} ${u.state.padEnd(8)} ${u.presence.padEnd(9)} ${u.routingStatus.padEnd(11)} ${u.name}`,
      ),
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the emulator`);
    emulator.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
