/**
 * Genesys Cloud emulator: an independent local implementation of shared/design/GENESYS.md
 * (OAuth client credentials, user search and session, Desktop Notifications, signed callbacks),
 * with fault injection and a control API. Shares no code with src/genesys on purpose.
 */
import { EmulatorCore } from './core';
import { startServer } from './server';
import type { Emulator, EmulatorOptions } from './types';

export * from './types';
export { signWebhook, decodeSigningSecret, RETRY_DELAYS_S, CALLBACK_TIMEOUT_S } from './callbacks';
export { DEFAULT_NOTIFICATIONS_PATH } from './config';
export { DEFAULT_CLIENT } from './tokens';
export { DEMO_USERS } from './demo-users';
export type { EmulatorEvent } from './events';

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const core = new EmulatorCore(opts);
  const host = opts.host ?? '127.0.0.1';
  let running;
  try {
    running = await startServer(core, host, opts.port ?? 0);
  } catch (e) {
    await core.dispatcher.close();
    throw e;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${running.port}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port: running.port,
    control: core,
    close: () => {
      closing ??= (async () => {
        await core.dispatcher.close();
        await running.close();
      })();
      return closing;
    },
  };
}
