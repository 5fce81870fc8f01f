/**
 * The load balancer in front of the two ingress processes (PUBLIC_BASE_URL points here, so the emulator's signed
 * callbacks reach whichever ingress is up): round robin; a request whose ingress refuses the connection or drops
 * it before answering goes to the next one, the way a proxy with passive health checks retries an idempotent hop
 * (a callback carries its webhook-id, so a repeat is answered as a duplicate).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Requests moved to another ingress because theirs was down. */
  failovers(): number;
  close(): Promise<void>;
}

function forward(
  upstream: string,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(upstream);
    const r = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: u.host, 'content-length': String(body.length) },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error('upstream timeout')));
    r.on('error', reject);
    r.end(body);
  });
}

export async function startBalancer(upstreams: string[]): Promise<Balancer> {
  let next = 0;
  let failovers = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const first = next++ % upstreams.length;
      void (async () => {
        for (let i = 0; i < upstreams.length; i++) {
          try {
            const up = await forward(upstreams[(first + i) % upstreams.length]!, req, body);
            const headers = { ...up.headers };
            delete headers['transfer-encoding'];
            delete headers.connection;
            res.writeHead(up.status, headers).end(up.body);
            return;
          } catch {
            failovers++;
          }
        }
        res.writeHead(502).end();
      })();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failovers: () => failovers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
