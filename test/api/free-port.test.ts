/** The test helper that starts the service on a port picked in advance copes with that port being taken meanwhile. */
import net from 'node:net';
import pino from 'pino';
import { testConfig } from '../helpers/config';
import { startServiceOnFreePort } from '../helpers/service';

test('a port taken between picking it and binding it is picked again', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as net.AddressInfo).port;
  const ports: number[] = [];
  try {
    // The first attempt is handed the taken port, as if another process had bound it after freePort().
    const { service, config } = await startServiceOnFreePort(
      (port) => {
        ports.push(ports.length === 0 ? taken : port);
        return testConfig({ ingress: { port: ports.at(-1)! } });
      },
      { logger: pino({ level: 'silent' }), workers: false },
    );
    try {
      expect(ports).toHaveLength(2);
      expect(config.ingress.port).toBe(ports[1]);
      expect(service.ingress!.port).toBe(ports[1]);
    } finally {
      await service.close();
    }
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
