/**
 * startService for tests whose ingress must know its own URL before it listens (the emulator calls it back at
 * `publicBaseUrl`). The port is picked free, then bound by the ingress a moment later; another process can take
 * it in between (EADDRINUSE, seen in CI with two jest workers, dev servers and emulators binding ports). Then a
 * new port is picked and the service started again (startService closes what it opened when it fails).
 */
import type { Config } from '../../src/config';
import { freePort } from '../../src/dev/temporal';
import { startService, type Service, type ServiceOverrides } from '../../src/service';

export async function startServiceOnFreePort(
  configFor: (port: number) => Config,
  overrides: ServiceOverrides,
  attempts = 5,
): Promise<{ service: Service; config: Config }> {
  for (let attempt = 1; ; attempt++) {
    const config = configFor(await freePort());
    try {
      return { service: await startService(config, overrides), config };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= attempts) throw err;
    }
  }
}
